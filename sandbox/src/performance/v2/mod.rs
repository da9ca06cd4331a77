//! `/open-apis/performance/v2/...`, one module per resource.

use std::sync::{Arc, Mutex};

use axum::Router;

use crate::state::State;

pub(crate) mod additional_information;
pub(crate) mod metric_detail;
pub(crate) mod review_template;

/// Every route of performance v2.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new()
        .merge(metric_detail::routes())
        .merge(additional_information::routes())
        .merge(review_template::routes())
}
