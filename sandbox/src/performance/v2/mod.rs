//! `/open-apis/performance/v2/...`, one module per resource.

use std::sync::{Arc, Mutex};

use axum::Router;

use crate::state::State;

pub(crate) mod activity;
pub(crate) mod additional_information;
pub(crate) mod additional_informations_batch;
pub(crate) mod indicator;
pub(crate) mod metric_detail;
pub(crate) mod metric_field;
pub(crate) mod metric_lib;
pub(crate) mod metric_tag;
pub(crate) mod metric_template;
pub(crate) mod question;
pub(crate) mod review_data;
pub(crate) mod review_template;
pub(crate) mod reviewee;
pub(crate) mod user_group_user_rel;
pub(crate) mod user_info;

/// Every route of performance v2.
pub(crate) fn routes() -> Router<Arc<Mutex<State>>> {
    Router::new()
        .merge(activity::routes())
        .merge(additional_information::routes())
        .merge(additional_informations_batch::routes())
        .merge(indicator::routes())
        .merge(metric_detail::routes())
        .merge(metric_field::routes())
        .merge(metric_lib::routes())
        .merge(metric_tag::routes())
        .merge(metric_template::routes())
        .merge(question::routes())
        .merge(review_data::routes())
        .merge(review_template::routes())
        .merge(reviewee::routes())
        .merge(user_group_user_rel::routes())
        .merge(user_info::routes())
}
