//! Every clap type in one place. Arguments become plain values here; nothing below the CLI
//! sees argv.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Render each county's 附件1, 附件2 and cover report as PDF/A (and DOCX) (生成县级文件).
    #[command(mut_arg("out", |out| {
        out.help("Output folder: county documents go to DIR/<市>/<县>/")
    }))]
    Render(BatchArgs),
    /// Roll counties up into each city's 附件3 and cover report, and a province summary
    /// when several cities are given (生成市级汇总).
    #[command(
        mut_arg("out", |out| {
            out.help("Output folder: city documents go to DIR/<市>/, the province summary to DIR/")
        }),
        mut_arg("files", |files| {
            files.help("County spreadsheets of one or more cities; the latest of each county counts")
        })
    )]
    Rollup(BatchArgs),
    /// Watch the inbox: take each dropped file, archive or reject it with a receipt, and
    /// keep every county's, city's and the province's documents current (收件守护进程).
    Watch(WatchArgs),
    /// Write the workbook a county fills in Excel or WPS: 附件1, 附件2 and 创建时间 in the
    /// notice's layout, locked headers, drop-downs (生成填报模板).
    Template(TemplateArgs),
    /// Write the documents of 倒逼 from an archive's ledgers: each city's 督办通知 and 催报通知,
    /// the counties' and cities' 整改进展情况报告, and the province's 年度考核 (督办与考核).
    Progress(ProgressArgs),
    /// Internal: parse one workbook in a sandboxed child process and answer in JSON.
    #[command(name = "__read-workbook", hide = true)]
    ReadWorkbook(ReadWorkbookArgs),
    /// Internal: a long-lived renderer serving jobs on stdin and stdout.
    #[command(name = "__render-worker", hide = true)]
    RenderWorker(RenderWorkerArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print a JSON array, one `gongwen.submission/1` object per file (`gongwen.progress/1`
    /// for a progress workbook, `gongwen.review/1` for a city's review).
    #[arg(long)]
    pub json: bool,
    /// The daemon's root: progress and review workbooks are checked against its ledgers too
    /// (unknown IDs, missing items, an outdated list).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The day taken as today (YYYY-MM-DD) for the 完成时间 checks. Default: today.
    #[arg(long, value_name = "YYYY-MM-DD", env = "GONGWEN_AS_OF", value_parser = gongwen::clock::parse_as_of)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Treat warnings as errors for the exit status.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Write each filing with errors or warnings marked (批注版: problem cells filled and
    /// commented, a first sheet 问题清单) into DIR as `<name>.批注.xlsx`.
    #[arg(long, value_name = "DIR")]
    pub mark: Option<PathBuf>,
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
    /// The file's name when its bytes come on stdin (path `-`): it gives the extension.
    #[arg(long)]
    pub name: Option<String>,
    pub path: PathBuf,
}

#[derive(Debug, Args)]
pub struct RenderWorkerArgs {
    /// Address-space limit in bytes.
    #[arg(long)]
    pub memory_limit: u64,
    #[command(flatten)]
    pub options: RenderOptions,
}

/// What `render`, `rollup` and `watch` share: how documents are made.
#[derive(Debug, Clone, Args)]
pub struct RenderOptions {
    /// The seal placeholder: a thin dashed red circle (outline), or nothing with the room for
    /// a hand stamp kept (none). Overrides `[seal] style` of the configuration.
    #[arg(long, value_enum, value_name = "STYLE")]
    pub seal: Option<SealArg>,
    /// More font folders, searched with fonts/; licensed faces found there (仿宋, 小标宋, 黑体,
    /// 楷体) are preferred by name over the shipped stand-ins.
    #[arg(
        long = "font-path",
        value_name = "DIR",
        env = "GONGWEN_FONT_PATHS",
        value_delimiter = ':'
    )]
    pub font_paths: Vec<PathBuf>,
    /// The configuration (issuers, 发文字号, 签发人, dates, 抄送, seal size); default
    /// ./gongwen.toml when it exists.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The templates folder; default templates/ of the installation.
    #[arg(long, value_name = "DIR", hide = true)]
    pub templates: Option<PathBuf>,
    /// The installation: the folder holding fonts/ and templates/. Default: the current
    /// folder, else the executable's folder or the one above it, whichever has them.
    #[arg(long, value_name = "DIR", env = "GONGWEN_HOME")]
    pub install_root: Option<PathBuf>,
    /// No installation folder: only --font-path and the built-in templates. What the render
    /// worker is told when its parent found none, so it cannot find another.
    #[arg(long, hide = true)]
    pub no_install_root: bool,
}

impl RenderOptions {
    /// The options as arguments again, for the render worker: it builds its renderer from
    /// exactly what the parent resolved.
    pub fn to_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = Vec::new();
        if let Some(seal) = self.seal
            && let Some(value) = seal.to_possible_value()
        {
            args.push("--seal".into());
            args.push(value.get_name().into());
        }
        for dir in &self.font_paths {
            args.push("--font-path".into());
            args.push(dir.clone().into_os_string());
        }
        if let Some(config) = &self.config {
            args.push("--config".into());
            args.push(config.clone().into_os_string());
        }
        if let Some(templates) = &self.templates {
            args.push("--templates".into());
            args.push(templates.clone().into_os_string());
        }
        if let Some(root) = &self.install_root {
            args.push("--install-root".into());
            args.push(root.clone().into_os_string());
        }
        if self.no_install_root {
            args.push("--no-install-root".into());
        }
        args
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SealArg {
    Outline,
    None,
}

/// What `render` and `rollup` take: spreadsheets, and the folder their documents go to. Each
/// subcommand says in its help where in that folder (`mut_arg` on its variant).
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "outbox")]
    pub out: PathBuf,
    /// Files done at once (default: one a CPU core).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub options: RenderOptions,
    /// County spreadsheets (xlsx, xlsm, xlsb, xls, ods, csv).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The shared folder holding inbox/, outbox/, archive/, rejected/ and work/.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Rescan on a timer instead of file events, every MS milliseconds (default 2000): for
    /// SMB/NFS shares, where remote writes raise no events.
    #[arg(long, value_name = "MS", num_args = 0..=1, default_missing_value = "2000")]
    pub poll: Option<u64>,
    /// How long a file's size and modification time must hold still before it is read.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub settle: u64,
    /// Process what is in the inbox, then exit with the status of the worst file.
    #[arg(long)]
    pub once: bool,
    /// The day taken as today (YYYY-MM-DD) for 逾期, 完成时间 checks and the status page:
    /// to re-make a past day's view, or in tests. Default: the clock's day.
    #[arg(long, value_name = "YYYY-MM-DD", env = "GONGWEN_AS_OF", value_parser = gongwen::clock::parse_as_of)]
    pub as_of: Option<chrono::NaiveDate>,
    #[command(flatten)]
    pub options: RenderOptions,
}

#[derive(Debug, Args)]
pub struct ProgressArgs {
    /// The shared folder whose archive/ holds the ledgers (archive/tracking/).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// The day counted as of, YYYY-MM-DD: overdue items, days overdue and the documents' date
    /// (default: today, China time or the configured `daemon.utc_offset`).
    #[arg(long, value_name = "YYYY-MM-DD", env = "GONGWEN_AS_OF")]
    pub as_of: Option<String>,
    /// The year of the 年度考核 (default: the as-of date's year).
    #[arg(long, value_name = "YYYY")]
    pub year: Option<i32>,
    /// Output folder (default: the root's outbox/): county documents go to DIR/<市>/<县>/,
    /// city reports to DIR/<市>/, the 年度考核 and the province workbook to DIR/.
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub options: RenderOptions,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Fill in the county and its city: 西湖区 or 杭州市西湖区.
    #[arg(long, value_name = "NAME")]
    pub county: Option<String>,
    /// Output folder; the file is 整改清单填报模板[_<县>].xlsx (整改进展表_<县>.xlsx with
    /// --progress).
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// First month of the 完成时限 drop-down, YYYY-MM (default 2019-03, the notice's month;
    /// the list ends at 2023-12).
    #[arg(long, value_name = "YYYY-MM")]
    pub from: Option<String>,
    /// Write the county's 整改进展表 from the archive instead (needs --county and --root):
    /// its items under their IDs, to report progress on.
    #[arg(long, requires_all = ["county", "root"], conflicts_with = "from")]
    pub progress: bool,
    /// The daemon's root, whose archive holds the county's items (needs --county): the
    /// template comes filled with the county's latest accepted list, so a resubmission is an
    /// edit; with --progress, the 整改进展表 lists its items.
    #[arg(long, value_name = "DIR", requires = "county")]
    pub root: Option<PathBuf>,
    /// The day the workbook is made, YYYY-MM-DD, named in its hidden fingerprint (default
    /// today).
    #[arg(long, value_name = "YYYY-MM-DD", env = "GONGWEN_AS_OF", value_parser = gongwen::clock::parse_as_of)]
    pub as_of: Option<chrono::NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_options_survive_the_trip_through_arguments() {
        let cli = Cli::parse_from([
            "gongwen",
            "render",
            "--seal",
            "none",
            "--font-path",
            "/a:/b c",
            "--config",
            "/etc/gongwen 1.toml",
            "--templates",
            "/t",
            "--install-root",
            "/opt/gongwen",
            "x.xlsx",
        ]);
        let Command::Render(render) = cli.command else {
            panic!("not render")
        };
        let mut argv: Vec<OsString> = vec!["gongwen".into(), "__render-worker".into()];
        argv.extend(["--memory-limit".into(), "1".into()]);
        argv.extend(render.options.to_args());
        let Command::RenderWorker(worker) = Cli::parse_from(argv).command else {
            panic!("not the render worker")
        };
        assert_eq!(worker.options.seal, Some(SealArg::None));
        assert_eq!(
            worker.options.font_paths,
            [PathBuf::from("/a"), PathBuf::from("/b c")]
        );
        assert_eq!(
            worker.options.config,
            Some(PathBuf::from("/etc/gongwen 1.toml"))
        );
        assert_eq!(worker.options.templates, Some(PathBuf::from("/t")));
        assert_eq!(
            worker.options.install_root,
            Some(PathBuf::from("/opt/gongwen"))
        );
        assert!(!worker.options.no_install_root);
    }

    #[test]
    fn render_and_rollup_each_say_where_their_documents_go() {
        use clap::CommandFactory;
        let cli = Cli::command();
        cli.clone().debug_assert();
        let help = |command: &str, arg: &str| {
            let sub = cli.find_subcommand(command).expect("subcommand");
            let arg = sub
                .get_arguments()
                .find(|a| a.get_id() == arg)
                .expect("argument");
            arg.get_help().map(ToString::to_string).unwrap_or_default()
        };
        assert!(help("render", "out").contains("DIR/<市>/<县>/"));
        assert!(help("rollup", "out").contains("the province summary to DIR/"));
        assert!(help("render", "files").starts_with("County spreadsheets (xlsx"));
        assert!(help("rollup", "files").contains("the latest of each county counts"));
    }

    #[test]
    fn no_installation_survives_the_trip_through_arguments() {
        let options = RenderOptions {
            seal: None,
            font_paths: Vec::new(),
            config: None,
            templates: None,
            install_root: None,
            no_install_root: true,
        };
        let mut argv: Vec<OsString> = vec!["gongwen".into(), "__render-worker".into()];
        argv.extend(["--memory-limit".into(), "1".into()]);
        argv.extend(options.to_args());
        let Command::RenderWorker(worker) = Cli::parse_from(argv).command else {
            panic!("not the render worker")
        };
        assert!(worker.options.no_install_root);
    }
}
