//! `information delete`: supplementary-information items removed by id, with
//! every id accounted for: deleted (Feishu listed it as deleted, or a read
//! after an unknown outcome found it gone), not found, or refused with the code.

use std::collections::HashSet;

use feishu_perf::{Client, Refuses};
use feishu_perf_cli::input::{Column, Source, read_table};
use serde::Serialize;
use serde_json::{Value, json};

use super::Context;
use super::registry;
use crate::args::DeleteArgs;
use crate::exit::{Failure, Status};
use crate::note;
use crate::output::{Format, Table};

const QUERY: &str = "performance.v2.additional_information.query";
const DELETE: &str = "performance.v2.additional_informations_batch.delete";
/// Ids a DELETE takes (the page: `additional_informations`, 1 to 100).
const IDS_A_REQUEST: usize = 100;
/// Ids a query asks about at once.
const IDS_A_QUERY: usize = 50;

/// An id Feishu would not delete.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    /// The item.
    pub item_id: String,
    /// Feishu's code.
    pub code: Option<i64>,
    /// Why.
    pub reason: String,
}

/// What a delete did: the JSON result (documented in the README).
#[derive(Debug, Default, Serialize)]
pub struct DeleteResult {
    /// The semester.
    pub semester_id: String,
    /// `completed`, `rows_rejected` (some ids not found or refused), `dry_run` or `stopped`.
    pub status: &'static str,
    /// The process exit status.
    pub exit_code: u8,
    /// Distinct ids asked for.
    pub requested: usize,
    /// Ids deleted by this run.
    pub deleted: Vec<String>,
    /// Ids that name no item of the semester the app can see (nothing sent for them).
    pub not_found: Vec<String>,
    /// Ids Feishu refused to delete.
    pub refused: Vec<Refused>,
    /// For a dry run: the ids that would be deleted.
    pub would_delete: Vec<String>,
    /// Ids whose outcome is unknown (a request failed and reading them back failed too).
    pub unknown: Vec<String>,
    /// Ids not sent: the run stopped before them.
    pub not_sent: Vec<String>,
    /// DELETE requests sent.
    pub requests: usize,
    /// Why the run stopped, when it did.
    pub error: Option<String>,
}

/// Deletes the items named on the command line and in `--file`.
pub async fn run(ctx: &Context, args: DeleteArgs) -> Result<Status, Failure> {
    let ids = ids(&args)?;
    if ids.is_empty() {
        return Err(Failure::usage(
            "no item ids: give --item ID (repeatable) or --file with an item_id column",
        ));
    }
    let user_id_type = args.user_id_type.as_deref();
    let mut result = DeleteResult {
        semester_id: args.semester.clone(),
        requested: ids.len(),
        ..DeleteResult::default()
    };
    let client = ctx.client()?;
    let delete = registry::descriptor(DELETE).ok_or_else(|| registry::unknown(DELETE))?;
    let seen = present(client, &args.semester, user_id_type, &ids)
        .await
        .map_err(|e| Failure::from_sdk(&e, &ctx.base_url))?;
    let (found, missing): (Vec<String>, Vec<String>) =
        ids.into_iter().partition(|id| seen.contains(id));
    result.not_found = missing;
    if args.dry_run {
        result.would_delete = found;
        return finish(ctx, result, true, None);
    }
    // Halves of a refused request are sent again, until the refused id is alone.
    let mut work: Vec<Vec<String>> = found
        .chunks(IDS_A_REQUEST)
        .rev()
        .map(<[_]>::to_vec)
        .collect();
    while let Some(batch) = work.pop() {
        let input = registry::input(user_id_type)
            .body(json!({ "semester_id": args.semester, "additional_informations": batch }));
        result.requests += 1;
        match registry::send(client, DELETE, input).await {
            Ok(data) => {
                let listed: HashSet<&str> = data["additional_informations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                // An id the answer does not list is checked by reading it back.
                let unlisted: Vec<String> = batch
                    .iter()
                    .filter(|id| !listed.contains(id.as_str()))
                    .cloned()
                    .collect();
                result.deleted.extend(
                    batch
                        .iter()
                        .filter(|id| listed.contains(id.as_str()))
                        .cloned(),
                );
                if !unlisted.is_empty() {
                    let still = present(client, &args.semester, user_id_type, &unlisted)
                        .await
                        .map_err(|e| Failure::from_sdk(&e, &ctx.base_url))?;
                    for id in unlisted {
                        if still.contains(&id) {
                            result.refused.push(Refused {
                                item_id: id,
                                code: None,
                                reason: "Feishu answered success but did not delete it".into(),
                            });
                        } else {
                            result.deleted.push(id);
                        }
                    }
                }
            }
            Err(error) => {
                let code = match &error {
                    feishu_perf::Error::Api(api) => Some(api.code),
                    _ => None,
                };
                let one_item = code.is_some_and(|c| delete.refuses(c) == Some(Refuses::Unit));
                if one_item && batch.len() > 1 {
                    let (a, b) = batch.split_at(batch.len() / 2);
                    work.push(b.to_vec());
                    work.push(a.to_vec());
                    continue;
                }
                // Whatever the answer, read back what is gone.
                let failure = Failure::from_sdk(&error, &ctx.base_url);
                let mut all_gone = false;
                match present(client, &args.semester, user_id_type, &batch).await {
                    Ok(still) => {
                        all_gone = batch.iter().all(|id| !still.contains(id));
                        for id in batch {
                            if still.contains(&id) {
                                result.refused.push(Refused {
                                    item_id: id,
                                    code,
                                    reason: failure.message.clone(),
                                });
                            } else {
                                result.deleted.push(id);
                            }
                        }
                    }
                    Err(_) => result.unknown.extend(batch),
                }
                // A DELETE applied whose answer was lost (its retry then finds
                // the items gone): the read-back proves it, and the run goes on.
                if all_gone {
                    note!(
                        "{} (reading the items back shows them deleted)",
                        failure.message
                    );
                    continue;
                }
                if !one_item {
                    result.not_sent.extend(work.into_iter().flatten());
                    return finish(ctx, result, false, Some(failure));
                }
            }
        }
    }
    finish(ctx, result, false, None)
}

/// The ids from `--item` and `--file`, each once, in order.
fn ids(args: &DeleteArgs) -> Result<Vec<String>, Failure> {
    let mut ids: Vec<String> = args.items.iter().map(|s| s.trim().to_owned()).collect();
    if let Some(path) = &args.file {
        // An `information export` file will do: its other columns are read and ignored.
        let columns: Vec<Column> = feishu_perf_cli::input::INFORMATION_COLUMNS
            .iter()
            .map(|&name| Column {
                name,
                required: name == "item_id",
            })
            .collect();
        let table = read_table(&Source::from_arg(path), &columns, args.encoding)
            .map_err(|e| Failure::usage(e.to_string()))?;
        ids.extend(table.rows().map(|row| row.get(0).trim().to_owned()));
    }
    let mut seen = HashSet::new();
    ids.retain(|id| !id.is_empty() && seen.insert(id.clone()));
    Ok(ids)
}

/// Which of `ids` name an item of the semester the app can see.
async fn present(
    client: &Client,
    semester: &str,
    user_id_type: Option<&str>,
    ids: &[String],
) -> Result<HashSet<String>, feishu_perf::Error> {
    let mut present = HashSet::new();
    for chunk in ids.chunks(IDS_A_QUERY) {
        let input = registry::input(user_id_type)
            .body(json!({ "semester_id": semester, "item_ids": chunk }));
        let items = registry::list_all(client, QUERY, "additional_informations", input).await?;
        present.extend(
            items
                .iter()
                .filter_map(|i| i["item_id"].as_str())
                .map(str::to_owned),
        );
    }
    Ok(present)
}

fn finish(
    ctx: &Context,
    mut result: DeleteResult,
    dry_run: bool,
    failure: Option<Failure>,
) -> Result<Status, Failure> {
    let rejected = !result.not_found.is_empty() || !result.refused.is_empty();
    let status = match &failure {
        Some(f) => f.status,
        None if rejected => Status::RowsRejected,
        None => Status::Success,
    };
    let label = match (&failure, dry_run, rejected) {
        (Some(_), _, _) => "stopped",
        (None, true, _) => "dry_run",
        (None, false, true) => "rows_rejected",
        (None, false, false) => "completed",
    };
    result.status = label;
    result.exit_code = status.code();
    result.error = failure.as_ref().map(|f| f.message.clone());
    let mut table = Table::new(&["item_id", "outcome", "code", "reason"]);
    let rows = [
        (&result.deleted, "deleted"),
        (&result.would_delete, "would be deleted"),
        (&result.not_found, "not found"),
        (&result.unknown, "unknown"),
        (&result.not_sent, "not sent"),
    ];
    for (ids, outcome) in rows {
        for id in ids {
            table.push(vec![
                id.clone(),
                outcome.into(),
                String::new(),
                String::new(),
            ]);
        }
    }
    for r in &result.refused {
        table.push(vec![
            r.item_id.clone(),
            "refused".into(),
            r.code.map(|c| c.to_string()).unwrap_or_default(),
            r.reason.clone(),
        ]);
    }
    let summary = format!(
        "{} ids: {} deleted, {} not found, {} refused, {} unknown, {} not sent{}; {} requests",
        result.requested,
        result.deleted.len(),
        result.not_found.len(),
        result.refused.len(),
        result.unknown.len(),
        result.not_sent.len(),
        if label == "dry_run" {
            format!(
                " ({} would be deleted; dry run: nothing deleted)",
                result.would_delete.len()
            )
        } else {
            String::new()
        },
        result.requests
    );
    ctx.output
        .document(&result, &format!("{summary}\n"), &table)?;
    if ctx.output.format != Format::Table {
        note!("{summary}");
    }
    match failure {
        Some(f) => Err(f),
        None => Ok(status),
    }
}
