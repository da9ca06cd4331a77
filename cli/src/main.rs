//! `feishu-perf`: push KPI data into Feishu from CSV, exactly once.

use std::process::ExitCode;

use clap::Parser;

mod args;
mod commands;
mod exit;
mod output;
mod progress;

use args::Cli;
use exit::{Failure, Status};

// One thread: the journal is written between awaits, so a second Ctrl-C,
// handled by a task on this same thread, can never land mid-write.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let usage = e.use_stderr();
            let _ = e.print();
            return if usage {
                Status::Usage.into()
            } else {
                Status::Success.into()
            };
        }
    };
    match commands::run(cli).await {
        Ok(status) => status.into(),
        Err(failure) => {
            report(&failure);
            failure.status.into()
        }
    }
}

fn report(failure: &Failure) {
    note!("error: {failure}");
}
