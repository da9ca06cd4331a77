//! The performance imports the engine runs: key-metric values and supplementary information
//! (OKR progress is in [`crate::okr_jobs`]).
//! Each names its file's columns and reads rows from the compact [`Table`](crate::input::Table).

use feishu_perf::performance::v2::{
    AdditionalInformation, ImportAdditionalInformationRequest,
    ImportAdditionalInformationRequestBody, ImportAdditionalInformationResponseBody,
    ImportMetricDetailRequest, ImportMetricDetailRequestBody, ImportMetricDetailResponseBody,
    ImportedMetric, ImportedMetricField,
};

use crate::batch::{Job, Key, Options};
use crate::input::{Column, Row};

/// A column every row must fill.
pub(crate) const fn required(name: &'static str) -> Column {
    Column {
        name,
        required: true,
    }
}

/// A column a row may leave empty.
pub(crate) const fn optional(name: &'static str) -> Column {
    Column {
        name,
        required: false,
    }
}

/// Key-metric values (录入被评估人关键指标数据): a row is one field of one
/// reviewee's metric. A unit is one reviewee's metric (the API refuses the same
/// pair twice in one request, 1580307); at most 50 a request.
#[derive(Debug, Clone)]
pub struct MetricImport(pub Options);

impl MetricImport {
    const REVIEWEE: usize = 0;
    const METRIC: usize = 1;
    const FIELD: usize = 2;
    const VALUE: usize = 3;
    const PERSON: usize = 4;
}

impl Job for MetricImport {
    type Request = ImportMetricDetailRequest;
    const MAX_UNITS: usize = 50;
    const COLUMNS: &'static [Column] = &[
        required("reviewee_user_id"),
        required("metric_id"),
        required("field_id"),
        optional("field_value"),
        optional("field_value_person"),
    ];
    const UNIT_PATH: &'static str = "imported_metrics[0]";

    fn unit_key<'t>(&self, row: Row<'t>) -> Option<Key<'t>> {
        Some([row.get(Self::REVIEWEE), row.get(Self::METRIC), ""])
    }

    fn request(&self, units: &[Vec<Row<'_>>]) -> ImportMetricDetailRequest {
        let metrics = units
            .iter()
            .map(|rows| {
                let fields = rows
                    .iter()
                    .map(|row| {
                        let mut field = ImportedMetricField::new(row.get(Self::FIELD));
                        if let Some(value) = row.opt(Self::VALUE) {
                            field = field.field_value(value);
                        }
                        if let Some(person) = row.opt(Self::PERSON) {
                            field = field.field_value_person(person);
                        }
                        field
                    })
                    .collect();
                let first = rows.first();
                ImportedMetric::new(
                    first.map_or("", |r| r.get(Self::REVIEWEE)),
                    first.map_or("", |r| r.get(Self::METRIC)),
                    fields,
                )
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

    /// A cell Excel damaged (see [`crate::input::cells`]), or a row with
    /// neither `field_value` nor `field_value_person`, which would change nothing.
    fn check_row(&self, row: Row<'_>) -> Result<(), String> {
        crate::input::cells::check_row(row, Self::COLUMNS)?;
        if row.opt(Self::VALUE).is_none() && row.opt(Self::PERSON).is_none() {
            return Err(
                "nothing to import: field_value and field_value_person are both empty".into(),
            );
        }
        Ok(())
    }

    /// The same field twice for one reviewee's metric is ambiguous (and 1580308): all its rows are refused.
    fn unique_keys<'t>(&self, row: Row<'t>) -> [Option<Key<'t>>; 2] {
        [
            Some([
                row.get(Self::REVIEWEE),
                row.get(Self::METRIC),
                row.get(Self::FIELD),
            ]),
            None,
        ]
    }

    fn duplicate_reason(&self, _slot: usize, row: Row<'_>) -> String {
        format!(
            "field {} is given more than once for reviewee {} and metric {}",
            row.get(Self::FIELD),
            row.get(Self::REVIEWEE),
            row.get(Self::METRIC)
        )
    }

    fn check_options(&self) -> Result<(), String> {
        self.0.check()
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

    fn options_summary(&self) -> String {
        self.0.summary()
    }
}

/// Supplementary information (批量导入补充信息): a row is one item, created, or
/// updated by `item_id` or `external_id`. A unit is one item; at most 1,000 a request.
#[derive(Debug, Clone)]
pub struct InformationImport(pub Options);

impl InformationImport {
    const ITEM_ID: usize = 0;
    const EXTERNAL_ID: usize = 1;
    const REVIEWEE: usize = 2;
    const ITEM: usize = 3;
    const TIME: usize = 4;
    const DESCRIPTION: usize = 5;
}

impl Job for InformationImport {
    type Request = ImportAdditionalInformationRequest;
    const MAX_UNITS: usize = 1000;
    const COLUMNS: &'static [Column] = &[
        optional("item_id"),
        optional("external_id"),
        required("reviewee_user_id"),
        required("item"),
        required("time"),
        required("detailed_description"),
    ];
    const UNIT_PATH: &'static str = "additional_informations[0]";

    /// A row with neither `item_id` nor `external_id` creates an item: sent
    /// again, it creates a second one. A row with either updates that item.
    fn duplicates_if_resent(&self, row: Row<'_>) -> bool {
        row.opt(Self::ITEM_ID).is_none() && row.opt(Self::EXTERNAL_ID).is_none()
    }
    fn duplicates_why(&self) -> &'static str {
        "have neither item_id nor external_id"
    }
    fn duplicates_fix(&self) -> &'static str {
        ", or give each row an external_id"
    }

    fn request(&self, units: &[Vec<Row<'_>>]) -> ImportAdditionalInformationRequest {
        let items = units
            .iter()
            .flatten()
            .map(|row| {
                let mut item = AdditionalInformation::new(
                    row.get(Self::REVIEWEE),
                    row.get(Self::ITEM),
                    row.get(Self::TIME),
                    row.get(Self::DESCRIPTION),
                );
                if let Some(id) = row.opt(Self::ITEM_ID) {
                    item = item.item_id(id);
                }
                if let Some(id) = row.opt(Self::EXTERNAL_ID) {
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

    /// A cell Excel damaged (see [`crate::input::cells`]).
    fn check_row(&self, row: Row<'_>) -> Result<(), String> {
        crate::input::cells::check_row(row, Self::COLUMNS)
    }

    /// The same item_id or external_id twice is ambiguous (and 1580203 / 1580202): all those rows are refused.
    fn unique_keys<'t>(&self, row: Row<'t>) -> [Option<Key<'t>>; 2] {
        [
            row.opt(Self::ITEM_ID).map(|id| [id, "", ""]),
            row.opt(Self::EXTERNAL_ID).map(|id| [id, "", ""]),
        ]
    }

    fn duplicate_reason(&self, slot: usize, row: Row<'_>) -> String {
        match slot {
            0 => format!("item_id {} is given more than once", row.get(Self::ITEM_ID)),
            _ => format!(
                "external_id {} is given more than once",
                row.get(Self::EXTERNAL_ID)
            ),
        }
    }

    fn check_options(&self) -> Result<(), String> {
        self.0.check()
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

    fn options_summary(&self) -> String {
        self.0.summary()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::plan;
    use crate::input::{Table, parse_table};

    fn table<J: Job>(rows: &[String]) -> Table {
        let header: Vec<&str> = J::COLUMNS.iter().map(|c| c.name).collect();
        let text = format!("{}\n{}\n", header.join(","), rows.join("\n"));
        parse_table("t.csv", &text, J::COLUMNS).unwrap()
    }

    fn metric(reviewee: &str, metric: &str, field: &str, value: &str) -> String {
        format!("{reviewee},{metric},{field},{value},")
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
        let rows: Vec<String> = (0..120)
            .map(|n| metric(&format!("ou_{}", n / 2), "m", &format!("f{}", n % 2), "1"))
            .collect();
        let job = MetricImport(options(50));
        let plan = plan(&job, table::<MetricImport>(&rows)).unwrap();
        assert_eq!(plan.batches(), 2, "60 reviewee-metrics in requests of 50");
        assert_eq!(plan.sendable_rows(), 120);
        assert!(plan.rejected.is_empty());
    }

    #[test]
    fn duplicate_fields_and_rule_breaking_units_are_rejected_with_their_lines() {
        let mut rows = vec![
            metric("ou_1", "m", "f", "1"),
            metric("ou_1", "m", "f", "2"),
            metric("ou_1", "m", "g", "3"),
            metric("ou_3", "m", "f", "5"),
        ];
        // A metric with 100 fields (lines 6..=105): over the documented 1..99.
        rows.extend((0..100).map(|n| metric("ou_2", "m", &format!("f{n}"), "1")));
        let plan = plan(&MetricImport(options(50)), table::<MetricImport>(&rows)).unwrap();
        assert_eq!(plan.rejected.len(), 2, "{:?}", plan.rejected);
        assert_eq!(plan.rejected[0].lines, [2, 3]);
        assert_eq!(plan.rejected[1].lines, (6..106).collect::<Vec<u64>>());
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
    fn a_metric_row_without_a_value_is_rejected_before_sending() {
        let rows = vec![
            metric("ou_1", "m", "f", ""),
            "ou_1,m,g,,ou_person".to_owned(),
            metric("ou_2", "m", "f", "3"),
        ];
        let plan = plan(&MetricImport(options(50)), table::<MetricImport>(&rows)).unwrap();
        assert_eq!(plan.rejected.len(), 1);
        assert_eq!(plan.rejected[0].lines, [2]);
        assert!(plan.rejected[0].reason.contains("both empty"));
        assert_eq!(plan.sendable_rows(), 2);
    }

    #[test]
    fn okr_values_must_be_finite_numbers_and_change_something() {
        let rows: Vec<String> = [
            "NaN", "inf", "-inf", "1e400", "lots", "", "12.5", "-3", "1e3",
        ]
        .iter()
        .enumerate()
        .map(|(n, v)| format!("s,t,{n},,,{v},"))
        .collect();
        let job = crate::okr_jobs::OkrItemBatchUpdate::default();
        let plan = plan(&job, table::<crate::okr_jobs::OkrItemBatchUpdate>(&rows)).unwrap();
        let reasons: Vec<(u64, &str)> = plan
            .rejected
            .iter()
            .map(|r| (r.lines[0], r.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (2, "metric_current_value: \"NaN\" is not a finite number"),
                (3, "metric_current_value: \"inf\" is not a finite number"),
                (4, "metric_current_value: \"-inf\" is not a finite number"),
                (5, "metric_current_value: \"1e400\" is not a finite number"),
                (6, "metric_current_value: \"lots\" is not a number"),
                (7, "nothing to update: every value is empty"),
            ]
        );
        assert_eq!(plan.sendable_rows(), 3);
    }

    #[test]
    fn fingerprints_follow_the_input_and_options() {
        let rows = vec![metric("ou_1", "m", "f", "1")];
        let fp = |rows: &[String], size| {
            plan(&MetricImport(options(size)), table::<MetricImport>(rows))
                .unwrap()
                .fingerprint
        };
        let a = fp(&rows, 50);
        assert_eq!(a, fp(&rows, 50));
        assert_ne!(a, fp(&rows, 10));
        assert_ne!(a, fp(&[metric("ou_1", "m", "f", "2")], 50));
        assert!(plan(&MetricImport(options(51)), table::<MetricImport>(&rows)).is_err());
    }

    fn info(external: &str, item: &str) -> String {
        format!(",{external},ou_1,{item},2024-Q3,d")
    }

    #[test]
    fn informations_refuse_repeated_ids_and_rule_breaking_items() {
        let rows = vec![
            info("e1", "a"),
            info("e1", "b"),
            info("", ""),
            info("e2", "c"),
        ];
        let plan = plan(
            &InformationImport(options(1000)),
            table::<InformationImport>(&rows),
        )
        .unwrap();
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
    }

    #[test]
    fn an_empty_semester_is_refused_by_every_import_before_any_row() {
        let empty = Options {
            semester_id: String::new(),
            ..options(10)
        };
        let info_err = plan(
            &InformationImport(empty.clone()),
            table::<InformationImport>(&[info("e", "i")]),
        )
        .unwrap_err();
        let metric_err = plan(
            &MetricImport(empty),
            table::<MetricImport>(&[metric("ou_1", "m", "f", "1")]),
        )
        .unwrap_err();
        assert_eq!(info_err, metric_err);
        assert!(info_err.contains("--semester is empty"), "{info_err}");
    }

    #[test]
    fn an_unknown_user_id_type_is_refused_by_the_generated_rules() {
        let bad = Options {
            user_id_type: Some("email".into()),
            ..options(10)
        };
        let err = plan(
            &MetricImport(bad),
            table::<MetricImport>(&[metric("ou_1", "m", "f", "1")]),
        )
        .unwrap_err();
        assert!(err.contains("user_id_type"), "{err}");
    }
}
