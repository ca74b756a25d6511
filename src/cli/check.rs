//! `gongwen check`: read each file and report, like a compiler.

use std::io::Write;

use gongwen::diag::Outcome;
use gongwen::intake::Limits;
use gongwen::intake::sandbox::Isolation;
use gongwen::model::Submission;
use gongwen::notice::{COUNTY_LIST, SCHOOL_LIST};
use gongwen::pipeline::{self, ListFile, Reading, WorkbookReader};
use gongwen::progress::read::{ProgressReport, ReviewReport, check_progress, check_review};
use gongwen::tracking::{self, Ledger};

use super::{Fault, Status};
use crate::cli::args::CheckArgs;

pub fn check(args: &CheckArgs) -> Result<Status, Fault> {
    let reader = WorkbookReader::Isolated(Isolation::current_exe()?);
    let limits = Limits::default();
    let as_of = args
        .as_of
        .unwrap_or_else(|| gongwen::clock::Clock::china().today());
    let ledgers = match &args.root {
        Some(root) => Some(
            Ledger::load_all(&gongwen::archive::Layout::new(root)).map_err(|e| {
                Fault::new(format!(
                    "cannot read the ledgers under {}: {e}",
                    root.display()
                ))
                .hint("--root names the daemon's folder, the one holding archive/")
            })?,
        ),
        None => None,
    };
    let mut submissions = Vec::with_capacity(args.files.len());
    let mut written_marks = std::collections::BTreeSet::new();
    for path in &args.files {
        let mut reading = pipeline::read_file(path, &reader, &limits, as_of)?;
        if let Some(ledgers) = &ledgers {
            match &mut reading {
                Reading::Progress(report) => {
                    let ledger = report.county.as_ref().and_then(|c| ledgers.get(&c.code));
                    check_progress(report, ledger);
                }
                Reading::Review(report) => check_review(report, ledgers),
                _ => {}
            }
        }
        if let (Some(dir), Reading::Filing(s)) = (&args.mark, &reading)
            && !s.diagnostics.is_empty()
        {
            mark(path, dir, s, &reader, &limits, &mut written_marks)?;
        }
        submissions.push(reading);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &submissions)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        submissions.iter().try_for_each(|r| match r {
            Reading::Filing(s) => write!(out, "{}", human_report(s)),
            Reading::List(list) => writeln!(out, "{}", list_line(list)),
            Reading::Progress(report) => write!(out, "{}", progress_report(report)),
            Reading::Review(report) => write!(out, "{}", review_report(report)),
        })
    };
    written.map_err(|e| Fault::new(format!("cannot write the report: {e}")))?;

    let failed = submissions.iter().any(|r| match r {
        Reading::Filing(s) => s.has_errors() || (args.deny_warnings && s.has_warnings()),
        Reading::List(list) => args.deny_warnings && !list.reading.warnings().is_empty(),
        Reading::Progress(r) => r.has_errors() || (args.deny_warnings && r.has_warnings()),
        Reading::Review(r) => r.has_errors() || (args.deny_warnings && r.has_warnings()),
    });
    Ok(if failed {
        Status::FileErrors
    } else {
        Status::Ok
    })
}

/// Writes the file marked (批注版) into `dir` as `<file name>.批注.xlsx` (two files of one
/// name in one run: the second gets `_2`), naming it on stderr; a file that cannot be marked
/// is said so and skipped.
fn mark(
    path: &std::path::Path,
    dir: &std::path::Path,
    submission: &Submission,
    reader: &WorkbookReader,
    limits: &Limits,
    written: &mut std::collections::BTreeSet<std::path::PathBuf>,
) -> Result<(), Fault> {
    let name = gongwen::intake::file_name(path);
    let Ok(bytes) = gongwen::intake::sniff::read_bounded(path, limits) else {
        return Ok(());
    };
    let Ok(book) = reader.read_bytes(&bytes, &name, limits)? else {
        return Ok(());
    };
    match gongwen::marked::mark(&bytes, &book, &submission.diagnostics, limits) {
        Ok(marked) => {
            let out = (1..)
                .map(|n| {
                    let stem = if n == 1 {
                        name.clone()
                    } else {
                        format!("{name}_{n}")
                    };
                    dir.join(gongwen::marked::marked_name(&stem))
                        .with_extension(marked.extension())
                })
                .find(|p| !written.contains(p))
                .unwrap_or_else(|| unreachable!("an unbounded range"));
            gongwen::archive::write_atomic(&out, &marked.bytes)
                .map_err(|e| Fault::new(format!("cannot write {}: {e}", out.display())))?;
            eprintln!("批注版：{}", out.display());
            if let Some(note) = marked.how.note() {
                eprintln!("  {note}");
            }
            written.insert(out);
        }
        Err(error) => eprintln!("{name}: 无法生成批注版（{error}）"),
    }
    Ok(())
}

/// The diagnostics of one file, then a one-line summary.
pub fn human_report(s: &Submission) -> String {
    let mut out = String::new();
    for d in &s.diagnostics {
        out.push_str(&d.human(&s.source.file));
    }
    out.push_str(&summary_line(s));
    out.push('\n');
    out
}

/// `西湖区.xlsx: 杭州市西湖区 · 8所学校 14项 · 县级5项 · 计划2020年 · 通过（2个警告）`
pub fn summary_line(s: &Submission) -> String {
    let errors = s.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = s.diagnostics.iter().filter(|d| d.is_warning()).count();
    let county = s.county.as_ref().map_or_else(
        || "县（市、区）未识别".to_owned(),
        |c| format!("{}{}", c.city, c.name),
    );
    let plan = s.plan_year.map_or_else(
        || "计划年份未填".to_owned(),
        |y| format!("计划{}", y.label()),
    );
    let verdict = match Outcome::of(&s.diagnostics) {
        Outcome::Ok => "通过".to_owned(),
        Outcome::OkWithWarnings => format!("通过（{warnings}个警告）"),
        Outcome::Failed => format!("未通过（{errors}个错误，{warnings}个警告）"),
    };
    format!(
        "{}: {county} · {}所学校 {}项 · 县级{}项 · {plan} · {verdict}",
        s.source.file,
        s.schools.len(),
        s.school_item_count(),
        s.county_items.len(),
    )
}

/// `附件1_学校整改清单_杭州市.xlsx: 杭州市汇总的附件1学校整改清单（设区市汇总，不是县（市、区）的报送）
/// · 7个县（市、区） · 29所学校 58项 · 读取正常`
pub fn list_line(list: &ListFile) -> String {
    let r = &list.reading;
    let (owner, kind) = if r.is_province() {
        ("全省".to_owned(), "全省汇总，含指标统计")
    } else if r.cities.is_empty() {
        (r.unit.clone(), "设区市汇总")
    } else {
        (r.cities.join("、"), "设区市汇总")
    };
    let mut what = Vec::new();
    let mut counts = Vec::new();
    for form in [&SCHOOL_LIST, &COUNTY_LIST] {
        if !r.lists.iter().any(|l| l == form.label) {
            continue;
        }
        what.push(form.full_name());
        counts.push(if *form == SCHOOL_LIST {
            format!("{}所学校 {}项", r.schools, r.school_items)
        } else {
            format!("县级{}项", r.county_items)
        });
    }
    let warnings = r.warnings();
    let verdict = if warnings.is_empty() {
        "读取正常".to_owned()
    } else {
        format!("警告：{}", warnings.join("；"))
    };
    format!(
        "{}: {owner}的{}（{kind}，不是县（市、区）的报送） · {}个县（市、区） · {} · {verdict}",
        list.source.file,
        what.join("、"),
        r.counties,
        counts.join(" · "),
    )
}

fn verdict(diagnostics: &[gongwen::diag::Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.iter().filter(|d| d.is_warning()).count();
    match Outcome::of(diagnostics) {
        Outcome::Ok => "通过".to_owned(),
        Outcome::OkWithWarnings => format!("通过（{warnings}个警告）"),
        Outcome::Failed => format!("未通过（{errors}个错误，{warnings}个警告）"),
    }
}

/// `整改进展表_西湖区.xlsx: 杭州市西湖区的整改进展表（整改进展报告） · 12项 · 已完成3项 · 通过`
pub fn progress_report(r: &ProgressReport) -> String {
    let mut out = String::new();
    for d in &r.diagnostics {
        out.push_str(&d.human(&r.source.file));
    }
    let county = r.county.as_ref().map_or_else(
        || "县（市、区）未识别".to_owned(),
        |c| format!("{}{}", c.city, c.name),
    );
    let count = |status: tracking::Status| r.rows.iter().filter(|row| row.status == status).count();
    out.push_str(&format!(
        "{}: {county}的整改进展表（整改进展报告，不是整改清单） · {}项 · 未启动{}项 推进中{}项 已完成{}项 · {}\n",
        r.source.file,
        r.rows.len() + r.closed_rows.len() + r.rows_in_error.len(),
        count(tracking::Status::NotStarted),
        count(tracking::Status::InProgress),
        count(tracking::Status::Completed),
        verdict(&r.diagnostics),
    ));
    out
}

/// `整改进展汇总_杭州市.xlsx: 杭州市的整改进展汇总（销号核查） · 同意销号1项 退回重改1项 · 通过`
pub fn review_report(r: &ReviewReport) -> String {
    let mut out = String::new();
    for d in &r.diagnostics {
        out.push_str(&d.human(&r.source.file));
    }
    let count =
        |v: gongwen::tracking::Verdict| r.rows.iter().filter(|row| row.verdict == v).count();
    out.push_str(&format!(
        "{}: {}的整改进展汇总（销号核查） · 同意销号{}项 退回重改{}项 · {}\n",
        r.source.file,
        r.city,
        count(gongwen::tracking::Verdict::Agree),
        count(gongwen::tracking::Verdict::Return),
        verdict(&r.diagnostics),
    ));
    out
}
