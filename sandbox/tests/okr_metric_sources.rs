//! The OKR v1 metric-source family beside the PATCH: list sources, tables and
//! items, get an item, and batch_update (good items applied, the others in
//! `failed_items`), all served from one seed and read back consistently.

mod common;

use common::*;
use feishu_sandbox::seed::{ids::*, okr, open_id};
use feishu_sandbox::{Config, Seed};
use reqwest::Method;
use serde_json::{Value, json};

const SOURCES: &str = "/open-apis/okr/v1/metric_sources";

fn items(source: &str, table: &str) -> String {
    format!("{SOURCES}/{source}/tables/{table}/items")
}

async fn batch_update(
    sandbox: &feishu_sandbox::Sandbox,
    token: &str,
    table: &str,
    body: Value,
) -> Reply {
    let path = format!("{}/batch_update", items(OKR_SOURCE, table));
    api(sandbox, token, Method::PATCH, &path, body).await
}

fn item_id(n: u64) -> String {
    (OKR_ITEM.parse::<u64>().unwrap() + n).to_string()
}

#[tokio::test]
async fn sources_tables_and_items_are_listed_in_the_models_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;

    let reply = get(&sandbox, &token, SOURCES).await;
    assert_shape(
        &example!("okr.v1.metric_source.list.response"),
        &reply.json(),
    );
    let sources = data(&reply);
    assert_eq!(
        (sources["total"].as_u64(), sources["has_more"].as_bool()),
        (Some(1), Some(false))
    );
    assert_eq!(sources["items"][0]["metric_source_id"], OKR_SOURCE);
    assert_eq!(sources["items"][0]["metric_source_name"], "销售指标库");

    let reply = get(&sandbox, &token, &format!("{SOURCES}/{OKR_SOURCE}/tables")).await;
    assert_shape(
        &example!("okr.v1.metric_source_table.list.response"),
        &reply.json(),
    );
    let tables = data(&reply)["items"].clone();
    assert_eq!(tables[0]["metric_table_id"], OKR_TABLE);
    assert_eq!(tables[1]["metric_table_id"], OKR_TABLE_2);

    // page_size is a string in the SDKs; pages follow page_token.
    let first = data(
        &get(
            &sandbox,
            &token,
            &format!("{}?page_size=2", items(OKR_SOURCE, OKR_TABLE)),
        )
        .await,
    );
    assert_eq!(
        (first["total"].as_u64(), first["has_more"].as_bool()),
        (Some(5), Some(true))
    );
    let next = first["page_token"].as_str().unwrap();
    let rest = data(
        &get(
            &sandbox,
            &token,
            &format!(
                "{}?page_size=10&page_token={next}",
                items(OKR_SOURCE, OKR_TABLE)
            ),
        )
        .await,
    );
    let ids: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|i| i["metric_item_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, (0..5).map(item_id).collect::<Vec<_>>());
    assert_eq!(rest["has_more"], false);

    let reply = get(&sandbox, &token, &items(OKR_SOURCE, OKR_TABLE)).await;
    assert_shape(
        &example!("okr.v1.metric_source_table_item.list.response"),
        &reply.json(),
    );
    let reply = get(
        &sandbox,
        &token,
        &format!("{}/{OKR_ITEM}", items(OKR_SOURCE, OKR_TABLE)),
    )
    .await;
    assert_shape(
        &example!("okr.v1.metric_source_table_item.get.response"),
        &reply.json(),
    );
    assert_eq!(data(&reply)["user_id"], open_id(10).as_str());
}

#[tokio::test]
async fn unknown_ids_and_bad_parameters_are_the_okr_codes() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    for path in [
        format!("{SOURCES}/1/tables"),
        items(OKR_SOURCE, "1"),
        format!("{}/1", items(OKR_SOURCE, OKR_TABLE)),
    ] {
        assert_error(&get(&sandbox, &token, &path).await, 200, 1001004);
    }
    // An item of the other table.
    let other = format!("{}/7041857032248410200", items(OKR_SOURCE, OKR_TABLE));
    assert_error(&get(&sandbox, &token, &other).await, 400, 1001007);
    for query in [
        "?page_size=ten",
        "?page_size=-1",
        "?page_token=zz",
        "?user_id_type=email",
    ] {
        let path = format!("{}{query}", items(OKR_SOURCE, OKR_TABLE));
        assert_error(&get(&sandbox, &token, &path).await, 200, 1001001);
    }
}

#[tokio::test]
async fn batch_update_applies_the_good_items_and_reports_each_other_one() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let body = json!({"items": [
        {"metric_item_id": item_id(0), "metric_current_value": 55.5},
        {"metric_item_id": "1", "metric_current_value": 1.0},
        {"metric_item_id": item_id(1), "metric_initial_value": 7.0, "metric_target_value": 7.0},
        {"metric_item_id": "7041857032248410200", "metric_current_value": 1.0},
        {"metric_item_id": item_id(2), "supported_user_id": "ou_nobody"},
        {"metric_item_id": item_id(3), "metric_target_value": 120.0, "supported_user_id": open_id(3)},
    ]});
    let reply = batch_update(&sandbox, &token, OKR_TABLE, body).await;
    assert_shape(
        &example!("okr.v1.metric_source_table_item.batch_update.response"),
        &reply.json(),
    );
    let answer = data(&reply);
    let applied: Vec<&str> = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metric_item_id"].as_str().unwrap())
        .collect();
    assert_eq!(applied, [item_id(0), item_id(3)]);
    assert_eq!(
        answer["failed_items"],
        json!([
            {"metric_item_id": "1", "reason": "OKR data not found."},
            {"metric_item_id": item_id(1), "reason": "start value equals target value"},
            {"metric_item_id": "7041857032248410200", "reason": "table id match error"},
            {"metric_item_id": item_id(2), "reason": "User not found."},
        ])
    );
    // Read back changed, and only the applied ones.
    let read = |n| {
        let path = format!("{}/{}", items(OKR_SOURCE, OKR_TABLE), item_id(n));
        let (sandbox, token) = (&sandbox, &token);
        async move { common::data(&get(sandbox, token, &path).await) }
    };
    assert_eq!(read(0).await["metric_current_value"], 55.5);
    assert_eq!(read(1).await["metric_initial_value"], 0.0);
    assert_eq!(read(3).await["metric_target_value"], 120.0);
    assert_eq!(read(3).await["supported_user_id"], open_id(3).as_str());
    // One ledger entry, one row per applied item.
    let ledger = sandbox.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(
        ledger[0].endpoint,
        "okr.v1.metric_source_table_item.batch_update"
    );
    let rows: Vec<&str> = ledger[0]
        .rows
        .iter()
        .map(|r| r["metric_item_id"].as_str().unwrap())
        .collect();
    assert_eq!(rows, [item_id(0), item_id(3)]);
}

#[tokio::test]
async fn batch_update_refuses_a_request_over_100_items_or_malformed_as_a_whole() {
    let mut seed = Seed::fixture();
    seed.okr_sources[0].tables.push(okr::metric_table(
        "7041857032248419999",
        "大表",
        7_100_000_000_000_000_000,
        101,
    ));
    let sandbox = start_with(Config {
        seed,
        ..Config::default()
    })
    .await;
    let token = token(&sandbox).await;
    let many: Vec<Value> = (0..101u64)
        .map(|n| json!({"metric_item_id": (7_100_000_000_000_000_000u64 + n).to_string(), "metric_current_value": 1.0}))
        .collect();
    let reply = batch_update(
        &sandbox,
        &token,
        "7041857032248419999",
        json!({"items": many[..101]}),
    )
    .await;
    assert_error(&reply, 400, 1001005);
    let reply = batch_update(
        &sandbox,
        &token,
        "7041857032248419999",
        json!({"items": many[..100]}),
    )
    .await;
    assert_eq!(data(&reply)["items"].as_array().unwrap().len(), 100);

    let malformed = json!({"items": [
        {"metric_item_id": item_id(0), "metric_current_value": 3.0},
        {"metric_item_id": item_id(1), "metric_current_value": "3"},
    ]});
    assert_error(
        &batch_update(&sandbox, &token, OKR_TABLE, malformed).await,
        200,
        1001001,
    );
    let no_id = json!({"items": [{"metric_current_value": 3.0}]});
    assert_error(
        &batch_update(&sandbox, &token, OKR_TABLE, no_id).await,
        200,
        1001001,
    );
    assert_eq!(
        sandbox.ledger().len(),
        1,
        "only the request of 100 was applied"
    );
}

#[tokio::test]
async fn the_models_example_request_is_accepted() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = batch_update(
        &sandbox,
        &token,
        OKR_TABLE,
        example!("okr.v1.metric_source_table_item.batch_update.request"),
    )
    .await;
    // The model's item id is not in this tenant: reported, not applied.
    let answer = data(&reply);
    assert_eq!(
        answer["failed_items"][0]["metric_item_id"],
        "635782378412311"
    );
}
