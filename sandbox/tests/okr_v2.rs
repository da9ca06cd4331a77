//! OKR v2: a user's cycles, their objectives, key results and indicators,
//! and the indicator PATCH, read back by the indicator lists; the SDK's
//! rules of the PATCH.

mod common;

use common::*;
use feishu_sandbox::Seed;
use feishu_sandbox::seed::okr::*;
use feishu_sandbox::seed::open_id;
use reqwest::Method;
use serde_json::{Value, json};

const V2: &str = "/open-apis/okr/v2";

async fn patch(sandbox: &feishu_sandbox::Sandbox, token: &str, id: &str, body: Value) -> Reply {
    api(
        sandbox,
        token,
        Method::PATCH,
        &format!("{V2}/indicators/{id}"),
        body,
    )
    .await
}

fn ids(data: &Value) -> Vec<&str> {
    data["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_way_from_a_user_to_an_indicator() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = get(
        &sandbox,
        &token,
        &format!("{V2}/cycles?user_id={}", open_id(1)),
    )
    .await;
    assert_shape(&example!("okr.v2.cycle.list.response"), &reply.json());
    assert_eq!(ids(&data(&reply)), [CYCLE, CYCLE_EARLIER]);
    // The same user by user_id, and owners rendered as user_id.
    let user = &Seed::fixture().users[1];
    let data_by_user_id = data(
        &get(
            &sandbox,
            &token,
            &format!("{V2}/cycles?user_id={}&user_id_type=user_id", user.user_id),
        )
        .await,
    );
    assert_eq!(ids(&data_by_user_id), [CYCLE, CYCLE_EARLIER]);
    assert_eq!(
        data_by_user_id["items"][0]["owner"]["user_id"],
        user.user_id.as_str()
    );
    // A user the tenant does not have has no cycles.
    assert_eq!(
        ids(&data(
            &get(&sandbox, &token, &format!("{V2}/cycles?user_id=ou_nobody")).await
        )),
        Vec::<&str>::new()
    );

    let reply = get(&sandbox, &token, &format!("{V2}/cycles/{CYCLE}/objectives")).await;
    assert_shape(
        &example!("okr.v2.cycle_objective.list.response"),
        &reply.json(),
    );
    assert_eq!(ids(&data(&reply)), [OBJECTIVE, OBJECTIVE_2]);
    let reply = get(
        &sandbox,
        &token,
        &format!("{V2}/objectives/{OBJECTIVE}/key_results"),
    )
    .await;
    assert_shape(
        &example!("okr.v2.objective_key_result.list.response"),
        &reply.json(),
    );
    assert_eq!(ids(&data(&reply)), [KEY_RESULT, KEY_RESULT_2]);

    let reply = get(
        &sandbox,
        &token,
        &format!("{V2}/objectives/{OBJECTIVE}/indicators"),
    )
    .await;
    assert_shape(
        &example!("okr.v2.objective_indicator.list.response"),
        &reply.json(),
    );
    let objective = data(&reply)["indicator"].clone();
    assert_eq!(
        (objective["id"].as_str(), objective["entity_type"].as_i64()),
        (Some(INDICATOR_OBJECTIVE), Some(2))
    );
    let reply = get(
        &sandbox,
        &token,
        &format!("{V2}/key_results/{KEY_RESULT}/indicators"),
    )
    .await;
    assert_shape(
        &example!("okr.v2.key_result_indicator.list.response"),
        &reply.json(),
    );
    assert_eq!(data(&reply)["indicator"]["id"], INDICATOR);

    // Pages of at most 100.
    let first = data(
        &get(
            &sandbox,
            &token,
            &format!("{V2}/cycles/{CYCLE}/objectives?page_size=1"),
        )
        .await,
    );
    assert_eq!(
        (ids(&first), first["has_more"].as_bool()),
        (vec![OBJECTIVE], Some(true))
    );
    let path = format!("{V2}/cycles?page_size=101");
    assert_error(&get(&sandbox, &token, &path).await, 200, 1001001);
    for path in [
        format!("{V2}/cycles/1/objectives"),
        format!("{V2}/objectives/1/key_results"),
        format!("{V2}/objectives/1/indicators"),
        format!("{V2}/key_results/1/indicators"),
    ] {
        assert_error(&get(&sandbox, &token, &path).await, 200, 1001004);
    }
}

#[tokio::test]
async fn a_patched_indicator_is_read_back_changed() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = patch(
        &sandbox,
        &token,
        INDICATOR,
        example!("okr.v2.indicator.patch.request"),
    )
    .await;
    assert_shape(&example!("okr.v2.indicator.patch.response"), &reply.json());
    let body = json!({"current_value": 52.5, "target_value": 80.0, "indicator_status": 1, "unit": {"unit_type": 1, "unit_value": "分"}});
    let changed = data(&patch(&sandbox, &token, INDICATOR, body).await)["indicator"].clone();
    let read = data(
        &get(
            &sandbox,
            &token,
            &format!("{V2}/key_results/{KEY_RESULT}/indicators"),
        )
        .await,
    )["indicator"]
        .clone();
    assert_eq!(read, changed);
    assert_eq!(
        (
            read["current_value"].as_f64(),
            read["target_value"].as_f64(),
            read["indicator_status"].as_i64(),
            read["unit"]["unit_value"].as_str()
        ),
        (Some(52.5), Some(80.0), Some(1), Some("分"))
    );
    let ledger = sandbox.ledger();
    assert_eq!(ledger.len(), 2);
    assert_eq!(ledger[1].endpoint, "okr.v2.indicator.patch");
    assert_eq!(ledger[1].rows[0]["current_value"], 52.5);
}

#[tokio::test]
async fn the_sdks_rules_of_the_patch_are_kept() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let refused = [
        // 不支持目标修改: an objective's start, target and unit.
        (INDICATOR_OBJECTIVE_2, json!({"start_value": 1.0})),
        (INDICATOR_OBJECTIVE_2, json!({"target_value": 1.0})),
        (
            INDICATOR_OBJECTIVE_2,
            json!({"unit": {"unit_value": "NONE"}}),
        ),
        // 目标仅支持 0、1；关键结果仅支持 0、2
        (
            INDICATOR_OBJECTIVE_2,
            json!({"current_value_calculate_type": 2}),
        ),
        (INDICATOR, json!({"current_value_calculate_type": 1})),
        // 目标仅支持 0、1、2；关键结果仅支持 0、1
        (INDICATOR, json!({"status_calculate_type": 2})),
        // A computed current value.
        (INDICATOR_OBJECTIVE, json!({"current_value": 3.0})),
        (
            INDICATOR,
            json!({"current_value_calculate_type": 2, "current_value": 3.0}),
        ),
        // A computed status.
        (
            INDICATOR,
            json!({"status_calculate_type": 1, "indicator_status": 2}),
        ),
        (INDICATOR, json!({"indicator_status": 3})),
        (INDICATOR, json!({"current_value": "3"})),
    ];
    for (id, body) in refused {
        let reply = patch(&sandbox, &token, id, body.clone()).await;
        assert_eq!(reply.code(), 1001001, "{id} {body}: {}", reply.text);
    }
    assert!(sandbox.ledger().is_empty(), "nothing refused was applied");
    assert_error(
        &patch(&sandbox, &token, "1", json!({"current_value": 1.0})).await,
        200,
        1001004,
    );
    let ok = patch(
        &sandbox,
        &token,
        INDICATOR_OBJECTIVE_2,
        json!({"current_value": 30.0, "status_calculate_type": 1}),
    )
    .await;
    assert_eq!(data(&ok)["indicator"]["current_value"], 30.0);
}
