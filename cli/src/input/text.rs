//! Delimited text: decoded from the encodings Excel writes (UTF-8 with or
//! without a byte-order mark, UTF-16, GBK), then split with `csv_core` on
//! the file's own delimiter (comma, tab or semicolon, read from its header
//! line), compacting the cells into the file's own buffer.

use super::{Builder, Column, Encoding, InputError, Problem, Table};

/// The file's text as UTF-8, without a byte-order mark.
pub(crate) fn decode(bytes: Vec<u8>, encoding: Option<Encoding>) -> Result<String, Problem> {
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
             pass --encoding gbk, or save it as \"CSV UTF-8 (逗号分隔)\" or as a workbook (.xlsx)"
        } else {
            "save it as \"CSV UTF-8 (逗号分隔)\" or as a workbook (.xlsx), or pass --encoding gbk|gb18030 if it is in one of those"
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

/// The delimiter of the first non-blank line, outside quotes: the most
/// frequent of comma, tab and semicolon (a comma when none is there, or on a tie).
pub fn detect_delimiter(text: &str) -> u8 {
    let line = text
        .split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in line.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b'\t' if !quoted => counts[1] += 1,
            b';' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b'\t', b';'][best]
    }
}

/// Parses `text` with `csv_core` (`delimiter`, or the header line's own),
/// compacting the cells' text into the same buffer, so no second copy of the
/// file is ever held. Every structural problem is collected.
pub(crate) fn parse(
    name: String,
    text: String,
    columns: &[Column],
    delimiter: Option<u8>,
) -> Result<Table, InputError> {
    if text.len() > u32::MAX as usize {
        return Err(InputError::new(
            name,
            "line",
            vec![(
                None,
                "larger than 4 GiB: split it into smaller files".into(),
            )],
        ));
    }
    let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(&text));
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let mut table = Builder::new(name, "line", columns, text.into_bytes());
    let mut pos = 0usize;
    let (mut counted, mut line) = (0usize, 1u64);
    let mut out = vec![0u8; 1024];
    let mut raw_ends = vec![0usize; 64];
    loop {
        let start = pos;
        let (mut nout, mut nend) = (0, 0);
        let result = loop {
            let bytes = &table.bytes;
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
        let bytes = &table.bytes;
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
        let mut valid = true;
        for &end in &raw_ends[..nend] {
            match std::str::from_utf8(&record[from..end]) {
                Ok(cell) => cells.push(cell.trim()),
                Err(_) => valid = false,
            }
            from = end;
        }
        if !valid {
            table.problem(Some(record_line), "a cell is not valid text".to_owned());
            continue;
        }
        table.record(record_line, &cells, None, &[]);
    }
    table.finish(None)
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::detect_delimiter;

    #[test]
    fn the_header_line_tells_the_delimiter() {
        assert_eq!(detect_delimiter("a,b,c\n1;2,3\n"), b',');
        assert_eq!(detect_delimiter("\r\na\tb\tc\r\n"), b'\t');
        assert_eq!(detect_delimiter("a;b;c\n"), b';');
        assert_eq!(detect_delimiter("\"a;b\",c\n"), b',');
        assert_eq!(detect_delimiter("single\n"), b',');
    }
}
