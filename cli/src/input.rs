//! Reading an input file: bytes in any of the encodings Excel writes, CSV with
//! any line ending, into a compact [`Table`] that remembers each row's
//! physical line.
//!
//! The table keeps every cell's text in one buffer (the file's own, compacted
//! in place) and each cell as an end offset, so a file takes about its own
//! size in memory plus four bytes a cell: a 79 MB file of a million rows is
//! held in about 100 MB.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// One column of an input file, in the API's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The header cell.
    pub name: &'static str,
    /// Whether a file must have it (a cell may still be empty).
    pub required: bool,
}

/// Columns a rejects file adds to the input's own; an input file may carry
/// them (a rejects file fixed and imported as it is), and they are ignored.
pub const REJECT_COLUMNS: [&str; 3] = ["line", "code", "reason"];

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

/// Why a file could not be read, always naming the file (and the physical
/// line, where there is one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file (`<stdin>` for standard input).
    pub source: String,
    /// The physical line (1 is the first), when the problem is on one.
    pub line: Option<u64>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.source, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// The rows of an input file, compactly: one text buffer and an offset a cell.
#[derive(Debug, Clone)]
pub struct Table {
    source: String,
    /// The file's columns, in its order, without the ignored [`REJECT_COLUMNS`].
    header: Vec<String>,
    /// For each column the job knows, where it is in `header`.
    map: Vec<Option<usize>>,
    text: String,
    /// End offset in `text` of every kept cell, row by row.
    ends: Vec<u32>,
    /// Physical line of each row.
    lines: Vec<u32>,
}

/// One row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'t> {
    table: &'t Table,
    index: u32,
}

impl<'t> Row<'t> {
    /// The row's physical line in the file (the header is on line 1 in most files).
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

    /// Every cell, in the file's column order.
    pub fn cells(&self) -> impl Iterator<Item = &'t str> + 't {
        let (table, index) = (self.table, self.index as usize);
        (0..table.header.len()).map(move |c| table.cell(index, c))
    }
}

impl Table {
    /// The file, as named in messages.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The file's columns in its order (without [`REJECT_COLUMNS`]).
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

    /// The row on physical line `line`.
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
    }

    fn cell(&self, row: usize, column: usize) -> &str {
        let i = row * self.header.len() + column;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

/// Reads `source` as a CSV file with `columns`: decodes it (`encoding`, or a
/// byte-order mark, or UTF-8, with advice when it is not), checks the header
/// against the columns (an unknown or missing column is an error that shows
/// the header found and the one expected), and keeps every non-blank row with
/// its physical line.
pub fn read_table(
    source: &Source,
    columns: &[Column],
    encoding: Option<Encoding>,
) -> Result<Table, InputError> {
    let name = source.to_string();
    let fail = |line: Option<u64>, message: String| InputError {
        source: name.clone(),
        line,
        message,
    };
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
    .map_err(|e| fail(None, e.to_string()))?;
    let text = decode(bytes, encoding).map_err(|(line, message)| fail(line, message))?;
    parse(name.clone(), text, columns).map_err(|(line, message)| fail(line, message))
}

/// Parses CSV `text` (already decoded) into a table; `name` names it in messages.
pub fn parse_table(name: &str, text: &str, columns: &[Column]) -> Result<Table, InputError> {
    parse(name.to_owned(), text.to_owned(), columns).map_err(|(line, message)| InputError {
        source: name.to_owned(),
        line,
        message,
    })
}

type Problem = (Option<u64>, String);

/// The file's text as UTF-8, without a byte-order mark.
fn decode(bytes: Vec<u8>, encoding: Option<Encoding>) -> Result<String, Problem> {
    if let Some((bom, len)) = encoding_rs::Encoding::for_bom(&bytes) {
        if bom == encoding_rs::UTF_8 {
            let mut bytes = bytes;
            bytes.drain(..len);
            return utf8(bytes, encoding.is_none());
        }
        // UTF-16 (what Excel's "Unicode text" writes).
        let (text, malformed) = bom.decode_without_bom_handling(&bytes[len..]);
        if malformed {
            return Err(first_bad_line(&text, bom.name()));
        }
        return Ok(text.into_owned());
    }
    match encoding {
        None | Some(Encoding::Utf8) => utf8(bytes, encoding.is_none()),
        Some(Encoding::Gbk | Encoding::Gb18030) => {
            let (text, malformed) = encoding_rs::GB18030.decode_without_bom_handling(&bytes);
            if malformed {
                return Err(first_bad_line(&text, "GB18030"));
            }
            Ok(text.into_owned())
        }
    }
}

fn utf8(bytes: Vec<u8>, guess: bool) -> Result<String, Problem> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
        let advice = if guess
            && !encoding_rs::GB18030
                .decode_without_bom_handling(&bytes)
                .1
        {
            "it reads as GBK/GB18030, as Excel in Chinese saves \"CSV (逗号分隔)\": \
             pass --encoding gbk, or save it as \"CSV UTF-8 (逗号分隔)\""
        } else {
            "save it as \"CSV UTF-8 (逗号分隔)\", or pass --encoding gbk|gb18030 if it is in one of those"
        };
        (
            Some(line),
            format!("not UTF-8 (byte 0x{:02X} at offset {at}): {advice}", bytes[at]),
        )
    })
}

fn first_bad_line(text: &str, encoding: &str) -> Problem {
    let at = text.find('\u{FFFD}').unwrap_or(0);
    let line = 1 + text[..at].matches('\n').count() as u64;
    (
        Some(line),
        format!(
            "not valid {encoding}: check --encoding, or save the file as \"CSV UTF-8 (逗号分隔)\""
        ),
    )
}

/// Parses `text` with `csv_core`, compacting the cells' text into the same
/// buffer (a cell is never longer than its raw bytes), so no second copy of
/// the file is ever held.
fn parse(name: String, text: String, columns: &[Column]) -> Result<Table, Problem> {
    if text.len() > u32::MAX as usize {
        return Err((
            None,
            "larger than 4 GiB: split it into smaller files".into(),
        ));
    }
    let mut bytes = text.into_bytes();
    let mut reader = csv_core::ReaderBuilder::new().build();
    let (mut pos, mut write) = (0usize, 0usize);
    let (mut counted, mut line) = (0usize, 1u64);
    let mut out = vec![0u8; 1024];
    let mut raw_ends = vec![0usize; 64];
    let mut header: Option<Header> = None;
    let (mut ends, mut lines) = (Vec::new(), Vec::new());
    loop {
        let start = pos;
        let (mut nout, mut nend) = (0, 0);
        let result = loop {
            let input = if pos < bytes.len() {
                &bytes[pos..]
            } else {
                &[][..]
            };
            let (result, nin, o, e) =
                reader.read_record(input, &mut out[nout..], &mut raw_ends[nend..]);
            pos += nin;
            nout += o;
            nend += e;
            match result {
                csv_core::ReadRecordResult::OutputFull => {
                    let len = out.len();
                    out.resize(len * 2, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let len = raw_ends.len();
                    raw_ends.resize(len * 2, 0);
                }
                csv_core::ReadRecordResult::InputEmpty => {}
                done => break done,
            }
        };
        if result == csv_core::ReadRecordResult::End {
            break;
        }
        // The record's physical line: skip the line ends before it (blank lines, the
        // `\n` of a CRLF that ended the previous record), counting every `\n`.
        let first = bytes[start..pos]
            .iter()
            .position(|&b| b != b'\r' && b != b'\n')
            .map_or(pos, |i| start + i);
        line += count_newlines(&bytes[counted..first]);
        let record_line = line;
        line += count_newlines(&bytes[first..pos]);
        counted = pos;

        let record = &out[..nout];
        let mut cells = Vec::with_capacity(nend);
        let mut from = 0;
        for &end in &raw_ends[..nend] {
            let cell = std::str::from_utf8(&record[from..end])
                .map_err(|_| (Some(record_line), "a cell is not valid text".to_owned()))?;
            cells.push(cell.trim());
            from = end;
        }
        if cells.iter().all(|c| c.is_empty()) {
            continue; // a blank row (Excel writes `,,,,` for them)
        }
        let Some(head) = &header else {
            header = Some(match_header(&cells, columns).map_err(|m| (Some(record_line), m))?);
            continue;
        };
        if cells.len() != head.width {
            return Err((
                Some(record_line),
                format!(
                    "{} cells, but the header has {} columns (a comma too many or too few, or an unclosed quote)",
                    cells.len(),
                    head.width
                ),
            ));
        }
        let mut owned = Vec::new();
        for &c in &head.keep {
            owned.extend_from_slice(cells[c].as_bytes());
            ends.push(u32::try_from(write + owned.len()).unwrap_or(u32::MAX));
        }
        bytes[write..write + owned.len()].copy_from_slice(&owned);
        write += owned.len();
        lines.push(u32::try_from(record_line).map_err(|_| {
            (
                Some(record_line),
                "more than 4 billion lines: split the file".to_owned(),
            )
        })?);
    }
    let Some(Header { kept, map, .. }) = header else {
        return Err((
            None,
            format!(
                "empty: the first line must be the header {}",
                expected(columns)
            ),
        ));
    };
    bytes.truncate(write);
    bytes.shrink_to_fit();
    let text = String::from_utf8(bytes).map_err(|_| (None, "not valid text".to_owned()))?;
    ends.shrink_to_fit();
    lines.shrink_to_fit();
    Ok(Table {
        source: name,
        header: kept,
        map,
        text,
        ends,
        lines,
    })
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// A checked header.
struct Header {
    /// Cells in a row.
    width: usize,
    /// Positions of the kept cells.
    keep: Vec<usize>,
    /// Names of the kept cells.
    kept: Vec<String>,
    /// For each of the job's columns, where it is among the kept ones.
    map: Vec<Option<usize>>,
}

fn expected(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|c| {
            if c.required {
                c.name.to_owned()
            } else {
                format!("[{}]", c.name)
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Checks the header: every column known (or one of [`REJECT_COLUMNS`], which
/// are dropped), none twice, every required one present. Returns the positions
/// kept, their names, and where each of the job's columns is among them.
fn match_header(cells: &[&str], columns: &[Column]) -> Result<Header, String> {
    let found = cells.join(",");
    let wanted = expected(columns);
    let mut keep = Vec::new();
    let mut kept = Vec::new();
    let mut map = vec![None; columns.len()];
    for (i, &cell) in cells.iter().enumerate() {
        let name = cell.trim_start_matches('\u{feff}');
        if REJECT_COLUMNS.contains(&name) {
            continue;
        }
        let Some(c) = columns.iter().position(|c| c.name == name) else {
            let hint = closest(name, columns)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "unknown column `{name}`{hint}; the header is `{found}`, expected `{wanted}` \
                 (columns in [] may be left out; `line`, `code` and `reason` of a rejects file are ignored)"
            ));
        };
        if map[c].is_some() {
            return Err(format!(
                "column `{name}` appears twice; the header is `{found}`, expected `{wanted}`"
            ));
        }
        map[c] = Some(kept.len());
        keep.push(i);
        kept.push(name.to_owned());
    }
    if let Some(missing) = columns
        .iter()
        .zip(&map)
        .find(|(c, m)| c.required && m.is_none())
    {
        return Err(format!(
            "the header has no `{}` column; the header is `{found}`, expected `{wanted}` \
             (columns in [] may be left out)",
            missing.0.name
        ));
    }
    Ok(Header {
        width: cells.len(),
        keep,
        kept,
        map,
    })
}

/// The known column nearest to `name` (by edit distance), if it is near enough to be a slip.
fn closest(name: &str, columns: &[Column]) -> Option<&'static str> {
    let name = name.to_lowercase();
    columns
        .iter()
        .map(|c| (edit_distance(&name, c.name), c.name))
        .filter(|&(d, c)| d <= c.len() / 2 || c.contains(name.as_str()) && !name.is_empty())
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}
