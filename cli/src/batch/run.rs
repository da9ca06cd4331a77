//! Sending a plan: the loop that carries out what [`decide`](super::decide)
//! decides, writing the journal before and after each request, and the
//! cancellation of a run (Ctrl-C).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use feishu_perf::{ApiRequest, Client, Error};

use super::decide::{Answer, Before, RunState, Sent, Step, after_send, before_send};
use super::{Interrupted, Job, Plan, Progress, Rejection, Report, SAME_REFUSALS_TO_STOP, refusal};
use crate::input::Row;
use crate::journal::{BatchState, Entry, FailedUnit, Journal, sha256_hex};

/// How many times a request whose answer was lost, and which its read-back
/// found not applied, is sent again before the run stops.
const MAX_RESENDS_AFTER_READ_BACK: u32 = 5;

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
/// What to do at each point is decided by the pure functions of
/// [`decide`](super::decide) ([`before_send`], [`after_send`]); this loop
/// carries the steps out: the journal, the request, the report.
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
    let mut run = Run::new(plan);
    let mut queue: VecDeque<(String, Vec<u32>)> = (0..plan.batches())
        .map(|i| (i.to_string(), plan.batch_units(i)))
        .collect();
    // The request just read back and found not applied (sent again without a second read-back).
    let mut read_back_not_applied: Option<String> = None;
    let mut resends: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    while let Some((key, unit_ids)) = queue.pop_front() {
        let units: Vec<Vec<Row<'_>>> = unit_ids.iter().map(|&u| plan.unit(u)).collect();
        let lines: Vec<u64> = units.iter().flatten().map(Row::line).collect();
        let (before, streak) = before_send(journal.state(&key), cancel.is_cancelled(), run.state());
        run.streak = streak;
        let resume_token = match before {
            Before::Send { resume_token } => resume_token,
            Before::Halt => {
                run.report.cancelled = true;
                break;
            }
            Before::Count { failed } => {
                run.count_applied(lines.len(), failed);
                observe(Event::Progress(run.progress()));
                continue;
            }
            Before::Replay { stop } => {
                run.replay(journal.state(&key), stop, job)?;
                continue;
            }
            Before::Requeue { probe } => {
                requeue(&mut queue, &key, &unit_ids, probe);
                continue;
            }
        };
        let resumed = resume_token.is_some();
        let client_token = match resume_token {
            Some(token) => token,
            None => {
                let token = new_token(&plan.fingerprint, &key);
                run.record(
                    journal,
                    Entry::Started {
                        batch: key.clone(),
                        client_token: token.clone(),
                        lines: lines.clone(),
                    },
                )?;
                token
            }
        };
        // A request without a client_token that an earlier run left in flight:
        // sent again only when the server shows it was not applied.
        if resumed && read_back_not_applied.as_deref() != Some(key.as_str()) {
            let applied = read_back(client, job, &units, &client_token)
                .await
                .map_err(|e| run.interrupted(e))?;
            if applied == Some(true) {
                run.carry_out(Step::DoneAnswerLost, None, &key, lines, journal, job)?;
                observe(Event::Progress(run.progress()));
                continue;
            }
        }
        read_back_not_applied = None;
        observe(Event::Sending {
            batch: &key,
            rows: lines.len(),
            resumed,
        });
        run.report.requests += 1;
        let (answer, error) = send(client, job, &units, client_token.clone(), cancel).await;
        // The answer was lost: a request without a client_token is read back.
        if error.as_ref().is_some_and(Error::is_outcome_unknown) {
            match read_back(client, job, &units, &client_token)
                .await
                .map_err(|e| run.interrupted(e))?
            {
                Some(true) => {
                    run.carry_out(Step::DoneAnswerLost, None, &key, lines, journal, job)?;
                    observe(Event::Progress(run.progress()));
                    continue;
                }
                Some(false) => {
                    let sent = resends.entry(key.clone()).or_insert(0);
                    *sent += 1;
                    if *sent > MAX_RESENDS_AFTER_READ_BACK {
                        // The read-back found it not made: a rerun reads back
                        // first, so the stop is the last failure's, resumable.
                        if let Some(lost) = error {
                            let cause = match lost {
                                Error::OutcomeUnknown { source, .. } => *source,
                                other => other,
                            };
                            return Err(run.interrupted(cause));
                        }
                    }
                    // Not applied: sent again (its journal entry still says started).
                    read_back_not_applied = Some(key.clone());
                    queue.push_front((key, unit_ids));
                    continue;
                }
                None => {}
            }
        }
        let sent = Sent {
            units: units.len(),
            resumed,
        };
        let (step, streak) = after_send(sent, answer, run.state());
        run.streak = streak;
        match run.carry_out(step, error, &key, lines, journal, job)? {
            Flow::Next => {}
            Flow::Requeue(probe) => requeue(&mut queue, &key, &unit_ids, probe),
            Flow::Abandoned => break,
        }
        observe(Event::Progress(run.progress()));
    }
    Ok(run.finish())
}

/// Queues the parts of a split batch, first.
fn requeue(queue: &mut VecDeque<(String, Vec<u32>)>, key: &str, units: &[u32], probe: bool) {
    for (i, part) in split_parts(units, probe).into_iter().enumerate().rev() {
        queue.push_front((format!("{key}.{i}"), part));
    }
}

/// Sends one request with its token (the client retries it with that token)
/// unless the run is cancelled and the grace period runs out first; returns
/// what came back, and the error when there was one.
async fn send<J: Job>(
    client: &Client,
    job: &J,
    units: &[Vec<Row<'_>>],
    client_token: String,
    cancel: &Cancel,
) -> (Answer, Option<Error>) {
    let mut request = job.request(units);
    request.set_idempotency_token(client_token);
    let sent = tokio::select! {
        biased;
        result = client.send(request) => Some(result),
        () = cancel.abandon() => None,
    };
    match sent {
        None => (Answer::Cancelled, None),
        Some(Ok(data)) => {
            let failed = job
                .refused_in_response(units, &data)
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
    }
}

/// Whether the server applied the request of `units` sent with `client_token`,
/// read back from it; `None` when the job has no read-back (its `client_token` guards it).
async fn read_back<J: Job>(
    client: &Client,
    job: &J,
    units: &[Vec<Row<'_>>],
    client_token: &str,
) -> Result<Option<bool>, Error> {
    let mut request = job.request(units);
    request.set_idempotency_token(client_token.to_owned());
    match job.read_back(client, &request) {
        Some(check) => check.await.map(Some),
        None => Ok(None),
    }
}

/// What the loop does after a step was carried out.
enum Flow {
    /// The next batch.
    Next,
    /// The batch was split: queue its parts.
    Requeue(bool),
    /// The request was abandoned in flight: the run ends.
    Abandoned,
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
    fn new(plan: &Plan) -> Run {
        Run {
            report: Report {
                rows: plan.rows,
                rejected: plan.rejected.clone(),
                ..Report::default()
            },
            failed_rows: 0,
            total_rows: plan.sendable_rows(),
            streak: None,
            started: Instant::now(),
        }
    }

    fn finish(self) -> Report {
        let mut report = self.report;
        report.rejected.sort_by_key(|r| r.lines.first().copied());
        report.elapsed = self.started.elapsed();
        report
    }

    /// Carries out what [`after_send`] decided for batch `key` of `lines`.
    fn carry_out<J: Job>(
        &mut self,
        step: Step,
        error: Option<Error>,
        key: &str,
        lines: Vec<u64>,
        journal: &mut Journal,
        job: &J,
    ) -> Result<Flow, Box<Interrupted>> {
        let batch = key.to_owned();
        match step {
            Step::Done { record_id, failed } => {
                self.record(
                    journal,
                    Entry::Done {
                        batch,
                        import_record_id: record_id.clone(),
                        failed: failed.clone(),
                    },
                )?;
                self.report.import_record_ids.extend(record_id);
                self.count_applied(lines.len(), failed);
            }
            Step::DoneAnswerLost => {
                self.record(
                    journal,
                    Entry::Done {
                        batch,
                        import_record_id: None,
                        failed: Vec::new(),
                    },
                )?;
                self.report.applied_with_lost_response += 1;
                self.report.applied_rows += lines.len();
            }
            Step::Split { probe } => {
                self.record(journal, Entry::Split { batch, probe })?;
                self.report.splits += 1;
                return Ok(Flow::Requeue(probe));
            }
            Step::Reject { code, reason, stop } => {
                self.record(
                    journal,
                    Entry::Failed {
                        batch,
                        code,
                        reason: reason.clone(),
                        lines: lines.clone(),
                    },
                )?;
                self.reject(lines, code, reason.clone());
                if stop {
                    return Err(self.stopped_alike(job, code, &reason, error));
                }
            }
            Step::Stop => {
                let error = error.unwrap_or_else(|| Error::Config("the run stopped".into()));
                return Err(self.interrupted(error));
            }
            Step::Abandon => {
                self.report.cancelled = true;
                self.report.abandoned_in_flight += 1;
                return Ok(Flow::Abandoned);
            }
        }
        Ok(Flow::Next)
    }

    /// Reports the rows of a batch an earlier run saw refused; `stop`: that run stopped there, and so does this one.
    fn replay<J: Job>(
        &mut self,
        state: Option<&BatchState>,
        stop: bool,
        job: &J,
    ) -> Result<(), Box<Interrupted>> {
        if let Some(BatchState::Failed {
            code,
            reason,
            lines,
        }) = state
        {
            self.reject(lines.clone(), *code, reason.clone());
            if stop {
                return Err(self.stopped_alike(job, *code, reason, None));
            }
        }
        Ok(())
    }

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
