//! gongwen reads the spreadsheets Zhejiang's counties file under 浙政教督办〔2019〕5号
//! (school and county rectification lists and the year each plans to pass the national
//! assessment), checks them against the 31 indicators and the division registry, and renders
//! them as formal notices. The binary is a thin layer over this library; each module owns one
//! step of the data flow.

pub mod archive;
pub mod calendar;
pub mod clock;
pub mod config;
pub mod diag;
pub mod domain;
pub mod intake;
pub mod lists;
pub mod marked;
pub mod model;
pub mod normalize;
pub mod notice;
pub mod pipeline;
pub mod progress;
pub mod receipt;
pub mod render;
pub mod rollup;
pub mod status;
pub mod template;
pub mod tiles;
pub mod tracking;
pub mod validate;
pub mod watch;
pub mod workbook;
