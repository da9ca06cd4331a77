//! The engine behind the `feishu-perf` command line: read rows, plan requests,
//! send them exactly once, journal every step. See [`batch`]; the imports it
//! runs are in [`jobs`].
#![deny(missing_docs)]

pub mod batch;
pub mod input;
pub mod jobs;
pub mod journal;
pub mod okr_jobs;
pub mod okr_progress;
pub mod rejects;
pub mod sheets;
pub mod time;
