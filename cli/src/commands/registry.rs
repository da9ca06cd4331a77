//! Any endpoint by its id, with its parameters as text and JSON: what the
//! look-ups, the exports, `information delete` and `call` send through. The
//! registry `cargo xtask codegen` emits builds each endpoint's typed request
//! from the input and validates it; the client sends it through its one path.

use feishu_perf::registry::{self, CallInput, RegistryEntry};
use feishu_perf::{Client, EndpointDescriptor, Error};
use serde_json::Value;

use crate::exit::Failure;

/// The input of a call: path and query parameters as text, the body as JSON.
pub type Input = CallInput;

/// An input with no parameters but `user_id_type`, when given.
pub fn input(user_id_type: Option<&str>) -> Input {
    match user_id_type {
        Some(kind) => CallInput::new().query("user_id_type", kind),
        None => CallInput::new(),
    }
}

/// The endpoint with this id.
pub fn entry(id: &str) -> Option<&'static RegistryEntry> {
    registry::find(id)
}

/// The descriptor of the endpoint with this id.
pub fn descriptor(id: &str) -> Option<&'static EndpointDescriptor> {
    entry(id).map(|e| e.descriptor)
}

/// The largest page size of a list endpoint, when its page gives one.
pub fn max_page_size(id: &str) -> Option<u64> {
    descriptor(id)?.pagination?.max_page_size
}

/// Whether `name` is a query parameter of the endpoint (else it goes in the body).
pub fn is_query_parameter(id: &str, name: &str) -> bool {
    entry(id).is_some_and(|e| e.query_params.iter().any(|p| p.name == name))
}

/// The failure for an id that names no endpoint.
pub fn unknown(id: &str) -> Failure {
    Failure::usage(format!("no endpoint `{id}`")).hint("`feishu-perf call --list` lists them")
}

/// Sends one request; the response's `data`.
pub async fn send(client: &Client, id: &str, input: Input) -> Result<Value, Error> {
    client.send_json(id, &input).await
}

/// Every item of every page of a list endpoint; for one that does not page,
/// the items (in the response field `items`) of its one answer.
pub async fn list_all(
    client: &Client,
    id: &str,
    items: &str,
    input: Input,
) -> Result<Vec<Value>, Error> {
    if entry(id).is_some_and(RegistryEntry::paginates) {
        return client.send_json_all_pages(id, &input).await;
    }
    let mut data = client.send_json(id, &input).await?;
    Ok(match data.get_mut(items).map(Value::take) {
        Some(Value::Array(all)) => all,
        _ => Vec::new(),
    })
}
