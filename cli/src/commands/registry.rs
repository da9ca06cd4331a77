//! Any endpoint by its id, with its parameters as JSON: what the look-ups and
//! `call` send through. The descriptors come from the generated crate.

use feishu_perf::{ENDPOINTS, EndpointDescriptor};
use futures::StreamExt;
use serde_json::Value;

use super::Context;
use crate::exit::Failure;

/// A request's parameters, as the command line gives them.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// Query parameters, by wire name, in order (a name may repeat).
    pub query: Vec<(String, String)>,
    /// The JSON body.
    pub body: Option<Value>,
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
    descriptor(id)
        .is_some_and(|d| d.pagination.is_some() && matches!(name, "page_size" | "page_token"))
}

fn unknown(id: &str) -> Failure {
    Failure::usage(format!("no endpoint `{id}`")).hint("`feishu-perf call --list` lists them")
}

/// Every item of every page of a list endpoint.
pub async fn list_all(ctx: &Context, id: &str, input: Input) -> Result<Vec<Value>, Failure> {
    use feishu_perf::ApiRequest;
    use feishu_perf::performance::v2::{
        QueryReviewTemplateRequest, QueryReviewTemplateRequestBody,
    };
    let d = descriptor(id).ok_or_else(|| unknown(id))?;
    if d.id != QueryReviewTemplateRequest::DESCRIPTOR.id {
        return Err(unknown(id));
    }
    let mut request = QueryReviewTemplateRequest::new();
    for (name, value) in &input.query {
        if name == "page_size" {
            request = request.page_size(
                value
                    .parse()
                    .map_err(|e| Failure::usage(format!("page_size: {e}")))?,
            );
        }
    }
    if let Some(body) = input.body {
        let body: QueryReviewTemplateRequestBody =
            serde_json::from_value(body).map_err(|e| Failure::usage(format!("the body: {e}")))?;
        request = request.body(body);
    }
    let mut stream = std::pin::pin!(ctx.client()?.paginate(request));
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        let item = item.map_err(|e| Failure::from_sdk(&e, &ctx.base_url))?;
        items.push(serde_json::to_value(item).map_err(|e| Failure::usage(e.to_string()))?);
    }
    Ok(items)
}
