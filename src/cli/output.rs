//! What the subcommands print and write: reports on stdout, template warnings on stderr,
//! documents written atomically, and the fault our templates or fonts cause. Shared by
//! render, rollup and template.

use std::io::Write;
use std::path::Path;

use gongwen::pipeline::{self, RenderedFile};
use gongwen::render::renderer::RenderError;

use super::Fault;

/// typst's warnings are about our templates: shown on stderr, they change nothing.
pub fn warn_template(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: template: {w}");
    }
}

/// Writes every file atomically into `dir` and names it on stdout.
pub fn write_files(files: &[RenderedFile], dir: &Path) -> Result<(), Fault> {
    let paths = pipeline::write_rendered(dir, files).map_err(|e| {
        Fault::new(format!("cannot write into {}: {e}", dir.display()))
            .hint("check that the output folder (--out) is writable")
    })?;
    for path in &paths {
        print_stdout(&format!("  → {}\n", path.display()))?;
    }
    Ok(())
}

/// Prints and flushes `text`; a closed or full stdout is a fault, not a panic.
pub fn print_stdout(text: &str) -> Result<(), Fault> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Fault::new(format!("cannot write the report: {e}")))
}

/// A document that fails to render is gongwen's fault, never the clerk's.
pub fn render_fault(err: &RenderError) -> Fault {
    Fault::new(err.to_string()).hint(
        "this is a fault of gongwen's templates or fonts, not of the spreadsheet; please report it",
    )
}
