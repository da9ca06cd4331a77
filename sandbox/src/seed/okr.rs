//! The OKR part of the fixture: the v1 metric sources' names (their tables
//! and items are built in [`Seed::fixture`](super::Seed::fixture)), and the v2
//! cycles, objectives, key results and indicators.
//!
//! v2 display data is kept as JSON in the shape of the Go SDK's models, with
//! each `owner.user_id` an open_id: the endpoint renders it for the request's
//! `user_id_type`. The ids of the schema's v2 examples name real records here
//! (the example cycle, the example objective, the example key result and its
//! indicator), so each example request is served.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::okr_v1 as v1;
use super::{OkrItem, OkrTable, open_id};

/// The cycle of the v2 examples (owned by user 1).
pub const CYCLE: &str = "7342342398472398471";
/// An earlier cycle of user 1, without objectives.
pub const CYCLE_EARLIER: &str = "7342342398472398481";
/// A cycle of user 2.
pub const CYCLE_OTHER: &str = "7342342398472398491";
/// The objective of the v2 examples, in [`CYCLE`]; its indicator's current value follows its key results.
pub const OBJECTIVE: &str = "7342342398472398473";
/// A second objective in [`CYCLE`], with a manual indicator.
pub const OBJECTIVE_2: &str = "7342342398472398474";
/// The objective of [`CYCLE_OTHER`].
pub const OBJECTIVE_OTHER: &str = "7342342398472398475";
/// The key result of the v2 examples, under [`OBJECTIVE`] (an id the SDK's
/// examples share with the objective: different resources, different ids spaces).
pub const KEY_RESULT: &str = "7342342398472398473";
/// A second key result under [`OBJECTIVE`].
pub const KEY_RESULT_2: &str = "7342342398472398476";
/// The key result under [`OBJECTIVE_2`].
pub const KEY_RESULT_3: &str = "7342342398472398477";
/// The indicator of the v2 PATCH example: [`KEY_RESULT`]'s, updated by hand.
pub const INDICATOR: &str = "7342342398472398473";
/// [`OBJECTIVE`]'s indicator (current value follows key results: type 1).
pub const INDICATOR_OBJECTIVE: &str = "7342342398472398500";
/// [`OBJECTIVE_2`]'s indicator (manual).
pub const INDICATOR_OBJECTIVE_2: &str = "7342342398472398501";
/// [`KEY_RESULT_2`]'s indicator.
pub const INDICATOR_KR_2: &str = "7342342398472398502";
/// [`KEY_RESULT_3`]'s indicator.
pub const INDICATOR_KR_3: &str = "7342342398472398503";

/// OKR v2 data.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OkrV2 {
    /// Users' cycles (`Cycle`).
    pub cycles: Vec<Value>,
    /// Objectives (`Objective`), each with its `cycle_id`.
    pub objectives: Vec<Value>,
    /// Key results (`KeyResult`), each with its `objective_id`.
    pub key_results: Vec<Value>,
    /// Quantitative indicators.
    pub indicators: Vec<OkrIndicator>,
}

/// One indicator and what it measures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OkrIndicator {
    /// Whether it belongs to a key result (else to an objective): the
    /// `entity_id` alone cannot say, ids of the two may coincide.
    pub of_key_result: bool,
    /// The `Indicator`, `entity_id` its objective's or key result's id.
    pub indicator: Value,
}

const CREATED: &str = "1760604634563";

/// User `user` of the fixture; 0 stands for the pages' example user.
fn owner(user: usize) -> Value {
    let id = if user == 0 {
        v1::USER_EXAMPLE.to_owned()
    } else {
        open_id(user)
    };
    json!({"owner_type": "user", "user_id": id})
}

/// Rich text of one paragraph of plain text.
fn text(s: &str) -> Value {
    json!({"blocks": [{"block_element_type": "paragraph", "paragraph": {"elements": [
        {"paragraph_element_type": "textRun", "text_run": {"text": s}}
    ]}}]})
}

/// A user's cycle of the tenant's cycle `period` (the v1 period of the same id).
fn cycle(id: &str, period: &str, user: usize, start: &str, end: &str, status: i64) -> Value {
    json!({"id": id, "create_time": CREATED, "update_time": CREATED, "tenant_cycle_id": period,
        "owner": owner(user), "start_time": start, "end_time": end, "cycle_status": status, "score": 0.5})
}

fn objective(id: &str, cycle: &str, user: usize, position: i64, content: &str) -> Value {
    json!({"id": id, "create_time": CREATED, "update_time": CREATED, "owner": owner(user), "cycle_id": cycle,
        "position": position, "content": text(content), "score": 0.5, "notes": text("季度重点"),
        "weight": 0.5, "deadline": "1767196799000", "category_id": "7342342398472398400"})
}

fn key_result(id: &str, objective: &str, user: usize, position: i64, content: &str) -> Value {
    json!({"id": id, "create_time": CREATED, "update_time": CREATED, "owner": owner(user),
        "objective_id": objective, "position": position, "content": text(content), "score": 0.3,
        "weight": 0.5, "deadline": "1767196799000"})
}

/// An indicator; `entity_type` 2 (objective, the SDK's `ToEntityTypeObjective`)
/// for an objective's, none for a key result's (no source gives that value).
fn indicator(
    id: &str,
    of_key_result: bool,
    entity: &str,
    user: usize,
    values: [f64; 3],
    current_type: i64,
) -> OkrIndicator {
    let mut indicator = json!({"id": id, "create_time": CREATED, "update_time": CREATED, "owner": owner(user),
        "entity_id": entity, "indicator_status": 0, "status_calculate_type": 0,
        "start_value": values[0], "target_value": values[1], "current_value": values[2],
        "current_value_calculate_type": current_type, "unit": {"unit_type": 0, "unit_value": "PERCENT"}});
    if !of_key_result {
        indicator["entity_type"] = json!(2);
    }
    OkrIndicator {
        of_key_result,
        indicator,
    }
}

/// The v2 fixture.
pub fn v2() -> OkrV2 {
    OkrV2 {
        cycles: vec![
            cycle(CYCLE, v1::PERIOD, 1, "1759248000000", "1767196799000", 1),
            cycle(
                CYCLE_EARLIER,
                v1::PERIOD_EARLIER,
                1,
                "1751299200000",
                "1759247999000",
                2,
            ),
            cycle(
                CYCLE_OTHER,
                v1::PERIOD,
                2,
                "1759248000000",
                "1767196799000",
                1,
            ),
            cycle(
                v1::OKR_EXAMPLE,
                v1::PERIOD_EXAMPLE,
                0,
                "1646064000000",
                "1648742399999",
                2,
            ),
        ],
        objectives: vec![
            objective(OBJECTIVE, CYCLE, 1, 1, "提升客户满意度"),
            objective(OBJECTIVE_2, CYCLE, 1, 2, "扩大华东市场"),
            objective(OBJECTIVE_OTHER, CYCLE_OTHER, 2, 1, "降低交付周期"),
            objective(v1::OBJECTIVE_EXAMPLE, v1::OKR_EXAMPLE, 0, 1, "需求@刘三"),
            objective(
                v1::OBJECTIVE_CREATE_EXAMPLE,
                v1::OKR_EXAMPLE,
                0,
                2,
                "周报按时提交",
            ),
        ],
        key_results: vec![
            key_result(KEY_RESULT, OBJECTIVE, 1, 1, "NPS 达到 60"),
            key_result(KEY_RESULT_2, OBJECTIVE, 1, 2, "投诉下降 30%"),
            key_result(KEY_RESULT_3, OBJECTIVE_2, 1, 1, "新签 20 家客户"),
            key_result(
                v1::KEY_RESULT_EXAMPLE,
                v1::OBJECTIVE_EXAMPLE,
                0,
                1,
                "1111@张三9",
            ),
        ],
        indicators: vec![
            indicator(INDICATOR, true, KEY_RESULT, 1, [40.0, 60.0, 45.0], 0),
            indicator(INDICATOR_KR_2, true, KEY_RESULT_2, 1, [0.0, 30.0, 12.0], 0),
            indicator(INDICATOR_KR_3, true, KEY_RESULT_3, 1, [0.0, 20.0, 5.0], 0),
            indicator(
                INDICATOR_OBJECTIVE,
                false,
                OBJECTIVE,
                1,
                [0.0, 100.0, 40.0],
                1,
            ),
            indicator(
                INDICATOR_OBJECTIVE_2,
                false,
                OBJECTIVE_2,
                1,
                [0.0, 100.0, 25.0],
                0,
            ),
        ],
    }
}

/// A v1 metric table `id` named `name` with `items` items (ids `first_item`,
/// `first_item + 1`, ...), every one started at 0 with a target of 100.
pub fn metric_table(id: &str, name: &str, first_item: u64, items: usize) -> OkrTable {
    OkrTable {
        metric_table_id: id.to_owned(),
        metric_table_name: name.to_owned(),
        period_id: "7139040982003302400".to_owned(),
        items: (0..items)
            .map(|n| OkrItem {
                metric_item_id: (first_item + n as u64).to_string(),
                user_id: open_id(10 + n % 50),
                period_id: "7139040982003302400".into(),
                metric_unit: json!({"zh_cn": "个", "en_us": "pcs", "ja_jp": "個"}),
                metric_initial_value: 0.0,
                metric_target_value: 100.0,
                metric_current_value: 0.0,
                supported_user_id: open_id(20 + n % 50),
                kr_id: format!("71390409820033024{:02}", n % 100),
                updated_at: "1663145941129".into(),
                updated_by: open_id(0),
            })
            .collect(),
    }
}
