//! The webhook as an axum route (`events-axum`).

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::{ReceivedEvent, Webhook};

/// A router answering `POST path` with `webhook`, handing each first delivery to `on_event`.
pub fn route<F, Fut, E>(path: &str, webhook: Arc<Webhook>, on_event: F) -> Router
where
    F: Fn(ReceivedEvent) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: std::fmt::Display + Send,
{
    Router::new().route(
        path,
        post(move |headers: HeaderMap, body: Bytes| {
            let webhook = webhook.clone();
            let on_event = on_event.clone();
            async move {
                let (answer, _) = webhook.handle(&headers, &body, on_event).await;
                let status = StatusCode::from_u16(answer.status)
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let response: Response = (
                    status,
                    [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                    answer.body,
                )
                    .into_response();
                response
            }
        }),
    )
}
