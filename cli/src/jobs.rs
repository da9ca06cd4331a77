//! The imports the engine runs: key-metric values, supplementary information and OKR progress.

use std::collections::HashMap;

use feishu_perf::performance::v2::{
    AdditionalInformation, ImportAdditionalInformationRequest,
    ImportAdditionalInformationRequestBody, ImportAdditionalInformationResponseBody,
    ImportMetricDetailRequest, ImportMetricDetailRequestBody, ImportMetricDetailResponseBody,
    ImportedMetric, ImportedMetricField,
};

use feishu_perf::okr::v1::{
    PatchMetricSourceTableItemRequest, PatchMetricSourceTableItemRequestBody,
    PatchMetricSourceTableItemResponseBody, UserIdType as OkrUserIdType,
};

use crate::batch::{Job, Options};

/// One key-metric value: one field of one reviewee's metric.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Deserialize)]
pub struct MetricRow {
    /// Where it came from (the header is line 1).
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

/// Key-metric values (录入被评估人关键指标数据). A unit is one reviewee's metric
/// (the API refuses the same pair twice in one request, 1580307); at most 50 a request.
#[derive(Debug, Clone)]
pub struct MetricImport(pub Options);

impl Job for MetricImport {
    type Row = MetricRow;
    type Request = ImportMetricDetailRequest;
    const MAX_UNITS: usize = 50;
    const UNIT_PATH: &'static str = "imported_metrics[0]";

    fn line(row: &MetricRow) -> u64 {
        row.line
    }

    fn unit_key(row: &MetricRow) -> String {
        format!("{}\u{1f}{}", row.reviewee_user_id, row.metric_id)
    }

    fn request(&self, units: &[Vec<MetricRow>]) -> ImportMetricDetailRequest {
        let metrics = units
            .iter()
            .map(|rows| {
                let fields = rows
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
                ImportedMetric::new(&rows[0].reviewee_user_id, &rows[0].metric_id, fields)
            })
            .collect();
        let mut body = ImportMetricDetailRequestBody::new(&self.0.semester_id, metrics);
        if let Some(name) = &self.0.import_record_name {
            body = body.import_record_name(name);
        }
        let mut request = ImportMetricDetailRequest::new(body);
        if let Some(kind) = &self.0.user_id_type {
            request = request.user_id_type(kind.clone());
        }
        request
    }

    /// The same field twice for one reviewee's metric is ambiguous (and 1580308): all its rows are refused.
    fn unsendable(&self, rows: &[MetricRow]) -> Vec<(Vec<u64>, String)> {
        duplicates(rows.iter().map(|r| {
            let key = format!(
                "{}\u{1f}{}\u{1f}{}",
                r.reviewee_user_id, r.metric_id, r.field_id
            );
            let reason = format!(
                "field {} is given more than once for reviewee {} and metric {}",
                r.field_id, r.reviewee_user_id, r.metric_id
            );
            (key, r.line, reason)
        }))
    }

    fn record_id(response: &ImportMetricDetailResponseBody) -> Option<String> {
        response.import_record_id.clone()
    }

    fn batch_size(&self) -> usize {
        self.0.batch_size
    }

    fn options_key(&self) -> String {
        self.0.key()
    }
}

/// One supplementary-information item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Deserialize)]
pub struct InformationRow {
    /// Where it came from (the header is line 1).
    #[serde(skip)]
    pub line: u64,
    /// `item_id`: updates that item.
    #[serde(default)]
    pub item_id: Option<String>,
    /// `external_id`: your system's id; updates the item bound to it.
    #[serde(default)]
    pub external_id: Option<String>,
    /// `reviewee_user_id`, in the run's `user_id_type`.
    pub reviewee_user_id: String,
    /// `item` (事项).
    pub item: String,
    /// `time` (free text).
    pub time: String,
    /// `detailed_description`.
    pub detailed_description: String,
}

/// Supplementary information (批量导入补充信息). A unit is one item; at most 1,000 a request.
#[derive(Debug, Clone)]
pub struct InformationImport(pub Options);

impl Job for InformationImport {
    type Row = InformationRow;
    type Request = ImportAdditionalInformationRequest;
    const MAX_UNITS: usize = 1000;
    const UNIT_PATH: &'static str = "additional_informations[0]";

    fn line(row: &InformationRow) -> u64 {
        row.line
    }

    fn request(&self, units: &[Vec<InformationRow>]) -> ImportAdditionalInformationRequest {
        let items = units
            .iter()
            .flatten()
            .map(|row| {
                let mut item = AdditionalInformation::new(
                    &row.reviewee_user_id,
                    &row.item,
                    &row.time,
                    &row.detailed_description,
                );
                if let Some(id) = &row.item_id {
                    item = item.item_id(id);
                }
                if let Some(id) = &row.external_id {
                    item = item.external_id(id);
                }
                item
            })
            .collect();
        let mut body = ImportAdditionalInformationRequestBody::new(&self.0.semester_id)
            .additional_informations(items);
        if let Some(name) = &self.0.import_record_name {
            body = body.import_record_name(name);
        }
        let mut request = ImportAdditionalInformationRequest::new(body);
        if let Some(kind) = &self.0.user_id_type {
            request = request.user_id_type(kind.clone());
        }
        request
    }

    /// The same item_id or external_id twice is ambiguous (and 1580203 / 1580202): all those rows are refused.
    fn unsendable(&self, rows: &[InformationRow]) -> Vec<(Vec<u64>, String)> {
        let by_item = rows.iter().filter_map(|r| {
            let id = r.item_id.as_ref()?;
            Some((
                format!("item\u{1f}{id}"),
                r.line,
                format!("item_id {id} is given more than once"),
            ))
        });
        let by_external = rows.iter().filter_map(|r| {
            let id = r.external_id.as_ref()?;
            Some((
                format!("external\u{1f}{id}"),
                r.line,
                format!("external_id {id} is given more than once"),
            ))
        });
        duplicates(by_item.chain(by_external))
    }

    fn record_id(response: &ImportAdditionalInformationResponseBody) -> Option<String> {
        response.import_record_id.clone()
    }

    fn batch_size(&self) -> usize {
        self.0.batch_size
    }

    fn options_key(&self) -> String {
        self.0.key()
    }
}

/// One OKR metric item's new values; empty cells leave a value as it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Deserialize)]
pub struct OkrItemRow {
    /// Where it came from (the header is line 1).
    #[serde(skip)]
    pub line: u64,
    /// `metric_source_id`.
    pub metric_source_id: String,
    /// `metric_table_id`.
    pub metric_table_id: String,
    /// `metric_item_id`.
    pub metric_item_id: String,
    /// `metric_initial_value`, as written in the file.
    #[serde(default)]
    pub metric_initial_value: Option<String>,
    /// `metric_target_value`, as written in the file.
    #[serde(default)]
    pub metric_target_value: Option<String>,
    /// `metric_current_value`, as written in the file.
    #[serde(default)]
    pub metric_current_value: Option<String>,
    /// `supported_user_id`, in the run's `user_id_type`.
    #[serde(default)]
    pub supported_user_id: Option<String>,
}

impl OkrItemRow {
    fn number(value: &Option<String>) -> Option<f64> {
        value.as_deref().and_then(|v| v.trim().parse().ok())
    }
}

/// OKR progress (更新指标项): one PATCH per metric item. A PATCH sets absolute
/// values, so repeating it is harmless; the endpoint documents no rate limit.
#[derive(Debug, Clone, Default)]
pub struct OkrItemUpdate {
    /// How `supported_user_id` identifies people (default `open_id`).
    pub user_id_type: Option<OkrUserIdType>,
}

impl Job for OkrItemUpdate {
    type Row = OkrItemRow;
    type Request = PatchMetricSourceTableItemRequest;
    const MAX_UNITS: usize = 1;
    const UNIT_PATH: &'static str = "path";

    fn line(row: &OkrItemRow) -> u64 {
        row.line
    }

    fn request(&self, units: &[Vec<OkrItemRow>]) -> PatchMetricSourceTableItemRequest {
        let row = &units[0][0];
        let mut body = PatchMetricSourceTableItemRequestBody::new();
        if let Some(v) = OkrItemRow::number(&row.metric_initial_value) {
            body = body.metric_initial_value(v);
        }
        if let Some(v) = OkrItemRow::number(&row.metric_target_value) {
            body = body.metric_target_value(v);
        }
        if let Some(v) = OkrItemRow::number(&row.metric_current_value) {
            body = body.metric_current_value(v);
        }
        if let Some(user) = &row.supported_user_id {
            body = body.supported_user_id(user);
        }
        let mut request = PatchMetricSourceTableItemRequest::new(
            &row.metric_source_id,
            &row.metric_table_id,
            &row.metric_item_id,
        )
        .body(body);
        if let Some(kind) = &self.user_id_type {
            request = request.user_id_type(kind.clone());
        }
        request
    }

    /// A value that is not a number, a row that changes nothing, and the same item twice (ambiguous).
    fn unsendable(&self, rows: &[OkrItemRow]) -> Vec<(Vec<u64>, String)> {
        let mut out = Vec::new();
        for row in rows {
            let values = [
                &row.metric_initial_value,
                &row.metric_target_value,
                &row.metric_current_value,
            ];
            if let Some(bad) = values
                .iter()
                .filter_map(|v| v.as_deref())
                .find(|v| v.trim().parse::<f64>().is_err())
            {
                out.push((vec![row.line], format!("{bad:?} is not a number")));
            } else if values.iter().all(|v| v.is_none()) && row.supported_user_id.is_none() {
                out.push((
                    vec![row.line],
                    "nothing to update: every value is empty".to_owned(),
                ));
            }
        }
        let reported: Vec<u64> = out.iter().flat_map(|(lines, _)| lines.clone()).collect();
        out.extend(duplicates(
            rows.iter()
                .filter(|r| !reported.contains(&r.line))
                .map(|r| {
                    let key = format!(
                        "{}\u{1f}{}\u{1f}{}",
                        r.metric_source_id, r.metric_table_id, r.metric_item_id
                    );
                    (
                        key,
                        r.line,
                        format!("metric item {} is given more than once", r.metric_item_id),
                    )
                }),
        ));
        out
    }

    fn record_id(response: &PatchMetricSourceTableItemResponseBody) -> Option<String> {
        response.metric_item_id.clone()
    }

    fn batch_size(&self) -> usize {
        1
    }

    fn options_key(&self) -> String {
        self.user_id_type
            .as_ref()
            .map_or(String::new(), |t| t.as_str().to_owned())
    }
}

/// Groups of lines sharing a key, where a key appears more than once.
fn duplicates(keyed: impl Iterator<Item = (String, u64, String)>) -> Vec<(Vec<u64>, String)> {
    let mut seen: HashMap<String, (Vec<u64>, String)> = HashMap::new();
    for (key, line, reason) in keyed {
        seen.entry(key)
            .or_insert_with(|| (Vec::new(), reason))
            .0
            .push(line);
    }
    let mut out: Vec<(Vec<u64>, String)> = seen
        .into_values()
        .filter(|(lines, _)| lines.len() > 1)
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::plan;

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
    fn metrics_group_per_reviewee_and_metric_and_pack_in_fifties() {
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
        let job = MetricImport(options(50));
        let plan = plan(&job, rows).unwrap();
        assert_eq!(plan.batches(), 2, "60 reviewee-metrics in requests of 50");
        assert_eq!(plan.sendable_rows(), 120);
        assert!(plan.rejected.is_empty());
    }

    #[test]
    fn duplicate_fields_and_rule_breaking_units_are_rejected_with_their_lines() {
        let mut rows = vec![
            row(2, "ou_1", "m", "f", "1"),
            row(3, "ou_1", "m", "f", "2"),
            row(4, "ou_1", "m", "g", "3"),
            row(5, "ou_3", "m", "f", "5"),
        ];
        // A metric with 100 fields: over the documented 1..99.
        rows.extend((0..100).map(|n| row(10 + n, "ou_2", "m", &format!("f{n}"), "1")));
        let plan = plan(&MetricImport(options(50)), rows).unwrap();
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
        let fp = |rows: Vec<MetricRow>, size| {
            plan(&MetricImport(options(size)), rows)
                .unwrap()
                .fingerprint
        };
        let a = fp(rows.clone(), 50);
        assert_eq!(a, fp(rows.clone(), 50));
        assert_ne!(a, fp(rows.clone(), 10));
        assert_ne!(a, fp(vec![row(2, "ou_1", "m", "f", "2")], 50));
        assert!(plan(&MetricImport(options(51)), rows).is_err());
    }

    #[test]
    fn informations_refuse_repeated_ids_and_rule_breaking_items() {
        let info = |line, external: Option<&str>, item: &str| InformationRow {
            line,
            item_id: None,
            external_id: external.map(str::to_owned),
            reviewee_user_id: "ou_1".into(),
            item: item.into(),
            time: "2024-Q3".into(),
            detailed_description: "d".into(),
        };
        let rows = vec![
            info(2, Some("e1"), "a"),
            info(3, Some("e1"), "b"),
            info(4, None, ""),
            info(5, Some("e2"), "c"),
        ];
        let plan = plan(&InformationImport(options(1000)), rows).unwrap();
        let rejected: Vec<Vec<u64>> = plan.rejected.iter().map(|r| r.lines.clone()).collect();
        assert_eq!(rejected, [vec![2, 3], vec![4]]);
        assert!(
            plan.rejected[1]
                .reason
                .starts_with("item: length must be 1..=1000"),
            "{}",
            plan.rejected[1].reason
        );
        assert_eq!(plan.sendable_rows(), 1);
        // An invalid semester id makes every request invalid.
        let bad = InformationImport(Options {
            semester_id: String::new(),
            ..options(10)
        });
        assert!(plan_err(&bad).contains("semester_id"));
    }

    fn plan_err(job: &InformationImport) -> String {
        let row = InformationRow {
            line: 2,
            item_id: None,
            external_id: None,
            reviewee_user_id: "ou_1".into(),
            item: "i".into(),
            time: "t".into(),
            detailed_description: "d".into(),
        };
        plan(job, vec![row]).unwrap_err()
    }
}
