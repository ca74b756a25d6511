//! `gongwen render`: each county's 附件1, 附件2 and cover report, as PDF/A (and DOCX), into
//! `DIR/<市>/<县>/`. A file with errors is reported like `check` and skipped; the others go
//! on. Every document of a file is rendered before any is written, and each is written
//! atomically, so the output folder never holds half a job.

use std::path::Path;

use gongwen::intake::Limits;
use gongwen::intake::sandbox::{Isolation, SandboxFault};
use gongwen::model::Submission;
use gongwen::pipeline::{self, WorkbookReader};
use gongwen::render::renderer::{RenderError, Rendered};

use super::output::{print_stdout, render_fault, warn_template, write_files};
use super::setup::{forks, open_renderer};
use super::{Fault, Status, parallel};
use crate::cli::args::BatchArgs;
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

/// A progress bar on stderr for many files on a terminal; hidden otherwise, so logs and pipes
/// see plain lines.
fn progress_bar(files: usize) -> indicatif::ProgressBar {
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
fn report_and_write(sub: &Submission, rendered: &Rendered, dir: &Path) -> Result<(), Fault> {
    let mut out = String::new();
    for d in &rendered.diagnostics {
        out.push_str(&d.human(&sub.source.file));
    }
    print_stdout(&out)?;
    warn_template(&rendered.typst_warnings);
    write_files(&rendered.files, dir)
}
