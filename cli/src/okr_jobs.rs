//! The OKR imports: v1 metric items through `batch_update` (100 a request),
//! and v2 quantitative indicators through their PATCH (one a request).

use feishu_perf::okr::v1::{
    BatchUpdateMetricSourceTableItemRequest, BatchUpdateMetricSourceTableItemRequestBody,
    BatchUpdateMetricSourceTableItemResponseBody, MetricItemRequest, UserIdType as OkrUserIdType,
};
use feishu_perf::okr::v2::{
    IndicatorUnit, PatchOkrIndicatorRequest, PatchOkrIndicatorRequestBody,
    PatchOkrIndicatorResponseBody,
};

use crate::batch::{Job, Key};
use crate::input::{Column, Row};
use crate::jobs::{optional, required};

/// A finite number in `column`, or why not.
fn finite(row: Row<'_>, columns: &[Column], column: usize) -> Result<Option<f64>, String> {
    let Some(value) = row.opt(column) else {
        return Ok(None);
    };
    let name = columns[column].name;
    match value.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        Ok(_) => Err(format!("{name}: {value:?} is not a finite number")),
        Err(_) => Err(format!("{name}: {value:?} is not a number")),
    }
}

/// An empty id cell: the request would name no item (for an id in the
/// path, another URL), so the row is rejected before sending.
fn ids_given(row: Row<'_>, columns: &[Column], ids: &[usize]) -> Result<(), String> {
    match ids.iter().find(|&&c| row.get(c).trim().is_empty()) {
        Some(&c) => Err(format!(
            "{}: empty; it names what to update",
            columns[c].name
        )),
        None => Ok(()),
    }
}

/// OKR v1 progress (批量更新指标项): a row is one metric item's new values
/// (empty cells leave a value as it is), the columns of the one-item update.
/// Items of one metric table go together, at most 100 a request; the answer
/// names each item it did not apply (`failed_items`), which fails that row
/// alone. The request sets absolute values and takes no `client_token`: a
/// request re-sent after a lost answer writes the same values again.
#[derive(Debug, Clone)]
pub struct OkrItemBatchUpdate {
    /// How `supported_user_id` identifies people (default `open_id`).
    pub user_id_type: Option<OkrUserIdType>,
    /// Items per request, 1..=100.
    pub batch_size: usize,
}

impl Default for OkrItemBatchUpdate {
    fn default() -> Self {
        OkrItemBatchUpdate {
            user_id_type: None,
            batch_size: Self::MAX_UNITS,
        }
    }
}

impl OkrItemBatchUpdate {
    const SOURCE: usize = 0;
    const TABLE: usize = 1;
    const ITEM: usize = 2;
    const VALUES: [usize; 3] = [3, 4, 5];
    const SUPPORTED_USER: usize = 6;
}

impl Job for OkrItemBatchUpdate {
    type Request = BatchUpdateMetricSourceTableItemRequest;
    const MAX_UNITS: usize = 100;
    const COLUMNS: &'static [Column] = &[
        required("metric_source_id"),
        required("metric_table_id"),
        required("metric_item_id"),
        optional("metric_initial_value"),
        optional("metric_target_value"),
        optional("metric_current_value"),
        optional("supported_user_id"),
    ];
    const UNIT_PATH: &'static str = "items[0]";

    fn batch_key<'t>(&self, row: Row<'t>) -> Option<Key<'t>> {
        Some([row.get(Self::SOURCE), row.get(Self::TABLE), ""])
    }

    fn request(&self, units: &[Vec<Row<'_>>]) -> BatchUpdateMetricSourceTableItemRequest {
        let items = units
            .iter()
            .flatten()
            .map(|row| {
                let mut item = MetricItemRequest::new().metric_item_id(row.get(Self::ITEM));
                let [initial, target, current] =
                    Self::VALUES.map(|c| finite(*row, Self::COLUMNS, c).ok().flatten());
                if let Some(v) = initial {
                    item = item.metric_initial_value(v);
                }
                if let Some(v) = target {
                    item = item.metric_target_value(v);
                }
                if let Some(v) = current {
                    item = item.metric_current_value(v);
                }
                if let Some(user) = row.opt(Self::SUPPORTED_USER) {
                    item = item.supported_user_id(user);
                }
                item
            })
            .collect();
        let first = units.first().and_then(|u| u.first());
        let cell = |column| first.map_or("", |r| r.get(column));
        let mut request =
            BatchUpdateMetricSourceTableItemRequest::new(cell(Self::SOURCE), cell(Self::TABLE))
                .body(BatchUpdateMetricSourceTableItemRequestBody::new().items(items));
        if let Some(kind) = &self.user_id_type {
            request = request.user_id_type(kind.clone());
        }
        request
    }

    /// An empty id, a value that is not a finite number, and a row that changes nothing.
    fn check_row(&self, row: Row<'_>) -> Result<(), String> {
        crate::input::cells::check_row(row, Self::COLUMNS)?;
        ids_given(row, Self::COLUMNS, &[Self::SOURCE, Self::TABLE, Self::ITEM])?;
        for column in Self::VALUES {
            finite(row, Self::COLUMNS, column)?;
        }
        if Self::VALUES.iter().all(|&c| row.opt(c).is_none())
            && row.opt(Self::SUPPORTED_USER).is_none()
        {
            return Err("nothing to update: every value is empty".into());
        }
        Ok(())
    }

    /// The same item twice is ambiguous (which values win?).
    fn unique_keys<'t>(&self, row: Row<'t>) -> [Option<Key<'t>>; 2] {
        [
            Some([
                row.get(Self::SOURCE),
                row.get(Self::TABLE),
                row.get(Self::ITEM),
            ]),
            None,
        ]
    }

    fn duplicate_reason(&self, _slot: usize, row: Row<'_>) -> String {
        format!(
            "metric item {} is given more than once",
            row.get(Self::ITEM)
        )
    }

    /// Each `failed_items` entry fails the row of its item, with Feishu's
    /// reason. When the answer lists the updated `items`, a row's item in
    /// neither list is not counted as applied either: its outcome is unknown.
    fn refused_in_response(
        &self,
        units: &[Vec<Row<'_>>],
        response: &BatchUpdateMetricSourceTableItemResponseBody,
    ) -> Vec<(usize, String)> {
        let failed = response.failed_items.as_deref().unwrap_or_default();
        let updated = response.items.as_deref();
        units
            .iter()
            .enumerate()
            .filter_map(|(n, unit)| {
                let id = unit.first()?.get(Self::ITEM);
                if let Some(item) = failed.iter().find(|f| f.metric_item_id.as_deref() == Some(id)) {
                    let reason = item.reason.as_deref().unwrap_or("no reason given");
                    return Some((n, format!("not applied: {reason}")));
                }
                let listed = |items: &[_]| {
                    items
                        .iter()
                        .any(|i: &feishu_perf::okr::v1::MetricItem| i.metric_item_id.as_deref() == Some(id))
                };
                match updated {
                    Some(items) if !listed(items) => Some((
                        n,
                        "the answer lists it neither as updated nor as failed: its outcome is unknown; check it with `okr items get`".to_owned(),
                    )),
                    _ => None,
                }
            })
            .collect()
    }

    fn record_id(_response: &BatchUpdateMetricSourceTableItemResponseBody) -> Option<String> {
        None
    }

    fn batch_size(&self) -> usize {
        self.batch_size
    }

    fn options_key(&self) -> String {
        format!(
            "{}|{}",
            self.user_id_type.as_ref().map_or("", |t| t.as_str()),
            self.batch_size
        )
    }

    fn options_summary(&self) -> String {
        format!(
            "--user-id-type {}",
            self.user_id_type
                .as_ref()
                .map_or("open_id (the default)", |t| t.as_str())
        )
    }
}

/// OKR v2 progress (更新量化指标): a row is one indicator's new values, the
/// fields of the PATCH (empty cells leave a value as it is). One request a
/// row; it sets absolute values, so a re-send after a lost answer is harmless.
/// OKR v2 documents no error codes: a refusal stops the run (its journal
/// resumes it) rather than being blamed on a row.
#[derive(Debug, Clone, Default)]
pub struct IndicatorUpdate;

impl IndicatorUpdate {
    const INDICATOR: usize = 0;
    const NUMBERS: [usize; 3] = [1, 2, 3];
    const STATUS: usize = 4;
    const STATUS_CALCULATE: usize = 5;
    const CURRENT_CALCULATE: usize = 6;
    const UNIT_TYPE: usize = 7;
    const UNIT_VALUE: usize = 8;
    /// Integer columns and the values the SDK lists for them (`None`: any integer).
    const INTEGERS: [(usize, Option<&'static [i64]>); 4] = [
        (Self::STATUS, Some(&[-1, 0, 1, 2])),
        (Self::STATUS_CALCULATE, Some(&[0, 1, 2])),
        (Self::CURRENT_CALCULATE, Some(&[0, 1, 2])),
        (Self::UNIT_TYPE, None),
    ];

    fn integer(row: Row<'_>, column: usize) -> Result<Option<i64>, String> {
        let Some(value) = row.opt(column) else {
            return Ok(None);
        };
        let name = Self::COLUMNS[column].name;
        let n: i64 = value
            .trim()
            .parse()
            .map_err(|_| format!("{name}: {value:?} is not an integer"))?;
        match Self::INTEGERS.iter().find(|(c, _)| *c == column) {
            Some((_, Some(allowed))) if !allowed.contains(&n) => {
                Err(format!("{name}: {n} is not one of {allowed:?}"))
            }
            _ => Ok(Some(n)),
        }
    }
}

impl Job for IndicatorUpdate {
    type Request = PatchOkrIndicatorRequest;
    const MAX_UNITS: usize = 1;
    const COLUMNS: &'static [Column] = &[
        required("indicator_id"),
        optional("start_value"),
        optional("target_value"),
        optional("current_value"),
        optional("indicator_status"),
        optional("status_calculate_type"),
        optional("current_value_calculate_type"),
        optional("unit_type"),
        optional("unit_value"),
    ];
    const UNIT_PATH: &'static str = "body";

    fn request(&self, units: &[Vec<Row<'_>>]) -> PatchOkrIndicatorRequest {
        let row = units.first().and_then(|u| u.first());
        let mut body = PatchOkrIndicatorRequestBody::new();
        if let Some(row) = row {
            let [start, target, current] =
                Self::NUMBERS.map(|c| finite(*row, Self::COLUMNS, c).ok().flatten());
            let int = |c| Self::integer(*row, c).ok().flatten();
            if let Some(v) = start {
                body = body.start_value(v);
            }
            if let Some(v) = target {
                body = body.target_value(v);
            }
            if let Some(v) = current {
                body = body.current_value(v);
            }
            if let Some(v) = int(Self::STATUS) {
                body = body.indicator_status(v);
            }
            if let Some(v) = int(Self::STATUS_CALCULATE) {
                body = body.status_calculate_type(v);
            }
            if let Some(v) = int(Self::CURRENT_CALCULATE) {
                body = body.current_value_calculate_type(v);
            }
            let unit_type = int(Self::UNIT_TYPE);
            let unit_value = row.opt(Self::UNIT_VALUE);
            if unit_type.is_some() || unit_value.is_some() {
                let mut unit = IndicatorUnit::new();
                if let Some(t) = unit_type {
                    unit = unit.unit_type(t);
                }
                if let Some(v) = unit_value {
                    unit = unit.unit_value(v);
                }
                body = body.unit(unit);
            }
        }
        PatchOkrIndicatorRequest::new(row.map_or("", |r| r.get(Self::INDICATOR))).body(body)
    }

    /// An empty id, a value that does not parse, one the SDK does not list, and a row that changes nothing.
    fn check_row(&self, row: Row<'_>) -> Result<(), String> {
        crate::input::cells::check_row(row, Self::COLUMNS)?;
        ids_given(row, Self::COLUMNS, &[Self::INDICATOR])?;
        for column in Self::NUMBERS {
            finite(row, Self::COLUMNS, column)?;
        }
        for (column, _) in Self::INTEGERS {
            Self::integer(row, column)?;
        }
        if (1..Self::COLUMNS.len()).all(|c| row.opt(c).is_none()) {
            return Err("nothing to update: every value is empty".into());
        }
        Ok(())
    }

    /// The same indicator twice is ambiguous.
    fn unique_keys<'t>(&self, row: Row<'t>) -> [Option<Key<'t>>; 2] {
        [Some([row.get(Self::INDICATOR), "", ""]), None]
    }

    fn duplicate_reason(&self, _slot: usize, row: Row<'_>) -> String {
        format!(
            "indicator {} is given more than once",
            row.get(Self::INDICATOR)
        )
    }

    fn record_id(response: &PatchOkrIndicatorResponseBody) -> Option<String> {
        response.indicator.as_ref()?.id.clone()
    }

    fn batch_size(&self) -> usize {
        1
    }

    fn options_key(&self) -> String {
        String::new()
    }

    fn options_summary(&self) -> String {
        "no options".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse_table;
    use feishu_perf::okr::v1::{FailedMetricItem, MetricItem};

    #[test]
    fn an_item_the_answer_does_not_mention_is_not_counted_applied() {
        let job = OkrItemBatchUpdate::default();
        let header: Vec<&str> = OkrItemBatchUpdate::COLUMNS.iter().map(|c| c.name).collect();
        let text = format!("{}\ns,t,1,,,1,\ns,t,2,,,2,\ns,t,3,,,3,\n", header.join(","));
        let table = parse_table("t.csv", &text, OkrItemBatchUpdate::COLUMNS).unwrap();
        let units: Vec<Vec<Row<'_>>> = table.rows().map(|r| vec![r]).collect();
        let failed = FailedMetricItem::new()
            .metric_item_id("2")
            .reason("start value equals target value");
        let answer = BatchUpdateMetricSourceTableItemResponseBody::new()
            .items(vec![MetricItem::new().metric_item_id("1")])
            .failed_items(vec![failed]);
        let refused = job.refused_in_response(&units, &answer);
        assert_eq!(refused.len(), 2);
        assert_eq!(
            refused[0],
            (1, "not applied: start value equals target value".to_owned())
        );
        assert_eq!(refused[1].0, 2);
        assert!(refused[1].1.contains("outcome is unknown"));
        // An answer without `items` names only its failures.
        let answer = BatchUpdateMetricSourceTableItemResponseBody::new();
        assert!(job.refused_in_response(&units, &answer).is_empty());
    }

    #[test]
    fn a_row_with_an_empty_id_is_rejected_before_sending() {
        let items = OkrItemBatchUpdate::default();
        let header: Vec<&str> = OkrItemBatchUpdate::COLUMNS.iter().map(|c| c.name).collect();
        let text = format!(
            "{}\ns,t,,,,1,\n,t,2,,,2,\ns, ,3,,,3,\ns,t,4,,,4,\n",
            header.join(",")
        );
        let table = parse_table("t.csv", &text, OkrItemBatchUpdate::COLUMNS).unwrap();
        let checked: Vec<Result<(), String>> = table.rows().map(|r| items.check_row(r)).collect();
        assert_eq!(
            checked,
            vec![
                Err("metric_item_id: empty; it names what to update".to_owned()),
                Err("metric_source_id: empty; it names what to update".to_owned()),
                Err("metric_table_id: empty; it names what to update".to_owned()),
                Ok(()),
            ]
        );

        let indicators = IndicatorUpdate;
        let header: Vec<&str> = IndicatorUpdate::COLUMNS.iter().map(|c| c.name).collect();
        let text = format!("{}\n,,,5,,,,,\n9,,,5,,,,,\n", header.join(","));
        let table = parse_table("i.csv", &text, IndicatorUpdate::COLUMNS).unwrap();
        let checked: Vec<Result<(), String>> =
            table.rows().map(|r| indicators.check_row(r)).collect();
        assert_eq!(
            checked,
            vec![
                Err("indicator_id: empty; it names what to update".to_owned()),
                Ok(()),
            ]
        );
    }
}
