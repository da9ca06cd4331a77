//! The rejects file: the rejected rows as an input file. It has the input's
//! own columns, in the input's order, then `line`, `code` and `reason`; a user
//! fixes the rows (in Excel) and imports the file as it is, since the importer
//! ignores exactly those three columns.

use std::io::Write;
use std::path::Path;

use crate::batch::Rejection;
use crate::input::{REJECT_COLUMNS, Table};

/// Writes the rows of `rejections` to `path` (UTF-8 with a byte-order mark, so
/// Excel shows Chinese text correctly), one line per row, in file order.
/// Returns the number of rows written.
pub fn write_rejects(
    path: &Path,
    table: &Table,
    rejections: &[Rejection],
) -> Result<usize, String> {
    let io = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    file.write_all(b"\xEF\xBB\xBF").map_err(io)?;
    let rows = rejects_csv(&mut file, table, rejections)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.flush().map_err(io)?;
    Ok(rows)
}

/// Writes the rejects file's CSV (without a byte-order mark) to `out`.
pub fn rejects_csv(
    out: impl Write,
    table: &Table,
    rejections: &[Rejection],
) -> Result<usize, csv::Error> {
    let mut rows: Vec<(u64, &Rejection)> = rejections
        .iter()
        .flat_map(|r| r.lines.iter().map(move |&line| (line, r)))
        .collect();
    rows.sort_by_key(|&(line, _)| line);
    let mut writer = csv::Writer::from_writer(out);
    let header: Vec<&str> = table
        .header()
        .iter()
        .map(String::as_str)
        .chain(REJECT_COLUMNS)
        .collect();
    writer.write_record(&header)?;
    for &(line, rejection) in &rows {
        let code = rejection.code.map(|c| c.to_string()).unwrap_or_default();
        let mut record: Vec<&str> = match table.row_at_line(line) {
            Some(row) => row.cells().collect(),
            None => vec![""; table.header().len()],
        };
        let line = line.to_string();
        record.extend([line.as_str(), code.as_str(), rejection.reason.as_str()]);
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(rows.len())
}
