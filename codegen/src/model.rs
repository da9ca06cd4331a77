//! The schema format: what one YAML file under `schema/` may contain.
//!
//! These types are the single definition of the format. `cargo xtask schema`
//! derives `schema/schema.json` from them with schemars, so editors validate a
//! file as it is typed, and the loader deserialises them with serde-saphyr,
//! which reports every syntax or shape error with its line and column.
//! Values that later checks may reject (names, type references, codes) are
//! wrapped in [`Spanned`] so those checks can point at them too.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
pub use serde_saphyr::Spanned;

mod event;
pub use event::EventFile;

/// One endpoint, as documented on one Feishu page (`schema/<service>/<version>/<resource>.<operation>.yaml`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointFile {
    /// Service name as in the URL (`performance`, `okr`).
    #[schemars(with = "String")]
    pub service: Spanned<String>,
    /// API version as in the URL (`v1`, `v2`).
    #[schemars(with = "String")]
    pub version: Spanned<String>,
    /// Resource name in snake_case, as the official SDKs name it (`metric_detail`).
    pub resource: String,
    /// Operation name in snake_case (`import`, `query`, `patch`).
    pub operation: String,
    /// PascalCase stem of the generated names, as in the official SDKs
    /// (`ImportMetricDetail` gives `ImportMetricDetailRequest`).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The page title.
    pub summary: String,
    /// The page's `#` heading, when it differs from its title.
    #[serde(default)]
    pub heading: Option<String>,
    /// The page's introduction.
    pub description: String,
    /// Remarks about the endpoint's status that the page itself does not carry.
    #[serde(default)]
    pub notes: Option<String>,
    /// The documentation page.
    pub doc_url: String,
    /// The page's "最后更新于" date (YYYY-MM-DD), when it gives one.
    #[serde(default)]
    pub last_updated: Option<String>,
    /// HTTP method.
    pub http_method: HttpMethod,
    /// Path below the host, with `{param}` placeholders.
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// The request's content type, when it is not `application/json; charset=utf-8`.
    #[serde(default)]
    pub content_type: Option<String>,
    /// Access tokens the endpoint accepts.
    pub access_tokens: Vec<AccessToken>,
    /// App types that may call it (`custom`: self-built, `isv`: store app).
    #[serde(default)]
    pub app_types: Vec<AppType>,
    /// Scopes: any one of them suffices.
    #[serde(default)]
    pub scopes: Vec<Scope>,
    /// Field-level scopes: needed only to receive the sensitive fields they name.
    #[serde(default)]
    pub field_scopes: Vec<Scope>,
    /// The documented rate limit, if the page gives one.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// A `POST` that only reads (a query that pages no list, say): repeating it
    /// cannot change anything, so the runtime may retry it when its outcome is
    /// unknown. A maintainer's decision, not a fact of the page: give its
    /// source under `sources: {read_only: ...}`.
    #[serde(default)]
    pub read_only: bool,
    /// Pagination, for endpoints that page through `page_token` / `page_size`.
    #[serde(default)]
    pub pagination: Option<Pagination>,
    /// The page's remark under its path parameters' table.
    #[serde(default)]
    pub path_params_description: Option<String>,
    /// Path parameters, in the order they appear in the path.
    #[serde(default)]
    pub path_params: Vec<Field>,
    /// The page's remark under its query parameters' table.
    #[serde(default)]
    pub query_description: Option<String>,
    /// Query parameters.
    #[serde(default)]
    pub query: Vec<Field>,
    /// The JSON request body.
    #[serde(default)]
    pub request_body: Option<Body>,
    /// The response's `data` object.
    #[serde(default)]
    pub response_body: Option<Body>,
    /// Named types used by this endpoint's fields.
    #[serde(default)]
    pub types: Vec<TypeDef>,
    /// The page's error table.
    #[serde(default)]
    pub errors: Vec<ErrorCode>,
    /// The name of an error table of the version's `_shared.yaml` that the
    /// endpoint answers with, instead of a table of its own (`errors` must
    /// then be absent): the family's table, written once.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub shared_errors: Option<Spanned<String>>,
    /// The page's examples, verbatim.
    #[serde(default)]
    pub examples: Examples,
    /// Facts that come from elsewhere than the page: the key they set, and the source.
    /// An import keeps these keys as they are.
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
}

/// Types and error tables shared by the endpoints of one service version (`schema/<service>/<version>/_shared.yaml`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SharedFile {
    /// Service name.
    #[schemars(with = "String")]
    pub service: Spanned<String>,
    /// API version.
    #[schemars(with = "String")]
    pub version: Spanned<String>,
    /// The shared types.
    #[serde(default)]
    pub types: Vec<TypeDef>,
    /// Error tables several endpoints of the version answer with (a family's
    /// table): each endpoint that does names it under `shared_errors`.
    #[serde(default)]
    pub error_tables: Vec<SharedErrorTable>,
}

/// An error table several endpoints of one version share.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SharedErrorTable {
    /// snake_case name (`metric_source`): endpoints name the table by it, and
    /// its enum is named after it (`MetricSourceErrorCode`).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Whose table it is.
    pub description: String,
    /// Where the rows come from, and why they are the table of every endpoint
    /// that names it (a decision when no page says so).
    pub source: String,
    /// The rows, in the source's order.
    pub errors: Vec<ErrorCode>,
}

/// Platform-wide error codes (`schema/platform.yaml`), from the platform's
/// general documentation rather than an endpoint's page.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformFile {
    /// Codes any endpoint may answer with.
    pub errors: Vec<PlatformErrorCode>,
    /// Codes only endpoints that paginate may answer with: added to their error tables.
    #[serde(default)]
    pub pagination_errors: Vec<PlatformErrorCode>,
}

/// A platform-wide error code: only what its source states.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformErrorCode {
    /// The numeric `code`.
    #[schemars(with = "i64")]
    pub code: Spanned<i64>,
    /// PascalCase variant name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The HTTP status, when the source gives one.
    #[serde(default)]
    pub http_status: Option<u16>,
    /// The `msg`, or the source's words for the code.
    pub message: String,
    /// What to do about it, when the source says.
    #[serde(default)]
    pub hint: Option<String>,
    /// Where the code and its facts come from (`REFERENCE.md (Access tokens)`).
    pub source: String,
    /// How the SDK treats this code: a maintainer's decision (see [`ErrorCode::decision`]).
    #[serde(default)]
    pub decision: Option<ErrorDecision>,
}

/// HTTP methods used by the documented endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[allow(missing_docs)]
pub enum HttpMethod {
    GET,
    POST,
    PUT,
    PATCH,
    DELETE,
}

/// Access token types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum AccessToken {
    TenantAccessToken,
    UserAccessToken,
    AppAccessToken,
}

/// App types, as the pages name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppType {
    /// 自建应用.
    Custom,
    /// 商店应用.
    Isv,
}

/// A permission scope.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// The scope key (`performance:metric:write`).
    pub name: String,
    /// Its display name on the page (`管理关键指标数据`).
    pub description: String,
}

/// A documented rate limit (`10 次/分钟`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Calls a minute, per app and tenant.
    #[serde(default)]
    pub per_minute: Option<u32>,
    /// Calls a second, per app and tenant.
    #[serde(default)]
    pub per_second: Option<u32>,
}

/// Pagination of a list endpoint.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    /// The response field holding the page's items.
    #[schemars(with = "String")]
    pub items: Spanned<String>,
    /// Where the request carries `page_token` and `page_size`: in the query
    /// (the platform's rule, REFERENCE.md: even on POST), or in the body where
    /// the page puts them there.
    #[serde(default)]
    pub tokens_in: TokensIn,
}

/// Where a paginated request carries `page_token` and `page_size`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokensIn {
    /// Query parameters.
    #[default]
    Query,
    /// Fields of the JSON body.
    Body,
}

/// A request or response body: an object of fields.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Body {
    /// Its fields.
    pub fields: Vec<Field>,
    /// The page's name for the object, when it gives one (`image_info`).
    #[serde(default)]
    pub doc_type: Option<String>,
    /// The page's remark under the table.
    #[serde(default)]
    pub description: Option<String>,
}

/// A named type: an object (with `fields`) or an enumeration (with `values`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    /// The doc's type name in snake_case (`imported_metric`).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The doc's description of the type.
    pub description: String,
    /// Fields, for an object type.
    #[serde(default)]
    pub fields: Option<Vec<Field>>,
    /// Allowed values, for an enumeration.
    #[serde(default)]
    pub values: Option<Vec<EnumValue>>,
    /// A maintainer's remark or decision (not from the page).
    #[serde(default)]
    pub note: Option<String>,
}

/// One allowed value of an enumeration.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    /// The value on the wire.
    #[schemars(with = "String")]
    pub value: Spanned<String>,
    /// The doc's description.
    pub description: String,
    /// A maintainer's remark or decision (not from the page).
    #[serde(default)]
    pub note: Option<String>,
}

/// A field of an object, or a path or query parameter.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The wire name, exactly as documented (typos included).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The Rust name, when the wire name is misspelt or not an identifier.
    #[serde(default)]
    pub rust_name: Option<String>,
    /// `string`, `integer`, `number`, `boolean`, a named type, or any of these followed by `[]`.
    #[serde(rename = "type")]
    #[schemars(with = "String")]
    pub ty: Spanned<String>,
    /// Whether the doc marks it 必填.
    #[serde(default)]
    pub required: bool,
    /// The doc's description.
    pub description: String,
    /// The page's description where the type appears in a response, when it differs.
    #[serde(default)]
    pub response_description: Option<String>,
    /// Other words the page uses for the field where its type appears again.
    #[serde(default)]
    pub other_descriptions: Vec<String>,
    /// The doc's example value.
    #[serde(default)]
    pub example: Option<serde_json::Value>,
    /// The doc's default value (applied by the server when the field is omitted).
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    /// Length range: characters for a string, items for an array.
    #[serde(default)]
    pub length: Option<Bounds>,
    /// Value range, for a number: either bound may be absent (`最大值` alone), and
    /// either may be negative.
    #[serde(default)]
    pub range: Option<Range>,
    /// The page's `正则校验` (regular expression) for a string.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Allowed values of a number or boolean field, as the page lists them
    /// (string values are an enumeration type instead).
    #[serde(default)]
    pub values: Option<Vec<EnumValue>>,
    /// The page's own words for members of the field's type where it is a
    /// version's shared type (`_shared.yaml`) whose words differ: a member's
    /// wire name (a field of an object, a value of an enumeration) and the
    /// page's description of it. The field's page text wins over the shared
    /// type's in its documentation.
    #[serde(default)]
    pub member_descriptions: BTreeMap<String, String>,
    /// Marks the `client_token` query parameter that makes a write idempotent.
    #[serde(default)]
    pub idempotency_key: bool,
    /// A maintainer's remark or decision (not from the page).
    #[serde(default)]
    pub note: Option<String>,
    /// Facts that come from elsewhere than the page: the key they set, and the source.
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
}

/// An inclusive range.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    /// Inclusive lower bound.
    pub min: u64,
    /// Inclusive upper bound.
    pub max: u64,
}

/// An inclusive value range whose bounds may each be absent or negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Inclusive lower bound, when the page gives one.
    #[serde(default)]
    pub min: Option<i64>,
    /// Inclusive upper bound, when the page gives one.
    #[serde(default)]
    pub max: Option<i64>,
}

/// One row of an error table.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorCode {
    /// The HTTP status the page gives.
    pub http_status: u16,
    /// The numeric `code`.
    #[schemars(with = "i64")]
    pub code: Spanned<i64>,
    /// PascalCase variant name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The `msg` as documented (typos included).
    pub message: String,
    /// The page's 排查建议.
    pub hint: String,
    /// How the SDK treats this code: a maintainer's decision, never a fact of
    /// the page. `docs import` keeps it as it is.
    #[serde(default)]
    pub decision: Option<ErrorDecision>,
}

/// A maintainer's decision about an error code, which the page does not state
/// in these terms: what a refusal with it blames, and what a client may do.
/// Read by the runtime (retries, tokens, repeats) and the batch engine.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorDecision {
    /// What a refusal with this code blames: one unit of the request, the
    /// whole request, or the whole run (every request like it fails too).
    #[serde(default)]
    pub refuses: Option<Refuses>,
    /// Sending the same request again later may succeed (an internal error).
    #[serde(default)]
    pub transient: bool,
    /// The request's `client_token` was applied before: a repeat after a lost
    /// response means the write went through once.
    #[serde(default)]
    pub already_applied: bool,
    /// The access token was refused: drop it, fetch a new one, retry once.
    #[serde(default)]
    pub renew_token: bool,
    /// Rate limiting: wait for `x-ogw-ratelimit-reset`, then retry.
    #[serde(default)]
    pub rate_limited: bool,
    /// What the code asks to be fixed outside the request: the app's
    /// `credentials`, its `scope`s, or the tenant's `licence`. No change to
    /// the request helps until it is; the command line exits with status 3.
    /// Needs `check`.
    #[serde(default)]
    pub blames: Option<Blames>,
    /// What to check, in words a user can act on (`the app secret
    /// (FEISHU_APP_SECRET)`): the hint shown with a refusal the code
    /// `blames` on something.
    #[serde(default)]
    pub check: Option<String>,
    /// Where the decision comes from: `page: <the page's words it rests on>`,
    /// `REFERENCE.md: <section>`, an SDK, or `decision: <the reason>`.
    pub source: String,
}

/// What a refusal blames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Refuses {
    /// One unit of the request (one reviewee's metric, one item): the others would be applied.
    Unit,
    /// The request as a whole, not one of its units.
    Request,
    /// The whole run: every request like it would be refused (an unknown semester, no licence).
    Run,
}

/// What a refusal asks to be fixed outside the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Blames {
    /// The app's credentials or the token made from them (app id and secret,
    /// app_ticket, tenant key, access token).
    Credentials,
    /// The app's scopes: a permission it was not granted.
    Scope,
    /// The tenant's licence (no seats for the product).
    Licence,
}

/// The page's examples, verbatim.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// The query string of the page's call example.
    #[serde(default)]
    pub request_query: Option<String>,
    /// The request body example (JSON).
    #[serde(default)]
    pub request_body: Option<String>,
    /// The response example (JSON, with the `{code, msg, data}` envelope).
    #[serde(default)]
    pub response: Option<String>,
    /// Examples that come from elsewhere than the page: the key they set, and the source.
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
}
