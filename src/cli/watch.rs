//! `gongwen watch`: the inbox daemon. Logs go to stderr (plain lines when not on a terminal);
//! SIGTERM and Ctrl-C let the file in hand finish before exiting.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use gongwen::archive::Layout;
use gongwen::intake::Limits;
use gongwen::intake::sandbox::Isolation;
use gongwen::pipeline::WorkbookReader;
use gongwen::status::StatusOptions;
use gongwen::watch::{self, Processor, WatchOptions};

use gongwen::render::worker::{RenderWorker, WorkerFault, WorkerSpec};

use super::setup::render_config;
use super::{Fault, Status, install};
use crate::cli::args::WatchArgs;

pub fn watch(args: &WatchArgs) -> Result<Status, Fault> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .map_err(|e| Fault::new(format!("cannot install the signal handler: {e}")))?;
    }
    let layout = Layout::new(&args.root);
    layout.prepare().map_err(|e| {
        Fault::new(format!("cannot use {} as the gongwen root: {e}", args.root.display()))
            .hint("the daemon must be able to create inbox/, outbox/, archive/, rejected/ and work/ there and write to archive/")
    })?;
    // The daemon's configuration lives with its folders unless named.
    let mut render_options = args.options.clone();
    if render_options.config.is_none() && args.root.join("gongwen.toml").is_file() {
        render_options.config = Some(args.root.join("gongwen.toml"));
    }
    // The worker uses the installation found here, not one its own search might find.
    install::pin(&mut render_options)?;
    let config = render_config(&render_options)?;
    init_logging(config.clock());
    // Rendering what a clerk wrote is untrusted work too: it runs in a long-lived worker
    // process with a memory limit and a timeout, started (fonts loaded, templates checked)
    // before anything is taken, so a broken installation stops here.
    let mut spec =
        WorkerSpec::current_exe(render_options.to_args()).map_err(|e| Fault::new(e.to_string()))?;
    spec.memory_limit = config.daemon.render_memory_mb * 1024 * 1024;
    spec.timeout = Duration::from_secs(config.daemon.render_timeout_s);
    // A worker grown to half its limit (typst's caches) is replaced between jobs, so the
    // limit is spent on one file's documents, not on what earlier files left behind.
    spec.max_rss = spec.max_rss.min(spec.memory_limit / 2);
    let worker = RenderWorker::start(spec).map_err(worker_fault)?;
    let mut processor = Processor {
        layout,
        reader: WorkbookReader::Isolated(Isolation::current_exe()?),
        limits: Limits::default(),
        status: StatusOptions {
            // A fixed as-of day (`--as-of`, `GONGWEN_AS_OF`) is today for everything dated.
            clock: config.clock().with_as_of(args.as_of),
            ..StatusOptions::from_config(&config)
        },
        outputs: worker,
    };
    let options = WatchOptions {
        poll: args.poll.map(Duration::from_millis),
        settle: Duration::from_millis(args.settle),
        once: args.once,
        ..WatchOptions::default()
    };
    tracing::info!(
        root = %args.root.display(),
        // The mode itself is logged by the watcher once it has seen the inbox's file system.
        poll_forced = options.poll.is_some(),
        settle_ms = args.settle,
        as_of = ?args.as_of,
        "watching inbox"
    );
    let mut progress = Progress::new(args.once);
    let summary = watch::run(&mut processor, &options, &stop, &mut progress)
        .map_err(|e| Fault::new(e.to_string()).hint("this is a fault of gongwen or its machine, not of a file; files already taken are in work/ and are finished on the next start"))?;
    progress.done();
    // With --once the status says whether every file went through; a daemon stopped by a
    // signal has done its job whatever it rejected (systemd restarts it only on failure).
    Ok(if args.once && summary.any_rejected() {
        Status::FileErrors
    } else {
        Status::Ok
    })
}

/// A progress bar for `--once` on a terminal; elsewhere the log lines say it all.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    done: u64,
}

impl Progress {
    fn new(once: bool) -> Progress {
        let bar = (once && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Progress { bar, done: 0 }
    }

    fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl watch::Observer for Progress {
    fn pending(&mut self, count: usize) {
        if let Some(bar) = &self.bar {
            bar.set_length(self.done + count as u64);
        }
    }

    fn finished(&mut self, receipt: &gongwen::receipt::Receipt) {
        self.done += 1;
        if let Some(bar) = &self.bar {
            bar.set_position(self.done);
            bar.set_message(receipt.file.clone());
        }
    }
}

/// Log lines carry the configured offset (China time by default), like the receipts.
fn init_logging(clock: gongwen::clock::Clock) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_timer(clock)
        .try_init();
}

/// The render worker could not start: the fonts, the templates or the binary, never a file.
fn worker_fault(fault: WorkerFault) -> Fault {
    let hints = match &fault {
        WorkerFault::Refused { hints, .. } => hints.clone(),
        _ => Vec::new(),
    };
    hints.into_iter().fold(Fault::new(fault.to_string()), Fault::hint).hint(
        "gongwen renders in a worker process (the same binary re-executed); check the fonts (fonts/ or --font-path), the templates and that the binary is intact",
    )
}
