//! `gongwen template`: writes the workbook a county fills (see `gongwen::template`). A county
//! name or a month the user got wrong is a fault with a hint (exit 2), like any bad usage.

use std::path::Path;

use gongwen::archive;
use gongwen::calendar::YearMonth;
use gongwen::clock::Clock;
use gongwen::model::{CountyRef, Submission};
use gongwen::notice::{FIRST_DEADLINE_MONTH, LAST_DEADLINE_MONTH};
use gongwen::progress;
use gongwen::template::{self, Fill, ListOrigin, Template};
use gongwen::tracking::Ledger;

use super::output::print_stdout;
use super::{Fault, Status};
use crate::cli::args::TemplateArgs;

pub fn template(args: &TemplateArgs) -> Result<Status, Fault> {
    if args.progress {
        return progress_template(args);
    }
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
    let (fill, list) = match (&args.root, &county) {
        (Some(root), Some(county)) => {
            let (fill, list) = accepted_fill(root, county)?;
            (fill, Some(list))
        }
        _ => (Fill::default(), None),
    };
    let bytes = template::build(&Template {
        county: county.clone(),
        from,
        fill,
        list,
        made_on: Some(args.as_of.unwrap_or_else(|| Clock::china().today())),
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

/// The county's latest accepted list in `root`'s archive (`archive/state.json`, then
/// `archive/<sha256>/submission.json`), as a template's fill.
fn accepted_fill(root: &Path, county: &CountyRef) -> Result<(Fill, ListOrigin), Fault> {
    let layout = archive::Layout::new(root);
    let unreadable = |what: &Path, e: &dyn std::fmt::Display| {
        Fault::new(format!("cannot read {}: {e}", what.display()))
            .hint("--root names the daemon's folder, the one holding archive/")
    };
    let state = archive::State::load(&layout).map_err(|e| unreadable(&layout.state_path(), &e))?;
    let entry = state.accepted.get(&county.code).ok_or_else(|| {
        Fault::new(format!(
            "{}{} has no accepted list under {}",
            county.city,
            county.name,
            root.display()
        ))
        .hint("without --root the template comes blank; a filled one needs the county's list accepted first")
    })?;
    let path = layout.archived(&entry.sha256).join("submission.json");
    let bytes = std::fs::read(&path).map_err(|e| unreadable(&path, &e))?;
    let list: Submission = serde_json::from_slice(&bytes).map_err(|e| unreadable(&path, &e))?;
    Ok(template::fill_from(&list))
}

/// `gongwen template --progress --county NAME --root R`: the county's 整改进展表 from the
/// ledger in R's archive, as the daemon writes it after each accepted file.
fn progress_template(args: &TemplateArgs) -> Result<Status, Fault> {
    let (Some(name), Some(root)) = (&args.county, &args.root) else {
        return Err(Fault::new("--progress needs --county and --root")
            .hint("e.g. gongwen template --progress --county 西湖区 --root /srv/gongwen"));
    };
    let resolved = template::resolve_county(name)
        .map_err(|unknown| Fault::new(unknown.message).hint(unknown.hint))?;
    if let Some(note) = &resolved.note {
        eprintln!("note: {note}");
    }
    let county = resolved.division.to_ref();
    let layout = archive::Layout::new(root);
    let ledger = Ledger::load(&layout, &county.code)
        .map_err(|e| {
            Fault::new(format!("cannot read the ledger of {}: {e}", county.name))
                .hint("--root names the daemon's folder, the one holding archive/")
        })?
        .ok_or_else(|| {
            Fault::new(format!(
                "{}{} has no accepted list under {}",
                county.city,
                county.name,
                root.display()
            ))
            .hint("the progress workbook lists the items of the county's accepted list; file the list first")
        })?;
    let made_on = args.as_of.unwrap_or_else(|| Clock::china().today());
    let bytes = progress::workbook::progress_workbook(&ledger, made_on).map_err(|e| {
        Fault::new(e.to_string())
            .hint("this is a fault of gongwen, not of the arguments; please report it")
    })?;
    let path = args.out.join(progress::progress_file_name(&county));
    archive::write_atomic(&path, &bytes).map_err(|e| {
        Fault::new(format!("cannot write {}: {e}", path.display()))
            .hint("check that the output folder (--out) is writable")
    })?;
    print_stdout(&format!("  → {}\n", path.display()))?;
    Ok(Status::Ok)
}
