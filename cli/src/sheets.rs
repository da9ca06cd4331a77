//! Writing workbooks (`.xlsx`, with rust_xlsxwriter): the exports, the
//! template to fill, and the rejects of a workbook. Every cell is written as
//! text, ids first of all (Excel keeps 15 digits of a number), and an id
//! column is formatted as Text so that an id typed into it stays one;
//! read-only columns (names, types, current values) are shaded; a column
//! may carry Excel data validation, row by row.

use std::path::Path;

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, Format, FormatBorder, Workbook, XlsxError,
};

use crate::input::cells::{self, Kind};

/// One column of a sheet to write.
#[derive(Debug, Clone)]
pub struct SheetColumn {
    /// The header cell.
    pub header: String,
    /// Shaded, for reading: the import ignores it.
    pub read_only: bool,
}

impl SheetColumn {
    /// A column the import reads.
    pub fn input(header: &str) -> SheetColumn {
        SheetColumn {
            header: header.to_owned(),
            read_only: false,
        }
    }

    /// A column for reading only.
    pub fn read_only(header: &str) -> SheetColumn {
        SheetColumn {
            header: header.to_owned(),
            read_only: true,
        }
    }
}

/// What a cell of a column may hold, checked by Excel as it is typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Validation {
    /// A decimal number.
    Number,
    /// One of these words.
    List(Vec<String>),
}

/// A sheet: its name, columns, rows, and validations (row index, column, rule).
#[derive(Debug, Clone, Default)]
pub struct SheetData {
    /// The sheet's name.
    pub name: String,
    /// The columns.
    pub columns: Vec<SheetColumn>,
    /// The rows, a cell a column.
    pub rows: Vec<Vec<String>>,
    /// Data validations: (first row index, last row index, column index, rule).
    pub validations: Vec<(usize, usize, usize, Validation)>,
    /// Cells written as numbers, not text (row index, column index), in order: a rejects
    /// workbook's ids that were number cells, so that a re-import refuses them again.
    pub number_cells: Vec<(usize, usize)>,
}

impl SheetData {
    /// Adds `rule` to `column` of row `row`, joined with the previous one when it continues it.
    pub fn validate(&mut self, row: usize, column: usize, rule: Validation) {
        if let Some(last) = self.validations.last_mut()
            && last.1 + 1 == row
            && last.2 == column
            && last.3 == rule
        {
            last.1 = row;
            return;
        }
        self.validations.push((row, row, column, rule));
    }
}

/// Writes `sheets` to the workbook `path`.
pub fn write_workbook(path: &Path, sheets: &[SheetData]) -> Result<(), String> {
    let fail = |e: XlsxError| format!("{}: {e}", path.display());
    let mut book = Workbook::new();
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(safe_name(&sheet.name)).map_err(fail)?;
        let header = Format::new()
            .set_bold()
            .set_border_bottom(FormatBorder::Thin);
        let shaded = Format::new().set_background_color(Color::RGB(0xEE_EE_EE));
        let shaded_header = header.clone().set_background_color(Color::RGB(0xDD_DD_DD));
        let text = Format::new().set_num_format("@");
        for (c, column) in sheet.columns.iter().enumerate() {
            let c16 = u16::try_from(c).map_err(|_| "too many columns".to_owned())?;
            let id = cells::kind(&column.header) == Some(Kind::Id);
            let width = column.header.chars().count().max(12) as f64 + 2.0;
            ws.set_column_width(c16, if id { width.max(22.0) } else { width })
                .map_err(fail)?;
            if column.read_only {
                ws.set_column_format(c16, &shaded).map_err(fail)?;
                ws.write_string_with_format(0, c16, &column.header, &shaded_header)
                    .map_err(fail)?;
            } else {
                if id {
                    ws.set_column_format(c16, &text).map_err(fail)?;
                }
                ws.write_string_with_format(0, c16, &column.header, &header)
                    .map_err(fail)?;
            }
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r32 = u32::try_from(r + 1).map_err(|_| "too many rows".to_owned())?;
            for (c, value) in row.iter().enumerate() {
                if value.is_empty() {
                    continue;
                }
                let c16 = u16::try_from(c).map_err(|_| "too many columns".to_owned())?;
                let column = sheet.columns.get(c);
                let number = value
                    .parse::<f64>()
                    .ok()
                    .filter(|_| sheet.number_cells.binary_search(&(r, c)).is_ok());
                if let Some(number) = number {
                    ws.write_number(r32, c16, number).map_err(fail)?;
                } else if column.is_some_and(|c| c.read_only) {
                    ws.write_string_with_format(r32, c16, value, &shaded)
                        .map_err(fail)?;
                } else if column.is_some_and(|c| cells::kind(&c.header) == Some(Kind::Id)) {
                    ws.write_string_with_format(r32, c16, value, &text)
                        .map_err(fail)?;
                } else {
                    ws.write_string(r32, c16, value).map_err(fail)?;
                }
            }
        }
        for (first, last, column, rule) in &sheet.validations {
            let validation = match rule {
                Validation::Number => DataValidation::new()
                    .allow_decimal_number(DataValidationRule::Between(-1e15, 1e15))
                    .set_error_message("A number: half-width digits, no separators, no %")
                    .map_err(fail)?,
                Validation::List(words) => DataValidation::new()
                    .allow_list_strings(words)
                    .map_err(fail)?,
            };
            let (first, last) = (
                u32::try_from(first + 1).map_err(|_| "too many rows".to_owned())?,
                u32::try_from(last + 1).map_err(|_| "too many rows".to_owned())?,
            );
            let column = u16::try_from(*column).map_err(|_| "too many columns".to_owned())?;
            ws.add_data_validation(first, column, last, column, &validation)
                .map_err(fail)?;
        }
        ws.set_freeze_panes(1, 0).map_err(fail)?;
    }
    book.save(path).map_err(fail)
}

/// A sheet name Excel takes: at most 31 characters, none of `[]:*?/\`.
fn safe_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    let clean = clean.trim_matches('\'').to_owned();
    if clean.is_empty() {
        "Sheet1".into()
    } else {
        clean
    }
}

/// Whether `path` names a workbook to write (`.xlsx`, `.xlsm`).
pub fn is_workbook_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx") || e.eq_ignore_ascii_case("xlsm"))
}
