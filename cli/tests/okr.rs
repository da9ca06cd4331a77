//! The OKR imports against the sandbox: v1 metric items through batch_update
//! (100 of one table a request, each failed item reported against its row,
//! every item landed under faults, a resume from the journal), and v2
//! indicators patched through the binary and read back through its look-up.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{against, dir, json, text};
use feishu_perf::{Client, Pacing, RetryPolicy};
use feishu_perf_cli::batch::{self, Job};
use feishu_perf_cli::input::{Table, parse_table};
use feishu_perf_cli::journal::{Identity, Journal, Server};
use feishu_perf_cli::okr_jobs::OkrItemBatchUpdate;
use feishu_sandbox::seed::{APP_ID, APP_SECRET, ids, okr};
use feishu_sandbox::{Config, Sandbox, Seed};

const BATCH_UPDATE: &str = "okr.v1.metric_source_table_item.batch_update";
/// The big table's id and its first item.
const BIG_TABLE: &str = "7041857032248419999";
const FIRST: u64 = 7_100_000_000_000_000_000;

/// A sandbox whose source has a third table of 1,000 items.
async fn sandbox(faults: &str) -> Sandbox {
    let mut seed = Seed::fixture();
    seed.okr_sources[0]
        .tables
        .push(okr::metric_table(BIG_TABLE, "全国", FIRST, 1000));
    Sandbox::start(Config {
        seed,
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

fn table(rows: &[String]) -> Table {
    let header: Vec<&str> = OkrItemBatchUpdate::COLUMNS.iter().map(|c| c.name).collect();
    let text = format!("{}\n{}\n", header.join(","), rows.join("\n"));
    parse_table("okr.csv", &text, OkrItemBatchUpdate::COLUMNS).unwrap()
}

/// A row setting item `FIRST + n` of the big table to `n + 0.5`.
fn big_row(n: u64) -> String {
    format!("{},{BIG_TABLE},{},,,{}.5,", ids::OKR_SOURCE, FIRST + n, n)
}

/// Each item's current value as the sandbox now holds it, through the item list.
async fn current_values(client: &Client, table: &str) -> HashMap<String, f64> {
    use feishu_perf::okr::v1::ListMetricSourceTableItemRequest;
    use futures::StreamExt;
    let request = ListMetricSourceTableItemRequest::new(ids::OKR_SOURCE, table);
    let mut stream = std::pin::pin!(client.paginate(request));
    let mut values = HashMap::new();
    while let Some(item) = stream.next().await {
        let item = item.unwrap();
        values.insert(
            item.metric_item_id.unwrap(),
            item.metric_current_value.unwrap(),
        );
    }
    values
}

#[tokio::test]
async fn a_thousand_items_of_one_table_take_ten_requests() {
    let sandbox = sandbox("").await;
    let rows: Vec<String> = (0..1000).map(big_row).collect();
    let job = OkrItemBatchUpdate::default();
    let plan = batch::plan(&job, table(&rows)).unwrap();
    assert_eq!(plan.batches(), 10);
    let client = client(&sandbox);
    let report = batch::run(&client, &plan, &job, &mut Journal::in_memory(), |_| {})
        .await
        .unwrap();
    assert_eq!((report.requests, report.applied_rows), (10, 1000));
    assert_eq!(sandbox.stats().api_requests.get(BATCH_UPDATE), Some(&10));
    let values = current_values(&client, BIG_TABLE).await;
    assert!((0..1000).all(|n| values[&(FIRST + n).to_string()] == n as f64 + 0.5));
}

#[tokio::test]
async fn items_of_different_tables_never_share_a_request() {
    let item = |table: &str, id: &str| format!("{},{table},{id},,,7,", ids::OKR_SOURCE);
    // Interleaved: table 1, table 2, table 1, table 2, the big table.
    let rows = vec![
        item(ids::OKR_TABLE, ids::OKR_ITEM),
        item(ids::OKR_TABLE_2, "7041857032248410200"),
        item(ids::OKR_TABLE, "7041857032248410132"),
        item(ids::OKR_TABLE_2, "7041857032248410201"),
        big_row(0),
    ];
    let job = OkrItemBatchUpdate {
        batch_size: 100,
        ..OkrItemBatchUpdate::default()
    };
    let plan = batch::plan(&job, table(&rows)).unwrap();
    assert_eq!(plan.batches(), 3, "one request a table");
    let sandbox = sandbox("").await;
    let report = batch::run(
        &client(&sandbox),
        &plan,
        &job,
        &mut Journal::in_memory(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.applied_rows, 5, "{:?}", report.rejected);
    let tables: Vec<(String, usize)> = sandbox
        .ledger()
        .iter()
        .map(|e| {
            (
                e.rows[0]["metric_table_id"].as_str().unwrap().to_owned(),
                e.rows.len(),
            )
        })
        .collect();
    assert_eq!(
        tables,
        [
            (ids::OKR_TABLE.to_owned(), 2),
            (ids::OKR_TABLE_2.to_owned(), 2),
            (BIG_TABLE.to_owned(), 1)
        ]
    );
}

/// Under every fault (a response dropped after the write included), each good
/// item ends with its value and each bad one is reported against its row; a
/// re-sent request only repeats a request the engine sent (the endpoint takes
/// no client_token: the same absolute values, written again).
#[tokio::test]
async fn every_item_lands_under_faults_and_each_failed_item_is_reported_on_its_row() {
    let sandbox =
        sandbox("apply_drop,ok,500,ok,drop,ok,exception,ok,502,ok,apply_drop,ok,504,ok,truncate")
            .await;
    let mut rows: Vec<String> = (0..450).map(big_row).collect();
    // Line 452: an item that does not exist; line 453: start equals target.
    rows.push(format!("{},{BIG_TABLE},404,,,1,", ids::OKR_SOURCE));
    rows.push(format!(
        "{},{BIG_TABLE},{},5,5,,",
        ids::OKR_SOURCE,
        FIRST + 999
    ));
    let job = OkrItemBatchUpdate::default();
    let plan = batch::plan(&job, table(&rows)).unwrap();
    assert_eq!(plan.batches(), 5);
    let dir = dir("okr-faults");
    let journal_path = dir.join("okr.journal");
    let client = client(&sandbox);
    let identity = Identity {
        fingerprint: plan.fingerprint.clone(),
        server: Server::new(&sandbox.base_url(), APP_ID, None),
    };
    let mut journal = Journal::open(&journal_path, &identity).unwrap();
    let report = batch::run(&client, &plan, &job, &mut journal, |_| {})
        .await
        .unwrap_or_else(|e| panic!("{e:?} {:?}", sandbox.stats()));
    assert_eq!(report.applied_rows, 450);
    let rejected: Vec<(Vec<u64>, Option<i64>, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.lines.clone(), r.code, r.reason.as_str()))
        .collect();
    assert_eq!(
        rejected,
        [
            (vec![452], None, "not applied: OKR data not found."),
            (
                vec![453],
                None,
                "not applied: start value equals target value"
            )
        ]
    );
    let values = current_values(&client, BIG_TABLE).await;
    assert!((0..450).all(|n| values[&(FIRST + n).to_string()] == n as f64 + 0.5));
    assert_eq!(
        values[&(FIRST + 999).to_string()],
        0.0,
        "the refused item is unchanged"
    );
    // Every good item is in the ledger; an entry seen twice is the same request re-sent whole.
    let ledger = sandbox.ledger();
    let mut entries: Vec<&Vec<serde_json::Value>> = ledger.iter().map(|e| &e.rows).collect();
    entries.dedup();
    let written: Vec<u64> = entries
        .iter()
        .flat_map(|rows| rows.iter())
        .map(|r| {
            r["metric_item_id"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                - FIRST
        })
        .collect();
    assert_eq!(
        written,
        (0..450).collect::<Vec<u64>>(),
        "each item once, in order"
    );
    assert!(sandbox.stats().faults.contains_key("apply_drop"));

    // Resumed from its journal: nothing is sent again, the same outcome is reported.
    let before = sandbox.stats().api_requests[BATCH_UPDATE];
    drop(journal);
    let mut journal = Journal::open(&journal_path, &identity).unwrap();
    let again = batch::run(&client, &plan, &job, &mut journal, |_| {})
        .await
        .unwrap();
    assert_eq!((again.requests, again.applied_rows), (0, 450));
    assert_eq!(
        again
            .rejected
            .iter()
            .map(|r| r.lines.clone())
            .collect::<Vec<_>>(),
        [vec![452], vec![453]]
    );
    assert_eq!(sandbox.stats().api_requests[BATCH_UPDATE], before);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An indicator patched through `okr import --kind indicators` is read back
/// changed through `okr indicators list`; a v1 file's failed item is reported
/// against its row in the rejects file.
#[test]
fn an_indicator_patched_through_the_cli_is_read_back_through_the_look_up() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime.block_on(sandbox(""));
    let base = sandbox.base_url();
    let dir = dir("okr-cli");
    let file = dir.join("indicators.csv");
    std::fs::write(
        &file,
        format!(
            "indicator_id,current_value,target_value,indicator_status,unit_value\n{},52.5,80,1,分\n",
            okr::INDICATOR
        ),
    )
    .unwrap();
    let args = ["okr", "import", "--kind", "indicators", "--format", "json"];
    let out = against(&base, &[&args[..], &[file.to_str().unwrap()]].concat());
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(json(&out)["applied"], 1);
    let list = |format| {
        let args = ["okr", "indicators", "list", "--key-result", okr::KEY_RESULT];
        against(&base, &[&args[..], &["--format", format]].concat())
    };
    let out = list("json");
    assert!(out.status.success(), "{}", text(&out));
    let indicator = &json(&out)[0];
    assert_eq!(
        (
            indicator["id"].as_str(),
            indicator["current_value"].as_f64(),
            indicator["target_value"].as_f64(),
            indicator["indicator_status"].as_i64(),
            indicator["unit"]["unit_value"].as_str()
        ),
        (
            Some(okr::INDICATOR),
            Some(52.5),
            Some(80.0),
            Some(1),
            Some("分")
        )
    );
    let out = list("csv");
    assert!(
        text(&out).contains(&format!(
            "{},{},40.0,80.0,52.5,1",
            okr::INDICATOR,
            okr::KEY_RESULT
        )),
        "{}",
        text(&out)
    );

    // v1: the failed item's row, with Feishu's reason, in the rejects file.
    let items = dir.join("items.csv");
    std::fs::write(
        &items,
        format!(
            "metric_source_id,metric_table_id,metric_item_id,metric_initial_value,metric_target_value,metric_current_value,supported_user_id\n\
             {s},{t},{i},,,42,\n{s},{t},{i2},9,9,,\n",
            s = ids::OKR_SOURCE,
            t = ids::OKR_TABLE,
            i = ids::OKR_ITEM,
            i2 = "7041857032248410132"
        ),
    )
    .unwrap();
    let out = against(
        &base,
        &["okr", "import", "--format", "json", items.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let result = json(&out);
    assert_eq!(
        (result["applied"].as_u64(), result["requests"].as_u64()),
        (Some(1), Some(1))
    );
    let rejects = std::fs::read_to_string(result["rejects_file"].as_str().unwrap()).unwrap();
    assert!(
        rejects.starts_with('\u{feff}'),
        "the byte-order mark comes first"
    );
    assert!(
        rejects
            .trim_end()
            .ends_with(",3,,not applied: start value equals target value"),
        "{rejects}"
    );
    let out = against(
        &base,
        &[
            "okr",
            "items",
            "get",
            "--source",
            ids::OKR_SOURCE,
            "--table",
            ids::OKR_TABLE,
            "--item",
            ids::OKR_ITEM,
            "--format",
            "json",
        ],
    );
    assert_eq!(
        json(&out)[0]["metric_current_value"],
        42.0,
        "{}",
        text(&out)
    );
    std::fs::remove_dir_all(&dir).unwrap();
    drop(runtime);
}
