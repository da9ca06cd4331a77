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
/// reviewees given or every reviewee of the semester.
pub async fn metrics(ctx: &Context, args: MetricsExportArgs) -> Result<Status, Failure> {
    let client = &registry::Counting::new(ctx.client()?);
    let fail = |e: feishu_perf::Error| Failure::from_sdk(&e, &ctx.base_url);
    let reviewees = if args.reviewees.is_empty() {
        let input = registry::input(args.user_id_type.as_deref())
            .body(json!({ "semester_id": args.semester }));
        let input = registry::with_page_size(REVIEWEES, input, None);
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
    for chunk in reviewees.chunks(IDS_A_QUERY) {
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
        requests: client.requests(),
    };
    write(ctx, args.output.as_deref(), &METRIC_COLUMNS, &rows, &result)
}

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
            let text = format!("{summary}, written to {}\n", path.display());
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
