//! The batch engine against the sandbox: every row applied exactly once or
//! reported, under faults, across an interruption and a resume.

use std::collections::HashMap;
use std::time::Duration;

use feishu_perf::{Client, Error, Pacing, RetryPolicy};
use feishu_perf_cli::batch::{self, Job, Options};
use feishu_perf_cli::input::{Table, parse_table};
use feishu_perf_cli::jobs::{InformationImport, MetricImport};
use feishu_perf_cli::journal::{Identity, Journal, OpenError, Server};
use feishu_sandbox::seed::{APP_ID, APP_SECRET, ids, open_id};
use feishu_sandbox::{Config, Sandbox, Seed};

async fn sandbox(faults: &str) -> Sandbox {
    Sandbox::start(Config {
        // A zero window holds no call: the server's limit never applies,
        // however fast the calls land.
        rate_window: Duration::ZERO,
        faults: faults.into(),
        ..Config::default()
    })
    .await
    .unwrap()
}

fn client(sandbox: &Sandbox, attempts: u32) -> Client {
    Client::builder()
        .app(APP_ID, APP_SECRET)
        .base_url(sandbox.base_url())
        .pacing(Pacing::Off)
        .retry(RetryPolicy {
            max_attempts: attempts,
            base_delay: Duration::from_millis(2),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

/// A table of `J`'s columns from CSV lines (the header is line 1, row `i` is line `i + 2`).
fn table<J: Job>(rows: &[String]) -> Table {
    let header: Vec<&str> = J::COLUMNS.iter().map(|c| c.name).collect();
    let text = format!("{}\n{}\n", header.join(","), rows.join("\n"));
    parse_table("test.csv", &text, J::COLUMNS).unwrap()
}

fn row(reviewee: usize, metric: &str, field: &str, value: &str) -> String {
    format!("{},{metric},{field},{value},", open_id(reviewee))
}

/// Two rows per reviewee (two metrics), for reviewees 10..10+n (clear of the fixture's admin value).
fn rows(n: usize) -> Vec<String> {
    let mut rows = Vec::new();
    for r in 10..10 + n {
        rows.push(row(r, ids::METRIC, ids::FIELD_NUMBER, &r.to_string()));
        rows.push(row(r, ids::METRIC_2, "7283776005142675482", "1"));
    }
    rows
}

fn metrics(rows: &[String]) -> Table {
    table::<MetricImport>(rows)
}

fn options() -> Options {
    Options {
        semester_id: ids::SEMESTER.into(),
        user_id_type: None,
        batch_size: 50,
        import_record_name: None,
    }
}

fn job() -> MetricImport {
    MetricImport(options())
}

/// A run with a journal kept in memory.
async fn run_in_memory<J: batch::Job>(
    client: &Client,
    plan: &batch::Plan,
    job: &J,
) -> Result<batch::Report, Box<batch::Interrupted>> {
    batch::run(client, plan, job, &mut Journal::in_memory(), |_| {}).await
}

/// The lines and codes of the rows a run did not apply.
fn refused(report: &batch::Report) -> Vec<(Vec<u64>, Option<i64>)> {
    report
        .rejected
        .iter()
        .map(|r| (r.lines.clone(), r.code))
        .collect()
}

/// (reviewee, metric, field) → how many times the ledger wrote it.
fn ledger_counts(sandbox: &Sandbox) -> HashMap<(String, String, String), usize> {
    let mut counts = HashMap::new();
    for entry in sandbox.ledger() {
        for r in &entry.rows {
            let key = (
                r["reviewee"].as_str().unwrap().to_owned(),
                r["metric_id"].as_str().unwrap().to_owned(),
                r["field_id"].as_str().unwrap().to_owned(),
            );
            *counts.entry(key).or_default() += 1;
        }
    }
    counts
}

#[tokio::test]
async fn every_row_lands_exactly_once_under_faults() {
    let sandbox =
        sandbox("500,apply_drop,drop,truncate,502,504,apply_drop,500@0.2,apply_drop@0.1,drop@0.1")
            .await;
    let plan = batch::plan(&job(), metrics(&rows(220))).unwrap();
    assert_eq!(plan.batches(), 9);
    let report = run_in_memory(&client(&sandbox, 10), &plan, &job())
        .await
        .unwrap();
    assert_eq!(report.applied_rows, 440);
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert!(report.applied_with_lost_response >= 2, "{report:?}");
    let counts = ledger_counts(&sandbox);
    assert_eq!(counts.len(), 440);
    assert!(counts.values().all(|&n| n == 1), "a row was written twice");
}

#[tokio::test]
async fn refused_rows_are_isolated_and_the_rest_applied() {
    let sandbox = sandbox("").await;
    let mut rows = rows(100);
    // Outside the app's data scope (1580112), and text in a number field (1580301), in the
    // middle of batches: lines 32 and 152.
    rows.insert(
        30,
        row(
            Seed::OUT_OF_SCOPE.start,
            ids::METRIC,
            ids::FIELD_NUMBER,
            "1",
        ),
    );
    rows.insert(
        150,
        row(
            Seed::REVIEWEES - 1 - 10,
            ids::METRIC,
            ids::FIELD_NUMBER,
            "not a number",
        ),
    );
    let plan = batch::plan(&job(), metrics(&rows)).unwrap();
    let report = run_in_memory(&client(&sandbox, 3), &plan, &job())
        .await
        .unwrap();
    let refused = refused(&report);
    assert_eq!(
        refused,
        [(vec![32], Some(1580112)), (vec![152], Some(1580301))]
    );
    assert_eq!(report.applied_rows, 200);
    assert!(report.splits >= 2);
    assert_eq!(ledger_counts(&sandbox).len(), 200);
    assert_eq!(report.pending_rows(), 0);
}

#[tokio::test]
async fn an_interrupted_run_resumes_without_writing_twice() {
    // The third batch is applied but its answer is lost, then the server fails
    // until the client gives up: the run stops with that batch in flight.
    let sandbox = sandbox("ok,ok,apply_drop,500*4").await;
    let plan = batch::plan(&job(), metrics(&rows(150))).unwrap();
    assert_eq!(plan.batches(), 6);
    let path =
        std::env::temp_dir().join(format!("feishu-perf-journal-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);

    let identity = |plan: &batch::Plan| Identity {
        fingerprint: plan.fingerprint.clone(),
        server: Server::new(&sandbox.base_url(), APP_ID, None),
    };
    let mut journal = Journal::open(&path, &identity(&plan)).unwrap();
    let stopped = batch::run(&client(&sandbox, 3), &plan, &job(), &mut journal, |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(stopped.error, Error::OutcomeUnknown { ref source, .. } if source.code() == Some(1580101)),
        "{}",
        stopped.error
    );
    assert_eq!(stopped.report.applied_rows, 100, "two batches of 50 rows");
    assert_eq!(stopped.report.pending_rows(), 200);
    drop(journal);

    // A new process: the journal says batches 0 and 1 are done and batch 2 was in flight.
    let mut journal = Journal::open(&path, &identity(&plan)).unwrap();
    let report = batch::run(&client(&sandbox, 3), &plan, &job(), &mut journal, |_| {})
        .await
        .unwrap();
    assert_eq!(report.applied_rows, 300);
    assert_eq!(
        report.requests, 4,
        "batch 2 re-sent once with its token, then batches 3, 4, 5"
    );
    assert_eq!(
        report.applied_with_lost_response, 1,
        "the server refused batch 2 as a repeat"
    );
    let counts = ledger_counts(&sandbox);
    assert_eq!(counts.len(), 300);
    assert!(counts.values().all(|&n| n == 1), "a row was written twice");

    // Running once more sends nothing.
    drop(journal);
    let mut journal = Journal::open(&path, &identity(&plan)).unwrap();
    let again = batch::run(&client(&sandbox, 3), &plan, &job(), &mut journal, |_| {})
        .await
        .unwrap();
    assert_eq!((again.requests, again.applied_rows), (0, 300));

    // The journal refuses another input, saying what it holds.
    drop(journal);
    let other = batch::plan(&job(), metrics(&rows(151))).unwrap();
    let err = Journal::open(&path, &identity(&other)).unwrap_err();
    match &err {
        OpenError::OtherInput { held, .. } => {
            assert_eq!((held.applied.len(), held.in_flight.len()), (300, 0))
        }
        other => panic!("{other}"),
    }
    assert!(
        err.to_string().contains("another input or other options"),
        "{err}"
    );
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_refusal_of_the_whole_run_stops_it_instead_of_failing_every_row() {
    let sandbox = sandbox("").await;
    let job = MetricImport(Options {
        semester_id: ids::SEMESTER_CLOSED.into(),
        ..options()
    });
    let plan = batch::plan(&job, metrics(&rows(60))).unwrap();
    let stopped = run_in_memory(&client(&sandbox, 3), &plan, &job)
        .await
        .unwrap_err();
    assert_eq!(stopped.error.code(), Some(1580309));
    assert_eq!(
        stopped.report.requests, 1,
        "no split: the deadline is not about rows"
    );
    assert!(stopped.report.rejected.is_empty());
}

#[tokio::test]
async fn supplementary_information_imports_through_the_same_engine() {
    let sandbox = sandbox("apply_drop,500@0.2").await;
    let info = |reviewee: &str, external: &str, n: usize| {
        format!(",{external},{reviewee},业绩补充说明,2024-Q3,第 {n} 条")
    };
    let mut rows: Vec<String> = (0..30)
        .map(|n| info(&open_id(n), &format!("crm-{n}"), n))
        .collect();
    // Unknown reviewee (1580111) and outside the data scope (1580112), in the middle: lines 12 and 22.
    rows.insert(10, info("ou_nobody", "", 100));
    rows.insert(20, info(&open_id(Seed::OUT_OF_SCOPE.start), "", 101));
    let job = InformationImport(Options {
        semester_id: ids::SEMESTER_2.into(),
        batch_size: 1000,
        ..options()
    });
    let plan = batch::plan(&job, table::<InformationImport>(&rows)).unwrap();
    assert_eq!(plan.batches(), 1);
    let report = run_in_memory(&client(&sandbox, 10), &plan, &job)
        .await
        .unwrap();
    let refused = refused(&report);
    assert_eq!(
        refused,
        [(vec![12], Some(1580111)), (vec![22], Some(1580112))]
    );
    assert_eq!(report.applied_rows, 30);
    let written: usize = sandbox.ledger().iter().map(|e| e.rows.len()).sum();
    assert_eq!(written, 30, "each item written once");

    // Importing the same file again updates the same items (by external_id): still 30 items.
    let again: Vec<String> = (0..30)
        .map(|n| info(&open_id(n), &format!("crm-{n}"), n))
        .collect();
    let again = batch::plan(&job, table::<InformationImport>(&again)).unwrap();
    run_in_memory(&client(&sandbox, 10), &again, &job)
        .await
        .unwrap();
    let items: std::collections::HashSet<String> = sandbox
        .ledger()
        .iter()
        .flat_map(|e| e.rows.iter().map(|r| r["item_id"].to_string()))
        .collect();
    assert_eq!(items.len(), 30);
}

/// One row per reviewee, for reviewees 10..10+n: each row a unit of its own.
fn one_row_each(n: usize) -> Vec<String> {
    (10..10 + n)
        .map(|r| row(r, ids::METRIC, ids::FIELD_NUMBER, &r.to_string()))
        .collect()
}

/// Issue figure: a file of 100 rows all refused for the same reason (open_ids sent
/// as `--user-id-type user_id`: 1580306 for every row) cost 198 requests by plain
/// bisection; it now stops after 5 and names the likely cause.
#[tokio::test]
async fn an_all_refused_file_stops_within_five_requests_and_names_the_cause() {
    let sandbox = sandbox("").await;
    let job = MetricImport(Options {
        user_id_type: Some("user_id".into()),
        ..options()
    });
    let plan = batch::plan(&job, metrics(&one_row_each(100))).unwrap();
    assert_eq!(plan.batches(), 2);
    let path = std::env::temp_dir().join(format!("feishu-perf-stop-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let identity = |plan: &batch::Plan| Identity {
        fingerprint: plan.fingerprint.clone(),
        server: Server::new(&sandbox.base_url(), APP_ID, None),
    };
    let mut journal = Journal::open(&path, &identity(&plan)).unwrap();
    let stopped = batch::run(&client(&sandbox, 3), &plan, &job, &mut journal, |_| {})
        .await
        .unwrap_err();
    assert_eq!(stopped.report.requests, 5, "one request, then four probes");
    println!(
        "all-refused file of 100 rows: {} requests",
        stopped.report.requests
    );
    let cause = stopped.likely_cause.as_deref().unwrap();
    assert!(
        cause.contains("1580306") && cause.contains("--user-id-type user_id"),
        "{cause}"
    );
    // The probes were spread across the first request (units 0, 12, 25, 37: lines 2, 14, 27, 39).
    assert_eq!(
        refused(&stopped.report),
        [2, 14, 27, 39].map(|l| (vec![l], Some(1580306)))
    );
    assert_eq!(stopped.report.applied_rows, 0);
    assert!(sandbox.ledger().is_empty());
    drop(journal);

    // Resuming the same run unchanged stops again at once, without a request.
    let mut journal = Journal::open(&path, &identity(&plan)).unwrap();
    let again = batch::run(&client(&sandbox, 3), &plan, &job, &mut journal, |_| {})
        .await
        .unwrap_err();
    assert_eq!(again.report.requests, 0);
    assert!(again.likely_cause.is_some());
    std::fs::remove_file(&path).unwrap();

    // The same rows with the right id type all land: 2 requests.
    let plan = batch::plan(&job_default(), metrics(&one_row_each(100))).unwrap();
    let report = run_in_memory(&client(&sandbox, 3), &plan, &job_default())
        .await
        .unwrap();
    assert_eq!((report.requests, report.applied_rows), (2, 100));
}

fn job_default() -> MetricImport {
    job()
}

/// A few refused rows among many cost a bounded number of requests beyond the
/// n/50 the import needs, and never trip the early stop.
#[tokio::test]
async fn isolating_a_few_refused_rows_costs_a_small_multiple_of_their_number() {
    let sandbox = sandbox("").await;
    let mut rows = one_row_each(200);
    // Three reviewees outside the data scope (1580112), spread out, the first in the first request.
    for (n, at) in [7, 100, 180].into_iter().enumerate() {
        rows[at] = row(
            Seed::OUT_OF_SCOPE.start + n,
            ids::METRIC,
            ids::FIELD_NUMBER,
            "1",
        );
    }
    let plan = batch::plan(&job(), metrics(&rows)).unwrap();
    assert_eq!(plan.batches(), 4);
    let report = run_in_memory(&client(&sandbox, 3), &plan, &job())
        .await
        .unwrap();
    assert_eq!(
        refused(&report),
        [9, 102, 182].map(|l| (vec![l], Some(1580112)))
    );
    assert_eq!(report.applied_rows, 197);
    let k = 3;
    println!("3 refused among 200 rows: {} requests", report.requests);
    assert!(
        report.requests <= plan.batches() + 14 * k,
        "{} requests",
        report.requests
    );
}

#[test]
fn which_refusals_blame_rows_is_each_endpoints_fact() {
    use feishu_perf::Refuses::{Request, Run, Unit};
    use feishu_perf_cli::okr_jobs::OkrItemBatchUpdate;
    let unit = |codes: &[i64]| codes.iter().map(|&c| (c, Some(Unit))).collect::<Vec<_>>();
    // What the jobs once listed by hand, now read from each endpoint's error table.
    let mut metric = unit(&[
        1580102, 1580112, 1580301, 1580302, 1580303, 1580304, 1580305, 1580306, 1580307, 1580308,
        1580310, 1580311, 1580312,
    ]);
    metric.extend([
        (1580105, Some(Run)),
        (1580309, Some(Run)),
        (1580901, Some(Run)),
    ]);
    metric.extend([(1580101, None), (1580110, None), (99991663, None)]);
    for (code, expected) in metric {
        assert_eq!(batch::refusal::<MetricImport>(code), expected, "{code}");
    }
    let mut information = unit(&[1580111, 1580112, 1580201, 1580202, 1580203, 1580204]);
    // 1580102 is not in this page's error table: nothing is decided about it.
    information.extend([(1580102, None), (1580105, Some(Run)), (1580901, Some(Run))]);
    for (code, expected) in information {
        assert_eq!(
            batch::refusal::<InformationImport>(code),
            expected,
            "{code}"
        );
    }
    let mut okr = unit(&[1001003, 1001004, 1001006, 1001007]);
    okr.extend([
        (1001001, Some(Request)),
        (1001002, Some(Run)),
        (1000403, Some(Run)),
    ]);
    okr.extend([(1001005, None), (1009999, None), (99991672, Some(Run))]);
    for (code, expected) in okr {
        assert_eq!(
            batch::refusal::<OkrItemBatchUpdate>(code),
            expected,
            "{code}"
        );
    }
}
