//! The engine behind the `feishu-perf` command line: read rows, plan requests,
//! send them exactly once, journal every step. See [`batch`].
#![deny(missing_docs)]

pub mod batch;
pub mod input;
pub mod journal;
