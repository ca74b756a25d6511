//! The render worker: the real binary as a long-lived child, compared with the renderer in
//! process, and pushed past its memory and time limits.

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gongwen::config::Config;
use gongwen::intake::Limits;
use gongwen::model::Submission;
use gongwen::pipeline::{self, WorkbookReader};
use gongwen::render::compose::ComposeError;
use gongwen::render::fonts::STAND_INS;
use gongwen::render::renderer::{Formats, Rendered, Renderer};
use gongwen::render::worker::{Limit, RenderWorker, WorkerError, WorkerFault, WorkerSpec};
use gongwen::render::world::{GongwenWorld, Templates};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Font folders beyond fonts/: none when fonts/ is complete, else the Debian packages'.
/// `None` when there are no fonts at all (the test is skipped).
fn extra_font_dirs() -> Option<Vec<PathBuf>> {
    let shipped = repo().join("fonts");
    if STAND_INS.iter().all(|s| shipped.join(s.file).is_file()) {
        return Some(Vec::new());
    }
    let system: Vec<PathBuf> = [
        "/usr/share/fonts/opentype/noto",
        "/usr/share/fonts/truetype/lxgw-wenkai",
    ]
    .iter()
    .map(PathBuf::from)
    .filter(|d| d.is_dir())
    .collect();
    if system.len() == 2 {
        Some(system)
    } else {
        common::skip("no fonts (fonts/ incomplete and fonts-noto-cjk/lxgw-wenkai absent)");
        None
    }
}

/// A worker spec as `render` would pass its options, run from an empty folder so no
/// `gongwen.toml` or `fonts/` of the caller's folder is picked up.
fn spec(cwd: &Path) -> Option<WorkerSpec> {
    let mut args: Vec<OsString> = vec!["--templates".into(), repo().join("templates").into()];
    for dir in extra_font_dirs()? {
        args.push("--font-path".into());
        args.push(dir.into());
    }
    let mut spec = WorkerSpec::new(PathBuf::from(env!("CARGO_BIN_EXE_gongwen")), args);
    spec.current_dir = Some(cwd.to_path_buf());
    Some(spec)
}

/// The renderer the worker builds, in this process.
fn in_process() -> Renderer {
    let mut dirs = vec![repo().join("fonts")];
    dirs.extend(extra_font_dirs().unwrap_or_default());
    let world = GongwenWorld::new(&Templates::Dir(repo().join("templates")), &dirs)
        .unwrap_or_else(|e| panic!("cannot build the world: {e}"));
    Renderer::new(world, Config::default(), Formats::default())
}

fn read(path: &Path) -> Submission {
    let sub = pipeline::read_submission(path, &WorkbookReader::InProcess, &Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        !sub.has_errors(),
        "{}: {:?}",
        path.display(),
        sub.diagnostics
    );
    sub
}

fn xihu() -> Submission {
    read(&repo().join("examples/西湖区.xlsx"))
}

fn names(rendered: &Rendered) -> Vec<&str> {
    rendered.files.iter().map(|f| f.name.as_str()).collect()
}

/// Asserts the same files, byte for byte, naming the first that differs.
fn assert_same_files(worker: &Rendered, local: &Rendered) {
    assert_eq!(names(worker), names(local));
    for (w, l) in worker.files.iter().zip(&local.files) {
        assert!(
            w.bytes == l.bytes,
            "{} differs from the in-process bytes",
            w.name
        );
    }
    assert_eq!(worker.diagnostics, local.diagnostics);
    assert_eq!(worker.typst_warnings, local.typst_warnings);
}

fn gone(pid: u32) -> bool {
    // A zombie keeps its /proc entry until reaped.
    !Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn county_city_and_province_through_the_worker_match_the_renderer_in_process() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(spec) = spec(tmp.path()) else { return };
    let mut worker = RenderWorker::start(spec).unwrap_or_else(|e| panic!("{e}"));
    let mut local = in_process();
    let sub = xihu();
    let through_worker = worker.county(&sub).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        through_worker.files.len(),
        8,
        "{:?}",
        names(&through_worker)
    );
    assert!(through_worker.files[0].bytes.starts_with(b"%PDF-"));
    assert_same_files(&through_worker, &local.county(&sub).unwrap());

    let mut city: Vec<Submission> = std::fs::read_dir(repo().join("examples/杭州市"))
        .unwrap()
        .map(|e| read(&e.unwrap().path()))
        .collect();
    city.sort_by(|a, b| a.source.file.cmp(&b.source.file));
    assert_same_files(
        &worker.city("杭州市", &city).unwrap(),
        &local.city("杭州市", &city).unwrap(),
    );
    city.push(sub);
    assert_same_files(
        &worker.province(&city).unwrap(),
        &local.province(&city).unwrap(),
    );
    let pid = worker.pid().unwrap();
    drop(worker);
    assert!(gone(pid), "the worker {pid} was not reaped");
}

#[test]
fn a_submission_that_cannot_make_documents_is_the_inputs_fault_and_the_worker_stays() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(spec) = spec(tmp.path()) else { return };
    let mut worker = RenderWorker::start(spec).unwrap();
    let pid = worker.pid();
    let mut nameless = xihu();
    nameless.county = None;
    match worker.county(&nameless) {
        Err(WorkerError::Input(ComposeError::NoCounty { file })) => {
            assert_eq!(file, "西湖区.xlsx");
        }
        other => panic!("expected Input(NoCounty), got {other:?}"),
    }
    let err = worker.county(&nameless).unwrap_err();
    assert!(
        err.clerk_reason()
            .is_some_and(|r| r.contains("无法生成公文"))
    );
    assert_eq!(worker.pid(), pid, "an input error does not cost the worker");
    assert!(worker.county(&xihu()).is_ok());
}

// Regression: one 60-million-character cell made typst abort the daemon (allocation of
// 3.5 GB). Under the worker's limit it costs one job.
#[test]
fn an_enormous_cell_exhausts_the_worker_and_the_next_job_renders() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(mut spec) = spec(tmp.path()) else {
        return;
    };
    spec.memory_limit = 600 * 1024 * 1024;
    spec.timeout = Duration::from_secs(100);
    let mut worker = RenderWorker::start(spec).unwrap_or_else(|e| panic!("{e}"));
    let first_pid = worker.pid().unwrap();
    let mut huge = xihu();
    // Built here, past the intake limits: several million characters in one measure.
    huge.schools[0].items[0].measure = "加强师资配备，".repeat(1_000_000);
    match worker.county(&huge) {
        Err(WorkerError::Exhausted {
            limit: limit @ (Limit::Memory | Limit::Crash),
            detail,
        }) => eprintln!("exhausted ({limit}): {detail}"),
        other => panic!(
            "expected Exhausted(Memory or Crash), got {:?}",
            other.map(|r| names(&r).join(","))
        ),
    }
    assert!(
        gone(first_pid),
        "the exhausted worker {first_pid} was not reaped"
    );
    let sub = xihu();
    let rendered = worker.county(&sub).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(worker.pid(), Some(first_pid));
    assert_same_files(&rendered, &in_process().county(&sub).unwrap());
}

#[test]
fn a_job_past_its_deadline_is_killed_and_the_next_job_renders() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(spec) = spec(tmp.path()) else { return };
    let mut worker = RenderWorker::start(spec).unwrap();
    let first_pid = worker.pid().unwrap();
    let sub = xihu();
    worker.spec_mut().timeout = Duration::from_millis(1);
    match worker.county(&sub) {
        Err(WorkerError::Exhausted {
            limit: Limit::Time,
            detail,
        }) => assert!(detail.contains("no answer within"), "{detail}"),
        other => panic!(
            "expected Exhausted(Time), got {:?}",
            other.map(|r| names(&r).join(","))
        ),
    }
    assert!(
        gone(first_pid),
        "the killed worker {first_pid} was not reaped"
    );
    worker.spec_mut().timeout = WorkerSpec::DEFAULT_TIMEOUT;
    let rendered = worker.county(&sub).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rendered.files.len(), 8);
}

#[test]
fn a_missing_templates_folder_is_a_fault_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(mut spec) = spec(tmp.path()) else {
        return;
    };
    spec.args = vec![
        "--templates".into(),
        tmp.path().join("no-such-folder").into(),
    ];
    match RenderWorker::start(spec) {
        Err(WorkerFault::Refused { message, .. }) => {
            assert!(message.contains("no-such-folder"), "{message}");
        }
        Err(other) => panic!("expected Refused, got {other}"),
        Ok(_) => panic!("a worker without templates started"),
    }
}

#[test]
fn a_font_folder_without_fonts_is_a_fault_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(mut spec) = spec(tmp.path()) else {
        return;
    };
    // The child's folder has an empty fonts/, so it is taken as the installation.
    std::fs::create_dir(tmp.path().join("fonts")).unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    spec.args = vec![
        "--templates".into(),
        repo().join("templates").into(),
        "--font-path".into(),
        empty.into(),
    ];
    match RenderWorker::start(spec) {
        Err(WorkerFault::Refused { message, hints }) => {
            assert!(message.contains("fonts missing"), "{message}");
            assert!(hints.iter().any(|h| h.contains("--font-path")), "{hints:?}");
        }
        Err(other) => panic!("expected Refused, got {other}"),
        Ok(_) => panic!("a worker without fonts started"),
    }
}

#[test]
fn a_worker_that_cannot_start_after_an_exhausted_job_is_a_fault() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(spec) = spec(tmp.path()) else { return };
    let mut worker = RenderWorker::start(spec).unwrap();
    // The machine loses the binary: the replacement cannot start.
    worker.spec_mut().exe = tmp.path().join("gone");
    worker.spec_mut().timeout = Duration::from_millis(1);
    assert!(matches!(
        worker.county(&xihu()),
        Err(WorkerError::Exhausted {
            limit: Limit::Time,
            ..
        })
    ));
    worker.spec_mut().timeout = WorkerSpec::DEFAULT_TIMEOUT;
    match worker.county(&xihu()) {
        Err(WorkerError::Fault(WorkerFault::Spawn { .. })) => {}
        other => panic!(
            "expected Fault(Spawn), got {:?}",
            other.map(|r| names(&r).join(","))
        ),
    }
}

#[test]
fn the_worker_is_replaced_after_its_job_count_and_the_output_stays_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(mut spec) = spec(tmp.path()) else {
        return;
    };
    spec.max_jobs = 2;
    let mut worker = RenderWorker::start(spec).unwrap();
    let sub = xihu();
    let first_pid = worker.pid().unwrap();
    let first = worker.county(&sub).unwrap();
    assert_eq!(worker.pid(), Some(first_pid));
    let second = worker.county(&sub).unwrap();
    let replaced_pid = worker.pid().unwrap();
    assert_ne!(replaced_pid, first_pid, "replaced after two jobs");
    assert!(
        gone(first_pid),
        "the retired worker {first_pid} was not reaped"
    );
    let third = worker.county(&sub).unwrap();
    assert_eq!(worker.pid(), Some(replaced_pid));
    assert_same_files(&second, &first);
    assert_same_files(&third, &first);
}

#[test]
fn a_worker_grown_past_its_resident_limit_is_replaced_after_the_job() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(mut spec) = spec(tmp.path()) else {
        return;
    };
    // Every worker holds more than one byte: each job is the last of its worker.
    spec.max_rss = 1;
    let mut worker = RenderWorker::start(spec).unwrap();
    let sub = xihu();
    let first_pid = worker.pid().unwrap();
    let first = worker.county(&sub).unwrap();
    let second_pid = worker.pid().unwrap();
    assert_ne!(second_pid, first_pid);
    assert!(
        gone(first_pid),
        "the retired worker {first_pid} was not reaped"
    );
    let second = worker.county(&sub).unwrap();
    assert_ne!(worker.pid(), Some(second_pid));
    assert_same_files(&second, &first);
}
