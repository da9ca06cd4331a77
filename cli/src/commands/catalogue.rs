//! What a semester's key metrics are, read for a person: each reviewee's
//! assigned metrics with every field and its current value
//! (`metric_detail.query`), each field's name and type
//! (`metric_field.query`), and who fills each field of a metric
//! (`metric_lib.query`'s `input_setting`). Reads only.

use std::collections::HashMap;

use feishu_perf::Error;
use serde_json::{Value, json};

use super::export::{IDS_A_QUERY, person};
use super::registry;

const REVIEWEES: &str = "performance.v2.reviewee.query";
pub(super) const METRIC_DETAILS: &str = "performance.v2.metric_detail.query";
const METRIC_FIELDS: &str = "performance.v2.metric_field.query";
const METRIC_LIBS: &str = "performance.v2.metric_lib.query";

/// One field of one reviewee's metric, with its current value.
#[derive(Debug, Clone)]
pub struct FieldValue {
    /// The reviewee.
    pub reviewee: String,
    /// The metric.
    pub metric_id: String,
    /// The metric's name in the reviewee's details.
    pub metric_name: String,
    /// The field.
    pub field_id: String,
    /// The value, empty when none was entered.
    pub value: String,
    /// A person field's value.
    pub person: String,
}

/// A field's name and type (`text`, `number`, `pencentage`, `person`).
#[derive(Debug, Clone, Default)]
pub struct FieldInfo {
    /// The name, in Chinese when there is one.
    pub name: String,
    /// The type, in the page's words.
    pub kind: String,
}

/// Every reviewee of `semester` (every page of `reviewee.query`).
pub async fn reviewees(
    client: &registry::Counting<'_>,
    semester: &str,
    user_id_type: Option<&str>,
) -> Result<Vec<String>, Error> {
    let input = registry::input(user_id_type).body(json!({ "semester_id": semester }));
    let input = registry::with_page_size(REVIEWEES, input, None);
    let reviewees = registry::list_all(client, REVIEWEES, "reviewees", input).await?;
    Ok(reviewees
        .iter()
        .map(|r| person(&r["reviewee_user_id"]))
        .filter(|id| !id.is_empty())
        .collect())
}

/// Every field of every metric assigned to `reviewees`, 50 reviewees a request.
pub async fn values(
    client: &registry::Counting<'_>,
    semester: &str,
    reviewees: &[String],
    user_id_type: Option<&str>,
) -> Result<Vec<FieldValue>, Error> {
    let mut out = Vec::new();
    for chunk in reviewees.chunks(IDS_A_QUERY) {
        let input = registry::input(user_id_type)
            .body(json!({ "semester_id": semester, "reviewee_user_ids": chunk }));
        let data = registry::send(client, METRIC_DETAILS, input).await?;
        for metric in data["reviewee_metrics"].as_array().into_iter().flatten() {
            let reviewee = person(&metric["reviewee_user_id"]);
            let details = &metric["metric_details"];
            let metric_id = details["metric_id"].as_str().unwrap_or_default();
            let metric_name = text(&details["name"]);
            for field in details["fields"].as_array().into_iter().flatten() {
                out.push(FieldValue {
                    reviewee: reviewee.clone(),
                    metric_id: metric_id.to_owned(),
                    metric_name: metric_name.clone(),
                    field_id: field["field_id"].as_str().unwrap_or_default().to_owned(),
                    value: field["field_value"].as_str().unwrap_or_default().to_owned(),
                    person: person(&field["field_value_person"]),
                });
            }
        }
    }
    Ok(out)
}

/// The names and types of `fields`, 50 a request.
pub async fn fields(
    client: &registry::Counting<'_>,
    fields: &[&str],
) -> Result<HashMap<String, FieldInfo>, Error> {
    let mut ids: Vec<&str> = fields.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::new();
    for chunk in ids.chunks(IDS_A_QUERY) {
        let input = registry::input(None).body(json!({ "field_ids": chunk }));
        let items = registry::list_all(client, METRIC_FIELDS, "items", input).await?;
        for item in items {
            let id = item["field_id"].as_str().unwrap_or_default().to_owned();
            let info = FieldInfo {
                name: text(&item["name"]),
                kind: item["type"].as_str().unwrap_or_default().to_owned(),
            };
            out.insert(id, info);
        }
    }
    Ok(out)
}

/// Who fills each field of each metric of the library (`admin`,
/// `data_source_inputter`, `reviewee`), by (metric, field).
pub async fn input_settings(
    client: &registry::Counting<'_>,
) -> Result<HashMap<(String, String), String>, Error> {
    let input = registry::input(None).body(json!({}));
    let input = registry::with_page_size(METRIC_LIBS, input, None);
    let metrics = registry::list_all(client, METRIC_LIBS, "items", input).await?;
    let mut out = HashMap::new();
    for metric in metrics {
        let metric_id = metric["metric_id"].as_str().unwrap_or_default();
        for field in metric["fields"].as_array().into_iter().flatten() {
            let field_id = field["field_id"].as_str().unwrap_or_default();
            let setting = field["input_setting"].as_str().unwrap_or_default();
            out.insert(
                (metric_id.to_owned(), field_id.to_owned()),
                setting.to_owned(),
            );
        }
    }
    Ok(out)
}

/// A name: a string, or an i18n object (`zh_cn`, then `en_us`, then any).
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(map) => ["zh_cn", "en_us"]
            .iter()
            .find_map(|k| {
                map.get(*k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            })
            .or_else(|| map.values().find_map(Value::as_str))
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}
