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
        "杭州市/西湖区/报告_西湖区",
        "杭州市/西湖区/报送材料_西湖区",
    ] {
        assert!(files.contains(&format!("{stem}.pdf")), "{files:?}");
        assert!(files.contains(&format!("{stem}.docx")), "{files:?}");
    }
    assert_eq!(
        files.len(),
        8,
        "nothing else, no temporary files: {files:?}"
    );
    let pdf = std::fs::read(out.path().join("杭州市/西湖区/报告_西湖区.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(stdout(&result).contains("报告_西湖区.pdf"));
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
            one_report.find(&format!("报送材料_{county}.pdf")).unwrap()
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{one_report}");
    let files = files_under(one.path());
    assert_eq!(files.len(), inputs.len() * 8, "{files:?}");
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
        "杭州市/报告_杭州市.pdf",
        "杭州市/报送材料_杭州市.pdf",
        "杭州市/报送材料_杭州市.docx",
        "温州市/附件3_创建时间表_温州市.pdf",
        "温州市/报告_温州市.pdf",
        "温州市/报送材料_温州市.pdf",
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

/// Regression: this test passed whatever the binary did, because the binary fell back to the
/// build tree's fonts/. A named installation is used as it is, with no search behind it.
#[test]
fn missing_fonts_are_a_fault_with_a_hint() {
    let empty = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let result = run(gongwen()
        .current_dir(empty.path())
        .arg("render")
        .arg("--install-root")
        .arg(empty.path())
        .arg("--out")
        .arg(out.path())
        .env("GONGWEN_FONT_PATHS", empty.path())
        .arg(example("西湖区.xlsx")));
    must_exit(&result, 2);
    let err = stderr(&result);
    let fonts = empty.path().join("fonts").display().to_string();
    assert!(
        err.contains(&format!("fonts missing from {fonts}")),
        "{err}"
    );
    assert!(
        err.contains("hint: fonts/ is that of the installation")
            && err.contains("named by --install-root or GONGWEN_HOME"),
        "{err}"
    );
    assert!(err.contains("hint: put the fonts into fonts/"), "{err}");
    assert!(files_under(out.path()).is_empty());
}

#[test]
fn gongwen_home_names_the_installation() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let result = run(gongwen()
        .current_dir(home.path())
        .arg("render")
        .arg("--out")
        .arg(out.path())
        .env("GONGWEN_HOME", home.path())
        .env_remove("GONGWEN_FONT_PATHS")
        .arg(example("西湖区.xlsx")));
    must_exit(&result, 2);
    let err = stderr(&result);
    let fonts = home.path().join("fonts").display().to_string();
    assert!(
        err.contains(&format!("fonts missing from {fonts}:")),
        "{err}"
    );
}

#[test]
fn a_named_installation_that_does_not_exist_is_a_fault() {
    let out = tempfile::tempdir().unwrap();
    let missing = out.path().join("no-such-folder");
    let result = run(gongwen()
        .arg("render")
        .arg("--install-root")
        .arg(&missing)
        .arg("--out")
        .arg(out.path())
        .arg(example("西湖区.xlsx")));
    must_exit(&result, 2);
    let err = stderr(&result);
    assert!(
        err.contains(&format!(
            "the installation folder {} does not exist",
            missing.display()
        )),
        "{err}"
    );
}

/// An installed binary, `DIR/bin/gongwen`, uses `DIR/fonts` from any folder; the build tree
/// (searched last, in debug builds only) cannot stand in for it.
#[test]
fn the_folder_above_the_executable_is_the_installation() {
    let install = tempfile::tempdir().unwrap();
    let bin = install.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir(install.path().join("fonts")).unwrap();
    let exe = bin.join("gongwen");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_gongwen"), &exe).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_gongwen"), &exe).unwrap();
    }
    let elsewhere = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let result = run(std::process::Command::new(&exe)
        .current_dir(elsewhere.path())
        .env_remove("GONGWEN_HOME")
        .env_remove("GONGWEN_FONT_PATHS")
        .arg("render")
        .arg("--out")
        .arg(out.path())
        .arg(example("西湖区.xlsx")));
    must_exit(&result, 2);
    let err = stderr(&result);
    let fonts = install.path().join("fonts").display().to_string();
    assert!(
        err.contains(&format!("fonts missing from {fonts}:")),
        "{err}"
    );
    assert!(err.contains("(beside the executable)"), "{err}");
}

/// The daemon's render worker is another process: it must use the installation the daemon
/// was given, not find its own (here the build tree's, which has every font).
#[test]
fn the_render_worker_uses_the_daemons_installation() {
    let Some(fonts) = font_paths() else { return };
    let root = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let watch = |font_paths: Option<&str>| {
        let mut cmd = gongwen();
        match font_paths {
            Some(paths) => cmd.env("GONGWEN_FONT_PATHS", paths),
            None => cmd.env_remove("GONGWEN_FONT_PATHS"),
        };
        run(cmd
            .current_dir(repo_root())
            .arg("watch")
            .arg("--once")
            .arg("--root")
            .arg(root.path())
            .arg("--install-root")
            .arg(empty.path()))
    };
    let result = watch(None);
    must_exit(&result, 2);
    let err = stderr(&result);
    let missing = empty.path().join("fonts").display().to_string();
    assert!(
        err.contains("the render worker cannot render: fonts missing from")
            && err.contains(&missing),
        "{err}"
    );
    // The same installation with the fonts named beside it: the daemon starts and finishes.
    must_exit(&watch(Some(&fonts)), 0);
}
