//! `call <endpoint-id>`: any endpoint of the schema, for whatever has no
//! command of its own, built and checked by the generated types, sent like
//! every other request (paced, retried, typed errors).

use std::io::Read;

use serde_json::{Value, json};

use super::Context;
use super::lookup::cell;
use super::registry::{self, Input};
use crate::args::CallArgs;
use crate::exit::{Failure, Status};
use crate::note;
use crate::output::Table;

/// Runs `call`.
pub async fn run(ctx: &Context, args: CallArgs) -> Result<Status, Failure> {
    if args.list {
        return list(ctx);
    }
    let id = args.endpoint.clone().unwrap_or_default();
    let d = registry::descriptor(&id).ok_or_else(|| registry::unknown(&id))?;
    if args.page_all && d.pagination.is_none() {
        return Err(Failure::usage(format!(
            "{id} does not page: call it without --page-all"
        )));
    }
    let input = Input {
        path: pairs("--path", &args.path)?.into_iter().collect(),
        query: pairs("--query", &args.query)?,
        body: args.data.as_deref().map(body).transpose()?,
    };
    // Built and validated by the generated types before anything else, credentials included.
    let entry = registry::entry(&id).ok_or_else(|| registry::unknown(&id))?;
    feishu_perf::registry::check(entry.id(), &input)
        .map_err(|e| Failure::usage(format!("{id}: {e}; nothing was sent")))?;
    let client = ctx.client()?;
    let fail = |e: feishu_perf::Error| Failure::from_sdk(&e, &ctx.base_url);
    if args.page_all {
        let pages = d.pagination.ok_or_else(|| {
            Failure::usage(format!("{id} does not page: call it without --page-all"))
        })?;
        let items = registry::list_all(client, &id, pages.items_field, input)
            .await
            .map_err(fail)?;
        ctx.output.list(&items, &table(&items))?;
        note!("{} items", items.len());
    } else {
        let data = registry::send(client, &id, input).await.map_err(fail)?;
        let mut rows = Table::new(&["field", "value"]);
        if let Value::Object(fields) = &data {
            for (name, value) in fields {
                rows.push(vec![name.clone(), cell(value, "")]);
            }
        }
        ctx.output.document(&data, "", &rows)?;
    }
    Ok(Status::Success)
}

/// `--list`: every endpoint with its method, path and title.
fn list(ctx: &Context) -> Result<Status, Failure> {
    let endpoints: Vec<Value> = feishu_perf::ENDPOINTS
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "method": d.method.as_str(),
                "path": d.path_template,
                "summary": d.summary,
                "pages": d.pagination.is_some(),
                "doc_url": d.doc_url,
            })
        })
        .collect();
    let mut table = Table::new(&["id", "method", "path", "summary"]);
    for e in &endpoints {
        table.push(
            ["/id", "/method", "/path", "/summary"]
                .map(|p| cell(e, p))
                .to_vec(),
        );
    }
    ctx.output.list(&endpoints, &table)?;
    Ok(Status::Success)
}

/// `name=value` options as pairs.
fn pairs(option: &str, given: &[String]) -> Result<Vec<(String, String)>, Failure> {
    given
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
            _ => Err(Failure::usage(format!(
                "{option} {pair}: expected NAME=VALUE"
            ))),
        })
        .collect()
}

/// `--data`: JSON, `@FILE` or `-` (standard input).
fn body(data: &str) -> Result<Value, Failure> {
    let (text, from) = match data {
        "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Failure::usage(format!("--data -: {e}")))?;
            (text, "standard input".to_owned())
        }
        _ => match data.strip_prefix('@') {
            Some(path) => (
                std::fs::read_to_string(path)
                    .map_err(|e| Failure::usage(format!("--data @{path}: {e}")))?,
                path.to_owned(),
            ),
            None => (data.to_owned(), "--data".to_owned()),
        },
    };
    serde_json::from_str(&text).map_err(|e| {
        // serde_json's message ends with the line and column.
        Failure::usage(format!("{from} is not JSON: {e}"))
    })
}

/// A table of items: the columns are their fields, in order of first appearance.
fn table(items: &[Value]) -> Table {
    let mut columns: Vec<String> = Vec::new();
    for item in items {
        for name in item.as_object().into_iter().flat_map(|o| o.keys()) {
            if !columns.contains(name) {
                columns.push(name.clone());
            }
        }
    }
    let mut table = Table::new(&columns);
    for item in items {
        table.push(
            columns
                .iter()
                .map(|c| cell(&item[c.as_str()], ""))
                .collect(),
        );
    }
    table
}
