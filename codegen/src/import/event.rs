//! Event pages: imported into `schema/<service>/<version>/events/<resource>.<event>.yaml`,
//! the page kept beside it (`.md`), and checked for drift like an endpoint's.
//!
//! The event's file shares the endpoint's vocabulary (fields, types, scopes), so
//! a re-import keeps annotations and the drift check reports differences with
//! the endpoint's rules ([`super::merge`]); the keys only an event has
//! (`event_type`, `prerequisites`, `delivery`, `envelope`, `event_body`,
//! `example`) are page facts compared here.

use std::path::{Path, PathBuf};

use super::build::{Context, Target, build_event};
use super::page::{PageError, parse_event};
use super::tree::Node;
use super::{ImportError, Written, merge};

/// The keys of an event file that an endpoint file does not have, all page facts.
const EVENT_KEYS: [&str; 6] = [
    "event_type",
    "prerequisites",
    "delivery",
    "envelope",
    "event_body",
    "example",
];

/// Where an event page goes: the portal path `…/<service>-<version>/<resource>/events/<event>`.
pub fn event_target(name: &str, full_path: &str, event_type: &str) -> Result<Target, ImportError> {
    let err = |message: String| {
        ImportError::Page(vec![PageError {
            page: name.to_owned(),
            line: 1,
            column: 1,
            message,
        }])
    };
    let parts: Vec<&str> = full_path.split('/').collect();
    let Some(at) = parts.iter().rposition(|p| *p == "events") else {
        return Err(err(format!("no `events` in the portal path `{full_path}`")));
    };
    let (Some(sv), Some(resource), Some(event)) = (
        at.checked_sub(2).and_then(|i| parts.get(i)),
        at.checked_sub(1).and_then(|i| parts.get(i)),
        parts.get(at + 1),
    ) else {
        return Err(err(format!(
            "the portal path `{full_path}` is not `…/<service>-<version>/<resource>/events/<event>`"
        )));
    };
    let Some((service, version)) = sv.rsplit_once('-') else {
        return Err(err(format!(
            "no service and version in `{sv}` of `{full_path}`"
        )));
    };
    let snake = |s: &str| s.replace('-', "_");
    let target = Target {
        service: snake(service),
        version: version.to_owned(),
        resource: snake(resource),
        operation: snake(event),
    };
    let prefix = format!("{}.{}.", target.service, target.resource);
    if !event_type.starts_with(&prefix) {
        return Err(err(format!(
            "the event type `{event_type}` does not start with `{prefix}`, the portal path's service and resource"
        )));
    }
    Ok(target)
}

/// The event file of `target` under `schema_dir`.
pub fn event_file(schema_dir: &Path, target: &Target) -> PathBuf {
    schema_dir
        .join(&target.service)
        .join(&target.version)
        .join("events")
        .join(format!("{}.{}.yaml", target.resource, target.operation))
}

/// An event page imported in memory, with the existing file's annotations.
pub fn import_event_page(
    name: &str,
    text: &str,
    existing: Option<&Node>,
) -> Result<(Target, Node, Vec<String>, Vec<String>), ImportError> {
    let page = parse_event(name, text).map_err(ImportError::Page)?;
    let target = event_target(name, &page.full_path, &page.event_type)?;
    let cx = Context {
        existing,
        ..Context::default()
    };
    let (mut tree, warnings) = build_event(name, &page, &target, &cx).map_err(ImportError::Page)?;
    let orphans = match existing {
        Some(old) => merge_event(&mut tree, old),
        None => Vec::new(),
    };
    Ok((target, tree, warnings, orphans))
}

fn header(target: &Target) -> String {
    format!(
        "# yaml-language-server: $schema=../../../schema.json\n\
         # Imported by `cargo xtask docs import` from {0}.{1}.md, the portal page kept beside this file.\n\
         # A re-import rewrites the page's facts and keeps the annotations (rust_name, note, notes,\n\
         # sources, and the keys a page never gives): edit only those here.\n",
        target.resource, target.operation
    )
}

/// Splits the keys only an event has off a node, so the rest reads as an endpoint's.
fn as_endpoint(node: &Node) -> (Node, Vec<(String, Node)>) {
    let Node::Map(entries) = node else {
        return (node.clone(), Vec::new());
    };
    let mut rest = Vec::new();
    let mut own = Vec::new();
    for (k, v) in entries {
        if EVENT_KEYS.contains(&k.as_str()) {
            own.push((k.clone(), v.clone()));
        } else {
            rest.push((k.clone(), v.clone()));
        }
    }
    // The event's fields sit where an endpoint's response fields do.
    if let Some((_, body)) = own.iter().find(|(k, _)| k == "event_body") {
        rest.push(("response_body".into(), body.clone()));
    }
    if let Some((_, env)) = own.iter().find(|(k, _)| k == "envelope") {
        rest.push(("query".into(), env.clone()));
    }
    (Node::Map(rest), own)
}

/// Puts the event's own keys back, in the importer's order.
fn from_endpoint(merged: Node, own: &[(String, Node)], order: &Node) -> Node {
    let Node::Map(mut entries) = merged else {
        return merged;
    };
    let body = entries
        .iter()
        .position(|(k, _)| k == "response_body")
        .map(|i| entries.remove(i).1);
    let envelope = entries
        .iter()
        .position(|(k, _)| k == "query")
        .map(|i| entries.remove(i).1);
    let mut out: Vec<(String, Node)> = Vec::new();
    let Node::Map(order) = order else {
        return Node::Map(entries);
    };
    // The importer's keys in its order, each annotation after the key it followed.
    for (k, _) in order {
        let value = match k.as_str() {
            "event_body" => body.clone(),
            "envelope" => envelope.clone(),
            k if EVENT_KEYS.contains(&k) => {
                own.iter().find(|(o, _)| o == k).map(|(_, v)| v.clone())
            }
            k => entries.iter().find(|(e, _)| e == k).map(|(_, v)| v.clone()),
        };
        if let Some(v) = value {
            out.push((k.clone(), v));
        }
    }
    // An annotation goes after the key it follows in the merged file.
    for (i, (k, v)) in entries.iter().enumerate() {
        if out.iter().any(|(o, _)| o == k) {
            continue;
        }
        let after = i
            .checked_sub(1)
            .and_then(|p| out.iter().position(|(o, _)| *o == entries[p].0));
        match after {
            Some(at) => out.insert(at + 1, (k.clone(), v.clone())),
            None => out.push((k.clone(), v.clone())),
        }
    }
    Node::Map(out)
}

/// Merges the annotations of `old` into `new`; returns those that have no place.
fn merge_event(new: &mut Node, old: &Node) -> Vec<String> {
    let (mut new_e, own) = as_endpoint(new);
    let (old_e, _) = as_endpoint(old);
    let orphans = merge::merge_endpoint(&mut new_e, &old_e);
    *new = from_endpoint(new_e, &own, new);
    orphans
        .into_iter()
        .map(|o| {
            o.replace("response.", "event.")
                .replace("query.", "envelope.")
        })
        .collect()
}

/// The differences in page facts between an event file and its page's facts.
pub fn event_drift(old: &Node, new: &Node) -> Vec<String> {
    let (old_e, old_own) = as_endpoint(old);
    let (new_e, new_own) = as_endpoint(new);
    let mut out: Vec<String> = merge::drift(&old_e, &new_e)
        .into_iter()
        .map(|o| {
            o.replace("response.", "event.")
                .replace("query.", "envelope.")
        })
        .collect();
    for key in ["event_type", "prerequisites", "delivery", "example"] {
        let get =
            |own: &[(String, Node)]| own.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let (a, b) = (get(&old_own), get(&new_own));
        if a != b {
            let show = |n: &Option<Node>| match n {
                None => "none".to_owned(),
                Some(n) => n
                    .to_yaml("")
                    .trim()
                    .replace('\n', " ")
                    .chars()
                    .take(60)
                    .collect(),
            };
            out.push(format!(
                "{} changed: {} -> {}",
                key.replace('_', " "),
                show(&a),
                show(&b)
            ));
        }
    }
    out
}

/// Imports an event page into `schema_dir`: writes its file and keeps the page beside it.
pub fn import_event_into(
    schema_dir: &Path,
    page_path: &Path,
    text: &str,
) -> Result<Written, ImportError> {
    let name = page_path.display().to_string();
    let page = parse_event(&name, text).map_err(ImportError::Page)?;
    let target = event_target(&name, &page.full_path, &page.event_type)?;
    let schema = event_file(schema_dir, &target);
    let existing = read_tree(&schema)?;
    let (target, tree, warnings, orphans) = import_event_page(&name, text, existing.as_ref())?;
    if !orphans.is_empty() {
        return Err(ImportError::Orphans {
            file: schema.display().to_string(),
            orphans,
        });
    }
    let yaml = tree.to_yaml(&header(&target));
    let dir = schema
        .parent()
        .expect("an event file has a directory")
        .to_owned();
    std::fs::create_dir_all(&dir)
        .map_err(|e| ImportError::Schema(format!("{}: {e}", dir.display())))?;
    let changed = std::fs::read_to_string(&schema).ok().as_deref() != Some(yaml.as_str());
    std::fs::write(&schema, &yaml)
        .map_err(|e| ImportError::Schema(format!("{}: {e}", schema.display())))?;
    let page_file = schema.with_extension("md");
    if std::fs::read_to_string(&page_file).ok().as_deref() != Some(text) {
        std::fs::write(&page_file, text)
            .map_err(|e| ImportError::Schema(format!("{}: {e}", page_file.display())))?;
    }
    Ok(Written {
        schema,
        page: page_file,
        changed,
        warnings,
    })
}

/// Every kept event page: `schema/<service>/<version>/events/*.md`, sorted.
pub fn kept_event_pages(schema_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for service in super::sorted_dir(schema_dir)? {
        if !service.is_dir() {
            continue;
        }
        for version in super::sorted_dir(&service)? {
            let events = version.join("events");
            if !events.is_dir() {
                continue;
            }
            for file in super::sorted_dir(&events)? {
                if file.extension().is_some_and(|e| e == "md") {
                    out.push(file);
                }
            }
        }
    }
    Ok(out)
}

/// The drift check of every kept event page against its file.
pub fn check_events(schema_dir: &Path) -> Result<Vec<String>, ImportError> {
    let mut out = Vec::new();
    for page in kept_event_pages(schema_dir).map_err(|e| ImportError::Schema(e.to_string()))? {
        let schema = page.with_extension("yaml");
        let rel = schema
            .strip_prefix(schema_dir)
            .unwrap_or(&schema)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&page)
            .map_err(|e| ImportError::Schema(format!("{}: {e}", page.display())))?;
        let Some(old) = read_tree(&schema)? else {
            out.push(format!(
                "{rel}: missing (its page is kept; run `cargo xtask docs import`)"
            ));
            continue;
        };
        match import_event_page(&page.display().to_string(), &text, Some(&old)) {
            Ok((_, tree, _, orphans)) => {
                out.extend(
                    event_drift(&old, &tree)
                        .into_iter()
                        .map(|f| format!("{rel}: {f}")),
                );
                out.extend(orphans.into_iter().map(|o| format!("{rel}: {o}")));
            }
            Err(ImportError::Page(errors)) => out.extend(errors.iter().map(|e| e.to_string())),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

fn read_tree(path: &Path) -> Result<Option<Node>, ImportError> {
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| ImportError::Schema(format!("{}: {e}", path.display())))?;
    Node::parse_yaml(&text)
        .map(Some)
        .map_err(|e| ImportError::Schema(format!("{}: {e}", path.display())))
}
