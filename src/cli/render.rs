//! `gongwen render`: each county's 附件1, 附件2 and cover report, as PDF/A (and DOCX), into
//! `DIR/<市>/<县>/`. A file with errors is reported like `check` and skipped; the others go
//! on. Every document of a file is rendered before any is written, and each is written
//! atomically, so the output folder never holds half a job.

use std::io::Write;
use std::path::{Path, PathBuf};

use gongwen::config::{Config, SealStyle};
use gongwen::intake::Limits;
use gongwen::intake::sandbox::{Isolation, SandboxFault};
use gongwen::model::Submission;
use gongwen::pipeline::{self, RenderedFile, WorkbookReader};
use gongwen::render::renderer::{Formats, RenderError, Rendered, Renderer};
use gongwen::render::world::{GongwenWorld, Templates, WorldError};

use super::{Fault, Status, install, parallel};
use crate::cli::args::{BatchArgs, RenderOptions, SealArg};
use crate::cli::check::human_report;

pub fn render(args: &BatchArgs) -> Result<Status, Fault> {
    let renderer = open_renderer(&args.options)?;
    renderer.world().preload_fonts();
    let reader = WorkbookReader::Isolated(Isolation::current_exe()?);
    let limits = Limits::default();
    let workers = forks(
        renderer,
        parallel::worker_count(args.jobs, args.files.len()),
    );
    let mut status = Status::Ok;
    let bar = progress_bar(args.files.len());
    parallel::in_order(
        &args.files,
        workers,
        |renderer, path| {
            let sub = pipeline::read_submission(path, &reader, &limits)?;
            let rendered =
                (!sub.has_errors() && sub.county.is_some()).then(|| renderer.county(&sub));
            Ok((sub, rendered))
        },
        |job: Result<(Submission, Option<Result<Rendered, RenderError>>), SandboxFault>| {
            let (sub, rendered) = job?;
            bar.inc(1);
            bar.set_message(sub.source.file.clone());
            bar.suspend(|| print_stdout(&human_report(&sub)))?;
            let (Some(rendered), Some(county)) = (rendered, &sub.county) else {
                status = Status::FileErrors;
                return Ok(());
            };
            match rendered {
                Ok(rendered) => {
                    let dir = args.out.join(&county.city).join(&county.name);
                    bar.suspend(|| report_and_write(&sub, &rendered, &dir))
                }
                Err(RenderError::Compose(err)) => {
                    eprintln!("错误: {err}");
                    status = Status::FileErrors;
                    Ok(())
                }
                Err(err) => Err(render_fault(&err)),
            }
        },
    )?;
    bar.finish_and_clear();
    Ok(status)
}

/// `renderer` and `count - 1` forks of it, one for each worker.
pub fn forks(renderer: Renderer, count: usize) -> Vec<Renderer> {
    let mut workers: Vec<Renderer> = (1..count).map(|_| renderer.fork()).collect();
    workers.insert(0, renderer);
    workers
}

/// A progress bar on stderr for many files on a terminal; hidden otherwise, so logs and pipes
/// see plain lines.
pub fn progress_bar(files: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if files < 2 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(files as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Prints what the renderer noticed, then writes the files into `dir`.
pub fn report_and_write(sub: &Submission, rendered: &Rendered, dir: &Path) -> Result<(), Fault> {
    let mut out = String::new();
    for d in &rendered.diagnostics {
        out.push_str(&d.human(&sub.source.file));
    }
    print_stdout(&out)?;
    warn_template(&rendered.typst_warnings);
    write_files(&rendered.files, dir)
}

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

pub fn print_stdout(text: &str) -> Result<(), Fault> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Fault::new(format!("cannot write the report: {e}")))
}

pub fn render_fault(err: &RenderError) -> Fault {
    Fault::new(err.to_string()).hint(
        "this is a fault of gongwen's templates or fonts, not of the spreadsheet; please report it",
    )
}

/// The configuration, the templates and the fonts, checked, as one renderer kept for every
/// file of the run.
pub fn open_renderer(options: &RenderOptions) -> Result<Renderer, Fault> {
    let config = render_config(options)?;
    let root = install::resolve(options)?;
    let templates = match (&options.templates, &root) {
        (Some(dir), _) => Templates::Dir(dir.clone()),
        (None, Some(root)) if root.dir.join("templates").join("main.typ").is_file() => {
            Templates::Dir(root.dir.join("templates"))
        }
        (None, _) => Templates::Builtin,
    };
    let mut font_dirs: Vec<PathBuf> = root.iter().map(|r| r.dir.join("fonts")).collect();
    font_dirs.extend(options.font_paths.iter().cloned());
    let world = GongwenWorld::new(&templates, &font_dirs).map_err(|e| match e {
        WorldError::Fonts(missing) => {
            let fault = Fault::new(missing.to_string());
            let fault = match &root {
                Some(root) => fault.hint(format!(
                    "fonts/ is that of {}; name another with --install-root or GONGWEN_HOME",
                    root.describe()
                )),
                None => fault.hint(
                    "no installation folder was found: none was named with --install-root or GONGWEN_HOME, and neither the current folder nor the executable's folder (or the one above it) has fonts/ or templates/",
                ),
            };
            fault.hint(
                "put the fonts into fonts/ (see fonts/README.md) or name a folder that has them with --font-path, e.g. --font-path /usr/share/fonts/opentype/noto --font-path /usr/share/fonts/truetype/lxgw-wenkai",
            )
        }
        other => Fault::new(other.to_string()),
    })?;
    Ok(Renderer::new(world, config, Formats::default()))
}

/// The configuration the options name, with `--seal` applied over it.
pub fn render_config(options: &RenderOptions) -> Result<Config, Fault> {
    let mut config = load_config(options.config.as_deref())?;
    if let Some(seal) = options.seal {
        config.seal.style = match seal {
            SealArg::Outline => SealStyle::Outline,
            SealArg::None => SealStyle::None,
        };
    }
    Ok(config)
}

/// `--config FILE`, else `./gongwen.toml` when it exists, else the defaults. Every problem of
/// the file is a hint line `FILE:LINE: message`.
fn load_config(path: Option<&Path>) -> Result<Config, Fault> {
    let default = Path::new("gongwen.toml");
    let path = match path {
        Some(path) => path,
        None if default.is_file() => default,
        None => return Ok(Config::default()),
    };
    let shown = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let shown = shown.display();
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Fault::new(format!("the configuration {shown} does not exist")).hint(
                "gongwen reads the file named by --config; without --config it reads gongwen.toml in the daemon's root (watch) or the current folder (render, rollup), and uses the defaults when there is none",
            )
        }
        _ => Fault::new(format!("cannot read the configuration {shown}: {e}"))
            .hint("--config must name a readable TOML file"),
    })?;
    Config::parse_bytes(&bytes).map_err(|e| {
        let count = e.problems.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        let mut fault = Fault::new(format!(
            "{shown}: invalid configuration, {count} {noun}; nothing was done"
        ));
        let file = path.display().to_string();
        for problem in &e.problems {
            fault = fault.hint(problem.located(&file));
        }
        fault
    })
}
