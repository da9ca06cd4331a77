//! Reading rows from CSV.

use std::path::Path;

use crate::batch::MetricRow;

/// The columns of a metric CSV file, in the API's words.
pub const METRIC_COLUMNS: [&str; 5] = [
    "reviewee_user_id",
    "metric_id",
    "field_id",
    "field_value",
    "field_value_person",
];

/// Reads metric rows from a CSV file with a header line naming
/// [`METRIC_COLUMNS`] (`field_value` and `field_value_person` may be empty or
/// missing). Every row keeps its line number; a malformed row fails the read
/// with its line, so no row is skipped silently.
pub fn read_metric_rows(path: &Path) -> Result<Vec<MetricRow>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = reader
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .clone();
    for column in &METRIC_COLUMNS[..3] {
        if !headers.iter().any(|h| h == *column) {
            return Err(format!(
                "{}: the header has no `{column}` column (expected {})",
                path.display(),
                METRIC_COLUMNS.join(",")
            ));
        }
    }
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
        let line = record.position().map_or(0, csv::Position::line);
        let mut row: MetricRow = record
            .deserialize(Some(&headers))
            .map_err(|e| format!("{}:{line}: {e}", path.display()))?;
        row.line = line;
        row.field_value = row.field_value.filter(|v| !v.is_empty());
        row.field_value_person = row.field_value_person.filter(|v| !v.is_empty());
        rows.push(row);
    }
    Ok(rows)
}
