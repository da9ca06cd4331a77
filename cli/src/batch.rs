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

use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use feishu_perf::performance::v2::UserIdType;
use feishu_perf::{ApiError, ApiRequest, Client, Error, Refuses, Validate};

use crate::input::{Column, Row, Table};
use crate::journal::{BatchState, Entry, FailedUnit, Journal};

/// Up to three cells that identify something in a row (unused places are `""`).
pub type Key<'t> = [&'t str; 3];

/// Whether the server applied a request, read back from it ([`Job::read_back`]).
pub type ReadBack<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, Error>> + Send + 'a>>;

/// How many times a request whose answer was lost, and which its read-back
/// found not applied, is sent again before the run stops.
const MAX_RESENDS_AFTER_READ_BACK: u32 = 5;

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

/// Requests ready to send, and the rows that cannot be. Holds the input
/// compactly: the table, and units as lists of row numbers.
#[derive(Debug, Clone)]
pub struct Plan {
    table: Table,
    /// Row numbers of the sendable units, unit after unit.
    unit_rows: Vec<u32>,
    /// End (in `unit_rows`) of each unit.
    unit_ends: Vec<u32>,
    /// First unit of each request (units with another [`Job::batch_key`]
    /// start a new one, as does a full request).
    batch_starts: Vec<u32>,
    /// Rows refused before sending.
    pub rejected: Vec<Rejection>,
    /// Identifies the input and options, for the journal.
    pub fingerprint: String,
    /// Rows read.
    pub rows: usize,
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

impl Plan {
    /// Number of requests planned (before any split).
    pub fn batches(&self) -> usize {
        self.batch_starts.len()
    }

    /// Rows that will be sent.
    pub fn sendable_rows(&self) -> usize {
        self.unit_rows.len()
    }

    /// Rows refused before sending.
    pub fn rejected_rows(&self) -> usize {
        self.rejected.iter().map(|r| r.lines.len()).sum()
    }

    /// The input.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// How long the planned requests take at `J`'s documented rate limit, with
    /// a rate window of `window` (Feishu's is a minute); `None` when the page documents no limit.
    pub fn duration_at_documented_pace<J: Job>(&self, window: Duration) -> Option<Duration> {
        let limit = J::Request::DESCRIPTOR.rate_limit?;
        let per_window = match (limit.per_minute, limit.per_second) {
            (Some(n), _) => f64::from(n),
            (None, Some(n)) => f64::from(n) * 60.0,
            (None, None) => return None,
        };
        let windows = (self.batches() as f64 / per_window).max(0.0);
        Some(window.mul_f64(windows))
    }

    fn unit(&self, unit: u32) -> Vec<Row<'_>> {
        let u = unit as usize;
        let start = if u == 0 {
            0
        } else {
            self.unit_ends[u - 1] as usize
        };
        self.unit_rows[start..self.unit_ends[u] as usize]
            .iter()
            .map(|&r| self.table.row(r as usize))
            .collect()
    }

    /// The units of request `batch`.
    fn batch_units(&self, batch: usize) -> Vec<u32> {
        let start = self.batch_starts[batch];
        let end = self
            .batch_starts
            .get(batch + 1)
            .copied()
            .unwrap_or(self.unit_ends.len() as u32);
        (start..end).collect()
    }
}

/// Groups, checks and packs the rows of `table`. Errors only for options that
/// make every request invalid (a batch size out of range, an invalid semester id).
pub fn plan<J: Job>(job: &J, table: Table) -> Result<Plan, String> {
    let batch_size = job.batch_size();
    if !(1..=J::MAX_UNITS).contains(&batch_size) {
        return Err(format!(
            "the batch size must be 1..={}, not {batch_size}",
            J::MAX_UNITS
        ));
    }
    job.check_options()?;
    let total = table.len();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    job.options_key().hash(&mut hasher);
    table.hash_into(&mut hasher);
    let fingerprint = format!("{:016x}", hasher.finish());

    // Rows refused on their own, then rows sharing a key that must not repeat.
    let mut rejected = Vec::new();
    let mut refused = vec![false; total];
    for row in table.rows() {
        if let Err(reason) = job.check_row(row) {
            refused[row.index()] = true;
            rejected.push(Rejection {
                lines: vec![row.line()],
                code: None,
                reason,
            });
        }
    }
    for slot in 0..2 {
        let mut keyed: Vec<u32> = table
            .rows()
            .filter(|r| !refused[r.index()] && job.unique_keys(*r)[slot].is_some())
            .map(|r| r.index() as u32)
            .collect();
        let key = |r: u32| job.unique_keys(table.row(r as usize))[slot];
        keyed.sort_by(|&a, &b| key(a).cmp(&key(b)).then(a.cmp(&b)));
        let mut dups = Vec::new();
        for group in keyed.chunk_by(|&a, &b| key(a) == key(b)) {
            if group.len() > 1 {
                dups.push(Rejection {
                    lines: group
                        .iter()
                        .map(|&r| table.row(r as usize).line())
                        .collect(),
                    code: None,
                    reason: job.duplicate_reason(slot, table.row(group[0] as usize)),
                });
                for &r in group {
                    refused[r as usize] = true;
                }
            }
        }
        rejected.extend(dups);
    }

    // Units, in order of first appearance.
    let mut sorted: Vec<u32> = table
        .rows()
        .filter(|r| !refused[r.index()])
        .map(|r| r.index() as u32)
        .collect();
    drop(refused);
    if sorted
        .first()
        .is_some_and(|&r| job.unit_key(table.row(r as usize)).is_some())
    {
        let key = |r: u32| job.unit_key(table.row(r as usize));
        sorted.sort_by(|&a, &b| key(a).cmp(&key(b)).then(a.cmp(&b)));
        let mut groups: Vec<&[u32]> = sorted.chunk_by(|&a, &b| key(a) == key(b)).collect();
        groups.sort_by_key(|g| g[0]);
        let mut unit_rows = Vec::with_capacity(sorted.len());
        let mut unit_ends = Vec::with_capacity(groups.len());
        for g in &groups {
            unit_rows.extend_from_slice(g);
            unit_ends.push(unit_rows.len() as u32);
        }
        drop(groups);
        drop(sorted);
        finish(
            job,
            table,
            unit_rows,
            unit_ends,
            rejected,
            fingerprint,
            total,
        )
    } else {
        let unit_ends = (1..=sorted.len() as u32).collect();
        finish(job, table, sorted, unit_ends, rejected, fingerprint, total)
    }
}

/// Checks every unit against every documented rule (the generated
/// `validate()`), keeps the ones that pass, and packs them.
fn finish<J: Job>(
    job: &J,
    table: Table,
    unit_rows: Vec<u32>,
    unit_ends: Vec<u32>,
    mut rejected: Vec<Rejection>,
    fingerprint: String,
    rows: usize,
) -> Result<Plan, String> {
    let mut good_rows = Vec::with_capacity(unit_rows.len());
    let mut good_ends = Vec::with_capacity(unit_ends.len());
    let mut start = 0;
    for &end in &unit_ends {
        let unit: Vec<Row<'_>> = unit_rows[start..end as usize]
            .iter()
            .map(|&r| table.row(r as usize))
            .collect();
        let violations = match job.request(std::slice::from_ref(&unit)).validate() {
            Ok(()) => Vec::new(),
            Err(errors) => errors.into_violations(),
        };
        let (of_unit, of_request): (Vec<_>, Vec<_>) = violations
            .into_iter()
            .partition(|v| v.path.starts_with(J::UNIT_PATH));
        if let Some(v) = of_request.first() {
            return Err(format!("invalid options: {v}"));
        }
        if of_unit.is_empty() {
            good_rows.extend_from_slice(&unit_rows[start..end as usize]);
            good_ends.push(good_rows.len() as u32);
        } else {
            let prefix = format!("{}.", J::UNIT_PATH);
            let reasons: Vec<String> = of_unit
                .iter()
                .map(|v| v.to_string().replacen(&prefix, "", 1))
                .collect();
            rejected.push(Rejection {
                lines: unit.iter().map(Row::line).collect(),
                code: None,
                reason: reasons.join("; "),
            });
        }
        start = end as usize;
    }
    drop(unit_rows);
    let (good_rows, good_ends, batch_starts) = pack(job, &table, good_rows, good_ends);
    rejected.sort_by_key(|r| r.lines.first().copied());
    Ok(Plan {
        table,
        unit_rows: good_rows,
        unit_ends: good_ends,
        batch_starts,
        rejected,
        fingerprint,
        rows,
    })
}

/// Packs units into requests of at most the batch size; units whose
/// [`Job::batch_key`] differs go to different requests (the units are ordered
/// by key first, in order of first appearance, stable within a key).
fn pack<J: Job>(
    job: &J,
    table: &Table,
    unit_rows: Vec<u32>,
    unit_ends: Vec<u32>,
) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let batch_size = job.batch_size() as u32;
    let first_row = |u: usize| unit_rows[if u == 0 { 0 } else { unit_ends[u - 1] as usize }];
    let key = |u: usize| job.batch_key(table.row(first_row(u) as usize));
    if unit_ends.is_empty() || key(0).is_none() {
        let batch_starts = (0..unit_ends.len() as u32)
            .step_by(batch_size as usize)
            .collect();
        return (unit_rows, unit_ends, batch_starts);
    }
    // Each key's units, keys in order of first appearance.
    let mut order: Vec<usize> = (0..unit_ends.len()).collect();
    let mut first_seen: std::collections::HashMap<Option<Key<'_>>, usize> = Default::default();
    for u in 0..unit_ends.len() {
        first_seen.entry(key(u)).or_insert(u);
    }
    order.sort_by_key(|&u| (first_seen[&key(u)], u));
    let (mut rows, mut ends, mut starts) = (Vec::new(), Vec::new(), Vec::new());
    let mut previous = None;
    for (n, &u) in order.iter().enumerate() {
        let k = key(u);
        let in_batch = n as u32 - starts.last().copied().unwrap_or(0);
        if starts.is_empty() || previous != Some(k) || in_batch == batch_size {
            starts.push(n as u32);
        }
        previous = Some(k);
        let start = if u == 0 { 0 } else { unit_ends[u - 1] as usize };
        rows.extend_from_slice(&unit_rows[start..unit_ends[u] as usize]);
        ends.push(rows.len() as u32);
    }
    rows.shrink_to_fit();
    ends.shrink_to_fit();
    (rows, ends, starts)
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

/// Single units refused with one code, before any row was applied, after
/// which a run stops and names the likely cause.
pub const SAME_REFUSALS_TO_STOP: usize = 4;

/// Units a refused request must have for the engine to probe single units
/// spread across it first (instead of halving it).
const PROBE_MIN_UNITS: usize = 2 * SAME_REFUSALS_TO_STOP;

/// How a refused request is split: in two halves, or (while nothing has been
/// applied) into single units spread across it, probed first, and the runs between them.
fn split_parts(units: &[u32], probe: bool) -> Vec<Vec<u32>> {
    if !probe {
        let (a, b) = units.split_at(units.len() / 2);
        return vec![a.to_vec(), b.to_vec()];
    }
    let n = units.len();
    let at: Vec<usize> = (0..SAME_REFUSALS_TO_STOP)
        .map(|i| i * n / SAME_REFUSALS_TO_STOP)
        .collect();
    let mut probes = Vec::new();
    let mut rests = Vec::new();
    for (i, &p) in at.iter().enumerate() {
        probes.push(vec![units[p]]);
        let end = at.get(i + 1).copied().unwrap_or(n);
        if p + 1 < end {
            rests.push(units[p + 1..end].to_vec());
        }
    }
    probes.extend(rests);
    probes
}

/// What happens during a run, for a progress display ([`run_with`]).
#[derive(Debug, Clone)]
pub enum Event<'a> {
    /// A request is about to be sent; the journal has recorded it.
    Sending {
        /// Batch key.
        batch: &'a str,
        /// Rows it carries.
        rows: usize,
        /// It resumes a request an earlier run had sent (same `client_token`).
        resumed: bool,
    },
    /// Where the run stands, after each request and each batch the journal had finished.
    Progress(Progress),
}

/// Asks a run to stop (for Ctrl-C): no request is sent after [`cancel`](Cancel::cancel);
/// the one in flight may finish within the grace period, or is abandoned
/// (safe: the journal has its `client_token`, and a resumed run re-sends it).
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<CancelState>);

#[derive(Debug, Default)]
struct CancelState {
    cancelled: AtomicBool,
    notify: tokio::sync::Notify,
    grace: Duration,
}

impl Cancel {
    /// A handle whose in-flight request gets `grace` to finish once cancelled.
    pub fn new(grace: Duration) -> Cancel {
        Cancel(Arc::new(CancelState {
            grace,
            ..CancelState::default()
        }))
    }

    /// Stops the run.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Whether [`cancel`](Cancel::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Resolves the grace period after cancellation.
    async fn abandon(&self) {
        loop {
            let notified = self.0.notify.notified();
            if self.is_cancelled() {
                break;
            }
            notified.await;
        }
        tokio::time::sleep(self.0.grace).await;
    }
}

/// Sends the plan, like [`run_with`] without events or cancellation.
pub async fn run<J: Job>(
    client: &Client,
    plan: &Plan,
    job: &J,
    journal: &mut Journal,
    progress: impl FnMut(Progress) + Send,
) -> Result<Report, Box<Interrupted>> {
    let progress = std::sync::Mutex::new(progress);
    let observe = |event: Event<'_>| {
        if let Event::Progress(p) = event {
            (progress.lock().unwrap_or_else(|e| e.into_inner()))(p);
        }
    };
    run_with(client, plan, job, journal, &observe, &Cancel::default()).await
}

/// Sends the plan. Stops (with [`Interrupted`]) on an error that is not about
/// the rows themselves: transport, timeouts or rate limits outlasting the
/// client's retries, authentication, or a refusal of the whole run (unknown
/// semester, past the deadline, no licence). Run again with the same journal
/// to resume.
///
/// A request refused for a row is split until the refused units are alone.
/// While no row has been applied, a refused request is first probed with
/// single units spread across it; when [`SAME_REFUSALS_TO_STOP`] single units
/// in a row are refused with the same code and none applied, the run stops
/// and names the likely cause (an option every row shares, such as
/// `--user-id-type`), instead of spending two requests a row.
///
/// `observe` sees each [`Event`]; after `cancel`, the run stops before the
/// next request and returns its report with `cancelled` set.
pub async fn run_with<J: Job>(
    client: &Client,
    plan: &Plan,
    job: &J,
    journal: &mut Journal,
    observe: &(dyn Fn(Event<'_>) + Sync),
    cancel: &Cancel,
) -> Result<Report, Box<Interrupted>> {
    let progress = |p: Progress| observe(Event::Progress(p));
    let started = Instant::now();
    let mut report = Report {
        rows: plan.rows,
        rejected: plan.rejected.clone(),
        ..Report::default()
    };
    let total_rows = plan.sendable_rows();
    let mut failed_rows = 0;
    // The code shared by the single units refused so far (while none was applied), and how many.
    let mut streak: Option<(i64, usize)> = None;
    let mut queue: VecDeque<(String, Vec<u32>)> = (0..plan.batches())
        .map(|i| (i.to_string(), plan.batch_units(i)))
        .collect();
    // The request just read back and found not applied (sent again without a second read-back).
    let mut read_back_not_applied: Option<String> = None;
    let mut resends: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let split = |queue: &mut VecDeque<(String, Vec<u32>)>, key: &str, units: &[u32], probe| {
        for (i, part) in split_parts(units, probe).into_iter().enumerate().rev() {
            queue.push_front((format!("{key}.{i}"), part));
        }
    };
    while let Some((key, unit_ids)) = queue.pop_front() {
        let units: Vec<Vec<Row<'_>>> = unit_ids.iter().map(|&u| plan.unit(u)).collect();
        let lines: Vec<u64> = units.iter().flatten().map(Row::line).collect();
        let rows = lines.len();
        let resumed_token = match journal.state(&key).cloned() {
            Some(BatchState::Done { failed }) => {
                failed_rows += count_failed(&mut report, rows, failed);
                progress(Progress {
                    applied_rows: report.applied_rows,
                    failed_rows,
                    total_rows,
                });
                continue;
            }
            Some(BatchState::Failed {
                code,
                reason,
                lines,
            }) => {
                failed_rows += lines.len();
                report.rejected.push(Rejection {
                    lines,
                    code: Some(code),
                    reason: reason.clone(),
                });
                // A resumed run that had stopped for shared refusals stops again at once.
                if let Some(stopped) =
                    same_refusal(&mut streak, code, &reason, job, &report, started)
                {
                    return Err(stopped);
                }
                continue;
            }
            Some(BatchState::Split { probe }) => {
                split(&mut queue, &key, &unit_ids, probe);
                continue;
            }
            Some(BatchState::Started { client_token }) => Some(client_token),
            None => None,
        };
        if cancel.is_cancelled() {
            report.cancelled = true;
            break;
        }
        let resumed = resumed_token.is_some();
        let client_token = resumed_token.unwrap_or_else(|| new_token(&plan.fingerprint, &key));
        let record = |journal: &mut Journal, entry, report: &Report| {
            journal
                .write(entry)
                .map_err(|e| interrupted(Error::Config(e), report, started))
        };
        if !resumed {
            record(
                journal,
                Entry::Started {
                    batch: key.clone(),
                    client_token: client_token.clone(),
                    lines: lines.clone(),
                },
                &report,
            )?;
        }
        let mut request = job.request(&units);
        request.set_idempotency_token(client_token.clone());
        // A request without a client_token that an earlier run left in flight:
        // sent again only when the server shows it was not applied.
        if resumed && read_back_not_applied.as_deref() != Some(key.as_str()) {
            let applied = match job.read_back(client, &request) {
                Some(check) => check.await.map_err(|e| interrupted(e, &report, started))?,
                None => false,
            };
            if applied {
                record(
                    journal,
                    Entry::Done {
                        batch: key,
                        import_record_id: None,
                        failed: Vec::new(),
                    },
                    &report,
                )?;
                report.applied_with_lost_response += 1;
                report.applied_rows += rows;
                progress(Progress {
                    applied_rows: report.applied_rows,
                    failed_rows,
                    total_rows,
                });
                continue;
            }
        }
        read_back_not_applied = None;
        observe(Event::Sending {
            batch: &key,
            rows,
            resumed,
        });
        report.requests += 1;
        let sent = tokio::select! {
            biased;
            result = client.send(request) => Some(result),
            () = cancel.abandon() => None,
        };
        let Some(result) = sent else {
            report.cancelled = true;
            report.abandoned_in_flight += 1;
            break;
        };
        match result {
            Ok(data) => {
                let id = J::record_id(&data);
                let failed: Vec<FailedUnit> = job
                    .refused_in_response(&units, &data)
                    .into_iter()
                    .filter_map(|(unit, reason)| {
                        let lines = units.get(unit)?.iter().map(Row::line).collect();
                        Some(FailedUnit { lines, reason })
                    })
                    .collect();
                record(
                    journal,
                    Entry::Done {
                        batch: key,
                        import_record_id: id.clone(),
                        failed: failed.clone(),
                    },
                    &report,
                )?;
                report.import_record_ids.extend(id);
                failed_rows += count_failed(&mut report, rows, failed);
            }
            // Applied by an earlier attempt of this run (the client says so), or of an
            // earlier run (a resumed token refused as a repeat).
            Err(error)
                if error.is_already_applied()
                    || (resumed
                        && matches!(&error, Error::Api(api) if api.facts().is_some_and(|f| f.already_applied))) =>
            {
                record(
                    journal,
                    Entry::Done {
                        batch: key,
                        import_record_id: None,
                        failed: Vec::new(),
                    },
                    &report,
                )?;
                report.applied_with_lost_response += 1;
                report.applied_rows += rows;
            }
            Err(Error::Api(api)) if refusal::<J>(api.code).is_some_and(|r| r != Refuses::Run) => {
                if units.len() > 1 && refusal::<J>(api.code) == Some(Refuses::Unit) {
                    let probe = report.applied_rows == 0 && units.len() >= PROBE_MIN_UNITS;
                    record(
                        journal,
                        Entry::Split {
                            batch: key.clone(),
                            probe,
                        },
                        &report,
                    )?;
                    report.splits += 1;
                    split(&mut queue, &key, &unit_ids, probe);
                } else {
                    let reason = refusal_reason(&api);
                    record(
                        journal,
                        Entry::Failed {
                            batch: key,
                            code: api.code,
                            reason: reason.clone(),
                            lines: lines.clone(),
                        },
                        &report,
                    )?;
                    failed_rows += lines.len();
                    report.rejected.push(Rejection {
                        lines,
                        code: Some(api.code),
                        reason: reason.clone(),
                    });
                    if let Some(mut stopped) =
                        same_refusal(&mut streak, api.code, &reason, job, &report, started)
                    {
                        stopped.error = Error::Api(api);
                        return Err(stopped);
                    }
                }
            }
            // The answer was lost: a request without a client_token is read back.
            Err(error) if error.is_outcome_unknown() => {
                let mut again = job.request(&units);
                again.set_idempotency_token(client_token);
                let Some(check) = job.read_back(client, &again) else {
                    return Err(interrupted(error, &report, started));
                };
                if check.await.map_err(|e| interrupted(e, &report, started))? {
                    record(
                        journal,
                        Entry::Done {
                            batch: key,
                            import_record_id: None,
                            failed: Vec::new(),
                        },
                        &report,
                    )?;
                    report.applied_with_lost_response += 1;
                    report.applied_rows += rows;
                } else {
                    let sent = resends.entry(key.clone()).or_insert(0);
                    *sent += 1;
                    if *sent > MAX_RESENDS_AFTER_READ_BACK {
                        return Err(interrupted(error, &report, started));
                    }
                    // Not applied: sent again (its journal entry still says started).
                    read_back_not_applied = Some(key.clone());
                    queue.push_front((key, unit_ids));
                    continue;
                }
            }
            Err(error) => return Err(interrupted(error, &report, started)),
        }
        progress(Progress {
            applied_rows: report.applied_rows,
            failed_rows,
            total_rows,
        });
    }
    report.rejected.sort_by_key(|r| r.lines.first().copied());
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Counts a request of `rows` rows that the server applied but for `failed`:
/// the others applied, these rejected with the server's reason. Returns the rows failed.
fn count_failed(report: &mut Report, rows: usize, failed: Vec<FailedUnit>) -> usize {
    let refused: usize = failed.iter().map(|f| f.lines.len()).sum();
    report.applied_rows += rows - refused;
    report
        .rejected
        .extend(failed.into_iter().map(|f| Rejection {
            lines: f.lines,
            code: None,
            reason: f.reason,
        }));
    refused
}

/// What a refusal blames, as the endpoint's error table decides
/// (`decision.refuses`): one unit (the request is split until it is alone), the
/// request (its rows fail), or the run (it stops, as for any code not decided).
pub fn refusal<J: Job>(code: i64) -> Option<Refuses> {
    J::Request::DESCRIPTOR.refuses(code)
}

/// Counts a single unit refused with `code`; when [`SAME_REFUSALS_TO_STOP`]
/// in a row share it and no row was applied, the run stops with the likely cause.
fn same_refusal<J: Job>(
    streak: &mut Option<(i64, usize)>,
    code: i64,
    reason: &str,
    job: &J,
    report: &Report,
    started: Instant,
) -> Option<Box<Interrupted>> {
    let same = match *streak {
        Some((c, n)) if c == code => n + 1,
        _ => 1,
    };
    *streak = Some((code, same));
    if report.applied_rows > 0 || same < SAME_REFUSALS_TO_STOP {
        return None;
    }
    let mut stopped = interrupted(
        Error::Config(format!("every unit tried was refused with {code}")),
        report,
        started,
    );
    stopped
        .report
        .rejected
        .sort_by_key(|r| r.lines.first().copied());
    stopped.likely_cause = Some(format!(
        "the first {same} units tried, spread across the file, were each refused with {code} ({reason}) \
         and none was applied: the cause is most likely something every row shares ({}), \
         not the rows themselves. Check it, then run again",
        job.options_summary()
    ));
    Some(stopped)
}

/// The platform's message and the doc's hint for a refusal.
fn refusal_reason(api: &ApiError) -> String {
    format!(
        "{} {}",
        api.msg,
        api.info.and_then(|i| i.hint).unwrap_or_default()
    )
    .trim()
    .to_owned()
}

fn interrupted(error: Error, report: &Report, started: Instant) -> Box<Interrupted> {
    let mut report = report.clone();
    report.elapsed = started.elapsed();
    Box::new(Interrupted {
        error,
        report,
        likely_cause: None,
    })
}

/// A fresh `client_token` for one request of one run: the input's fingerprint
/// and a per-send suffix (well under the 64-character limit).
fn new_token(fingerprint: &str, batch: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (fingerprint, batch, nanos, std::process::id()).hash(&mut hasher);
    format!("{fingerprint}-{:016x}", hasher.finish())
}
