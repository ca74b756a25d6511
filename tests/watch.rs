//! `gongwen watch` end to end on a temporary root: the real binary, real files, real signals.
//! Every test ends by checking that every original dropped is in archive/ or rejected/ with
//! its bytes intact.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{example, files_under, gongwen, must_exit, receipts, repo_root, run, wait_until};

/// Asserts each original is kept byte for byte in archive/ or rejected/, and nowhere is it
/// left half-done (work/ is empty, the inbox holds only ignored files).
fn assert_all_kept(root: &Path, originals: &[Vec<u8>]) {
    let kept: Vec<Vec<u8>> = files_under(&root.join("archive"))
        .into_iter()
        .chain(files_under(&root.join("rejected")))
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            !n.ends_with(".json")
                && !n.ends_with(".txt")
                && !n.ends_with(".pdf")
                && !n.ends_with(".docx")
                && n != "done"
                && !n.starts_with('.')
        })
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    for (i, original) in originals.iter().enumerate() {
        assert!(
            kept.contains(original),
            "original #{i} ({} bytes) is in neither archive/ nor rejected/",
            original.len()
        );
    }
    let left: Vec<_> = files_under(&root.join("work"));
    assert!(left.is_empty(), "work/ still holds {left:?}");
}

/// Copies the five 杭州市 sample workbooks into `inbox` and returns their bytes.
fn drop_city_examples(inbox: &Path) -> Vec<Vec<u8>> {
    let mut originals = Vec::new();
    for entry in std::fs::read_dir(repo_root().join("examples/杭州市"))
        .unwrap()
        .flatten()
    {
        let bytes = std::fs::read(entry.path()).unwrap();
        std::fs::write(inbox.join(entry.file_name()), &bytes).unwrap();
        originals.push(bytes);
    }
    originals
}

fn once(root: &Path) -> std::process::Output {
    run(gongwen()
        .args(["watch", "--once", "--settle", "200", "--root"])
        .arg(root))
}

fn spawn_daemon(root: &Path, extra: &[&str]) -> Child {
    gongwen()
        .args(["watch", "--settle", "500", "--root"])
        .arg(root)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn terminate(mut child: Child) -> std::process::Output {
    // SIGTERM: the daemon finishes the file in hand and exits cleanly.
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    child.wait_with_output().unwrap()
}

#[test]
fn once_accepts_a_county_and_writes_its_documents_receipt_and_rollups() {
    let root = tempfile::tempdir().unwrap();
    let bytes = example("西湖区.xlsx");
    std::fs::create_dir_all(root.path().join("inbox/杭州")).unwrap();
    std::fs::write(root.path().join("inbox/杭州/西湖区.xlsx"), &bytes).unwrap();
    let out = once(root.path());
    must_exit(&out, 0);
    let county = root.path().join("outbox/杭州市/西湖区");
    for name in [
        "附件1_学校整改清单_西湖区.pdf",
        "附件1_学校整改清单_西湖区.docx",
        "报告_西湖区.pdf",
        "报送材料_西湖区.pdf",
        "报送材料_西湖区.docx",
        "回执.txt",
    ] {
        assert!(
            county.join(name).is_file(),
            "missing {name}: {:?}",
            files_under(root.path())
        );
    }
    assert!(
        root.path()
            .join("outbox/杭州市/附件3_创建时间表_杭州市.pdf")
            .is_file()
    );
    assert!(root.path().join("outbox/全省汇总.pdf").is_file());
    let receipt = std::fs::read_to_string(county.join("回执.txt")).unwrap();
    assert!(receipt.contains("已受理"), "{receipt}");
    assert!(receipt.contains("杭州市西湖区（330106）"), "{receipt}");
    assert!(receipt.contains("计划创建年份：2020年"), "{receipt}");
    let all = receipts(root.path());
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["verdict"], "accepted");
    assert_eq!(all[0]["file"], "杭州/西湖区.xlsx");
    assert_all_kept(root.path(), &[bytes]);
}

#[test]
fn lock_files_are_left_alone_and_broken_files_rejected_with_reasons() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let good = example("西湖区.xlsx");
    std::fs::write(inbox.join("西湖区.xlsx"), &good).unwrap();
    std::fs::write(inbox.join("~$西湖区.xlsx"), b"owner").unwrap();
    std::fs::write(inbox.join(".~lock.西湖区.xlsx#"), b"lock").unwrap();
    let broken = good[..good.len() / 2].to_vec();
    std::fs::write(inbox.join("坏文件.xlsx"), &broken).unwrap();
    let out = once(root.path());
    must_exit(&out, 1);
    assert!(
        inbox.join("~$西湖区.xlsx").exists() && inbox.join(".~lock.西湖区.xlsx#").exists(),
        "lock files must stay"
    );
    let rejected = files_under(&root.path().join("rejected"));
    let receipt = rejected
        .iter()
        .find(|p| p.to_string_lossy().ends_with(".回执.txt"))
        .expect("a receipt beside the rejected file");
    let text = std::fs::read_to_string(receipt).unwrap();
    assert!(text.contains("退回"), "{text}");
    assert!(text.contains("文件已损坏或不完整"), "{text}");
    assert_all_kept(root.path(), &[good, broken]);
}

#[test]
fn duplicates_are_recognised_and_resubmissions_list_their_changes() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let first = example("西湖区.xlsx");
    std::fs::write(inbox.join("西湖区.xlsx"), &first).unwrap();
    must_exit(&once(root.path()), 0);
    let pdf = root
        .path()
        .join("outbox/杭州市/西湖区/附件1_学校整改清单_西湖区.pdf");
    let first_pdf = std::fs::read(&pdf).unwrap();

    // The same bytes again, under another name.
    std::fs::write(inbox.join("西湖区（再次）.xlsx"), &first).unwrap();
    must_exit(&once(root.path()), 0);
    let dup: Vec<_> = receipts(root.path())
        .into_iter()
        .filter(|r| r["verdict"] == "duplicate")
        .collect();
    assert_eq!(dup.len(), 1);

    // A resubmission: the same county with one school fewer (a CSV this time).
    let csv = "县（市、区）名称：西湖区,填报日期：2019年5月28日,,\n学校名称,存在不足情况,整改提升措施,完成时限\n杭州市文三街小学,生均体育运动场馆面积不足,改造屋顶运动场,2020年12月\n计划创建年份：2021年,,,\n";
    std::fs::write(inbox.join("西湖区更新.csv"), csv).unwrap();
    must_exit(&once(root.path()), 0);
    let newer: Vec<_> = receipts(root.path())
        .into_iter()
        .filter(|r| r["file"] == "西湖区更新.csv")
        .collect();
    assert_eq!(newer.len(), 1);
    let changes = &newer[0]["changes"];
    assert!(
        !changes["schools_removed"].as_array().unwrap().is_empty(),
        "{changes}"
    );
    assert_eq!(changes["plan_year"], serde_json::json!(["2020", "2021"]));
    assert_ne!(
        std::fs::read(&pdf).unwrap(),
        first_pdf,
        "the newer file supersedes the older in outbox"
    );
    assert_all_kept(root.path(), &[first, csv.as_bytes().to_vec()]);
}

#[test]
fn five_counties_of_one_city_roll_up() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let originals = drop_city_examples(&inbox);
    assert_eq!(originals.len(), 5);
    must_exit(&once(root.path()), 0);
    let city = root.path().join("outbox/杭州市");
    assert!(city.join("附件3_创建时间表_杭州市.pdf").is_file());
    assert!(city.join("附件3_创建时间表_杭州市.docx").is_file());
    assert!(city.join("报告_杭州市.pdf").is_file());
    assert!(city.join("报送材料_杭州市.pdf").is_file());
    assert!(city.join("报送材料_杭州市.docx").is_file());
    // The city's 附件1 and 附件2 (电子版) and the province's lists, read back by check.
    let lists = [
        city.join("附件1_学校整改清单_杭州市.xlsx"),
        city.join("附件2_县级政府整改清单_杭州市.xlsx"),
        root.path().join("outbox/全省整改清单.xlsx"),
    ];
    let checked = run(gongwen().arg("check").arg("--deny-warnings").args(&lists));
    must_exit(&checked, 0);
    let report = String::from_utf8_lossy(&checked.stdout);
    assert_eq!(
        report.matches("不是县（市、区）的报送").count(),
        3,
        "{report}"
    );
    assert!(report.contains("杭州市的附件1学校整改清单"), "{report}");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.path().join("archive/state.json")).unwrap())
            .unwrap();
    assert_eq!(state["accepted"].as_object().unwrap().len(), 5);
    assert_all_kept(root.path(), &originals);
}

#[test]
fn a_copy_written_in_two_halves_with_a_pause_is_waited_for() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("inbox")).unwrap();
    let daemon = spawn_daemon(root.path(), &[]);
    // The status page is written once the daemon's file events are on.
    wait_until("the daemon to watch", Duration::from_secs(60), || {
        root.path().join("outbox/index.html").exists()
    });
    let bytes = example("西湖区.xlsx");
    let target = root.path().join("inbox/西湖区.xlsx");
    let mut file = std::fs::File::create(&target).unwrap();
    file.write_all(&bytes[..bytes.len() / 2]).unwrap();
    file.flush().unwrap();
    // Longer than the settle window, with the file still open.
    std::thread::sleep(Duration::from_millis(2000));
    file.write_all(&bytes[bytes.len() / 2..]).unwrap();
    drop(file);
    wait_until("the county's documents", Duration::from_secs(60), || {
        root.path().join("outbox/杭州市/西湖区/回执.txt").exists()
    });
    let out = terminate(daemon);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        files_under(&root.path().join("rejected")).is_empty(),
        "the half-written copy must not be rejected"
    );
    assert_all_kept(root.path(), &[bytes]);
}

#[test]
fn kill_during_processing_then_restart_finishes_everything() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let mut originals = drop_city_examples(&inbox);
    let mut daemon = spawn_daemon(root.path(), &[]);
    // Kill as soon as work has started.
    wait_until("a claim", Duration::from_secs(30), || {
        !files_under(&root.path().join("work")).is_empty()
            || !files_under(&root.path().join("archive")).is_empty()
    });
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    // A file dropped while the daemon is down.
    let late = example("西湖区.xlsx");
    std::fs::write(inbox.join("西湖区.xlsx"), &late).unwrap();
    originals.push(late);
    must_exit(&once(root.path()), 0);
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.path().join("archive/state.json")).unwrap())
            .unwrap();
    assert_eq!(state["accepted"].as_object().unwrap().len(), 6);
    assert_all_kept(root.path(), &originals);
}

#[test]
fn two_daemons_on_one_root_take_each_file_once() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let a = spawn_daemon(root.path(), &["--poll=100"]);
    let b = spawn_daemon(root.path(), &[]);
    std::thread::sleep(Duration::from_millis(500));
    let originals = drop_city_examples(&inbox);
    wait_until("five receipts", Duration::from_secs(90), || {
        receipts(root.path()).len() >= 5
    });
    std::thread::sleep(Duration::from_millis(1500));
    let (oa, ob) = (terminate(a), terminate(b));
    assert!(oa.status.success() && ob.status.success());
    let all = receipts(root.path());
    assert_eq!(all.len(), 5, "each file taken exactly once: {all:?}");
    assert!(all.iter().all(|r| r["verdict"] == "accepted"));
    assert_all_kept(root.path(), &originals);
}

#[test]
fn an_unwritable_archive_stops_the_daemon_with_a_message() {
    let root = tempfile::tempdir().unwrap();
    // A file where the archive folder should be: nothing can be kept, so nothing is taken.
    std::fs::create_dir_all(root.path().join("inbox")).unwrap();
    std::fs::write(root.path().join("archive"), b"not a folder").unwrap();
    std::fs::write(
        root.path().join("inbox/西湖区.xlsx"),
        example("西湖区.xlsx"),
    )
    .unwrap();
    let out = once(root.path());
    must_exit(&out, 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error:"), "{err}");
    assert!(
        root.path().join("inbox/西湖区.xlsx").exists(),
        "the file stays in the inbox"
    );
}

/// A county workbook written from code with `bad` items whose 完成时限 names no month.
fn write_workbook_with_bad_deadlines(path: &Path, bad: u32) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("学校整改清单").unwrap();
    sheet.write(0, 0, "附件1").unwrap();
    sheet
        .write(1, 0, "义务教育学校达到优质均衡目标整改清单")
        .unwrap();
    sheet
        .write(
            2,
            0,
            "县（市、区）名称：西湖区          填报日期：2019年5月20日",
        )
        .unwrap();
    for (col, title) in ["学校名称", "存在不足情况", "整改提升措施", "完成时限"]
        .iter()
        .enumerate()
    {
        sheet.write(3, col as u16, *title).unwrap();
    }
    for i in 0..bad {
        let row = 4 + i;
        if i % 5 == 0 {
            sheet
                .write(row, 0, format!("{}.杭州市第{}小学", i / 5 + 1, i / 5 + 1))
                .unwrap();
        }
        sheet
            .write(row, 1, format!("{}.生均体育运动场馆面积不足", i % 5 + 1))
            .unwrap();
        sheet.write(row, 2, "改造屋顶运动场").unwrap();
        sheet.write(row, 3, "2020年").unwrap();
    }
    sheet.write(4 + bad + 1, 0, "计划创建年份：2020年").unwrap();
    book.save(path).unwrap();
}

#[test]
fn a_receipt_with_250_problems_counts_them_lists_200_and_keeps_all_in_json() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("inbox")).unwrap();
    let path = root.path().join("inbox/西湖区.xlsx");
    write_workbook_with_bad_deadlines(&path, 250);
    let bytes = std::fs::read(&path).unwrap();
    let out = once(root.path());
    must_exit(&out, 1);
    let text_path = files_under(&root.path().join("rejected"))
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with(".回执.txt"))
        .expect("a receipt beside the rejected file");
    let text = std::fs::read_to_string(&text_path).unwrap();
    assert!(
        text.contains("问题：250个错误：完成时限未精确到月份 250个\n"),
        "{text}"
    );
    let listed = text.lines().filter(|l| l.contains(". 错误［")).count();
    assert_eq!(listed, 200, "{text}");
    assert!(text.contains("另有50个问题未列出"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(text_path.with_extension("json")).unwrap()).unwrap();
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 250);
    assert_eq!(json["counts"]["deadline_not_month"], 250);
    let outbox = receipts(root.path());
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0]["diagnostics"].as_array().unwrap().len(), 250);
    assert_all_kept(root.path(), &[bytes]);
}

/// The daemon's "inbox watch mode" log line.
fn mode_line(out: &std::process::Output) -> String {
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    log.lines()
        .find(|l| l.contains("inbox watch mode"))
        .unwrap_or_else(|| panic!("no mode logged: {log}"))
        .to_owned()
}

#[test]
fn the_daemon_logs_its_mode_and_why_on_local_file_systems() {
    // The temp dir (ext4, xfs, overlay… here) and, where there is one, /dev/shm (tmpfs).
    let mut roots = vec![("temp dir", tempfile::tempdir().unwrap())];
    match tempfile::tempdir_in("/dev/shm") {
        Ok(dir) => roots.push(("tmpfs", dir)),
        Err(_) => eprintln!("no writable /dev/shm: tmpfs not tried"),
    }
    for (what, root) in &roots {
        std::fs::create_dir_all(root.path().join("inbox")).unwrap();
        let out = once(root.path());
        must_exit(&out, 0);
        let line = mode_line(&out);
        let fs = gongwen::watch::fs::probe(root.path());
        let fstype = fs.fstype.clone().unwrap_or_else(|| "unknown".into());
        if fs.kind == gongwen::watch::fs::FsKind::Network {
            eprintln!("{what} is on {fstype}, a network file system: polls by itself");
            assert!(line.contains("mode=\"poll\""), "{line}");
            continue;
        }
        assert!(line.contains("mode=\"native\""), "{what}: {line}");
        assert!(line.contains(&format!("fs=\"{fstype}\"")), "{what}: {line}");
        if *what == "tmpfs" {
            assert!(line.contains("fs=\"tmpfs\""), "{line}");
        }
        assert!(line.contains("local file system"), "{what}: {line}");

        // --poll still forces polling, and says so.
        let out = run(gongwen()
            .args([
                "watch", "--once", "--poll", "200", "--settle", "200", "--root",
            ])
            .arg(root.path()));
        must_exit(&out, 0);
        let line = mode_line(&out);
        assert!(line.contains("mode=\"poll\""), "{line}");
        assert!(line.contains("--poll given"), "{line}");
    }
}
