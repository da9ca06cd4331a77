//! Ctrl-C in the middle of an import, then a resume: every row applied exactly
//! once, checked against the ledger of a sandbox this test runs. And a reader
//! that closes the pipe. Each step waits for something the test can see (a
//! journal line, a line on stderr), never for a fixed time.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{command, dir, metrics_file, text};
use feishu_sandbox::seed::{APP_ID, APP_SECRET, ids};
use feishu_sandbox::{Config, Sandbox};

const REVIEWEES: std::ops::Range<usize> = 10..50;

/// Waits (up to a generous limit, for a busy machine) until `ready` holds.
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn journal_lines(path: &Path, event: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(&format!("\"event\":\"{event}\"")))
        .count()
}

fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// The import, one reviewee-metric a request, against `base_url`, paced at 10
/// requests a `window` (seconds; not part of what the journal checks).
fn import(base_url: &str, file: &Path, journal: &Path, window: &str) -> Command {
    let mut c = command(&[
        "--rate-window",
        window,
        "--format",
        "json",
        "metrics",
        "import",
        "--semester",
        ids::SEMESTER,
        "--batch-size",
        "1",
        "--journal",
        journal.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    c.env("FEISHU_APP_ID", APP_ID)
        .env("FEISHU_APP_SECRET", APP_SECRET)
        .env("FEISHU_BASE_URL", base_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Lines of the child's stderr, as they come.
fn stderr_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn wait_for_line(rx: &mpsc::Receiver<String>, seen: &mut Vec<String>, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !seen.iter().any(|l| l.contains(needle)) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => panic!(
                "no line with {needle:?} on stderr; saw:\n{}",
                seen.join("\n")
            ),
        }
    }
}

/// Every row of the file in the ledger exactly once.
fn assert_each_row_once(sandbox: &Sandbox) {
    let mut written: HashMap<String, usize> = HashMap::new();
    for entry in sandbox.ledger() {
        for row in &entry.rows {
            *written.entry(row["reviewee"].to_string()).or_default() += 1;
        }
    }
    assert_eq!(written.len(), REVIEWEES.len(), "{written:?}");
    assert!(written.values().all(|&n| n == 1), "{written:?}");
}

async fn sandbox() -> Sandbox {
    Sandbox::start(Config {
        rate_window: Duration::from_millis(100),
        ..Config::default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_cleanly_and_the_same_command_resumes() {
    let sandbox = sandbox().await;
    let dir = dir("sigint");
    let (file, journal) = (dir.join("kpi.csv"), dir.join("kpi.journal"));
    metrics_file(&file, REVIEWEES, &[]);

    // Ten requests every 3 s: the interrupt lands long before the end.
    let mut child = import(&sandbox.base_url(), &file, &journal, "3")
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    wait_until("five requests journaled as done", || {
        journal_lines(&journal, "done") >= 5
    });
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    let stderr: Vec<String> = lines.iter().collect();
    let stderr = stderr.join("\n");
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["status"], "interrupted", "{result}");
    let pending = result["pending"].as_u64().unwrap();
    assert!(pending > 0, "{result}");
    assert_eq!(
        result["applied"].as_u64().unwrap() + pending,
        REVIEWEES.len() as u64
    );
    let resume = result["resume"].as_str().unwrap().to_owned();
    assert!(
        stderr.contains(&format!("resume with the same command: {resume}")),
        "{stderr}"
    );
    assert!(resume.contains("--journal"), "{resume}");

    // The same command resumes (here paced faster): nothing is sent twice.
    let again = import(&sandbox.base_url(), &file, &journal, "0.1")
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    let result: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(result["applied"], REVIEWEES.len());
    assert_each_row_once(&sandbox);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ctrl_c_quits_at_once_and_the_journal_still_resumes() {
    let sandbox = sandbox().await;
    let dir = dir("sigint2");
    let (file, journal) = (dir.join("kpi.csv"), dir.join("kpi.journal"));
    metrics_file(&file, REVIEWEES, &[]);
    // Calls answer slowly, so the first Ctrl-C finds one in flight, and the
    // second comes while it still is.
    sandbox.set_faults("delay=5000@1").unwrap();

    let mut child = import(&sandbox.base_url(), &file, &journal, "0.1")
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    wait_until("a request journaled as started", || {
        journal_lines(&journal, "started") >= 1
    });
    interrupt(&child);
    let mut seen = Vec::new();
    wait_for_line(&lines, &mut seen, "interrupted: sending nothing more");
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    seen.extend(lines.iter());
    let stderr = seen.join("\n");
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted again: quitting now; resume with: feishu-perf"),
        "{stderr}"
    );

    sandbox.set_faults("").unwrap();
    let again = import(&sandbox.base_url(), &file, &journal, "0.1")
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_each_row_once(&sandbox);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A reader that has gone (`| head -1`): the output stops quietly, no panic.
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    for format in ["table", "json", "ndjson", "csv"] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = command(&["--sandbox", "review-templates", "list", "--format", format])
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
            .wait_with_output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{format}: {stderr}");
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
    }
    // As a shell runs it.
    let bin = env!("CARGO_BIN_EXE_feishu-perf");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{bin}' --sandbox review-templates list --format table | head -1"
        ))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("REVIEW_TEMPLATE_ID"), "{stdout}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
