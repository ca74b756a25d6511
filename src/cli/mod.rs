//! Command-line front end: arguments, printing and exit codes.

pub mod args;
pub mod check;
pub mod install;
pub mod output;
pub mod parallel;
pub mod progress;
pub mod read_workbook;
pub mod render;
pub mod render_worker;
pub mod rollup;
pub mod setup;
pub mod template;
pub mod watch;

use std::process::ExitCode;

/// Every file read without errors (warnings allowed unless denied).
pub const EXIT_OK: u8 = 0;
/// A file had errors or could not be read.
pub const EXIT_FILE_ERRORS: u8 = 1;
/// Bad usage (clap's own code) or a fault of gongwen itself.
pub const EXIT_FAULT: u8 = 2;

/// What a subcommand reports back to `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    FileErrors,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Ok => ExitCode::from(EXIT_OK),
            Status::FileErrors => ExitCode::from(EXIT_FILE_ERRORS),
        }
    }
}

/// A fault of gongwen or its machine, not of an input file.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Fault {
    pub message: String,
    pub hints: Vec<String>,
}

impl Fault {
    pub fn new(message: impl Into<String>) -> Self {
        Fault {
            message: message.into(),
            hints: Vec::new(),
        }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn hints(&self) -> &[String] {
        &self.hints
    }
}

impl From<gongwen::intake::sandbox::SandboxFault> for Fault {
    fn from(fault: gongwen::intake::sandbox::SandboxFault) -> Self {
        Fault::new(fault.to_string())
            .hint("gongwen re-executes its own binary to read workbooks in a sandbox; check that the binary is intact and executable")
    }
}
