//! The contract between generated request types and the runtime.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{EndpointDescriptor, ErrorCode, Validate};

/// A request to one endpoint: implemented by every generated `...Request`.
///
/// The runtime sends any `ApiRequest` through one path: it validates, builds the
/// URL from [`request_path`](Self::request_path) and [`query_pairs`](Self::query_pairs), serialises
/// [`json_body`](Self::json_body), and decodes the envelope's `data` into
/// [`Response`](Self::Response) or its `code` into [`ErrorCode`](Self::ErrorCode).
pub trait ApiRequest: Validate + Send + Sync {
    /// The JSON request body.
    type Body: Serialize + Send + Sync;
    /// The response's `data` object.
    type Response: DeserializeOwned + Send + 'static;
    /// The endpoint's error codes.
    type ErrorCode: ErrorCode;
    /// The endpoint.
    const DESCRIPTOR: &'static EndpointDescriptor;

    /// The path with its parameters filled in and percent-encoded.
    fn request_path(&self) -> String;
    /// The query parameters that are set, by wire name.
    fn query_pairs(&self) -> Vec<(&'static str, String)>;
    /// The body, for endpoints that take one.
    fn json_body(&self) -> Option<&Self::Body>;
    /// The `client_token`, for endpoints that take one.
    ///
    /// The trait's methods are named apart from the generated builder
    /// methods (`.body(..)`, `.client_token(..)`), which share the wire names.
    fn idempotency_token(&self) -> Option<&str> {
        None
    }
    /// Sets the `client_token`; does nothing for endpoints that take none.
    fn set_idempotency_token(&mut self, _token: String) {}
}

/// Something that sends requests: the runtime's client. The generated
/// service accessors (`client.performance().v2().metric_detail().import(..)`)
/// are written against this trait.
pub trait Transport: Sync {
    /// What a failed call returns.
    type Error: Send;
    /// Sends one request and returns the response's `data`.
    fn send<R: ApiRequest + 'static>(
        &self,
        request: R,
    ) -> impl std::future::Future<Output = Result<R::Response, Self::Error>> + Send;
}

/// A request to a list endpoint that pages with `page_token`.
pub trait PaginatedRequest: ApiRequest + Clone {
    /// One item of a page.
    type Item: Send + 'static;
    /// Sets the page to ask for (`None`: the first).
    fn set_page_token(&mut self, token: Option<String>);
    /// Sets the page size.
    fn set_page_size(&mut self, size: i64);
    /// The token of the next page, or `None` at the end.
    fn next_page_token(response: &Self::Response) -> Option<String>;
    /// The items of a page.
    fn into_items(response: Self::Response) -> Vec<Self::Item>;
}

/// The next page's token: present only while `has_more` is true and the token
/// is a non-empty string. An empty or missing token ends the walk even if
/// `has_more` says otherwise, so a walk can never loop on `""`.
pub fn next_page_token(has_more: Option<bool>, page_token: Option<&str>) -> Option<String> {
    match (has_more, page_token) {
        (Some(true), Some(token)) if !token.is_empty() => Some(token.to_owned()),
        _ => None,
    }
}

/// The `data` of an endpoint whose page documents none: any object is read as it, its
/// members skipped, and it is written as `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmptyResponse {}

impl serde::Serialize for EmptyResponse {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        serializer.serialize_struct("EmptyResponse", 0)?.end()
    }
}

impl<'de> crate::wire::FromMap<'de> for EmptyResponse {
    const NAME: &'static str = "EmptyResponse";
    const FIELDS: &'static [&'static str] = &[];

    fn from_map<A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        while map.next_key::<serde::de::IgnoredAny>()?.is_some() {
            crate::wire::skip_value(&mut map)?;
        }
        Ok(EmptyResponse {})
    }
}

impl<'de> serde::Deserialize<'de> for EmptyResponse {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::wire::deserialize_struct(deserializer)
    }
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
pub fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_token_ends_on_empty_missing_or_no_more() {
        assert_eq!(next_page_token(Some(true), Some("a")), Some("a".into()));
        assert_eq!(next_page_token(Some(true), Some("")), None);
        assert_eq!(next_page_token(Some(true), None), None);
        assert_eq!(next_page_token(Some(false), Some("a")), None);
        assert_eq!(next_page_token(None, Some("a")), None);
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(
            encode_path_segment("7041857032248410131"),
            "7041857032248410131"
        );
        assert_eq!(encode_path_segment("a/b c?"), "a%2Fb%20c%3F");
    }
}
