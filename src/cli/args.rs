//! Every clap type in one place. Arguments become plain values here; nothing below the CLI
//! sees argv.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// gongwen — 义务教育优质均衡整改清单的读取、校验与公文排版。
#[derive(Debug, Parser)]
#[command(name = "gongwen", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read county spreadsheets and report every problem (检查报送表格).
    Check(CheckArgs),
    /// Internal: parse one workbook in a sandboxed child process and answer in JSON.
    #[command(name = "__read-workbook", hide = true)]
    ReadWorkbook(ReadWorkbookArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print a JSON array, one `gongwen.submission/1` object per file.
    #[arg(long)]
    pub json: bool,
    /// Treat warnings as errors for the exit status.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Spreadsheets to check (xlsx, xlsm, xlsb, xls, ods, csv).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReadWorkbookArgs {
    /// Address-space limit in bytes.
    #[arg(long)]
    pub memory_limit: u64,
    /// Intake limits as JSON.
    #[arg(long)]
    pub limits: String,
    pub path: PathBuf,
}
