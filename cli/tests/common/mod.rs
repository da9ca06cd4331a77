//! Running the `feishu-perf` binary as a user does, against the embedded
//! sandbox (`--sandbox`) or against a sandbox this test process runs, so
//! the test can read its ledger.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use feishu_sandbox::seed::{APP_ID, APP_SECRET, ids, open_id};

/// The binary with an empty Feishu environment.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_feishu-perf"));
    command
        .args(args)
        .env_remove("FEISHU_APP_ID")
        .env_remove("FEISHU_APP_SECRET")
        .env_remove("FEISHU_BASE_URL");
    command
}

/// Runs the binary with an empty Feishu environment.
pub fn feishu_perf(args: &[&str]) -> Output {
    command(args).output().expect("the binary runs")
}

/// Runs the binary with the sandbox app's credentials against `base_url`.
pub fn against(base_url: &str, args: &[&str]) -> Output {
    command(args)
        .env("FEISHU_APP_ID", APP_ID)
        .env("FEISHU_APP_SECRET", APP_SECRET)
        .env("FEISHU_BASE_URL", base_url)
        .output()
        .expect("the binary runs")
}

/// stdout then stderr, for assertion messages.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// stdout parsed as one JSON value.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", text(output)))
}

/// A fresh folder for one test.
pub fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("feishu-perf-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A key-metric file: one number field for each of `reviewees` (from 10, clear of the
/// fixture's admin-filled reviewee), plus `extra` lines.
pub fn metrics_file(path: &Path, reviewees: std::ops::Range<usize>, extra: &[String]) {
    let mut csv =
        String::from("reviewee_user_id,metric_id,field_id,field_value,field_value_person\n");
    for n in reviewees {
        csv.push_str(&format!(
            "{},{},{},{n},\n",
            open_id(n),
            ids::METRIC,
            ids::FIELD_NUMBER
        ));
    }
    for line in extra {
        csv.push_str(line);
        csv.push('\n');
    }
    std::fs::write(path, csv).unwrap();
}

/// A row outside the app's data scope (refused with 1580112).
pub fn out_of_scope_row() -> String {
    format!("{},{},{},1,", open_id(245), ids::METRIC, ids::FIELD_NUMBER)
}
