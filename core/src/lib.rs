//! Support types shared by the generated Feishu bindings (`feishu-perf-generated`)
//! and the runtime (`feishu-perf`).
//!
//! Nothing here knows any endpoint. The generator emits, for each endpoint, a
//! request type implementing [`ApiRequest`], an [`EndpointDescriptor`], an
//! [`ErrorCode`] enum and [`Validate`] impls built from the helpers in
//! [`validate`]; the runtime sends any [`ApiRequest`] through one generic path.
#![deny(missing_docs)]

pub mod descriptor;
pub mod error_code;
pub mod open_enum;
pub mod registry;
pub mod request;
pub mod validate;
pub mod wire;

pub use descriptor::{
    AccessTokenType, DocExamples, EndpointDescriptor, HttpMethod, Pagination, RateLimit,
};
pub use error_code::{Blames, ErrorCode, ErrorFacts, ErrorInfo, Refuses, find_error};
pub use open_enum::OpenEnum;
pub use request::{
    ApiRequest, EmptyResponse, PaginatedRequest, Transport, encode_path_segment, next_page_token,
};
pub use validate::{JsonPath, Rule, Validate, ValidationErrors, Violation};
