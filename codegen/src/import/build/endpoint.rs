//! The endpoint's node: its facts, parameters, body and response, the
//! pagination it declares, the named types, error codes and the page's
//! examples, in the schema file's order.
use std::collections::BTreeMap;

use super::fields::values_node;
use super::names::{beijing_date, error_name};
use super::{Builder, Side, map};
use crate::import::page::Page;
use crate::import::tree::Node;
use crate::naming::pascal_case;

impl<'a> Builder<'a> {
    pub(super) fn endpoint(&mut self, page: &Page) -> Node {
        let t = self.target;
        let mut e: Vec<(&str, Node)> = vec![
            ("service", Node::str(&t.service)),
            ("version", Node::str(&t.version)),
            ("resource", Node::str(&t.resource)),
            ("operation", Node::str(&t.operation)),
            (
                "name",
                Node::str(format!(
                    "{}{}",
                    pascal_case(&t.operation),
                    pascal_case(&t.resource)
                )),
            ),
            ("summary", Node::str(&page.title)),
        ];
        if page.heading != page.title {
            e.push(("heading", Node::str(&page.heading)));
        }
        e.push(("description", Node::str(&page.intro)));
        e.push((
            "doc_url",
            Node::str(format!("https://open.feishu.cn/document{}", page.full_path)),
        ));
        if let Some(ms) = page.update_time_ms {
            e.push(("last_updated", Node::str(beijing_date(ms))));
        }
        e.push(("http_method", Node::str(&page.method)));
        e.push(("path", Node::str(template_path(&page.path))));
        if let Some(ct) = &page.content_type
            && ct != "application/json; charset=utf-8"
        {
            e.push(("content_type", Node::str(ct)));
        }
        e.push((
            "access_tokens",
            Node::Seq(page.access_tokens.iter().map(Node::str).collect()),
        ));
        e.push((
            "app_types",
            Node::Seq(page.app_types.iter().map(Node::str).collect()),
        ));
        let scopes = |list: &[(String, String)]| {
            Node::Seq(
                list.iter()
                    .map(|(n, d)| map(vec![("name", Node::str(n)), ("description", Node::str(d))]))
                    .collect(),
            )
        };
        if !page.scopes.is_empty() {
            e.push(("scopes", scopes(&page.scopes)));
        }
        if !page.field_scopes.is_empty() {
            e.push(("field_scopes", scopes(&page.field_scopes)));
        }
        if let Some((n, unit)) = &page.rate_limit {
            let key = if unit == "秒" {
                "per_second"
            } else {
                "per_minute"
            };
            e.push(("rate_limit", map(vec![(key, Node::Num((*n).into()))])));
        }
        let pagination_at = e.len();

        let path_params: Vec<Node> = page
            .path_params
            .iter()
            .map(|r| self.field(r, "path", Side::Request, true))
            .collect();
        let query: Vec<Node> = page
            .query
            .iter()
            .map(|r| self.field(r, "query", Side::Request, false))
            .collect();
        let body: Vec<Node> = page
            .body
            .iter()
            .map(|r| self.field(r, "body", Side::Request, false))
            .collect();
        let response: Vec<Node> = match &page.data {
            Some(data) => data
                .children
                .iter()
                .map(|r| self.field(r, "response", Side::Response, false))
                .collect(),
            None => Vec::new(),
        };
        // Placeholders in the path need their parameters, and the other way round.
        for p in &page.path_params {
            if !page.path.contains(&format!(":{}", p.name)) {
                self.error(
                    p.pos,
                    format!(
                        "path parameter `{}` is not in the URL `{}`",
                        p.name, page.path
                    ),
                );
            }
        }

        if let Some(items) = pagination(&query, &response) {
            e.insert(
                pagination_at,
                ("pagination", map(vec![("items", Node::str(items))])),
            );
        } else if let Some(items) = pagination(&body, &response) {
            // The page puts the tokens in the body: the page wins over the
            // platform's rule (REFERENCE.md: "the endpoint page wins").
            e.insert(
                pagination_at,
                (
                    "pagination",
                    map(vec![
                        ("items", Node::str(items)),
                        ("tokens_in", Node::str("body")),
                    ]),
                ),
            );
        }
        if !page.path_params_text.is_empty() {
            e.push(("path_params_description", Node::str(&page.path_params_text)));
        }
        if !path_params.is_empty() {
            e.push(("path_params", Node::Seq(path_params)));
        }
        if !page.query_text.is_empty() {
            e.push(("query_description", Node::str(&page.query_text)));
        }
        if !query.is_empty() {
            e.push(("query", Node::Seq(query)));
        }
        if !body.is_empty() || !page.body_text.is_empty() {
            let mut rb = vec![("fields", Node::Seq(body))];
            if !page.body_text.is_empty() {
                rb.push(("description", Node::str(&page.body_text)));
            }
            e.push(("request_body", map(rb)));
        }
        if let Some(data) = &page.data {
            let mut rb = vec![("fields", Node::Seq(response))];
            if data.ty != "-" {
                rb.push(("doc_type", Node::str(&data.ty)));
            }
            if !page.response_text.is_empty() {
                rb.push(("description", Node::str(&page.response_text)));
            }
            e.push(("response_body", map(rb)));
        }
        let mut types: Vec<Node> = std::mem::take(&mut self.objects)
            .into_iter()
            .map(|(name, def)| {
                map(vec![
                    ("name", Node::str(name)),
                    ("description", Node::str(def.description)),
                    ("fields", Node::Seq(def.fields)),
                ])
            })
            .collect();
        types.extend(
            std::mem::take(&mut self.enums)
                .into_iter()
                .map(|(name, def)| {
                    map(vec![
                        ("name", Node::str(name)),
                        ("description", Node::str(def.description)),
                        ("values", values_node(&def.values)),
                    ])
                }),
        );
        if !types.is_empty() {
            e.push(("types", Node::Seq(types)));
        }
        if !page.errors.is_empty() {
            let mut names: BTreeMap<String, i64> = BTreeMap::new();
            let mut rows = Vec::new();
            for row in &page.errors {
                if let Some(first) = page.errors.iter().find(|r| r.code == row.code)
                    && first.pos != row.pos
                {
                    self.error(
                        row.pos,
                        format!(
                            "error {} is listed twice (first on line {})",
                            row.code, first.pos.line
                        ),
                    );
                }
                let mut name = error_name(&row.message, row.code);
                if names.contains_key(&name) {
                    name = format!("{name}{}", row.code);
                }
                names.insert(name.clone(), row.code);
                rows.push(map(vec![
                    ("http_status", Node::Num(row.http_status.into())),
                    ("code", Node::Num(row.code.into())),
                    ("name", Node::str(name)),
                    ("message", Node::str(&row.message)),
                    ("hint", Node::str(&row.hint)),
                ]));
            }
            e.push(("errors", Node::Seq(rows)));
        }
        let mut examples = Vec::new();
        if let Some(body) = &page.body_example {
            examples.push(("request_body", Node::str(body)));
        }
        if let Some(resp) = &page.response_example {
            examples.push(("response", Node::str(resp)));
        }
        if !examples.is_empty() {
            e.push(("examples", map(examples)));
        }
        map(e)
    }
}

/// The pagination of a list endpoint: the response's one array, when the query
/// pages with `page_token`/`page_size` and the response answers `has_more`/`page_token`.
pub(super) fn pagination(request: &[Node], response: &[Node]) -> Option<String> {
    let has = |list: &[Node], name: &str| list.iter().any(|f| f.get_str("name") == Some(name));
    if !(has(request, "page_token")
        && has(request, "page_size")
        && has(response, "has_more")
        && has(response, "page_token"))
    {
        return None;
    }
    let arrays: Vec<&str> = response
        .iter()
        .filter(|f| f.get_str("type").is_some_and(|t| t.ends_with("[]")))
        .filter_map(|f| f.get_str("name"))
        .collect();
    match arrays.as_slice() {
        [one] => Some((*one).to_owned()),
        _ => None,
    }
}

/// `/open-apis/okr/v1/periods/:period_id` → `/open-apis/okr/v1/periods/{period_id}`.
pub(super) fn template_path(path: &str) -> String {
    path.split('/')
        .map(|s| match s.strip_prefix(':') {
            Some(p) => format!("{{{p}}}"),
            None => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}
