//! Page facts and annotations: what a re-import rewrites and what it keeps,
//! and the differences between two sets of page facts (the drift check).
//!
//! Every key of a schema file is either a *page fact* (the importer writes it
//! from the page) or an *annotation* (anything else: `rust_name`, `note`,
//! `notes`, an error's variant `name`, `sources`, keys other parts of the
//! format add). A re-import replaces the page facts and keeps the
//! annotations of every item still on the page; items are matched by their
//! wire name (fields, types, values, scopes) or code (errors). A key named in
//! an item's `sources` (`sources: { rate_limit: "REFERENCE.md: ..." }`) is a
//! fact from elsewhere: the schema's value is kept whatever the page says,
//! and the drift check leaves it out.

use super::tree::Node;

/// The kinds of items in a schema file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Endpoint,
    Field,
    Type,
    Value,
    Error,
    Examples,
    Body,
    Scope,
    RateLimit,
    Pagination,
    Bounds,
}

impl Kind {
    /// Keys the importer writes from the page, in the order it writes them.
    fn page_keys(self) -> &'static [&'static str] {
        match self {
            Kind::Endpoint => &[
                "service",
                "version",
                "resource",
                "operation",
                "summary",
                "heading",
                "description",
                "doc_url",
                "last_updated",
                "http_method",
                "path",
                "content_type",
                "access_tokens",
                "app_types",
                "scopes",
                "field_scopes",
                "rate_limit",
                "pagination",
                "path_params_description",
                "path_params",
                "query_description",
                "query",
                "request_body",
                "response_body",
                "types",
                "errors",
                "examples",
            ],
            Kind::Field => &[
                "name",
                "type",
                "required",
                "idempotency_key",
                "description",
                "response_description",
                "other_descriptions",
                "example",
                "default",
                "length",
                "range",
                "pattern",
                "values",
                "member_descriptions",
            ],
            Kind::Type => &["name", "description", "fields", "values"],
            Kind::Value => &["value", "description"],
            Kind::Error => &["http_status", "code", "message", "hint"],
            Kind::Examples => &["request_body", "response"],
            Kind::Body => &["fields", "doc_type", "description"],
            Kind::Scope => &["name", "description"],
            Kind::RateLimit => &["per_minute", "per_second"],
            Kind::Pagination => &["items", "tokens_in"],
            Kind::Bounds => &["min", "max"],
        }
    }

    /// Where annotations sit among the page keys, for a readable file.
    fn order(self) -> &'static [&'static str] {
        match self {
            Kind::Endpoint => &[
                "service",
                "version",
                "resource",
                "operation",
                "name",
                "summary",
                "heading",
                "description",
                "notes",
                "doc_url",
                "last_updated",
                "http_method",
                "path",
                "content_type",
                "access_tokens",
                "app_types",
                "scopes",
                "field_scopes",
                "rate_limit",
                "read_only",
                "pagination",
                "path_params_description",
                "path_params",
                "query_description",
                "query",
                "request_body",
                "response_body",
                "types",
                "errors",
                "shared_errors",
                "examples",
            ],
            Kind::Field => &[
                "name",
                "rust_name",
                "type",
                "required",
                "idempotency_key",
                "description",
                "response_description",
                "other_descriptions",
                "example",
                "default",
                "length",
                "range",
                "pattern",
                "values",
                "member_descriptions",
                "note",
                "sources",
            ],
            Kind::Error => &["http_status", "code", "name", "message", "hint"],
            Kind::Examples => &["request_query", "request_body", "response", "sources"],
            Kind::Type => &["name", "description", "note", "fields", "values"],
            Kind::Value => &["value", "description", "note"],
            other => other.page_keys(),
        }
    }

    /// Keys that are annotations but say nothing by themselves about an item
    /// that left the page (an error's variant name goes with its error).
    fn quiet_annotations(self) -> &'static [&'static str] {
        match self {
            Kind::Error | Kind::Endpoint => &["name"],
            _ => &[],
        }
    }
}

/// The identity of the items of a list, and their kind.
fn list_of(parent: Kind, key: &str) -> Option<(Kind, &'static str)> {
    Some(match (parent, key) {
        (Kind::Endpoint, "path_params" | "query") | (Kind::Type | Kind::Body, "fields") => {
            (Kind::Field, "name")
        }
        (Kind::Endpoint, "types") => (Kind::Type, "name"),
        (Kind::Endpoint, "errors") => (Kind::Error, "code"),
        (Kind::Endpoint, "scopes" | "field_scopes") => (Kind::Scope, "name"),
        (Kind::Type | Kind::Field, "values") => (Kind::Value, "value"),
        _ => return None,
    })
}

/// The kind of a nested mapping.
fn map_of(parent: Kind, key: &str) -> Option<Kind> {
    Some(match (parent, key) {
        (Kind::Endpoint, "request_body" | "response_body") => Kind::Body,
        (Kind::Endpoint, "examples") => Kind::Examples,
        (Kind::Endpoint, "rate_limit") => Kind::RateLimit,
        (Kind::Endpoint, "pagination") => Kind::Pagination,
        (Kind::Field, "length" | "range") => Kind::Bounds,
        _ => return None,
    })
}

fn sourced(node: &Node) -> Vec<String> {
    match node.get("sources") {
        Some(Node::Map(entries)) => entries.iter().map(|(k, _)| k.clone()).collect(),
        _ => Vec::new(),
    }
}

fn is_page_key(kind: Kind, key: &str, new: &Node) -> bool {
    // Pagination is a page fact only when the page shows it unambiguously;
    // otherwise a maintainer's `pagination` is kept.
    kind.page_keys().contains(&key) && (key != "pagination" || new.get("pagination").is_some())
}

/// Puts `key` where `kind`'s order says, or at the end.
fn place(node: &mut Node, kind: Kind, key: &str, value: Node) {
    let Node::Map(entries) = node else { return };
    if let Some((_, v)) = entries.iter_mut().find(|(k, _)| k == key) {
        *v = value;
        return;
    }
    let order = kind.order();
    let at = order.iter().position(|k| *k == key).and_then(|rank| {
        entries.iter().position(|(k, _)| {
            order
                .iter()
                .position(|o| o == k)
                .is_some_and(|other| other > rank)
        })
    });
    match at {
        Some(i) => entries.insert(i, (key.to_owned(), value)),
        None => entries.push((key.to_owned(), value)),
    }
}

/// Merges the annotations of `old` (the schema file today) into `new` (the
/// page's facts). Returns the annotations that have no place any more.
pub fn merge_endpoint(new: &mut Node, old: &Node) -> Vec<String> {
    let mut orphans = Vec::new();
    merge(Kind::Endpoint, new, old, "endpoint", &mut orphans);
    orphans
}

fn merge(kind: Kind, new: &mut Node, old: &Node, label: &str, orphans: &mut Vec<String>) {
    let Node::Map(old_entries) = old else { return };
    let sources = sourced(old);
    for (key, value) in old_entries {
        if sources.contains(key) || !is_page_key(kind, key, new) {
            place(new, kind, key, value.clone());
        }
    }
    // Keys sourced elsewhere that the schema leaves unset stay unset.
    if let Node::Map(entries) = new {
        entries.retain(|(k, _)| !sources.contains(k) || old.get(k).is_some());
    }
    for (key, old_value) in old_entries {
        if sources.contains(key) {
            continue;
        }
        let Some(new_value) = new.get_mut(key) else {
            if let Some((item_kind, id)) = list_of(kind, key) {
                for item in old_value.as_seq() {
                    orphaned(item_kind, item, &item_label(label, key, item, id), orphans);
                }
            } else if let Some(sub) = map_of(kind, key) {
                orphaned(sub, old_value, &format!("{label} {key}"), orphans);
            }
            continue;
        };
        if let Some((item_kind, id)) = list_of(kind, key) {
            let Node::Seq(new_items) = new_value else {
                continue;
            };
            for old_item in old_value.as_seq() {
                let ident = old_item.get(id);
                let here = item_label(label, key, old_item, id);
                match new_items
                    .iter_mut()
                    .find(|n| n.get(id) == ident && ident.is_some())
                {
                    Some(new_item) => merge(item_kind, new_item, old_item, &here, orphans),
                    None => orphaned(item_kind, old_item, &here, orphans),
                }
            }
        } else if let Some(sub) = map_of(kind, key) {
            merge(
                sub,
                new_value,
                old_value,
                &format!("{label} {key}"),
                orphans,
            );
        }
    }
}

fn item_label(parent: &str, key: &str, item: &Node, id: &str) -> String {
    let ident = match item.get(id) {
        Some(Node::Str(s)) => s.clone(),
        Some(Node::Num(n)) => n.to_string(),
        _ => "?".into(),
    };
    match (key, parent) {
        ("errors", _) => format!("error {ident}"),
        ("types", _) => format!("type `{ident}`"),
        ("values", p) => format!("{p}: value `{ident}`"),
        ("scopes" | "field_scopes", _) => format!("scope `{ident}`"),
        ("query", _) => format!("query.{ident}"),
        ("path_params", _) => format!("path.{ident}"),
        (_, "endpoint request_body") => format!("body.{ident}"),
        (_, "endpoint response_body") => format!("response.{ident}"),
        (_, p) => format!(
            "{}.{ident}",
            p.trim_start_matches("type `").trim_end_matches('`')
        ),
    }
}

/// An item that left the page: each of its annotations (and its children's) is reported.
fn orphaned(kind: Kind, old: &Node, label: &str, out: &mut Vec<String>) {
    let Node::Map(entries) = old else { return };
    for (key, value) in entries {
        if !kind.page_keys().contains(&key.as_str())
            && !kind.quiet_annotations().contains(&key.as_str())
        {
            out.push(format!(
                "{label}: annotation `{key}` ({}) has no place: {label} is no longer on the page",
                short(value)
            ));
        }
        if let Some((item_kind, id)) = list_of(kind, key) {
            for item in value.as_seq() {
                orphaned(item_kind, item, &item_label(label, key, item, id), out);
            }
        }
    }
}

/// The differences in page facts between `old` and `new`, as facts a maintainer can act on.
pub fn drift(old: &Node, new: &Node) -> Vec<String> {
    let mut out = Vec::new();
    diff(Kind::Endpoint, old, new, "endpoint", &mut out);
    out
}

fn diff(kind: Kind, old: &Node, new: &Node, label: &str, out: &mut Vec<String>) {
    let mut skip = sourced(old);
    skip.extend(sourced(new));
    for &key in kind.page_keys() {
        if skip.iter().any(|s| s == key) {
            continue;
        }
        let (a, b) = (old.get(key), new.get(key));
        if a == b {
            continue;
        }
        if let Some((item_kind, id)) = list_of(kind, key) {
            let empty = Node::Seq(Vec::new());
            let (a, b) = (a.unwrap_or(&empty).as_seq(), b.unwrap_or(&empty).as_seq());
            for item in a {
                let here = item_label(label, key, item, id);
                match b.iter().find(|n| n.get(id) == item.get(id)) {
                    Some(other) => diff(item_kind, item, other, &here, out),
                    None => out.push(format!("{} removed", what(item_kind, &here))),
                }
            }
            for item in b {
                if !a.iter().any(|o| o.get(id) == item.get(id)) {
                    let here = item_label(label, key, item, id);
                    out.push(format!("{} added", what(item_kind, &here)));
                }
            }
            continue;
        }
        if let Some(sub) = map_of(kind, key)
            && matches!(sub, Kind::Body | Kind::Examples)
            && let (Some(a), Some(b)) = (a, b)
        {
            diff(sub, a, b, &format!("{label} {key}"), out);
            continue;
        }
        if kind == Kind::Examples {
            let name = if key == "response" {
                "response example"
            } else {
                "request body example"
            };
            out.push(match (a, b) {
                (None, _) => format!("{name} added"),
                (_, None) => format!("{name} removed"),
                _ => format!("{name} changed"),
            });
            continue;
        }
        out.push(fact(kind, label, key, a, b));
    }
}

fn what(kind: Kind, label: &str) -> String {
    match kind {
        Kind::Field => format!("field {label}"),
        _ => label.to_owned(),
    }
}

fn fact(kind: Kind, label: &str, key: &str, a: Option<&Node>, b: Option<&Node>) -> String {
    let show = |n: Option<&Node>| match n {
        // Flags are written only when set.
        None if matches!(key, "required" | "idempotency_key") => "false".to_owned(),
        None => "none".to_owned(),
        Some(n) => value_text(key, n),
    };
    let long = [a, b].iter().flatten().any(|n| {
        n.as_str()
            .is_some_and(|s| s.contains('\n') || s.chars().count() > 60)
    });
    let name = match key {
        "last_updated" => "last update".to_owned(),
        "http_method" => "method".to_owned(),
        "rate_limit" => "rate limit".to_owned(),
        "http_status" => "HTTP status".to_owned(),
        other => other.replace('_', " "),
    };
    let prefix = match kind {
        Kind::Endpoint => String::new(),
        _ => format!("{label}: "),
    };
    if long {
        match (a, b) {
            (None, _) => format!("{prefix}{name} added: {}", show(b)),
            (_, None) => format!("{prefix}{name} removed"),
            _ => format!("{prefix}{name} changed: {} -> {}", show(a), show(b)),
        }
    } else {
        format!("{prefix}{name} {} -> {}", show(a), show(b))
    }
}

fn value_text(key: &str, node: &Node) -> String {
    match (key, node) {
        ("length" | "range", Node::Map(_)) => {
            let end = |k| node.get(k).map(short).unwrap_or_default();
            format!("{}..{}", end("min"), end("max"))
        }
        ("rate_limit", Node::Map(entries)) => entries
            .iter()
            .map(|(k, v)| format!("{}/{}", short(v), k.trim_start_matches("per_")))
            .collect::<Vec<_>>()
            .join(", "),
        _ => short(node),
    }
}

/// A value on one line, cut at 60 characters.
fn short(node: &Node) -> String {
    let text = match node {
        Node::Str(s) => format!("{s:?}"),
        Node::Num(n) => n.to_string(),
        Node::Bool(b) => b.to_string(),
        Node::Null => "null".into(),
        other => other.to_yaml("").trim().replace('\n', " "),
    };
    let mut out: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        out.push('…');
    }
    out
}
