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

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use feishu_perf::performance::v2::UserIdType;
use feishu_perf::{ApiRequest, Client, Error, Validate};

use crate::journal::{BatchState, Entry, Journal};

/// What to import: how rows group into units, which request carries them,
/// and which refusals blame rows rather than the whole run.
pub trait Job {
    /// One input row.
    type Row: Clone + Hash;
    /// The request that carries a batch of units.
    type Request: ApiRequest + 'static;
    /// The most units one request may carry.
    const MAX_UNITS: usize;

    /// The row's input line.
    fn line(row: &Self::Row) -> u64;
    /// Rows with the same key form one unit; by default each row is a unit of its own.
    fn unit_key(row: &Self::Row) -> String {
        Self::line(row).to_string()
    }
    /// The request for `units` (each a non-empty list of rows).
    fn request(&self, units: &[Vec<Self::Row>]) -> Self::Request;
    /// The JSON path prefix of the first unit in [`request`](Self::request)'s body
    /// (`imported_metrics[0]`), to word a violation for a unit on its own.
    const UNIT_PATH: &'static str;
    /// Rows that cannot be sent, found before any rule check (the same field
    /// twice, a repeated id, a value that does not parse): groups of lines with the reason.
    fn unsendable(&self, rows: &[Self::Row]) -> Vec<(Vec<u64>, String)>;
    /// The import record of a response.
    fn record_id(response: &<Self::Request as ApiRequest>::Response) -> Option<String>;
    /// Whether a refusal with `code` blames rows of the request (so splitting isolates them).
    fn row_level(code: i64) -> bool;
    /// Units per request.
    fn batch_size(&self) -> usize;
    /// The run's options, as they enter the journal's fingerprint.
    fn options_key(&self) -> String;
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

/// Requests ready to send, and the rows that cannot be.
#[derive(Debug, Clone)]
pub struct Plan<R> {
    batches: Vec<Vec<Vec<R>>>,
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
}

impl<R> Plan<R> {
    /// Number of requests planned (before any split).
    pub fn batches(&self) -> usize {
        self.batches.len()
    }

    /// Rows that will be sent.
    pub fn sendable_rows(&self) -> usize {
        self.batches.iter().flatten().map(Vec::len).sum()
    }
}

/// Groups, checks and packs `rows`. Errors only for options that make every
/// request invalid (a batch size out of range, an invalid semester id).
pub fn plan<J: Job>(job: &J, rows: Vec<J::Row>) -> Result<Plan<J::Row>, String> {
    let batch_size = job.batch_size();
    if !(1..=J::MAX_UNITS).contains(&batch_size) {
        return Err(format!(
            "the batch size must be 1..={}, not {batch_size}",
            J::MAX_UNITS
        ));
    }
    let total = rows.len();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    job.options_key().hash(&mut hasher);
    rows.hash(&mut hasher);
    let fingerprint = format!("{:016x}", hasher.finish());

    let mut rejected = Vec::new();
    let conflicting: HashSet<u64> = job
        .unsendable(&rows)
        .into_iter()
        .flat_map(|(lines, reason)| {
            rejected.push(Rejection {
                lines: lines.clone(),
                code: None,
                reason,
            });
            lines
        })
        .collect();

    // Units, in order of first appearance.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut units: Vec<Vec<J::Row>> = Vec::new();
    for row in rows
        .into_iter()
        .filter(|r| !conflicting.contains(&J::line(r)))
    {
        let key = J::unit_key(&row);
        match index.get(&key) {
            Some(&i) => units[i].push(row),
            None => {
                index.insert(key, units.len());
                units.push(vec![row]);
            }
        }
    }

    // Every documented rule, unit by unit (the generated `validate()`).
    let mut good = Vec::new();
    for unit in units {
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
            good.push(unit);
        } else {
            let prefix = format!("{}.", J::UNIT_PATH);
            let reasons: Vec<String> = of_unit
                .iter()
                .map(|v| v.to_string().replacen(&prefix, "", 1))
                .collect();
            rejected.push(Rejection {
                lines: unit.iter().map(J::line).collect(),
                code: None,
                reason: reasons.join("; "),
            });
        }
    }
    let batches = good
        .chunks(batch_size)
        .map(<[Vec<J::Row>]>::to_vec)
        .collect();
    rejected.sort_by_key(|r| r.lines.first().copied());
    Ok(Plan {
        batches,
        rejected,
        fingerprint,
        rows: total,
    })
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
    plan: &Plan<J::Row>,
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
/// `observe` sees each [`Event`]; after `cancel`, the run stops before the
/// next request and returns its report with `cancelled` set.
pub async fn run_with<J: Job>(
    client: &Client,
    plan: &Plan<J::Row>,
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
    let mut queue: VecDeque<(String, Vec<Vec<J::Row>>)> = plan
        .batches
        .iter()
        .enumerate()
        .map(|(i, units)| (i.to_string(), units.clone()))
        .collect();
    let split =
        |queue: &mut VecDeque<(String, Vec<Vec<J::Row>>)>, key: &str, units: Vec<Vec<J::Row>>| {
            let (a, b) = units.split_at(units.len() / 2);
            queue.push_front((format!("{key}.1"), b.to_vec()));
            queue.push_front((format!("{key}.0"), a.to_vec()));
        };
    while let Some((key, units)) = queue.pop_front() {
        let lines: Vec<u64> = units.iter().flatten().map(J::line).collect();
        let rows = lines.len();
        let resumed_token = match journal.state(&key).cloned() {
            Some(BatchState::Done) => {
                report.applied_rows += rows;
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
                    reason,
                });
                continue;
            }
            Some(BatchState::Split) => {
                split(&mut queue, &key, units);
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
        observe(Event::Sending {
            batch: &key,
            rows,
            resumed,
        });
        report.requests += 1;
        let mut request = job.request(&units);
        request.set_idempotency_token(client_token);
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
                record(
                    journal,
                    Entry::Done {
                        batch: key,
                        import_record_id: id.clone(),
                    },
                    &report,
                )?;
                report.import_record_ids.extend(id);
                report.applied_rows += rows;
            }
            // Applied by an earlier attempt of this run (the client says so), or of an
            // earlier run (a resumed token refused as a repeat).
            Err(error)
                if error.is_already_applied()
                    || (resumed && matches!(&error, Error::Api(api) if api.code == 1580110)) =>
            {
                record(
                    journal,
                    Entry::Done {
                        batch: key,
                        import_record_id: None,
                    },
                    &report,
                )?;
                report.applied_with_lost_response += 1;
                report.applied_rows += rows;
            }
            Err(Error::Api(api)) if J::row_level(api.code) => {
                if units.len() > 1 {
                    record(journal, Entry::Split { batch: key.clone() }, &report)?;
                    report.splits += 1;
                    split(&mut queue, &key, units);
                } else {
                    let reason = format!(
                        "{} {}",
                        api.msg,
                        api.info.map(|i| i.hint).unwrap_or_default()
                    )
                    .trim()
                    .to_owned();
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
                        reason,
                    });
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

fn interrupted(error: Error, report: &Report, started: Instant) -> Box<Interrupted> {
    let mut report = report.clone();
    report.elapsed = started.elapsed();
    Box::new(Interrupted { error, report })
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
