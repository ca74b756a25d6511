//! `gongwen rollup`: each city's 附件3 and cover report from its counties' files, into
//! `DIR/<市>/`, and `DIR/全省汇总` when the files span several cities. A file with errors is
//! reported and left out of the roll-up; the latest file of each county counts.

use gongwen::intake::Limits;
use gongwen::intake::sandbox::Isolation;
use gongwen::pipeline::{self, WorkbookReader};
use gongwen::render::compose;
use gongwen::render::renderer::RenderError;

use super::render::{open_renderer, print_stdout, render_fault, warn_template, write_files};
use super::{Fault, Status};
use crate::cli::args::RollupArgs;
use crate::cli::check::human_report;

pub fn rollup(args: &RollupArgs) -> Result<Status, Fault> {
    let mut renderer = open_renderer(&args.options)?;
    let reader = WorkbookReader::Isolated(Isolation::current_exe()?);
    let limits = Limits::default();
    let mut status = Status::Ok;
    let mut good = Vec::new();
    for path in &args.files {
        let sub = pipeline::read_submission(path, &reader, &limits)?;
        print_stdout(&human_report(&sub))?;
        if sub.has_errors() || sub.county.is_none() {
            status = Status::FileErrors;
        } else {
            good.push(sub);
        }
    }
    let cities = compose::cities_of(&good);
    for city in &cities {
        let rendered = match renderer.city(city, &good) {
            Ok(rendered) => rendered,
            Err(RenderError::Compose(err)) => {
                eprintln!("错误: {err}");
                status = Status::FileErrors;
                continue;
            }
            Err(err) => return Err(render_fault(&err)),
        };
        warn_template(&rendered.typst_warnings);
        write_files(&rendered.files, &args.out.join(city))?;
    }
    if cities.len() > 1 {
        let rendered = renderer.province(&good).map_err(|e| render_fault(&e))?;
        warn_template(&rendered.typst_warnings);
        write_files(&rendered.files, &args.out)?;
    }
    Ok(status)
}
