//! The output layer every command prints through: one result, four formats.
//!
//! - `table`: a header row and aligned columns (CJK counted double width),
//!   preceded for a document by its human summary. The default on a terminal.
//! - `json`: one JSON value (an array for a list, an object for a document),
//!   pretty-printed. The default when stdout is not a terminal.
//! - `ndjson`: a list as one compact JSON object a line; a document as one line.
//! - `csv`: the list (or a document's main table) with a header row.
//!
//! stdout carries only the result; progress, notes and errors go to stderr
//! ([`note!`](crate::note)). A reader that stops reading (`| head -1`) ends
//! the output quietly: a closed pipe is not an error.

use std::io::{self, IsTerminal, Write};

use serde::Serialize;

/// Output formats (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns with a header row.
    Table,
    /// One JSON value.
    Json,
    /// One JSON object a line.
    Ndjson,
    /// Comma-separated values with a header row.
    Csv,
}

impl Format {
    /// The chosen format, or the default: `table` on a terminal, `json` otherwise.
    pub fn resolve(chosen: Option<Format>) -> Format {
        chosen.unwrap_or(if io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        })
    }
}

/// Writes a line to stderr, ignoring a closed stderr (never panics).
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// A headed table: what `table` and `csv` print.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows of cells, as many as columns.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these columns and no rows.
    pub fn new<S: AsRef<str>>(columns: &[S]) -> Table {
        Table {
            columns: columns.iter().map(|c| c.as_ref().to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// Aligned columns, a header row first; the last column is not padded.
    pub fn write_aligned(&self, w: &mut dyn Write) -> io::Result<()> {
        let cell = |s: &str| s.replace(['\n', '\r', '\t'], " ");
        let header: Vec<String> = self.columns.iter().map(|c| c.to_uppercase()).collect();
        let body: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(|c| cell(c)).collect())
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
        for row in &body {
            for (i, c) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(width(c));
                }
            }
        }
        for row in std::iter::once(&header).chain(&body) {
            let mut line = String::new();
            for (i, c) in row.iter().enumerate() {
                if i + 1 < row.len() {
                    line.push_str(c);
                    line.push_str(&" ".repeat(widths[i] - width(c) + 2));
                } else {
                    line.push_str(c);
                }
            }
            writeln!(w, "{}", line.trim_end())?;
        }
        Ok(())
    }

    /// CSV with a header row.
    pub fn write_csv(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut writer = csv::Writer::from_writer(w);
        writer.write_record(&self.columns)?;
        for row in &self.rows {
            writer.write_record(row)?;
        }
        writer.flush()
    }
}

/// Display width: East Asian wide characters count two columns.
fn width(s: &str) -> usize {
    console::measure_text_width(s)
}

/// Prints results on stdout in the chosen format.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// The format.
    pub format: Format,
}

impl Output {
    /// Output in `format`.
    pub fn new(format: Format) -> Output {
        Output { format }
    }

    /// A list of records: `json` an array of `items` as serialised, `ndjson`
    /// one a line, `table` and `csv` the `table` (one row per item).
    pub fn list<T: Serialize>(&self, items: &[T], table: &Table) -> io::Result<()> {
        self.write(|w| match self.format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut *w, items)?;
                writeln!(w)
            }
            Format::Ndjson => {
                for item in items {
                    serde_json::to_writer(&mut *w, item)?;
                    writeln!(w)?;
                }
                Ok(())
            }
            Format::Table => table.write_aligned(w),
            Format::Csv => table.write_csv(w),
        })
    }

    /// One document: `json` pretty, `ndjson` on one line, `table` its `text`
    /// then its `table` (when it has rows), `csv` its `table`.
    pub fn document<T: Serialize>(&self, doc: &T, text: &str, table: &Table) -> io::Result<()> {
        self.write(|w| match self.format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut *w, doc)?;
                writeln!(w)
            }
            Format::Ndjson => {
                serde_json::to_writer(&mut *w, doc)?;
                writeln!(w)
            }
            Format::Table => {
                write!(w, "{text}")?;
                if !table.rows.is_empty() {
                    table.write_aligned(w)?;
                }
                Ok(())
            }
            Format::Csv => table.write_csv(w),
        })
    }

    /// Runs `f` on a buffered stdout; a reader that went away is not an error.
    fn write(&self, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
        let stdout = io::stdout();
        let mut w = io::BufWriter::new(stdout.lock());
        let result = f(&mut w).and_then(|()| w.flush());
        match result {
            Err(e) if is_broken_pipe(&e) => {
                // Drop what is buffered without trying to write it again.
                let _ = w.into_parts();
                Ok(())
            }
            other => other,
        }
    }
}

/// A closed pipe, also when wrapped by serde_json or csv.
fn is_broken_pipe(e: &io::Error) -> bool {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return true;
    }
    let Some(inner) = e.get_ref() else {
        return false;
    };
    if let Some(json) = inner.downcast_ref::<serde_json::Error>() {
        return json.io_error_kind() == Some(io::ErrorKind::BrokenPipe);
    }
    if let Some(csv) = inner.downcast_ref::<csv::Error>()
        && let csv::ErrorKind::Io(io) = csv.kind()
    {
        return io.kind() == io::ErrorKind::BrokenPipe;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_wide_characters_and_keep_a_header() {
        let mut t = Table::new(&["id", "name", "status"]);
        t.push(vec!["1".into(), "绩效模板".into(), "enabled".into()]);
        t.push(vec!["22".into(), "kpi".into(), "disabled".into()]);
        let mut out = Vec::new();
        t.write_aligned(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "ID  NAME      STATUS\n1   绩效模板  enabled\n22  kpi       disabled\n"
        );
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let mut t = Table::new(&["line", "reason"]);
        t.push(vec!["2".into(), "a, \"b\"".into()]);
        let mut out = Vec::new();
        t.write_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "line,reason\n2,\"a, \"\"b\"\"\"\n"
        );
    }

    #[test]
    fn a_broken_pipe_is_recognised_through_wrappers() {
        let inner = io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&inner));
        let json = io::Error::other(serde_json::Error::io(io::Error::from(
            io::ErrorKind::BrokenPipe,
        )));
        assert!(is_broken_pipe(&json));
        let csv = io::Error::from(csv::Error::from(io::Error::from(io::ErrorKind::BrokenPipe)));
        assert!(is_broken_pipe(&csv));
        assert!(!is_broken_pipe(&io::Error::from(io::ErrorKind::NotFound)));
    }
}
