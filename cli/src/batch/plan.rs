//! The plan: rows grouped into units, checked against every documented rule,
//! packed into requests, and the fingerprint of the input and options that
//! binds a journal to them.

use std::time::Duration;

use feishu_perf::{ApiRequest, Validate};

use super::{Job, Key, Rejection};
use crate::input::{Row, Table};
use crate::journal::Fingerprint;

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
    /// Identifies the input and options, for the journal: SHA-256 hex ([`fingerprint`]).
    pub fingerprint: String,
    /// Rows read.
    pub rows: usize,
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

    pub(super) fn unit(&self, unit: u32) -> Vec<Row<'_>> {
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
    pub(super) fn batch_units(&self, batch: usize) -> Vec<u32> {
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
    let fingerprint = fingerprint(job, &table);

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

/// The input-and-options half of a journal's identity: SHA-256 ([`Fingerprint`]) of the
/// endpoint, the options, the job's columns, and each row's line and cells in those columns.
pub fn fingerprint<J: Job>(job: &J, table: &Table) -> String {
    let mut f = Fingerprint::new();
    f.text(J::Request::DESCRIPTOR.id)
        .text(&job.options_key())
        .number(J::COLUMNS.len() as u64);
    for column in J::COLUMNS {
        f.text(column.name);
    }
    for row in table.rows() {
        f.number(row.line());
        for column in 0..J::COLUMNS.len() {
            f.text(row.get(column));
        }
    }
    f.finish()
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
