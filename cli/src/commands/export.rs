//! `metrics export` and `information export`: what a semester holds, as CSV
//! in the import's own columns, so export, edit, import is a round trip.

use std::io::Write;
use std::path::Path;

use feishu_perf_cli::input::{INFORMATION_COLUMNS, METRIC_COLUMNS};
use serde::Serialize;
use serde_json::{Value, json};

use feishu_perf_cli::sheets::{self, SheetColumn, SheetData};

use super::Context;
use super::{catalogue, registry};
use crate::args::{InformationExportArgs, MetricsExportArgs};
use crate::exit::{Failure, Status};
use crate::note;
use crate::output::Table;

#[cfg(test)]
use super::catalogue::METRIC_DETAILS;
const INFORMATION: &str = "performance.v2.additional_information.query";

/// The most ids a query takes in one list: `reviewee_user_ids` of
/// `metric_detail.query` (1 to 50), and each of `item_ids`, `external_ids`
/// and `reviewee_user_ids` of `additional_information.query` (0 to 50). The
/// pages' request bodies say so (`length: { max: 50 }` in
/// schema/performance/v2/metric_detail.query.yaml and
/// additional_information.query.yaml); the registry carries no body limits, so
/// a test holds this against the generated validation. More ids are asked for
/// this many at a time.
pub const IDS_A_QUERY: usize = 50;

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
    /// Requests answered (each page one).
    pub requests: usize,
}

/// `metrics export`: every field with a value, one row a field, for the
/// reviewees given or every reviewee of the semester. A workbook (`-o
/// kpi.xlsx`) adds read-only columns: the metric's name, and each field's
/// name and type.
pub async fn metrics(ctx: &Context, args: MetricsExportArgs) -> Result<Status, Failure> {
    let client = &registry::Counting::new(ctx.client()?);
    let fail = |e: feishu_perf::Error| Failure::from_sdk(&e, &ctx.base_url);
    let uid = args.user_id_type.as_deref();
    let reviewees = if args.reviewees.is_empty() {
        let ids = catalogue::reviewees(client, &args.semester, uid)
            .await
            .map_err(fail)?;
        note!("{} reviewees in semester {}", ids.len(), args.semester);
        ids
    } else {
        args.reviewees.clone()
    };
    let values: Vec<catalogue::FieldValue> =
        catalogue::values(client, &args.semester, &reviewees, uid)
            .await
            .map_err(fail)?
            .into_iter()
            .filter(|v| !v.value.is_empty() || !v.person.is_empty())
            .collect();
    let workbook = args
        .output
        .as_deref()
        .filter(|p| sheets::is_workbook_path(p));
    let mut result = ExportResult {
        file: file_name(args.output.as_deref()),
        semester_id: args.semester.clone(),
        reviewees: reviewees.len(),
        rows: values.len(),
        requests: 0,
    };
    let Some(path) = workbook else {
        let rows: Vec<Vec<String>> = values
            .into_iter()
            .map(|v| vec![v.reviewee, v.metric_id, v.field_id, v.value, v.person])
            .collect();
        result.requests = client.requests();
        return write(ctx, args.output.as_deref(), &METRIC_COLUMNS, &rows, &result);
    };
    let ids: Vec<&str> = values.iter().map(|v| v.field_id.as_str()).collect();
    let fields = catalogue::fields(client, &ids).await.map_err(fail)?;
    let mut sheet = SheetData {
        name: "KPI".into(),
        columns: METRIC_SHEET
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
    for v in values {
        let info = fields.get(&v.field_id).cloned().unwrap_or_default();
        sheet.rows.push(vec![
            v.reviewee,
            v.metric_id,
            v.metric_name,
            v.field_id,
            info.name,
            info.kind,
            v.value,
            v.person,
        ]);
    }
    result.requests = client.requests();
    write_sheet(ctx, path, sheet, &result)
}

/// The columns of a key-metric workbook: the import's, and (`true`) the read-only ones.
const METRIC_SHEET: [(&str, bool); 8] = [
    ("reviewee_user_id", false),
    ("metric_id", false),
    ("metric_name", true),
    ("field_id", false),
    ("field_name", true),
    ("field_type", true),
    ("field_value", false),
    ("field_value_person", false),
];

/// `information export`: every item of the semester (or of the reviewees, ids given).
pub async fn information(ctx: &Context, args: InformationExportArgs) -> Result<Status, Failure> {
    let client = &registry::Counting::new(ctx.client()?);
    // The page filters by the first of these lists that has ids.
    let filters = [
        ("item_ids", "--item", &args.items),
        ("external_ids", "--external-id", &args.external_ids),
        ("reviewee_user_ids", "--reviewee", &args.reviewees),
    ];
    let mut given = filters.iter().filter(|(_, _, ids)| !ids.is_empty());
    let filter = given.next();
    for (_, flag, _) in given {
        let first = filter.map_or("", |(_, flag, _)| *flag);
        note!(
            "{flag} is ignored: {first} is given, and Feishu filters by the first of --item, --external-id, --reviewee"
        );
    }
    // More ids than a query takes are asked for in groups, in the order given.
    let groups: Vec<Option<(&str, Vec<&String>)>> = match filter {
        None => vec![None],
        Some((wire, _, ids)) => {
            let mut seen = std::collections::HashSet::new();
            let ids: Vec<&String> = ids.iter().filter(|id| seen.insert(*id)).collect();
            ids.chunks(IDS_A_QUERY)
                .map(|group| Some((*wire, group.to_vec())))
                .collect()
        }
    };
    let mut items = Vec::new();
    for group in groups {
        let mut body = json!({ "semester_id": args.semester });
        if let Some((wire, ids)) = group {
            body[wire] = json!(ids);
        }
        let input = registry::input(args.user_id_type.as_deref()).body(body);
        let input = registry::with_page_size(INFORMATION, input, None);
        let found = registry::list_all(client, INFORMATION, "additional_informations", input)
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
        requests: client.requests(),
    };
    if let Some(path) = args
        .output
        .as_deref()
        .filter(|p| sheets::is_workbook_path(p))
    {
        let sheet = SheetData {
            name: "information".into(),
            columns: INFORMATION_COLUMNS
                .iter()
                .map(|c| SheetColumn::input(c))
                .collect(),
            rows,
            ..SheetData::default()
        };
        return write_sheet(ctx, path, sheet, &result);
    }
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

/// A workbook to `path`; then the result.
pub fn write_sheet(
    ctx: &Context,
    path: &Path,
    sheet: SheetData,
    result: &ExportResult,
) -> Result<Status, Failure> {
    sheets::write_workbook(path, &[sheet]).map_err(Failure::usage)?;
    report_file(ctx, path, result)
}

/// The result of an export written to `path`.
fn report_file(ctx: &Context, path: &Path, result: &ExportResult) -> Result<Status, Failure> {
    let text = format!(
        "{} rows for {} reviewees of semester {}, in {} requests, written to {}\n",
        result.rows,
        result.reviewees,
        result.semester_id,
        result.requests,
        path.display()
    );
    let mut line = Table::new(&["file", "semester_id", "reviewees", "rows", "requests"]);
    line.push(vec![
        result.file.clone(),
        result.semester_id.clone(),
        result.reviewees.to_string(),
        result.rows.to_string(),
        result.requests.to_string(),
    ]);
    ctx.output.document(result, &text, &line)?;
    // The table form printed it already; the others are for programs.
    if ctx.output.format != crate::output::Format::Table {
        note!("{}", text.trim_end());
    }
    Ok(Status::Success)
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
        "{} rows for {} reviewees of semester {}, in {} requests",
        result.rows, result.reviewees, result.semester_id, result.requests
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
            return report_file(ctx, path, result);
        }
    }
    Ok(Status::Success)
}

#[cfg(test)]
mod tests {
    use feishu_perf::registry::{CallInput, check};

    use super::*;

    #[test]
    fn ids_a_query_is_what_the_pages_allow() {
        let lists = [
            (METRIC_DETAILS, "reviewee_user_ids"),
            (INFORMATION, "item_ids"),
            (INFORMATION, "external_ids"),
            (INFORMATION, "reviewee_user_ids"),
        ];
        for (id, list) in lists {
            let ids = |n: usize| {
                let ids: Vec<String> = (0..n).map(|i| format!("ou_{i}")).collect();
                CallInput::new().body(json!({ "semester_id": "1", list: ids }))
            };
            assert_eq!(check(id, &ids(IDS_A_QUERY)), Ok(()), "{id} {list}");
            assert!(check(id, &ids(IDS_A_QUERY + 1)).is_err(), "{id} {list}");
        }
    }
}
