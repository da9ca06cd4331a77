//! Rust SDK for the Feishu (Lark) Open Platform's performance-review (绩效) and OKR APIs.
//!
//! The bindings are generated from the YAML files under `schema/` (one per
//! documented endpoint) into the `feishu-perf-generated` crate and re-exported
//! here: `feishu_perf::performance::v2::ImportMetricDetailRequest`, ...
//!
//! ```
//! use feishu_perf::Validate;
//! use feishu_perf::performance::v2::{
//!     ImportMetricDetailRequest, ImportMetricDetailRequestBody, ImportedMetric, ImportedMetricField,
//! };
//!
//! let request = ImportMetricDetailRequest::new(ImportMetricDetailRequestBody::new(
//!     "7293040702907514899",
//!     vec![ImportedMetric::new(
//!         "ou_3245842393d09e9428ad4655da6e30b3",
//!         "7272580325522276372",
//!         vec![ImportedMetricField::new("7283776005142675476").field_value("100")],
//!     )],
//! ));
//! assert!(request.validate().is_ok());
//! ```
#![deny(missing_docs)]

pub use feishu_perf_core::{
    AccessTokenType, ApiRequest, DocExamples, EndpointDescriptor, ErrorCode, ErrorInfo, HttpMethod,
    OpenEnum, PaginatedRequest, Pagination, RateLimit, Rule, Validate, ValidationErrors, Violation,
};
pub use feishu_perf_generated::{ENDPOINTS, okr, performance, platform};
