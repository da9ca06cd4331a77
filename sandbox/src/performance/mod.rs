//! The performance (绩效) endpoints, by version and resource as in `schema/performance/`.

pub(crate) mod v1;
pub(crate) mod v2;
