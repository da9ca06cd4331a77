//! OKR v1 with pages: periods and period rules, a user's OKRs and their
//! batch read, progress records (created, read back through the OKR that
//! holds their target, updated, deleted) and reviews; one world with OKR v2
//! (an OKR is a user's v2 cycle, its objectives and key results the v2 ones).

mod common;

use common::*;
use feishu_sandbox::seed::okr::{CYCLE, KEY_RESULT, OBJECTIVE};
use feishu_sandbox::seed::okr_v1::*;
use feishu_sandbox::seed::open_id;
use reqwest::Method;
use serde_json::{Value, json};

const V1: &str = "/open-apis/okr/v1";

fn progress_body(target: &str, target_type: i64, text: &str) -> Value {
    json!({"source_title": "周报系统", "source_url": "https://example.com/weekly",
        "target_id": target, "target_type": target_type,
        "content": {"blocks": [{"type": "paragraph", "paragraph": {"elements": [
            {"type": "textRun", "textRun": {"text": text}}]}}]},
        "progress_rate": {"percent": 42.5, "status": 1}})
}

/// The ids of the progress records of key result `target` in OKR `okr`, as
/// batch_get lists them (an objective and a key result may share an id).
async fn records_of(
    sandbox: &feishu_sandbox::Sandbox,
    token: &str,
    okr: &str,
    target: &str,
) -> Vec<String> {
    let data = data(
        &get(
            sandbox,
            token,
            &format!("{V1}/okrs/batch_get?okr_ids={okr}"),
        )
        .await,
    );
    let objectives = data["okr_list"][0]["objective_list"].as_array().unwrap();
    let found = objectives
        .iter()
        .flat_map(|o| o["kr_list"].as_array().unwrap())
        .find(|x| x["id"] == target)
        .expect("the key result is in the OKR");
    found["progress_record_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_progress_record_lives_and_dies_with_the_okr_that_lists_it() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert!(
        records_of(&sandbox, &token, CYCLE, KEY_RESULT)
            .await
            .is_empty()
    );
    let created = data(
        &post(
            &sandbox,
            &token,
            &format!("{V1}/progress_records"),
            progress_body(KEY_RESULT, 3, "NPS 52"),
        )
        .await,
    );
    let id = created["progress_id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["progress_rate"],
        json!({"percent": 42.5, "status": 1})
    );
    assert_eq!(
        records_of(&sandbox, &token, CYCLE, KEY_RESULT).await,
        vec![id.clone()]
    );
    // The key result's rate is its latest record's, the percent an integer as the page types it.
    let okr = data(
        &get(
            &sandbox,
            &token,
            &format!("{V1}/okrs/batch_get?okr_ids={CYCLE}"),
        )
        .await,
    );
    let kr = &okr["okr_list"][0]["objective_list"][0]["kr_list"][0];
    assert_eq!(kr["progress_rate"], json!({"percent": 43, "status": "1"}));
    // No client_token: the same body twice makes two records.
    post(
        &sandbox,
        &token,
        &format!("{V1}/progress_records"),
        progress_body(KEY_RESULT, 3, "NPS 52"),
    )
    .await;
    assert_eq!(
        records_of(&sandbox, &token, CYCLE, KEY_RESULT).await.len(),
        2
    );

    let read = data(&get(&sandbox, &token, &format!("{V1}/progress_records/{id}")).await);
    assert_eq!(read["content"], created["content"]);
    let updated = data(
        &api(
            &sandbox,
            &token,
            Method::PUT,
            &format!("{V1}/progress_records/{id}"),
            json!({"content": {"blocks": []}}),
        )
        .await,
    );
    assert_eq!(updated["content"], json!({"blocks": []}));
    assert_eq!(
        updated["progress_rate"], created["progress_rate"],
        "a rate left out is kept"
    );
    data(
        &api(
            &sandbox,
            &token,
            Method::DELETE,
            &format!("{V1}/progress_records/{id}"),
            json!({}),
        )
        .await,
    );
    assert_error(
        &get(&sandbox, &token, &format!("{V1}/progress_records/{id}")).await,
        400,
        1001004,
    );
    assert_eq!(
        records_of(&sandbox, &token, CYCLE, KEY_RESULT).await.len(),
        1
    );
    let ledger = sandbox.ledger();
    assert_eq!(ledger.len(), 4, "two creates, an update, a delete");
}

#[tokio::test]
async fn a_progress_record_breaking_a_rule_of_its_page_is_refused() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let path = format!("{V1}/progress_records");
    let mut cases = Vec::new();
    for (member, value) in [
        ("source_url", json!("ftp://x")),
        ("source_url_pc", json!("open.feishu.cn")),
        ("target_type", json!(4)),
        ("content", json!("text")),
        ("progress_rate", json!({"status": 3})),
        ("progress_rate", json!({"percent": 1e12})),
        ("source_title", Value::Null),
    ] {
        let mut body = progress_body(OBJECTIVE, 2, "x");
        body[member] = value;
        if body[member].is_null() {
            body.as_object_mut().unwrap().remove(member);
        }
        cases.push(body);
    }
    for body in cases {
        assert_error(&post(&sandbox, &token, &path, body).await, 400, 1001001);
    }
    // An objective's id given as a key result's names nothing.
    assert_error(
        &post(
            &sandbox,
            &token,
            &path,
            progress_body(OBJECTIVE_CREATE_EXAMPLE, 3, "x"),
        )
        .await,
        400,
        1001004,
    );
    assert!(sandbox.ledger().is_empty());
}

#[tokio::test]
async fn a_users_okrs_are_their_v2_cycles() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let user = open_id(1);
    let data = data(
        &get(
            &sandbox,
            &token,
            &format!("{V1}/users/{user}/okrs?offset=0&limit=10"),
        )
        .await,
    );
    assert_eq!(data["total"], 2);
    let okrs = data["okr_list"].as_array().unwrap();
    assert_eq!(okrs[0]["id"], CYCLE, "newest period first");
    assert_eq!(okrs[0]["period_id"], PERIOD);
    assert_eq!(okrs[0]["name"], "2025 年 10 月 - 2025 年 12 月");
    assert_eq!(okrs[0]["objective_list"][0]["id"], OBJECTIVE);
    assert_eq!(okrs[0]["objective_list"][0]["kr_list"][0]["id"], KEY_RESULT);
    let filtered = common::data(
        &get(
            &sandbox,
            &token,
            &format!("{V1}/users/{user}/okrs?offset=0&limit=10&period_ids={PERIOD_EARLIER}"),
        )
        .await,
    );
    assert_eq!(filtered["okr_list"].as_array().unwrap().len(), 1);
    let none = common::data(
        &get(
            &sandbox,
            &token,
            &format!("{V1}/users/{user}/okrs?offset=1&limit=0"),
        )
        .await,
    );
    assert_eq!(
        (
            none["total"].clone(),
            none["okr_list"].as_array().unwrap().len()
        ),
        (json!(2), 0)
    );
    assert_error(
        &get(
            &sandbox,
            &token,
            &format!("{V1}/users/{user}/okrs?offset=0&limit=11"),
        )
        .await,
        400,
        1001001,
    );
    assert_error(
        &get(&sandbox, &token, &format!("{V1}/users/{user}/okrs?limit=1")).await,
        400,
        1001001,
    );
    assert_error(
        &get(
            &sandbox,
            &token,
            &format!("{V1}/users/ou_nobody/okrs?offset=0&limit=1"),
        )
        .await,
        400,
        1001003,
    );
    assert_error(
        &get(&sandbox, &token, &format!("{V1}/okrs/batch_get?okr_ids=1")).await,
        400,
        1001004,
    );
    let eleven: String = (0..11).map(|_| format!("okr_ids={CYCLE}&")).collect();
    assert_error(
        &get(&sandbox, &token, &format!("{V1}/okrs/batch_get?{eleven}")).await,
        400,
        1001001,
    );
}

#[tokio::test]
async fn periods_are_made_by_their_rules_once() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let rules = data(&get(&sandbox, &token, &format!("{V1}/period_rules")).await);
    assert_eq!(rules["period_rules"].as_array().unwrap().len(), 3);
    let path = format!("{V1}/periods");
    let made = data(
        &post(
            &sandbox,
            &token,
            &path,
            json!({"period_rule_id": RULE_QUARTER, "start_month": "2026-01"}),
        )
        .await,
    );
    assert_eq!(
        (made["start_month"].as_str(), made["end_month"].as_str()),
        (Some("2026-01"), Some("2026-03"))
    );
    assert_error(
        &post(
            &sandbox,
            &token,
            &path,
            json!({"period_rule_id": RULE_QUARTER, "start_month": "2026-01"}),
        )
        .await,
        400,
        1001008,
    );
    assert_error(
        &post(
            &sandbox,
            &token,
            &path,
            json!({"period_rule_id": RULE_QUARTER, "start_month": "2026-02"}),
        )
        .await,
        400,
        1001009,
    );
    assert_error(
        &post(
            &sandbox,
            &token,
            &path,
            json!({"period_rule_id": "1", "start_month": "2026-01"}),
        )
        .await,
        400,
        1001004,
    );
    assert_error(
        &post(
            &sandbox,
            &token,
            &path,
            json!({"period_rule_id": RULE_MONTH, "start_month": "2026-13"}),
        )
        .await,
        400,
        1001001,
    );
    // Listed newest first, in pages (10 by default).
    let first = data(&get(&sandbox, &token, &format!("{path}?page_size=2")).await);
    assert_eq!(first["items"][0]["id"], made["period_id"]);
    assert_eq!(first["has_more"], true);
    let token_2 = first["page_token"].as_str().unwrap();
    let rest = data(
        &get(
            &sandbox,
            &token,
            &format!("{path}?page_size=10&page_token={token_2}"),
        )
        .await,
    );
    assert_eq!(rest["items"].as_array().unwrap().len(), 3);
    assert!(rest.get("page_token").is_none());
    let id = made["period_id"].as_str().unwrap();
    let patched = data(
        &api(
            &sandbox,
            &token,
            Method::PATCH,
            &format!("{path}/{id}"),
            json!({"status": 3}),
        )
        .await,
    );
    assert_eq!(patched, json!({"period_id": id, "status": 3}));
    assert_error(
        &api(
            &sandbox,
            &token,
            Method::PATCH,
            &format!("{path}/{id}"),
            json!({"status": 0}),
        )
        .await,
        400,
        1001001,
    );
    assert_error(
        &api(
            &sandbox,
            &token,
            Method::PATCH,
            &format!("{path}/1"),
            json!({"status": 1}),
        )
        .await,
        400,
        1001004,
    );
}

#[tokio::test]
async fn reviews_are_given_per_user_and_period_asked() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let user = open_id(1);
    let data = data(&get(&sandbox, &token, &format!("{V1}/reviews/query?user_ids={user}&period_ids={PERIOD}&period_ids={PERIOD_EARLIER}&user_id_type=open_id")).await);
    let list = data["review_list"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["user_id"]["open_id"], user.as_str());
    let periods = list[0]["review_period_list"].as_array().unwrap();
    assert_eq!(periods.len(), 1, "the earlier period has no review");
    assert_eq!(periods[0]["period_id"], PERIOD);
    assert_error(
        &get(
            &sandbox,
            &token,
            &format!("{V1}/reviews/query?user_ids={user}"),
        )
        .await,
        400,
        1001001,
    );
    let six: String = (0..6).map(|_| format!("user_ids={user}&")).collect();
    assert_error(
        &get(
            &sandbox,
            &token,
            &format!("{V1}/reviews/query?{six}period_ids={PERIOD}"),
        )
        .await,
        400,
        1001001,
    );
}
