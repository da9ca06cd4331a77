//! Why a journal cannot be used by a run, and what a refused journal holds.

use std::fmt;
use std::path::PathBuf;

use super::{FORMAT_VERSION, Holder, Server};

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
