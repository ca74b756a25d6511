//! `gongwen.toml` problems as an operator sees them: the real binary, a configuration in a
//! temporary folder, and the `error:` / `hint:` lines on stderr. The configuration is read
//! before fonts or workbooks, so these runs stop early and need no fonts.

mod common;

use std::path::Path;
use std::process::Output;

use common::{gongwen, must_exit, repo_root, run, stderr};

/// `gongwen render` of an example workbook in `dir`, with `args` before the file.
fn render_in(dir: &Path, args: &[&str]) -> Output {
    let workbook = repo_root().join("examples").join("西湖区.xlsx");
    run(gongwen()
        .current_dir(dir)
        .arg("render")
        .args(["--out", "outbox"])
        .args(args)
        .arg(workbook))
}

fn hints(out: &Output) -> Vec<String> {
    stderr(out)
        .lines()
        .filter_map(|l| l.strip_prefix("hint: "))
        .map(str::to_owned)
        .collect()
}

/// Regression: only the first unknown key was reported, and type errors named no key.
#[test]
fn every_problem_is_a_hint_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("office.toml"),
        "[seal]\n\
         colour = \"red\"\n\
         diameter_mm = \"42\"\n\
         \n\
         [county.\"西湖区\"]\n\
         signer = 7\n\
         doc_numbr = \"西教〔2019〕12号\"\n\
         \n\
         [daemon]\n\
         utc_offset = \"+8\"\n\
         timezone = \"Asia/Shanghai\"\n",
    )
    .unwrap();
    let out = render_in(dir.path(), &["--config", "office.toml"]);
    must_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("office.toml: invalid configuration, 6 problems; nothing was done"),
        "{err}"
    );
    assert_eq!(
        hints(&out),
        [
            "office.toml:2: unknown key seal.colour; [seal] takes style, diameter_mm, label",
            "office.toml:3: seal.diameter_mm: expected a number of millimetres like 42.0, found a string",
            "office.toml:6: county.\"西湖区\".signer: expected a string, found an integer",
            "office.toml:7: unknown key county.\"西湖区\".doc_numbr (did you mean county.\"西湖区\".doc_number?)",
            "office.toml:10: daemon.utc_offset: \"+8\" is not an offset like \"+08:00\" (China) or \"+00:00\" (UTC)",
            "office.toml:11: unknown key daemon.timezone; [daemon] takes utc_offset, render_memory_mb, render_timeout_s",
        ]
    );
    assert!(!dir.path().join("outbox").exists(), "nothing is rendered");
}

#[test]
fn a_syntax_error_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("gongwen.toml"),
        "[seal]\nlabel = \"盖章处\"\n\n[defaults]\nnote = \"此件依申请公开\n",
    )
    .unwrap();
    // Without --config, ./gongwen.toml is read.
    let out = render_in(dir.path(), &[]);
    must_exit(&out, 2);
    let hints = hints(&out);
    assert_eq!(hints.len(), 1, "{}", stderr(&out));
    assert!(
        hints[0].starts_with("gongwen.toml:5: not valid TOML: "),
        "{hints:?}"
    );
}

#[test]
fn a_missing_configuration_says_where_gongwen_looked() {
    let dir = tempfile::tempdir().unwrap();
    let out = render_in(dir.path(), &["--config", "gongwen.tmol"]);
    must_exit(&out, 2);
    let err = stderr(&out);
    let expected = format!(
        "error: the configuration {} does not exist",
        dir.path().join("gongwen.tmol").display()
    );
    assert!(err.contains(&expected), "{err}");
    assert!(
        err.contains(
            "hint: gongwen reads the file named by --config; without --config it reads gongwen.toml"
        ),
        "{err}"
    );
}

/// Notepad on a Chinese Windows saves as GBK unless told otherwise.
#[test]
fn a_gbk_configuration_is_refused_with_the_line_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let (gbk, _, _) = encoding_rs::GBK
        .encode("[seal]\nstyle = \"none\"\n\n[defaults]\nnote = \"此件依申请公开\"\n");
    std::fs::write(dir.path().join("gongwen.toml"), &gbk).unwrap();
    let out = render_in(dir.path(), &["--config", "gongwen.toml"]);
    must_exit(&out, 2);
    let hints = hints(&out);
    assert_eq!(
        hints,
        [
            "gongwen.toml:5: the file is not UTF-8 (byte 42 cannot be read; it looks like GBK (ANSI) text): save it as UTF-8 (Notepad or WPS: 另存为, 编码 UTF-8)"
        ],
        "{}",
        stderr(&out)
    );
}
