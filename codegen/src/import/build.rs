//! A [`Page`] as the tree of its schema file (page facts only; annotations are
//! merged in afterwards by [`super::merge`]).

use std::collections::{BTreeMap, BTreeSet};

use super::page::{Page, PageError, Pos, Row, Rule};
use super::tree::Node;
use crate::naming::{is_keyword, is_snake_case, pascal_case};

/// Where an endpoint's schema file goes: `schema/<service>/<version>/<resource>.<operation>.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `performance`.
    pub service: String,
    /// `v2`.
    pub version: String,
    /// `metric_detail`.
    pub resource: String,
    /// `import`.
    pub operation: String,
}

impl Target {
    /// `performance/v2/metric_detail.import` (add `.yaml` or `.md`).
    pub fn stem(&self) -> String {
        format!(
            "{}/{}/{}.{}",
            self.service, self.version, self.resource, self.operation
        )
    }

    /// Service and version from the URL, resource and operation from the portal path's last two parts.
    pub fn of_page(name: &str, page: &Page) -> Result<Target, PageError> {
        let err = |pos: Pos, message: String| PageError {
            page: name.to_owned(),
            line: pos.line.max(1),
            column: pos.column.max(1),
            message,
        };
        let parts: Vec<&str> = page.path.split('/').collect();
        let (service, version) = match parts.as_slice() {
            ["", "open-apis", service, version, _, ..]
                if is_snake_case(service) && version.starts_with('v') =>
            {
                (service.to_string(), version.to_string())
            }
            _ => {
                return Err(err(
                    page.path_pos,
                    format!(
                        "no service and version in the URL `{}` (expected /open-apis/<service>/v<n>/...)",
                        page.path
                    ),
                ));
            }
        };
        let segments: Vec<String> = page
            .full_path
            .rsplit('/')
            .take(2)
            .map(|s| s.replace('-', "_"))
            .collect();
        match segments.as_slice() {
            [operation, resource] if is_snake_case(resource) && is_snake_case(operation) => {
                Ok(Target {
                    service,
                    version,
                    resource: resource.clone(),
                    operation: operation.clone(),
                })
            }
            _ => Err(err(
                Pos { line: 1, column: 1 },
                format!(
                    "no resource and operation in the portal path `{}`",
                    page.full_path
                ),
            )),
        }
    }
}

/// What the importer knows besides the page.
#[derive(Debug, Default)]
pub struct Context<'a> {
    /// The endpoint's schema file today, if there is one.
    pub existing: Option<&'a Node>,
    /// The version's `_shared.yaml`, if there is one.
    pub shared: Option<&'a Node>,
    /// Type names the version's other endpoint files define.
    pub taken: BTreeSet<String>,
}

/// Which side of the call a row is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

struct ObjectDef {
    description: String,
    fields: Vec<Node>,
    side: Side,
    line: usize,
}

struct EnumDef {
    description: String,
    values: Vec<(String, String)>,
    line: usize,
}

struct Builder<'a> {
    name: &'a str,
    cx: &'a Context<'a>,
    target: &'a Target,
    objects: Vec<(String, ObjectDef)>,
    enums: Vec<(String, EnumDef)>,
    /// Field names whose value lists differ somewhere on the page: their enums are named after their owner too.
    clashing_enums: BTreeSet<String>,
    errors: Vec<PageError>,
    warnings: Vec<String>,
}

/// The schema file's tree for `page`, and the importer's remarks.
pub fn build(
    name: &str,
    page: &Page,
    target: &Target,
    cx: &Context,
) -> Result<(Node, Vec<String>), Vec<PageError>> {
    let mut b = Builder {
        name,
        cx,
        target,
        objects: Vec::new(),
        enums: Vec::new(),
        clashing_enums: BTreeSet::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    b.find_clashing_enums(page);
    let tree = b.endpoint(page);
    if b.errors.is_empty() {
        Ok((tree, b.warnings))
    } else {
        b.errors.sort();
        b.errors.dedup();
        Err(b.errors)
    }
}

fn map(entries: Vec<(&str, Node)>) -> Node {
    Node::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

impl<'a> Builder<'a> {
    fn error(&mut self, pos: Pos, message: String) {
        self.errors.push(PageError {
            page: self.name.to_owned(),
            line: pos.line.max(1),
            column: pos.column.max(1),
            message,
        });
    }

    fn endpoint(&mut self, page: &Page) -> Node {
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

    /// One row as a field, defining the named types it uses.
    fn field(&mut self, row: &Row, owner: &str, side: Side, path_param: bool) -> Node {
        let mut f: Vec<(&str, Node)> = vec![("name", Node::str(&row.name))];
        let rust = rust_field_name(&row.name);
        if rust != row.name {
            f.push(("rust_name", Node::str(rust)));
        }
        let (base, array) = match row.ty.strip_suffix("[]") {
            Some(b) => (b.trim(), true),
            None => (row.ty.as_str(), false),
        };
        let scalar = scalar_type(base);
        let ty_name: String = if !row.children.is_empty() {
            if scalar.is_some() || base == "-" {
                self.error(
                    row.ty_pos,
                    format!(
                        "`{}` has nested rows but its type `{}` is not an object",
                        row.name, row.ty
                    ),
                );
                base.to_owned()
            } else {
                self.object(row, owner, base, side)
            }
        } else if let Some(s) = scalar {
            match (&row.desc.values, s) {
                (Some((values, pos)), "string") => self.enumeration(row, owner, values, *pos),
                _ => s.to_owned(),
            }
        } else if self.shared_type(base).is_some() {
            base.to_owned()
        } else {
            self.error(
                row.ty_pos,
                format!(
                    "type `{}` of `{}` has no fields on the page",
                    row.ty, row.name
                ),
            );
            base.to_owned()
        };
        let ty = if array {
            format!("{ty_name}[]")
        } else {
            ty_name
        };
        f.push(("type", Node::str(&ty)));
        if path_param || row.required == Some(true) {
            f.push(("required", Node::Bool(true)));
        }
        if owner == "query" && row.name == "client_token" {
            f.push(("idempotency_key", Node::Bool(true)));
        }
        f.push(("description", Node::str(&row.desc.text)));
        let value_kind = if array {
            "array"
        } else {
            scalar.unwrap_or("object")
        };
        if let Some((example, _)) = &row.desc.example {
            f.push(("example", typed_value(example, value_kind)));
        }
        if let Some((default, _)) = &row.desc.default {
            f.push(("default", typed_value(default, value_kind)));
        }
        for (rule, _) in &row.desc.rules {
            match rule {
                // A length is never below zero: `最大长度` alone is the range 0..max.
                Rule::Length(min, max) => f.push(("length", bounds(Some(min.unwrap_or(0)), *max))),
                Rule::Range(min, max) => f.push(("range", bounds(*min, *max))),
                Rule::Pattern(p) => f.push(("pattern", Node::str(p))),
            }
        }
        if let Some((values, _)) = &row.desc.values
            && scalar != Some("string")
        {
            // Allowed values of a number or boolean: kept on the field itself.
            f.push(("values", values_node(values)));
        }
        map(f)
    }

    /// Names, checks and defines the object type of a row with nested rows.
    fn object(&mut self, row: &Row, owner: &str, page_name: &str, side: Side) -> String {
        let mut name = match self.existing_type_of(owner, &row.name) {
            Some(kept) => kept,
            None => page_name.to_owned(),
        };
        if let Some(shared) = self.shared_type(&name) {
            let fields: Vec<Node> = row
                .children
                .iter()
                .map(|c| self.field(c, &name, side, false))
                .collect();
            let shared_fields = shared.get("fields").map(Node::as_seq).unwrap_or_default();
            if shape(shared_fields) == shape(&fields) {
                let differ: Vec<String> = fields
                    .iter()
                    .zip(shared_fields)
                    .filter(|(a, b)| a.get("description") != b.get("description"))
                    .map(|(a, _)| format!("{:?}", a.get_str("description").unwrap_or_default()))
                    .collect();
                if !differ.is_empty() {
                    self.warnings.push(format!(
                        "line {}: `{}` uses the shared type `{name}`, whose own descriptions stand for the page's {}",
                        row.pos.line,
                        row.name,
                        differ.join(", ")
                    ));
                }
                return name;
            }
            self.error(
                row.ty_pos,
                format!(
                    "type `{name}` has other fields here than in {}/{}/_shared.yaml",
                    self.target.service, self.target.version
                ),
            );
            return name;
        }
        if self.cx.taken.contains(&name) && !self.objects.iter().any(|(n, _)| *n == name) {
            let renamed = self.unclaimed(&name);
            self.warnings.push(format!(
                "type `{name}` is defined by another endpoint of {}/{}: this page's is named `{renamed}`",
                self.target.service, self.target.version
            ));
            name = renamed;
        }
        match self.objects.iter().position(|(n, _)| *n == name) {
            None => {
                // The slot is taken before the nested types, so types are listed outside in.
                let at = self.objects.len();
                self.objects.push((
                    name.clone(),
                    ObjectDef {
                        description: row.desc.text.clone(),
                        fields: Vec::new(),
                        side,
                        line: row.pos.line,
                    },
                ));
                let fields: Vec<Node> = row
                    .children
                    .iter()
                    .map(|c| self.field(c, &name, side, false))
                    .collect();
                self.objects[at].1.fields = fields;
            }
            Some(i) => {
                let fields: Vec<Node> = row
                    .children
                    .iter()
                    .map(|c| self.field(c, &name, side, false))
                    .collect();
                self.merge_object(i, row, fields, side);
            }
        }
        name
    }

    /// The same type again on the page: it must have the same fields; a response
    /// may describe a field in other words (kept as `response_description`).
    fn merge_object(&mut self, i: usize, row: &Row, fields: Vec<Node>, side: Side) {
        let (name, first) = &self.objects[i];
        if shape(&first.fields) != shape(&fields) {
            let message = format!(
                "type `{name}` appears again with other fields than on line {}",
                first.line
            );
            self.error(row.ty_pos, message);
            return;
        }
        let first_side = first.side;
        let first_line = first.line;
        let name = name.clone();
        let mut problems = Vec::new();
        let mut merged = self.objects[i].1.fields.clone();
        for (a, b) in merged.iter_mut().zip(&fields) {
            let field = a.get_str("name").unwrap_or_default().to_owned();
            let Node::Map(entries) = b else { continue };
            for (k, v) in entries {
                let same = a.get(k) == Some(v);
                match k.as_str() {
                    _ if same => {}
                    "description" if v.as_str().unwrap_or_default().is_empty() => {}
                    "description"
                        if first_side == Side::Request
                            && side == Side::Response
                            && a.get("response_description").is_none() =>
                    {
                        insert_after(a, "description", "response_description", v.clone());
                    }
                    "description" => {
                        // The same type described in other words elsewhere on the page.
                        if a.get("response_description") == Some(v) {
                            continue;
                        }
                        let after = if a.get("response_description").is_some() {
                            "response_description"
                        } else {
                            "description"
                        };
                        match a.get_mut("other_descriptions") {
                            Some(Node::Seq(list)) => {
                                if !list.contains(v) {
                                    list.push(v.clone());
                                }
                            }
                            _ => insert_after(a, after, "other_descriptions", Node::Seq(vec![v.clone()])),
                        }
                    }
                    _ => problems.push(format!(
                        "`{name}.{field}`: `{k}` differs from the type's first appearance on line {first_line}"
                    )),
                }
            }
        }
        for p in problems {
            self.error(row.ty_pos, p);
        }
        self.objects[i].1.fields = merged;
    }

    fn enumeration(
        &mut self,
        row: &Row,
        owner: &str,
        values: &[(String, String)],
        pos: Pos,
    ) -> String {
        let derived = if self.clashing_enums.contains(&row.name) {
            format!("{}_{}", snake(owner), snake(&row.name))
        } else {
            snake(&row.name)
        };
        let mut name = self.existing_type_of(owner, &row.name).unwrap_or(derived);
        if let Some(shared) = self.shared_type(&name) {
            let shared_values: Vec<&str> = shared
                .get("values")
                .map(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v.get_str("value"))
                .collect();
            if shared_values
                .iter()
                .copied()
                .eq(values.iter().map(|(v, _)| v.as_str()))
            {
                let shared_descriptions: Vec<&str> = shared
                    .get("values")
                    .map(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|v| v.get_str("description"))
                    .collect();
                if !shared_descriptions
                    .iter()
                    .copied()
                    .eq(values.iter().map(|(_, d)| d.as_str()))
                {
                    self.warnings.push(format!(
                        "line {}: `{}` uses the shared type `{name}`, whose own descriptions of its values stand for the page's",
                        pos.line, row.name
                    ));
                }
                return name;
            }
            let renamed = format!("{}_{name}", snake(owner));
            self.warnings.push(format!(
                "`{}` lists other values than the shared type `{name}`: named `{renamed}`",
                row.name
            ));
            name = renamed;
        }
        if self.cx.taken.contains(&name) && !self.enums.iter().any(|(n, _)| *n == name) {
            let renamed = self.unclaimed(&name);
            self.warnings.push(format!(
                "type `{name}` is defined by another endpoint of {}/{}: this page's is named `{renamed}`",
                self.target.service, self.target.version
            ));
            name = renamed;
        }
        match self.enums.iter().find(|(n, _)| *n == name) {
            None => self.enums.push((
                name.clone(),
                EnumDef {
                    description: row.desc.text.clone(),
                    values: values.to_vec(),
                    line: pos.line,
                },
            )),
            Some((_, def)) if def.values == values => {}
            Some((_, def)) => {
                let message = format!(
                    "`{}` lists other values than type `{name}` on line {}",
                    row.name, def.line
                );
                self.error(pos, message);
            }
        }
        name
    }

    /// Field names with value lists that differ between their appearances on the page.
    fn find_clashing_enums(&mut self, page: &Page) {
        fn walk(rows: &[Row], seen: &mut BTreeMap<String, Vec<Vec<String>>>) {
            for r in rows {
                if let Some((values, _)) = &r.desc.values {
                    let list: Vec<String> = values.iter().map(|(v, _)| v.clone()).collect();
                    let entry = seen.entry(r.name.clone()).or_default();
                    if !entry.contains(&list) {
                        entry.push(list);
                    }
                }
                walk(&r.children, seen);
            }
        }
        let mut seen = BTreeMap::new();
        walk(&page.query, &mut seen);
        walk(&page.path_params, &mut seen);
        walk(&page.body, &mut seen);
        if let Some(d) = &page.data {
            walk(&d.children, &mut seen);
        }
        self.clashing_enums = seen
            .into_iter()
            .filter(|(_, lists)| lists.len() > 1)
            .map(|(k, _)| k)
            .collect();
    }

    /// The type name the schema gives today to `owner.field`, when it is a named type:
    /// names are the maintainers' choice and survive a re-import.
    fn existing_type_of(&self, owner: &str, field: &str) -> Option<String> {
        let old = self.cx.existing?;
        let fields = match owner {
            "path" => old.get("path_params")?,
            "query" => old.get("query")?,
            "body" => old.get("request_body")?.get("fields")?,
            "response" => old.get("response_body")?.get("fields")?,
            ty => old
                .get("types")?
                .as_seq()
                .iter()
                .find(|t| t.get_str("name") == Some(ty))?
                .get("fields")?,
        };
        let ty = fields
            .as_seq()
            .iter()
            .find(|f| f.get_str("name") == Some(field))?
            .get_str("type")?;
        let base = ty.strip_suffix("[]").unwrap_or(ty);
        let defined = old
            .get("types")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .any(|t| t.get_str("name") == Some(base))
            || self.shared_type(base).is_some();
        (scalar_type(base).is_none() && defined).then(|| base.to_owned())
    }

    /// A name for this page's type `name` that no other endpoint of the version
    /// defines: prefixed with the resource (`metric_lib_user`), then with the
    /// resource and operation (`stage_task_find_by_user_list_user`) when another
    /// endpoint of the same resource took that too. A name that already starts
    /// with the resource takes the operation instead
    /// (`additional_information` in a query: `query_additional_information`).
    fn unclaimed(&self, name: &str) -> String {
        let (resource, operation) = (&self.target.resource, &self.target.operation);
        let candidates = if name == resource || name.starts_with(&format!("{resource}_")) {
            vec![format!("{operation}_{name}")]
        } else {
            vec![
                format!("{resource}_{name}"),
                format!("{resource}_{operation}_{name}"),
            ]
        };
        let mut candidates = candidates.into_iter();
        let mut last = String::new();
        for candidate in candidates.by_ref() {
            if !self.cx.taken.contains(&candidate) {
                return candidate;
            }
            last = candidate;
        }
        // Every candidate taken: number the last one.
        (2..)
            .map(|n| format!("{last}_{n}"))
            .find(|c| !self.cx.taken.contains(c))
            .expect("a free name exists")
    }

    fn shared_type(&self, name: &str) -> Option<&'a Node> {
        self.cx
            .shared?
            .get("types")?
            .as_seq()
            .iter()
            .find(|t| t.get_str("name") == Some(name))
    }
}

/// The wire names and types of a list of fields.
fn shape(fields: &[Node]) -> Vec<(Option<&str>, Option<&str>)> {
    fields
        .iter()
        .map(|f| (f.get_str("name"), f.get_str("type")))
        .collect()
}

fn insert_after(node: &mut Node, after: &str, key: &str, value: Node) {
    if let Node::Map(entries) = node {
        let at = entries
            .iter()
            .position(|(k, _)| k == after)
            .map_or(entries.len(), |i| i + 1);
        entries.insert(at, (key.to_owned(), value));
    }
}

fn values_node(values: &[(String, String)]) -> Node {
    Node::Seq(
        values
            .iter()
            .map(|(v, d)| map(vec![("value", Node::str(v)), ("description", Node::str(d))]))
            .collect(),
    )
}

fn bounds(min: Option<i64>, max: Option<i64>) -> Node {
    let mut b = Vec::new();
    if let Some(min) = min {
        b.push(("min", Node::Num(min.into())));
    }
    if let Some(max) = max {
        b.push(("max", Node::Num(max.into())));
    }
    map(b)
}

/// The schema's scalar type for a page's type, if it is a scalar.
fn scalar_type(page_type: &str) -> Option<&'static str> {
    Some(match page_type {
        "string" => "string",
        "int" | "int32" | "int64" | "integer" => "integer",
        "number(float)" | "float" | "double" | "number" | "number(double)" => "number",
        "boolean" | "bool" => "boolean",
        "file" => "file",
        _ => return None,
    })
}

/// A value as written on the page, read according to its field's type.
fn typed_value(text: &str, kind: &str) -> Node {
    let parsed = serde_json::from_str::<serde_json::Value>(text).ok();
    match (kind, parsed) {
        ("string" | "file", Some(serde_json::Value::String(s))) => Node::Str(s),
        ("integer" | "number", Some(v @ serde_json::Value::Number(_))) => Node::from_json(&v),
        ("boolean", Some(v @ serde_json::Value::Bool(_))) => Node::from_json(&v),
        ("array", Some(v @ serde_json::Value::Array(_))) => Node::from_json(&v),
        ("object", Some(v @ serde_json::Value::Object(_))) => Node::from_json(&v),
        // Written without quotes, or not of the field's type: kept as written.
        _ => Node::str(text),
    }
}

/// The pagination of a list endpoint: the response's one array, when the query
/// pages with `page_token`/`page_size` and the response answers `has_more`/`page_token`.
fn pagination(request: &[Node], response: &[Node]) -> Option<String> {
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
fn template_path(path: &str) -> String {
    path.split('/')
        .map(|s| match s.strip_prefix(':') {
            Some(p) => format!("{{{p}}}"),
            None => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The Rust name for a wire name: itself when it is a usable snake_case identifier.
fn rust_field_name(wire: &str) -> String {
    let s = snake(wire);
    if is_keyword(&s) { format!("{s}_") } else { s }
}

/// `indentLevel` → `indent_level`; anything but letters and digits separates words.
pub(crate) fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = true;
        } else {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{out}")
    } else {
        out
    }
}

/// The error's variant name, from its message: `invalid semester ID` → `InvalidSemesterId`.
fn error_name(message: &str, code: i64) -> String {
    let mut name = String::new();
    let message = message.replace(['\'', '’'], "");
    for word in message.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    if name.is_empty()
        || name.starts_with(|c: char| c.is_ascii_digit())
        || matches!(name.as_str(), "Platform" | "Unknown")
    {
        format!("Error{code}")
    } else {
        name
    }
}

/// The date the portal shows for a timestamp: Beijing time (UTC+8), `YYYY-MM-DD`.
pub fn beijing_date(ms: u64) -> String {
    let days = ((ms / 1000 + 8 * 3600) / 86_400) as i64;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_beijing_time() {
        assert_eq!(beijing_date(1_750_859_223_000), "2025-06-25");
        assert_eq!(beijing_date(1_751_526_502_000), "2025-07-03");
        // 2024-12-31T16:00:00Z is already 2025-01-01 in Beijing.
        assert_eq!(beijing_date(1_735_660_800_000), "2025-01-01");
        assert_eq!(beijing_date(1_735_660_799_000), "2024-12-31");
    }

    #[test]
    fn names() {
        assert_eq!(snake("indentLevel"), "indent_level");
        assert_eq!(snake("zh-CN"), "zh_cn");
        assert_eq!(rust_field_name("type"), "type_");
        assert_eq!(error_name("invalid semester ID", 1), "InvalidSemesterId");
        assert_eq!(
            error_name("reviewee's metrics not found", 1),
            "RevieweesMetricsNotFound"
        );
        assert_eq!(error_name("", 1580101), "Error1580101");
    }
}
