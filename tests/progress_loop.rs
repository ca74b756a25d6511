//! 挂图作战、销号管理 end to end with the real binary (`watch --once` on a temporary root): a
//! county's list accepted → its 整改进展表 with IDs → filled with one error → rejected with
//! the cell named → fixed and accepted → the city's 整改进展汇总 filled (one 同意销号, one
//! 退回重改) → accepted → the ledger's states and history, the county's next 整改进展表
//! carrying the remark, the status page rewritten.
//!
//! The workbooks are "filled" by writing them again through gongwen's own writer with cells
//! written over (`progress_workbook_filled`, `review_workbook_filled`): `rust_xlsxwriter` cannot
//! edit a file, and the writer makes the same layout and fingerprint sheet a clerk's Excel
//! keeps when saving, so what is tested is the reading of those cells, not a zip editor. The
//! test first reads the daemon's own workbook to check that is what it wrote.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use gongwen::archive::Layout;
use gongwen::intake::{self, Limits, RawSheet};
use gongwen::progress::workbook::{Fill, progress_workbook_filled, review_workbook_filled};
use gongwen::progress::{
    FINGERPRINT_SHEET, FIRST_ROW, PROGRESS_SHEET, ProgressColumn, REVIEW_SHEET, ReviewColumn,
};
use gongwen::tracking::{Change, ItemId, Ledger, Status};
use serde_json::Value;

use common::{example, files_under, gongwen, must_exit, receipts, run, stdout};

/// The day the whole loop happens on: after some deadlines, before others.
const AS_OF: &str = "2020-03-15";

fn as_of() -> NaiveDate {
    NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap()
}

fn once(root: &Path) -> std::process::Output {
    run(gongwen()
        .args(["watch", "--once", "--settle", "100", "--root"])
        .arg(root)
        .env("GONGWEN_AS_OF", AS_OF))
}

/// Every item ID (`330106-017`) a PDF prints, sorted, once each.
fn ids_printed(pdf: &Path) -> Vec<String> {
    let text = common::pdf_tools::pdftotext(pdf, &["-raw"]);
    let chars: Vec<char> = text.chars().collect();
    let mut ids = Vec::new();
    for start in 0..chars.len().saturating_sub(9) {
        let window: String = chars[start..start + 10].iter().collect();
        let before_is_digit = start > 0 && chars[start - 1].is_ascii_digit();
        let after_is_digit = chars.get(start + 10).is_some_and(|c| c.is_ascii_digit());
        if !before_is_digit && !after_is_digit && ItemId::parse(&window).is_some() {
            ids.push(window);
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

fn id(seq: u32) -> ItemId {
    ItemId::new("330106", seq)
}

fn ledger(root: &Path) -> Ledger {
    Ledger::load(&Layout::new(root), "330106")
        .unwrap()
        .expect("西湖区's ledger")
}

fn sheet<'a>(book: &'a intake::RawWorkbook, name: &str) -> &'a RawSheet {
    book.sheets
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
}

fn cell(sheet: &RawSheet, row: u32, col: u16) -> String {
    sheet.get(row, u32::from(col)).display()
}

fn progress_workbook(root: &Path) -> PathBuf {
    root.join("outbox/杭州市/西湖区/整改进展表_西湖区.xlsx")
}

fn review_workbook(root: &Path) -> PathBuf {
    root.join("outbox/杭州市/整改进展汇总_杭州市.xlsx")
}

/// The receipts of files dropped under `name`, oldest first.
fn receipts_of(root: &Path, name: &str) -> Vec<Value> {
    let mut found: Vec<Value> = receipts(root)
        .into_iter()
        .filter(|r| r["file"] == name)
        .collect();
    found.sort_by_key(|r| r["received_at"].as_str().unwrap_or_default().to_owned());
    found
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["id"].as_str().or(i.as_str()).unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn check(args: &[&Path], root: Option<&Path>) -> std::process::Output {
    let mut cmd = gongwen();
    cmd.arg("check").arg("--json").env("GONGWEN_AS_OF", AS_OF);
    if let Some(root) = root {
        cmd.arg("--root").arg(root);
    }
    run(cmd.args(args))
}

#[test]
fn a_list_is_tracked_from_its_progress_to_the_citys_review() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let inbox = root.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();

    // 1. The county's list is accepted: its items get IDs, in the archive and the receipt.
    std::fs::write(inbox.join("西湖区.xlsx"), example("西湖区.xlsx")).unwrap();
    must_exit(&once(root), 0);
    let list_receipt = receipts_of(root, "西湖区.xlsx").remove(0);
    assert_eq!(list_receipt["verdict"], "accepted", "{list_receipt:#}");
    let tracking = &list_receipt["tracking"];
    assert_eq!(ids(&tracking["items"]).len(), 23, "{tracking:#}");
    assert_eq!(ids(&tracking["items"])[0], "330106-001");
    assert_eq!(ids(&tracking["added"]).len(), 23);
    let sha = list_receipt["sha256"].as_str().unwrap();
    let submission: Value = serde_json::from_slice(
        &std::fs::read(root.join("archive").join(sha).join("submission.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(submission["schools"][0]["items"][0]["id"], "330106-001");
    assert_eq!(submission["county_items"][4]["id"], "330106-023");
    let text = std::fs::read_to_string(root.join("outbox/杭州市/西湖区/回执.txt")).unwrap();
    assert!(
        text.contains("330106-001 杭州市文三街小学：生均体育运动场馆面积不足（完成时限2020年8月）"),
        "{text}"
    );

    // 2. Its 整改进展表 is in the outbox: the items under their IDs, the fingerprint hidden.
    let path = progress_workbook(root);
    let book = intake::read_path(&path, &Limits::default()).unwrap();
    let table = sheet(&book, PROGRESS_SHEET);
    assert_eq!(
        cell(table, FIRST_ROW, ProgressColumn::Id.col()),
        "330106-001"
    );
    assert_eq!(
        cell(table, FIRST_ROW + 22, ProgressColumn::School.col()),
        "县级政府"
    );
    assert_eq!(
        cell(table, FIRST_ROW, ProgressColumn::Status.col()),
        "未启动"
    );
    let print = sheet(&book, FINGERPRINT_SHEET);
    assert!(!print.visible);
    assert_eq!(cell(print, 0, 1), "gongwen.progress/1");
    assert!(
        (0..8).any(|r| cell(print, r, 1) == sha),
        "the list's SHA-256"
    );
    assert!(review_workbook(root).is_file());
    // A fresh one reads back without a word, alone and against the ledger.
    for with_root in [None, Some(root)] {
        let out = check(&[&path], with_root);
        must_exit(&out, 0);
        let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(json[0]["schema"], "gongwen.progress/1");
        assert_eq!(json[0]["diagnostics"], serde_json::json!([]), "{json:#}");
        assert_eq!(json[0]["rows"].as_array().unwrap().len(), 23);
    }

    // 3. Filled with three items done and one error: 已完成 without 完成时间.
    let mut fill: Fill<ProgressColumn> = BTreeMap::new();
    let put = |fill: &mut Fill<ProgressColumn>, seq: u32, column: ProgressColumn, text: &str| {
        fill.insert((id(seq), column), text.to_owned());
    };
    for (seq, month) in [(1, "2020年2月"), (2, "2019年12月")] {
        put(&mut fill, seq, ProgressColumn::Status, "已完成");
        put(&mut fill, seq, ProgressColumn::CompletedIn, month);
        put(
            &mut fill,
            seq,
            ProgressColumn::Completion,
            "已按措施完成整改",
        );
        put(&mut fill, seq, ProgressColumn::Evidence, "区教育局档案室");
    }
    put(&mut fill, 3, ProgressColumn::Status, "推进中");
    put(&mut fill, 4, ProgressColumn::Status, "已完成");
    put(&mut fill, 4, ProgressColumn::Completion, "引进骨干教师5名");
    let made_on = NaiveDate::from_ymd_opt(2020, 3, 10).unwrap();
    let wrong = progress_workbook_filled(&ledger(root), made_on, &fill).unwrap();
    std::fs::write(inbox.join("西湖区整改进展.xlsx"), &wrong).unwrap();
    must_exit(&once(root), 1);
    let rejected = receipts_of(root, "西湖区整改进展.xlsx").remove(0);
    assert_eq!(rejected["verdict"], "rejected");
    assert_eq!(rejected["kind"], "progress");
    let diagnostics = rejected["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{rejected:#}");
    assert_eq!(diagnostics[0]["rule"], "progress_completed_in_missing");
    // Item 4 is the table's fourth row: sheet row 7, column H (完成时间).
    assert_eq!(diagnostics[0]["cell"], "整改进展表!H7");
    let rejected_text: String = files_under(&root.join("rejected"))
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".回执.txt"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(
        rejected_text.contains("［整改进展表!H7］"),
        "{rejected_text}"
    );
    assert_eq!(
        ledger(root).item(&id(4)).unwrap().status,
        Status::NotStarted
    );

    // 4. Fixed and dropped again: accepted; the receipt lists what is now done, and what is
    // overdue on the day.
    put(&mut fill, 4, ProgressColumn::CompletedIn, "2020年1月");
    let fixed = progress_workbook_filled(&ledger(root), made_on, &fill).unwrap();
    std::fs::write(inbox.join("西湖区整改进展（改）.xlsx"), &fixed).unwrap();
    must_exit(&once(root), 0);
    let accepted = receipts_of(root, "西湖区整改进展（改）.xlsx").remove(0);
    assert_eq!(accepted["verdict"], "accepted", "{accepted:#}");
    let tracking = &accepted["tracking"];
    assert_eq!(
        ids(&tracking["completed"]),
        ["330106-001", "330106-002", "330106-004"]
    );
    assert_eq!(ids(&tracking["advanced"]), ["330106-003"]);
    // Due by the end of 2019-12 and still open on 2020-03-15: 75 days.
    let overdue = tracking["overdue"].as_array().unwrap();
    let late_two = overdue.iter().find(|o| o["id"] == "330106-002").unwrap();
    assert_eq!(late_two["days"], 75);
    // 学军小学's 美术 room, due 2019-08, is the most overdue.
    assert_eq!(overdue[0]["id"], "330106-006");
    assert_eq!(overdue[0]["days"], 197);
    let text = std::fs::read_to_string(
        files_under(&root.join("outbox/回执"))
            .into_iter()
            .find(|p| {
                p.to_string_lossy().contains("西湖区整改进展（改）")
                    && p.to_string_lossy().ends_with(".txt")
            })
            .unwrap(),
    )
    .unwrap();
    assert!(
        text.contains("报告已完成（待设区市核查销号）（3项）"),
        "{text}"
    );
    assert!(text.contains("逾期事项（截至2020年3月15日"), "{text}");
    let archived = root
        .join("archive")
        .join(accepted["sha256"].as_str().unwrap());
    for name in [
        "original.xlsx",
        "progress.json",
        "manifest.json",
        "tracking.json",
    ] {
        assert!(archived.join(name).is_file(), "{name} in the archive entry");
    }

    // 5. The city's 整改进展汇总 lists the three awaiting 销号; the city agrees to one, sends
    // one back with a remark and leaves one for later.
    let book = intake::read_path(&review_workbook(root), &Limits::default()).unwrap();
    let table = sheet(&book, REVIEW_SHEET);
    let awaiting: Vec<String> = (FIRST_ROW..table.row_end())
        .map(|r| cell(table, r, ReviewColumn::Id.col()))
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(awaiting, ["330106-001", "330106-002", "330106-004"]);
    let out = check(&[&review_workbook(root)], Some(root));
    must_exit(&out, 0);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json[0]["schema"], "gongwen.review/1");
    assert_eq!(json[0]["diagnostics"], serde_json::json!([]), "{json:#}");

    let remark = "佐证材料不全，请补充验收报告";
    let mut review: Fill<ReviewColumn> = BTreeMap::new();
    review.insert((id(1), ReviewColumn::Verdict), "同意销号".into());
    review.insert((id(2), ReviewColumn::Verdict), "退回重改".into());
    review.insert((id(2), ReviewColumn::Remark), remark.into());
    let all = Ledger::load_all(&Layout::new(root)).unwrap();
    let of_city: Vec<&Ledger> = all.values().collect();
    let filled = review_workbook_filled("杭州市", &of_city, made_on, &review).unwrap();
    let page = root.join("outbox/index.html");
    let page_before = std::fs::metadata(&page).unwrap();
    std::fs::write(inbox.join("杭州市销号核查.xlsx"), &filled).unwrap();
    must_exit(&once(root), 0);
    let reviewed = receipts_of(root, "杭州市销号核查.xlsx").remove(0);
    assert_eq!(reviewed["verdict"], "accepted", "{reviewed:#}");
    assert_eq!(reviewed["kind"], "review");
    assert_eq!(ids(&reviewed["tracking"]["closed"]), ["330106-001"]);
    assert_eq!(ids(&reviewed["tracking"]["returned"]), ["330106-002"]);
    assert_eq!(reviewed["tracking"]["returned"][0]["remark"], remark);

    // 6. The ledger: states and history, each change dated and sourced.
    let ledger = ledger(root);
    let closed = ledger.item(&id(1)).unwrap();
    assert_eq!(closed.status, Status::Closed);
    assert_eq!(closed.closed_on, Some(as_of()));
    let changes: Vec<&Change> = closed.history.iter().map(|e| &e.change).collect();
    assert_eq!(
        changes,
        [
            &Change::Listed,
            &Change::Reported {
                from: Status::NotStarted,
                to: Status::Completed
            },
            &Change::Closed
        ]
    );
    assert_eq!(closed.history[2].source.file, "杭州市销号核查.xlsx");
    assert!(closed.history.iter().all(|e| e.on == as_of()));
    let returned = ledger.item(&id(2)).unwrap();
    assert_eq!(returned.status, Status::InProgress);
    assert_eq!(returned.returned_remark.as_deref(), Some(remark));
    assert_eq!(
        returned.history.last().unwrap().change,
        Change::Returned {
            remark: remark.to_owned()
        }
    );
    assert_eq!(ledger.item(&id(3)).unwrap().status, Status::InProgress);
    assert_eq!(ledger.item(&id(4)).unwrap().status, Status::Completed);
    assert_eq!(ledger.item(&id(5)).unwrap().status, Status::NotStarted);

    // 7. The county's next 整改进展表 shows the remark and the closed item locked as 已销号;
    // the city's lists only what still awaits.
    let book = intake::read_path(&progress_workbook(root), &Limits::default()).unwrap();
    let table = sheet(&book, PROGRESS_SHEET);
    assert_eq!(
        cell(table, FIRST_ROW, ProgressColumn::Status.col()),
        "已销号"
    );
    assert_eq!(
        cell(table, FIRST_ROW + 1, ProgressColumn::Status.col()),
        "推进中"
    );
    assert_eq!(
        cell(table, FIRST_ROW + 1, ProgressColumn::Remark.col()),
        remark
    );
    let book = intake::read_path(&review_workbook(root), &Limits::default()).unwrap();
    let table = sheet(&book, REVIEW_SHEET);
    assert_eq!(cell(table, FIRST_ROW, ReviewColumn::Id.col()), "330106-004");
    assert_eq!(cell(table, FIRST_ROW + 1, ReviewColumn::Id.col()), "");
    // Both round-trip through check without a warning.
    let out = check(
        &[&progress_workbook(root), &review_workbook(root)],
        Some(root),
    );
    must_exit(&out, 0);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json[0]["diagnostics"], serde_json::json!([]), "{json:#}");
    assert_eq!(json[1]["diagnostics"], serde_json::json!([]), "{json:#}");

    // 8. The status page was written again (replaced by rename) after the review.
    use std::os::unix::fs::MetadataExt as _;
    let page_after = std::fs::metadata(&page).unwrap();
    assert_ne!(
        page_after.ino(),
        page_before.ino(),
        "outbox/index.html not rewritten"
    );
    assert!(std::fs::read_to_string(&page).unwrap().contains("西湖区"));

    // 督办通知: the city's notice to the county lists exactly the items overdue on the day,
    // and the daemon follows the calendar: started on a later day, it rebuilds the roll-ups
    // and the notice lists what is overdue then.
    let notice = root.join("outbox/杭州市/西湖区/督办通知_西湖区.pdf");
    assert!(notice.is_file(), "no 督办通知 after the review");
    assert!(
        root.join("outbox/杭州市/西湖区/督办通知_西湖区.docx")
            .is_file()
    );
    let overdue_ids = |ledger: &Ledger, day: NaiveDate| -> Vec<String> {
        let mut ids: Vec<String> = ledger
            .overdue(day)
            .iter()
            .map(|(item, _)| item.id.to_string())
            .collect();
        ids.sort();
        ids
    };
    let expected = overdue_ids(&self::ledger(root), as_of());
    assert!(!expected.is_empty());
    if common::have_tool("pdftotext") {
        assert_eq!(ids_printed(&notice), expected, "the 督办通知 as of {AS_OF}");
    } else {
        common::skip("pdftotext is not installed (poppler-utils): the 督办通知's items unread");
    }
    let later = "2021-01-10";
    must_exit(
        &run(gongwen()
            .args(["watch", "--once", "--settle", "100", "--root"])
            .arg(root)
            .env("GONGWEN_AS_OF", later)),
        0,
    );
    let later_day = NaiveDate::parse_from_str(later, "%Y-%m-%d").unwrap();
    let expected_later = overdue_ids(&self::ledger(root), later_day);
    assert!(
        expected_later.len() > expected.len(),
        "more overdue a year on"
    );
    assert!(
        !expected_later.contains(&id(1).to_string()),
        "销号 is never overdue"
    );
    if common::have_tool("pdftotext") {
        assert_eq!(
            ids_printed(&notice),
            expected_later,
            "the 督办通知 as of {later}"
        );
    }

    // `gongwen template --progress` writes the same workbook from the archive.
    let out_dir = tempfile::tempdir().unwrap();
    let out = run(gongwen()
        .args(["template", "--progress", "--county", "西湖区", "--root"])
        .arg(root)
        .arg("-o")
        .arg(out_dir.path())
        .env("GONGWEN_AS_OF", AS_OF));
    must_exit(&out, 0);
    assert_eq!(
        std::fs::read(out_dir.path().join("整改进展表_西湖区.xlsx")).unwrap(),
        std::fs::read(progress_workbook(root)).unwrap(),
        "the same ledger and day give the same bytes"
    );
}

/// Finishing a file again after a crash (its claim back in work/, its entry not marked done)
/// applies nothing twice: the ledger and the IDs stay as they were, and the receipt still
/// says what the file did.
#[test]
fn a_file_finished_again_after_a_crash_changes_the_ledger_once() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let inbox = root.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let list = example("西湖区.xlsx");
    std::fs::write(inbox.join("西湖区.xlsx"), &list).unwrap();
    must_exit(&once(root), 0);

    let mut fill: Fill<ProgressColumn> = BTreeMap::new();
    fill.insert((id(1), ProgressColumn::Status), "已完成".into());
    fill.insert((id(1), ProgressColumn::CompletedIn), "2020年2月".into());
    fill.insert((id(1), ProgressColumn::Completion), "完成".into());
    fill.insert((id(2), ProgressColumn::Status), "推进中".into());
    let made_on = NaiveDate::from_ymd_opt(2020, 3, 1).unwrap();
    let report = progress_workbook_filled(&ledger(root), made_on, &fill).unwrap();
    std::fs::write(inbox.join("进展.xlsx"), &report).unwrap();
    must_exit(&once(root), 0);

    let ledger_path = root.join("archive/tracking/330106.json");
    let before = std::fs::read(&ledger_path).unwrap();
    let receipts_before = files_under(&root.join("outbox/回执"));
    for (name, bytes) in [("西湖区.xlsx", &list), ("进展.xlsx", &report)] {
        let receipt = receipts_of(root, name).remove(0);
        let sha = receipt["sha256"].as_str().unwrap();
        let entry = root.join("archive").join(sha);
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(entry.join("manifest.json")).unwrap()).unwrap();
        let drop = &manifest["drops"][0];
        // The daemon stopped after saving the ledger and before marking the entry done.
        std::fs::remove_file(entry.join("done")).unwrap();
        let claim = root.join("work").join(drop["claim"].as_str().unwrap());
        std::fs::create_dir_all(&claim).unwrap();
        std::fs::write(
            claim.join("claim.json"),
            serde_json::json!({ "original": drop["file"] }).to_string(),
        )
        .unwrap();
        std::fs::write(claim.join("attempts"), "1").unwrap();
        std::fs::write(claim.join("received"), drop["at"].as_str().unwrap()).unwrap();
        std::fs::write(claim.join("original.xlsx"), bytes).unwrap();
        must_exit(&once(root), 0);
        assert!(entry.join("done").is_file(), "{name} finished");
        assert_eq!(
            std::fs::read(&ledger_path).unwrap(),
            before,
            "finishing {name} again changed the ledger"
        );
        // The receipt is written again under the same name, with the same account.
        assert_eq!(files_under(&root.join("outbox/回执")), receipts_before);
        let again = receipts_of(root, name).remove(0);
        for part in ["items", "added", "completed", "advanced"] {
            assert_eq!(
                ids(&again["tracking"][part]),
                ids(&receipt["tracking"][part]),
                "{name}: {part}"
            );
        }
        assert!(
            !ids(&receipt["tracking"]["added"]).is_empty()
                || !ids(&receipt["tracking"]["completed"]).is_empty(),
            "{name}: the receipt says what the file did"
        );
    }
    let ledger = ledger(root);
    assert_eq!(ledger.items.len(), 23);
    assert_eq!(ledger.applied.len(), 2);
    assert_eq!(ledger.item(&id(1)).unwrap().history.len(), 2);
    assert!(files_under(&root.join("work")).is_empty());
}

/// Reports that do not fit the ledgers: a county with no accepted list, a city reviewing
/// another city's items — rejected with the reason; a workbook made from an older list —
/// accepted with a warning naming both dates.
#[test]
fn reports_that_do_not_fit_the_ledgers_are_rejected_or_warned_about() {
    use gongwen::tracking::{ProgressRow, SourceRef};
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let inbox = root.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(inbox.join("西湖区.xlsx"), example("西湖区.xlsx")).unwrap();
    must_exit(&once(root), 0);
    let xihu = ledger(root);
    let made_on = NaiveDate::from_ymd_opt(2020, 3, 1).unwrap();

    // 滨江区 has filed no list: its workbook (made here from 西湖区's items) has nothing to
    // report on.
    let binjiang_county = gongwen::progress::county_of_code("330108").unwrap();
    let mut binjiang = Ledger::new(binjiang_county);
    binjiang.items = xihu
        .items
        .iter()
        .map(|i| {
            let mut item = i.clone();
            item.id = ItemId::new("330108", i.id.seq());
            item
        })
        .collect();
    binjiang.list = xihu.list.clone();
    let bytes = progress_workbook_filled(&binjiang, made_on, &BTreeMap::new()).unwrap();
    std::fs::write(inbox.join("滨江区进展.xlsx"), bytes).unwrap();

    // 宁波市 reviewing 西湖区's items.
    let mut done = xihu.clone();
    done.apply_progress(
        &[ProgressRow {
            id: id(1),
            status: Status::Completed,
            completed_in: "2020-02".parse().ok(),
            completion: "完成".into(),
            evidence: String::new(),
        }],
        &SourceRef {
            file: "x".into(),
            sha256: "x".into(),
        },
        made_on,
    )
    .unwrap();
    let mut review: Fill<ReviewColumn> = BTreeMap::new();
    review.insert((id(1), ReviewColumn::Verdict), "同意销号".into());
    let bytes = review_workbook_filled("宁波市", &[&done], made_on, &review).unwrap();
    std::fs::write(inbox.join("宁波市核查.xlsx"), bytes).unwrap();

    // 西湖区's workbook made from a list that has since been replaced.
    let mut older = xihu.clone();
    older.list.as_mut().unwrap().sha256 = "0".repeat(64);
    older.list_filed_on = NaiveDate::from_ymd_opt(2019, 4, 30);
    let mut fill: Fill<ProgressColumn> = BTreeMap::new();
    fill.insert((id(3), ProgressColumn::Status), "推进中".into());
    let bytes = progress_workbook_filled(&older, made_on, &fill).unwrap();
    std::fs::write(inbox.join("西湖区旧表.xlsx"), bytes).unwrap();

    must_exit(&once(root), 1);
    let no_list = receipts_of(root, "滨江区进展.xlsx").remove(0);
    assert_eq!(no_list["verdict"], "rejected");
    assert!(
        no_list["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("杭州市滨江区尚无已受理的整改清单"),
        "{no_list:#}"
    );
    let other_city = receipts_of(root, "宁波市核查.xlsx").remove(0);
    assert_eq!(other_city["verdict"], "rejected");
    assert_eq!(other_city["diagnostics"][0]["rule"], "review_unknown_id");
    assert_eq!(other_city["diagnostics"][0]["cell"], "整改进展汇总!A4");
    assert!(
        other_city["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("不属于宁波市"),
        "{other_city:#}"
    );
    let outdated = receipts_of(root, "西湖区旧表.xlsx").remove(0);
    assert_eq!(
        outdated["verdict"], "accepted_with_warnings",
        "{outdated:#}"
    );
    let warning = &outdated["diagnostics"][0];
    assert_eq!(warning["rule"], "progress_outdated_list");
    let message = warning["message"].as_str().unwrap();
    assert!(
        message.contains("2019年4月30日") && message.contains("2019年5月20日"),
        "{message}"
    );
    assert_eq!(ids(&outdated["tracking"]["advanced"]), ["330106-003"]);
    assert_eq!(
        ledger(root).item(&id(1)).unwrap().status,
        Status::NotStarted
    );
    // Rejected reports leave the county's standing alone: its list is still its latest file.
    let state: Value =
        serde_json::from_slice(&std::fs::read(root.join("archive/state.json")).unwrap()).unwrap();
    assert!(state["rejected"].get("330108").is_none(), "{state:#}");
    assert!(state["rejected"].get("330106").is_none(), "{state:#}");
}

/// An archive from before items were tracked (an accepted list, no ledger): the daemon's
/// start gives the county its ledger and its 整改进展表 from the archived list.
#[test]
fn lists_accepted_before_tracking_are_tracked_at_start() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let inbox = root.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(inbox.join("西湖区.xlsx"), example("西湖区.xlsx")).unwrap();
    must_exit(&once(root), 0);
    let before = ledger(root);
    std::fs::remove_file(root.join("archive/tracking/330106.json")).unwrap();
    std::fs::remove_file(progress_workbook(root)).unwrap();
    must_exit(&once(root), 0);
    let after = ledger(root);
    assert_eq!(after.items.len(), 23);
    assert_eq!(
        after.items.iter().map(|i| &i.id).collect::<Vec<_>>(),
        before.items.iter().map(|i| &i.id).collect::<Vec<_>>()
    );
    assert_eq!(after.list, before.list);
    assert!(progress_workbook(root).is_file());
    assert!(review_workbook(root).is_file());
}
