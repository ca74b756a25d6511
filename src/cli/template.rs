//! `gongwen template`: writes the workbook a county fills (see `gongwen::template`). A county
//! name or a month the user got wrong is a fault with a hint (exit 2), like any bad usage.

use gongwen::archive;
use gongwen::calendar::YearMonth;
use gongwen::notice::{FIRST_DEADLINE_MONTH, LAST_DEADLINE_MONTH};
use gongwen::template::{self, Fill, Template};

use super::output::print_stdout;
use super::{Fault, Status};
use crate::cli::args::TemplateArgs;

pub fn template(args: &TemplateArgs) -> Result<Status, Fault> {
    let county = match &args.county {
        Some(name) => {
            let resolved = template::resolve_county(name)
                .map_err(|unknown| Fault::new(unknown.message).hint(unknown.hint))?;
            if let Some(note) = &resolved.note {
                eprintln!("note: {note}");
            }
            Some(resolved.division.to_ref())
        }
        None => None,
    };
    let from = match &args.from {
        Some(text) => YearMonth::parse(text)
            .filter(|m| m.year() >= 2000 && *m <= LAST_DEADLINE_MONTH)
            .ok_or_else(|| {
                Fault::new(format!(
                    "--from {text}: not a month up to {LAST_DEADLINE_MONTH}"
                ))
                .hint("give the first month of the 完成时限 list as YYYY-MM, e.g. --from 2019-06")
            })?,
        None => FIRST_DEADLINE_MONTH,
    };
    let bytes = template::build(&Template {
        county: county.clone(),
        from,
        fill: Fill::default(),
    })
    .map_err(|e| {
        Fault::new(e.to_string())
            .hint("this is a fault of gongwen, not of the arguments; please report it")
    })?;
    let path = args.out.join(template::file_name(county.as_ref()));
    archive::write_atomic(&path, &bytes).map_err(|e| {
        Fault::new(format!("cannot write {}: {e}", path.display()))
            .hint("check that the output folder (--out) is writable")
    })?;
    print_stdout(&format!("  → {}\n", path.display()))?;
    Ok(Status::Ok)
}
