//! `gongwen render` and `gongwen rollup` as a user runs them: the real binary in a temporary
//! folder, the example workbooks, the folder layout of the output and the exit codes.

mod common;

use std::path::{Path, PathBuf};

use common::{fixtures, gongwen, must_exit, repo_root, run, stderr, stdout};

/// Font folders for the binary: fonts/ when complete, else the Debian packages' folders.
fn font_paths() -> Option<String> {
    let shipped = repo_root().join("fonts");
    if gongwen::render::fonts::STAND_INS
        .iter()
        .all(|s| shipped.join(s.file).is_file())
    {
        return Some(shipped.display().to_string());
    }
    let system = [
        "/usr/share/fonts/opentype/noto",
        "/usr/share/fonts/truetype/lxgw-wenkai",
    ];
    if system.iter().all(|d| Path::new(d).is_dir()) {
        Some(system.join(":"))
    } else {
        common::skip("no fonts (fonts/ incomplete and fonts-noto-cjk/lxgw-wenkai absent)");
        None
    }
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

fn example(name: &str) -> PathBuf {
    repo_root().join("examples").join(name)
}

#[test]
fn render_writes_each_countys_documents_into_city_and_county_folders() {
    let Some(fonts) = font_paths() else { return };
    let out = tempfile::tempdir().unwrap();
    let result = run(gongwen()
        .arg("render")
        .arg("--out")
        .arg(out.path())
        .env("GONGWEN_FONT_PATHS", &fonts)
        .arg(example("西湖区.xlsx")));
    must_exit(&result, 0);
    let files = files_under(out.path());
    for stem in [
        "杭州市/西湖区/附件1_学校整改清单_西湖区",
        "杭州市/西湖区/附件2_县级政府整改清单_西湖区",
        "杭州市/西湖区/报送函_西湖区",
    ] {
        assert!(files.contains(&format!("{stem}.pdf")), "{files:?}");
        assert!(files.contains(&format!("{stem}.docx")), "{files:?}");
    }
    assert_eq!(
        files.len(),
        6,
        "nothing else, no temporary files: {files:?}"
    );
    let pdf = std::fs::read(out.path().join("杭州市/西湖区/报送函_西湖区.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(stdout(&result).contains("报送函_西湖区.pdf"));
}

#[test]
fn render_reports_a_file_with_errors_and_renders_the_rest() {
    let Some(fonts) = font_paths() else { return };
    let out = tempfile::tempdir().unwrap();
    let bad = fixtures().join("errors/deadline_not_month");
    let bad = std::fs::read_dir(&bad)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e != "json"))
        .unwrap();
    let result = run(gongwen()
        .arg("render")
        .arg("--out")
        .arg(out.path())
        .arg("--seal")
        .arg("none")
        .env("GONGWEN_FONT_PATHS", &fonts)
        .arg(&bad)
        .arg(example("杭州市/上城区.xlsx")));
    must_exit(&result, 1);
    let text = stdout(&result);
    assert!(text.contains("错误"), "{text}");
    let files = files_under(out.path());
    assert!(
        files.iter().all(|f| f.starts_with("杭州市/上城区/")),
        "{files:?}"
    );
    assert!(!files.is_empty());
}

/// Files rendered side by side report in the order given and write the same bytes as one
/// file after another.
#[test]
fn render_with_several_jobs_keeps_the_file_order_and_the_bytes() {
    let Some(fonts) = font_paths() else { return };
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(example("杭州市"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    inputs.reverse();
    let render = |jobs: &str| {
        let out = tempfile::tempdir().unwrap();
        let result = run(gongwen()
            .arg("render")
            .args(["--jobs", jobs, "--out"])
            .arg(out.path())
            .env("GONGWEN_FONT_PATHS", &fonts)
            .args(&inputs));
        must_exit(&result, 0);
        let report = stdout(&result).replace(&out.path().display().to_string(), "OUT");
        (out, report)
    };
    let (one, one_report) = render("1");
    let (three, three_report) = render("3");
    assert_eq!(three_report, one_report);
    // The report names the files in the order given.
    let order: Vec<usize> = inputs
        .iter()
        .map(|p| {
            let county = p.file_stem().unwrap().to_string_lossy().into_owned();
            one_report.find(&format!("报送函_{county}.pdf")).unwrap()
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{one_report}");
    let files = files_under(one.path());
    assert_eq!(files.len(), inputs.len() * 6, "{files:?}");
    assert_eq!(files_under(three.path()), files);
    for f in &files {
        assert!(
            std::fs::read(one.path().join(f)).unwrap()
                == std::fs::read(three.path().join(f)).unwrap(),
            "{f} differs between --jobs 1 and --jobs 3"
        );
    }
}

#[test]
fn rollup_writes_city_documents_and_a_province_summary_for_several_cities() {
    let Some(fonts) = font_paths() else { return };
    let out = tempfile::tempdir().unwrap();
    let mut cmd = gongwen();
    cmd.arg("rollup")
        .arg("--out")
        .arg(out.path())
        .env("GONGWEN_FONT_PATHS", &fonts)
        .arg(example("西湖区.xlsx"));
    for e in std::fs::read_dir(example("杭州市")).unwrap() {
        cmd.arg(e.unwrap().path());
    }
    cmd.arg(fixtures().join("counties/longgang_before_founding/龙港市.xlsx"));
    let result = run(&mut cmd);
    must_exit(&result, 0);
    let files = files_under(out.path());
    for name in [
        "杭州市/附件3_创建时间表_杭州市.pdf",
        "杭州市/报送函_杭州市.pdf",
        "温州市/附件3_创建时间表_温州市.pdf",
        "温州市/报送函_温州市.pdf",
        "全省汇总.pdf",
        "全省汇总.docx",
    ] {
        assert!(
            files.contains(&name.to_owned()),
            "{name} missing: {files:?}"
        );
    }
}

#[test]
fn rollup_of_one_city_writes_no_province_summary() {
    let Some(fonts) = font_paths() else { return };
    let out = tempfile::tempdir().unwrap();
    let result = run(gongwen()
        .arg("rollup")
        .arg("--out")
        .arg(out.path())
        .env("GONGWEN_FONT_PATHS", &fonts)
        .arg(example("西湖区.xlsx")));
    must_exit(&result, 0);
    let files = files_under(out.path());
    assert!(files.iter().all(|f| f.starts_with("杭州市/")), "{files:?}");
}

#[test]
fn a_bad_configuration_is_a_fault_with_every_problem_as_a_hint() {
    let out = tempfile::tempdir().unwrap();
    let config = out.path().join("gongwen.toml");
    std::fs::write(
        &config,
        "[seal]\ndiameter_mm = 5\n[county.\"西湖区\"]\ndoc_number = \"西教[2019]12号\"\n",
    )
    .unwrap();
    let result = run(gongwen()
        .arg("render")
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(out.path())
        .arg(example("西湖区.xlsx")));
    must_exit(&result, 2);
    let err = stderr(&result);
    assert!(err.contains("invalid configuration"), "{err}");
    assert!(
        err.contains("hint:") && err.contains("diameter_mm"),
        "{err}"
    );
    assert!(err.contains("〔〕"), "{err}");
}

#[test]
fn missing_fonts_are_a_fault_with_a_hint() {
    let empty = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    // Run from a folder without fonts/, with a font path that has none.
    let result = run(gongwen()
        .current_dir(empty.path())
        .arg("render")
        .arg("--templates")
        .arg(repo_root().join("templates"))
        .arg("--out")
        .arg(out.path())
        .env("GONGWEN_FONT_PATHS", empty.path())
        .arg(example("西湖区.xlsx")));
    if files_under(&repo_root().join("fonts"))
        .iter()
        .any(|f| f.ends_with(".otf") || f.ends_with(".ttf"))
    {
        // The source tree's fonts/ is found through the binary's location.
        return;
    }
    must_exit(&result, 2);
    assert!(
        stderr(&result).contains("fonts missing"),
        "{}",
        stderr(&result)
    );
    assert!(files_under(out.path()).is_empty());
}
