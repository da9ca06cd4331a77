//! The journal through the binary, against sandboxes this test runs: bound to
//! its server, app and tenant; one process at a time; a torn last line
//! dropped; a format version; kept by default; safe advice for an edited input.
//! Each step waits for something the test can see, never for a fixed time.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{against, command, dir, feishu_perf, json, metrics_file, text};
use feishu_sandbox::seed::{APP_ID, APP_SECRET, ids, open_id};
use feishu_sandbox::{Config, Sandbox};

const REVIEWEES: std::ops::Range<usize> = 10..40;

async fn sandbox() -> Sandbox {
    Sandbox::start(Config {
        rate_window: Duration::from_millis(100),
        ..Config::default()
    })
    .await
    .unwrap()
}

/// The import of `file`, one reviewee-metric a request, paced at 10 requests a `window` (seconds).
fn import_args<'a>(file: &'a Path, window: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
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
    ];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    args
}

fn import(base_url: &str, file: &Path, window: &str, extra: &[&str]) -> Command {
    let mut c = command(&import_args(file, window, extra));
    c.env("FEISHU_APP_ID", APP_ID)
        .env("FEISHU_APP_SECRET", APP_SECRET)
        .env("FEISHU_BASE_URL", base_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn run(mut command: Command) -> Output {
    command.output().expect("the binary runs")
}

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

/// How many times each reviewee of `REVIEWEES` was written.
fn writes(sandbox: &Sandbox) -> HashMap<String, usize> {
    let mut written: HashMap<String, usize> = HashMap::new();
    for entry in sandbox.ledger() {
        for row in &entry.rows {
            *written.entry(row["reviewee"].to_string()).or_default() += 1;
        }
    }
    written
}

fn doubled(sandbox: &Sandbox) -> usize {
    writes(sandbox).values().filter(|&&n| n > 1).count()
}

/// The same command against a second server, or the embedded sandbox,
/// with the first's journal: refused, naming both sides; nothing sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_is_bound_to_its_server_app_and_tenant() {
    let (rehearsal, real) = (sandbox().await, sandbox().await);
    let dir = dir("journal-bound");
    let (file, journal) = (dir.join("kpi.csv"), dir.join("kpi.journal"));
    metrics_file(&file, 10..17, &[]);
    let j = ["--journal", journal.to_str().unwrap()];

    let first = run(import(&rehearsal.base_url(), &file, "0.1", &j));
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert_eq!(json(&first)["applied"], 7);

    let second = run(import(&real.base_url(), &file, "0.1", &j));
    let said = text(&second);
    assert_eq!(second.status.code(), Some(2), "{said}");
    assert!(said.contains(&rehearsal.base_url()), "{said}");
    assert!(said.contains(&real.base_url()), "{said}");
    assert!(
        real.ledger().is_empty(),
        "nothing reaches the second server"
    );

    // Another tenant of the same server and app.
    let mut tenant = import(&rehearsal.base_url(), &file, "0.1", &j);
    tenant.env("FEISHU_TENANT_KEY", "another-tenant");
    let tenant = run(tenant);
    let said = text(&tenant);
    assert_eq!(tenant.status.code(), Some(2), "{said}");
    assert!(
        said.contains("tenant_key another-tenant") && said.contains("the app's own tenant"),
        "{said}"
    );

    // Another app.
    let mut app = import(&rehearsal.base_url(), &file, "0.1", &j);
    app.env("FEISHU_APP_ID", "cli_another_app");
    let app = run(app);
    let said = text(&app);
    assert_eq!(app.status.code(), Some(2), "{said}");
    assert!(
        said.contains("cli_another_app") && said.contains(APP_ID),
        "{said}"
    );

    // The embedded sandbox is a server of its own, never matching another run.
    let mut args = vec!["--sandbox"];
    args.extend(import_args(&file, "0.1", &j));
    let embedded = feishu_perf(&args);
    let said = text(&embedded);
    assert_eq!(embedded.status.code(), Some(2), "{said}");
    assert!(said.contains("embedded sandbox"), "{said}");
    let sandbox_journal = dir.join("sandbox.journal");
    let s = ["--journal", sandbox_journal.to_str().unwrap()];
    let mut args = vec!["--sandbox"];
    args.extend(import_args(&file, "0.1", &s));
    assert_eq!(feishu_perf(&args).status.code(), Some(0));
    let again = feishu_perf(&args);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(
        text(&again).contains("embedded sandbox of one run"),
        "{}",
        text(&again)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two processes on one journal: the second exits 2 naming the first; the
/// first killed with SIGKILL frees it, and a resume (its journal's last line
/// torn, as a crash in the middle of a write leaves it) writes each row once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_at_a_time_and_a_killed_holder_frees_the_journal() {
    let sandbox = sandbox().await;
    let dir = dir("journal-lock");
    let (file, journal) = (dir.join("kpi.csv"), dir.join("kpi.journal"));
    metrics_file(&file, REVIEWEES, &[]);
    let j = ["--journal", journal.to_str().unwrap()];

    // Ten requests a minute: the first run holds the journal for minutes.
    let mut holder = import(&sandbox.base_url(), &file, "60", &j)
        .spawn()
        .unwrap();
    wait_until("the first run's first request journaled as done", || {
        journal_lines(&journal, "done") >= 1
    });
    let second = run(import(&sandbox.base_url(), &file, "0.1", &j));
    let said = text(&second);
    assert_eq!(second.status.code(), Some(2), "{said}");
    assert!(
        said.contains(&format!("in use by process {} on ", holder.id())),
        "{said}"
    );
    assert!(said.contains(" since 20"), "{said}");
    assert_eq!(doubled(&sandbox), 0);

    holder.kill().unwrap(); // SIGKILL: no chance to clean up
    holder.wait().unwrap();
    // A crash in the middle of a write leaves a partial last line.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap();
    f.write_all(br#"{"event":"started","batch":"29","client_tok"#)
        .unwrap();
    drop(f);

    let resumed = run(import(&sandbox.base_url(), &file, "0.1", &j));
    let said = text(&resumed);
    assert_eq!(resumed.status.code(), Some(0), "{said}");
    assert!(
        said.contains("warning: ") && said.contains("the last line was cut short"),
        "{said}"
    );
    assert_eq!(json(&resumed)["applied"], REVIEWEES.len());
    let written = writes(&sandbox);
    assert_eq!(written.len(), REVIEWEES.len(), "{written:?}");
    assert_eq!(doubled(&sandbox), 0, "{written:?}");
    // The torn line is gone from the file: every line is whole JSON.
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.ends_with('\n'));
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue figure: two processes started together on one fresh journal write no row twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_started_together_write_no_row_twice() {
    let sandbox = sandbox().await;
    let dir = dir("journal-two");
    let (file, journal) = (dir.join("kpi.csv"), dir.join("kpi.journal"));
    metrics_file(&file, REVIEWEES, &[]);
    let j = ["--journal", journal.to_str().unwrap()];
    let a = import(&sandbox.base_url(), &file, "0.1", &j)
        .spawn()
        .unwrap();
    let b = import(&sandbox.base_url(), &file, "0.1", &j)
        .spawn()
        .unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    // One ran; the other was refused, or (had the first already finished) found everything done.
    assert!(
        codes == [Some(0), Some(2)] || codes == [Some(0), Some(0)],
        "{codes:?}\n{}\n{}",
        text(&a),
        text(&b)
    );
    let doubled = doubled(&sandbox);
    println!(
        "two processes on one fresh journal: exit statuses {codes:?}, rows written twice: {doubled}"
    );
    assert_eq!(doubled, 0);
    assert_eq!(writes(&sandbox).len(), REVIEWEES.len());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A malformed line that is not the last is an error with file:line; a
/// journal of an unknown format version, or of none, is refused as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_lines_and_unknown_versions_are_refused() {
    let sandbox = sandbox().await;
    let dir = dir("journal-malformed");
    let (file, journal) = (dir.join("kpi.csv"), dir.join("kpi.journal"));
    metrics_file(&file, 10..13, &[]);
    let j = ["--journal", journal.to_str().unwrap()];
    let first = run(import(&sandbox.base_url(), &file, "0.1", &j));
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));

    let whole = std::fs::read_to_string(&journal).unwrap();
    let mut lines: Vec<&str> = whole.lines().collect();
    lines.insert(2, "{\"event\":\"done\",\"batch\":");
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    let out = run(import(&sandbox.base_url(), &file, "0.1", &j));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("{}:3: not a journal entry", journal.display())),
        "{}",
        text(&out)
    );

    std::fs::write(
        &journal,
        "{\"event\":\"header\",\"version\":99,\"fingerprint\":\"x\"}\n",
    )
    .unwrap();
    let out = run(import(&sandbox.base_url(), &file, "0.1", &j));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("is journal format 99; this feishu-perf reads format 1 only"),
        "{}",
        text(&out)
    );

    // A journal of an earlier feishu-perf: a header without a version.
    std::fs::write(
        &journal,
        "{\"event\":\"header\",\"fingerprint\":\"0123456789abcdef\"}\n",
    )
    .unwrap();
    let out = run(import(&sandbox.base_url(), &file, "0.1", &j));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("has no format version"),
        "{}",
        text(&out)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Without `--journal`, the journal is `<file>.journal`; `--no-journal` keeps
/// none; standard input needs one or the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_is_kept_by_default() {
    let sandbox = sandbox().await;
    let dir = dir("journal-default");
    let file = dir.join("kpi.csv");
    metrics_file(&file, 10..13, &[]);
    let out = run(import(&sandbox.base_url(), &file, "0.1", &[]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let beside = dir.join("kpi.csv.journal");
    assert_eq!(json(&out)["journal"], beside.to_str().unwrap());
    assert_eq!(journal_lines(&beside, "done"), 3);
    // The same command again: everything done, nothing sent.
    let again = run(import(&sandbox.base_url(), &file, "0.1", &[]));
    assert_eq!(
        (
            json(&again)["requests"].as_u64(),
            json(&again)["applied"].as_u64()
        ),
        (Some(0), Some(3))
    );

    let other = dir.join("other.csv");
    metrics_file(&other, 13..15, &[]);
    let out = run(import(
        &sandbox.base_url(),
        &other,
        "0.1",
        &["--no-journal"],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(json(&out)["journal"].is_null());
    assert!(!dir.join("other.csv.journal").exists());

    let csv = std::fs::read(&file).unwrap();
    let stdin = |extra: &[&str]| {
        let mut args = vec![
            "--format",
            "json",
            "metrics",
            "import",
            "--semester",
            ids::SEMESTER,
        ];
        args.extend_from_slice(extra);
        args.push("-");
        let mut child = command(&args)
            .env("FEISHU_APP_ID", APP_ID)
            .env("FEISHU_APP_SECRET", APP_SECRET)
            .env("FEISHU_BASE_URL", sandbox.base_url())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&csv).unwrap();
        child.wait_with_output().unwrap()
    };
    let bare = stdin(&[]);
    assert_eq!(bare.status.code(), Some(2), "{}", text(&bare));
    assert!(
        text(&bare).contains("standard input") && text(&bare).contains("--no-journal"),
        "{}",
        text(&bare)
    );
    let stdin_journal = dir.join("stdin.journal");
    let kept = stdin(&["--journal", stdin_journal.to_str().unwrap()]);
    assert_eq!(kept.status.code(), Some(0), "{}", text(&kept));
    assert_eq!(
        journal_lines(&stdin_journal, "done"),
        1,
        "one request of 3 rows"
    );
    let none = stdin(&["--no-journal"]);
    assert_eq!(none.status.code(), Some(0), "{}", text(&none));

    let both = run(import(
        &sandbox.base_url(),
        &file,
        "0.1",
        &["--no-journal", "--journal", "x.journal"],
    ));
    assert_eq!(both.status.code(), Some(2), "{}", text(&both));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An input edited after its journal was written: refused, saying which rows
/// the journal holds as applied and what a fresh journal would send again:
/// absolute metric values (harmless), information items without an id (duplicates).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_input_is_refused_with_safe_advice() {
    let sandbox = sandbox().await;
    let dir = dir("journal-edited");

    let file = dir.join("kpi.csv");
    metrics_file(&file, 10..14, &[]);
    assert_eq!(
        run(import(&sandbox.base_url(), &file, "0.1", &[]))
            .status
            .code(),
        Some(0)
    );
    metrics_file(&file, 10..15, &[]);
    let out = run(import(&sandbox.base_url(), &file, "0.1", &[]));
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("it holds 4 rows as applied (lines 2-5 of the file as it was)"),
        "{said}"
    );
    assert!(
        said.contains("writes the same absolute values again: harmless"),
        "{said}"
    );
    assert_eq!(sandbox.ledger().len(), 4, "nothing sent");

    let info = dir.join("info.csv");
    let write_info = |n: usize| {
        let mut csv =
            String::from("item_id,external_id,reviewee_user_id,item,time,detailed_description\n");
        for k in 0..n {
            // Every other item has an external_id.
            let external = if k % 2 == 0 {
                format!("crm-{k}")
            } else {
                String::new()
            };
            csv.push_str(&format!(
                ",{external},{},业绩补充说明,2024-Q3,第 {k} 项\n",
                open_id(k)
            ));
        }
        std::fs::write(&info, csv).unwrap();
    };
    write_info(4);
    let info_args = |extra: &'static str| {
        vec![
            "--format",
            "json",
            "information",
            "import",
            "--semester",
            ids::SEMESTER,
            extra,
            info.to_str().unwrap(),
        ]
    };
    let first = against(&sandbox.base_url(), &info_args("--batch-size=1"));
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    write_info(6);
    let out = against(&sandbox.base_url(), &info_args("--batch-size=1"));
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("it holds 4 rows as applied"), "{said}");
    assert!(
        said.contains("3 of its rows (lines 3, 5, 7) have neither item_id nor external_id")
            && said.contains("a duplicate"),
        "{said}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A journal that recorded no request (every row was rejected before
/// sending) binds to nothing yet: the fixed file imports with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_of_no_request_starts_afresh_for_a_fixed_file() {
    let sandbox = sandbox().await;
    let dir = dir("journal-afresh");
    let file = dir.join("kpi.csv");
    let no_value = format!("{},{},{},,", open_id(10), ids::METRIC, ids::FIELD_NUMBER);
    metrics_file(&file, 0..0, &[no_value]);
    let out = run(import(&sandbox.base_url(), &file, "0.1", &[]));
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert_eq!(json(&out)["requests"], 0);
    assert!(dir.join("kpi.csv.journal").exists());

    metrics_file(&file, 10..11, &[]);
    let out = run(import(&sandbox.base_url(), &file, "0.1", &[]));
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("recorded no request"), "{said}");
    assert_eq!(json(&out)["applied"], 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A run stopped by an outage whose journal's last line was then cut short
/// (as a crash in the middle of a write leaves it): the resume drops that
/// line with a warning and writes every row once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_last_line_is_dropped_and_the_run_resumes() {
    let sandbox = sandbox().await;
    let dir = dir("journal-torn");
    let (file, journal) = (dir.join("kpi.csv"), dir.join("kpi.journal"));
    metrics_file(&file, 10..20, &[]);
    let j = ["--journal", journal.to_str().unwrap()];
    sandbox.set_faults("ok,ok,ok,500*200").unwrap();
    let stopped = run(import(&sandbox.base_url(), &file, "0.1", &j));
    assert_eq!(stopped.status.code(), Some(4), "{}", text(&stopped));
    assert_eq!(json(&stopped)["applied"], 3);
    sandbox.set_faults("").unwrap();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap();
    f.write_all(br#"{"event":"done","batch":"3","import_re"#)
        .unwrap();
    drop(f);

    let resumed = run(import(&sandbox.base_url(), &file, "0.1", &j));
    let said = text(&resumed);
    assert_eq!(resumed.status.code(), Some(0), "{said}");
    assert!(
        said.contains("warning: ")
            && said.contains("the last line was cut short (partial JSON, no newline at its end)"),
        "{said}"
    );
    for line in std::fs::read_to_string(&journal).unwrap().lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("the torn line is gone");
    }
    assert_eq!(json(&resumed)["applied"], 10);
    assert_eq!(writes(&sandbox).len(), 10);
    assert_eq!(doubled(&sandbox), 0);
    println!("a torn journal resumed: yes ({said})");
    std::fs::remove_dir_all(&dir).unwrap();
}
