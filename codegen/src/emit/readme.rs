//! The README's table of the performance endpoints, written from the schema by
//! `cargo xtask codegen` between two marker lines, so that it is never a second copy to keep by
//! hand (`codegen --check` fails when it differs).

use crate::ir::{Api, Endpoint};
use crate::model::TokensIn;

/// The line before the table.
pub const START: &str =
    "<!-- The endpoint table, written by `cargo xtask codegen` from schema/: do not edit. -->";
/// The line after the table.
pub const END: &str = "<!-- End of the endpoint table. -->";

/// The table of the performance endpoints, sorted by id: id, method and path, request type,
/// the page's title, its rate limit, and whether it pages or takes a `client_token`.
pub fn endpoint_table(api: &Api) -> String {
    let mut rows: Vec<(String, String)> = api
        .versions
        .iter()
        .filter(|v| v.service == "performance")
        .flat_map(|v| v.endpoints.iter().map(move |e| (v, e)))
        .map(|(v, e)| {
            let id = format!(
                "{}.{}.{}.{}",
                v.service, v.version, e.source.resource, e.source.operation
            );
            (id.clone(), row(&id, e))
        })
        .collect();
    rows.sort();
    let mut table = String::from(
        "| id | method and path | request type | page | limit | |\n|---|---|---|---|---|---|\n",
    );
    for (_, row) in rows {
        table.push_str(&row);
        table.push('\n');
    }
    table
}

fn row(id: &str, e: &Endpoint) -> String {
    let src = &e.source;
    let path = src
        .path
        .value
        .strip_prefix("/open-apis")
        .unwrap_or(&src.path.value);
    let limit = match &src.rate_limit {
        Some(r) => match (r.per_minute, r.per_second) {
            (Some(n), _) => format!("{n}/min"),
            (None, Some(n)) => format!("{n}/s"),
            (None, None) => String::new(),
        },
        None => String::new(),
    };
    let client_token = e
        .query
        .iter()
        .chain(e.request_body.iter().flatten())
        .any(|f| f.idempotency_key);
    let note = match (&src.pagination, client_token) {
        (Some(p), _) if p.tokens_in == TokensIn::Body => "pages (tokens in body)",
        (Some(_), _) => "pages",
        (None, true) => "client_token",
        (None, false) => "",
    };
    format!(
        "| `{id}` | `{:?} {path}` | `{}Request` | {} | {limit} | {note} |",
        src.http_method, e.name, src.summary
    )
}

/// `readme` with the text between [`START`] and [`END`] replaced by `table`.
pub fn with_table(readme: &str, table: &str) -> Result<String, String> {
    let start = readme
        .find(START)
        .ok_or_else(|| format!("README.md has no line `{START}`"))?;
    let after_start = start + START.len();
    let end = readme[after_start..]
        .find(END)
        .map(|i| after_start + i)
        .ok_or_else(|| format!("README.md has no line `{END}` after the table's start"))?;
    Ok(format!(
        "{}\n{table}{}",
        &readme[..after_start],
        &readme[end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_between_the_markers_is_replaced_and_the_rest_kept() {
        let readme = format!("# Title\n\n{START}\n| old |\n{END}\n\nAfter.\n");
        assert_eq!(
            with_table(&readme, "| new |\n").unwrap(),
            format!("# Title\n\n{START}\n| new |\n{END}\n\nAfter.\n")
        );
        assert!(with_table("no markers", "| new |\n").is_err());
    }
}
