//! Helpers shared by the integration tests.

// Each test binary uses a part of it.
#[allow(dead_code)]
pub mod hostile;
