//! Rendering: the document model ([`document`]) built from submissions ([`compose`]) and its
//! two backends, typst for PDF ([`world`], [`pdf`]) and docx-rs for Word ([`docx`]). Backends
//! return bytes; writing files is the archive's job.

pub mod document;
