//! The resolved schema: every type reference bound, every name checked. The
//! emitters read only this.

use crate::model::{Bounds, EndpointFile, ErrorCode, ErrorDecision, PlatformErrorCode, Range};

/// The whole API.
#[derive(Debug, Clone)]
pub struct Api {
    /// Platform-wide error codes.
    pub platform_errors: Vec<ErrorDef>,
    /// Platform codes of endpoints that paginate (already in their `errors`).
    pub pagination_errors: Vec<ErrorDef>,
    /// Service versions, sorted by service then version.
    pub versions: Vec<ServiceVersion>,
    /// Event kinds, sorted by event type.
    pub events: Vec<EventDef>,
}

/// One event kind (`schema/<service>/<version>/events/<resource>.<event>.yaml`).
#[derive(Debug, Clone)]
pub struct EventDef {
    /// The file, relative to the schema directory.
    pub file: String,
    /// The event type on the wire (`performance.review_data.changed_v2`).
    pub event_type: String,
    /// The generated names' stem (`ReviewDataChangedV2`).
    pub name: String,
    /// The `event` object's fields.
    pub fields: Vec<Field>,
    /// The types the event defines (the envelope's header among them).
    pub types: Vec<TypeDef>,
    /// The schema file as written.
    pub source: crate::model::EventFile,
}

/// One service version (`performance/v2`): one generated module.
#[derive(Debug, Clone)]
pub struct ServiceVersion {
    /// `performance`
    pub service: String,
    /// `v2`
    pub version: String,
    /// The shared file, relative to the schema directory, if there is one.
    pub shared_file: Option<String>,
    /// Types shared by the version's endpoints.
    pub shared_types: Vec<TypeDef>,
    /// Error tables shared by several of the version's endpoints.
    pub error_tables: Vec<ErrorTable>,
    /// Endpoints, sorted by file name.
    pub endpoints: Vec<Endpoint>,
}

/// One endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The file it comes from, relative to the schema directory.
    pub file: String,
    /// The Rust module name (`metric_detail_import`).
    pub module: String,
    /// The PascalCase stem (`ImportMetricDetail`).
    pub name: String,
    /// The raw description, for metadata.
    pub source: EndpointFile,
    /// Path parameters.
    pub path_params: Vec<Field>,
    /// Query parameters.
    pub query: Vec<Field>,
    /// Body fields, if the endpoint takes a body.
    pub request_body: Option<Vec<Field>>,
    /// Fields of the response's `data`.
    pub response_body: Option<Vec<Field>>,
    /// Types local to the endpoint.
    pub types: Vec<TypeDef>,
    /// The rows the endpoint answers with: its page's table, or the shared
    /// table it names.
    pub errors: Vec<ErrorDef>,
    /// The Rust name of the version's shared error enum the endpoint answers
    /// with (`MetricSourceErrorCode`), when it has no table of its own.
    pub shared_errors: Option<String>,
    /// Pagination: the items field of the response and its element type.
    pub pagination: Option<(String, Ty)>,
}

impl Endpoint {
    /// The Rust name of the endpoint's error-code enum: the shared one, or its own
    /// (`ImportMetricDetailErrorCode`).
    pub fn error_enum(&self) -> String {
        match &self.shared_errors {
            Some(shared) => shared.clone(),
            None => format!("{}ErrorCode", self.name),
        }
    }
}

/// An error table several endpoints of one version answer with.
#[derive(Debug, Clone)]
pub struct ErrorTable {
    /// The Rust name of its enum (`MetricSourceErrorCode`).
    pub rust_name: String,
    /// Whose table it is.
    pub description: String,
    /// Where the rows come from and why they are the family's.
    pub source: String,
    /// The rows.
    pub errors: Vec<ErrorDef>,
    /// The endpoints that answer with it, by name (`ListMetricSource`), in schema order.
    pub endpoints: Vec<String>,
}

/// A named type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// The doc's name (`imported_metric`).
    pub wire_name: String,
    /// The Rust name (`ImportedMetric`).
    pub rust_name: String,
    /// The doc's description.
    pub description: String,
    /// Object or enumeration.
    pub kind: TypeKind,
    /// Whether a response of the version can hold it: then every field is
    /// optional in Rust, since no page says a response field is always present.
    pub in_response: bool,
}

/// What a named type is.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// An object.
    Object(Vec<Field>),
    /// An open enumeration: (wire value, Rust variant, description).
    Enum(Vec<(String, String, String)>),
}

/// A field or parameter.
#[derive(Debug, Clone)]
pub struct Field {
    /// Wire name, exactly as documented.
    pub wire_name: String,
    /// Rust name.
    pub rust_name: String,
    /// Resolved type.
    pub ty: Ty,
    /// 必填.
    pub required: bool,
    /// The doc's description.
    pub description: String,
    /// The doc's example.
    pub example: Option<serde_json::Value>,
    /// The doc's default.
    pub default: Option<serde_json::Value>,
    /// Length range.
    pub length: Option<Bounds>,
    /// Value range.
    pub range: Option<Range>,
    /// The page's regular expression, for a string.
    pub pattern: Option<String>,
    /// The allowed values of a number or boolean, as they are written in JSON.
    pub values: Option<Vec<String>>,
    /// The idempotency key.
    pub idempotency_key: bool,
}

/// A resolved type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `String`
    String,
    /// `i64`
    Integer,
    /// `f64`
    Number,
    /// `bool`
    Boolean,
    /// A generated struct.
    Object(String),
    /// A generated open enum.
    Enum(String),
    /// `Vec<T>`
    Array(Box<Ty>),
}

/// One documented error code.
#[derive(Debug, Clone)]
pub struct ErrorDef {
    /// The numeric code.
    pub code: i64,
    /// Variant name.
    pub name: String,
    /// HTTP status, when the source gives one.
    pub http_status: Option<u16>,
    /// `msg`.
    pub message: String,
    /// 排查建议, when the source gives one.
    pub hint: Option<String>,
    /// Where the row comes from, when not from the endpoint's own page.
    pub source: Option<String>,
    /// The maintainers' decision about the code, if any.
    pub decision: Option<ErrorDecision>,
}

impl From<&ErrorCode> for ErrorDef {
    fn from(e: &ErrorCode) -> Self {
        ErrorDef {
            code: e.code.value,
            name: e.name.value.clone(),
            http_status: Some(e.http_status),
            message: e.message.clone(),
            hint: Some(e.hint.clone()),
            source: None,
            decision: e.decision.clone(),
        }
    }
}

impl From<&PlatformErrorCode> for ErrorDef {
    fn from(e: &PlatformErrorCode) -> Self {
        ErrorDef {
            code: e.code.value,
            name: e.name.value.clone(),
            http_status: e.http_status,
            message: e.message.clone(),
            hint: e.hint.clone(),
            source: Some(e.source.clone()),
            decision: e.decision.clone(),
        }
    }
}
