//! The journal: what happened to each batch, written before and after each
//! request and flushed to disk, so that an interrupted run resumes without
//! sending a batch twice (a batch that was in flight is re-sent with the same
//! `client_token`, which the server refuses if it was applied).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One line of the journal file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    /// The first line: which input the journal belongs to.
    Header {
        /// Fingerprint of the input and options.
        fingerprint: String,
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
}

impl Journal {
    /// A journal kept in memory only: protects retries within this run, not a restart.
    pub fn in_memory() -> Journal {
        Journal {
            file: None,
            states: HashMap::new(),
        }
    }

    /// Opens (or creates) the journal at `path` for the input with `fingerprint`.
    pub fn open(path: &Path, fingerprint: &str) -> Result<Journal, String> {
        let mut states = HashMap::new();
        let exists = path.exists()
            && std::fs::metadata(path)
                .map(|m| m.len() > 0)
                .unwrap_or(false);
        if exists {
            let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
            for (n, line) in BufReader::new(file).lines().enumerate() {
                let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
                if line.trim().is_empty() {
                    continue;
                }
                let entry: Entry = serde_json::from_str(&line).map_err(|e| {
                    format!("{}:{}: not a journal entry: {e}", path.display(), n + 1)
                })?;
                match entry {
                    Entry::Header { fingerprint: found } if found != fingerprint => {
                        return Err(format!(
                            "{} belongs to another input or other options (fingerprint {found}, this run {fingerprint}): \
                             use another journal, or the same file and options as the run that wrote it",
                            path.display()
                        ));
                    }
                    other => apply(&mut states, other),
                }
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut journal = Journal {
            file: Some((path.to_owned(), file)),
            states,
        };
        if !exists {
            journal.write(Entry::Header {
                fingerprint: fingerprint.to_owned(),
            })?;
        }
        Ok(journal)
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

fn apply(states: &mut HashMap<String, BatchState>, entry: Entry) {
    match entry {
        Entry::Header { .. } => {}
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
