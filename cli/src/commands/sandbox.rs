//! `feishu-perf sandbox serve`: the sandbox as a server that keeps its state
//! until it is stopped, started from the installed binary, for rehearsing a
//! cycle command by command (where `--sandbox` starts a new, empty one for
//! each command).

use std::io::Write;
use std::time::Duration;

use feishu_sandbox::{Config, Sandbox, seed};

use crate::args::SandboxServeArgs;
use crate::exit::{Failure, Status};
use crate::note;

/// Serves until Ctrl-C, after printing the lines that point the command line at it.
pub async fn serve(args: SandboxServeArgs) -> Result<Status, Failure> {
    let window = Duration::try_from_secs_f64(args.rate_window)
        .ok()
        .filter(|w| !w.is_zero())
        .ok_or_else(|| Failure::usage("--rate-window must be a positive number of seconds"))?;
    let faults = args.faults.clone().unwrap_or_default();
    let sandbox = Sandbox::start_on(
        args.addr,
        Config {
            rate_window: window,
            faults: faults.clone(),
            ..Config::default()
        },
    )
    .await
    .map_err(|e| Failure::usage(format!("the sandbox did not start on {}: {e}", args.addr)))?;
    let base = sandbox.base_url();
    let mut out = std::io::stdout().lock();
    // The sandbox's own fixture credentials: printing them is the point.
    let lines = [
        format!("export FEISHU_BASE_URL={base}"),
        format!("export FEISHU_APP_ID={}", seed::APP_ID),
        format!("export FEISHU_APP_SECRET={}", seed::APP_SECRET),
    ];
    for line in &lines {
        writeln!(out, "{line}").map_err(|e| Failure::usage(e.to_string()))?;
    }
    out.flush().map_err(|e| Failure::usage(e.to_string()))?;
    drop(out);
    let faults = if faults.is_empty() { "none" } else { &faults };
    note!(
        "sandbox listening on {base} (rate window {}, faults: {faults}); it keeps what is written \
         until Ctrl-C. In another shell, run the lines above, then for example:\n  \
         feishu-perf --rate-window {} semesters list",
        args.rate_window,
        args.rate_window
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::usage(format!("cannot wait for Ctrl-C: {e}")))?;
    sandbox.stop().await;
    note!("sandbox stopped");
    Ok(Status::Success)
}
