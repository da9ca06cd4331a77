//! Client-side validation of documented rules.
//!
//! Every violation is reported with the JSON path of the offending value
//! (`imported_metrics[3].fields[0].field_id`), the rule it breaks and the value,
//! so a bad row is found before any request is made. Query and path parameters
//! are reported under `query.` and `path.`.

use std::fmt;
use std::sync::OnceLock;

use crate::OpenEnum;

/// A JSON path, built on the stack while walking a value and rendered only when
/// a violation is found.
#[derive(Debug, Clone, Copy)]
pub struct JsonPath<'a> {
    parent: Option<&'a JsonPath<'a>>,
    segment: Segment,
}

#[derive(Debug, Clone, Copy)]
enum Segment {
    Root,
    Key(&'static str),
    Index(usize),
}

impl JsonPath<'static> {
    /// The root of a request.
    pub const fn root() -> Self {
        JsonPath {
            parent: None,
            segment: Segment::Root,
        }
    }
}

impl<'a> JsonPath<'a> {
    /// The path of an object member.
    pub fn key(&'a self, key: &'static str) -> JsonPath<'a> {
        JsonPath {
            parent: Some(self),
            segment: Segment::Key(key),
        }
    }

    /// The path of an array element.
    pub fn index(&'a self, index: usize) -> JsonPath<'a> {
        JsonPath {
            parent: Some(self),
            segment: Segment::Index(index),
        }
    }

    fn write_to(&self, out: &mut String) {
        if let Some(parent) = self.parent {
            parent.write_to(out);
        }
        match self.segment {
            Segment::Root => {}
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
}

impl fmt::Display for JsonPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write_to(&mut out);
        f.write_str(&out)
    }
}

/// A documented rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// A string's length in characters (Unicode scalar values) must lie in `min..=max`.
    Length {
        /// Inclusive minimum.
        min: u64,
        /// Inclusive maximum.
        max: u64,
        /// The length found.
        actual: u64,
    },
    /// An array's number of items must lie in `min..=max`.
    Items {
        /// Inclusive minimum.
        min: u64,
        /// Inclusive maximum.
        max: u64,
        /// The number found.
        actual: u64,
    },
    /// A number must lie in `min..=max`; an absent bound does not limit.
    Range {
        /// Inclusive minimum, if any.
        min: Option<i64>,
        /// Inclusive maximum, if any.
        max: Option<i64>,
    },
    /// A string must match the page's regular expression.
    Pattern {
        /// The regular expression, as the page writes it.
        pattern: &'static str,
    },
    /// A value must be one of the documented values.
    AllowedValues {
        /// The documented values.
        allowed: &'static [&'static str],
    },
    /// A value the page requires must be given.
    Required,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Length { min, max, actual } => {
                write!(f, "length must be {min}..={max} characters, found {actual}")
            }
            Rule::Items { min, max, actual } => {
                write!(f, "must have {min}..={max} items, found {actual}")
            }
            Rule::Range {
                min: Some(min),
                max: Some(max),
            } => write!(f, "must be in {min}..={max}"),
            Rule::Range {
                min: Some(min),
                max: None,
            } => write!(f, "must be at least {min}"),
            Rule::Range {
                min: None,
                max: Some(max),
            } => write!(f, "must be at most {max}"),
            Rule::Range {
                min: None,
                max: None,
            } => f.write_str("must be a number"),
            Rule::Pattern { pattern } => write!(f, "must match {pattern}"),
            Rule::Required => f.write_str("is required"),
            Rule::AllowedValues { allowed } => {
                write!(f, "must be one of {}", allowed.join(", "))
            }
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON path of the value, e.g. `imported_metrics[3].fields[0].field_id`.
    pub path: String,
    /// The rule broken.
    pub rule: Rule,
    /// The value, as JSON, cut to 64 characters.
    pub value: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (value: {})", self.path, self.rule, self.value)
    }
}

/// Every violation found in one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors {
    violations: Vec<Violation>,
}

impl ValidationErrors {
    /// The violations, in document order.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Takes the violations.
    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.violations.len();
        write!(f, "{n} invalid value{}", if n == 1 { "" } else { "s" })?;
        for violation in &self.violations {
            write!(f, "\n  {violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// A value whose documented rules can be checked on the client.
pub trait Validate {
    /// Appends every violation found in `self`, located at `path`, to `out`.
    fn validate_at(&self, path: &JsonPath<'_>, out: &mut Vec<Violation>);

    /// Checks every documented rule; reports all violations, not just the first.
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut violations = Vec::new();
        self.validate_at(&JsonPath::root(), &mut violations);
        if violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors { violations })
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, path: &JsonPath<'_>, out: &mut Vec<Violation>) {
        for (index, item) in self.iter().enumerate() {
            item.validate_at(&path.index(index), out);
        }
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, path: &JsonPath<'_>, out: &mut Vec<Violation>) {
        if let Some(value) = self {
            value.validate_at(path, out);
        }
    }
}

fn shown(value: &str) -> String {
    const MAX: usize = 64;
    let mut quoted = serde_json::to_string(value).unwrap_or_default();
    if quoted.chars().count() > MAX {
        quoted = quoted.chars().take(MAX).collect::<String>() + "…";
    }
    quoted
}

/// Reports a required value that is missing (`present` false).
pub fn check_present(path: &JsonPath<'_>, present: bool, out: &mut Vec<Violation>) {
    if !present {
        out.push(Violation {
            path: path.to_string(),
            rule: Rule::Required,
            value: "none".to_owned(),
        });
    }
}

/// Checks that a path parameter is not empty: an empty segment would send the
/// request to another URL, so it is reported as a missing required value.
pub fn check_segment(path: &JsonPath<'_>, value: &str, out: &mut Vec<Violation>) {
    if value.is_empty() {
        out.push(Violation {
            path: path.to_string(),
            rule: Rule::Required,
            value: "\"\"".to_owned(),
        });
    }
}

/// Checks a string's length in characters against `min..=max`.
pub fn check_length(
    path: &JsonPath<'_>,
    value: &str,
    min: u64,
    max: u64,
    out: &mut Vec<Violation>,
) {
    let actual = value.chars().count() as u64;
    if actual < min || actual > max {
        out.push(Violation {
            path: path.to_string(),
            rule: Rule::Length { min, max, actual },
            value: shown(value),
        });
    }
}

/// Checks an array's number of items against `min..=max`.
pub fn check_items<T>(
    path: &JsonPath<'_>,
    items: &[T],
    min: u64,
    max: u64,
    out: &mut Vec<Violation>,
) {
    let actual = items.len() as u64;
    if actual < min || actual > max {
        out.push(Violation {
            path: path.to_string(),
            rule: Rule::Items { min, max, actual },
            value: format!("[{actual} items]"),
        });
    }
}

/// Checks an integer against `min..=max` (an absent bound does not limit).
pub fn check_range_i64(
    path: &JsonPath<'_>,
    value: i64,
    min: Option<i64>,
    max: Option<i64>,
    out: &mut Vec<Violation>,
) {
    let inside = min.is_none_or(|min| value >= min) && max.is_none_or(|max| value <= max);
    if !inside {
        out.push(Violation {
            path: path.to_string(),
            rule: Rule::Range { min, max },
            value: value.to_string(),
        });
    }
}

/// Checks a number against `min..=max` (an absent bound does not limit; NaN is outside).
pub fn check_range_f64(
    path: &JsonPath<'_>,
    value: f64,
    min: Option<i64>,
    max: Option<i64>,
    out: &mut Vec<Violation>,
) {
    let inside = !value.is_nan()
        && min.is_none_or(|min| value >= min as f64)
        && max.is_none_or(|max| value <= max as f64);
    if !inside {
        out.push(Violation {
            path: path.to_string(),
            rule: Rule::Range { min, max },
            value: value.to_string(),
        });
    }
}

/// A page's regular expression, compiled once on first use.
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<regex_lite::Regex>>,
}

impl Pattern {
    /// A pattern from its source (compiled when first checked).
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The regular expression as the page writes it.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether `value` matches. A pattern that does not compile matches
    /// everything: the generator refuses such a schema, so this is only a guard.
    pub fn is_match(&self, value: &str) -> bool {
        self.compiled
            .get_or_init(|| regex_lite::Regex::new(self.source).ok())
            .as_ref()
            .is_none_or(|re| re.is_match(value))
    }
}

/// Checks a string against the page's regular expression.
pub fn check_pattern(
    path: &JsonPath<'_>,
    value: &str,
    pattern: &Pattern,
    out: &mut Vec<Violation>,
) {
    if !pattern.is_match(value) {
        out.push(Violation {
            path: path.to_string(),
            rule: Rule::Pattern {
                pattern: pattern.source,
            },
            value: shown(value),
        });
    }
}

/// Checks that a number or boolean is one of the documented values, given as
/// they are written in JSON (`"1"`, `"true"`).
pub fn check_one_of<T: fmt::Display>(
    path: &JsonPath<'_>,
    value: &T,
    allowed: &'static [&'static str],
    out: &mut Vec<Violation>,
) {
    let written = value.to_string();
    if !allowed.contains(&written.as_str()) {
        out.push(Violation {
            path: path.to_string(),
            rule: Rule::AllowedValues { allowed },
            value: written,
        });
    }
}

/// Checks that an enumeration holds a documented value.
pub fn check_allowed<E: OpenEnum>(path: &JsonPath<'_>, value: &E, out: &mut Vec<Violation>) {
    if value.is_unknown() {
        out.push(Violation {
            path: path.to_string(),
            rule: Rule::AllowedValues { allowed: E::VALUES },
            value: shown(value.as_str()),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(check: impl FnOnce(&JsonPath<'_>, &mut Vec<Violation>)) -> Vec<String> {
        let root = JsonPath::root();
        let path = root.key("x");
        let mut out = Vec::new();
        check(&path, &mut out);
        out.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_range_may_have_one_bound_or_negative_bounds() {
        assert!(run(|p, o| check_range_i64(p, 50, None, Some(50), o)).is_empty());
        assert_eq!(
            run(|p, o| check_range_i64(p, 51, None, Some(50), o)),
            ["x: must be at most 50 (value: 51)"]
        );
        assert_eq!(
            run(|p, o| check_range_i64(p, 0, Some(1), None, o)),
            ["x: must be at least 1 (value: 0)"]
        );
        let (min, max) = (Some(-99_999_999_999), Some(99_999_999_999));
        assert!(run(|p, o| check_range_f64(p, -12.5, min, max, o)).is_empty());
        assert_eq!(
            run(|p, o| check_range_f64(p, -1e12, min, max, o)),
            ["x: must be in -99999999999..=99999999999 (value: -1000000000000)"]
        );
        assert_eq!(
            run(|p, o| check_range_f64(p, f64::NAN, None, None, o)).len(),
            1
        );
    }

    #[test]
    fn a_pattern_is_checked_and_named() {
        static URL: Pattern = Pattern::new("^https?://.*$");
        assert!(run(|p, o| check_pattern(p, "https://a.example", &URL, o)).is_empty());
        assert_eq!(
            run(|p, o| check_pattern(p, "open.feishu.cn", &URL, o)),
            ["x: must match ^https?://.*$ (value: \"open.feishu.cn\")"]
        );
    }

    #[test]
    fn allowed_numbers_are_checked_as_written_in_json() {
        assert!(run(|p, o| check_one_of(p, &2_i64, &["2", "3"], o)).is_empty());
        assert_eq!(
            run(|p, o| check_one_of(p, &4_i64, &["2", "3"], o)),
            ["x: must be one of 2, 3 (value: 4)"]
        );
        assert!(run(|p, o| check_one_of(p, &true, &["true"], o)).is_empty());
    }
}
