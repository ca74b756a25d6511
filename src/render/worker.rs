//! Rendering untrusted submissions in a long-lived child process: the same binary re-executed
//! as `gongwen __render-worker`, under an address-space limit, with a timeout on every job.
//! typst aborts the whole process when an allocation fails (one 60-million-character cell
//! asked for 3.5 GB), which no `catch_unwind` can stop; here such a job costs a child, and
//! the next job gets a fresh one.
//!
//! The child loads its fonts once and serves job after job, so a warm job costs about what
//! it costs in process. It is replaced when it dies, when it misses a job's deadline, after
//! a number of jobs, or when its resident memory has grown past a threshold (typst's caches
//! grow with what they have seen).
//!
//! The caller learns three things apart ([`WorkerError`]): the submission cannot make
//! documents (`Input`), this job exhausted the worker's memory or time or crashed it
//! (`Exhausted`: the file's fault), or gongwen itself cannot render (`Fault`).
//!
//! # Protocol
//! Frames on the child's stdin and stdout: a 4-byte little-endian length, then the bytes.
//! The child first sends a [`Handshake`]. Then, for each request frame (JSON [`Request`]),
//! it answers with a JSON [`ReplyHeader`] frame and, when the job rendered, one raw frame
//! per file, in the header's order. The child writes nothing else on stdout.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::model::Submission;
use crate::pipeline::RenderedFile;

use super::compose::ComposeError;
use super::renderer::{PlacedRendered, RenderError, Rendered, Renderer, Tracking};

/// The hidden subcommand the child runs.
pub const CHILD_SUBCOMMAND: &str = "__render-worker";

/// A request or reply header larger than this is a protocol error, not an allocation.
const MAX_JSON_FRAME: usize = 512 * 1024 * 1024;
/// One rendered file larger than this is a protocol error.
const MAX_FILE_FRAME: usize = 1024 * 1024 * 1024;
/// How much of the child's stderr is kept: enough for the last lines of a panic.
const STDERR_TAIL: usize = 16 * 1024;

/// How to run the worker and when to replace it.
#[derive(Debug, Clone)]
pub struct WorkerSpec {
    /// The gongwen binary to re-execute.
    pub exe: PathBuf,
    /// The render options as the child's arguments (`--config`, `--font-path`,
    /// `--templates`, `--seal`), resolved by the parent.
    pub args: Vec<OsString>,
    /// The child's working folder; the parent's when `None`.
    pub current_dir: Option<PathBuf>,
    /// Address-space limit of the child (`RLIMIT_AS`), in bytes.
    pub memory_limit: u64,
    /// How long one job may take, from sending the request to the last byte of the answer.
    pub timeout: Duration,
    /// How long the child may take to load its fonts and answer the handshake.
    pub start_timeout: Duration,
    /// Replace the child after this many jobs.
    pub max_jobs: u32,
    /// Replace the child when its resident memory after a job exceeds this, in bytes.
    pub max_rss: u64,
}

impl WorkerSpec {
    /// Address space for the worker. Measured (dev profile, dependencies optimised): a
    /// started worker peaks at 284 MB of address space (`VmPeak`, 107 MB resident); the
    /// largest example county and the province summary at 359 MB (136 MB resident), and
    /// they still render under a 200 MB limit. Synthetic counties: 1,000 items 478 MB
    /// (247 MB resident), 2,000 items 607 MB, 5,000 items 927 MB (712 MB), 10,000 items
    /// 1.6 GB. 1 GiB renders about 5,000 items in one county; worse is refused.
    pub const DEFAULT_MEMORY_LIMIT: u64 = 1024 * 1024 * 1024;
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
    pub const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(30);
    /// typst's caches grow by about 1.5 MB every hundred renders (BENCHMARKS.md); a fresh
    /// worker now and then keeps that flat at the cost of one start (about 0.4 s).
    pub const DEFAULT_MAX_JOBS: u32 = 500;
    /// Resident memory past which a worker is replaced after its job: twice what the
    /// examples leave (136 MB), so only an unusually large county costs a restart, and an
    /// idle worker never holds more than this while the workbook reader runs beside it.
    pub const DEFAULT_MAX_RSS: u64 = 256 * 1024 * 1024;

    /// The running binary, with the default limits and `args` as the render options.
    pub fn current_exe(args: Vec<OsString>) -> Result<WorkerSpec, WorkerFault> {
        let exe = std::env::current_exe().map_err(|source| WorkerFault::Spawn {
            exe: PathBuf::from("gongwen"),
            source,
        })?;
        Ok(WorkerSpec::new(exe, args))
    }

    /// `exe` with the default limits and `args` as the render options.
    pub fn new(exe: PathBuf, args: Vec<OsString>) -> WorkerSpec {
        WorkerSpec {
            exe,
            args,
            current_dir: None,
            memory_limit: Self::DEFAULT_MEMORY_LIMIT,
            timeout: Self::DEFAULT_TIMEOUT,
            start_timeout: Self::DEFAULT_START_TIMEOUT,
            max_jobs: Self::DEFAULT_MAX_JOBS,
            max_rss: Self::DEFAULT_MAX_RSS,
        }
    }
}

/// Which limit a job exhausted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Limit {
    /// The address-space limit: an allocation failed and the child aborted.
    Memory,
    /// The job's deadline: the child was killed.
    Time,
    /// The child died otherwise (a signal, a panic, an exit) while on this job.
    Crash,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::Memory => "memory",
            Limit::Time => "time",
            Limit::Crash => "crash",
        })
    }
}

/// A job the worker did not render.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The submission cannot make documents: the input's fault.
    #[error(transparent)]
    Input(#[from] ComposeError),
    /// This job killed the worker or ran past its deadline: the input's fault. The worker
    /// has been replaced; the next job runs in a fresh one.
    #[error("the render worker gave up on this job ({limit}): {detail}")]
    Exhausted { limit: Limit, detail: String },
    /// gongwen cannot render at all: a fault of the installation, not of the input.
    #[error(transparent)]
    Fault(#[from] WorkerFault),
}

impl WorkerError {
    /// The reason for a clerk's receipt when the file is to blame, in Chinese; `None` for a
    /// fault of gongwen, which is no clerk's business.
    pub fn clerk_reason(&self) -> Option<String> {
        match self {
            WorkerError::Input(err) => Some(format!("无法生成公文：{err}")),
            WorkerError::Exhausted {
                limit: Limit::Memory,
                ..
            } => Some(
                "生成公文时超出内存上限：表格内容过大（例如某个单元格的文字过长），请精简后重新报送"
                    .to_owned(),
            ),
            WorkerError::Exhausted {
                limit: Limit::Time, ..
            } => Some(
                "生成公文超时：表格内容过多或过长，请精简后重新报送".to_owned(),
            ),
            WorkerError::Exhausted {
                limit: Limit::Crash,
                ..
            } => Some("生成公文时排版程序异常退出，该文件无法生成公文".to_owned()),
            WorkerError::Fault(_) => None,
        }
    }
}

/// The worker cannot do its job through no fault of the input.
#[derive(Debug, thiserror::Error)]
pub enum WorkerFault {
    #[error("cannot start the render worker {}: {source}", .exe.display())]
    Spawn {
        exe: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The child started but cannot render: fonts missing, templates broken, bad options.
    #[error("the render worker cannot render: {message}")]
    Refused { message: String, hints: Vec<String> },
    /// The child died or hung before its handshake.
    #[error("the render worker did not start: {detail}")]
    NoHandshake { detail: String },
    /// typst or docx-rs failed on our templates or fonts.
    #[error("rendering failed (templates or fonts): {0}")]
    Render(String),
    /// A frame that does not follow the protocol.
    #[error("render worker protocol error: {0}")]
    Protocol(String),
}

/// What the parent asks. Field names are the wire format.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    County(Box<Submission>),
    City {
        name: String,
        submissions: Vec<Submission>,
        /// With the items under tracking: the city's 倒逼 documents too.
        #[serde(default)]
        tracking: Option<Tracking>,
    },
    Province {
        submissions: Vec<Submission>,
        #[serde(default)]
        tracking: Option<Tracking>,
    },
}

/// [`Request`] borrowed, so the parent serialises without copying submissions.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
enum RequestRef<'a> {
    County(&'a Submission),
    City {
        name: &'a str,
        submissions: &'a [Submission],
        #[serde(skip_serializing_if = "Option::is_none")]
        tracking: Option<&'a Tracking>,
    },
    Province {
        submissions: &'a [Submission],
        #[serde(skip_serializing_if = "Option::is_none")]
        tracking: Option<&'a Tracking>,
    },
}

/// The child's first frame.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Handshake {
    /// Fonts loaded, templates found: send jobs.
    Ready { fonts: usize },
    /// The renderer cannot be built.
    Refused { message: String, hints: Vec<String> },
}

/// The first frame of an answer.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyHeader {
    /// The files follow, one frame each, in this order.
    Rendered {
        files: Vec<FileHeader>,
        diagnostics: Vec<Diagnostic>,
        typst_warnings: Vec<String>,
    },
    /// The input cannot make documents.
    Input(ComposeError),
    /// The templates or fonts failed.
    Render(String),
    /// The request could not be read.
    BadRequest(String),
}

/// A file's name and the length of the raw frame that carries it.
#[derive(Debug, Serialize, Deserialize)]
pub struct FileHeader {
    pub name: String,
    pub len: u64,
    /// The county folder a city's file goes to (`None`: the job's own folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
}

/// Writes one frame.
pub fn write_frame(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    let len = u32::try_from(bytes.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame over 4 GiB"))?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(bytes)
}

/// Reads one frame; `None` at a clean end of stream before the length.
pub fn read_frame(input: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    let mut filled = 0;
    while filled < len.len() {
        match input.read(&mut len[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes, over the {max} allowed"),
        ));
    }
    let mut bytes = vec![0; len];
    input.read_exact(&mut bytes)?;
    Ok(Some(bytes))
}

fn write_json(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    let bytes = serde_json::to_vec(value).map_err(io::Error::other)?;
    write_frame(out, &bytes)
}

/// The child's side after its handshake: answers each request on `input` until it ends.
pub fn serve(renderer: &mut Renderer, input: impl Read, output: impl Write) -> io::Result<()> {
    let mut input = BufReader::new(input);
    let mut output = BufWriter::new(output);
    while let Some(frame) = read_frame(&mut input, MAX_JSON_FRAME)? {
        let result = match serde_json::from_slice::<Request>(&frame) {
            Ok(Request::County(sub)) => renderer.county(&sub).map(unplaced),
            Ok(Request::City {
                name,
                submissions,
                tracking: None,
            }) => renderer.city(&name, &submissions).map(unplaced),
            Ok(Request::City {
                name,
                submissions,
                tracking: Some(tracking),
            }) => renderer.city_tracked(&name, &submissions, &tracking),
            Ok(Request::Province {
                submissions,
                tracking: None,
            }) => renderer.province(&submissions).map(unplaced),
            Ok(Request::Province {
                submissions,
                tracking: Some(tracking),
            }) => renderer
                .province_tracked(&submissions, &tracking)
                .map(unplaced),
            Err(err) => {
                write_json(&mut output, &ReplyHeader::BadRequest(err.to_string()))?;
                output.flush()?;
                continue;
            }
        };
        drop(frame);
        match result {
            Ok(PlacedRendered { rendered, folders }) => {
                let header = ReplyHeader::Rendered {
                    files: rendered
                        .files
                        .iter()
                        .zip(folders.iter().chain(std::iter::repeat(&None)))
                        .map(|(f, folder)| FileHeader {
                            name: f.name.clone(),
                            len: f.bytes.len() as u64,
                            folder: folder.clone(),
                        })
                        .collect(),
                    diagnostics: rendered.diagnostics,
                    typst_warnings: rendered.typst_warnings,
                };
                write_json(&mut output, &header)?;
                for file in &rendered.files {
                    write_frame(&mut output, &file.bytes)?;
                }
            }
            Err(RenderError::Compose(err)) => write_json(&mut output, &ReplyHeader::Input(err))?,
            Err(err) => write_json(&mut output, &ReplyHeader::Render(err.to_string()))?,
        }
        output.flush()?;
    }
    Ok(())
}

/// A job's files, all for the job's own folder.
fn unplaced(rendered: Rendered) -> PlacedRendered {
    PlacedRendered {
        folders: vec![None; rendered.files.len()],
        rendered,
    }
}

/// Sends the child's handshake.
pub fn send_handshake(output: &mut impl Write, handshake: &Handshake) -> io::Result<()> {
    write_json(output, handshake)?;
    output.flush()
}

/// Resident memory of a process as the kernel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessMemory {
    /// `VmRSS`, bytes.
    pub rss: u64,
    /// `VmPeak` (the largest address space so far), bytes.
    pub peak: u64,
}

/// Reads `/proc/<pid>/status`; `None` where there is no procfs or the process is gone.
pub fn process_memory(pid: u32) -> Option<ProcessMemory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: u64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib * 1024)
    };
    Some(ProcessMemory {
        rss: field("VmRSS:")?,
        peak: field("VmPeak:")?,
    })
}

/// A long-lived render worker: a child process, started on first use and replaced when it
/// dies, hangs or passes its limits. Dropping it kills and reaps the child.
pub struct RenderWorker {
    spec: WorkerSpec,
    live: Option<Live>,
}

impl RenderWorker {
    /// Starts the child and waits for its handshake: fonts loaded, templates found.
    pub fn start(spec: WorkerSpec) -> Result<RenderWorker, WorkerFault> {
        let mut worker = RenderWorker { spec, live: None };
        worker.ready()?;
        Ok(worker)
    }

    pub fn spec(&self) -> &WorkerSpec {
        &self.spec
    }

    /// The limits for the jobs that follow; the running child keeps its memory limit.
    pub fn spec_mut(&mut self) -> &mut WorkerSpec {
        &mut self.spec
    }

    /// The current child's process id, if one is running.
    pub fn pid(&self) -> Option<u32> {
        self.live.as_ref().map(|live| live.pid)
    }

    /// The current child's memory, if one is running.
    pub fn memory(&self) -> Option<ProcessMemory> {
        self.pid().and_then(process_memory)
    }

    /// 附件1, 附件2 and the cover report of one county.
    pub fn county(&mut self, sub: &Submission) -> Result<Rendered, WorkerError> {
        self.job(&RequestRef::County(sub)).map(|p| p.rendered)
    }

    /// 附件3 and the cover report of `city`.
    pub fn city(&mut self, city: &str, subs: &[Submission]) -> Result<Rendered, WorkerError> {
        self.job(&RequestRef::City {
            name: city,
            submissions: subs,
            tracking: None,
        })
        .map(|p| p.rendered)
    }

    /// [`Renderer::city_tracked`] in the worker.
    pub fn city_tracked(
        &mut self,
        city: &str,
        subs: &[Submission],
        tracking: &Tracking,
    ) -> Result<PlacedRendered, WorkerError> {
        self.job(&RequestRef::City {
            name: city,
            submissions: subs,
            tracking: Some(tracking),
        })
    }

    /// The province summary.
    pub fn province(&mut self, subs: &[Submission]) -> Result<Rendered, WorkerError> {
        self.job(&RequestRef::Province {
            submissions: subs,
            tracking: None,
        })
        .map(|p| p.rendered)
    }

    /// [`Renderer::province_tracked`] in the worker.
    pub fn province_tracked(
        &mut self,
        subs: &[Submission],
        tracking: &Tracking,
    ) -> Result<Rendered, WorkerError> {
        self.job(&RequestRef::Province {
            submissions: subs,
            tracking: Some(tracking),
        })
        .map(|p| p.rendered)
    }

    fn job(&mut self, request: &RequestRef<'_>) -> Result<PlacedRendered, WorkerError> {
        let body = serde_json::to_vec(request)
            .map_err(|e| WorkerFault::Protocol(format!("cannot encode the request: {e}")))?;
        let timeout = self.spec.timeout;
        let live = self.ready()?;
        match live.exchange(&body, timeout) {
            Ok(reply) => {
                live.jobs += 1;
                self.retire_if_spent();
                reply
            }
            Err(Broken::Protocol(message)) => {
                self.live = None;
                Err(WorkerFault::Protocol(message).into())
            }
            Err(Broken::Died { status, timed_out }) => {
                let tail = self.live.take().map(Live::stderr_tail).unwrap_or_default();
                let (limit, detail) = exhausted(status, timed_out, timeout, &tail);
                tracing::warn!(%limit, %detail, "render worker lost on a job; it is replaced");
                self.spawn_replacement();
                Err(WorkerError::Exhausted { limit, detail })
            }
        }
    }

    /// The running child, started and past its handshake.
    fn ready(&mut self) -> Result<&mut Live, WorkerFault> {
        let live = match &mut self.live {
            Some(live) => live,
            slot @ None => slot.insert(Live::spawn(&self.spec)?),
        };
        if !live.ready {
            match live.handshake(self.spec.start_timeout) {
                Ok(()) => live.ready = true,
                Err(fault) => {
                    self.live = None;
                    return Err(fault);
                }
            }
        }
        self.live
            .as_mut()
            .ok_or_else(|| WorkerFault::Protocol("no worker after start".into()))
    }

    /// Replaces the child after its last job when it has done its share or grown too large.
    fn retire_if_spent(&mut self) {
        let Some(live) = &self.live else { return };
        let rss = process_memory(live.pid).map(|m| m.rss);
        let reason = if live.jobs >= self.spec.max_jobs {
            Some("job count")
        } else if rss.is_some_and(|rss| rss > self.spec.max_rss) {
            Some("resident memory")
        } else {
            None
        };
        if let Some(reason) = reason {
            tracing::info!(
                pid = live.pid,
                jobs = live.jobs,
                rss_mb = rss.unwrap_or(0) / (1024 * 1024),
                reason,
                "replacing the render worker"
            );
            self.live = None;
            self.spawn_replacement();
        }
    }

    /// Starts the next child at once, so its fonts load while the daemon waits for files;
    /// its handshake is read on the next job. A failure here shows again, as a fault, then.
    fn spawn_replacement(&mut self) {
        self.live = Live::spawn(&self.spec).ok();
    }
}

/// Why the exchange ended without an answer.
enum Broken {
    /// The child is gone (or was killed at the deadline).
    Died {
        status: Option<ExitStatus>,
        timed_out: bool,
    },
    /// The child answered something that is not the protocol; it has been killed.
    Protocol(String),
}

/// Names the limit from how the child ended and the last thing it said.
fn exhausted(
    status: Option<ExitStatus>,
    timed_out: bool,
    timeout: Duration,
    stderr_tail: &str,
) -> (Limit, String) {
    let last_line = telling_line(stderr_tail);
    if timed_out {
        return (
            Limit::Time,
            format!("no answer within {} s", timeout.as_secs_f64()),
        );
    }
    let status = status.map_or_else(|| "unknown exit".to_owned(), |s| s.to_string());
    let detail = if last_line.is_empty() {
        status
    } else {
        format!("{status}: {last_line}")
    };
    // Rust's allocator reports a failed allocation this way before it aborts.
    let limit =
        if stderr_tail.contains("memory allocation of") || stderr_tail.contains("out of memory") {
            Limit::Memory
        } else {
            Limit::Crash
        };
    (limit, detail)
}

/// The line of the child's stderr that says what happened: the failed allocation, else
/// the panic's message, else the last line that is not a backtrace note.
fn telling_line(stderr_tail: &str) -> String {
    let lines: Vec<&str> = stderr_tail
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let allocation = lines
        .iter()
        .rev()
        .find(|l| l.contains("memory allocation of"));
    let panic = lines
        .iter()
        .rposition(|l| l.contains("panicked at"))
        .map(|i| {
            lines[i..]
                .iter()
                .take(2)
                .copied()
                .collect::<Vec<_>>()
                .join(" ")
        });
    let last = lines
        .iter()
        .rev()
        .find(|l| !l.starts_with("note:") && !l.starts_with("stack backtrace"));
    allocation
        .map(|l| (*l).to_owned())
        .or(panic)
        .or_else(|| last.map(|l| (*l).to_owned()))
        .unwrap_or_default()
}

/// A running child and its pipes.
struct Live {
    /// Shared with the watchdog, which kills it at a deadline.
    child: Arc<Mutex<Child>>,
    pid: u32,
    stdin: Option<BufWriter<ChildStdin>>,
    stdout: BufReader<ChildStdout>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
    stderr_reader: Option<JoinHandle<()>>,
    ready: bool,
    jobs: u32,
}

impl Live {
    fn spawn(spec: &WorkerSpec) -> Result<Live, WorkerFault> {
        let mut command = Command::new(&spec.exe);
        command
            .arg(CHILD_SUBCOMMAND)
            .arg("--memory-limit")
            .arg(spec.memory_limit.to_string())
            .args(&spec.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = &spec.current_dir {
            command.current_dir(dir);
        }
        let mut child = command.spawn().map_err(|source| WorkerFault::Spawn {
            exe: spec.exe.clone(),
            source,
        })?;
        let pid = child.id();
        let pipes = (child.stdin.take(), child.stdout.take(), child.stderr.take());
        let (Some(stdin), Some(stdout), Some(stderr)) = pipes else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(WorkerFault::Protocol("the child has no pipes".into()));
        };
        let tail = Arc::new(Mutex::new(VecDeque::with_capacity(STDERR_TAIL)));
        let stderr_reader = std::thread::Builder::new()
            .name(format!("render-worker-{pid}-stderr"))
            .spawn({
                let tail = Arc::clone(&tail);
                move || keep_tail(stderr, &tail)
            })
            .ok();
        Ok(Live {
            child: Arc::new(Mutex::new(child)),
            pid,
            stdin: Some(BufWriter::new(stdin)),
            stdout: BufReader::new(stdout),
            stderr: tail,
            stderr_reader,
            ready: false,
            jobs: 0,
        })
    }

    fn handshake(&mut self, timeout: Duration) -> Result<(), WorkerFault> {
        let watchdog = Watchdog::arm(Arc::clone(&self.child), timeout);
        let frame = read_frame(&mut self.stdout, MAX_JSON_FRAME);
        let answer = match frame {
            Ok(Some(frame)) => serde_json::from_slice::<Handshake>(&frame)
                .map_err(|e| WorkerFault::Protocol(format!("bad handshake: {e}"))),
            Err(err) if err.kind() == io::ErrorKind::InvalidData => {
                Err(WorkerFault::Protocol(format!("bad handshake: {err}")))
            }
            Ok(None) | Err(_) => {
                let status = self.reap();
                let timed_out = watchdog.disarm();
                let tail = self.stderr_tail_now();
                let (_, detail) = exhausted(status, timed_out, timeout, &tail);
                return Err(WorkerFault::NoHandshake { detail });
            }
        };
        watchdog.disarm();
        match answer? {
            Handshake::Ready { .. } => Ok(()),
            Handshake::Refused { message, hints } => Err(WorkerFault::Refused { message, hints }),
        }
    }

    /// Sends one request and reads its answer, within `timeout`.
    fn exchange(
        &mut self,
        request: &[u8],
        timeout: Duration,
    ) -> Result<Result<PlacedRendered, WorkerError>, Broken> {
        let watchdog = Watchdog::arm(Arc::clone(&self.child), timeout);
        let result = self.send_and_receive(request);
        match result {
            Ok(reply) => {
                if watchdog.disarm() {
                    // Killed just after the last byte: the answer is whole, the child is not.
                    return Err(Broken::Died {
                        status: self.reap(),
                        timed_out: true,
                    });
                }
                Ok(reply)
            }
            Err(Exchange::Io(_)) => {
                // The pipe broke: the child died or the watchdog killed it. Reap it while
                // the watchdog still bounds the wait.
                let status = self.reap();
                let timed_out = watchdog.disarm();
                Err(Broken::Died { status, timed_out })
            }
            Err(Exchange::Protocol(message)) => {
                watchdog.disarm();
                Err(Broken::Protocol(message))
            }
        }
    }

    fn send_and_receive(
        &mut self,
        request: &[u8],
    ) -> Result<Result<PlacedRendered, WorkerError>, Exchange> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| Exchange::Protocol("stdin closed".into()))?;
        write_frame(stdin, request)?;
        stdin.flush()?;
        let header = read_frame(&mut self.stdout, MAX_JSON_FRAME)?
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        let header: ReplyHeader = serde_json::from_slice(&header)
            .map_err(|e| Exchange::Protocol(format!("bad reply header: {e}")))?;
        match header {
            ReplyHeader::Rendered {
                files,
                diagnostics,
                typst_warnings,
            } => {
                let mut out = Rendered {
                    files: Vec::with_capacity(files.len()),
                    diagnostics,
                    typst_warnings,
                };
                let mut folders = Vec::with_capacity(files.len());
                for file in files {
                    let bytes = read_frame(&mut self.stdout, MAX_FILE_FRAME)?
                        .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
                    if bytes.len() as u64 != file.len {
                        return Err(Exchange::Protocol(format!(
                            "{}: {} bytes announced, {} sent",
                            file.name,
                            file.len,
                            bytes.len()
                        )));
                    }
                    out.files.push(RenderedFile {
                        name: file.name,
                        bytes,
                    });
                    folders.push(file.folder);
                }
                Ok(Ok(PlacedRendered {
                    rendered: out,
                    folders,
                }))
            }
            ReplyHeader::Input(err) => Ok(Err(WorkerError::Input(err))),
            ReplyHeader::Render(message) => Ok(Err(WorkerFault::Render(message).into())),
            ReplyHeader::BadRequest(message) => Err(Exchange::Protocol(format!(
                "the worker could not read the request: {message}"
            ))),
        }
    }

    /// Waits for the child to end, polling so the watchdog can still take the lock to kill.
    fn reap(&mut self) -> Option<ExitStatus> {
        loop {
            let polled = self
                .child
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .try_wait();
            match polled {
                Ok(Some(status)) => return Some(status),
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(_) => return None,
            }
        }
    }

    /// What the child wrote on stderr before it ended (waits for the end of the pipe).
    fn stderr_tail(mut self) -> String {
        self.kill_and_reap();
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        self.stderr_tail_now()
    }

    fn stderr_tail_now(&self) -> String {
        let tail = self.stderr.lock().unwrap_or_else(PoisonError::into_inner);
        let (a, b) = tail.as_slices();
        let mut bytes = a.to_vec();
        bytes.extend_from_slice(b);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn kill_and_reap(&mut self) {
        self.stdin = None;
        let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        if let Ok(None) = child.try_wait() {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.kill_and_reap();
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
    }
}

/// How an exchange failed inside.
enum Exchange {
    Io(#[expect(dead_code, reason = "the exit status says more than the broken pipe")] io::Error),
    Protocol(String),
}

impl From<io::Error> for Exchange {
    fn from(err: io::Error) -> Self {
        // An oversized frame comes from a live child that broke the protocol, not a death.
        if err.kind() == io::ErrorKind::InvalidData {
            Exchange::Protocol(err.to_string())
        } else {
            Exchange::Io(err)
        }
    }
}

/// Reads the child's stderr to its end, keeping the last [`STDERR_TAIL`] bytes, so a chatty
/// child never blocks on a full pipe.
fn keep_tail(mut stderr: impl Read, tail: &Mutex<VecDeque<u8>>) {
    let mut buf = [0u8; 4096];
    loop {
        match stderr.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                let mut tail = tail.lock().unwrap_or_else(PoisonError::into_inner);
                tail.extend(&buf[..n]);
                let excess = tail.len().saturating_sub(STDERR_TAIL);
                tail.drain(..excess);
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// Kills the child when a deadline passes before it is disarmed.
struct Watchdog {
    cancel: mpsc::Sender<()>,
    thread: Option<JoinHandle<bool>>,
}

impl Watchdog {
    fn arm(child: Arc<Mutex<Child>>, timeout: Duration) -> Watchdog {
        let (cancel, cancelled) = mpsc::channel::<()>();
        let deadline = Instant::now() + timeout;
        let thread = std::thread::Builder::new()
            .name("render-worker-watchdog".into())
            .spawn(move || {
                let left = deadline.saturating_duration_since(Instant::now());
                match cancelled.recv_timeout(left) {
                    Err(RecvTimeoutError::Timeout) => {
                        let mut child = child.lock().unwrap_or_else(PoisonError::into_inner);
                        let _ = child.kill();
                        true
                    }
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => false,
                }
            })
            .ok();
        Watchdog { cancel, thread }
    }

    /// Stops the watch; true when the deadline had passed and the child was killed.
    fn disarm(mut self) -> bool {
        let _ = self.cancel.send(());
        self.thread
            .take()
            .is_some_and(|thread| thread.join().unwrap_or(false))
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let _ = self.cancel.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_a_clean_end_is_none() {
        let mut pipe = Vec::new();
        write_frame(&mut pipe, b"{}").unwrap();
        write_frame(&mut pipe, &[0xff; 70_000]).unwrap();
        let mut input = pipe.as_slice();
        assert_eq!(read_frame(&mut input, 100).unwrap().unwrap(), b"{}");
        assert_eq!(
            read_frame(&mut input, 100_000).unwrap().unwrap().len(),
            70_000
        );
        assert!(read_frame(&mut input, 100).unwrap().is_none());
    }

    #[test]
    fn a_frame_cut_short_is_an_unexpected_end() {
        let mut pipe = Vec::new();
        write_frame(&mut pipe, b"hello").unwrap();
        for cut in [2, 6] {
            let err = read_frame(&mut &pipe[..cut], 100).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "cut at {cut}");
        }
    }

    #[test]
    fn an_oversized_frame_is_refused_before_allocating() {
        let pipe = u32::MAX.to_le_bytes();
        let err = read_frame(&mut pipe.as_slice(), 1024).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn a_failed_allocation_is_the_memory_limit_and_named_in_the_detail() {
        let stderr = "\nmemory allocation of 134217744 bytes failed\nnote: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.\n";
        let (limit, detail) = exhausted(None, false, Duration::from_secs(1), stderr);
        assert_eq!(limit, Limit::Memory);
        assert_eq!(
            detail,
            "unknown exit: memory allocation of 134217744 bytes failed"
        );
    }

    #[test]
    fn a_panic_is_a_crash_with_its_message() {
        let stderr = "thread 'main' panicked at src/x.rs:1:1:\nindex out of bounds\nnote: run with `RUST_BACKTRACE=1`\n";
        let (limit, detail) = exhausted(None, false, Duration::from_secs(1), stderr);
        assert_eq!(limit, Limit::Crash);
        assert!(
            detail.ends_with("panicked at src/x.rs:1:1: index out of bounds"),
            "{detail}"
        );
    }

    #[test]
    fn a_deadline_is_the_time_limit_whatever_stderr_says() {
        let (limit, detail) = exhausted(
            None,
            true,
            Duration::from_secs(120),
            "memory allocation of 1 bytes failed",
        );
        assert_eq!(limit, Limit::Time);
        assert_eq!(detail, "no answer within 120 s");
    }

    #[test]
    fn requests_borrowed_and_owned_have_one_wire_format() {
        let json = serde_json::to_string(&RequestRef::City {
            tracking: None,
            name: "杭州市",
            submissions: &[],
        })
        .unwrap();
        assert_eq!(json, r#"{"city":{"name":"杭州市","submissions":[]}}"#);
        assert!(matches!(
            serde_json::from_str::<Request>(&json).unwrap(),
            Request::City {
                name,
                submissions,
                tracking: None,
            } if name == "杭州市" && submissions.is_empty()
        ));
        let json = serde_json::to_string(&RequestRef::Province {
            submissions: &[],
            tracking: None,
        })
        .unwrap();
        assert_eq!(json, r#"{"province":{"submissions":[]}}"#);
        assert!(matches!(
            serde_json::from_str::<Request>(&json).unwrap(),
            Request::Province {
                submissions,
                tracking: None,
            } if submissions.is_empty()
        ));
    }
}
