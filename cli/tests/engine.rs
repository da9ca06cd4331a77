//! The batch engine against the sandbox: every row applied exactly once or
//! reported, under faults, across an interruption and a resume.

use std::collections::HashMap;
use std::time::Duration;

use feishu_perf::{Client, Error, Pacing, RetryPolicy};
use feishu_perf_cli::batch::{self, Options};
use feishu_perf_cli::jobs::{InformationImport, InformationRow, MetricImport, MetricRow};
use feishu_perf_cli::journal::Journal;
use feishu_sandbox::seed::{APP_ID, APP_SECRET, ids, open_id};
use feishu_sandbox::{Config, Sandbox, Seed};

async fn sandbox(faults: &str) -> Sandbox {
    Sandbox::start(Config {
        rate_window: Duration::from_millis(1),
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

fn row(line: u64, reviewee: usize, metric: &str, field: &str, value: &str) -> MetricRow {
    MetricRow {
        line,
        reviewee_user_id: open_id(reviewee),
        metric_id: metric.into(),
        field_id: field.into(),
        field_value: Some(value.into()),
        field_value_person: None,
    }
}

/// Two rows per reviewee (two metrics), for reviewees 10..10+n (clear of the fixture's admin value).
fn rows(n: usize) -> Vec<MetricRow> {
    let mut rows = Vec::new();
    for r in 10..10 + n {
        rows.push(row(
            rows.len() as u64 + 2,
            r,
            ids::METRIC,
            ids::FIELD_NUMBER,
            &r.to_string(),
        ));
        rows.push(row(
            rows.len() as u64 + 2,
            r,
            ids::METRIC_2,
            "7283776005142675482",
            "1",
        ));
    }
    rows
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
    plan: &batch::Plan<J::Row>,
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
    let plan = batch::plan(&job(), rows(220)).unwrap();
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
    // Outside the app's data scope (1580112), and text in a number field (1580301), in the middle of batches.
    rows.insert(
        30,
        row(
            1000,
            Seed::OUT_OF_SCOPE.start,
            ids::METRIC,
            ids::FIELD_NUMBER,
            "1",
        ),
    );
    rows.insert(
        150,
        row(
            1001,
            Seed::REVIEWEES - 1 - 10,
            ids::METRIC,
            ids::FIELD_NUMBER,
            "not a number",
        ),
    );
    let plan = batch::plan(&job(), rows).unwrap();
    let report = run_in_memory(&client(&sandbox, 3), &plan, &job())
        .await
        .unwrap();
    let refused = refused(&report);
    assert_eq!(
        refused,
        [(vec![1000], Some(1580112)), (vec![1001], Some(1580301))]
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
    let plan = batch::plan(&job(), rows(150)).unwrap();
    assert_eq!(plan.batches(), 6);
    let path =
        std::env::temp_dir().join(format!("feishu-perf-journal-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);

    let mut journal = Journal::open(&path, &plan.fingerprint).unwrap();
    let stopped = batch::run(&client(&sandbox, 3), &plan, &job(), &mut journal, |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(stopped.error, Error::Api(ref api) if api.code == 1580101),
        "{}",
        stopped.error
    );
    assert_eq!(stopped.report.applied_rows, 100, "two batches of 50 rows");
    assert_eq!(stopped.report.pending_rows(), 200);
    drop(journal);

    // A new process: the journal says batches 0 and 1 are done and batch 2 was in flight.
    let mut journal = Journal::open(&path, &plan.fingerprint).unwrap();
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
    let mut journal = Journal::open(&path, &plan.fingerprint).unwrap();
    let again = batch::run(&client(&sandbox, 3), &plan, &job(), &mut journal, |_| {})
        .await
        .unwrap();
    assert_eq!((again.requests, again.applied_rows), (0, 300));

    // The journal refuses another input.
    let other = batch::plan(&job(), rows(151)).unwrap();
    let err = Journal::open(&path, &other.fingerprint).unwrap_err();
    assert!(err.contains("belongs to another input"), "{err}");
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_refusal_of_the_whole_run_stops_it_instead_of_failing_every_row() {
    let sandbox = sandbox("").await;
    let job = MetricImport(Options {
        semester_id: ids::SEMESTER_CLOSED.into(),
        ..options()
    });
    let plan = batch::plan(&job, rows(60)).unwrap();
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
    let info = |line: u64, reviewee: usize, external: Option<&str>| InformationRow {
        line,
        item_id: None,
        external_id: external.map(str::to_owned),
        reviewee_user_id: open_id(reviewee),
        item: "业绩补充说明".into(),
        time: "2024-Q3".into(),
        detailed_description: format!("第 {line} 行"),
    };
    let mut rows: Vec<InformationRow> = (0..30)
        .map(|n| info(n as u64 + 2, n, Some(&format!("crm-{n}"))))
        .collect();
    // Unknown reviewee (1580111) and outside the data scope (1580112), in the middle.
    rows.insert(10, info(100, 0, None));
    rows[10].reviewee_user_id = "ou_nobody".into();
    rows.insert(20, info(101, Seed::OUT_OF_SCOPE.start, None));
    let job = InformationImport(Options {
        semester_id: ids::SEMESTER_2.into(),
        batch_size: 1000,
        ..options()
    });
    let plan = batch::plan(&job, rows).unwrap();
    assert_eq!(plan.batches(), 1);
    let report = run_in_memory(&client(&sandbox, 10), &plan, &job)
        .await
        .unwrap();
    let refused = refused(&report);
    assert_eq!(
        refused,
        [(vec![100], Some(1580111)), (vec![101], Some(1580112))]
    );
    assert_eq!(report.applied_rows, 30);
    let written: usize = sandbox.ledger().iter().map(|e| e.rows.len()).sum();
    assert_eq!(written, 30, "each item written once");

    // Importing the same file again updates the same items (by external_id): still 30 items.
    let again = batch::plan(
        &job,
        (0..30)
            .map(|n| info(n as u64 + 2, n, Some(&format!("crm-{n}"))))
            .collect(),
    )
    .unwrap();
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

#[tokio::test]
async fn okr_progress_updates_each_item_once_and_reports_refusals() {
    use feishu_perf_cli::jobs::{OkrItemRow, OkrItemUpdate};
    let sandbox = sandbox("drop,apply_drop").await;
    let item = |line: u64, id: &str, current: &str| OkrItemRow {
        line,
        metric_source_id: ids::OKR_SOURCE.into(),
        metric_table_id: ids::OKR_TABLE.into(),
        metric_item_id: id.into(),
        metric_initial_value: None,
        metric_target_value: None,
        metric_current_value: Some(current.into()),
        supported_user_id: None,
    };
    let first: u64 = ids::OKR_ITEM.parse().unwrap();
    let mut rows: Vec<OkrItemRow> = (0..4)
        .map(|n| {
            item(
                n + 2,
                &(first + n).to_string(),
                &format!("{}", 10 * (n + 1)),
            )
        })
        .collect();
    rows.push(item(10, "1", "5")); // unknown item: 1001004
    rows.push(item(11, &(first + 4).to_string(), "lots")); // not a number: refused before sending
    let mut equal = item(12, &(first + 4).to_string(), "1");
    (equal.metric_initial_value, equal.metric_target_value) = (Some("7".into()), Some("7".into())); // 1001006
    rows.push(equal);
    let job = OkrItemUpdate::default();
    let plan = batch::plan(&job, rows).unwrap();
    assert_eq!(plan.batches(), 6);
    let report = run_in_memory(&client(&sandbox, 5), &plan, &job)
        .await
        .unwrap();
    let refused = refused(&report);
    assert_eq!(
        refused,
        [
            (vec![10], Some(1001004)),
            (vec![11], None),
            (vec![12], Some(1001006))
        ]
    );
    assert_eq!(report.applied_rows, 4);
    // The PATCH sets absolute values: the retried apply_drop wrote the same values twice, harmlessly.
    let written: Vec<f64> = sandbox
        .ledger()
        .iter()
        .map(|e| e.rows[0]["metric_current_value"].as_f64().unwrap())
        .collect();
    let mut distinct = written.clone();
    distinct.dedup();
    assert_eq!(distinct, [10.0, 20.0, 30.0, 40.0]);
}

#[test]
fn which_refusals_blame_rows_is_each_endpoints_fact() {
    use feishu_perf::Refuses::{Request, Run, Unit};
    use feishu_perf_cli::jobs::OkrItemUpdate;
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
        assert_eq!(batch::refusal::<OkrItemUpdate>(code), expected, "{code}");
    }
}
