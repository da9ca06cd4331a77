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

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use feishu_perf::performance::v2::UserIdType;
use feishu_perf::{ApiRequest, Client, Error, Refuses};

use decide::{Answer, Before, RunState, Sent, Step};
pub use decide::{PROBE_MIN_UNITS, SAME_REFUSALS_TO_STOP};
pub use plan::{Plan, fingerprint, plan};

use crate::input::{Column, Row};
use crate::journal::{BatchState, Entry, FailedUnit, Journal, sha256_hex};

/// Up to three cells that identify something in a row (unused places are `""`).
pub type Key<'t> = [&'t str; 3];

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
/// What to do at each point is decided by the pure functions of [`decide`]
/// ([`decide::before_send`], [`decide::after_send`]); this loop carries the
/// steps out: the journal, the request, the report.
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
    let started = Instant::now();
    let mut run = Run {
        report: Report {
            rows: plan.rows,
            rejected: plan.rejected.clone(),
            ..Report::default()
        },
        failed_rows: 0,
        total_rows: plan.sendable_rows(),
        streak: None,
        started,
    };
    let mut queue: VecDeque<(String, Vec<u32>)> = (0..plan.batches())
        .map(|i| (i.to_string(), plan.batch_units(i)))
        .collect();
    let split = |queue: &mut VecDeque<(String, Vec<u32>)>, key: &str, units: &[u32], probe| {
        for (i, part) in split_parts(units, probe).into_iter().enumerate().rev() {
            queue.push_front((format!("{key}.{i}"), part));
        }
    };
    while let Some((key, unit_ids)) = queue.pop_front() {
        let units: Vec<Vec<Row<'_>>> = unit_ids.iter().map(|&u| plan.unit(u)).collect();
        let lines: Vec<u64> = units.iter().flatten().map(Row::line).collect();
        let rows = lines.len();
        let (before, streak) =
            decide::before_send(journal.state(&key), cancel.is_cancelled(), run.state());
        run.streak = streak;
        let resume_token = match before {
            Before::Count { failed } => {
                run.count_applied(rows, failed);
                observe(Event::Progress(run.progress()));
                continue;
            }
            Before::Replay { stop } => {
                if let Some(BatchState::Failed {
                    code,
                    reason,
                    lines,
                }) = journal.state(&key).cloned()
                {
                    run.reject(lines, code, reason.clone());
                    // A resumed run that had stopped for shared refusals stops again at once.
                    if stop {
                        return Err(run.stopped_alike(job, code, &reason, None));
                    }
                }
                continue;
            }
            Before::Requeue { probe } => {
                split(&mut queue, &key, &unit_ids, probe);
                continue;
            }
            Before::Halt => {
                run.report.cancelled = true;
                break;
            }
            Before::Send { resume_token } => resume_token,
        };
        let resumed = resume_token.is_some();
        let client_token = resume_token.unwrap_or_else(|| new_token(&plan.fingerprint, &key));
        if !resumed {
            run.record(
                journal,
                Entry::Started {
                    batch: key.clone(),
                    client_token: client_token.clone(),
                    lines: lines.clone(),
                },
            )?;
        }
        observe(Event::Sending {
            batch: &key,
            rows,
            resumed,
        });
        run.report.requests += 1;
        let mut request = job.request(&units);
        request.set_idempotency_token(client_token);
        let sent = tokio::select! {
            biased;
            result = client.send(request) => Some(result),
            () = cancel.abandon() => None,
        };
        let (answer, error) = match sent {
            None => (Answer::Cancelled, None),
            Some(Ok(data)) => {
                let failed = job
                    .refused_in_response(&units, &data)
                    .into_iter()
                    .filter_map(|(unit, reason)| {
                        let lines = units.get(unit)?.iter().map(Row::line).collect();
                        Some(FailedUnit { lines, reason })
                    })
                    .collect();
                let record_id = J::record_id(&data);
                (Answer::Applied { record_id, failed }, None)
            }
            Some(Err(error)) => (Answer::from_error(&error, refusal::<J>), Some(error)),
        };
        let this = Sent {
            units: units.len(),
            resumed,
        };
        let (step, streak) = decide::after_send(this, answer, run.state());
        run.streak = streak;
        match step {
            Step::Done { record_id, failed } => {
                run.record(
                    journal,
                    Entry::Done {
                        batch: key,
                        import_record_id: record_id.clone(),
                        failed: failed.clone(),
                    },
                )?;
                run.report.import_record_ids.extend(record_id);
                run.count_applied(rows, failed);
            }
            Step::DoneAnswerLost => {
                run.record(
                    journal,
                    Entry::Done {
                        batch: key,
                        import_record_id: None,
                        failed: Vec::new(),
                    },
                )?;
                run.report.applied_with_lost_response += 1;
                run.report.applied_rows += rows;
            }
            Step::Split { probe } => {
                run.record(
                    journal,
                    Entry::Split {
                        batch: key.clone(),
                        probe,
                    },
                )?;
                run.report.splits += 1;
                split(&mut queue, &key, &unit_ids, probe);
            }
            Step::Reject { code, reason, stop } => {
                run.record(
                    journal,
                    Entry::Failed {
                        batch: key,
                        code,
                        reason: reason.clone(),
                        lines: lines.clone(),
                    },
                )?;
                run.reject(lines, code, reason.clone());
                if stop {
                    return Err(run.stopped_alike(job, code, &reason, error));
                }
            }
            Step::Stop => {
                let error = error.unwrap_or_else(|| Error::Config("the run stopped".into()));
                return Err(run.interrupted(error));
            }
            Step::Abandon => {
                run.report.cancelled = true;
                run.report.abandoned_in_flight += 1;
                break;
            }
        }
        observe(Event::Progress(run.progress()));
    }
    let mut report = run.report;
    report.rejected.sort_by_key(|r| r.lines.first().copied());
    report.elapsed = started.elapsed();
    Ok(report)
}

/// A run in progress: its report and the counts the decisions read.
struct Run {
    report: Report,
    failed_rows: usize,
    total_rows: usize,
    streak: Option<(i64, usize)>,
    started: Instant,
}

impl Run {
    fn state(&self) -> RunState {
        RunState {
            applied_rows: self.report.applied_rows,
            streak: self.streak,
        }
    }

    fn progress(&self) -> Progress {
        Progress {
            applied_rows: self.report.applied_rows,
            failed_rows: self.failed_rows,
            total_rows: self.total_rows,
        }
    }

    /// Writes `entry` to the journal; a journal that cannot be written stops the run.
    fn record(&self, journal: &mut Journal, entry: Entry) -> Result<(), Box<Interrupted>> {
        journal
            .write(entry)
            .map_err(|e| self.interrupted(Error::Config(e)))
    }

    /// Counts a request of `rows` rows that the server applied but for
    /// `failed`: the others applied, these rejected with the server's reason.
    fn count_applied(&mut self, rows: usize, failed: Vec<FailedUnit>) {
        let refused: usize = failed.iter().map(|f| f.lines.len()).sum();
        self.report.applied_rows += rows - refused;
        self.failed_rows += refused;
        self.report
            .rejected
            .extend(failed.into_iter().map(|f| Rejection {
                lines: f.lines,
                code: None,
                reason: f.reason,
            }));
    }

    fn reject(&mut self, lines: Vec<u64>, code: i64, reason: String) {
        self.failed_rows += lines.len();
        self.report.rejected.push(Rejection {
            lines,
            code: Some(code),
            reason,
        });
    }

    fn interrupted(&self, error: Error) -> Box<Interrupted> {
        let mut report = self.report.clone();
        report.elapsed = self.started.elapsed();
        Box::new(Interrupted {
            error,
            report,
            likely_cause: None,
        })
    }

    /// The run stops: single units kept being refused with `code`, none applied.
    fn stopped_alike<J: Job>(
        &self,
        job: &J,
        code: i64,
        reason: &str,
        error: Option<Error>,
    ) -> Box<Interrupted> {
        let error = error
            .unwrap_or_else(|| Error::Config(format!("every unit tried was refused with {code}")));
        let mut stopped = self.interrupted(error);
        stopped
            .report
            .rejected
            .sort_by_key(|r| r.lines.first().copied());
        let same = self.streak.map_or(0, |(_, n)| n);
        stopped.likely_cause = Some(format!(
            "the first {same} units tried, spread across the file, were each refused with {code} ({reason}) \
             and none was applied: the cause is most likely something every row shares ({}), \
             not the rows themselves. Check it, then run again",
            job.options_summary()
        ));
        stopped
    }
}

/// What a refusal blames, as the endpoint's error table decides
/// (`decision.refuses`): one unit (the request is split until it is alone), the
/// request (its rows fail), or the run (it stops, as for any code not decided).
pub fn refusal<J: Job>(code: i64) -> Option<Refuses> {
    J::Request::DESCRIPTOR.refuses(code)
}

/// A fresh `client_token` for one request of one run: the first 16 digits of
/// the input's fingerprint and 16 of a SHA-256 of the batch, the time and the
/// process (33 characters, well under the 64-character limit).
fn new_token(fingerprint: &str, batch: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let unique =
        sha256_hex(format!("{fingerprint}|{batch}|{nanos}|{}", std::process::id()).as_bytes());
    format!(
        "{}-{}",
        fingerprint.get(..16).unwrap_or(fingerprint),
        &unique[..16]
    )
}
