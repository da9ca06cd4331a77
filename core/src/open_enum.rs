//! Forward-compatible enumerations.

/// An enumeration of documented values that keeps any other value it meets.
///
/// Generated enums have one variant per documented value and an `Unknown(String)`
/// variant: a value the docs don't list deserialises into it and serialises back
/// unchanged, so a new server-side value never breaks a response.
pub trait OpenEnum {
    /// The documented values, in the doc's order.
    const VALUES: &'static [&'static str];
    /// The value on the wire.
    fn as_str(&self) -> &str;
    /// Whether the value is one the docs don't list.
    fn is_unknown(&self) -> bool;
}
