//! `gongwen progress`: the documents of 倒逼 from an archive's ledgers (archive/tracking/),
//! as of a day, into DIR (default: the root's outbox/) — each city's 督办通知 and 催报通知 and
//! the counties' 整改进展情况报告 into `DIR/<市>/<县>/`, each city's report into `DIR/<市>/`,
//! the province's 年度考核 and `全省整改清单.xlsx` with its 年度考核 sheet into `DIR/`. Each
//! job's files are written atomically; the same archive and day give the same bytes. A city's
//! progress documents of an earlier run that this one does not make again are removed, so the
//! folder says what is true on the day.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use gongwen::archive::{Layout, State};
use gongwen::calendar::zh_date;
use gongwen::domain;
use gongwen::lists::{self, AnnualInput};
use gongwen::model::Submission;
use gongwen::render::progress::{
    ANNUAL_STEM, REMIND_STEM, REPORT_STEM, URGE_STEM, is_progress_file,
};
use gongwen::tracking::Ledger;

use super::output::{print_stdout, render_fault, warn_template, write_files};
use super::setup::open_renderer;
use super::{Fault, Status};
use crate::cli::args::ProgressArgs;

pub fn progress(args: &ProgressArgs) -> Result<Status, Fault> {
    let mut renderer = open_renderer(&args.options)?;
    let as_of = match &args.as_of {
        Some(text) => parse_day(text)?,
        None => renderer.config().clock().today(),
    };
    let year = args.year.unwrap_or_else(|| as_of.year());
    let layout = Layout::new(&args.root);
    let out = args.out.clone().unwrap_or_else(|| layout.outbox.clone());
    if !layout.archive.is_dir() {
        return Err(
            Fault::new(format!("{} has no archive/", args.root.display()))
                .hint("name the folder `gongwen watch` runs in with --root"),
        );
    }
    let ledgers = Ledger::load_all(&layout)
        .map_err(|e| Fault::new(format!("cannot read the ledgers in archive/tracking/: {e}")))?;
    let refs: Vec<&Ledger> = ledgers.values().collect();
    renderer.world().preload_fonts();

    let mut written: Vec<String> = Vec::new();
    for (city, _) in domain::registry().cities() {
        let placed = renderer
            .progress_city(city, &refs, as_of)
            .map_err(|e| render_fault(&e))?;
        warn_template(&placed.rendered.typst_warnings);
        written.extend(placed.rendered.files.iter().map(|f| f.name.clone()));
        let mut kept: BTreeSet<PathBuf> = BTreeSet::new();
        for (county, files) in placed.by_folder() {
            let dir = match county {
                Some(county) => out.join(city).join(county),
                None => out.join(city),
            };
            write_files(&files, &dir)?;
            kept.extend(files.iter().map(|f| dir.join(&f.name)));
        }
        remove_stale(&out.join(city), &kept)?;
    }

    let mut province = renderer
        .progress_province(&refs, year, as_of)
        .map_err(|e| render_fault(&e))?;
    warn_template(&province.typst_warnings);
    let subs = accepted_submissions(&layout)?;
    let annual = AnnualInput {
        ledgers: &refs,
        year,
        as_of,
    };
    if !refs.is_empty()
        && let Some(book) =
            lists::province_workbook_with_annual(&subs, renderer.config(), Some(&annual))
                .map_err(|e| Fault::new(e.to_string()))?
    {
        province.files.push(book);
    }
    write_files(&province.files, &out)?;
    written.extend(province.files.iter().map(|f| f.name.clone()));
    print_stdout(&summary(&written, as_of, year))?;
    Ok(Status::Ok)
}

/// `截至2020年9月15日：督办通知1份，催报通知2份，整改进展情况报告3份，年度考核1份。`, counting
/// documents (a PDF and its DOCX are one).
fn summary(names: &[String], as_of: NaiveDate, year: i32) -> String {
    let stems: BTreeSet<&str> = names
        .iter()
        .map(|n| n.rsplit_once('.').map_or(n.as_str(), |(stem, _)| stem))
        .collect();
    let count = |prefix: &str| stems.iter().filter(|s| s.starts_with(prefix)).count();
    format!(
        "截至{}：{URGE_STEM}{}份，{REMIND_STEM}{}份，{REPORT_STEM}{}份，{year}{ANNUAL_STEM}{}份。\n",
        zh_date(as_of),
        count(URGE_STEM),
        count(REMIND_STEM),
        count(REPORT_STEM),
        count(ANNUAL_STEM),
    )
}

/// Removes the progress documents of an earlier run from a city's folder and its counties'
/// that this run did not write again: a county no longer overdue keeps no 督办通知, one whose
/// list came in no 催报通知. Other files are left alone.
fn remove_stale(city_dir: &Path, kept: &BTreeSet<PathBuf>) -> Result<(), Fault> {
    let mut dirs = vec![city_dir.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(city_dir) {
        dirs.extend(
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path()),
        );
    }
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if is_file && is_progress_file(&name) && !kept.contains(&path) {
                std::fs::remove_file(&path)
                    .map_err(|e| Fault::new(format!("cannot remove {}: {e}", path.display())))?;
                print_stdout(&format!("  ✗ {}\n", path.display()))?;
            }
        }
    }
    Ok(())
}

/// `2020-09-01`, as `--as-of` takes it.
fn parse_day(text: &str) -> Result<NaiveDate, Fault> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        Fault::new(format!("--as-of「{text}」is not a date"))
            .hint("write the day as YYYY-MM-DD, e.g. --as-of 2020-09-01")
    })
}

/// The latest accepted list of each county, as the archive keeps them.
fn accepted_submissions(layout: &Layout) -> Result<Vec<Submission>, Fault> {
    let state = State::load(layout)
        .map_err(|e| Fault::new(format!("cannot read archive/state.json: {e}")))?;
    let mut subs = Vec::new();
    for entry in state.accepted.values() {
        let path = layout.archived(&entry.sha256).join("submission.json");
        let bytes = std::fs::read(&path)
            .map_err(|e| Fault::new(format!("cannot read {}: {e}", path.display())))?;
        let sub: Submission = serde_json::from_slice(&bytes)
            .map_err(|e| Fault::new(format!("cannot read {}: {e}", path.display())))?;
        subs.push(sub);
    }
    Ok(subs)
}
