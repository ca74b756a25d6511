//! Helpers shared by the end-to-end tests: the real binary, fixtures, and a JSON subset match.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of these helpers"
)]

pub mod libreoffice;
pub mod pdf_tools;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The `gongwen` binary cargo built for this test run, blind to an installation the
/// developer's environment names (`GONGWEN_HOME`).
pub fn gongwen() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gongwen"));
    cmd.env_remove("GONGWEN_HOME");
    cmd
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo_root().join("tests").join("fixtures")
}

/// Runs the command and returns its output, panicking with both streams when it could not run.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the exit code, showing both streams when it differs.
pub fn must_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// `gongwen check --json FILE...` parsed.
pub fn check_json(files: &[&Path]) -> (Output, Vec<Value>) {
    let out = run(gongwen().arg("check").arg("--json").args(files));
    let parsed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check --json printed no JSON array ({e}):\n{}\n{}",
            stdout(&out),
            stderr(&out)
        )
    });
    (out, parsed)
}

/// Compares `expected` as a subset of `actual`: objects key by key for the keys expected,
/// arrays of equal length element by element, everything else equal. Collects every mismatch.
pub fn subset_mismatches(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(expected, actual, "$", &mut out);
    out
}

fn walk(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, ev) in e {
                match a.get(key) {
                    Some(av) => walk(ev, av, &format!("{path}.{key}"), out),
                    None => out.push(format!("{path}.{key}: missing (expected {ev})")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                out.push(format!(
                    "{path}: expected {} elements, got {}:\n    expected {}\n    actual   {}",
                    e.len(),
                    a.len(),
                    Value::Array(e.clone()),
                    compact(actual)
                ));
                return;
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                walk(ev, av, &format!("{path}[{i}]"), out);
            }
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => {}
        (e, a) if e == a => {}
        (e, a) => out.push(format!("{path}: expected {e}, got {a}")),
    }
}

/// An array of diagnostics shown without messages, to keep failure output readable.
fn compact(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let shown: Vec<String> = items
                .iter()
                .map(|item| match item {
                    Value::Object(map) if map.contains_key("rule") => format!(
                        "{{{} {} {}}}",
                        map.get("severity").unwrap_or(&Value::Null),
                        map.get("rule").unwrap_or(&Value::Null),
                        map.get("cell").unwrap_or(&Value::Null)
                    ),
                    other => other.to_string(),
                })
                .collect();
            format!("[{}]", shown.join(", "))
        }
        other => other.to_string(),
    }
}

/// Whether a tool is on the PATH.
pub fn have_tool(name: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A test that cannot run here (a tool or the fonts missing): a developer sees the reason and
/// the test returns; under `GONGWEN_REQUIRE_TOOLS=1` (set by `.ci/run` in CI) it fails, so CI
/// can never be green with a layout test not run.
pub fn skip(reason: &str) {
    if std::env::var_os("GONGWEN_REQUIRE_TOOLS").is_some_and(|v| v == "1") {
        panic!("required by GONGWEN_REQUIRE_TOOLS=1 but missing: {reason}");
    }
    eprintln!("skipped: {reason}");
}

/// A file of `examples/`, as bytes.
pub fn example(name: &str) -> Vec<u8> {
    std::fs::read(repo_root().join("examples").join(name)).unwrap()
}

/// Every file under `dir`, recursively, sorted; symlinks are listed, never followed.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Every JSON receipt the daemon wrote to `outbox/回执/` under `root`.
pub fn receipts(root: &Path) -> Vec<Value> {
    files_under(&root.join("outbox").join("回执"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect()
}

/// Polls `done` every 50 ms until it holds, or panics naming `what` after `timeout`.
pub fn wait_until(what: &str, timeout: std::time::Duration, mut done: impl FnMut() -> bool) {
    let end = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < end {
        if done() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

/// Every archived original (`archive/<sha>/original*`) under `root`, with its bytes.
pub fn archived_originals(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files_under(&root.join("archive"))
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("original"))
        })
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// A binary netpbm image as pdftoppm writes it (`P5` gray, `P6` RGB): its magic, width,
/// height and the pixel bytes after the header (magic, width, height, maxval, one whitespace).
pub fn netpbm(bytes: &[u8]) -> (String, usize, usize, &[u8]) {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
    }
    let width = fields[1].parse().expect("netpbm width");
    let height = fields[2].parse().expect("netpbm height");
    (fields.swap_remove(0), width, height, &bytes[i + 1..])
}

/// The filing at `path`, read in process with the default limits (its diagnostics kept).
pub fn submission(path: &Path) -> gongwen::model::Submission {
    gongwen::pipeline::read_submission(
        path,
        &gongwen::pipeline::WorkbookReader::InProcess,
        &gongwen::intake::Limits::default(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
