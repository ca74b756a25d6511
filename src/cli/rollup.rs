//! `gongwen rollup`: each city's 附件3 and cover report, and its 附件1 and 附件2 as workbooks
//! ([`gongwen::lists`]), from its counties' files, into `DIR/<市>/`, and `DIR/全省汇总` with
//! `DIR/全省整改清单.xlsx` when the files span several cities. A file with errors is
//! reported and left out of the roll-up; the latest file of each county counts.

use gongwen::intake::Limits;
use gongwen::intake::sandbox::Isolation;
use gongwen::pipeline::{self, WorkbookReader};
use gongwen::render::compose;
use gongwen::render::renderer::RenderError;

use super::output::{print_stdout, render_fault, warn_template, write_files};
use super::setup::{forks, open_renderer};
use super::{Fault, Status, parallel};
use crate::cli::args::BatchArgs;
use crate::cli::check::human_report;

pub fn rollup(args: &BatchArgs) -> Result<Status, Fault> {
    let renderer = open_renderer(&args.options)?;
    renderer.world().preload_fonts();
    let reader = WorkbookReader::Isolated(Isolation::current_exe()?);
    let limits = Limits::default();
    let mut status = Status::Ok;
    let mut good = Vec::new();
    let readers = vec![(); parallel::worker_count(args.jobs, args.files.len())];
    parallel::in_order(
        &args.files,
        readers,
        |(), path| pipeline::read_submission(path, &reader, &limits),
        |sub| {
            let sub = sub?;
            print_stdout(&human_report(&sub))?;
            if sub.has_errors() || sub.county.is_none() {
                status = Status::FileErrors;
            } else {
                good.push(sub);
            }
            Ok(())
        },
    )?;
    // Each city's documents, then the province summary when the files span several cities.
    let cities = compose::cities_of(&good);
    let mut targets: Vec<Option<&str>> = cities.iter().map(|c| Some(c.as_str())).collect();
    if cities.len() > 1 {
        targets.push(None);
    }
    let workers = forks(renderer, parallel::worker_count(args.jobs, targets.len()));
    let good = &good;
    parallel::in_order(
        &targets,
        workers,
        |renderer, &target| {
            let rendered = match target {
                Some(city) => renderer.city(city, good),
                None => renderer.province(good),
            };
            (target, rendered)
        },
        |(target, rendered)| {
            let rendered = match (target, rendered) {
                (_, Ok(rendered)) => rendered,
                (Some(_), Err(RenderError::Compose(err))) => {
                    eprintln!("错误: {err}");
                    status = Status::FileErrors;
                    return Ok(());
                }
                (_, Err(err)) => return Err(render_fault(&err)),
            };
            warn_template(&rendered.typst_warnings);
            let dir = match target {
                Some(city) => args.out.join(city),
                None => args.out.clone(),
            };
            write_files(&rendered.files, &dir)
        },
    )?;
    Ok(status)
}
