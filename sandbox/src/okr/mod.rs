//! The OKR endpoints, by version and resource as in `schema/okr/`.

pub(crate) mod v1;
