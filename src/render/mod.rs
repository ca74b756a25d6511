//! Rendering: the document model ([`document`]) built from submissions ([`compose`]) or from
//! the tracking ledgers ([`progress`]: 督办通知, 催报通知, 整改进展情况报告, 年度考核) and its
//! two backends, typst for PDF ([`world`], [`pdf`]) and docx-rs for Word ([`docx`]). Backends
//! return bytes; writing files is the archive's job. [`renderer`] ties them together for the
//! CLI and the daemon; [`worker`] runs it in a child process for untrusted input.

pub mod compose;
pub mod document;
pub mod docx;
pub mod fonts;
pub mod impose;
pub mod pdf;
pub mod progress;
pub mod renderer;
pub mod worker;
pub mod world;
