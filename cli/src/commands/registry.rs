//! Any endpoint by its id, with its parameters as JSON: what the look-ups,
//! the exports, `information delete` and `call` send through. The
//! descriptors come from the generated crate.

use feishu_perf::{ApiRequest, Client, ENDPOINTS, EndpointDescriptor, Error};
use futures::StreamExt;
use serde_json::Value;

use crate::exit::Failure;

/// A request's parameters, as the command line gives them.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// Path parameters, by name.
    pub path: Vec<(String, String)>,
    /// Query parameters, by wire name, in order (a name may repeat).
    pub query: Vec<(String, String)>,
    /// The JSON body.
    pub body: Option<Value>,
}

impl Input {
    /// No parameters but `user_id_type`, when given.
    pub fn new(user_id_type: Option<&str>) -> Input {
        let mut input = Input::default();
        if let Some(kind) = user_id_type {
            input.query.push(("user_id_type".into(), kind.to_owned()));
        }
        input
    }

    /// With this body.
    pub fn body(mut self, body: Value) -> Input {
        self.body = Some(body);
        self
    }
}

/// The endpoint with this id.
pub fn descriptor(id: &str) -> Option<&'static EndpointDescriptor> {
    ENDPOINTS.iter().copied().find(|d| d.id == id)
}

/// The largest page size of a list endpoint, when its page gives one.
pub fn max_page_size(id: &str) -> Option<u64> {
    descriptor(id)?.pagination?.max_page_size
}

/// Whether `name` is a query parameter of the endpoint (else it goes in the body).
pub fn is_query_parameter(id: &str, name: &str) -> bool {
    descriptor(id).is_some_and(|d| {
        d.pagination.is_some() && matches!(name, "page_size" | "page_token")
            || name == "user_id_type"
    })
}

/// The failure for an id that names no endpoint.
pub fn unknown(id: &str) -> Failure {
    Failure::usage(format!("no endpoint `{id}`")).hint("`feishu-perf call --list` lists them")
}

/// Sends one request; the response's `data`.
pub async fn send(client: &Client, id: &str, input: Input) -> Result<Value, Error> {
    let _ = (client, input);
    Err(Error::Config(format!("no endpoint `{id}`")))
}

/// Every item of every page of a list endpoint (for one that does not page:
/// the items of its one answer), and the requests it took.
pub async fn list_all(
    client: &Client,
    id: &str,
    items: &str,
    input: Input,
) -> Result<(Vec<Value>, usize), Error> {
    use feishu_perf::performance::v2::{
        QueryReviewTemplateRequest, QueryReviewTemplateRequestBody,
    };
    let _ = items;
    if id != QueryReviewTemplateRequest::DESCRIPTOR.id {
        return Err(Error::Config(format!("no endpoint `{id}`")));
    }
    let mut request = QueryReviewTemplateRequest::new();
    for (name, value) in &input.query {
        if name == "page_size" {
            let size = value
                .parse()
                .map_err(|e| Error::Config(format!("page_size: {e}")))?;
            request = request.page_size(size);
        }
    }
    if let Some(body) = input.body {
        let body: QueryReviewTemplateRequestBody =
            serde_json::from_value(body).map_err(|e| Error::Config(format!("the body: {e}")))?;
        request = request.body(body);
    }
    let mut pages = std::pin::pin!(client.pages(request));
    let (mut all, mut requests) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        requests += 1;
        let page = serde_json::to_value(page?).map_err(|e| Error::Config(e.to_string()))?;
        all.extend(
            page["review_templates"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
    }
    Ok((all, requests))
}
