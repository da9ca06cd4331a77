//! Reading rows from CSV.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::jobs::{InformationRow, MetricRow, OkrItemRow};

/// The columns of a key-metric file, in the API's words.
pub const METRIC_COLUMNS: [&str; 5] = [
    "reviewee_user_id",
    "metric_id",
    "field_id",
    "field_value",
    "field_value_person",
];

/// The columns of a supplementary-information file, in the API's words.
pub const INFORMATION_COLUMNS: [&str; 6] = [
    "item_id",
    "external_id",
    "reviewee_user_id",
    "item",
    "time",
    "detailed_description",
];

/// The columns of an OKR metric-item file, in the API's words.
pub const OKR_ITEM_COLUMNS: [&str; 7] = [
    "metric_source_id",
    "metric_table_id",
    "metric_item_id",
    "metric_initial_value",
    "metric_target_value",
    "metric_current_value",
    "supported_user_id",
];

/// Reads OKR metric-item rows (every value column may be empty or missing).
pub fn read_okr_item_rows(path: &Path) -> Result<Vec<OkrItemRow>, String> {
    read_rows(
        path,
        &OKR_ITEM_COLUMNS[..3],
        |row: &mut OkrItemRow, line| {
            row.line = line;
            for value in [
                &mut row.metric_initial_value,
                &mut row.metric_target_value,
                &mut row.metric_current_value,
                &mut row.supported_user_id,
            ] {
                *value = value.take().filter(|v| !v.is_empty());
            }
        },
    )
}

/// Reads key-metric rows (`field_value` and `field_value_person` may be empty or missing).
pub fn read_metric_rows(path: &Path) -> Result<Vec<MetricRow>, String> {
    read_rows(path, &METRIC_COLUMNS[..3], |row: &mut MetricRow, line| {
        row.line = line;
        row.field_value = row.field_value.take().filter(|v| !v.is_empty());
        row.field_value_person = row.field_value_person.take().filter(|v| !v.is_empty());
    })
}

/// Reads supplementary-information rows (`item_id` and `external_id` may be empty or missing).
pub fn read_information_rows(path: &Path) -> Result<Vec<InformationRow>, String> {
    read_rows(
        path,
        &INFORMATION_COLUMNS[2..],
        |row: &mut InformationRow, line| {
            row.line = line;
            row.item_id = row.item_id.take().filter(|v| !v.is_empty());
            row.external_id = row.external_id.take().filter(|v| !v.is_empty());
        },
    )
}

/// Reads a CSV file whose header names at least the `required` columns. Every
/// row keeps its line number; a malformed row fails the read with its line, so
/// no row is skipped silently.
fn read_rows<T: DeserializeOwned>(
    path: &Path,
    required: &[&str],
    finish: impl Fn(&mut T, u64),
) -> Result<Vec<T>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = reader
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .clone();
    for column in required {
        if !headers.iter().any(|h| h == *column) {
            return Err(format!(
                "{}: the header has no `{column}` column (it needs {})",
                path.display(),
                required.join(",")
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
        let mut row: T = record
            .deserialize(Some(&headers))
            .map_err(|e| format!("{}:{line}: {e}", path.display()))?;
        finish(&mut row, line);
        rows.push(row);
    }
    Ok(rows)
}
