//! `/open-apis/okr/v1/...`, one module per resource.

use std::sync::{Arc, Mutex};

use axum::Router;

use crate::state::State;

pub(crate) mod metric_source_table_item;

/// Every route of OKR v1.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new().merge(metric_source_table_item::routes())
}
