//! `metrics export` and `information export`: what a semester holds, as CSV
//! in the import's own columns, so export, edit, import is a round trip.

use std::io::Write;
use std::path::Path;

use feishu_perf_cli::input::{INFORMATION_COLUMNS, METRIC_COLUMNS};
use serde::Serialize;
use serde_json::{Value, json};

use super::Context;
use super::registry;
use crate::args::{InformationExportArgs, MetricsExportArgs};
use crate::exit::{Failure, Status};
use crate::note;
use crate::output::Table;

const REVIEWEES: &str = "performance.v2.reviewee.query";
const METRIC_DETAILS: &str = "performance.v2.metric_detail.query";
const INFORMATION: &str = "performance.v2.additional_information.query";

/// Reviewees a query takes (metric details: `reviewee_user_ids`, 1 to 50;
/// supplementary information: 0 to 50).
const REVIEWEES_A_QUERY: usize = 50;

/// What an export wrote: the JSON result when the CSV goes to a file (documented in the README).
#[derive(Debug, Serialize)]
pub struct ExportResult {
    /// The CSV file.
    pub file: String,
    /// The semester.
    pub semester_id: String,
    /// Reviewees asked about (given, or every reviewee of the semester).
    pub reviewees: usize,
    /// Rows written.
    pub rows: usize,
}

/// `metrics export`: every field with a value, one row a field, for the
/// reviewees given or every reviewee of the semester.
pub async fn metrics(ctx: &Context, args: MetricsExportArgs) -> Result<Status, Failure> {
    let client = ctx.client()?;
    let fail = |e: feishu_perf::Error| Failure::from_sdk(&e, &ctx.base_url);
    let reviewees = if args.reviewees.is_empty() {
        let input = registry::input(args.user_id_type.as_deref())
            .body(json!({ "semester_id": args.semester }));
        let reviewees = registry::list_all(client, REVIEWEES, "reviewees", input)
            .await
            .map_err(fail)?;
        let ids: Vec<String> = reviewees
            .iter()
            .map(|r| person(&r["reviewee_user_id"]))
            .filter(|id| !id.is_empty())
            .collect();
        note!("{} reviewees in semester {}", ids.len(), args.semester);
        ids
    } else {
        args.reviewees.clone()
    };
    let mut rows = Vec::new();
    for chunk in reviewees.chunks(REVIEWEES_A_QUERY) {
        let input = registry::input(args.user_id_type.as_deref())
            .body(json!({ "semester_id": args.semester, "reviewee_user_ids": chunk }));
        let data = registry::send(client, METRIC_DETAILS, input)
            .await
            .map_err(fail)?;
        for metric in data["reviewee_metrics"].as_array().into_iter().flatten() {
            let reviewee = person(&metric["reviewee_user_id"]);
            let details = &metric["metric_details"];
            let metric_id = details["metric_id"].as_str().unwrap_or_default();
            for field in details["fields"].as_array().into_iter().flatten() {
                let value = field["field_value"].as_str().unwrap_or_default();
                let person = person(&field["field_value_person"]);
                if value.is_empty() && person.is_empty() {
                    continue;
                }
                let field_id = field["field_id"].as_str().unwrap_or_default();
                rows.push(vec![
                    reviewee.clone(),
                    metric_id.to_owned(),
                    field_id.to_owned(),
                    value.to_owned(),
                    person,
                ]);
            }
        }
    }
    let result = ExportResult {
        file: file_name(args.output.as_deref()),
        semester_id: args.semester.clone(),
        reviewees: reviewees.len(),
        rows: rows.len(),
    };
    write(ctx, args.output.as_deref(), &METRIC_COLUMNS, &rows, &result)
}

/// `information export`: every item of the semester (or of the reviewees, ids given).
pub async fn information(ctx: &Context, args: InformationExportArgs) -> Result<Status, Failure> {
    let mut body = json!({ "semester_id": args.semester });
    for (wire, values) in [
        ("item_ids", &args.items),
        ("external_ids", &args.external_ids),
    ] {
        if !values.is_empty() {
            body[wire] = json!(values);
        }
    }
    // The page takes at most 50 reviewees a query: more are asked for 50 at a time.
    let groups: Vec<Option<&[String]>> = match args.reviewees.is_empty() {
        true => vec![None],
        false => args.reviewees.chunks(REVIEWEES_A_QUERY).map(Some).collect(),
    };
    let mut items = Vec::new();
    for group in groups {
        let mut body = body.clone();
        if let Some(reviewees) = group {
            body["reviewee_user_ids"] = json!(reviewees);
        }
        let input = registry::input(args.user_id_type.as_deref()).body(body);
        let found =
            registry::list_all(ctx.client()?, INFORMATION, "additional_informations", input)
                .await
                .map_err(|e| Failure::from_sdk(&e, &ctx.base_url))?;
        items.extend(found);
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            INFORMATION_COLUMNS
                .iter()
                .map(|c| item[*c].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .collect();
    let reviewees: std::collections::HashSet<&str> = items
        .iter()
        .filter_map(|i| i["reviewee_user_id"].as_str())
        .collect();
    let result = ExportResult {
        file: file_name(args.output.as_deref()),
        semester_id: args.semester.clone(),
        reviewees: reviewees.len(),
        rows: rows.len(),
    };
    write(
        ctx,
        args.output.as_deref(),
        &INFORMATION_COLUMNS,
        &rows,
        &result,
    )
}

/// A person object's id: `user_id` (the id of the `user_id_type` asked for), else `open_id`.
pub fn person(user: &Value) -> String {
    ["user_id", "open_id"]
        .iter()
        .find_map(|k| user[*k].as_str().filter(|id| !id.is_empty()))
        .unwrap_or_default()
        .to_owned()
}

fn file_name(path: Option<&Path>) -> String {
    path.map_or_else(|| "-".to_owned(), |p| p.display().to_string())
}

/// The CSV to `output` (UTF-8 with a byte-order mark, so Excel shows Chinese
/// text; the import honours it), or to stdout; then the result.
fn write(
    ctx: &Context,
    output: Option<&Path>,
    columns: &[&str],
    rows: &[Vec<String>],
    result: &ExportResult,
) -> Result<Status, Failure> {
    let mut table = Table::new(columns);
    table.rows = rows.to_vec();
    let summary = format!(
        "{} rows for {} reviewees of semester {}",
        result.rows, result.reviewees, result.semester_id
    );
    match output.filter(|p| *p != Path::new("-")) {
        None => {
            crate::output::Output::new(crate::output::Format::Csv).document(result, "", &table)?;
            note!("{summary}");
        }
        Some(path) => {
            let io = |e: &dyn std::fmt::Display| Failure::usage(format!("{}: {e}", path.display()));
            let mut file =
                std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| io(&e))?);
            file.write_all(b"\xEF\xBB\xBF").map_err(|e| io(&e))?;
            table.write_csv(&mut file).map_err(|e| io(&e))?;
            file.flush().map_err(|e| io(&e))?;
            let text = format!("{summary}, written to {}\n", path.display());
            let mut line = Table::new(&["file", "semester_id", "reviewees", "rows"]);
            line.push(vec![
                result.file.clone(),
                result.semester_id.clone(),
                result.reviewees.to_string(),
                result.rows.to_string(),
            ]);
            ctx.output.document(result, &text, &line)?;
        }
    }
    Ok(Status::Success)
}
