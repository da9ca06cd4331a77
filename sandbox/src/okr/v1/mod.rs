//! `/open-apis/okr/v1/...`, one module per resource.

use std::sync::{Arc, Mutex};

use axum::Router;

use crate::state::State;

pub(crate) mod metric_source;
pub(crate) mod metric_source_table;
pub(crate) mod metric_source_table_item;

/// `page_size` of the metric-source lists: a string on the wire; no source
/// gives a bound, so any size is served.
pub(crate) const MAX_PAGE_SIZE: usize = i64::MAX as usize;

/// Every route of OKR v1.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new()
        .merge(metric_source::routes())
        .merge(metric_source_table::routes())
        .merge(metric_source_table_item::routes())
}
