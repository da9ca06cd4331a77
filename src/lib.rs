//! Rust SDK for the Feishu (Lark) Open Platform's performance-review (绩效) and OKR APIs.
//!
//! The bindings are generated from the YAML files under `schema/` (one per
//! documented endpoint) into the `feishu-perf-generated` crate and re-exported
//! here. The [`Client`] sends any of them through one request path: tokens,
//! validation, pacing, retries that never apply a write twice, typed errors.
//!
//! ```no_run
//! use feishu_perf::prelude::*;
//! use feishu_perf::performance::v2::{
//!     ImportMetricDetailRequest, ImportMetricDetailRequestBody, ImportedMetric, ImportedMetricField,
//! };
//!
//! # async fn demo() -> Result<(), feishu_perf::Error> {
//! let client = Client::builder().from_env()?.build()?;
//! let request = ImportMetricDetailRequest::new(ImportMetricDetailRequestBody::new(
//!     "7293040702907514899",
//!     vec![ImportedMetric::new(
//!         "ou_3245842393d09e9428ad4655da6e30b3",
//!         "7272580325522276372",
//!         vec![ImportedMetricField::new("7283776005142675476").field_value("100")],
//!     )],
//! ));
//! let data = client.performance().v2().metric_detail().import(request).await?;
//! println!("import record {:?}", data.import_record_id);
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! - `redis` (off by default): the module `feishu_perf::redis`, tokens and the rate budget shared
//!   between processes through Redis.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod client;
mod error;
#[cfg(feature = "events")]
pub mod events;
mod pacing;
mod redact;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
mod response;
mod retry;
mod secret;

pub use auth::{AppTicketSource, CachedToken, Credentials, MemoryTokenCache, TokenCache};
pub use client::{
    Client, ClientBuilder, DEFAULT_MAX_PAGES, DEFAULT_MAX_RESPONSE_BYTES, FEISHU, LARK,
    RequestOptions,
};
pub use error::{ApiError, Error};
pub use pacing::Pacing;
pub use retry::RetryPolicy;
pub use secret::Secret;

pub use feishu_perf_core::{
    AccessTokenType, ApiRequest, Blames, DocExamples, EndpointDescriptor, ErrorCode, ErrorFacts,
    ErrorInfo, HttpMethod, JsonPath, OpenEnum, PaginatedRequest, Pagination, RateLimit, Refuses,
    Rule, Transport, Validate, ValidationErrors, Violation,
};
pub use feishu_perf_generated::{ENDPOINTS, Services, okr, performance, platform};

/// Every endpoint by its id, callable with JSON ([`Client::send_json`]).
///
/// [`REGISTRY`](registry::REGISTRY) lists each endpoint's
/// [`EndpointDescriptor`], the page's examples, its path and query parameters
/// ([`ParamInfo`](registry::ParamInfo)) and whether it takes a body;
/// [`find`](registry::find) looks one up by id; [`check`](registry::check)
/// builds and validates an endpoint's request from a
/// [`CallInput`](registry::CallInput) without sending it.
pub mod registry {
    pub use feishu_perf_core::registry::{
        CallError, CallInput, FromCallInput, InputError, JsonData, JsonRequest, PagingTransport,
        ParamInfo, RegistryEntry, retype,
    };
    pub use feishu_perf_generated::registry::{
        REGISTRY, call, call_all_pages, check, find, typed_body, typed_response,
    };
}

/// `use feishu_perf::prelude::*;` for the client and the service accessors.
pub mod prelude {
    pub use crate::{Client, Error, Services, Validate};
}
