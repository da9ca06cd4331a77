//! The journal: what happened to each batch, written before and after each
//! request and flushed to disk, so that an interrupted run resumes without
//! sending a batch twice (a batch that was in flight is re-sent with the same
//! `client_token`, which the server refuses if it was applied).
//!
//! The file is JSON lines. The first is the header: the format version
//! ([`FORMAT_VERSION`]) and the [`Identity`] the journal is bound to (the
//! input and options, the server, app and tenant); a run with another
//! identity is refused. Each process that opens it takes the system's lock on
//! it ([`lock`]) and writes an `opened` line saying who it is. A last line cut
//! short by a crash is dropped, with a warning: `started` is synced before
//! its request leaves and `done` only after the answer, so a lost line at most
//! re-sends one request with its own token, which the server applies once.

mod identity;
pub mod lock;

use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

pub use identity::{Fingerprint, Identity, Server, sha256_hex};
pub use lock::Holder;

/// The journal's format version, in its header. A journal of another version
/// is refused: this build cannot tell what its lines mean.
pub const FORMAT_VERSION: u64 = 1;

/// The longest line read (a `started` line lists its batch's input lines: well under this).
const MAX_LINE: u64 = 16 << 20;

/// One line of the journal file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    /// The first line: the format and what the journal is bound to.
    Header {
        /// [`FORMAT_VERSION`].
        version: u64,
        /// SHA-256 of the input and options ([`Fingerprint`]).
        fingerprint: String,
        /// The base URL, or an embedded sandbox's run.
        base_url: String,
        /// The app.
        app_id: String,
        /// A store app's tenant; `null` for a self-built app's own tenant.
        tenant_key: Option<String>,
    },
    /// A process opened the journal, holding its lock.
    Opened {
        /// Its process id.
        pid: u32,
        /// Its machine.
        host: String,
        /// When (UTC).
        since: String,
    },
    /// A batch is about to be sent with this token.
    Started {
        /// Batch key (`3`, `3.0`, `3.0.1`, ...).
        batch: String,
        /// The `client_token` it is sent with, on every attempt and every resume.
        client_token: String,
        /// Input lines in the batch.
        lines: Vec<u64>,
    },
    /// The server applied the batch (but for the units it named as failed).
    Done {
        /// Batch key.
        batch: String,
        /// `import_record_id`, unless the response was lost.
        import_record_id: Option<String>,
        /// Units the server's answer reported as not applied (a batch update's
        /// `failed_items`), with their reasons.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        failed: Vec<FailedUnit>,
    },
    /// The server refused the batch; it was split to isolate the bad rows: in
    /// two halves (`<key>.0`, `<key>.1`), or probed with single units first.
    Split {
        /// Batch key.
        batch: String,
        /// Split into single units spread across the batch (probed first) and
        /// the runs between them, rather than in halves.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        probe: bool,
    },
    /// The server refused a batch of one reviewee's metric: its rows failed.
    Failed {
        /// Batch key.
        batch: String,
        /// The platform's code.
        code: i64,
        /// The platform's message and hint.
        reason: String,
        /// Input lines in the batch.
        lines: Vec<u64>,
    },
}

/// Rows of a batch the server answered for, as not applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedUnit {
    /// Input lines.
    pub lines: Vec<u64>,
    /// The server's reason.
    pub reason: String,
}

/// What the journal knows of one batch.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchState {
    /// Sent (at least once) with this token; outcome unknown.
    Started {
        /// The token it was sent with.
        client_token: String,
    },
    /// Applied, but for these units.
    Done {
        /// Units the server reported as not applied.
        failed: Vec<FailedUnit>,
    },
    /// Split into `<key>.0`, `<key>.1`, ...
    Split {
        /// Probed with single units first, rather than halved.
        probe: bool,
    },
    /// Refused for good.
    Failed {
        /// The code.
        code: i64,
        /// Why.
        reason: String,
        /// The rows.
        lines: Vec<u64>,
    },
}

/// Why a journal cannot be used by this run.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenError {
    /// The file could not be read or written.
    Io {
        /// The journal.
        path: PathBuf,
        /// The system's error.
        reason: String,
    },
    /// Another process has it open.
    Locked {
        /// The journal.
        path: PathBuf,
        /// Who, when it has said so.
        holder: Option<Holder>,
    },
    /// A line (not the last) is not a journal entry.
    Malformed {
        /// The journal.
        path: PathBuf,
        /// Its line number (from 1).
        line: usize,
        /// Why.
        reason: String,
    },
    /// The header's format version is not [`FORMAT_VERSION`].
    Version {
        /// The journal.
        path: PathBuf,
        /// The version found, as written (`None`: a header without one, written before versions were).
        found: Option<String>,
    },
    /// Written against another server, app or tenant.
    OtherServer {
        /// The journal.
        path: PathBuf,
        /// What the journal was written against.
        journal: Box<Server>,
        /// What this run sends to.
        this_run: Box<Server>,
    },
    /// Written for another input or other options.
    OtherInput {
        /// The journal.
        path: PathBuf,
        /// What the journal holds.
        held: Held,
    },
}

/// The rows a journal holds, by their lines in the file it was written for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Held {
    /// Applied.
    pub applied: Vec<u64>,
    /// Sent, with no answer recorded: applied or not, unknown.
    pub in_flight: Vec<u64>,
    /// Refused by the server.
    pub refused: Vec<u64>,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Io { path, reason } => write!(f, "{}: {reason}", path.display()),
            OpenError::Locked { path, holder } => {
                write!(f, "{} is in use by ", path.display())?;
                match holder {
                    Some(h) => write!(f, "{h}")?,
                    None => write!(f, "another process (which has not said who it is)")?,
                }
                write!(
                    f,
                    ": one process at a time on a journal, or both would send the same rows"
                )
            }
            OpenError::Malformed { path, line, reason } => {
                write!(
                    f,
                    "{}:{line}: not a journal entry: {reason}",
                    path.display()
                )
            }
            OpenError::Version { path, found } => match found {
                Some(v) => write!(
                    f,
                    "{} is journal format {v}; this feishu-perf reads format {FORMAT_VERSION} only",
                    path.display()
                ),
                None => write!(
                    f,
                    "{} has no format version: it was written by a feishu-perf older than journal format {FORMAT_VERSION}",
                    path.display()
                ),
            },
            OpenError::OtherServer {
                path,
                journal,
                this_run,
            } => write!(
                f,
                "{} was written against {journal}; this run sends to {this_run}: \
                 its rows reached that server, not this one",
                path.display()
            ),
            OpenError::OtherInput { path, held } => write!(
                f,
                "{} was written for another input or other options: the file or its options changed since \
                 (it holds {} rows as applied, {} sent with no answer, {} refused, by their lines in the file as it was)",
                path.display(),
                held.applied.len(),
                held.in_flight.len(),
                held.refused.len()
            ),
        }
    }
}

/// The journal of one run, in memory and (optionally) in a file.
#[derive(Debug)]
pub struct Journal {
    file: Option<(PathBuf, File)>,
    states: HashMap<String, BatchState>,
    warnings: Vec<String>,
}

impl Journal {
    /// A journal kept in memory only: protects retries within this run, not a restart.
    pub fn in_memory() -> Journal {
        Journal {
            file: None,
            states: HashMap::new(),
            warnings: Vec::new(),
        }
    }

    /// Opens (or creates) the journal at `path` for `identity`, and holds its
    /// lock until dropped. Refuses a journal in use, of another format, or
    /// bound to another identity; drops a last line cut short (see [`warnings`](Journal::warnings)).
    pub fn open(path: &Path, identity: &Identity) -> Result<Journal, OpenError> {
        let io = |e: std::io::Error| OpenError::Io {
            path: path.to_owned(),
            reason: e.to_string(),
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        if !lock::try_lock(&file).map_err(io)? {
            return Err(OpenError::Locked {
                path: path.to_owned(),
                holder: holder_of(path),
            });
        }
        let read = read(path, &file)?;
        let mut warnings = Vec::new();
        if let Some(torn) = &read.torn {
            file.set_len(read.good_len)
                .and_then(|()| file.sync_data())
                .map_err(io)?;
            warnings.push(format!(
                "{}:{}: the last line was cut short ({torn}), as a crash in the middle of a write leaves it; \
                 dropped, which is safe: a request's `started` line is written before it is sent and its `done` \
                 line only after its answer, so at most one request is sent again, with its own client_token",
                path.display(),
                read.torn_line
            ));
        }
        let mut states = HashMap::new();
        let mut started_lines: HashMap<String, Vec<u64>> = HashMap::new();
        let mut header: Option<(String, Server)> = None;
        for (n, entry) in read.entries {
            match entry {
                Entry::Header {
                    fingerprint,
                    base_url,
                    app_id,
                    tenant_key,
                    ..
                } if header.is_none() => {
                    let server = Server {
                        base_url,
                        app_id,
                        tenant_key,
                    };
                    header = Some((fingerprint, server));
                }
                Entry::Header { .. } => {
                    return Err(OpenError::Malformed {
                        path: path.to_owned(),
                        line: n,
                        reason: "a second header".into(),
                    });
                }
                _ if header.is_none() => {
                    return Err(OpenError::Malformed {
                        path: path.to_owned(),
                        line: n,
                        reason: "the first line must be the header".into(),
                    });
                }
                Entry::Started {
                    ref batch,
                    ref lines,
                    ..
                } => {
                    started_lines.insert(batch.clone(), lines.clone());
                    apply(&mut states, entry);
                }
                other => apply(&mut states, other),
            }
        }
        let bound_elsewhere = header.as_ref().is_some_and(|(fingerprint, server)| {
            *fingerprint != identity.fingerprint || *server != identity.server
        });
        if bound_elsewhere && states.is_empty() {
            // No request was ever journaled (a run that stopped before its
            // first, say for wrong credentials): nothing in it can be skipped
            // wrongly, so it starts afresh for this run.
            file.set_len(0)
                .and_then(|()| file.sync_data())
                .map_err(io)?;
            header = None;
            warnings.push(format!(
                "{} recorded no request of another input or server; started afresh for this run",
                path.display()
            ));
        }
        if let Some((fingerprint, server)) = &header {
            if *server != identity.server {
                return Err(OpenError::OtherServer {
                    path: path.to_owned(),
                    journal: Box::new(server.clone()),
                    this_run: Box::new(identity.server.clone()),
                });
            }
            if *fingerprint != identity.fingerprint {
                return Err(OpenError::OtherInput {
                    path: path.to_owned(),
                    held: held(&states, &started_lines),
                });
            }
        }
        file.seek(SeekFrom::End(0)).map_err(io)?;
        let mut journal = Journal {
            file: Some((path.to_owned(), file)),
            states,
            warnings,
        };
        let write = |journal: &mut Journal, entry| {
            journal.write(entry).map_err(|reason| OpenError::Io {
                path: path.to_owned(),
                reason,
            })
        };
        if header.is_none() {
            write(
                &mut journal,
                Entry::Header {
                    version: FORMAT_VERSION,
                    fingerprint: identity.fingerprint.clone(),
                    base_url: identity.server.base_url.clone(),
                    app_id: identity.server.app_id.clone(),
                    tenant_key: identity.server.tenant_key.clone(),
                },
            )?;
        }
        let me = Holder::this_process();
        write(
            &mut journal,
            Entry::Opened {
                pid: me.pid,
                host: me.host,
                since: me.since,
            },
        )?;
        Ok(journal)
    }

    /// What opening the journal repaired, for the user to read (a torn last line dropped).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The file, when there is one.
    pub fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|(p, _)| p.as_path())
    }

    /// What is known of `batch`.
    pub fn state(&self, batch: &str) -> Option<&BatchState> {
        self.states.get(batch)
    }

    /// Records `entry`, on disk first (flushed) when there is a file.
    pub fn write(&mut self, entry: Entry) -> Result<(), String> {
        if let Some((path, file)) = &mut self.file {
            let mut line = serde_json::to_string(&entry).map_err(|e| e.to_string())?;
            line.push('\n');
            file.write_all(line.as_bytes())
                .and_then(|()| file.sync_data())
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        apply(&mut self.states, entry);
        Ok(())
    }
}

/// The rows a journal's states hold, by line.
fn held(states: &HashMap<String, BatchState>, started: &HashMap<String, Vec<u64>>) -> Held {
    let mut held = Held::default();
    for (batch, state) in states {
        let lines = started.get(batch).cloned().unwrap_or_default();
        match state {
            BatchState::Done { failed } => {
                let refused: Vec<u64> = failed.iter().flat_map(|f| f.lines.clone()).collect();
                held.refused.extend(&refused);
                held.applied
                    .extend(lines.into_iter().filter(|l| !refused.contains(l)));
            }
            BatchState::Started { .. } => held.in_flight.extend(lines),
            BatchState::Failed { lines, .. } => held.refused.extend(lines),
            BatchState::Split { .. } => {}
        }
    }
    for lines in [&mut held.applied, &mut held.in_flight, &mut held.refused] {
        lines.sort_unstable();
        lines.dedup();
    }
    held
}

/// A journal's lines as read: entries with their line numbers, and a torn last line.
struct Loaded {
    entries: Vec<(usize, Entry)>,
    /// Bytes up to the end of the last whole line.
    good_len: u64,
    /// Why the last line is torn, when it is.
    torn: Option<String>,
    torn_line: usize,
}

fn read(path: &Path, file: &File) -> Result<Loaded, OpenError> {
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
fn holder_of(path: &Path) -> Option<Holder> {
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

fn apply(states: &mut HashMap<String, BatchState>, entry: Entry) {
    match entry {
        Entry::Header { .. } | Entry::Opened { .. } => {}
        Entry::Started {
            batch,
            client_token,
            ..
        } => {
            states.insert(batch, BatchState::Started { client_token });
        }
        Entry::Done { batch, failed, .. } => {
            states.insert(batch, BatchState::Done { failed });
        }
        Entry::Split { batch, probe } => {
            states.insert(batch, BatchState::Split { probe });
        }
        Entry::Failed {
            batch,
            code,
            reason,
            lines,
        } => {
            states.insert(
                batch,
                BatchState::Failed {
                    code,
                    reason,
                    lines,
                },
            );
        }
    }
}
