//! Documented error codes.

use std::fmt::Debug;

/// One row of a documented error table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorInfo {
    /// The numeric `code` of the response envelope.
    pub code: i64,
    /// The HTTP status the page documents for it.
    pub http_status: u16,
    /// The documented `msg` (typos included).
    pub message: &'static str,
    /// The page's advice (排查建议).
    pub hint: &'static str,
}

/// An endpoint's error codes: the rows of its page's error table, the
/// platform-wide codes, and a fallback for any other number.
pub trait ErrorCode: Debug + Clone + Copy + PartialEq + Send + Sync + 'static {
    /// The variant for a numeric code; never fails (unknown codes are kept).
    fn from_code(code: i64) -> Self;
    /// The numeric code.
    fn code(&self) -> i64;
    /// The documentation of this code, unless it is undocumented.
    fn info(&self) -> Option<&'static ErrorInfo>;

    /// The documented message.
    fn message(&self) -> Option<&'static str> {
        self.info().map(|info| info.message)
    }
    /// The documented advice.
    fn hint(&self) -> Option<&'static str> {
        self.info().map(|info| info.hint)
    }
    /// The documented HTTP status.
    fn http_status(&self) -> Option<u16> {
        self.info().map(|info| info.http_status)
    }
}
