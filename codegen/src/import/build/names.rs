//! Names and dates derived from the page: Rust field names, snake_case,
//! error-code variant names, and the portal's Beijing-time dates.
use crate::naming::is_keyword;

/// The Rust name for a wire name: itself when it is a usable snake_case identifier.
pub(super) fn rust_field_name(wire: &str) -> String {
    let s = snake(wire);
    if is_keyword(&s) { format!("{s}_") } else { s }
}

/// `indentLevel` → `indent_level`; anything but letters and digits separates words.
pub(crate) fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = true;
        } else {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{out}")
    } else {
        out
    }
}

/// The error's variant name, from its message: `invalid semester ID` → `InvalidSemesterId`.
pub(super) fn error_name(message: &str, code: i64) -> String {
    let mut name = String::new();
    let message = message.replace(['\'', '’'], "");
    for word in message.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    if name.is_empty()
        || name.starts_with(|c: char| c.is_ascii_digit())
        || matches!(name.as_str(), "Platform" | "Unknown")
    {
        format!("Error{code}")
    } else {
        name
    }
}

/// The date the portal shows for a timestamp: Beijing time (UTC+8), `YYYY-MM-DD`.
pub fn beijing_date(ms: u64) -> String {
    let days = ((ms / 1000 + 8 * 3600) / 86_400) as i64;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_beijing_time() {
        assert_eq!(beijing_date(1_750_859_223_000), "2025-06-25");
        assert_eq!(beijing_date(1_751_526_502_000), "2025-07-03");
        // 2024-12-31T16:00:00Z is already 2025-01-01 in Beijing.
        assert_eq!(beijing_date(1_735_660_800_000), "2025-01-01");
        assert_eq!(beijing_date(1_735_660_799_000), "2024-12-31");
    }

    #[test]
    fn names() {
        assert_eq!(snake("indentLevel"), "indent_level");
        assert_eq!(snake("zh-CN"), "zh_cn");
        assert_eq!(rust_field_name("type"), "type_");
        assert_eq!(error_name("invalid semester ID", 1), "InvalidSemesterId");
        assert_eq!(
            error_name("reviewee's metrics not found", 1),
            "RevieweesMetricsNotFound"
        );
        assert_eq!(error_name("", 1580101), "Error1580101");
    }
}
