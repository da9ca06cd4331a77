//! The batch engine: turns rows of KPI values into metric-import requests and
//! sends them so that every row is applied exactly once or reported.
//!
//! - **Plan.** Rows are grouped per reviewee and metric (the API refuses the
//!   same pair twice in one request, 1580307), checked against every
//!   documented rule before anything is sent, and packed into requests of at
//!   most 50 metrics. A row that cannot be sent is rejected with its line and
//!   the reason; none is dropped.
//! - **Send.** Each batch is journaled with its `client_token` before it is
//!   sent; the client retries with that same token, so a retry never applies
//!   a batch twice, and a response lost after the write counts as applied.
//! - **Isolate.** The server applies a request whole or not at all: when it
//!   refuses a batch for a row-level reason (an unknown reviewee, a value of
//!   the wrong type, ...), the batch is split in two and each half is sent
//!   again, until the failing reviewee-metric is alone; only its rows fail.
//! - **Resume.** A run stopped by a transport failure or an exhausted retry
//!   budget resumes from its journal: finished batches are skipped, a batch
//!   that was in flight is re-sent with its token (refused as a repeat if it
//!   had been applied, which then counts as applied).

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use feishu_perf::performance::v2::{
    ImportMetricDetailRequest, ImportMetricDetailRequestBody, ImportedMetric, ImportedMetricField,
    UserIdType,
};
use feishu_perf::{Client, Error, Validate};

use crate::journal::{BatchState, Entry, Journal};

/// The most metrics one request may carry (`imported_metrics`: 1..50).
pub const MAX_BATCH: usize = 50;

/// One input row: one field value of one reviewee's metric.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Deserialize)]
pub struct MetricRow {
    /// Where it came from (1-based, the header being line 1).
    #[serde(skip)]
    pub line: u64,
    /// `reviewee_user_id`, in the run's `user_id_type`.
    pub reviewee_user_id: String,
    /// `metric_id`.
    pub metric_id: String,
    /// `field_id`.
    pub field_id: String,
    /// `field_value`.
    #[serde(default)]
    pub field_value: Option<String>,
    /// `field_value_person`, for person fields.
    #[serde(default)]
    pub field_value_person: Option<String>,
}

/// How to import.
#[derive(Debug, Clone)]
pub struct Options {
    /// The semester (`semester_id`).
    pub semester_id: String,
    /// How reviewees and persons are identified (default `open_id`).
    pub user_id_type: Option<UserIdType>,
    /// Metrics per request, 1..=50.
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

/// One reviewee's metric and its field values.
#[derive(Debug, Clone)]
struct Group {
    reviewee: String,
    metric: String,
    rows: Vec<MetricRow>,
}

impl Group {
    fn metric(&self) -> ImportedMetric {
        let fields = self
            .rows
            .iter()
            .map(|row| {
                let mut field = ImportedMetricField::new(&row.field_id);
                if let Some(value) = &row.field_value {
                    field = field.field_value(value);
                }
                if let Some(person) = &row.field_value_person {
                    field = field.field_value_person(person);
                }
                field
            })
            .collect();
        ImportedMetric::new(&self.reviewee, &self.metric, fields)
    }

    fn lines(&self) -> Vec<u64> {
        self.rows.iter().map(|r| r.line).collect()
    }
}

/// Requests ready to send, and the rows that cannot be.
#[derive(Debug, Clone)]
pub struct Plan {
    batches: Vec<Vec<Group>>,
    /// Rows refused before sending.
    pub rejected: Vec<Rejection>,
    /// Identifies the input and options, for the journal.
    pub fingerprint: String,
    /// Rows read.
    pub rows: usize,
}

impl Plan {
    /// Number of requests planned (before any split).
    pub fn batches(&self) -> usize {
        self.batches.len()
    }

    /// Rows that will be sent.
    pub fn sendable_rows(&self) -> usize {
        self.batches.iter().flatten().map(|g| g.rows.len()).sum()
    }
}

fn request(groups: &[Group], options: &Options) -> ImportMetricDetailRequest {
    let mut body = ImportMetricDetailRequestBody::new(
        &options.semester_id,
        groups.iter().map(Group::metric).collect(),
    );
    if let Some(name) = &options.import_record_name {
        body = body.import_record_name(name);
    }
    let mut request = ImportMetricDetailRequest::new(body);
    if let Some(kind) = &options.user_id_type {
        request = request.user_id_type(kind.clone());
    }
    request
}

/// Groups, checks and packs `rows`. Errors only for options that make every
/// request invalid (an empty semester, a batch size out of 1..=50).
pub fn plan(rows: Vec<MetricRow>, options: &Options) -> Result<Plan, String> {
    if !(1..=MAX_BATCH).contains(&options.batch_size) {
        return Err(format!(
            "the batch size must be 1..={MAX_BATCH}, not {}",
            options.batch_size
        ));
    }
    let total = rows.len();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (
        &options.semester_id,
        options.user_id_type.as_ref().map(|t| t.as_str()),
        options.batch_size,
    )
        .hash(&mut hasher);
    options.import_record_name.hash(&mut hasher);
    rows.hash(&mut hasher);
    let fingerprint = format!("{:016x}", hasher.finish());

    // Group per (reviewee, metric), in order of first appearance.
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    for row in rows {
        let key = (row.reviewee_user_id.clone(), row.metric_id.clone());
        match index.get(&key) {
            Some(&i) => groups[i].rows.push(row),
            None => {
                index.insert(key, groups.len());
                groups.push(Group {
                    reviewee: row.reviewee_user_id.clone(),
                    metric: row.metric_id.clone(),
                    rows: vec![row],
                });
            }
        }
    }

    let mut rejected = Vec::new();
    let mut good = Vec::new();
    for group in groups {
        // The same field twice for one reviewee's metric is ambiguous (and 1580308): refuse all its rows.
        let mut seen: HashMap<&str, Vec<u64>> = HashMap::new();
        for row in &group.rows {
            seen.entry(&row.field_id).or_default().push(row.line);
        }
        let mut duplicates: Vec<Vec<u64>> =
            seen.into_values().filter(|lines| lines.len() > 1).collect();
        if !duplicates.is_empty() {
            duplicates.sort();
            for lines in &duplicates {
                rejected.push(Rejection {
                    lines: lines.clone(),
                    code: None,
                    reason: format!(
                        "the same field is given more than once for reviewee {} and metric {}",
                        group.reviewee, group.metric
                    ),
                });
            }
            let duplicated: std::collections::HashSet<u64> =
                duplicates.iter().flatten().copied().collect();
            let rest: Vec<MetricRow> = group
                .rows
                .iter()
                .filter(|r| !duplicated.contains(&r.line))
                .cloned()
                .collect();
            if rest.is_empty() {
                continue;
            }
            let group = Group {
                rows: rest,
                ..group
            };
            check(group, options, &mut good, &mut rejected);
        } else {
            check(group, options, &mut good, &mut rejected);
        }
    }

    // The options themselves must make a valid request.
    if let Some(first) = good.first()
        && let Err(errors) = request(std::slice::from_ref(first), options).validate()
    {
        return Err(format!("invalid options: {errors}"));
    }
    let batches = good
        .chunks(options.batch_size)
        .map(<[Group]>::to_vec)
        .collect();
    rejected.sort_by_key(|r| r.lines.first().copied());
    Ok(Plan {
        batches,
        rejected,
        fingerprint,
        rows: total,
    })
}

/// Checks one group against every documented rule (the generated `validate()`);
/// keeps it or rejects its rows.
fn check(group: Group, options: &Options, good: &mut Vec<Group>, rejected: &mut Vec<Rejection>) {
    match ImportMetricDetailRequest::new(ImportMetricDetailRequestBody::new(
        &options.semester_id,
        vec![group.metric()],
    ))
    .validate()
    {
        Ok(()) => good.push(group),
        Err(errors) => {
            let reasons: Vec<String> = errors
                .violations()
                .iter()
                .filter(|v| v.path.starts_with("imported_metrics"))
                .map(|v| v.to_string().replacen("imported_metrics[0].", "", 1))
                .collect();
            if reasons.is_empty() {
                good.push(group);
            } else {
                rejected.push(Rejection {
                    lines: group.lines(),
                    code: None,
                    reason: reasons.join("; "),
                });
            }
        }
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
    /// Batches whose response was lost but which the server had applied.
    pub applied_with_lost_response: usize,
    /// Batches split to isolate refused rows.
    pub splits: usize,
    /// `import_record_id`s returned.
    pub import_record_ids: Vec<String>,
    /// Time spent.
    pub elapsed: Duration,
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

/// Sends the plan. Stops (with [`Interrupted`]) on an error that is not about
/// the rows themselves: transport, timeouts or rate limits outlasting the
/// client's retries, authentication, or a refusal of the whole run (unknown
/// semester, past the deadline, no licence). Run again with the same journal
/// to resume.
pub async fn run(
    client: &Client,
    plan: &Plan,
    options: &Options,
    journal: &mut Journal,
    mut progress: impl FnMut(Progress),
) -> Result<Report, Box<Interrupted>> {
    let started = Instant::now();
    let mut report = Report {
        rows: plan.rows,
        rejected: plan.rejected.clone(),
        ..Report::default()
    };
    let total_rows = plan.sendable_rows();
    let mut failed_rows = 0;
    let mut queue: VecDeque<(String, Vec<Group>)> = plan
        .batches
        .iter()
        .enumerate()
        .map(|(i, groups)| (i.to_string(), groups.clone()))
        .collect();
    while let Some((key, groups)) = queue.pop_front() {
        let rows: usize = groups.iter().map(|g| g.rows.len()).sum();
        let lines: Vec<u64> = groups.iter().flat_map(Group::lines).collect();
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
                let (a, b) = groups.split_at(groups.len() / 2);
                queue.push_front((format!("{key}.1"), b.to_vec()));
                queue.push_front((format!("{key}.0"), a.to_vec()));
                continue;
            }
            Some(BatchState::Started { client_token }) => Some(client_token),
            None => None,
        };
        let resumed = resumed_token.is_some();
        let client_token = resumed_token.unwrap_or_else(|| new_token(&plan.fingerprint, &key));
        if !resumed {
            journal
                .write(Entry::Started {
                    batch: key.clone(),
                    client_token: client_token.clone(),
                    lines: lines.clone(),
                })
                .map_err(|e| interrupted(Error::Config(e), &report, started))?;
        }
        report.requests += 1;
        let outcome = client
            .send(request(&groups, options).client_token(&client_token))
            .await;
        let record = |journal: &mut Journal, entry| {
            journal
                .write(entry)
                .map_err(|e| interrupted(Error::Config(e), &report, started))
        };
        match outcome {
            Ok(data) => {
                record(
                    journal,
                    Entry::Done {
                        batch: key,
                        import_record_id: data.import_record_id.clone(),
                    },
                )?;
                report.import_record_ids.extend(data.import_record_id);
                report.applied_rows += rows;
            }
            // Applied by an earlier attempt (this run) or an earlier run (resumed token).
            Err(Error::AlreadyApplied { .. }) => {
                record(
                    journal,
                    Entry::Done {
                        batch: key,
                        import_record_id: None,
                    },
                )?;
                report.applied_with_lost_response += 1;
                report.applied_rows += rows;
            }
            Err(Error::Api(api)) if resumed && api.code == 1580110 => {
                record(
                    journal,
                    Entry::Done {
                        batch: key,
                        import_record_id: None,
                    },
                )?;
                report.applied_with_lost_response += 1;
                report.applied_rows += rows;
            }
            Err(Error::Api(api)) if row_level(api.code) => {
                if groups.len() > 1 {
                    record(journal, Entry::Split { batch: key.clone() })?;
                    report.splits += 1;
                    let (a, b) = groups.split_at(groups.len() / 2);
                    queue.push_front((format!("{key}.1"), b.to_vec()));
                    queue.push_front((format!("{key}.0"), a.to_vec()));
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

/// Codes that blame rows of the request (so splitting the batch isolates them),
/// as opposed to the whole run (semester, deadline, licence, tokens, scopes).
fn row_level(code: i64) -> bool {
    matches!(code, 1580102 | 1580112 | 1580301..=1580308 | 1580310..=1580312)
}

fn interrupted(error: Error, report: &Report, started: Instant) -> Box<Interrupted> {
    let mut report = report.clone();
    report.elapsed = started.elapsed();
    Box::new(Interrupted { error, report })
}

/// A fresh `client_token` for one send of one batch: unique per run and batch.
fn new_token(fingerprint: &str, batch: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (fingerprint, batch, nanos, std::process::id()).hash(&mut hasher);
    format!("{fingerprint}-{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u64, reviewee: &str, metric: &str, field: &str, value: &str) -> MetricRow {
        MetricRow {
            line,
            reviewee_user_id: reviewee.into(),
            metric_id: metric.into(),
            field_id: field.into(),
            field_value: Some(value.into()),
            field_value_person: None,
        }
    }

    fn options(batch_size: usize) -> Options {
        Options {
            semester_id: "1".into(),
            user_id_type: None,
            batch_size,
            import_record_name: None,
        }
    }

    #[test]
    fn groups_per_reviewee_and_metric_and_packs_batches() {
        let rows: Vec<MetricRow> = (0..120)
            .map(|n| {
                row(
                    n + 2,
                    &format!("ou_{}", n / 2),
                    "m",
                    &format!("f{}", n % 2),
                    "1",
                )
            })
            .collect();
        let plan = plan(rows, &options(50)).unwrap();
        assert_eq!(plan.batches(), 2, "60 reviewee-metrics in batches of 50");
        assert_eq!(plan.sendable_rows(), 120);
        assert!(plan.rejected.is_empty());
        let first = request(&plan.batches[0], &options(50));
        assert_eq!(first.body.imported_metrics.len(), 50);
        assert_eq!(first.body.imported_metrics[0].fields.len(), 2);
    }

    #[test]
    fn duplicate_fields_and_invalid_rows_are_rejected_with_their_lines() {
        let mut rows = vec![
            row(2, "ou_1", "m", "f", "1"),
            row(3, "ou_1", "m", "f", "2"),
            row(4, "ou_1", "m", "g", "3"),
            row(5, "ou_3", "m", "f", "5"),
        ];
        // A metric with 100 fields: over the documented 1..99.
        rows.extend((0..100).map(|n| row(10 + n, "ou_2", "m", &format!("f{n}"), "1")));
        let plan = plan(rows, &options(50)).unwrap();
        assert_eq!(plan.rejected.len(), 2, "{:?}", plan.rejected);
        assert_eq!(plan.rejected[0].lines, [2, 3]);
        assert_eq!(plan.rejected[1].lines, (10..110).collect::<Vec<u64>>());
        assert!(
            plan.rejected[1]
                .reason
                .starts_with("fields: must have 1..=99 items, found 100"),
            "{}",
            plan.rejected[1].reason
        );
        assert_eq!(plan.sendable_rows(), 2, "line 4 and line 5 are still sent");
    }

    #[test]
    fn fingerprints_follow_the_input_and_options() {
        let rows = vec![row(2, "ou_1", "m", "f", "1")];
        let a = plan(rows.clone(), &options(50)).unwrap().fingerprint;
        assert_eq!(a, plan(rows.clone(), &options(50)).unwrap().fingerprint);
        assert_ne!(a, plan(rows.clone(), &options(10)).unwrap().fingerprint);
        assert_ne!(
            a,
            plan(vec![row(2, "ou_1", "m", "f", "2")], &options(50))
                .unwrap()
                .fingerprint
        );
        assert!(plan(rows, &options(51)).is_err());
    }
}
