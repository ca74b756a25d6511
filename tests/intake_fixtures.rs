//! Every fixture under tests/fixtures/<feature>/<case>/ read by the real binary
//! (`gongwen check --json`), its exit status and JSON compared with the case's expect.json.

mod common;

use std::path::{Path, PathBuf};

use common::{check_json, fixtures, subset_mismatches};
use serde_json::Value;

/// Each case folder holds one input file and expect.json.
fn cases() -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    let Ok(features) = std::fs::read_dir(fixtures()) else {
        return out;
    };
    for feature in features.flatten().filter(|e| e.path().is_dir()) {
        let Ok(cases) = std::fs::read_dir(feature.path()) else {
            continue;
        };
        for case in cases.flatten().filter(|e| e.path().is_dir()) {
            let expect = case.path().join("expect.json");
            if !expect.exists() {
                continue;
            }
            let inputs: Vec<PathBuf> = std::fs::read_dir(case.path())
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && p.file_name().is_some_and(|n| {
                            n != "expect.json" && !n.to_string_lossy().starts_with('.')
                        })
                })
                .collect();
            assert_eq!(
                inputs.len(),
                1,
                "{} must hold exactly one input",
                case.path().display()
            );
            out.push((inputs[0].clone(), expect));
        }
    }
    out.sort();
    out
}

fn case_name(input: &Path) -> String {
    let rel = input.strip_prefix(fixtures()).unwrap_or(input);
    rel.parent()
        .map_or_else(String::new, |p| p.display().to_string())
}

#[test]
fn every_fixture_reads_as_expected() {
    let cases = cases();
    assert!(
        cases.len() >= 40,
        "expected the fixture corpus, found {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for (input, expect_path) in &cases {
        let expect: Value = serde_json::from_str(&std::fs::read_to_string(expect_path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", expect_path.display()));
        let (out, json) = check_json(&[input]);
        let name = case_name(input);
        let want_exit = expect["exit"].as_i64().unwrap_or(0) as i32;
        if out.status.code() != Some(want_exit) {
            failures.push(format!(
                "{name}: exit {:?}, expected {want_exit}",
                out.status.code()
            ));
        }
        assert_eq!(json.len(), 1, "{name}: one object per file");
        for mismatch in subset_mismatches(&expect["submission"], &json[0]) {
            failures.push(format!("{name}: {mismatch}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
