//! The daemon against a hostile clerk, end to end: the real binary on a temporary root. A
//! file's name or content fails that file, never the daemon; every input ends in archive/
//! (byte-identical) or rejected/ with a receipt; nothing is left half-done.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{
    archived_originals, example, files_under, gongwen, must_exit, receipts, repo_root, run, stderr,
    wait_until,
};

/// The five 杭州市 sample workbooks, by file name.
fn city_examples() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(repo_root().join("examples/杭州市"))
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn once(root: &Path) -> std::process::Output {
    run(gongwen()
        .args(["watch", "--once", "--settle", "100", "--root"])
        .arg(root))
}

fn state(root: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(root.join("archive/state.json")).unwrap()).unwrap()
}

/// Every file kept in rejected/ that is not a receipt.
fn rejected_files(root: &Path) -> Vec<PathBuf> {
    files_under(&root.join("rejected"))
        .into_iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            !n.ends_with(".回执.txt") && !n.ends_with(".回执.json")
        })
        .collect()
}

fn assert_no_temporaries(root: &Path) {
    let left: Vec<_> = files_under(root)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".gongwen-tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    let work = files_under(&root.join("work"));
    assert!(work.is_empty(), "work/ still holds {work:?}");
}

fn assert_names_fit(root: &Path) {
    for path in files_under(root) {
        let name = path.file_name().unwrap().len();
        assert!(name <= 255, "{} is {name} bytes", path.display());
    }
}

#[test]
fn long_and_reserved_names_are_data_never_paths() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let examples = city_examples();
    // 85 CJK characters: 255 bytes with the extension, the most a Linux name can hold.
    let long = format!("{}.xlsx", "西".repeat(83));
    assert!(long.len() <= 255);
    let dropped = [
        long.as_str(),
        "documents",
        "receipts",
        "submission.json",
        "manifest.json",
    ];
    for ((_, bytes), name) in examples.iter().zip(dropped) {
        std::fs::write(inbox.join(name), bytes).unwrap();
    }
    let out = once(root.path());
    must_exit(&out, 0);
    assert_eq!(state(root.path())["accepted"].as_object().unwrap().len(), 5);
    // Each clerk's bytes are kept whole, under gongwen's own name, with the dropped name in
    // the manifest.
    let originals = archived_originals(root.path());
    for ((_, bytes), name) in examples.iter().zip(dropped) {
        let (path, _) = originals
            .iter()
            .find(|(_, b)| b == bytes)
            .unwrap_or_else(|| panic!("{name}: original not archived byte for byte"));
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path.with_file_name("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(manifest["drops"][0]["file"], name);
        assert!(
            manifest["original"]
                .as_str()
                .unwrap()
                .starts_with("original"),
            "{manifest}"
        );
        let submission = path.with_file_name("submission.json");
        assert!(
            serde_json::from_slice::<serde_json::Value>(&std::fs::read(submission).unwrap())
                .unwrap()["schema"]
                .as_str()
                .unwrap()
                .starts_with("gongwen.submission/")
        );
    }
    assert_names_fit(root.path());
    assert_no_temporaries(root.path());
}

#[test]
fn a_newline_in_a_name_cannot_forge_a_log_line() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let name = "西湖区\nERROR forged: archive deleted.xlsx";
    std::fs::write(inbox.join(name), example("西湖区.xlsx")).unwrap();
    let out = once(root.path());
    must_exit(&out, 0);
    let log = stderr(&out);
    assert!(
        !log.lines().any(|l| l.starts_with("ERROR forged")),
        "a name split a log line:\n{log}"
    );
    assert!(log.contains(r"\nERROR forged"), "{log}");
    let all = receipts(root.path());
    assert_eq!(all[0]["file"], name, "the receipt keeps the name as data");
}

#[test]
fn a_file_that_stopped_the_daemon_twice_is_quarantined_and_the_inbox_goes_on() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    // A claim two earlier runs started and never finished, as a crash leaves it.
    let claim = root.path().join("work/20260101-000000.000000-1-0");
    std::fs::create_dir_all(&claim).unwrap();
    std::fs::write(
        claim.join("claim.json"),
        r#"{"original":"杭州/毒文件.xlsx"}"#,
    )
    .unwrap();
    std::fs::write(claim.join("attempts"), "2").unwrap();
    let poison = example("西湖区.xlsx");
    std::fs::write(claim.join("original.xlsx"), &poison).unwrap();
    // And a county waiting behind it.
    let waiting = example("杭州市/上城区.xlsx");
    std::fs::write(inbox.join("上城区.xlsx"), &waiting).unwrap();

    let out = once(root.path());
    must_exit(&out, 1);
    let all = receipts(root.path());
    let quarantined = all
        .iter()
        .find(|r| r["file"] == "杭州/毒文件.xlsx")
        .expect("a receipt for the quarantined file");
    assert_eq!(quarantined["verdict"], "rejected");
    assert_eq!(quarantined["diagnostics"][0]["rule"], "quarantined");
    let kept = rejected_files(root.path());
    assert_eq!(kept.len(), 1);
    assert_eq!(std::fs::read(&kept[0]).unwrap(), poison);
    assert!(
        all.iter()
            .any(|r| r["file"] == "上城区.xlsx" && r["verdict"] == "accepted"),
        "{all:?}"
    );
    assert_no_temporaries(root.path());
}

#[test]
fn a_recovered_file_with_one_attempt_is_tried_again() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("inbox")).unwrap();
    let claim = root.path().join("work/20260101-000000.000000-1-0");
    std::fs::create_dir_all(&claim).unwrap();
    std::fs::write(claim.join("claim.json"), r#"{"original":"西湖区.xlsx"}"#).unwrap();
    std::fs::write(claim.join("attempts"), "1").unwrap();
    std::fs::write(claim.join("original.xlsx"), example("西湖区.xlsx")).unwrap();
    must_exit(&once(root.path()), 0);
    assert_eq!(receipts(root.path())[0]["verdict"], "accepted");
    assert_no_temporaries(root.path());
}

/// The daemon killed after a drop was recorded and before its claim was removed: the next
/// start finishes the claim without recording the drop again or answering it twice. Made
/// here by putting each drop's claim back in work/ as it stood at the kill (the chaos test
/// found this by chance: a name recorded twice in `drops`, with a second, "duplicate" receipt).
#[test]
fn a_drop_finished_again_after_a_crash_is_recorded_once() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let bytes = example("西湖区.xlsx");
    std::fs::write(inbox.join("西湖区.xlsx"), &bytes).unwrap();
    must_exit(&once(root.path()), 0);
    std::fs::write(inbox.join("西湖区（副本）.xlsx"), &bytes).unwrap();
    must_exit(&once(root.path()), 0);

    let (original, _) = archived_originals(root.path()).remove(0);
    let manifest_path = original.with_file_name("manifest.json");
    let manifest = |path: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };
    let before = manifest(&manifest_path);
    let drops = before["drops"].as_array().unwrap().clone();
    assert_eq!(drops.len(), 2, "{before}");
    let receipt_files = files_under(&root.path().join("outbox/回执"));

    for drop in &drops {
        let claim = root
            .path()
            .join("work")
            .join(drop["claim"].as_str().unwrap());
        std::fs::create_dir_all(&claim).unwrap();
        std::fs::write(
            claim.join("claim.json"),
            serde_json::json!({ "original": drop["file"] }).to_string(),
        )
        .unwrap();
        std::fs::write(claim.join("attempts"), "1").unwrap();
        std::fs::write(claim.join("received"), drop["at"].as_str().unwrap()).unwrap();
        std::fs::write(claim.join("original.xlsx"), &bytes).unwrap();
        must_exit(&once(root.path()), 0);
        assert_eq!(
            manifest(&manifest_path),
            before,
            "finishing {drop} changed the manifest"
        );
        assert_eq!(
            files_under(&root.path().join("outbox/回执")),
            receipt_files,
            "finishing {drop} answered it again"
        );
        assert!(files_under(&root.path().join("work")).is_empty());
    }
    let verdicts: Vec<_> = receipts(root.path())
        .iter()
        .map(|r| r["verdict"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(verdicts.len(), 2, "{verdicts:?}");
    assert!(verdicts.contains(&"accepted".to_owned()), "{verdicts:?}");
    assert!(verdicts.contains(&"duplicate".to_owned()), "{verdicts:?}");
    assert_no_temporaries(root.path());
}

#[test]
fn symlinks_and_fifos_are_rejected_never_followed_or_waited_on() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    // A workbook outside the root, reached through a link: it must not be archived.
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.xlsx");
    std::fs::write(&secret, example("西湖区.xlsx")).unwrap();
    std::os::unix::fs::symlink(&secret, inbox.join("链接.xlsx")).unwrap();
    let fifo = inbox.join("管道.xlsx");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let good = example("杭州市/上城区.xlsx");
    std::fs::write(inbox.join("上城区.xlsx"), &good).unwrap();

    let mut child = gongwen()
        .args(["watch", "--once", "--settle", "100", "--root"])
        .arg(root.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_with_timeout(&mut child, Duration::from_secs(60))
        .expect("the daemon must not block on a FIFO");
    assert_eq!(status.code(), Some(1));
    let all = receipts(root.path());
    for name in ["链接.xlsx", "管道.xlsx"] {
        let r = all
            .iter()
            .find(|r| r["file"] == name)
            .unwrap_or_else(|| panic!("no receipt for {name}: {all:?}"));
        assert_eq!(r["verdict"], "rejected");
        assert_eq!(r["diagnostics"][0]["rule"], "file_not_regular");
    }
    assert!(all.iter().any(|r| r["file"] == "上城区.xlsx"));
    assert_eq!(
        archived_originals(root.path()).len(),
        1,
        "only the real file is archived"
    );
    assert!(secret.is_file(), "the link's target is left alone");
    assert_no_temporaries(root.path());
}

#[test]
fn a_path_too_long_to_read_is_skipped_and_the_rest_goes_on() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    // Folders nested past PATH_MAX (4096), made one level at a time from inside.
    let segment = "目".repeat(80); // 240 bytes
    let made = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "cd \"$1\" && for i in $(seq 20); do mkdir {segment} && cd -P {segment} || exit 1; done && echo x > deep.xlsx"
        ))
        .arg("sh")
        .arg(&inbox)
        .status()
        .unwrap();
    assert!(made.success());
    let good = example("西湖区.xlsx");
    std::fs::write(inbox.join("西湖区.xlsx"), &good).unwrap();
    let out = once(root.path());
    must_exit(&out, 0);
    assert!(stderr(&out).contains("skipping"), "{}", stderr(&out));
    assert_eq!(receipts(root.path())[0]["verdict"], "accepted");
}

#[test]
fn temporaries_left_by_a_killed_daemon_are_cleared_at_start() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("inbox")).unwrap();
    let left = [
        root.path().join("outbox/.x.pdf.4294967.gongwen-tmp"),
        root.path()
            .join("outbox/回执/.y.回执.txt.4294967.gongwen-tmp"),
        root.path()
            .join("archive/0123/documents/.z.pdf.4294967.gongwen-tmp"),
    ];
    for path in &left {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"half").unwrap();
    }
    must_exit(&once(root.path()), 0);
    for path in &left {
        assert!(!path.exists(), "{} left", path.display());
    }
}

#[test]
fn a_signal_stop_is_success_even_after_a_rejection() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(inbox.join("坏文件.xlsx"), b"PK\x03\x04 not a workbook").unwrap();
    let mut daemon = gongwen()
        .args(["watch", "--settle", "100", "--root"])
        .arg(root.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("a rejection", Duration::from_secs(60), || {
        !rejected_files(root.path()).is_empty()
    });
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(daemon.id().to_string())
        .status();
    let status = wait_with_timeout(&mut daemon, Duration::from_secs(30)).expect("exits on SIGTERM");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn identical_bytes_under_two_names_to_two_daemons_are_one_acceptance() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let a = spawn(root.path(), &["--poll=50"]);
    let b = spawn(root.path(), &["--poll=50"]);
    std::thread::sleep(Duration::from_millis(300));
    let examples = city_examples();
    for (name, bytes) in &examples {
        std::fs::write(inbox.join(format!("甲_{name}")), bytes).unwrap();
        std::fs::write(inbox.join(format!("乙_{name}")), bytes).unwrap();
    }
    wait_until("ten receipts", Duration::from_secs(120), || {
        receipts(root.path()).len() >= 10
    });
    for mut daemon in [a, b] {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(daemon.id().to_string())
            .status();
        wait_with_timeout(&mut daemon, Duration::from_secs(30)).expect("exits on SIGTERM");
    }
    let all = receipts(root.path());
    assert_eq!(all.len(), 10);
    for (name, _) in &examples {
        let verdicts: Vec<&str> = all
            .iter()
            .filter(|r| r["file"].as_str().unwrap().ends_with(name.as_str()))
            .map(|r| r["verdict"].as_str().unwrap())
            .collect();
        let mut sorted = verdicts.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, ["accepted", "duplicate"], "{name}: {verdicts:?}");
    }
    assert_no_temporaries(root.path());
}

fn spawn(root: &Path, extra: &[&str]) -> Child {
    gongwen()
        .args(["watch", "--settle", "100", "--root"])
        .arg(root)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn a_leading_tilde_is_a_filing_and_receipts_are_in_china_time_whatever_the_tz() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(inbox.join("~鄞州区.xlsx"), example("西湖区.xlsx")).unwrap();
    // Owner and lock files stay where they are, each logged once with its reason.
    std::fs::write(inbox.join("~$鄞州区.xlsx"), b"owner").unwrap();
    let out = run(gongwen()
        .env("TZ", "America/New_York")
        .args(["watch", "--once", "--settle", "100", "--root"])
        .arg(root.path()));
    must_exit(&out, 0);
    let all = receipts(root.path());
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["file"], "~鄞州区.xlsx");
    let at = all[0]["received_at"].as_str().unwrap();
    assert!(at.ends_with("+08:00"), "{at}");
    assert!(inbox.join("~$鄞州区.xlsx").exists());
    let log = stderr(&out);
    assert!(log.contains("+08:00"), "log lines carry China time:\n{log}");
    assert_eq!(
        log.matches("ignoring").count(),
        1,
        "an ignored file is logged once:\n{log}"
    );
}

#[test]
fn a_broken_template_stops_the_daemon_and_keeps_the_file_for_the_next_start() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let bytes = example("西湖区.xlsx");
    std::fs::write(inbox.join("西湖区.xlsx"), &bytes).unwrap();
    // The installation's templates with the shared library broken: gongwen's fault, not the
    // clerk's, so nothing may be rejected for it.
    let templates = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo_root().join("templates"))
        .unwrap()
        .flatten()
    {
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), templates.path().join(entry.file_name())).unwrap();
        }
    }
    let library = templates.path().join("gongwen.typ");
    let mut text = std::fs::read_to_string(&library).unwrap();
    text.push_str("\n#let broken = (\n");
    std::fs::write(&library, text).unwrap();
    let out = run(gongwen()
        .args(["watch", "--once", "--settle", "100", "--templates"])
        .arg(templates.path())
        .arg("--root")
        .arg(root.path()));
    must_exit(&out, 2);
    assert!(stderr(&out).contains("error:"), "{}", stderr(&out));
    assert!(
        rejected_files(root.path()).is_empty(),
        "no clerk's file is rejected for it"
    );
    let kept: Vec<_> = files_under(&root.path().join("work"))
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("original")
        })
        .collect();
    assert_eq!(kept.len(), 1, "the file waits in work/");
    assert_eq!(std::fs::read(&kept[0]).unwrap(), bytes);
    // With the templates mended, the next start finishes it: the fault cost no attempt.
    must_exit(&once(root.path()), 0);
    assert_eq!(receipts(root.path())[0]["verdict"], "accepted");
    assert_no_temporaries(root.path());
}

/// Runs the daemon as an unprivileged user when the tests run as root (root reads everything,
/// so permissions could not be tried otherwise). `false` when that user cannot run the binary
/// from where this checkout is (a private folder).
fn as_unprivileged(cmd: &mut std::process::Command, root: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let is_root = run(std::process::Command::new("id").arg("-u"))
        .stdout
        .starts_with(b"0");
    if !is_root {
        return true;
    }
    let probe = gongwen()
        .arg("--version")
        .current_dir("/")
        .uid(65534)
        .gid(65534)
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        return false;
    }
    for dir in [root.to_path_buf(), root.join("inbox")] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    cmd.uid(65534).gid(65534);
    true
}

#[test]
fn an_unreadable_folder_is_skipped_and_an_unreadable_file_rejected() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(inbox.join("锁住的文件夹")).unwrap();
    std::fs::write(
        inbox.join("锁住的文件夹/上城区.xlsx"),
        example("杭州市/上城区.xlsx"),
    )
    .unwrap();
    std::fs::set_permissions(
        inbox.join("锁住的文件夹"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let unreadable = example("杭州市/滨江区.xlsx");
    std::fs::write(inbox.join("读不了.xlsx"), &unreadable).unwrap();
    std::fs::set_permissions(
        inbox.join("读不了.xlsx"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    std::fs::write(inbox.join("西湖区.xlsx"), example("西湖区.xlsx")).unwrap();

    let mut cmd = gongwen();
    cmd.args(["watch", "--once", "--settle", "100", "--root"])
        .arg(root.path())
        .current_dir(repo_root());
    if !as_unprivileged(&mut cmd, root.path()) {
        eprintln!(
            "skipped: running as root, and user nobody cannot run {}",
            env!("CARGO_BIN_EXE_gongwen")
        );
        return;
    }
    let out = run(&mut cmd);
    must_exit(&out, 1);
    let log = stderr(&out);
    assert!(
        log.contains("锁住的文件夹") && log.contains("skipping"),
        "the folder is reported:\n{log}"
    );
    let all = receipts(root.path());
    let rejected = all
        .iter()
        .find(|r| r["file"] == "读不了.xlsx")
        .unwrap_or_else(|| panic!("the unreadable file gets a receipt: {all:?}\n{log}"));
    assert_eq!(rejected["diagnostics"][0]["rule"], "file_unreadable");
    assert!(
        all.iter()
            .any(|r| r["file"] == "西湖区.xlsx" && r["verdict"] == "accepted"),
        "{all:?}"
    );
    // Let the temporary folder be removed.
    std::fs::set_permissions(
        inbox.join("锁住的文件夹"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
}
