//! `/open-apis/okr/v1/...`, one module per resource.
//!
//! The endpoints with a page (periods, period rules, OKRs, progress records,
//! reviews) answer their pages' codes with the pages' HTTP statuses (400 for
//! 1001001, 1001003 and 1001004); the metric-source family keeps doc 004's.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;

use crate::state::{ApiError, IdKind, State};

pub(crate) mod metric_source;
pub(crate) mod metric_source_table;
pub(crate) mod metric_source_table_item;
pub(crate) mod okr;
pub(crate) mod period;
pub(crate) mod period_rule;
pub(crate) mod progress_record;
pub(crate) mod review;
pub(crate) mod user_okr;

/// `page_size` of the metric-source lists: a string on the wire; no source
/// gives a bound, so any size is served.
pub(crate) const MAX_PAGE_SIZE: usize = i64::MAX as usize;

/// Every route of OKR v1.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new()
        .merge(metric_source::routes())
        .merge(metric_source_table::routes())
        .merge(metric_source_table_item::routes())
        .merge(okr::routes())
        .merge(user_okr::routes())
        .merge(period::routes())
        .merge(period_rule::routes())
        .merge(progress_record::routes())
        .merge(review::routes())
}

/// A query string whose parameters may repeat (`okr_ids=1&okr_ids=2`).
pub(crate) type QueryPairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// The parameters of a query string, in order; 1001001 when it does not parse.
pub(crate) fn pairs(q: &QueryPairs) -> Result<&[(String, String)], ApiError> {
    q.as_ref()
        .map(|q| q.0.as_slice())
        .map_err(|_| invalid("query", "", "malformed query string"))
}

/// The last value of `name`, if given.
pub(crate) fn one<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Every value of `name`, in order; at most `max` (1001001 beyond).
pub(crate) fn many<'a>(
    pairs: &'a [(String, String)],
    name: &str,
    max: usize,
) -> Result<Vec<&'a str>, ApiError> {
    let values: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect();
    if values.len() > max {
        return Err(invalid(
            name,
            &values.len().to_string(),
            &format!("at most {max} values"),
        ));
    }
    Ok(values)
}

/// The open_id of the user `id` names (read as `kind`): a user of the
/// tenant, or, by open_id, the owner of an OKR of the fixture (the pages'
/// example user `ou-asdasdasdasdasd` owns the example OKR).
pub(crate) fn okr_user(s: &State, kind: IdKind, id: &str) -> Option<String> {
    s.resolve_user(kind, id).or_else(|| {
        (kind == IdKind::Open
            && s.seed
                .okr_v2
                .cycles
                .iter()
                .any(|c| c["owner"]["user_id"] == id))
        .then(|| id.to_owned())
    })
}

/// `user_id_type` (`open_id`, `union_id`, `user_id`; `people_admin_id`
/// where the page lists it).
pub(crate) fn id_kind(pairs: &[(String, String)], people_admin: bool) -> Result<IdKind, ApiError> {
    let raw = one(pairs, "user_id_type").filter(|v| !v.is_empty());
    IdKind::parse(raw, people_admin)
        .ok_or_else(|| invalid("user_id_type", raw.unwrap_or(""), "unknown user_id_type"))
}

/// `lang`: `zh_cn` (the default) or `en_us`, the two values the pages name.
pub(crate) fn lang(pairs: &[(String, String)]) -> Result<(), ApiError> {
    match one(pairs, "lang") {
        None | Some("zh_cn" | "en_us") => Ok(()),
        Some(other) => Err(invalid("lang", other, "must be zh_cn or en_us")),
    }
}

/// `1001001 invalid parameters` (HTTP 400, as the pages give it), naming the field.
pub(crate) fn invalid(field: &str, value: &str, why: &str) -> ApiError {
    ApiError::new(400, 1001001, "invalid parameters").violation(field, value, why)
}

/// `1001004 okr data not found` (HTTP 400): an id names nothing.
pub(crate) fn not_found() -> ApiError {
    ApiError::new(400, 1001004, "okr data not found")
}

/// `1001003 user not found` (HTTP 400).
pub(crate) fn user_not_found() -> ApiError {
    ApiError::new(400, 1001003, "user not found")
}

/// Now, in milliseconds, as the pages write times.
pub(crate) fn now_millis() -> String {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
        .to_string()
}
