//! The batch engine: turns rows into import requests and sends them so that
//! every row is applied exactly once or reported. What is imported is a
//! [`Job`] (key-metric values, supplementary information); the engine is the
//! same for all.
//!
//! - **Plan.** Rows are grouped into units (the rows the API must receive
//!   together: a reviewee's metric, or one supplementary-information item),
//!   checked against every documented rule before anything is sent, and
//!   packed into requests of at most the documented number of units. A row
//!   that cannot be sent is rejected with its line and the reason; none is
//!   dropped.
//! - **Send.** Each request is journaled with its `client_token` before it is
//!   sent; the client retries with that same token, so a retry never applies
//!   a request twice, and a response lost after the write counts as applied.
//! - **Isolate.** The server applies a request whole or not at all: when it
//!   refuses a request for a row-level reason (an unknown reviewee, a value of
//!   the wrong type, ...), the request is split in two and each half is sent
//!   again, until the failing unit is alone; only its rows fail.
//! - **Resume.** A run stopped by a transport failure, an exhausted retry
//!   budget or a refusal of the whole run resumes from its journal: finished
//!   requests are skipped, one that was in flight is re-sent with its token
//!   (refused as a repeat if it had been applied, which then counts as applied).

pub mod decide;
mod plan;
mod run;

use std::time::Duration;

use feishu_perf::performance::v2::UserIdType;
use feishu_perf::{ApiRequest, Client, Error, Refuses};

pub use decide::{PROBE_MIN_UNITS, SAME_REFUSALS_TO_STOP};
pub use plan::{Plan, fingerprint, plan};
pub use run::{Cancel, Event, run, run_with};

use crate::input::{Column, Row};

/// Up to three cells that identify something in a row (unused places are `""`).
pub type Key<'t> = [&'t str; 3];

/// Whether the server applied a request, read back from it ([`Job::read_back`]).
pub type ReadBack<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, Error>> + Send + 'a>>;

/// What to import: the file's columns, how rows group into units, and which
/// request carries them. Which refusals blame rows rather than the whole run
/// is the request's endpoint's fact ([`refusal`]), not the job's.
pub trait Job {
    /// The request that carries a batch of units.
    type Request: ApiRequest + 'static;
    /// The most units one request may carry.
    const MAX_UNITS: usize;
    /// The input file's columns; [`Row::get`] takes an index into them.
    const COLUMNS: &'static [Column];
    /// The JSON path prefix of the first unit in [`request`](Self::request)'s body
    /// (`imported_metrics[0]`), to word a violation for a unit on its own.
    const UNIT_PATH: &'static str;

    /// Rows with the same key form one unit; by default (`None`) each row is a unit of its own.
    fn unit_key<'t>(&self, _row: Row<'t>) -> Option<Key<'t>> {
        None
    }
    /// The request for `units` (each a non-empty list of rows).
    fn request(&self, units: &[Vec<Row<'_>>]) -> Self::Request;
    /// Why a row cannot be sent on its own merits (a value that does not
    /// parse, a row that would change nothing), before any rule check.
    fn check_row(&self, _row: Row<'_>) -> Result<(), String> {
        Ok(())
    }
    /// Keys that must not repeat across rows (the same field twice, a repeated
    /// id): every row sharing one is refused, with [`duplicate_reason`](Self::duplicate_reason).
    fn unique_keys<'t>(&self, _row: Row<'t>) -> [Option<Key<'t>>; 2] {
        [None, None]
    }
    /// Why rows sharing their `slot`-th unique key are refused.
    fn duplicate_reason(&self, _slot: usize, _row: Row<'_>) -> String {
        "given more than once".to_owned()
    }
    /// Checks the run's options on their own (before any row): a usage error.
    fn check_options(&self) -> Result<(), String> {
        Ok(())
    }
    /// Units must share this key to share a request (the metric table a batch
    /// update writes to); by default (`None`) any units may.
    fn batch_key<'t>(&self, _row: Row<'t>) -> Option<Key<'t>> {
        None
    }
    /// The units (indexes into `units`) that a successful `response` reports
    /// as not applied, with the server's reason: a batch update applies the
    /// good units and names the others. By default none.
    fn refused_in_response(
        &self,
        _units: &[Vec<Row<'_>>],
        _response: &<Self::Request as ApiRequest>::Response,
    ) -> Vec<(usize, String)> {
        Vec::new()
    }
    /// For a request that carries no idempotency key (a create without
    /// `client_token`): whether the server applied `request`, read back from
    /// the server by the mark the request's `set_idempotency_token` wrote into
    /// it. Asked when its answer was lost and before a resumed run sends it
    /// again, so that it is sent again only when it was not applied. `None`
    /// (the default): the request's `client_token` guards sending it again.
    fn read_back<'a>(
        &'a self,
        _client: &'a Client,
        _request: &'a Self::Request,
    ) -> Option<ReadBack<'a>> {
        None
    }
    /// The import record of a response.
    fn record_id(response: &<Self::Request as ApiRequest>::Response) -> Option<String>;
    /// Units per request.
    fn batch_size(&self) -> usize;
    /// Whether sending `row` again after it was applied would apply it twice
    /// (a new item created a second time), rather than write the same
    /// absolute values again (harmless). By default: harmless.
    fn duplicates_if_resent(&self, _row: Row<'_>) -> bool {
        false
    }
    /// Why the rows of [`duplicates_if_resent`](Job::duplicates_if_resent) would be made twice, for a message.
    fn duplicates_why(&self) -> &'static str {
        "create a new record each"
    }
    /// What else avoids the duplicates, after "Remove the rows already applied from the file first".
    fn duplicates_fix(&self) -> &'static str {
        ""
    }
    /// The run's options, as they enter the journal's fingerprint.
    fn options_key(&self) -> String;
    /// The options every row shares, in the command line's words (for a diagnosis).
    fn options_summary(&self) -> String {
        self.options_key()
    }
}

/// Options every import takes.
#[derive(Debug, Clone)]
pub struct Options {
    /// The semester (`semester_id`).
    pub semester_id: String,
    /// How reviewees and persons are identified (default `open_id`).
    pub user_id_type: Option<UserIdType>,
    /// Units per request, 1..=the job's maximum.
    pub batch_size: usize,
    /// Shown in Feishu's import records.
    pub import_record_name: Option<String>,
}

/// Rows that were not applied, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// Input lines.
    pub lines: Vec<u64>,
    /// The platform's code, when the server refused them.
    pub code: Option<i64>,
    /// Why.
    pub reason: String,
}

impl Options {
    /// The options as they enter the journal's fingerprint.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.semester_id,
            self.user_id_type.as_ref().map_or("", |t| t.as_str()),
            self.batch_size,
            self.import_record_name.as_deref().unwrap_or("")
        )
    }

    /// A value is required for `semester_id` (the page marks it required): an
    /// empty one is refused here for every import alike, before any request.
    pub fn check(&self) -> Result<(), String> {
        if self.semester_id.trim().is_empty() {
            return Err("--semester is empty: give the semester's id (周期 ID)".into());
        }
        if self.import_record_name.as_deref() == Some("") {
            return Err("--record-name is empty: leave it out for the default name".into());
        }
        Ok(())
    }

    /// The options in the command line's words.
    pub fn summary(&self) -> String {
        format!(
            "--semester {}, --user-id-type {}",
            self.semester_id,
            self.user_id_type
                .as_ref()
                .map_or("open_id (the default)", |t| t.as_str())
        )
    }
}

/// Where a run stands, for a progress display.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// Rows applied so far (including by an earlier run of the same journal).
    pub applied_rows: usize,
    /// Rows the server refused so far.
    pub failed_rows: usize,
    /// Rows to send in all.
    pub total_rows: usize,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Rows read.
    pub rows: usize,
    /// Rows applied (in this run or, when resuming, an earlier one).
    pub applied_rows: usize,
    /// Rows rejected before sending or refused by the server, with the reasons.
    pub rejected: Vec<Rejection>,
    /// Requests sent by this run (each may have been retried by the client).
    pub requests: usize,
    /// Requests whose response was lost but which the server had applied.
    pub applied_with_lost_response: usize,
    /// Requests split to isolate refused rows.
    pub splits: usize,
    /// `import_record_id`s returned.
    pub import_record_ids: Vec<String>,
    /// Time spent.
    pub elapsed: Duration,
    /// The run was stopped on request ([`Cancel`]) before the end; its
    /// journal resumes it.
    pub cancelled: bool,
    /// Requests abandoned in flight when the run was stopped: their outcome is
    /// unknown, and a resumed run re-sends them with the same `client_token`.
    pub abandoned_in_flight: usize,
}

impl Report {
    /// Rows neither applied nor rejected: none, unless the run was interrupted.
    pub fn pending_rows(&self) -> usize {
        let rejected: usize = self.rejected.iter().map(|r| r.lines.len()).sum();
        self.rows.saturating_sub(self.applied_rows + rejected)
    }
}

/// A run that stopped before the end; its journal lets it resume.
#[derive(Debug)]
pub struct Interrupted {
    /// Why it stopped.
    pub error: Error,
    /// What it had done.
    pub report: Report,
    /// Set when the run stopped itself because every unit it tried was refused
    /// for the same reason: what that points at. Running again unchanged will not help.
    pub likely_cause: Option<String>,
}

/// What a refusal blames, as the endpoint's error table decides
/// (`decision.refuses`): one unit (the request is split until it is alone), the
/// request (its rows fail), or the run (it stops, as for any code not decided).
pub fn refusal<J: Job>(code: i64) -> Option<Refuses> {
    J::Request::DESCRIPTOR.refuses(code)
}
