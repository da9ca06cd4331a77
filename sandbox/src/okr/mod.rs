//! The OKR endpoints, by version and resource as in `schema/okr/`, and what
//! their answers share: the OKR family's codes for a bad parameter (1001001)
//! and a missing record (1001004), `user_id_type`, and paging.
//!
//! Only doc 004 (the v1 PATCH) documents OKR codes. The v1 siblings and the
//! v2 endpoints have no error table in any source; the sandbox answers them
//! with those two codes of the family (HTTP 200, as doc 004 gives them): its
//! choice, not a documented fact.

use std::collections::HashMap;

use crate::endpoint::QueryMap;
use crate::pagination::Page;
use crate::state::{ApiError, IdKind};

pub(crate) mod v1;
pub(crate) mod v2;

/// `1001001 Invalid parameters`, naming the field.
pub(crate) fn invalid(field: &str, value: &str, why: &str) -> ApiError {
    ApiError::new(
        200,
        1001001,
        "Invalid parameters. Please check document and modify accordingly.",
    )
    .violation(field, value, why)
}

/// `1001004 OKR data not found` (an id of the path names nothing).
pub(crate) fn not_found() -> ApiError {
    ApiError::new(200, 1001004, "OKR data not found.")
}

/// The query string, or 1001001 when it does not parse.
pub(crate) fn query(q: &QueryMap) -> Result<&HashMap<String, String>, ApiError> {
    q.as_ref()
        .map(|q| &q.0)
        .map_err(|_| invalid("query", "", "malformed query string"))
}

/// `user_id_type`: `open_id` (the default), `union_id` or `user_id`; an empty
/// value reads as absent (doc 004's own example sends `user_id_type=`).
pub(crate) fn user_id_type(q: &HashMap<String, String>) -> Result<IdKind, ApiError> {
    let raw = q
        .get("user_id_type")
        .map(String::as_str)
        .filter(|v| !v.is_empty());
    IdKind::parse(raw, false)
        .ok_or_else(|| invalid("user_id_type", raw.unwrap_or(""), "unknown user_id_type"))
}

/// `page_size` (0..=`max`; 20 when absent) and `page_token` (one this sandbox issued).
pub(crate) fn page(q: &HashMap<String, String>, max: usize) -> Result<Page, ApiError> {
    let size = q.get("page_size").map(String::as_str);
    let token = q.get("page_token").map(String::as_str);
    Page::parse(size, token, 0, max).map_err(|_| match Page::parse(size, None, 0, max) {
        Ok(_) => invalid(
            "page_token",
            token.unwrap_or(""),
            "not a page token of this list",
        ),
        Err(_) => invalid(
            "page_size",
            size.unwrap_or(""),
            &format!("must be 0..={max}"),
        ),
    })
}
