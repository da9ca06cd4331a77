//! Reading an input file into a compact [`Table`] that remembers each row's
//! physical line (a CSV file) or row number (a workbook's sheet).
//!
//! - [`text`]: delimited text in any of the encodings Excel writes, with any
//!   line ending, comma, tab or semicolon separated.
//! - [`workbook`]: `.xlsx`, `.xlsm`, `.xls` and `.ods`, known by their
//!   signature whatever the file's name.
//! - [`header`]: the header checked against a job's columns.
//! - [`cells`]: what a column holds (an id, a number, a date), and the checks
//!   that catch what Excel does to such cells before anything is sent.
//!
//! The table keeps every cell's text in one buffer (a CSV file's own,
//! compacted in place) and each cell as an end offset, so a file takes about
//! its own size in memory plus four bytes a cell: a 79 MB file of a million
//! rows is held in about 100 MB.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub mod cells;
pub mod header;
pub mod text;
pub mod workbook;

use header::Header;

/// One column of an input file, in the API's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The header cell.
    pub name: &'static str,
    /// Whether a file must have it (a cell may still be empty).
    pub required: bool,
}

pub use header::{NAME_COLUMNS, REJECT_COLUMNS};

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

/// The text encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (the default; a byte-order mark is skipped).
    Utf8,
    /// GBK, as Excel in Chinese saves "CSV (逗号分隔)" (decoded as its superset GB18030).
    Gbk,
    /// GB18030.
    Gb18030,
}

impl FromStr for Encoding {
    type Err = String;

    fn from_str(s: &str) -> Result<Encoding, String> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gbk" | "cp936" => Ok(Encoding::Gbk),
            "gb18030" => Ok(Encoding::Gb18030),
            other => Err(format!(
                "unknown encoding {other:?}: use utf-8, gbk or gb18030"
            )),
        }
    }
}

/// Where rows come from: a file, or standard input (`-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

impl Source {
    /// `-` is standard input; anything else a file.
    pub fn from_arg(path: &Path) -> Source {
        if path.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::File(path.to_owned())
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Stdin => f.write_str("<stdin>"),
        }
    }
}

/// One problem of a file: where (a line or row, when there is one) and what.
pub type Problem = (Option<u64>, String);

/// Why a file could not be read, always naming the file (a workbook: its
/// sheet) and the line or row of each problem. Every structural problem of
/// the file is listed, not only the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file (`<stdin>` for standard input; `kpi.xlsx, sheet KPI` for a workbook).
    pub source: String,
    /// The physical line or row (1 is the first) of the first problem, when it is on one.
    pub line: Option<u64>,
    /// What the first problem is and how to fix it.
    pub message: String,
    /// The other problems, in file order.
    pub more: Vec<Problem>,
    /// `line` (a text file) or `row` (a sheet): how positions are named.
    pub unit: &'static str,
}

impl InputError {
    fn new(source: String, unit: &'static str, mut problems: Vec<Problem>) -> InputError {
        let (line, message) = if problems.is_empty() {
            (None, "unreadable".to_owned())
        } else {
            problems.remove(0)
        };
        InputError {
            source,
            line,
            message,
            more: problems,
            unit,
        }
    }

    /// Every problem, the first included.
    pub fn problems(&self) -> impl Iterator<Item = (Option<u64>, &str)> {
        std::iter::once((self.line, self.message.as_str()))
            .chain(self.more.iter().map(|(l, m)| (*l, m.as_str())))
    }
}

/// At most this many problems are spelt out; the rest are counted.
const LISTED: usize = 20;

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |line: Option<u64>| match (line, self.unit) {
            (Some(line), "line") => format!("{}:{line}: ", self.source),
            (Some(line), unit) => format!("{}, {unit} {line}: ", self.source),
            (None, _) => format!("{}: ", self.source),
        };
        write!(f, "{}{}", at(self.line), self.message)?;
        if self.more.is_empty() {
            return Ok(());
        }
        write!(f, " ({} problems in all)", self.more.len() + 1)?;
        for (line, message) in self.more.iter().take(LISTED - 1) {
            write!(f, "\n  {}{message}", at(*line))?;
        }
        if self.more.len() >= LISTED {
            write!(f, "\n  ... and {} more", self.more.len() + 1 - LISTED)?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Which sheet of a workbook to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sheet {
    /// By name.
    Name(String),
    /// By position, 1 the first.
    Number(usize),
}

impl FromStr for Sheet {
    type Err = String;

    /// A number is a position (1 the first), anything else a name.
    fn from_str(s: &str) -> Result<Sheet, String> {
        if s.is_empty() {
            return Err("a sheet name, or its number (1 is the first)".into());
        }
        match s.parse::<usize>() {
            Ok(0) => Err("sheets are numbered from 1".into()),
            Ok(n) => Ok(Sheet::Number(n)),
            Err(_) => Ok(Sheet::Name(s.to_owned())),
        }
    }
}

/// How to read a file beyond its columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// A text file's encoding (default: a byte-order mark, else UTF-8).
    pub encoding: Option<Encoding>,
    /// A text file's delimiter (default: the header's own, comma, tab or semicolon).
    pub delimiter: Option<u8>,
    /// A workbook's sheet (default: the first).
    pub sheet: Option<Sheet>,
}

/// What a file is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text.
    Text,
    /// A workbook in a ZIP container: `.xlsx`, `.xlsm` or `.ods`.
    Zip,
    /// A workbook in an OLE container: `.xls`.
    Ole,
}

impl Format {
    /// The format `bytes` start with.
    pub fn sniff(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") {
            Format::Zip
        } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            Format::Ole
        } else {
            Format::Text
        }
    }
}

/// The rows of an input file, compactly: one text buffer and an offset a cell.
#[derive(Debug, Clone)]
pub struct Table {
    source: String,
    /// The sheet, when the file is a workbook.
    sheet: Option<String>,
    /// The file's columns, in its order, without the ignored ones.
    header: Vec<String>,
    /// For each column the job knows, where it is in `header`.
    map: Vec<Option<usize>>,
    text: String,
    /// End offset in `text` of every kept cell, row by row.
    ends: Vec<u32>,
    /// Physical line (or sheet row) of each row.
    lines: Vec<u32>,
    /// What reading found wrong with a row's cells (a number where an id
    /// belongs, a date cell, an error cell), by row index, in order.
    notes: Vec<(u32, Box<str>)>,
    /// Rows of a template left blank, skipped.
    skipped_blank: usize,
    /// Cells `--normalize` rewrote, by cell index, in order.
    rewritten: Vec<(u32, Box<str>)>,
    /// Id cells that were number cells in the workbook (their digits lost), by cell index.
    number_ids: Vec<u32>,
}

/// A value `--normalize` rewrote (full-width digits, thousands separators, a
/// `%` on a percentage field): nothing else is ever rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The row's line (or sheet row).
    pub line: u64,
    /// The column.
    pub column: String,
    /// The value in the file.
    pub from: String,
    /// The value sent.
    pub to: String,
}

/// One row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'t> {
    table: &'t Table,
    index: u32,
}

impl<'t> Row<'t> {
    /// The row's physical line in the file, or its row number in the sheet
    /// (the header is on line 1 in most files).
    pub fn line(&self) -> u64 {
        u64::from(self.table.lines[self.index as usize])
    }

    /// The row's position in the table.
    pub fn index(&self) -> usize {
        self.index as usize
    }

    /// The cell of the job's column `column` (its index in the job's columns),
    /// trimmed; empty when the file has no such column.
    pub fn get(&self, column: usize) -> &'t str {
        match self.table.map.get(column).copied().flatten() {
            Some(kept) => self.table.cell(self.index as usize, kept),
            None => "",
        }
    }

    /// The cell of `column`, or `None` when it is empty.
    pub fn opt(&self, column: usize) -> Option<&'t str> {
        Some(self.get(column)).filter(|v| !v.is_empty())
    }

    /// The cell under the header `name` (a read-only column such as
    /// `field_type` included), or `None` when there is no such column or the cell is empty.
    pub fn named(&self, name: &str) -> Option<&'t str> {
        let c = self.table.header.iter().position(|h| h == name)?;
        Some(self.table.cell(self.index as usize, c)).filter(|v| !v.is_empty())
    }

    /// Every cell, in the file's column order.
    pub fn cells(&self) -> impl Iterator<Item = &'t str> + 't {
        let (table, index) = (self.table, self.index as usize);
        (0..table.header.len()).map(move |c| table.cell(index, c))
    }

    /// Whether the cell of the file's column `column` (its position in [`Table::header`]) was
    /// an id given as a number cell (its digits lost): a rejects workbook writes it as a
    /// number again, so that it is refused again until it is fixed.
    pub fn is_number_id(&self, column: usize) -> bool {
        let index = (self.index as usize * self.table.header.len() + column) as u32;
        self.table.number_ids.binary_search(&index).is_ok()
    }

    /// What reading found wrong with the row's cells, if anything (a job refuses such a row).
    pub fn problem(&self) -> Option<&'t str> {
        let notes = &self.table.notes;
        let at = notes.partition_point(|(r, _)| *r < self.index);
        notes
            .get(at)
            .filter(|(r, _)| *r == self.index)
            .map(|(_, n)| &**n)
    }
}

impl Table {
    /// The file, as named in messages (a workbook with its sheet).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The sheet the rows come from, when the file is a workbook.
    pub fn sheet(&self) -> Option<&str> {
        self.sheet.as_deref()
    }

    /// The file's columns in its order (without [`REJECT_COLUMNS`], `#` columns
    /// and columns without a header).
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Rows of a template left blank (no value given), skipped rather than rejected.
    pub fn skipped_blank(&self) -> usize {
        self.skipped_blank
    }

    /// Row `index`.
    pub fn row(&self, index: usize) -> Row<'_> {
        assert!(index < self.len(), "row {index} of {}", self.len());
        Row {
            table: self,
            index: index as u32,
        }
    }

    /// Every row, in file order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        (0..self.len() as u32).map(move |index| Row { table: self, index })
    }

    /// The row on physical line (or sheet row) `line`.
    pub fn row_at_line(&self, line: u64) -> Option<Row<'_>> {
        let line = u32::try_from(line).ok()?;
        let index = self.lines.binary_search(&line).ok()?;
        Some(self.row(index))
    }

    /// Bytes held: the cells' text and offsets (for measurements).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + 4 * (self.ends.capacity() + self.lines.capacity())
    }

    /// Feeds every cell and line into `state` (the journal's fingerprint).
    pub fn hash_into(&self, state: &mut impl std::hash::Hasher) {
        use std::hash::Hash;
        self.header.hash(state);
        self.text.hash(state);
        self.ends.hash(state);
        self.lines.hash(state);
        self.rewritten.hash(state);
    }

    /// Rewrites the values whose fault has a safe rewrite (see
    /// [`cells::check_number`]): the number columns, and `field_value` where
    /// the row's `field_type` is a number or a percentage. Returns each rewrite.
    pub fn normalize(&mut self, columns: &[Column]) -> Vec<Rewrite> {
        let mut found = Vec::new();
        for row in self.rows() {
            for (c, column) in columns.iter().enumerate() {
                let value = row.get(c);
                let fault = match cells::kind(column.name) {
                    Some(cells::Kind::Number) => cells::check_number(value, false, false).err(),
                    _ if column.name == "field_value" => row
                        .named("field_type")
                        .and_then(cells::field_kind)
                        .and_then(|t| {
                            cells::check_number(value, t == cells::FieldType::Percentage, true)
                                .err()
                        }),
                    _ => None,
                };
                let (Some(to), Some(kept)) = (fault.and_then(|f| f.rewrite), self.map[c]) else {
                    continue;
                };
                let index = (row.index() * self.header.len() + kept) as u32;
                found.push((index, row.line(), column.name, value.to_owned(), to));
            }
        }
        let mut rewrites = Vec::with_capacity(found.len());
        for (index, line, column, from, to) in found {
            self.rewritten.push((index, to.clone().into_boxed_str()));
            rewrites.push(Rewrite {
                line,
                column: column.to_owned(),
                from,
                to,
            });
        }
        self.rewritten.sort_by_key(|(i, _)| *i);
        rewrites
    }

    fn cell(&self, row: usize, column: usize) -> &str {
        let i = row * self.header.len() + column;
        if !self.rewritten.is_empty()
            && let Ok(at) = self
                .rewritten
                .binary_search_by_key(&(i as u32), |(c, _)| *c)
        {
            return &self.rewritten[at].1;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

/// Reads `source` (a CSV file, or a workbook known by its signature) with
/// `columns`: decodes it (`encoding`, or a byte-order mark, or UTF-8, with
/// advice when it is not), checks the header against the columns (an unknown
/// or missing column is an error that shows the header found and the one
/// expected), and keeps every non-blank row with its physical line.
pub fn read_table(
    source: &Source,
    columns: &[Column],
    encoding: Option<Encoding>,
) -> Result<Table, InputError> {
    let options = ReadOptions {
        encoding,
        ..ReadOptions::default()
    };
    read_table_with(source, columns, &options)
}

/// [`read_table`] with every option: a workbook's sheet, a text file's delimiter.
pub fn read_table_with(
    source: &Source,
    columns: &[Column],
    options: &ReadOptions,
) -> Result<Table, InputError> {
    let name = source.to_string();
    let bytes = match source {
        Source::File(path) => std::fs::read(path),
        Source::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map(|_| bytes)
        }
    }
    .map_err(|e| InputError::new(name.clone(), "line", vec![(None, e.to_string())]))?;
    match Format::sniff(&bytes) {
        Format::Text => {
            if options.sheet.is_some() {
                return Err(InputError::new(
                    name,
                    "line",
                    vec![(
                        None,
                        "--sheet is for a workbook (.xlsx, .xlsm, .xls, .ods), and this is a text file".into(),
                    )],
                ));
            }
            let text = text::decode(bytes, options.encoding)
                .map_err(|p| InputError::new(name.clone(), "line", vec![p]))?;
            text::parse(name, text, columns, options.delimiter)
        }
        Format::Zip | Format::Ole => workbook::read(name, bytes, columns, options.sheet.as_ref()),
    }
}

/// Parses CSV `text` (already decoded) into a table; `name` names it in messages.
pub fn parse_table(name: &str, text: &str, columns: &[Column]) -> Result<Table, InputError> {
    text::parse(name.to_owned(), text.to_owned(), columns, None)
}

/// Builds a [`Table`] row by row, collecting every problem rather than
/// stopping at the first. A text file's cells are compacted into its own
/// buffer (a cell is never longer than its raw bytes, so writing never
/// overtakes reading); a workbook's are appended to a new one.
struct Builder<'c> {
    source: String,
    unit: &'static str,
    columns: &'c [Column],
    header: Option<Header>,
    bytes: Vec<u8>,
    write: usize,
    ends: Vec<u32>,
    lines: Vec<u32>,
    notes: Vec<(u32, Box<str>)>,
    number_ids: Vec<u32>,
    skipped_blank: usize,
    problems: Vec<Problem>,
}

impl<'c> Builder<'c> {
    fn new(source: String, unit: &'static str, columns: &'c [Column], bytes: Vec<u8>) -> Self {
        Builder {
            source,
            unit,
            columns,
            header: None,
            bytes,
            write: 0,
            ends: Vec::new(),
            lines: Vec::new(),
            notes: Vec::new(),
            number_ids: Vec::new(),
            skipped_blank: 0,
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, line: Option<u64>, message: String) {
        self.problems.push((line, message));
    }

    /// Whether the header has been seen.
    fn has_header(&self) -> bool {
        self.header.is_some()
    }

    /// The header's kind of each cell, by position (for a workbook's cell conversion).
    fn kinds(&self) -> Vec<Option<cells::Kind>> {
        self.header
            .as_ref()
            .map_or_else(Vec::new, |h| h.kinds.clone())
    }

    /// One record: the header when none was seen yet, else a row. A blank
    /// record is skipped; `notes` are what reading found wrong with its cells.
    /// `number_ids`: positions of id cells that were number cells.
    fn record(&mut self, line: u64, cells: &[&str], notes: Option<String>, number_ids: &[usize]) {
        if cells.iter().all(|c| c.is_empty()) {
            return; // a blank row (Excel writes `,,,,` for them)
        }
        let Some(head) = &self.header else {
            let (head, problems) = header::match_header(cells, self.columns);
            self.problems
                .extend(problems.into_iter().map(|m| (Some(line), m)));
            self.header = Some(head);
            return;
        };
        // A text file's row must have the header's cells (a delimiter too many or too few
        // shifts every cell after it); a sheet's cells right of the header are in columns
        // without a header, ignored like an empty header cell.
        let text = self.unit == "line";
        if text
            && (cells.len() > head.width && cells[head.width..].iter().any(|c| !c.is_empty())
                || cells.len() < head.width)
        {
            let message = format!(
                "{} cells, but the header has {} columns (a delimiter too many or too few, or an unclosed quote)",
                cells.len(),
                head.width
            );
            self.problem(Some(line), message);
            return;
        }
        if head.template
            && head
                .fill
                .iter()
                .all(|&c| cells.get(c).is_none_or(|v| v.is_empty()))
        {
            self.skipped_blank += 1;
            return;
        }
        let Ok(line32) = u32::try_from(line) else {
            self.problem(
                Some(line),
                "more than 4 billion lines: split the file".into(),
            );
            return;
        };
        let index = self.lines.len() as u32;
        for &c in &head.keep {
            let cell = cells.get(c).copied().unwrap_or("");
            let end = self.write + cell.len();
            if end <= self.bytes.len() {
                self.bytes[self.write..end].copy_from_slice(cell.as_bytes());
            } else {
                self.bytes.truncate(self.write);
                self.bytes.extend_from_slice(cell.as_bytes());
            }
            self.write = end;
            self.ends.push(u32::try_from(end).unwrap_or(u32::MAX));
        }
        self.lines.push(line32);
        for &p in number_ids {
            if let Some(k) = head.keep.iter().position(|&c| c == p) {
                let cell = index as usize * head.keep.len() + k;
                self.number_ids
                    .push(u32::try_from(cell).unwrap_or(u32::MAX));
            }
        }
        if let Some(note) = notes {
            self.notes.push((index, note.into_boxed_str()));
        }
    }

    fn finish(self, sheet: Option<String>) -> Result<Table, InputError> {
        let Builder {
            source,
            unit,
            columns,
            header,
            mut bytes,
            write,
            mut ends,
            mut lines,
            mut notes,
            number_ids,
            skipped_blank,
            mut problems,
        } = self;
        let Some(Header { kept, map, .. }) = header else {
            problems.push((
                None,
                format!(
                    "empty: the first {} must be the header {}",
                    if unit == "line" { "line" } else { "row" },
                    header::expected(columns)
                ),
            ));
            return Err(InputError::new(source, unit, problems));
        };
        if write > u32::MAX as usize {
            problems.push((
                None,
                "larger than 4 GiB: split it into smaller files".into(),
            ));
        }
        if !problems.is_empty() {
            return Err(InputError::new(source, unit, problems));
        }
        bytes.truncate(write);
        bytes.shrink_to_fit();
        let text = String::from_utf8(bytes).map_err(|_| {
            InputError::new(source.clone(), unit, vec![(None, "not valid text".into())])
        })?;
        ends.shrink_to_fit();
        lines.shrink_to_fit();
        notes.shrink_to_fit();
        Ok(Table {
            source,
            sheet,
            header: kept,
            map,
            text,
            ends,
            lines,
            notes,
            skipped_blank,
            rewritten: Vec::new(),
            number_ids,
        })
    }
}
