//! OKR v1 progress records posted exactly once: 1,000 rows under every fault
//! (answers dropped after the record was made included) make 1,000 records,
//! none twice; a run stopped with a request whose outcome is unknown resumes
//! from its journal without posting it again; the binary's import, update
//! and delete.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{against, dir, json, text};
use feishu_perf::{Client, Pacing, RetryPolicy};
use feishu_perf_cli::batch::{self, Job};
use feishu_perf_cli::input::{Table, parse_table};
use feishu_perf_cli::journal::{Identity, Journal, Server};
use feishu_perf_cli::okr_progress::ProgressImport;
use feishu_sandbox::seed::okr::{
    CYCLE, KEY_RESULT, KEY_RESULT_2, KEY_RESULT_3, OBJECTIVE, OBJECTIVE_2,
};
use feishu_sandbox::seed::{APP_ID, APP_SECRET};
use feishu_sandbox::{Config, Sandbox};
use serde_json::Value;

const CREATE: &str = "okr.v1.progress_record.create";
const BATCH_GET: &str = "okr.v1.okr.batch_get";
const GET: &str = "okr.v1.progress_record.get";

async fn sandbox(faults: &str) -> Sandbox {
    Sandbox::start(Config {
        rate_window: Duration::ZERO,
        faults: faults.into(),
        ..Config::default()
    })
    .await
    .unwrap()
}

fn client(sandbox: &Sandbox) -> Client {
    Client::builder()
        .app(APP_ID, APP_SECRET)
        .base_url(sandbox.base_url())
        .pacing(Pacing::Off)
        .retry(RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(2),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

fn job() -> ProgressImport {
    ProgressImport {
        source_title: "BI".into(),
        source_url: "https://bi.example.com/okr".into(),
        read: Default::default(),
    }
}

fn table(rows: &[String]) -> Table {
    let header: Vec<&str> = ProgressImport::COLUMNS.iter().map(|c| c.name).collect();
    let text = format!("{}\n{}\n", header.join(","), rows.join("\n"));
    parse_table("progress.csv", &text, ProgressImport::COLUMNS).unwrap()
}

/// Row `n`: spread over the cycle's two objectives and three key results
/// (an objective and a key result share an id: the type tells them apart).
fn row(n: usize) -> String {
    let (target, kind) = [
        (OBJECTIVE, "objective"),
        (KEY_RESULT, "key_result"),
        (OBJECTIVE_2, "2"),
        (KEY_RESULT_2, "3"),
        (KEY_RESULT_3, "key_result"),
    ][n % 5];
    format!("{CYCLE},{target},{kind},row {n},{},{}", n % 101, n % 3)
}

/// The text of each record made, as the ledger of accepted creates has it, and how often.
fn texts_made(sandbox: &Sandbox) -> HashMap<String, usize> {
    let mut made = HashMap::new();
    for entry in sandbox.ledger().iter().filter(|e| e.endpoint == CREATE) {
        let text =
            entry.rows[0]["content"]["blocks"][0]["paragraph"]["elements"][0]["textRun"]["text"]
                .as_str()
                .unwrap()
                .to_owned();
        *made.entry(text).or_default() += 1;
    }
    made
}

/// A deterministic fault sequence: a response dropped after the record was
/// made every 7th call, a connection dropped before it every 11th, a cut
/// answer every 13th, an internal error every 17th, a 502 every 19th.
fn faults(calls: usize) -> String {
    (0..calls)
        .map(|i| match i {
            _ if i % 7 == 3 => "apply_drop",
            _ if i % 11 == 5 => "drop",
            _ if i % 13 == 7 => "truncate",
            _ if i % 17 == 2 => "500",
            _ if i % 19 == 4 => "502",
            _ => "ok",
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[tokio::test]
async fn a_thousand_rows_under_faults_make_a_thousand_records_none_twice() {
    let sandbox = sandbox(&faults(6000)).await;
    let rows: Vec<String> = (0..1000).map(row).collect();
    let job = job();
    let plan = batch::plan(&job, table(&rows)).unwrap();
    assert_eq!(plan.batches(), 1000);
    let client = client(&sandbox);
    let report = batch::run(&client, &plan, &job, &mut Journal::in_memory(), |_| {})
        .await
        .unwrap_or_else(|e| panic!("{e:?} {:?}", sandbox.stats()));
    assert_eq!(report.applied_rows, 1000, "{:?}", report.rejected);
    assert!(report.rejected.is_empty());
    let made = texts_made(&sandbox);
    assert_eq!(made.len(), 1000, "every row made a record");
    let twice: Vec<_> = made.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "duplicated: {twice:?}");
    // The answers lost after the record was made were recognised by its mark.
    assert!(report.applied_with_lost_response > 0);
    let stats = sandbox.stats();
    let calls = |id: &str| stats.api_requests.get(id).copied().unwrap_or(0);
    let (creates, okr_reads, record_reads) = (calls(CREATE), calls(BATCH_GET), calls(GET));
    let faults: u64 = stats.faults.values().sum();
    eprintln!(
        "1,000 progress rows: {creates} creates, {okr_reads} OKR reads and {record_reads} record reads \
         ({} requests; the minimum is 1,000), {} answers lost after the record was made, {faults} faults in all",
        creates + okr_reads + record_reads,
        report.applied_with_lost_response
    );
    // Each record is read back at most once (a faulted read is retried:
    // one call more a fault), and only a lost answer costs an OKR read.
    assert!(record_reads <= 1000 + 2 + faults, "{record_reads}");
    assert!(okr_reads <= faults, "{okr_reads} > {faults}");
}

#[tokio::test]
async fn a_run_stopped_with_its_outcome_unknown_resumes_without_posting_twice() {
    // The first create is made and its answer lost; every read-back then fails.
    let sandbox = sandbox(&format!("apply_drop,{}", vec!["drop"; 40].join(","))).await;
    let rows: Vec<String> = (0..5).map(row).collect();
    let job = job();
    let plan = batch::plan(&job, table(&rows)).unwrap();
    let path = dir("progress-resume").join("progress.journal");
    let client = client(&sandbox);
    let identity = Identity {
        fingerprint: plan.fingerprint.clone(),
        server: Server::new(&sandbox.base_url(), APP_ID, None),
    };
    let mut journal = Journal::open(&path, &identity).unwrap();
    let stopped = batch::run(&client, &plan, &job, &mut journal, |_| {})
        .await
        .expect_err("the read-back cannot reach the server");
    assert_eq!(stopped.report.applied_rows, 0);
    assert_eq!(texts_made(&sandbox).len(), 1, "the first record was made");
    drop(journal);

    sandbox.set_faults("").unwrap();
    let mut journal = Journal::open(&path, &identity).unwrap();
    let job = crate::job();
    let report = batch::run(&client, &plan, &job, &mut journal, |_| {})
        .await
        .unwrap();
    assert_eq!(report.applied_rows, 5);
    assert_eq!(
        report.applied_with_lost_response, 1,
        "recognised by its mark"
    );
    let made = texts_made(&sandbox);
    assert_eq!(made.len(), 5);
    assert!(made.values().all(|&n| n == 1), "{made:?}");
}

#[test]
fn the_binary_imports_updates_and_deletes_progress() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime.block_on(sandbox(""));
    let dir = dir("progress-binary");
    let file = dir.join("progress.csv");
    let header: Vec<&str> = ProgressImport::COLUMNS.iter().map(|c| c.name).collect();
    std::fs::write(
        &file,
        format!(
            "{}\n{CYCLE},{KEY_RESULT},key_result,\"NPS 52\nsurvey of May\",52,0\n{CYCLE},{OBJECTIVE},objective,on track,,\n{CYCLE},{OBJECTIVE},kr,bad type,,\n",
            header.join(",")
        ),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let out = against(
        &sandbox.base_url(),
        &[
            "--format",
            "json",
            "okr",
            "progress",
            "import",
            file,
            "--source-url",
            "https://bi.example.com",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(5),
        "one row rejected: {}",
        text(&out)
    );
    let result = json(&out);
    assert_eq!(result["applied"], 2, "{result}");
    let made = texts_made(&sandbox);
    assert_eq!(made.len(), 2);
    let id = sandbox
        .ledger()
        .iter()
        .find(|e| e.endpoint == CREATE)
        .unwrap()
        .record_id
        .clone();
    let out = against(
        &sandbox.base_url(),
        &[
            "--format",
            "json",
            "okr",
            "progress",
            "update",
            "--id",
            &id,
            "--text",
            "NPS 55",
            "--percent",
            "55",
            "--status",
            "-1",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let updated: Value = json(&out);
    assert_eq!(updated["progress_rate"]["status"], -1);
    assert_eq!(
        updated["content"]["blocks"][0]["paragraph"]["elements"][0]["textRun"]["text"],
        "NPS 55"
    );
    let out = against(
        &sandbox.base_url(),
        &["okr", "progress", "delete", "--id", &id],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = against(
        &sandbox.base_url(),
        &["okr", "progress", "delete", "--id", &id],
    );
    assert_ne!(out.status.code(), Some(0), "gone: {}", text(&out));
    let out = against(
        &sandbox.base_url(),
        &["okr", "progress", "import", file, "--source-url", "ftp://x"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
