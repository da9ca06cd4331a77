//! The sandbox keeps its own code, written from the pages, and the schema keeps the pages' facts:
//! two copies of the rate limits and of the allowed values, which this test holds together. It
//! reads the sandbox's sources (its `Limit` and `&[&str]` constants, and which limits each
//! endpoint's `call(..)` applies) and the schema, and names every difference.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use feishu_perf_codegen::ir::{Api, TypeKind};
use feishu_perf_codegen::load::load_dir;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// What one sandbox source file declares.
#[derive(Default, Debug)]
struct SandboxFile {
    /// `const LIST: &str = "performance.v1.semester.list"`: name → endpoint id.
    ids: BTreeMap<String, String>,
    /// `const LIMIT: Limit = Limit::PerMinute(10)`: name → `10/min`.
    limits: BTreeMap<String, String>,
    /// `const TYPES: &[&str] = &[..]`: name → values.
    lists: BTreeMap<String, Vec<String>>,
    /// Each `call(&state, ID, &[LIMIT, ..], ..)`: the endpoint's constant and its limits'.
    calls: Vec<(String, Vec<String>)>,
    /// Each `call(&state, endpoint, &[..], ..)` of a helper that serves several endpoints
    /// (whose ids other files declare): the limits it applies.
    helper_calls: Vec<Vec<String>>,
}

fn literal_str(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

fn read_sandbox_file(path: &Path) -> SandboxFile {
    let text = std::fs::read_to_string(path).unwrap();
    let syntax = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = SandboxFile::default();
    for item in &syntax.items {
        let syn::Item::Const(c) = item else { continue };
        let name = c.ident.to_string();
        match &*c.expr {
            syn::Expr::Lit(_) => {
                if let Some(id) = literal_str(&c.expr)
                    .filter(|v| v.starts_with("performance.") || v.starts_with("okr."))
                {
                    out.ids.insert(name, id);
                }
            }
            syn::Expr::Call(call) => {
                let func = quote::ToTokens::to_token_stream(&call.func).to_string();
                let n = call
                    .args
                    .first()
                    .map(|a| quote::ToTokens::to_token_stream(a).to_string());
                if let Some(n) = n {
                    if func.ends_with("PerMinute") {
                        out.limits.insert(name, format!("{n}/min"));
                    } else if func.ends_with("PerSecond") {
                        out.limits.insert(name, format!("{n}/s"));
                    }
                }
            }
            syn::Expr::Reference(r) => {
                if let syn::Expr::Array(array) = &*r.expr {
                    let values: Option<Vec<String>> = array.elems.iter().map(literal_str).collect();
                    if let Some(values) = values {
                        out.lists.insert(name, values);
                    }
                }
            }
            _ => {}
        }
    }
    // `call(&state, ID, &[LIMIT, ..], ...)`, however rustfmt wrapped it.
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let pattern =
        regex_lite::Regex::new(r"\bcall\( ?&state, ([A-Za-z_][A-Za-z0-9_]*), &\[([A-Z0-9_, ]*)\]")
            .unwrap();
    for caps in pattern.captures_iter(&flat) {
        let limits: Vec<String> = caps[2]
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if caps[1].starts_with(|c: char| c.is_ascii_lowercase()) {
            out.helper_calls.push(limits);
        } else {
            out.calls.push((caps[1].to_owned(), limits));
        }
    }
    out
}

fn sandbox_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sandbox_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The schema's facts per endpoint id: its rate limit, and the allowed values of every string
/// enumeration its types use (by the enum's Rust name).
struct SchemaFacts {
    limits: BTreeMap<String, String>,
    enums: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

fn schema_facts(api: &Api) -> SchemaFacts {
    let mut limits = BTreeMap::new();
    let mut enums = BTreeMap::new();
    for v in &api.versions {
        let shared: BTreeMap<String, Vec<String>> = v
            .shared_types
            .iter()
            .filter_map(|t| match &t.kind {
                TypeKind::Enum(values) => Some((
                    t.rust_name.clone(),
                    values.iter().map(|(w, _, _)| w.clone()).collect(),
                )),
                TypeKind::Object(_) => None,
            })
            .collect();
        for e in &v.endpoints {
            let id = format!(
                "{}.{}.{}.{}",
                v.service, v.version, e.source.resource, e.source.operation
            );
            if let Some(r) = &e.source.rate_limit {
                let limit = match (r.per_minute, r.per_second) {
                    (Some(n), _) => format!("{n}/min"),
                    (None, Some(n)) => format!("{n}/s"),
                    (None, None) => continue,
                };
                limits.insert(id.clone(), limit);
            }
            let mut own = shared.clone();
            for t in &e.types {
                if let TypeKind::Enum(values) = &t.kind {
                    own.insert(
                        t.rust_name.clone(),
                        values.iter().map(|(w, _, _)| w.clone()).collect(),
                    );
                }
            }
            enums.insert(id, own);
        }
    }
    SchemaFacts { limits, enums }
}

/// Every difference between the sandbox's limits and lists of allowed values and the schema's.
fn differences(root: &Path) -> Vec<String> {
    let api = load_dir(&root.join("schema")).unwrap_or_else(|e| panic!("{e}"));
    let facts = schema_facts(&api);
    let mut files = Vec::new();
    sandbox_files(&root.join("sandbox/src"), &mut files);
    files.sort();
    let mut out = Vec::new();
    let mut served = BTreeSet::new();
    let read: Vec<(String, SandboxFile)> = files
        .iter()
        .map(|path| {
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            (rel, read_sandbox_file(path))
        })
        .collect();
    // The limits the helpers apply (a helper serves the endpoints whose files declare an id
    // and call no `call` of their own).
    let helper_limits: BTreeSet<Vec<String>> = read
        .iter()
        .flat_map(|(_, f)| {
            f.helper_calls.iter().map(|limits| {
                limits
                    .iter()
                    .filter_map(|c| f.limits.get(c).cloned())
                    .collect()
            })
        })
        .collect();
    for (rel, file) in &read {
        let mut file_calls = file.calls.clone();
        for (name, id) in &file.ids {
            if file.calls.iter().any(|(c, _)| c == name) {
                continue;
            }
            let (Some(limits), 1) = (helper_limits.iter().next(), helper_limits.len()) else {
                out.push(format!(
                    "{rel}: {id}: declared, but no `call` here and no one helper limit to serve it (helpers apply {helper_limits:?})"
                ));
                continue;
            };
            served.insert(id.clone());
            if facts
                .limits
                .get(id)
                .map(|l| vec![l.clone()])
                .unwrap_or_default()
                != *limits
            {
                out.push(format!(
                    "{rel}: {id}: the sandbox's helper limits it to {}, the schema to {}",
                    if limits.is_empty() {
                        "nothing documented".to_owned()
                    } else {
                        limits.join(" and ")
                    },
                    facts
                        .limits
                        .get(id)
                        .map_or("nothing (no documented limit)", String::as_str)
                ));
            }
            file_calls.retain(|(c, _)| c != name);
        }
        // Limits: what each endpoint's call applies against what its page documents.
        let mut ids_here = Vec::new();
        for (id_const, limit_consts) in &file_calls {
            let Some(id) = file.ids.get(id_const) else {
                continue;
            };
            served.insert(id.clone());
            ids_here.push(id.clone());
            let sandbox: Vec<&String> = limit_consts
                .iter()
                .filter_map(|c| file.limits.get(c))
                .collect();
            match (facts.limits.get(id), sandbox.as_slice()) {
                (Some(schema), [one]) if *one == schema => {}
                (None, []) => {}
                (schema, sandbox) => out.push(format!(
                    "{rel}: {id}: the sandbox limits it to {}, the schema to {}",
                    if sandbox.is_empty() {
                        "nothing documented".to_owned()
                    } else {
                        sandbox
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(" and ")
                    },
                    schema.map_or("nothing (no documented limit)", String::as_str)
                )),
            }
        }
        // Allowed values: each list of the file against the schema enumeration of the file's
        // endpoints that shares most values with it.
        for (name, values) in &file.lists {
            let sandbox: BTreeSet<&str> = values.iter().map(String::as_str).collect();
            let best = ids_here
                .iter()
                .filter_map(|id| facts.enums.get(id))
                .flat_map(|enums| enums.iter())
                .map(|(enum_name, allowed)| {
                    let schema: BTreeSet<&str> = allowed.iter().map(String::as_str).collect();
                    (sandbox.intersection(&schema).count(), enum_name, schema)
                })
                .filter(|(common, _, _)| *common > 0)
                .max_by_key(|(common, enum_name, _)| (*common, std::cmp::Reverse(*enum_name)));
            let Some((_, enum_name, schema)) = best else {
                continue;
            };
            for v in sandbox.difference(&schema) {
                out.push(format!(
                    "{rel}: {name} allows `{v}`, which the schema's {enum_name} does not list"
                ));
            }
            for v in schema.difference(&sandbox) {
                out.push(format!(
                    "{rel}: {name} lacks `{v}`, which the schema's {enum_name} allows"
                ));
            }
        }
    }
    for id in facts.enums.keys() {
        if !served.contains(id) {
            out.push(format!("{id}: the sandbox serves no such endpoint"));
        }
    }
    out
}

#[test]
fn the_sandbox_applies_the_schemas_limits_and_allowed_values() {
    let differences = differences(&workspace());
    assert!(
        differences.is_empty(),
        "the sandbox and the schema differ:\n{}",
        differences.join("\n")
    );
}

/// The test finds what it is for: a copy of the tree whose sandbox drops a value, changes a
/// limit, and whose schema changes another limit, shows each.
#[test]
fn each_kind_of_difference_is_named() {
    let root = workspace();
    let scratch = std::env::temp_dir().join(format!("sandbox-agreement-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    copy(&root.join("schema"), &scratch.join("schema"));
    copy(&root.join("sandbox/src"), &scratch.join("sandbox/src"));
    let semester = scratch.join("sandbox/src/performance/v1/semester.rs");
    let text = std::fs::read_to_string(&semester).unwrap();
    let edited = text
        .replace("    \"Bimonth\",\n", "")
        .replace("Limit::PerMinute(10)", "Limit::PerMinute(12)");
    assert_ne!(
        edited, text,
        "the sandbox's semester list has the edited facts"
    );
    std::fs::write(&semester, edited).unwrap();
    let tag = scratch.join("schema/performance/v2/metric_tag.list.yaml");
    let yaml = std::fs::read_to_string(&tag).unwrap();
    assert!(yaml.contains("per_second: 10"), "{yaml}");
    std::fs::write(&tag, yaml.replace("per_second: 10", "per_second: 5")).unwrap();
    let found = differences(&scratch);
    std::fs::remove_dir_all(&scratch).unwrap();
    assert_eq!(
        found,
        [
            "sandbox/src/performance/v1/semester.rs: performance.v1.semester.list: the sandbox limits it to 12/min, the schema to 10/min",
            "sandbox/src/performance/v1/semester.rs: TYPE_GROUPS lacks `Bimonth`, which the schema's TypeGroup allows",
            "sandbox/src/performance/v2/metric_tag.rs: performance.v2.metric_tag.list: the sandbox limits it to 10/s, the schema to 5/s",
        ]
    );
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
