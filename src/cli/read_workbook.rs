//! The sandboxed child's entry point (see `gongwen::intake::sandbox`).

use gongwen::intake::{Limits, sandbox};

use super::{Fault, Status};
use crate::cli::args::ReadWorkbookArgs;

pub fn read_workbook(args: &ReadWorkbookArgs) -> Result<Status, Fault> {
    let limits: Limits =
        serde_json::from_str(&args.limits).map_err(|e| Fault::new(format!("bad --limits: {e}")))?;
    sandbox::child_main(&args.path, args.name.as_deref(), args.memory_limit, &limits)
        .map_err(|e| Fault::new(format!("cannot answer: {e}")))?;
    Ok(Status::Ok)
}
