//! `metrics template`: the workbook to fill. A row per reviewee, assigned
//! metric and field a file may import, with the metric's and field's names,
//! the field's type and its current value, read-only; the person fills
//! `field_value` (or `field_value_person`), where Excel checks a number
//! field's value as it is typed. Fields an administrator fills
//! (`input_setting: admin`) are left out, and listed, since the import
//! cannot set them (1580311). Rows left blank are skipped by the import.

use feishu_perf_cli::sheets::{SheetColumn, SheetData, Validation};

use super::export::{ExportResult, write_sheet};
use super::{Context, catalogue, registry};
use crate::args::MetricsTemplateArgs;
use crate::exit::{Failure, Status};
use crate::note;

/// The template's columns, and (`true`) which are read-only.
const COLUMNS: [(&str, bool); 10] = [
    ("reviewee_user_id", false),
    ("metric_id", false),
    ("metric_name", true),
    ("field_id", false),
    ("field_name", true),
    ("field_type", true),
    ("current_field_value", true),
    ("current_field_value_person", true),
    ("field_value", false),
    ("field_value_person", false),
];

/// Where `field_value` is, in [`COLUMNS`].
const VALUE: usize = 8;

/// `metrics template --semester S -o kpi.xlsx`.
pub async fn metrics(ctx: &Context, args: MetricsTemplateArgs) -> Result<Status, Failure> {
    let client = &registry::Counting::new(ctx.client()?);
    let fail = |e: feishu_perf::Error| Failure::from_sdk(&e, &ctx.base_url);
    let uid = args.user_id_type.as_deref();
    let reviewees = if args.reviewees.is_empty() {
        catalogue::reviewees(client, &args.semester, uid)
            .await
            .map_err(fail)?
    } else {
        args.reviewees.clone()
    };
    let values = catalogue::values(client, &args.semester, &reviewees, uid)
        .await
        .map_err(fail)?;
    let ids: Vec<&str> = values.iter().map(|v| v.field_id.as_str()).collect();
    let fields = catalogue::fields(client, &ids).await.map_err(fail)?;
    let settings = catalogue::input_settings(client).await.map_err(fail)?;

    let mut sheet = SheetData {
        name: "KPI".into(),
        columns: COLUMNS
            .iter()
            .map(|(h, read_only)| {
                if *read_only {
                    SheetColumn::read_only(h)
                } else {
                    SheetColumn::input(h)
                }
            })
            .collect(),
        ..SheetData::default()
    };
    let mut left_out: Vec<(String, String)> = Vec::new();
    for v in &values {
        let info = fields.get(&v.field_id).cloned().unwrap_or_default();
        let setting = settings.get(&(v.metric_id.clone(), v.field_id.clone()));
        if setting.is_some_and(|s| s == "admin") {
            let label = format!("{} {} ({})", v.metric_name, info.name, v.field_id);
            if !left_out.iter().any(|(l, _)| *l == label) {
                left_out.push((label, v.metric_id.clone()));
            }
            continue;
        }
        let number = matches!(info.kind.as_str(), "number" | "pencentage" | "percentage");
        let row = sheet.rows.len();
        sheet.rows.push(vec![
            v.reviewee.clone(),
            v.metric_id.clone(),
            v.metric_name.clone(),
            v.field_id.clone(),
            info.name,
            info.kind,
            v.value.clone(),
            v.person.clone(),
            String::new(),
            String::new(),
        ]);
        if number {
            sheet.validate(row, VALUE, Validation::Number);
        }
    }
    if !left_out.is_empty() {
        note!(
            "{} field{} an administrator fills left out (the import cannot set them, 1580311):",
            left_out.len(),
            if left_out.len() == 1 { "" } else { "s" }
        );
        for (label, _) in &left_out {
            note!("  {label}");
        }
    }
    let result = ExportResult {
        file: args.output.display().to_string(),
        semester_id: args.semester.clone(),
        reviewees: reviewees.len(),
        rows: sheet.rows.len(),
        requests: client.requests(),
    };
    write_sheet(ctx, &args.output, sheet, &result)
}
