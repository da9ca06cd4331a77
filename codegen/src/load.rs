//! Reads `schema/`, checks it, and resolves it into the resolved model, [`crate::ir`].
//!
//! Every problem is reported as `file:line:column: message`, and all of them
//! are reported at once: syntax errors, unknown or missing keys and wrong
//! types (from serde-saphyr), then the checks no deserialiser can make (a type
//! referenced but never defined, duplicate names, a path parameter missing
//! from the path, ...).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::ir::{self, Api, ServiceVersion, Ty, TypeKind};
use crate::model::{self, EndpointFile, PlatformFile, SharedFile, Spanned};
use crate::naming::{is_pascal_case, is_snake_case, pascal_case};

mod errors;
mod events;
mod fields;

/// One problem in one schema file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The file, relative to the schema directory (`performance/v2/metric_detail.import.yaml`).
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
    /// What is wrong.
    pub message: String,
}

/// Marks every object type a response of the version can hold, through any
/// depth of nesting ([`ir::TypeDef::in_response`]).
fn mark_response_types(version: &mut ServiceVersion) {
    fn object_names(ty: &Ty, out: &mut Vec<String>) {
        match ty {
            Ty::Object(name) => out.push(name.clone()),
            Ty::Array(inner) => object_names(inner, out),
            _ => {}
        }
    }
    let fields_of = |name: &str, version: &ServiceVersion| -> Vec<Ty> {
        version
            .shared_types
            .iter()
            .chain(version.endpoints.iter().flat_map(|e| &e.types))
            .find(|t| t.rust_name == name)
            .map(|t| match &t.kind {
                TypeKind::Object(fields) => fields.iter().map(|f| f.ty.clone()).collect(),
                TypeKind::Enum(_) => Vec::new(),
            })
            .unwrap_or_default()
    };
    let mut pending = Vec::new();
    for e in &version.endpoints {
        for f in e.response_body.iter().flatten() {
            object_names(&f.ty, &mut pending);
        }
    }
    let mut reached = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if reached.insert(name.clone()) {
            for ty in fields_of(&name, version) {
                object_names(&ty, &mut pending);
            }
        }
    }
    let types = version
        .shared_types
        .iter_mut()
        .chain(version.endpoints.iter_mut().flat_map(|e| &mut e.types));
    for t in types {
        t.in_response = reached.contains(&t.rust_name);
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Every problem found in the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The problems, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// A schema file in memory: its path relative to the schema directory, and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative path with `/` separators.
    pub path: String,
    /// The YAML text.
    pub text: String,
}

/// Reads every `*.yaml` file under `dir`, sorted by path.
pub fn read_dir(dir: &Path) -> std::io::Result<Vec<SourceFile>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else if path.extension().is_some_and(|e| e == "yaml") {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push(SourceFile {
                    path: rel,
                    text: std::fs::read_to_string(&path)?,
                });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Loads and checks the schema directory.
pub fn load_dir(dir: &Path) -> Result<Api, LoadError> {
    let files = read_dir(dir).map_err(|e| LoadError {
        diagnostics: vec![Diagnostic {
            file: dir.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read the schema directory: {e}"),
        }],
    })?;
    load(&files)
}

/// Checks and resolves schema files.
pub fn load(files: &[SourceFile]) -> Result<Api, LoadError> {
    let mut cx = Cx::default();
    let mut platform: Option<PlatformFile> = None;
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    // Event files (`<service>/<version>/events/*.yaml`) are loaded on their own.
    let (event_files, files): (Vec<&SourceFile>, Vec<&SourceFile>) =
        files.iter().partition(|f| events::is_event_file(&f.path));

    // Output never depends on the order the files were read in.
    let mut files: Vec<&SourceFile> = files;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    // Parsing is the costly part and each file is independent: parse on every core.
    let parsed = crate::emit::parallel_map(&files, |file| parse_file(file));
    for (file, parsed) in files.iter().zip(parsed) {
        match parsed {
            Err(diagnostic) => cx.diagnostics.push(diagnostic),
            Ok(Parsed::Platform(p)) => platform = Some(p),
            Ok(Parsed::Shared {
                service,
                version,
                file: shared,
            }) => {
                cx.check_dir(&file.path, &shared.service, &service);
                cx.check_dir(&file.path, &shared.version, &version);
                let group = groups.entry((service, version)).or_default();
                group.shared = Some((file.path.clone(), shared));
            }
            Ok(Parsed::Endpoint {
                service,
                version,
                name,
                file: endpoint,
            }) => {
                cx.check_dir(&file.path, &endpoint.service, &service);
                cx.check_dir(&file.path, &endpoint.version, &version);
                let expected = format!("{}.{}.yaml", endpoint.resource, endpoint.operation);
                if name != expected {
                    cx.at(
                        &file.path,
                        &endpoint.name,
                        format!("file name `{name}` does not match resource and operation: expected `{expected}`"),
                    );
                }
                let group = groups.entry((service, version)).or_default();
                group.endpoints.push((file.path.clone(), endpoint));
            }
        }
    }

    let (platform_errors, pagination_errors) = match &platform {
        Some(p) => (
            cx.platform_table(&p.errors),
            cx.platform_table(&p.pagination_errors),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let mut versions: Vec<ServiceVersion> = groups
        .into_iter()
        .map(|((service, version), group)| cx.resolve_version(service, version, group))
        .collect();
    // Pagination codes join the own tables of the endpoints that paginate, after
    // the page's rows; a shared table is the family's as its source gives it.
    for e in versions.iter_mut().flat_map(|v| &mut v.endpoints) {
        if e.pagination.is_some() && e.shared_errors.is_none() {
            for row in &pagination_errors {
                if !e.errors.iter().any(|own| own.code == row.code) {
                    e.errors.push(row.clone());
                }
            }
        }
    }

    let events = cx.load_events(&event_files);
    if cx.diagnostics.is_empty() {
        Ok(Api {
            platform_errors,
            pagination_errors,
            versions,
            events,
        })
    } else {
        cx.diagnostics.sort();
        cx.diagnostics.dedup();
        Err(LoadError {
            diagnostics: cx.diagnostics,
        })
    }
}

/// One file, deserialised according to where it sits.
enum Parsed {
    Platform(PlatformFile),
    Shared {
        service: String,
        version: String,
        file: SharedFile,
    },
    Endpoint {
        service: String,
        version: String,
        name: String,
        file: Box<EndpointFile>,
    },
}

fn parse_file(file: &SourceFile) -> Result<Parsed, Diagnostic> {
    let parts: Vec<&str> = file.path.split('/').collect();
    match parts.as_slice() {
        ["platform.yaml"] => parse::<PlatformFile>(file).map(Parsed::Platform),
        [service, version, "_shared.yaml"] => parse::<SharedFile>(file).map(|shared| Parsed::Shared {
            service: service.to_string(),
            version: version.to_string(),
            file: shared,
        }),
        [service, version, name] if name.ends_with(".yaml") => parse::<EndpointFile>(file).map(|endpoint| Parsed::Endpoint {
            service: service.to_string(),
            version: version.to_string(),
            name: name.to_string(),
            file: Box::new(endpoint),
        }),
        _ => Err(Diagnostic {
            file: file.path.clone(),
            line: 1,
            column: 1,
            message: "unexpected schema file: expected `platform.yaml`, `<service>/<version>/_shared.yaml` or `<service>/<version>/<resource>.<operation>.yaml`".into(),
        }),
    }
}

fn parse<T: DeserializeOwned>(file: &SourceFile) -> Result<T, Diagnostic> {
    serde_saphyr::from_str::<T>(&file.text).map_err(|err| {
        let (line, column) = err
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        Diagnostic {
            file: file.path.clone(),
            line,
            column,
            message: saphyr_message(&err),
        }
    })
}

#[derive(Default)]
struct Group {
    shared: Option<(String, SharedFile)>,
    endpoints: Vec<(String, Box<EndpointFile>)>,
}

/// Where a named type was defined, and what it is.
struct Known {
    rust_name: String,
    is_enum: bool,
    /// The wire names of its fields, or its values, in the schema's order.
    members: Vec<String>,
    file: String,
    line: u64,
    column: u64,
}

#[derive(Default)]
struct Cx {
    diagnostics: Vec<Diagnostic>,
}

impl Cx {
    fn push(&mut self, file: &str, line: u64, column: u64, message: String) {
        self.diagnostics.push(Diagnostic {
            file: file.to_owned(),
            line,
            column,
            message,
        });
    }

    fn at<T>(&mut self, file: &str, spanned: &Spanned<T>, message: String) {
        let loc = spanned.referenced;
        self.push(file, loc.line(), loc.column(), message);
    }

    fn check_dir(&mut self, file: &str, declared: &Spanned<String>, dir: &str) {
        if declared.value != dir {
            self.at(
                file,
                declared,
                format!(
                    "`{}` does not match the directory `{dir}` the file is in",
                    declared.value
                ),
            );
        }
    }

    fn resolve_version(
        &mut self,
        service: String,
        version: String,
        group: Group,
    ) -> ServiceVersion {
        // Every type name of the version: shared ones and every endpoint's.
        let mut known: HashMap<String, Known> = HashMap::new();
        let shared_defs = group
            .shared
            .as_ref()
            .map(|(f, s)| (f.clone(), s.types.clone()));
        let all_defs = shared_defs
            .iter()
            .map(|(f, t)| (f.as_str(), t.as_slice()))
            .chain(
                group
                    .endpoints
                    .iter()
                    .map(|(f, e)| (f.as_str(), e.types.as_slice())),
            );
        for (file, defs) in all_defs {
            for def in defs {
                self.declare(file, def, &mut known);
            }
        }

        let mut endpoint_names: HashMap<String, String> = HashMap::new();
        let mut endpoints = Vec::new();
        for (file, src) in &group.endpoints {
            if !is_pascal_case(&src.name.value) {
                self.at(
                    file,
                    &src.name,
                    format!("endpoint name `{}` must be UpperCamelCase", src.name.value),
                );
            }
            if let Some(first) = endpoint_names.insert(src.name.value.clone(), file.clone()) {
                self.at(
                    file,
                    &src.name,
                    format!(
                        "duplicate endpoint name `{}` (also in {first})",
                        src.name.value
                    ),
                );
            }
            endpoints.push(self.resolve_endpoint(file, src, &known));
        }
        let error_tables = self.shared_error_tables(&group, &mut endpoints, &known);

        let shared_types = match &group.shared {
            Some((file, shared)) => shared
                .types
                .iter()
                .map(|d| self.resolve_type(file, d, &known))
                .collect(),
            None => Vec::new(),
        };
        let mut version = ServiceVersion {
            service,
            version,
            shared_file: group.shared.map(|(f, _)| f),
            shared_types,
            error_tables,
            endpoints,
        };
        mark_response_types(&mut version);
        version
    }

    fn declare(&mut self, file: &str, def: &model::TypeDef, known: &mut HashMap<String, Known>) {
        let name = &def.name;
        if !is_snake_case(&name.value) {
            self.at(
                file,
                name,
                format!(
                    "type name `{}` must be snake_case, as in the docs",
                    name.value
                ),
            );
        }
        match (&def.fields, &def.values) {
            (Some(_), None) | (None, Some(_)) => {}
            _ => self.at(file, name, format!(
                "type `{}` must have exactly one of `fields` (an object) or `values` (an enumeration)",
                name.value
            )),
        }
        if let Some(first) = known.get(&name.value) {
            let message = format!(
                "duplicate type `{}`: first defined at {}:{}:{}",
                name.value, first.file, first.line, first.column
            );
            self.at(file, name, message);
            return;
        }
        known.insert(
            name.value.clone(),
            Known {
                rust_name: pascal_case(&name.value),
                is_enum: def.values.is_some(),
                members: match (&def.fields, &def.values) {
                    (Some(fields), _) => fields.iter().map(|f| f.name.value.clone()).collect(),
                    (None, Some(values)) => values.iter().map(|v| v.value.value.clone()).collect(),
                    (None, None) => Vec::new(),
                },
                file: file.to_owned(),
                line: name.referenced.line(),
                column: name.referenced.column(),
            },
        );
    }

    fn resolve_type(
        &mut self,
        file: &str,
        def: &model::TypeDef,
        known: &HashMap<String, Known>,
    ) -> ir::TypeDef {
        let kind = if let Some(values) = &def.values {
            let mut seen = HashMap::new();
            let mut out = Vec::new();
            for v in values {
                let variant = pascal_case(&v.value.value);
                if variant.is_empty() || variant == "Unknown" {
                    self.at(
                        file,
                        &v.value,
                        format!("value `{}` cannot name an enum variant", v.value.value),
                    );
                }
                if let Some(first) = seen.insert(variant.clone(), v.value.value.clone()) {
                    self.at(
                        file,
                        &v.value,
                        format!(
                            "value `{}` gives the same variant `{variant}` as `{first}`",
                            v.value.value
                        ),
                    );
                }
                out.push((v.value.value.clone(), variant, v.description.clone()));
            }
            TypeKind::Enum(out)
        } else {
            TypeKind::Object(self.resolve_fields(
                file,
                def.fields.as_deref().unwrap_or_default(),
                known,
            ))
        };
        ir::TypeDef {
            wire_name: def.name.value.clone(),
            rust_name: pascal_case(&def.name.value),
            description: match &def.note {
                Some(note) => format!("{}\n\nNote: {note}", def.description.trim_end()),
                None => def.description.clone(),
            },
            kind,
            in_response: false,
        }
    }

    fn resolve_endpoint(
        &mut self,
        file: &str,
        src: &EndpointFile,
        known: &HashMap<String, Known>,
    ) -> ir::Endpoint {
        let types = src
            .types
            .iter()
            .map(|d| self.resolve_type(file, d, known))
            .collect();
        let path_params = self.resolve_fields(file, &src.path_params, known);
        let query = self.resolve_fields(file, &src.query, known);
        // A parameter is text on the wire: a scalar, an enumeration, or a list
        // of them (a repeated query key).
        for (f, ir) in src
            .path_params
            .iter()
            .zip(&path_params)
            .chain(src.query.iter().zip(&query))
        {
            let scalar = |t: &Ty| !matches!(t, Ty::Object(_) | Ty::Array(_));
            let fits = match &ir.ty {
                Ty::Array(inner) => scalar(inner),
                other => scalar(other),
            };
            if !fits {
                self.at(
                    file,
                    &f.name,
                    format!(
                        "a parameter is a scalar, an enumeration or a list of them, not `{}`",
                        f.ty.value
                    ),
                );
            }
        }
        let request_body = src
            .request_body
            .as_ref()
            .map(|b| self.resolve_fields(file, &b.fields, known));
        let response_body = src
            .response_body
            .as_ref()
            .map(|b| self.resolve_fields(file, &b.fields, known));

        // The path and its parameters must agree.
        let placeholders: BTreeSet<&str> = src
            .path
            .value
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        for p in &src.path_params {
            if !placeholders.contains(p.name.value.as_str()) {
                self.at(
                    file,
                    &p.name,
                    format!(
                        "path parameter `{}` does not appear in the path `{}`",
                        p.name.value, src.path.value
                    ),
                );
            }
        }
        for name in &placeholders {
            if !src.path_params.iter().any(|p| p.name.value == *name) {
                self.at(
                    file,
                    &src.path,
                    format!("`{{{name}}}` in the path has no entry in `path_params`"),
                );
            }
        }
        if !src.path.value.starts_with("/open-apis/") {
            self.at(
                file,
                &src.path,
                "the path must start with `/open-apis/`".into(),
            );
        }
        for p in src.path_params.iter().chain(&src.query) {
            if p.name.value == "body" {
                self.at(
                    file,
                    &p.name,
                    "a parameter cannot be named `body`: the request type uses that name".into(),
                );
            }
        }
        let idempotency: Vec<_> = src.query.iter().filter(|q| q.idempotency_key).collect();
        if idempotency.len() > 1 {
            self.at(
                file,
                &idempotency[1].name,
                "only one query parameter can be the `idempotency_key`".into(),
            );
        }

        if src.read_only && !src.sources.contains_key("read_only") {
            self.at(
                file,
                &src.name,
                "`read_only` is a decision: name its source under `sources: {read_only: ...}`"
                    .into(),
            );
        }
        if src.read_only && src.http_method != model::HttpMethod::POST {
            self.at(
                file,
                &src.name,
                "`read_only` marks a POST that only reads; other methods are classed by their method".into(),
            );
        }
        let pagination = src.pagination.as_ref().and_then(|p| {
            let has = |fields: &[ir::Field], name: &str, ty: Ty| {
                fields.iter().any(|f| f.wire_name == name && f.ty == ty)
            };
            let (carrier, place) = match p.tokens_in {
                model::TokensIn::Query => (query.as_slice(), "query parameter"),
                model::TokensIn::Body => {
                    (request_body.as_deref().unwrap_or_default(), "body field")
                }
            };
            // `page_size` is an integer, or a string on the endpoints whose
            // sources type it so (the OKR v1 metric-source lists).
            let needs: [(&str, &[Ty]); 2] = [
                ("page_token", &[Ty::String]),
                ("page_size", &[Ty::Integer, Ty::String]),
            ];
            for (name, types) in needs {
                if !types.iter().any(|ty| has(carrier, name, ty.clone())) {
                    self.at(
                        file,
                        &p.items,
                        format!("a paginated endpoint needs the {place} `{name}`"),
                    );
                }
            }
            let response = response_body.as_deref().unwrap_or_default();
            for (name, ty) in [("has_more", Ty::Boolean), ("page_token", Ty::String)] {
                if !has(response, name, ty) {
                    self.at(
                        file,
                        &p.items,
                        format!("a paginated endpoint's response needs the field `{name}`"),
                    );
                }
            }
            match response.iter().find(|f| f.wire_name == p.items.value) {
                Some(ir::Field {
                    ty: Ty::Array(item),
                    rust_name,
                    ..
                }) => Some((rust_name.clone(), (**item).clone())),
                _ => {
                    self.at(
                        file,
                        &p.items,
                        format!("`{}` is not an array field of the response", p.items.value),
                    );
                    None
                }
            }
        });

        ir::Endpoint {
            file: file.to_owned(),
            module: format!("{}_{}", src.resource, src.operation),
            name: src.name.value.clone(),
            source: src.clone(),
            path_params,
            query,
            request_body,
            response_body,
            types,
            errors: self.error_table(file, &src.errors),
            shared_errors: None,
            pagination,
        }
    }
}

/// serde-saphyr's message without the location it also renders.
fn saphyr_message(err: &serde_saphyr::Error) -> String {
    let text = err.to_string();
    let first = text.lines().next().unwrap_or_default().trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // serde-saphyr prefixes `line L column C: `; the diagnostic carries the location itself.
    let first = match first
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((position, message)) if position.contains(" column ") => message,
        _ => first,
    };
    first.to_owned()
}
