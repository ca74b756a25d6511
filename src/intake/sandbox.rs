//! Parsing untrusted workbooks in a child process: the same binary re-executed with a hidden
//! subcommand, under an address-space limit and a timeout, answering in JSON on stdout.
//! calamine aborts the process outright on some corrupt `.xls` files (an allocation of about
//! 1 TB was measured), which no `catch_unwind` can stop; here such a file costs a child.
//!
//! The caller learns two different things apart: the file is bad ([`IntakeError`], reported
//! to the clerk) or we could not run the child at all ([`SandboxFault`], our own fault).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{IntakeError, Limits, RawWorkbook};

/// The hidden subcommand the child runs.
pub const CHILD_SUBCOMMAND: &str = "__read-workbook";

/// How to run the child.
#[derive(Debug, Clone)]
pub struct Isolation {
    /// The gongwen binary to re-execute.
    pub exe: PathBuf,
    /// Address-space limit of the child, in bytes.
    pub memory_limit: u64,
    pub timeout: Duration,
}

impl Isolation {
    /// Re-executes the running binary with the default limits (1 GiB, 30 s).
    pub fn current_exe() -> Result<Isolation, SandboxFault> {
        let exe = std::env::current_exe()
            .map_err(|err| SandboxFault(format!("cannot locate own binary: {err}")))?;
        Ok(Isolation {
            exe,
            memory_limit: 1024 * 1024 * 1024,
            timeout: Duration::from_secs(30),
        })
    }
}

/// The child could not be run: a fault of gongwen or its machine, not of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("workbook reader process failed: {0}")]
pub struct SandboxFault(pub String);

/// What the child prints.
#[derive(Debug, Serialize, Deserialize)]
struct ChildAnswer {
    result: Result<RawWorkbook, IntakeError>,
}

/// Reads `path` in a child process.
pub fn read_isolated(
    path: &Path,
    isolation: &Isolation,
    limits: &Limits,
) -> Result<Result<RawWorkbook, IntakeError>, SandboxFault> {
    run_child(isolation, limits, Input::Path(path))
}

/// Reads bytes already read (from a handle that was checked) in a child process, handing
/// them over on its stdin: the child never opens a path, so what it parses is what was
/// checked. `name` gives the extension, as for [`super::read_bytes`].
pub fn read_isolated_bytes(
    bytes: &[u8],
    name: &str,
    isolation: &Isolation,
    limits: &Limits,
) -> Result<Result<RawWorkbook, IntakeError>, SandboxFault> {
    run_child(isolation, limits, Input::Bytes { bytes, name })
}

/// What the child reads.
enum Input<'a> {
    Path(&'a Path),
    Bytes { bytes: &'a [u8], name: &'a str },
}

/// The child's argument that means "read the bytes from stdin".
pub const STDIN_PATH: &str = "-";

fn run_child(
    isolation: &Isolation,
    limits: &Limits,
    input: Input<'_>,
) -> Result<Result<RawWorkbook, IntakeError>, SandboxFault> {
    let limits_json = serde_json::to_string(limits).map_err(|e| SandboxFault(e.to_string()))?;
    let mut command = Command::new(&isolation.exe);
    command
        .arg(CHILD_SUBCOMMAND)
        .arg("--memory-limit")
        .arg(isolation.memory_limit.to_string())
        .arg("--limits")
        .arg(limits_json);
    match &input {
        Input::Path(path) => {
            command.arg(path).stdin(Stdio::null());
        }
        Input::Bytes { name, .. } => {
            command
                .arg("--name")
                .arg(name)
                .arg(STDIN_PATH)
                .stdin(Stdio::piped());
        }
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| SandboxFault(format!("cannot start {}: {err}", isolation.exe.display())))?;
    // Fed from a thread of its own, so a child that stops reading cannot stall us past the
    // timeout; a child that dies early closes the pipe, and its exit status tells why.
    let feeder = match (input, child.stdin.take()) {
        (Input::Bytes { bytes, .. }, Some(mut stdin)) => {
            let bytes = bytes.to_vec();
            Some(std::thread::spawn(move || {
                let _ = std::io::Write::write_all(&mut stdin, &bytes);
            }))
        }
        _ => None,
    };

    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| SandboxFault("no stdout".into()))?;
    let mut stderr = child
        .stderr
        .take()
        .ok_or_else(|| SandboxFault("no stderr".into()))?;
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut stderr).take(64 * 1024).read_to_end(&mut buf);
        buf
    });

    let deadline = Instant::now() + isolation.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(err) => return Err(SandboxFault(format!("waiting for reader: {err}"))),
        }
    };
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    let Some(status) = status else {
        return Ok(Err(IntakeError::Timeout {
            seconds: isolation.timeout.as_secs(),
        }));
    };
    if status.success()
        && let Ok(answer) = serde_json::from_slice::<ChildAnswer>(&out)
    {
        return Ok(answer.result);
    }
    let stderr_text = String::from_utf8_lossy(&err);
    if status.code() == Some(2) && stderr_text.contains("Usage") {
        // The binary did not understand the subcommand: a wrong executable, our fault.
        return Err(SandboxFault(format!(
            "{} is not a gongwen binary",
            isolation.exe.display()
        )));
    }
    Ok(Err(IntakeError::ParserCrashed {
        detail: format!(
            "{status}: {}",
            stderr_text.lines().last().unwrap_or_default()
        ),
    }))
}

/// The child's side: limit our own address space, read, answer on stdout. A `path` of
/// [`STDIN_PATH`] reads the bytes from stdin (bounded by the size limit), named `name`.
pub fn child_main(
    path: &Path,
    name: Option<&str>,
    memory_limit: u64,
    limits: &Limits,
) -> std::io::Result<()> {
    // Best effort: where the limit cannot be set the timeout still bounds the child.
    let _ = rlimit::setrlimit(rlimit::Resource::AS, memory_limit, memory_limit);
    let result = if path == Path::new(STDIN_PATH) {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(limits.max_file_bytes + 1)
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > limits.max_file_bytes {
            Err(IntakeError::TooLarge {
                limit: limits.max_file_bytes,
            })
        } else {
            super::read_bytes(&bytes, name.unwrap_or("stdin"), limits)
        }
    } else {
        super::read_path(path, limits)
    };
    let answer = ChildAnswer { result };
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    serde_json::to_writer(&mut lock, &answer)?;
    std::io::Write::flush(&mut lock)
}
