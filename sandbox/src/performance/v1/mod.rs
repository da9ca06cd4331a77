//! `/open-apis/performance/v1/...`, one module per resource.

use std::sync::{Arc, Mutex};

use axum::Router;

use crate::state::State;

pub(crate) mod review_data;
pub(crate) mod semester;
pub(crate) mod stage_task;

/// Every route of performance v1.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new()
        .merge(semester::routes())
        .merge(review_data::routes())
        .merge(stage_task::routes())
}
