//! Workbooks: `.xlsx`, `.xlsm`, `.xls` and `.ods`, read with calamine from
//! the file's bytes (known by their signature, whatever the name), the first
//! sheet or the one asked for. An `.xlsx` sheet is streamed cell by cell, so
//! only the table and the workbook's shared strings are held; the other
//! formats are read a sheet at a time.
//!
//! A cell becomes text as a person reads it: a number as the shortest text
//! that reads back as the same number (`95`, `0.1`), a formula as its cached
//! value, a date as the pages write dates (`2024-03-12`) where the column is
//! a date; a date elsewhere, a number where an id belongs (Excel keeps 15
//! digits of a number) and an error cell are kept as text and noted, so the
//! row is refused before sending with the fix.

use std::io::Cursor;

use calamine::{CellErrorType, Data, DataRef, ExcelDateTime, Reader, Sheets};

use super::cells::{self, ID_FIX, Kind};
use super::{Builder, Column, InputError, Sheet, Table};

/// A cell, whichever reader gave it.
enum Value<'a> {
    Empty,
    Text(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(ExcelDateTime),
    DateIso(&'a str),
    Duration(&'a str),
    Error(&'a CellErrorType),
}

impl<'a> From<&'a Data> for Value<'a> {
    fn from(data: &'a Data) -> Value<'a> {
        match data {
            Data::Empty => Value::Empty,
            Data::String(s) => Value::Text(s),
            Data::Int(i) => Value::Int(*i),
            Data::Float(f) => Value::Float(*f),
            Data::Bool(b) => Value::Bool(*b),
            Data::DateTime(d) => Value::Date(*d),
            Data::DateTimeIso(s) => Value::DateIso(s),
            Data::DurationIso(s) => Value::Duration(s),
            Data::Error(e) => Value::Error(e),
        }
    }
}

impl<'a> From<&'a DataRef<'a>> for Value<'a> {
    fn from(data: &'a DataRef<'a>) -> Value<'a> {
        match data {
            DataRef::Empty => Value::Empty,
            DataRef::String(s) => Value::Text(s),
            DataRef::SharedString(s) => Value::Text(s),
            DataRef::Int(i) => Value::Int(*i),
            DataRef::Float(f) => Value::Float(*f),
            DataRef::Bool(b) => Value::Bool(*b),
            DataRef::DateTime(d) => Value::Date(*d),
            DataRef::DateTimeIso(s) => Value::DateIso(s),
            DataRef::DurationIso(s) => Value::Duration(s),
            DataRef::Error(e) => Value::Error(e),
        }
    }
}

/// A cell's text, and what is wrong with it for its column (`kind`, `name`).
fn cell_text(value: Value<'_>, kind: Option<Kind>, name: &str) -> (String, Option<String>) {
    if let (Value::Float(f), Some(Kind::Id)) = (&value, kind)
        && !cells::exact_integer(*f)
    {
        let text = cells::number_text(*f);
        let note = format!(
            "{name}: `{text}` is a number cell, not text: Excel keeps 15 digits of a \
             number, so an id's last digits are lost; {ID_FIX}"
        );
        return (text, Some(note));
    }
    let date_elsewhere = |text: String| {
        let note = format!(
            "{name}: `{text}` is a date cell, and {name} is not a date: Excel made a date of \
             what was typed; format the column as Text and type the value again"
        );
        (text, Some(note))
    };
    match value {
        Value::Empty => (String::new(), None),
        Value::Text(s) => (s.trim().to_owned(), None),
        Value::Bool(b) => ((if b { "TRUE" } else { "FALSE" }).to_owned(), None),
        Value::Int(i) => (i.to_string(), None),
        Value::Float(f) => (cells::number_text(f), None),
        Value::Date(d) if d.is_duration() => {
            let text = cells::number_text(d.as_f64());
            let note = format!("{name}: `{text}` is a duration cell: format the column as Text");
            (text, Some(note))
        }
        Value::Date(d) => {
            let (y, mo, da, h, mi, s, _) = d.to_ymd_hms_milli();
            let text = cells::date_text(y, mo, da, h, mi, s);
            if kind == Some(Kind::Date) {
                (text, None)
            } else {
                date_elsewhere(text)
            }
        }
        Value::DateIso(s) => {
            let text = s
                .strip_suffix("T00:00:00")
                .unwrap_or(s)
                .replacen('T', " ", 1);
            if kind == Some(Kind::Date) {
                (text, None)
            } else {
                date_elsewhere(text)
            }
        }
        Value::Duration(s) => {
            let note = format!("{name}: `{s}` is a duration cell: format the column as Text");
            (s.to_owned(), Some(note))
        }
        Value::Error(e) => {
            let text = e.to_string();
            let note = format!(
                "{name}: the cell is an Excel error ({text}): fix its formula, or type the value"
            );
            (text, Some(note))
        }
    }
}

/// Turns one sheet row (cells by column position from A) into a table record.
struct Rows<'b, 'c> {
    table: &'b mut Builder<'c>,
    kinds: Vec<Option<Kind>>,
    names: Vec<String>,
}

impl Rows<'_, '_> {
    fn push(&mut self, line: u64, values: Vec<(usize, Value<'_>)>) {
        let width = values.iter().map(|(c, _)| c + 1).max().unwrap_or(0);
        let mut texts = vec![String::new(); width];
        let mut notes = Vec::new();
        let mut lost = Vec::new();
        let header = !self.table.has_header();
        for (c, value) in values {
            let kind = self.kinds.get(c).copied().flatten();
            if kind == Some(Kind::Id)
                && matches!(value, Value::Float(f) if !cells::exact_integer(f))
            {
                lost.push(c);
            }
            let name = self.names.get(c).map_or("", String::as_str);
            let (text, note) = if header {
                cell_text(value, None, "")
            } else {
                cell_text(value, kind, name)
            };
            texts[c] = text;
            notes.extend(note.filter(|_| kind.is_some()));
        }
        let cells: Vec<&str> = texts.iter().map(String::as_str).collect();
        let note = (!notes.is_empty()).then(|| notes.join("; "));
        self.table.record(line, &cells, note, &lost);
        if header && self.table.has_header() {
            self.kinds = self.table.kinds();
            self.names = texts;
        }
    }
}

/// Reads the workbook in `bytes`: the sheet asked for, or the first.
pub(crate) fn read(
    file: String,
    bytes: Vec<u8>,
    columns: &[Column],
    sheet: Option<&Sheet>,
) -> Result<Table, InputError> {
    let fail = |message: String| InputError::new(file.clone(), "row", vec![(None, message)]);
    let unreadable = |e: &dyn std::fmt::Display| {
        fail(format!(
            "looks like a workbook, but cannot be read as .xlsx, .xlsm, .xls or .ods ({e}): \
             open it in Excel and save it again, or save the sheet as \"CSV UTF-8\""
        ))
    };
    // The format by its signature: an OLE container is .xls; a ZIP whose first entry
    // is an OpenDocument `mimetype` is .ods; any other ZIP .xlsx or .xlsm.
    let ods = bytes.get(30..38) == Some(b"mimetype")
        && bytes[38..].starts_with(b"application/vnd.oasis.opendocument.spreadsheet");
    let mut book: Sheets<Cursor<Vec<u8>>> = match super::Format::sniff(&bytes) {
        super::Format::Ole => Sheets::Xls(
            calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(&e))?,
        ),
        _ if ods => Sheets::Ods(
            calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(&e))?,
        ),
        _ => Sheets::Xlsx(
            calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(&e))?,
        ),
    };
    let names = book.sheet_names();
    let listed = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{} `{n}`", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let name = match sheet {
        None => names.first().cloned(),
        Some(Sheet::Number(n)) => names.get(n - 1).cloned(),
        Some(Sheet::Name(wanted)) => names
            .iter()
            .find(|n| *n == wanted)
            .or_else(|| {
                names
                    .iter()
                    .find(|n| n.trim().eq_ignore_ascii_case(wanted.trim()))
            })
            .cloned(),
    }
    .ok_or_else(|| match sheet {
        None => fail("has no sheet".into()),
        Some(_) => fail(format!(
            "has no such sheet; its sheets are {listed}: pass --sheet NAME or --sheet N"
        )),
    })?;
    let source = format!("{file}, sheet {name}");
    let mut table = Builder::new(source, "row", columns, Vec::new());
    let mut rows = Rows {
        table: &mut table,
        kinds: Vec::new(),
        names: Vec::new(),
    };
    let read_error = |e: &dyn std::fmt::Display| {
        InputError::new(
            format!("{file}, sheet {name}"),
            "row",
            vec![(
                None,
                format!("cannot be read ({e}): open it in Excel and save it again"),
            )],
        )
    };
    match &mut book {
        Sheets::Xlsx(xlsx) => {
            let mut reader = xlsx
                .worksheet_cells_reader(&name)
                .map_err(|e| read_error(&e))?;
            let mut current: Option<u32> = None;
            let mut pending: Vec<(usize, DataRef<'_>)> = Vec::new();
            loop {
                let cell = reader.next_cell().map_err(|e| read_error(&e))?;
                let row = cell.as_ref().map(|c| c.get_position().0);
                if current.is_some() && row != current {
                    let values: Vec<(usize, Value<'_>)> =
                        pending.iter().map(|(c, v)| (*c, Value::from(v))).collect();
                    rows.push(u64::from(current.unwrap_or(0)) + 1, values);
                    pending.clear();
                }
                let Some(cell) = cell else { break };
                current = row;
                let (_, column) = cell.get_position();
                pending.push((column as usize, cell.get_value().clone()));
            }
        }
        other => {
            let range = other.worksheet_range(&name).map_err(|e| read_error(&e))?;
            let (row0, col0) = range.start().unwrap_or((0, 0));
            for (i, row) in range.rows().enumerate() {
                let values = row
                    .iter()
                    .enumerate()
                    .map(|(j, v)| (col0 as usize + j, Value::from(v)))
                    .collect();
                rows.push(u64::from(row0) + i as u64 + 1, values);
            }
        }
    }
    table.finish(Some(name))
}
