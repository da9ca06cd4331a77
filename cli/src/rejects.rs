//! The rejects file: the rejected rows as an input file. It has the input's
//! own columns, in the input's order, then `line`, `code` and `reason`; a user
//! fixes the rows (in Excel) and imports the file as it is, since the importer
//! ignores exactly those three columns. The rejects of a workbook are a
//! workbook (`line` is then the row in the sheet read), of a CSV file a CSV file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::batch::Rejection;
use crate::input::{REJECT_COLUMNS, Table};
use crate::sheets::{self, SheetColumn, SheetData};

/// Where the rejects of `file` go by default: `kpi.rejects.csv` beside
/// `kpi.csv`, `kpi.rejects.xlsx` beside a workbook.
pub fn default_path(file: &Path, table: &Table) -> PathBuf {
    if table.sheet().is_some() {
        file.with_extension("rejects.xlsx")
    } else {
        file.with_extension("rejects.csv")
    }
}

/// Writes the rows of `rejections` to `path`, one line per row, in file
/// order: a workbook when `path` ends in `.xlsx`, else CSV (UTF-8 with a
/// byte-order mark, so Excel shows Chinese text correctly). Returns the
/// number of rows written.
pub fn write_rejects(
    path: &Path,
    table: &Table,
    rejections: &[Rejection],
) -> Result<usize, String> {
    if sheets::is_workbook_path(path) {
        let rows = rejects_rows(table, rejections);
        let count = rows.len();
        let width = table.header().len();
        let mut number_cells = Vec::new();
        for (r, record) in rows.iter().enumerate() {
            let line = record[width].parse::<u64>().unwrap_or(0);
            if let Some(row) = table.row_at_line(line) {
                number_cells.extend((0..width).filter(|&c| row.is_number_id(c)).map(|c| (r, c)));
            }
        }
        let sheet = SheetData {
            name: format!("{} rejects", table.sheet().unwrap_or("rows")),
            columns: table
                .header()
                .iter()
                .map(|h| {
                    if crate::input::NAME_COLUMNS.contains(&h.as_str()) {
                        SheetColumn::read_only(h)
                    } else {
                        SheetColumn::input(h)
                    }
                })
                .chain(REJECT_COLUMNS.iter().map(|c| SheetColumn::read_only(c)))
                .collect(),
            rows,
            validations: Vec::new(),
            number_cells,
        };
        sheets::write_workbook(path, &[sheet])?;
        return Ok(count);
    }
    let io = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    file.write_all(b"\xEF\xBB\xBF").map_err(io)?;
    let rows = rejects_csv(&mut file, table, rejections)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.flush().map_err(io)?;
    Ok(rows)
}

/// The rejected rows, in file order: the input's cells, then line, code and reason.
fn rejects_rows(table: &Table, rejections: &[Rejection]) -> Vec<Vec<String>> {
    let mut rows: Vec<(u64, &Rejection)> = rejections
        .iter()
        .flat_map(|r| r.lines.iter().map(move |&line| (line, r)))
        .collect();
    rows.sort_by_key(|&(line, _)| line);
    rows.iter()
        .map(|&(line, rejection)| {
            let mut record: Vec<String> = match table.row_at_line(line) {
                Some(row) => row.cells().map(str::to_owned).collect(),
                None => vec![String::new(); table.header().len()],
            };
            record.push(line.to_string());
            record.push(rejection.code.map(|c| c.to_string()).unwrap_or_default());
            record.push(rejection.reason.clone());
            record
        })
        .collect()
}

/// Writes the rejects file's CSV (without a byte-order mark) to `out`.
pub fn rejects_csv(
    out: impl Write,
    table: &Table,
    rejections: &[Rejection],
) -> Result<usize, csv::Error> {
    let rows = rejects_rows(table, rejections);
    let mut writer = csv::Writer::from_writer(out);
    let header: Vec<&str> = table
        .header()
        .iter()
        .map(String::as_str)
        .chain(REJECT_COLUMNS)
        .collect();
    writer.write_record(&header)?;
    for record in &rows {
        writer.write_record(record)?;
    }
    writer.flush()?;
    Ok(rows.len())
}
