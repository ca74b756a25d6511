//! The `gongwen` command: a thin layer over the library. Each subcommand lives in its own
//! module under `cli/`; errors are printed and mapped to exit codes here and nowhere else.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => cli::check::check(&args),
        Command::Render(args) => cli::render::render(&args),
        Command::Rollup(args) => cli::rollup::rollup(&args),
        Command::Watch(args) => cli::watch::watch(&args),
        Command::Template(args) => cli::template::template(&args),
        Command::Progress(args) => cli::progress::progress(&args),
        Command::ReadWorkbook(args) => cli::read_workbook::read_workbook(&args),
        Command::RenderWorker(args) => cli::render_worker::render_worker(&args),
    };
    match result {
        Ok(status) => status.into(),
        Err(err) => {
            eprintln!("error: {err:#}");
            for hint in err.hints() {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(cli::EXIT_FAULT)
        }
    }
}
