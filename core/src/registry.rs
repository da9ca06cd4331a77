//! Every endpoint by its id, callable with JSON: the support for the
//! registry the generator emits (`feishu_perf_generated::registry`).
//!
//! A call names an endpoint (`performance.v1.semester.list`) and gives its
//! input as text and JSON ([`CallInput`]): path parameters and query
//! parameters as strings, the body as JSON. The registry builds the endpoint's
//! typed request from it ([`FromCallInput`], generated), so the input is
//! checked by the same types and the same `validate()` as a typed call, and
//! sends it wrapped in [`JsonRequest`], which answers the response's `data` as
//! a [`serde_json::Value`], through the runtime's one generic send path.
//! Nothing here knows any endpoint.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use serde_json::Value;

use crate::{
    ApiRequest, DocExamples, EndpointDescriptor, PaginatedRequest, Transport, Validate,
    ValidationErrors, next_page_token,
};

/// One endpoint of the registry: what a caller needs to know to call it by id.
/// Data only: the typed operations (`check`, `typed_body`, `typed_response`,
/// `call`) are the generated registry's functions, taking the id, so that
/// each endpoint's typed code is compiled only where it is used.
#[derive(Debug, Clone, Copy)]
pub struct RegistryEntry {
    /// Method, path, limits, scopes, pagination, error table.
    pub descriptor: &'static EndpointDescriptor,
    /// The page's examples.
    pub examples: &'static DocExamples,
    /// Path parameters, in the order of the path.
    pub path_params: &'static [ParamInfo],
    /// Query parameters, as the page lists them.
    pub query_params: &'static [ParamInfo],
    /// Whether the endpoint takes a JSON body.
    pub has_body: bool,
}

impl RegistryEntry {
    /// `service.version.resource.operation`.
    pub fn id(&self) -> &'static str {
        self.descriptor.id
    }

    /// Whether the endpoint pages (`--page-all` applies).
    pub fn paginates(&self) -> bool {
        self.descriptor.pagination.is_some()
    }
}

/// A path or query parameter of a registry entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamInfo {
    /// The wire name.
    pub name: &'static str,
    /// The schema's type (`string`, `integer`, `user_id_type`, `string[]`).
    pub ty: &'static str,
    /// Whether the page marks it required. A required `client_token` is filled
    /// in by the runtime when it is not given.
    pub required: bool,
    /// The documented values of an enumeration (open: others are refused by
    /// validation, not by parsing).
    pub values: &'static [&'static str],
    /// The page's example value, as text (a list's items joined by `,`).
    pub example: Option<&'static str>,
    /// The page's description.
    pub description: &'static str,
}

/// The input of a call by id: parameters as text, the body as JSON.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallInput {
    /// Path parameters by name.
    pub path: BTreeMap<String, String>,
    /// Query parameters, in order; a list parameter may repeat its key
    /// (`tag_ids=1`, `tag_ids=2`).
    pub query: Vec<(String, String)>,
    /// The JSON body, for endpoints that take one (`None`: an empty object).
    pub body: Option<Value>,
}

impl CallInput {
    /// An empty input.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a path parameter.
    pub fn path(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.path.insert(name.into(), value.into());
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Fails on a parameter the endpoint does not have.
    pub fn check_names(&self, path: &[&str], query: &[&str]) -> Result<(), InputError> {
        if let Some(name) = self.path.keys().find(|k| !path.contains(&k.as_str())) {
            return Err(InputError::UnknownParam {
                place: "path",
                name: name.clone(),
                known: path.join(", "),
            });
        }
        if let Some((name, _)) = self
            .query
            .iter()
            .find(|(k, _)| !query.contains(&k.as_str()))
        {
            return Err(InputError::UnknownParam {
                place: "query",
                name: name.clone(),
                known: query.join(", "),
            });
        }
        Ok(())
    }

    /// A required path parameter. An empty one is refused: the path would
    /// lose a segment and name another resource (or none).
    pub fn path_param(&self, name: &str) -> Result<String, InputError> {
        let value = self.path.get(name).ok_or(InputError::MissingParam {
            place: "path",
            name: name.to_owned(),
        })?;
        if value.trim().is_empty() {
            return Err(InputError::BadParam {
                name: name.to_owned(),
                value: value.clone(),
                reason: "empty; a path parameter names what the call is about".to_owned(),
            });
        }
        Ok(value.clone())
    }

    /// A required path parameter that is not a string, parsed by `parse`.
    pub fn path_param_as<T>(
        &self,
        name: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Result<T, InputError> {
        let text = self.path_param(name)?;
        parse(&text).map_err(|reason| InputError::BadParam {
            name: name.to_owned(),
            value: text,
            reason,
        })
    }

    /// A query parameter given at most once, parsed by `parse`.
    pub fn query_one<T>(
        &self,
        name: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, InputError> {
        let mut values = self.query.iter().filter(|(k, _)| k == name);
        let Some((_, first)) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(InputError::BadParam {
                name: name.to_owned(),
                value: first.clone(),
                reason: "given more than once; it takes one value".to_owned(),
            });
        }
        parse(first)
            .map(Some)
            .map_err(|reason| InputError::BadParam {
                name: name.to_owned(),
                value: first.clone(),
                reason,
            })
    }

    /// A required query parameter given once.
    pub fn query_required<T>(
        &self,
        name: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Result<T, InputError> {
        self.query_one(name, parse)?
            .ok_or_else(|| InputError::MissingParam {
                place: "query",
                name: name.to_owned(),
            })
    }

    /// A list query parameter: every value of its key, each parsed by `parse`
    /// (`None` when the key is absent).
    pub fn query_many<T>(
        &self,
        name: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Result<Option<Vec<T>>, InputError> {
        let values: Vec<&String> = self
            .query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v)
            .collect();
        if values.is_empty() {
            return Ok(None);
        }
        values
            .into_iter()
            .map(|v| {
                parse(v).map_err(|reason| InputError::BadParam {
                    name: name.to_owned(),
                    value: v.clone(),
                    reason,
                })
            })
            .collect::<Result<Vec<T>, _>>()
            .map(Some)
    }

    /// A required list query parameter.
    pub fn query_many_required<T>(
        &self,
        name: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Result<Vec<T>, InputError> {
        self.query_many(name, parse)?
            .ok_or_else(|| InputError::MissingParam {
                place: "query",
                name: name.to_owned(),
            })
    }

    /// The body decoded as the endpoint's body type; an absent body is `{}`.
    pub fn body_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, InputError> {
        let empty = Value::Object(Default::default());
        let value = self.body.as_ref().unwrap_or(&empty);
        serde_path_to_error::deserialize(value).map_err(|e| InputError::Body {
            path: e.path().to_string(),
            reason: e.into_inner().to_string(),
        })
    }

    /// Fails when a body is given to an endpoint that takes none.
    pub fn no_body(&self) -> Result<(), InputError> {
        match self.body {
            None => Ok(()),
            Some(_) => Err(InputError::UnexpectedBody),
        }
    }
}

/// Parses a string parameter (any text).
pub fn parse_string(text: &str) -> Result<String, String> {
    Ok(text.to_owned())
}

/// Parses an integer parameter.
pub fn parse_i64(text: &str) -> Result<i64, String> {
    text.trim().parse().map_err(|_| "not an integer".to_owned())
}

/// Parses a number parameter.
pub fn parse_f64(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n),
        _ => Err("not a finite number".to_owned()),
    }
}

/// Parses a boolean parameter (`true` or `false`).
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("not true or false".to_owned()),
    }
}

/// Parses an enumeration parameter: any text (an undocumented value is kept
/// and then refused by validation, which names the documented ones).
pub fn parse_enum<E: From<String>>(text: &str) -> Result<E, String> {
    Ok(E::from(text.to_owned()))
}

/// Why a call's input makes no request. Nothing was sent.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum InputError {
    /// No endpoint has this id.
    UnknownEndpoint {
        /// The id asked for.
        id: String,
    },
    /// A parameter the endpoint does not have.
    UnknownParam {
        /// `path` or `query`.
        place: &'static str,
        /// The name given.
        name: String,
        /// The endpoint's parameters there.
        known: String,
    },
    /// A required parameter is missing.
    MissingParam {
        /// `path` or `query`.
        place: &'static str,
        /// Its name.
        name: String,
    },
    /// A parameter's text is not a value of its type.
    BadParam {
        /// Its name.
        name: String,
        /// The text given.
        value: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The body does not decode as the endpoint's body type.
    Body {
        /// The JSON path of the offending value (`.` for the body itself).
        path: String,
        /// What is wrong there.
        reason: String,
    },
    /// A body was given to an endpoint that takes none.
    UnexpectedBody,
    /// Asked for every page of an endpoint that does not page.
    NotPaginated {
        /// The endpoint.
        id: String,
    },
    /// The request breaks documented rules.
    Invalid(ValidationErrors),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::UnknownEndpoint { id } => write!(f, "no endpoint `{id}`"),
            InputError::UnknownParam { place, name, known } if known.is_empty() => {
                write!(
                    f,
                    "unknown {place} parameter `{name}`: the endpoint takes none"
                )
            }
            InputError::UnknownParam { place, name, known } => {
                write!(f, "unknown {place} parameter `{name}` (known: {known})")
            }
            InputError::MissingParam { place, name } => {
                write!(f, "missing required {place} parameter `{name}`")
            }
            InputError::BadParam {
                name,
                value,
                reason,
            } => write!(f, "parameter `{name}={value}`: {reason}"),
            InputError::Body { path, reason } => write!(f, "body at `{path}`: {reason}"),
            InputError::UnexpectedBody => f.write_str("the endpoint takes no body"),
            InputError::NotPaginated { id } => {
                write!(
                    f,
                    "{id} does not page: call it without asking for every page"
                )
            }
            InputError::Invalid(errors) => write!(f, "{errors}"),
        }
    }
}

impl std::error::Error for InputError {}

/// A request type the registry can build from a [`CallInput`]: implemented by
/// the generator for every request type.
pub trait FromCallInput: ApiRequest + Sized {
    /// Builds the request: names checked, parameters parsed, body decoded.
    /// Validation is separate ([`build`]).
    fn from_call_input(input: &CallInput) -> Result<Self, InputError>;
}

/// Builds `R` from `input` and validates it.
pub fn build<R: FromCallInput>(input: &CallInput) -> Result<R, InputError> {
    let request = R::from_call_input(input)?;
    request.validate().map_err(InputError::Invalid)?;
    Ok(request)
}

/// Builds and validates `R` from `input`, sending nothing (a registry entry's `check`).
pub fn check<R: FromCallInput>(input: &CallInput) -> Result<(), InputError> {
    build::<R>(input).map(drop)
}

/// Decodes `value` as `T` and encodes it again; a value that does not decode
/// is reported with its JSON path.
pub fn retype<T: serde::de::DeserializeOwned + serde::Serialize>(
    value: &Value,
) -> Result<Value, InputError> {
    let typed: T = serde_path_to_error::deserialize(value).map_err(|e| InputError::Body {
        path: e.path().to_string(),
        reason: e.into_inner().to_string(),
    })?;
    serde_json::to_value(&typed).map_err(|e| InputError::Body {
        path: ".".to_owned(),
        reason: e.to_string(),
    })
}

/// Any request, answered with its response's `data` as JSON: the same
/// endpoint, path, query, body, validation and `client_token` as `R`.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonRequest<R>(pub R);

/// The response's `data` of a [`JsonRequest<R>`], as JSON. Decoding it checks
/// what walking `R`'s pages relies on, so that a malformed page is a decode
/// error rather than an empty or shortened list: `data` is an object, and
/// its items field (an array), `has_more` (a boolean) and `page_token` (a
/// string) have those types or are absent or `null`. Anything else is kept
/// as the server sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonData<R> {
    /// The `data` object.
    pub value: Value,
    request: PhantomData<fn() -> R>,
}

impl<R> JsonData<R> {
    /// The `data` object.
    pub fn into_value(self) -> Value {
        self.value
    }
}

impl<'de, R: ApiRequest> serde::Deserialize<'de> for JsonData<R> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        if let Some(pagination) = R::DESCRIPTOR.pagination {
            check_page(&value, pagination.items_field).map_err(serde::de::Error::custom)?;
        }
        Ok(JsonData {
            value,
            request: PhantomData,
        })
    }
}

/// Why a list endpoint's `data` cannot be walked, if it cannot.
fn check_page(data: &Value, items_field: &str) -> Result<(), String> {
    let Value::Object(data) = data else {
        return Err(format!("a page must be an object, found {}", kind(data)));
    };
    let expected = [
        (items_field, "an array"),
        ("has_more", "a boolean"),
        ("page_token", "a string"),
    ];
    for (field, what) in expected {
        match data.get(field) {
            Some(value) if !value.is_null() && kind(value) != what => {
                return Err(format!("`{field}` must be {what}, found {}", kind(value)));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The JSON type of `value`, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<R: Validate> Validate for JsonRequest<R> {
    fn validate_at(&self, path: &crate::JsonPath<'_>, out: &mut Vec<crate::Violation>) {
        self.0.validate_at(path, out);
    }
}

impl<R: ApiRequest + 'static> ApiRequest for JsonRequest<R> {
    type Body = R::Body;
    type Response = JsonData<R>;
    type ErrorCode = R::ErrorCode;
    const DESCRIPTOR: &'static EndpointDescriptor = R::DESCRIPTOR;

    fn request_path(&self) -> String {
        self.0.request_path()
    }
    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        self.0.query_pairs()
    }
    fn json_body(&self) -> Option<&Self::Body> {
        self.0.json_body()
    }
    fn idempotency_token(&self) -> Option<&str> {
        self.0.idempotency_token()
    }
    fn set_idempotency_token(&mut self, token: String) {
        self.0.set_idempotency_token(token);
    }
}

impl<R: PaginatedRequest + 'static> PaginatedRequest for JsonRequest<R> {
    type Item = Value;

    fn set_page_token(&mut self, token: Option<String>) {
        self.0.set_page_token(token);
    }
    fn set_page_size(&mut self, size: i64) {
        self.0.set_page_size(size);
    }
    fn next_page_token(response: &JsonData<R>) -> Option<String> {
        next_page_token(
            response.value.get("has_more").and_then(Value::as_bool),
            response.value.get("page_token").and_then(Value::as_str),
        )
    }
    fn into_items(response: JsonData<R>) -> Vec<Value> {
        let Some(pagination) = R::DESCRIPTOR.pagination else {
            return Vec::new();
        };
        match response.value {
            Value::Object(mut data) => match data.remove(pagination.items_field) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

/// A transport that can also walk every page of a list: the runtime's client.
pub trait PagingTransport: Transport {
    /// Every item of every page of `request`, in order.
    fn all_items<R: PaginatedRequest + 'static>(
        &self,
        request: R,
    ) -> impl Future<Output = Result<Vec<R::Item>, Self::Error>> + Send
    where
        R::Item: Send;
}

/// A failed call by id.
#[derive(Debug)]
pub enum CallError<E> {
    /// The input makes no valid request; nothing was sent.
    Input(InputError),
    /// Sending failed.
    Send(E),
}

impl<E: fmt::Display> fmt::Display for CallError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Input(e) => write!(f, "{e}"),
            CallError::Send(e) => write!(f, "{e}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for CallError<E> {}

/// Builds `R` from `input`, validates it and sends it; the response's `data` as JSON.
pub async fn send<T: Transport, R: FromCallInput + 'static>(
    transport: &T,
    input: &CallInput,
) -> Result<Value, CallError<T::Error>> {
    let request = build::<R>(input).map_err(CallError::Input)?;
    transport
        .send(JsonRequest(request))
        .await
        .map(JsonData::into_value)
        .map_err(CallError::Send)
}

/// Builds `R` from `input`, validates it and walks every page; every item as JSON.
pub async fn send_all_pages<T: PagingTransport, R: FromCallInput + PaginatedRequest + 'static>(
    transport: &T,
    input: &CallInput,
) -> Result<Vec<Value>, CallError<T::Error>> {
    let request = build::<R>(input).map_err(CallError::Input)?;
    transport
        .all_items(JsonRequest(request))
        .await
        .map_err(CallError::Send)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_parse_with_their_names_in_errors() {
        let input = CallInput::new()
            .query("page_size", "20")
            .query("tag_ids", "1")
            .query("tag_ids", "2")
            .query("bad", "x");
        assert_eq!(input.query_one("page_size", parse_i64), Ok(Some(20)));
        assert_eq!(
            input.query_many("tag_ids", parse_string),
            Ok(Some(vec!["1".to_owned(), "2".to_owned()]))
        );
        assert_eq!(input.query_one("absent", parse_i64), Ok(None));
        assert_eq!(
            input
                .query_one("tag_ids", parse_string)
                .unwrap_err()
                .to_string(),
            "parameter `tag_ids=1`: given more than once; it takes one value"
        );
        assert_eq!(
            input.query_one("bad", parse_i64).unwrap_err().to_string(),
            "parameter `bad=x`: not an integer"
        );
        assert_eq!(
            input
                .check_names(&[], &["page_size", "tag_ids"])
                .unwrap_err()
                .to_string(),
            "unknown query parameter `bad` (known: page_size, tag_ids)"
        );
        assert_eq!(
            input
                .query_required("client_token", parse_string)
                .unwrap_err()
                .to_string(),
            "missing required query parameter `client_token`"
        );
    }

    #[test]
    fn an_empty_path_parameter_is_refused() {
        let input = CallInput::new()
            .path("indicator_id", " ")
            .path("table", "7");
        assert_eq!(
            input.path_param("indicator_id"),
            Err(InputError::BadParam {
                name: "indicator_id".to_owned(),
                value: " ".to_owned(),
                reason: "empty; a path parameter names what the call is about".to_owned(),
            })
        );
        assert_eq!(input.path_param("table"), Ok("7".to_owned()));
        assert!(matches!(
            input.path_param("absent"),
            Err(InputError::MissingParam { place: "path", .. })
        ));
    }

    #[test]
    fn a_body_error_names_its_json_path() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Body {
            items: Vec<Item>,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Item {
            id: String,
        }
        let input = CallInput::new().body(serde_json::json!({"items": [{"id": "a"}, {"id": 7}]}));
        let err = input.body_as::<Body>().unwrap_err();
        assert!(
            matches!(&err, InputError::Body { path, .. } if path == "items[1].id"),
            "{err}"
        );
        assert_eq!(parse_f64("NaN"), Err("not a finite number".to_owned()));
        assert_eq!(parse_bool("true"), Ok(true));
    }
}
