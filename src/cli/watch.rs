//! `gongwen watch`: the inbox daemon. Logs go to stderr (plain lines when not on a terminal);
//! SIGTERM and Ctrl-C let the file in hand finish before exiting.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use gongwen::archive::Layout;
use gongwen::intake::Limits;
use gongwen::intake::sandbox::Isolation;
use gongwen::pipeline::{Processor, WorkbookReader};
use gongwen::watch::{self, WatchOptions};

use super::render::open_renderer;
use super::{Fault, Status};
use crate::cli::args::WatchArgs;

pub fn watch(args: &WatchArgs) -> Result<Status, Fault> {
    init_logging();
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
    let renderer = open_renderer(&args.options)?;
    let mut processor = Processor {
        layout,
        reader: WorkbookReader::Isolated(Isolation::current_exe()?),
        limits: Limits::default(),
        outputs: renderer,
    };
    let options = WatchOptions {
        poll: args.poll.map(Duration::from_millis),
        settle: Duration::from_millis(args.settle),
        once: args.once,
        ..WatchOptions::default()
    };
    tracing::info!(
        root = %args.root.display(),
        mode = if options.poll.is_some() { "poll" } else { "native" },
        settle_ms = args.settle,
        "watching inbox"
    );
    let summary = watch::run(&mut processor, &options, &stop)
        .map_err(|e| Fault::new(e.to_string()).hint("this is a fault of gongwen or its machine, not of a file; files already taken are in work/ and are finished on the next start"))?;
    Ok(if summary.any_rejected() {
        Status::FileErrors
    } else {
        Status::Ok
    })
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
