//! What a column holds, and what Excel does to it.
//!
//! Excel turns a 19-digit id into a number (`7.27258E+18`, its last digits
//! gone), types `９２` with a Chinese input method, shows `1,234.5` and `95%`,
//! and makes dates of what looks like one. Each is caught here, before
//! anything is sent, with the line, the column, the value and the fix; the
//! rewrites that cannot change a value's meaning (full-width digits,
//! thousands separators, a `%` on a percentage field) are made only when
//! asked (`--normalize`), and each is listed.

use super::Row;

/// What a column holds, by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An id Feishu gave (a person, a metric, a field, an item): text, never a number.
    Id,
    /// A number.
    Number,
    /// A date, as text (information `time`).
    Date,
    /// Free text (a value whose type is the field's: see [`field_kind`]).
    Text,
}

/// The id columns of every import.
const IDS: [&str; 11] = [
    "reviewee_user_id",
    "metric_id",
    "field_id",
    "item_id",
    "external_id",
    "field_value_person",
    "metric_source_id",
    "metric_table_id",
    "metric_item_id",
    "supported_user_id",
    "indicator_id",
];

/// The number columns (OKR progress).
const NUMBERS: [&str; 7] = [
    "metric_initial_value",
    "metric_target_value",
    "metric_current_value",
    "start_value",
    "target_value",
    "current_value",
    "unit_value",
];

/// The kind of the column named `name`; `None` for a column of no job.
pub fn kind(name: &str) -> Option<Kind> {
    if IDS.contains(&name) {
        Some(Kind::Id)
    } else if NUMBERS.contains(&name) {
        Some(Kind::Number)
    } else if name == "time" {
        Some(Kind::Date)
    } else {
        Some(Kind::Text)
    }
}

/// The type a metric field's value must have, from the row's `field_type`
/// (an export's or template's read-only column, in the words of
/// `metric_field.query`: text, number, pencentage, person).
pub fn field_kind(field_type: &str) -> Option<FieldType> {
    match field_type.trim() {
        "number" => Some(FieldType::Number),
        // The page spells it `pencentage`; the correct spelling is read too.
        "pencentage" | "percentage" => Some(FieldType::Percentage),
        _ => None,
    }
}

/// A metric field type whose values are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `number`.
    Number,
    /// `pencentage` (sic): a number; a trailing `%` may be dropped with `--normalize`.
    Percentage,
}

/// The fix for an id Excel has turned into a number.
pub const ID_FIX: &str =
    "format the column as Text, or start from the workbook export (`metrics export -o kpi.xlsx`)";

/// The shortest text that reads back as `value` (`95`, not `95.0`; `0.1`).
pub fn number_text(value: f64) -> String {
    if value == 0.0 {
        return "0".into(); // -0 too
    }
    format!("{value}")
}

/// Whether `value` is exactly an integer a double holds without loss (below 2^53).
pub fn exact_integer(value: f64) -> bool {
    value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0
}

/// A date (and time, when it has one) as the pages write dates: `2024-03-12`, `2024-03-12 09:30:00`.
pub fn date_text(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> String {
    if (hour, minute, second) == (0, 0, 0) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
    }
}

/// Checks an id cell's text: scientific notation, a decimal number, inner
/// spaces are what Excel (or a copy from it) leaves, never an id.
pub fn check_id(column: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    let bad = if scientific(value) {
        "a number in scientific notation, not an id: Excel turned the id into a number and lost its last digits"
    } else if decimal(value) {
        "a number with a decimal point, not an id: Excel turned the id into a number"
    } else if value.chars().any(char::is_whitespace) {
        "not an id: an id has no spaces (a cell copied with its neighbour?)"
    } else if value.starts_with('#') && value.ends_with(['!', 'A', '?']) {
        "an Excel error, not an id"
    } else {
        return Ok(());
    };
    Err(format!("{column}: `{value}` is {bad}; {ID_FIX}"))
}

fn scientific(value: &str) -> bool {
    let Some((mantissa, exponent)) = value.split_once(['e', 'E']) else {
        return false;
    };
    let mantissa = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => digits(a) && (b.is_empty() || digits(b)),
        None => digits(mantissa),
    };
    mantissa_ok && digits(exponent)
}

fn decimal(value: &str) -> bool {
    match value.split_once('.') {
        Some((a, b)) => {
            !a.is_empty()
                && a.bytes().all(|b| b.is_ascii_digit())
                && !b.is_empty()
                && b.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// What is wrong with a number's text, and its safe rewrite when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFault {
    /// What it is and how to fix it.
    pub reason: String,
    /// The rewrite `--normalize` makes, when it cannot change the meaning.
    pub rewrite: Option<String>,
}

/// Checks a number's text. `Ok` for what reads as a number (the caller
/// judges `NaN` and the like); a fault for what Excel or an input method
/// makes of one: full-width digits, thousands separators, a percent sign, a date.
/// `strict`: any other text is a fault too (a metric field of type number).
pub fn check_number(value: &str, percentage: bool, strict: bool) -> Result<(), NumberFault> {
    if value.is_empty() || value.parse::<f64>().is_ok() {
        return Ok(());
    }
    let halfwidth: String = value.chars().map(halfwidth).collect();
    if halfwidth != value {
        let rewrite = check_number(&halfwidth, percentage, strict)
            .map_or_else(|f| f.rewrite, |()| Some(halfwidth.clone()));
        return Err(NumberFault {
            reason: format!(
                "`{value}` has full-width characters (a Chinese input method's): type it in half-width, `{halfwidth}`"
            ),
            rewrite,
        });
    }
    if let Some(plain) = thousands(value) {
        return Err(NumberFault {
            reason: format!(
                "`{value}` has thousands separators: write it `{plain}` (format the column as General or as Number without separators)"
            ),
            rewrite: Some(plain),
        });
    }
    if let Some(number) = value.strip_suffix(['%', '％']).map(str::trim)
        && number.parse::<f64>().is_ok()
    {
        return Err(NumberFault {
            reason: if percentage {
                format!(
                    "`{value}` has a percent sign: a percentage field takes the number alone, `{number}`"
                )
            } else {
                format!(
                    "`{value}` is a percentage, and the field takes a plain number: write the number the field means (`{number}` or its fraction)"
                )
            },
            rewrite: percentage.then(|| number.to_owned()),
        });
    }
    if looks_like_date(value) {
        return Err(NumberFault {
            reason: format!(
                "`{value}` is a date, and the field takes a number: Excel may have made a date of it; format the column as General and type the number"
            ),
            rewrite: None,
        });
    }
    if strict {
        return Err(NumberFault {
            reason: format!("`{value}` is not a number"),
            rewrite: None,
        });
    }
    Ok(())
}

fn halfwidth(c: char) -> char {
    match c {
        '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
        '．' | '。' => '.',
        '，' => ',',
        '－' | '−' => '-',
        '＋' => '+',
        '％' => '%',
        '\u{3000}' => ' ',
        other => other,
    }
}

/// `1,234.5` without its separators, when every group after the first has three digits.
fn thousands(value: &str) -> Option<String> {
    let (sign, rest) = match value.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", value),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut groups = int.split(',');
    let first = groups.next()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(first) || first.len() > 3 || !int.contains(',') {
        return None;
    }
    if !groups.all(|g| g.len() == 3 && digits(g)) {
        return None;
    }
    if frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    let plain = format!(
        "{sign}{}{}",
        int.replace(',', ""),
        frac.map(|f| format!(".{f}")).unwrap_or_default()
    );
    Some(plain)
}

/// `2026/11/30`, `2026-11-30`, `11/30/2026`: three groups of digits, one of four.
fn looks_like_date(value: &str) -> bool {
    let date = value.split([' ', 'T']).next().unwrap_or(value);
    let parts: Vec<&str> = date.split(['/', '-', '.']).collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts.iter().any(|p| p.len() == 4)
}

/// What a row's cells hold checked against their columns: ids, numbers, a
/// metric value against the row's `field_type`. `Err` names the column, the value and the fix.
pub fn check_row(row: Row<'_>, columns: &[super::Column]) -> Result<(), String> {
    if let Some(problem) = row.problem() {
        return Err(problem.to_owned());
    }
    let mut faults = Vec::new();
    for (c, column) in columns.iter().enumerate() {
        let value = row.get(c);
        match kind(column.name) {
            Some(Kind::Id) => {
                if let Err(e) = check_id(column.name, value) {
                    faults.push(e);
                }
            }
            Some(Kind::Number) => {
                if let Err(f) = check_number(value, false, false) {
                    faults.push(format!("{}: {}", column.name, f.reason));
                }
            }
            _ if column.name == "field_value" => {
                let field = row.named("field_type").and_then(field_kind);
                if let Some(field) = field {
                    let percentage = field == FieldType::Percentage;
                    if let Err(f) = check_number(value, percentage, true) {
                        let fix = if f.rewrite.is_some() {
                            " (or pass --normalize to rewrite it)"
                        } else {
                            ""
                        };
                        faults.push(format!("field_value: {}{fix}", f.reason));
                    }
                }
            }
            _ => {}
        }
    }
    if faults.is_empty() {
        Ok(())
    } else {
        Err(faults.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_their_shortest_text() {
        assert_eq!(number_text(95.0), "95");
        assert_eq!(number_text(0.1), "0.1");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(1234.5), "1234.5");
        assert_eq!(number_text(1e21), "1000000000000000000000");
        assert!(exact_integer(12345.0));
        assert!(!exact_integer(7.27258e18));
    }

    #[test]
    fn ids_excel_damaged_are_refused_with_the_fix() {
        let e = check_id("metric_id", "7.27258E+18").unwrap_err();
        assert!(
            e.contains("scientific notation") && e.contains("format the column as Text"),
            "{e}"
        );
        assert!(check_id("metric_id", "7272580325522276372.0").is_err());
        assert!(check_id("reviewee_user_id", "ou 1").is_err());
        assert!(check_id("metric_id", "#N/A").is_err());
        assert_eq!(
            check_id("reviewee_user_id", "ou_3245842393d09e9428ad4655da6e30b3"),
            Ok(())
        );
        assert_eq!(check_id("reviewee_user_id", "e1234"), Ok(()));
        assert_eq!(check_id("metric_id", "7272580325522276372"), Ok(()));
    }

    #[test]
    fn excel_numbers_are_refused_and_rewritten_only_when_safe() {
        let f = check_number("９２", false, true).unwrap_err();
        assert_eq!(f.rewrite.as_deref(), Some("92"));
        let f = check_number("1,234.5", false, true).unwrap_err();
        assert_eq!(f.rewrite.as_deref(), Some("1234.5"));
        let f = check_number("１,２３４", false, true).unwrap_err();
        assert_eq!(f.rewrite.as_deref(), Some("1234"));
        assert_eq!(
            check_number("95%", true, true)
                .unwrap_err()
                .rewrite
                .as_deref(),
            Some("95")
        );
        assert_eq!(check_number("95%", false, true).unwrap_err().rewrite, None);
        let f = check_number("2026/11/30", false, true).unwrap_err();
        assert!(f.reason.contains("is a date"), "{}", f.reason);
        assert_eq!(f.rewrite, None);
        assert!(
            check_number("12,34", false, true)
                .unwrap_err()
                .rewrite
                .is_none()
        );
        assert_eq!(check_number("lots", false, false), Ok(()));
        assert!(check_number("lots", false, true).is_err());
        assert_eq!(check_number("-3.5", false, true), Ok(()));
    }
}
