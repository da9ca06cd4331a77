//! The imports: plan, send with progress, stop cleanly on Ctrl-C, report in every format.

use std::path::{Path, PathBuf};
use std::time::Duration;

use feishu_perf::ApiRequest;
use feishu_perf::okr::v1::UserIdType as OkrUserIdType;
use feishu_perf::performance::v2::UserIdType;
use feishu_perf_cli::batch::{self, Cancel, Job, Options, Plan, Rejection, Report};
use feishu_perf_cli::input::Source;
use feishu_perf_cli::jobs::{InformationImport, MetricImport};
use feishu_perf_cli::journal::{Held, Identity, Journal, OpenError, Server};
use feishu_perf_cli::okr_jobs::{IndicatorUpdate, OkrItemBatchUpdate};
use feishu_perf_cli::rejects::{self, write_rejects};
use serde::Serialize;

use super::Context;
use crate::args::{ImportArgs, OkrArgs, OkrKind, RunArgs};
use crate::exit::{Failure, Status};
use crate::note;
use crate::output::{Format, Table};
use crate::progress::{self, Display, human};

/// How long the request in flight may take to finish after Ctrl-C before it is abandoned.
const GRACE: Duration = Duration::from_secs(10);

/// `metrics import`.
pub async fn metrics(ctx: &Context, args: ImportArgs) -> Result<Status, Failure> {
    let job = MetricImport(options(&args, MetricImport::MAX_UNITS));
    import(ctx, &job, &args.run).await.map(|r| r.status)
}

/// `information import`.
pub async fn information(ctx: &Context, args: ImportArgs) -> Result<Status, Failure> {
    let job = InformationImport(options(&args, InformationImport::MAX_UNITS));
    import(ctx, &job, &args.run).await.map(|r| r.status)
}

/// `okr import`: v1 metric items through batch_update, or v2 indicators.
pub async fn okr(ctx: &Context, args: OkrArgs) -> Result<Status, Failure> {
    let outcome = match args.kind {
        OkrKind::Items => {
            let job = OkrItemBatchUpdate {
                user_id_type: args.user_id_type.as_deref().map(OkrUserIdType::from),
                batch_size: args.batch_size.unwrap_or(OkrItemBatchUpdate::MAX_UNITS),
            };
            import(ctx, &job, &args.run).await
        }
        OkrKind::Indicators => {
            if args.user_id_type.is_some() || args.batch_size.is_some() {
                return Err(Failure::usage(
                    "--user-id-type and --batch-size are for --kind items: an indicator row names no person, and each is one request",
                ));
            }
            import(ctx, &IndicatorUpdate, &args.run).await
        }
    };
    outcome.map(|r| r.status).map_err(|f| {
        // A file of the other kind lacks this kind's columns: say so.
        let other = match args.kind {
            OkrKind::Items if f.message.contains("metric_source_id") => {
                "a file of v2 indicators (an indicator_id column) takes --kind indicators"
            }
            OkrKind::Indicators if f.message.contains("indicator_id") => {
                "a file of v1 metric items (metric_source_id, metric_table_id, metric_item_id) takes --kind items"
            }
            _ => return f,
        };
        if f.hint.is_some() { f } else { f.hint(other) }
    })
}

/// The options of a performance import.
pub fn options(args: &ImportArgs, max_units: usize) -> Options {
    Options {
        semester_id: args.semester.clone(),
        user_id_type: args.user_id_type.as_deref().map(UserIdType::from),
        batch_size: args.batch_size.unwrap_or(max_units),
        import_record_name: args.record_name.clone(),
    }
}

/// A rejected row in the result.
#[derive(Debug, Clone, Serialize)]
pub struct RejectedRow {
    /// The row's physical line in the file (the header is line 1).
    pub line: u64,
    /// The platform's code when Feishu refused it; `null` when it was rejected before sending.
    pub code: Option<i64>,
    /// Why.
    pub reason: String,
}

/// What an import did: the JSON result (documented in the README).
#[derive(Debug, Clone, Serialize)]
pub struct ImportResult {
    /// The input file.
    pub file: String,
    /// `completed`, `rows_rejected`, `dry_run`, `stopped` (a failure) or `interrupted` (Ctrl-C).
    pub status: &'static str,
    /// The process exit status.
    pub exit_code: u8,
    /// Rows read.
    pub rows: usize,
    /// Rows applied (in this run, or an earlier run of the same journal).
    pub applied: usize,
    /// Rows rejected: `rejected_before_sending + refused`.
    pub rejected: usize,
    /// Rows rejected before anything was sent (a rule broken, a duplicate).
    pub rejected_before_sending: usize,
    /// Rows Feishu refused.
    pub refused: usize,
    /// Rows neither applied nor rejected (the run stopped before them).
    pub pending: usize,
    /// Requests planned before any split.
    pub planned_requests: usize,
    /// Requests sent by this run.
    pub requests: usize,
    /// Requests Feishu applied whose response was lost: counted applied once.
    pub applied_with_lost_response: usize,
    /// Requests split in two to isolate the rows Feishu refused.
    pub splits: usize,
    /// Requests abandoned in flight at Ctrl-C (a resume re-sends them with their token).
    pub abandoned_in_flight: usize,
    /// Milliseconds spent sending.
    pub elapsed_ms: u128,
    /// Milliseconds the client waited for the rate limit.
    pub rate_limit_wait_ms: u128,
    /// Each applied request's `import_record_id` (the OKR update: the item id).
    pub import_record_ids: Vec<String>,
    /// Every rejected row.
    pub rejected_rows: Vec<RejectedRow>,
    /// Where the rejected rows were written.
    pub rejects_file: Option<String>,
    /// The journal.
    pub journal: Option<String>,
    /// Why the run stopped, when it did.
    pub error: Option<String>,
    /// The command that resumes the run, when rerunning helps.
    pub resume: Option<String>,
}

/// The result's exit status.
pub struct Outcome {
    /// The exit status.
    pub status: Status,
    /// The report.
    pub report: Report,
}

/// Plans, sends and reports one import.
pub async fn import<J: Job>(ctx: &Context, job: &J, args: &RunArgs) -> Result<Outcome, Failure> {
    let source = Source::from_arg(&args.file);
    let table = super::read::table(&source, J::COLUMNS, args)?;
    let plan = batch::plan(job, table).map_err(Failure::usage)?;
    let rate = J::Request::DESCRIPTOR
        .rate_limit
        .and_then(|l| l.per_minute)
        .map(|calls| (calls, ctx.window));
    note!(
        "{}",
        plan_line(
            &source,
            &plan,
            plan.duration_at_documented_pace::<J>(ctx.window)
        )
    );
    if args.dry_run {
        let report = Report {
            rows: plan.rows,
            rejected: plan.rejected.clone(),
            ..Report::default()
        };
        let rejects = write_rejects_if_any(args, &source, &plan, &report)?;
        let status = if report.rejected.is_empty() {
            Status::Success
        } else {
            Status::RowsRejected
        };
        let result = result(
            args,
            &plan,
            &report,
            "dry_run",
            status,
            rejects,
            Duration::ZERO,
        );
        print(ctx, &result, &summary_line(&result))?;
        if ctx.output.format != Format::Table {
            note!("{}", summary_line(&result));
            note_rejections(&result.rejected_rows);
        }
        if let Some(path) = &result.rejects_file {
            note!("rejected rows written to {path}");
        }
        return Ok(Outcome { status, report });
    }
    let journal_path = journal_path(ctx, args, &source)?;
    // Credentials are needed from here on, not for a dry run.
    let client = ctx.client()?;
    let mut journal = match (&journal_path, &ctx.server) {
        (Some(path), Some(server)) => {
            let identity = Identity {
                fingerprint: plan.fingerprint.clone(),
                server: server.clone(),
            };
            Journal::open(path, &identity).map_err(|e| refused_journal(job, &plan, e))?
        }
        _ => Journal::in_memory(),
    };
    for warning in journal.warnings() {
        note!("warning: {warning}");
    }

    progress::watch_pacing();
    let display = Display::start(plan.sendable_rows(), plan.batches(), rate);
    let cancel = Cancel::new(GRACE);
    // An embedded sandbox ends with the run: nothing can resume it.
    let sandbox = ctx.server.as_ref().is_some_and(Server::is_embedded_sandbox);
    let resume = journal
        .path()
        .filter(|_| !sandbox)
        .and_then(|_| resume_command());
    // Listening starts now, before the first request, not when the task first runs.
    let mut interrupts = Interrupts::listen();
    let signals = {
        let cancel = cancel.clone();
        let resume = resume.clone();
        tokio::spawn(async move {
            if !interrupts.next().await {
                return;
            }
            note!(
                "\ninterrupted: sending nothing more; the request in flight may finish (up to {}); Ctrl-C again to quit at once",
                human(GRACE)
            );
            cancel.cancel();
            if interrupts.next().await {
                // Journal lines are written between awaits on this one thread: none is half written.
                match &resume {
                    Some(command) => {
                        note!("interrupted again: quitting now; resume with: {command}")
                    }
                    None => note!("interrupted again: quitting now"),
                }
                std::process::exit(i32::from(Status::Interrupted.code()));
            }
        })
    };
    let observe = |event: batch::Event<'_>| display.event(&event);
    let outcome = batch::run_with(client, &plan, job, &mut journal, &observe, &cancel).await;
    signals.abort();
    let waited = display.waited();
    display.finish();

    let (report, failure) = match outcome {
        Ok(report) => (report, None),
        // The run stopped itself: every unit it tried was refused alike.
        Err(interrupted) if interrupted.likely_cause.is_some() => {
            let cause = interrupted.likely_cause.unwrap_or_default();
            let failure = Failure::new(
                Status::Refused,
                format!(
                    "stopped after {} requests: {cause}",
                    interrupted.report.requests
                ),
            );
            (interrupted.report, Some(failure))
        }
        Err(interrupted) => {
            let failure = Failure::from_sdk(&interrupted.error, &ctx.base_url);
            (interrupted.report, Some(failure))
        }
    };
    let rejects = write_rejects_if_any(args, &source, &plan, &report)?;
    let (status, label) = match &failure {
        Some(f) => (f.status, "stopped"),
        None if report.cancelled => (Status::Interrupted, "interrupted"),
        None if report.rejected.is_empty() => (Status::Success, "completed"),
        None => (Status::RowsRejected, "rows_rejected"),
    };
    let mut result = result(args, &plan, &report, label, status, rejects, waited);
    result.journal = journal.path().map(|p| p.display().to_string());
    let resumable = matches!(status, Status::Resumable | Status::Interrupted);
    if resumable {
        result.resume = resume.clone();
    }
    result.error = failure.as_ref().map(|f| f.message.clone());
    print(ctx, &result, &summary_line(&result))?;
    if ctx.output.format != Format::Table {
        note!("{}", summary_line(&result));
        note_rejections(&result.rejected_rows);
    }
    if let Some(path) = &result.rejects_file {
        note!("rejected rows written to {path}");
    }
    if resumable {
        match (&resume, journal.path()) {
            (Some(command), _) => note!(
                "{} rows pending; resume with the same command: {command}",
                result.pending
            ),
            (None, Some(_)) => note!(
                "{} rows pending; the embedded sandbox ended with this run, so nothing can resume it",
                result.pending
            ),
            (None, None) => note!(
                "{} rows pending, and this run kept no journal (--no-journal): a rerun cannot tell which rows were applied; keep one from now on (the default)",
                result.pending
            ),
        }
    }
    match failure {
        Some(mut failure) => {
            if resumable && resume.is_none() {
                // Nothing keeps the token of the request in flight: say so, not that a journal does.
                failure.hint = Some(
                    "this run kept no journal file: a rerun cannot tell which rows were applied, nor re-send the request in flight with its token"
                        .to_owned(),
                );
            }
            if !resumable {
                let extra = "rerunning will not help until this is fixed";
                failure.hint = Some(match failure.hint {
                    Some(h) => format!("{h}; {extra}"),
                    None => extra.to_owned(),
                });
            }
            Err(failure)
        }
        None => Ok(Outcome { status, report }),
    }
}

/// The journal of a run: `--journal`, else `<file>.journal` beside the input;
/// none with `--no-journal`, or against the embedded sandbox (its server ends
/// with the run, so no journal of it could ever be resumed). Standard input
/// has no place beside it: it needs `--journal` or `--no-journal`.
fn journal_path(
    ctx: &Context,
    args: &RunArgs,
    source: &Source,
) -> Result<Option<PathBuf>, Failure> {
    if args.no_journal {
        return Ok(None);
    }
    if let Some(path) = &args.journal {
        return Ok(Some(path.clone()));
    }
    if ctx.sandbox.is_some() {
        return Ok(None);
    }
    match source {
        Source::File(file) => {
            let mut name = file.as_os_str().to_owned();
            name.push(".journal");
            Ok(Some(PathBuf::from(name)))
        }
        Source::Stdin => Err(Failure::usage(
            "standard input has no file to keep a journal beside: give --journal FILE (to resume an interrupted run), or --no-journal",
        )),
    }
}

/// A journal this run cannot use, as a usage error with safe advice.
fn refused_journal<J: Job>(job: &J, plan: &Plan, error: OpenError) -> Failure {
    let message = error.to_string();
    let hint = match &error {
        OpenError::Locked { .. } => {
            "wait for that run to end, or stop it; a process that ends in any way \
             (even killed) frees the journal: the lock is the system's"
                .to_owned()
        }
        OpenError::OtherServer { path, .. } => format!(
            "to send this file here, give this run its own journal (--journal NEW.journal), or delete {} \
             if that run is of no more use",
            path.display()
        ),
        OpenError::Version { path, .. } => format!(
            "finish that run with the feishu-perf that wrote it, or start a fresh journal (--journal NEW.journal, or delete {})",
            path.display()
        ),
        OpenError::OtherInput { path, held } => edited_input_advice(job, plan, path, held),
        OpenError::Io { .. } | OpenError::Malformed { .. } => {
            "fix or move the journal; --journal FILE picks another".to_owned()
        }
    };
    Failure::usage(message).hint(hint)
}

/// What to do when the input changed since its journal was written: what
/// the journal holds, and what a fresh journal would send again, as the job
/// knows (absolute values written again are harmless; an item without an id
/// created again is a duplicate).
fn edited_input_advice<J: Job>(
    job: &J,
    plan: &Plan,
    path: &std::path::Path,
    held: &Held,
) -> String {
    let applied = if held.applied.is_empty() {
        "it holds no row as applied".to_owned()
    } else {
        format!(
            "it holds {} rows as applied (lines {} of the file as it was)",
            held.applied.len(),
            line_ranges(&held.applied)
        )
    };
    let unknown = if held.in_flight.is_empty() {
        String::new()
    } else {
        format!(
            " and {} sent whose outcome is unknown (lines {})",
            held.in_flight.len(),
            line_ranges(&held.in_flight)
        )
    };
    let table = plan.table();
    let creating: Vec<u64> = table
        .rows()
        .filter(|r| job.duplicates_if_resent(*r))
        .map(|r| r.line())
        .collect();
    let effect = if creating.is_empty() {
        "every row of this file is sent again, and a row already applied writes the same absolute values again: harmless"
            .to_owned()
    } else {
        format!(
            "every row of this file is sent again, and {} of its rows (lines {}) {}: \
             each of them already applied would be created a second time (a duplicate). Remove the rows already \
             applied from the file first{}",
            creating.len(),
            line_ranges(&creating),
            job.duplicates_why(),
            job.duplicates_fix()
        )
    };
    format!(
        "{applied}{unknown}. To finish that run, give the file and options it was written for. To import this \
         file as it is, use a fresh journal (--journal NEW.journal, or delete {}): {effect}",
        path.display()
    )
}

/// `2-5, 9, 12-13`, the first ten runs, then how many more lines.
fn line_ranges(lines: &[u64]) -> String {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for &line in lines {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == line => *end = line,
            _ => runs.push((line, line)),
        }
    }
    let mut text: Vec<String> = runs
        .iter()
        .take(10)
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    if runs.len() > 10 {
        let shown: u64 = runs.iter().take(10).map(|(a, b)| b - a + 1).sum();
        text.push(format!("and {} more", lines.len() as u64 - shown));
    }
    text.join(", ")
}

/// Ctrl-C, listened to from the moment it is created.
struct Interrupts {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Interrupts {
    fn listen() -> Interrupts {
        Interrupts {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok(),
        }
    }

    /// The next Ctrl-C; `false` when none can come.
    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        {
            match &mut self.signal {
                Some(signal) => signal.recv().await.is_some(),
                None => false,
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.is_ok()
        }
    }
}

/// The plan, counted as the summary counts: rows, to send, requests, the time the documented pace takes, rejected before sending.
fn plan_line(source: &Source, plan: &Plan, pace: Option<Duration>) -> String {
    let pace = pace
        .map(|d| format!(", about {} at the documented pace", human(d)))
        .unwrap_or_default();
    format!(
        "{source}: {} rows, {} to send in {} requests{pace}, {} rejected before sending",
        plan.rows,
        plan.sendable_rows(),
        plan.batches(),
        plan.rejected_rows()
    )
}

fn summary_line(r: &ImportResult) -> String {
    let dry = if r.status == "dry_run" {
        " (dry run: nothing sent)"
    } else {
        ""
    };
    format!(
        "{} rows: {} applied, {} rejected ({} before sending, {} refused by Feishu), {} pending; \
         {} requests sent ({} planned), {} applied with a lost response, {} splits, in {:.1} s{dry}",
        r.rows,
        r.applied,
        r.rejected,
        r.rejected_before_sending,
        r.refused,
        r.pending,
        r.requests,
        r.planned_requests,
        r.applied_with_lost_response,
        r.splits,
        r.elapsed_ms as f64 / 1000.0
    )
}

/// The first rejected rows, on stderr, for whoever watches it.
fn note_rejections(rows: &[RejectedRow]) {
    for r in rows.iter().take(10) {
        let code = r.code.map(|c| format!("{c} ")).unwrap_or_default();
        note!("  line {}: {code}{}", r.line, r.reason);
    }
    if rows.len() > 10 {
        note!("  ... and {} more", rows.len() - 10);
    }
}

fn rejected_rows(rejections: &[Rejection]) -> Vec<RejectedRow> {
    let mut rows: Vec<RejectedRow> = rejections
        .iter()
        .flat_map(|r| {
            r.lines.iter().map(|&line| RejectedRow {
                line,
                code: r.code,
                reason: r.reason.clone(),
            })
        })
        .collect();
    rows.sort_by_key(|r| r.line);
    rows
}

fn result(
    args: &RunArgs,
    plan: &Plan,
    report: &Report,
    status: &'static str,
    exit: Status,
    rejects_file: Option<PathBuf>,
    waited: Duration,
) -> ImportResult {
    let before = plan.rejected_rows();
    let rejected: usize = report.rejected.iter().map(|r| r.lines.len()).sum();
    ImportResult {
        file: args.file.display().to_string(),
        status,
        exit_code: exit.code(),
        rows: report.rows,
        applied: report.applied_rows,
        rejected,
        rejected_before_sending: before,
        refused: rejected.saturating_sub(before),
        pending: report.pending_rows(),
        planned_requests: plan.batches(),
        requests: report.requests,
        applied_with_lost_response: report.applied_with_lost_response,
        splits: report.splits,
        abandoned_in_flight: report.abandoned_in_flight,
        elapsed_ms: report.elapsed.as_millis(),
        rate_limit_wait_ms: waited.as_millis(),
        import_record_ids: report.import_record_ids.clone(),
        rejected_rows: rejected_rows(&report.rejected),
        rejects_file: rejects_file.map(|p| p.display().to_string()),
        journal: None,
        error: None,
        resume: None,
    }
}

/// Prints the result in the chosen format: the summary and the rejected rows.
fn print(ctx: &Context, result: &ImportResult, summary: &str) -> Result<(), Failure> {
    let mut table = Table::new(&["line", "code", "reason"]);
    for r in &result.rejected_rows {
        table.push(vec![
            r.line.to_string(),
            r.code.map(|c| c.to_string()).unwrap_or_default(),
            r.reason.clone(),
        ]);
    }
    let mut text = format!("{summary}\n");
    if ctx.output.format == Format::Table && table.rows.len() > 20 {
        let more = table.rows.len() - 20;
        table.rows.truncate(20);
        text.push_str(&format!(
            "first 20 rejected rows ({more} more in {}):\n",
            result.rejects_file.as_deref().unwrap_or("the rejects file")
        ));
    }
    ctx.output.document(result, &text, &table)?;
    Ok(())
}

/// Writes the rejected rows to `--rejects` (default `<file>.rejects.csv`) when
/// there are any: the input's columns, then `line`, `code` and `reason`, so the
/// fixed file imports as it is.
fn write_rejects_if_any(
    args: &RunArgs,
    source: &Source,
    plan: &Plan,
    report: &Report,
) -> Result<Option<PathBuf>, Failure> {
    if report.rejected.is_empty() {
        return Ok(None);
    }
    let path = match (&args.rejects, source) {
        (Some(path), _) => path.clone(),
        (None, Source::File(file)) => rejects::default_path(file, plan.table()),
        (None, Source::Stdin) => rejects::default_path(Path::new("stdin"), plan.table()),
    };
    write_rejects(&path, plan.table(), &report.rejected).map_err(Failure::usage)?;
    Ok(Some(path))
}

/// The exact command that resumes this run (only with a journal: without one, a rerun cannot tell what was applied).
fn resume_command() -> Option<String> {
    let words: Vec<String> = std::env::args()
        .enumerate()
        .map(|(i, a)| {
            if i == 0 {
                "feishu-perf".to_owned()
            } else {
                shell_quote(&a)
            }
        })
        .collect();
    Some(words.join(" "))
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_in_runs() {
        assert_eq!(line_ranges(&[2, 3, 4, 7, 9, 10]), "2-4, 7, 9-10");
        let many: Vec<u64> = (0..30).map(|n| n * 2).collect();
        assert_eq!(
            line_ranges(&many),
            "0, 2, 4, 6, 8, 10, 12, 14, 16, 18, and 20 more"
        );
    }

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("kpi.csv"), "kpi.csv");
        assert_eq!(shell_quote("Q3 KPI.csv"), "'Q3 KPI.csv'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
