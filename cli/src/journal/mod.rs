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
//! re-sends one request: with its own `client_token`, which the server applies
//! once, or (an endpoint that takes none) the same absolute values again.

mod error;
mod identity;
pub mod lock;
mod read;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use error::{Held, OpenError};
pub use identity::{Fingerprint, Identity, Server, sha256_hex};
pub use lock::Holder;

/// The journal's format version, in its header. A journal of another version
/// is refused: this build cannot tell what its lines mean.
pub const FORMAT_VERSION: u64 = 1;

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
                holder: read::holder_of(path),
            });
        }
        let read = read::read(path, &file)?;
        let mut warnings = Vec::new();
        if let Some(torn) = &read.torn {
            file.set_len(read.good_len)
                .and_then(|()| file.sync_data())
                .map_err(io)?;
            warnings.push(format!(
                "{}:{}: the last line was cut short ({torn}), as a crash in the middle of a write leaves it; \
                 dropped, which is safe: a request's `started` line is written before it is sent and its `done` \
                 line only after its answer, so at most one request is sent again, with its own client_token \
                 (or, where the endpoint takes none, with the same absolute values)",
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
