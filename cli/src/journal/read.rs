//! Reading a journal file: its lines as entries, a torn last line, its holder.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::time::Instant;

use super::{Entry, FORMAT_VERSION, Holder, OpenError, lock};

/// The longest line read (a `started` line lists its batch's input lines: well under this).
const MAX_LINE: u64 = 16 << 20;
/// A journal's lines as read: entries with their line numbers, and a torn last line.
pub(super) struct Loaded {
    pub(super) entries: Vec<(usize, Entry)>,
    /// Bytes up to the end of the last whole line.
    pub(super) good_len: u64,
    /// Why the last line is torn, when it is.
    pub(super) torn: Option<String>,
    pub(super) torn_line: usize,
}

pub(super) fn read(path: &Path, file: &File) -> Result<Loaded, OpenError> {
    let malformed = |line: usize, reason: String| OpenError::Malformed {
        path: path.to_owned(),
        line,
        reason,
    };
    let io = |e: std::io::Error| OpenError::Io {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let mut reader = BufReader::new(file);
    let mut entries = Vec::new();
    let mut good_len = 0u64;
    let mut buf = Vec::new();
    let mut n = 0;
    let mut seen_header = false;
    loop {
        buf.clear();
        let got = (&mut reader)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut buf)
            .map_err(io)?;
        if got == 0 {
            break;
        }
        n += 1;
        if buf.last() != Some(&b'\n') {
            if buf.len() as u64 > MAX_LINE {
                return Err(malformed(n, format!("a line longer than {MAX_LINE} bytes")));
            }
            // The last line, cut short.
            let what = if buf.iter().all(u8::is_ascii_whitespace) || buf.iter().all(|&b| b == 0) {
                "no newline at its end".to_owned()
            } else {
                match serde_json::from_slice::<serde_json::Value>(&buf) {
                    Ok(_) => "no newline at its end".to_owned(),
                    Err(_) => "partial JSON, no newline at its end".to_owned(),
                }
            };
            return Ok(Loaded {
                entries,
                good_len,
                torn: Some(what),
                torn_line: n,
            });
        }
        good_len += got as u64;
        let text = std::str::from_utf8(&buf).map_err(|e| malformed(n, e.to_string()))?;
        if text.trim().is_empty() {
            continue;
        }
        if !seen_header {
            // The version first: another version's lines may mean other things.
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| malformed(n, e.to_string()))?;
            if value.get("event").and_then(|e| e.as_str()) != Some("header") {
                return Err(malformed(n, "the first line must be the header".into()));
            }
            let version = value.get("version");
            if version.and_then(serde_json::Value::as_u64) != Some(FORMAT_VERSION) {
                return Err(OpenError::Version {
                    path: path.to_owned(),
                    found: version.map(ToString::to_string),
                });
            }
            seen_header = true;
        }
        let entry: Entry = serde_json::from_str(text).map_err(|e| malformed(n, e.to_string()))?;
        entries.push((n, entry));
    }
    Ok(Loaded {
        entries,
        good_len,
        torn: None,
        torn_line: 0,
    })
}

/// Who holds the journal at `path`: its last `opened` line, once the holder
/// has written it (it does right after taking the lock; waited for up to
/// [`lock::HOLDER_WAIT`]), and not one of a process known to have ended.
pub(super) fn holder_of(path: &Path) -> Option<Holder> {
    let started = Instant::now();
    loop {
        let last = std::fs::File::open(path).ok().and_then(|f| {
            let mut last = None;
            for line in BufReader::new(f.take(64 << 20))
                .lines()
                .map_while(Result::ok)
            {
                if let Ok(Entry::Opened { pid, host, since }) = serde_json::from_str(&line) {
                    last = Some(Holder { pid, host, since });
                }
            }
            last
        });
        match last {
            Some(holder) if !holder.is_gone() => return Some(holder),
            _ if started.elapsed() >= lock::HOLDER_WAIT => return None,
            _ => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
}
