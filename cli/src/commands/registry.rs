//! Any endpoint by its id, with its parameters as text and JSON: what the
//! look-ups, the exports, `information delete` and `call` send through. The
//! registry `cargo xtask codegen` emits builds each endpoint's typed request
//! from the input and validates it; the client sends it through its one path.

use std::sync::atomic::{AtomicUsize, Ordering};

use feishu_perf::registry::{
    self, CallError, CallInput, InputError, PagingTransport, RegistryEntry,
};
use feishu_perf::{ApiRequest, Client, EndpointDescriptor, Error, PaginatedRequest, Transport};
use futures::StreamExt;
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

/// Whether `name` is a path parameter of the endpoint.
pub fn is_path_parameter(id: &str, name: &str) -> bool {
    entry(id).is_some_and(|e| e.path_params.iter().any(|p| p.name == name))
}

/// Whether `name` is a query parameter of the endpoint (else it goes in the body).
pub fn is_query_parameter(id: &str, name: &str) -> bool {
    entry(id).is_some_and(|e| e.query_params.iter().any(|p| p.name == name))
}

/// The input with a page size where the endpoint takes one (query or body):
/// `size`, else the largest its page allows (fewer requests under the rate limit).
pub fn with_page_size(id: &str, mut input: Input, size: Option<i64>) -> Input {
    let largest = max_page_size(id).and_then(|m| i64::try_from(m).ok());
    let Some(size) = size.or(largest) else {
        return input;
    };
    if is_query_parameter(id, "page_size") {
        input.query.push(("page_size".into(), size.to_string()));
    } else {
        let body = input
            .body
            .get_or_insert_with(|| Value::Object(Default::default()));
        if let Some(fields) = body.as_object_mut() {
            fields.insert("page_size".into(), Value::from(size));
        }
    }
    input
}

/// The failure for an id that names no endpoint.
pub fn unknown(id: &str) -> Failure {
    Failure::usage(format!("no endpoint `{id}`")).hint("`feishu-perf call --list` lists them")
}

/// Sends one request; the response's `data`.
pub async fn send<T>(client: &T, id: &str, input: Input) -> Result<Value, Error>
where
    T: Transport<Error = Error>,
{
    registry::call(client, id, &input)
        .await
        .map_err(|e| call_error(id, e))
}

/// Every item of every page of a list endpoint; for one that does not page,
/// the items of its one answer: those in the response field `items` (an
/// object there is one item, and none is none), or, `items` empty, the
/// response's `data` itself.
pub async fn list_all<T>(
    client: &T,
    id: &str,
    items: &str,
    input: Input,
) -> Result<Vec<Value>, Error>
where
    T: PagingTransport<Error = Error>,
{
    if entry(id).is_some_and(RegistryEntry::paginates) {
        return registry::call_all_pages(client, id, &input)
            .await
            .map_err(|e| call_error(id, e));
    }
    let mut data = send(client, id, input).await?;
    let found = match items {
        "" => data,
        field => data.get_mut(field).map(Value::take).unwrap_or_default(),
    };
    Ok(match found {
        Value::Array(all) => all,
        Value::Null => Vec::new(),
        one => vec![one],
    })
}

/// A call by id that failed, as the client reports it: an input that makes
/// no valid request is a validation error, as from a typed call.
fn call_error(id: &str, error: CallError<Error>) -> Error {
    match error {
        CallError::Send(e) => e,
        CallError::Input(InputError::Invalid(errors)) => Error::Validation {
            endpoint: descriptor(id).map_or("", |d| d.id),
            errors,
        },
        CallError::Input(error) => Error::Input {
            endpoint: id.to_owned(),
            error,
        },
    }
}

/// The client, counting the requests it sends: each page of a walk is one.
/// What an export reports it did.
#[derive(Debug)]
pub struct Counting<'a> {
    client: &'a Client,
    requests: AtomicUsize,
}

impl<'a> Counting<'a> {
    /// Counts from zero.
    pub fn new(client: &'a Client) -> Self {
        Counting {
            client,
            requests: AtomicUsize::new(0),
        }
    }

    /// The requests answered so far (a retried request counts once).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
}

impl Transport for Counting<'_> {
    type Error = Error;

    async fn send<R: ApiRequest + 'static>(&self, request: R) -> Result<R::Response, Error> {
        let response = self.client.send(request).await?;
        self.count();
        Ok(response)
    }
}

impl PagingTransport for Counting<'_> {
    async fn all_items<R: PaginatedRequest + 'static>(
        &self,
        request: R,
    ) -> Result<Vec<R::Item>, Error>
    where
        R::Item: Send,
    {
        // The client's walk, which ends on a repeated page token or past the page budget.
        let mut pages = std::pin::pin!(self.client.pages(request));
        let mut items = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page?;
            self.count();
            items.extend(R::into_items(page));
        }
        Ok(items)
    }
}
