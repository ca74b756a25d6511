//! Every fixture under tests/fixtures/<feature>/<case>/ read by the real binary
//! (`gongwen check --json`), its exit status and JSON compared with the case's expect.json.
//!
//! Each case is its own test, named `<feature>/<case>`, so one can be run by name
//! (`cargo test --test intake_fixtures -- dates/filed_iso`). The cases are found when the
//! tests start: a new case folder is a new test without touching this file. libtest-mimic
//! stands in for the built-in harness (`harness = false` in Cargo.toml), which knows only
//! the tests written as functions.

mod common;

use std::path::{Path, PathBuf};

use common::{check_json, fixtures, subset_mismatches};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

/// Fewer cases than this means the corpus was not found, not that it shrank on purpose.
const MIN_CASES: usize = 40;

fn main() {
    let args = Arguments::from_args();
    let cases = case_folders();
    let mut trials = vec![Trial::test("the_fixture_corpus_is_found", {
        let count = cases.len();
        move || {
            if count >= MIN_CASES {
                Ok(())
            } else {
                Err(format!(
                    "expected the fixture corpus under {}, found {count} cases",
                    fixtures().display()
                )
                .into())
            }
        }
    })];
    trials.extend(
        cases
            .into_iter()
            .map(|case| Trial::test(case_name(&case), move || check_case(&case))),
    );
    libtest_mimic::run(&args, trials).exit();
}

/// Every `<feature>/<case>/` folder holding an expect.json, sorted.
fn case_folders() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = subfolders(&fixtures())
        .iter()
        .flat_map(|feature| subfolders(feature))
        .filter(|case| case.join("expect.json").is_file())
        .collect();
    out.sort();
    out
}

fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect()
}

/// `<feature>/<case>`, the test's name.
fn case_name(case: &Path) -> String {
    let rel = case.strip_prefix(fixtures()).unwrap_or(case);
    rel.to_string_lossy().replace('\\', "/")
}

/// The case's one input file: everything but expect.json and hidden files.
fn input_of(case: &Path) -> Result<PathBuf, Failed> {
    let inputs: Vec<PathBuf> = std::fs::read_dir(case)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .is_some_and(|n| n != "expect.json" && !n.to_string_lossy().starts_with('.'))
        })
        .collect();
    match <[PathBuf; 1]>::try_from(inputs) {
        Ok([input]) => Ok(input),
        Err(inputs) => Err(format!(
            "{} must hold exactly one input, holds {}",
            case.display(),
            inputs.len()
        )
        .into()),
    }
}

/// Runs `check --json` on the case's input; every mismatch with expect.json is listed.
fn check_case(case: &Path) -> Result<(), Failed> {
    let expect_path = case.join("expect.json");
    let text = std::fs::read_to_string(&expect_path)
        .map_err(|e| format!("{}: {e}", expect_path.display()))?;
    let expect: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", expect_path.display()))?;
    let input = input_of(case)?;
    let (out, json) = check_json(&[&input]);
    let mut failures = Vec::new();
    let want_exit = expect["exit"].as_i64().unwrap_or(0) as i32;
    if out.status.code() != Some(want_exit) {
        failures.push(format!(
            "exit {:?}, expected {want_exit}",
            out.status.code()
        ));
    }
    let [submission] = json.as_slice() else {
        return Err(format!("one object per file, got {}", json.len()).into());
    };
    failures.extend(subset_mismatches(&expect["submission"], submission));
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: {} mismatches:\n{}",
            case_name(case),
            failures.len(),
            failures.join("\n")
        )
        .into())
    }
}
