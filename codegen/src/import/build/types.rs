//! The named types rows refer to: objects (one a set of nested rows, the same
//! type again must have the same fields) and enums (value lists), named as the
//! schema names them today, after `_shared.yaml`, or with a prefix that no
//! other endpoint of the version claims.
use std::collections::BTreeMap;

use super::fields::scalar_type;
use super::names::snake;
use super::{Builder, EnumDef, ObjectDef, Side};
use crate::import::page::{Page, Pos, Row};
use crate::import::tree::Node;

impl<'a> Builder<'a> {
    /// Names, checks and defines the object type of a row with nested rows.
    pub(super) fn object(&mut self, row: &Row, owner: &str, page_name: &str, side: Side) -> String {
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
                // The page's own words for a member win over the shared type's:
                // the field keeps them (`member_descriptions`).
                self.member_text = fields
                    .iter()
                    .zip(shared_fields)
                    .filter_map(|(a, b)| {
                        let text = a.get_str("description").filter(|t| !t.is_empty())?;
                        (Some(text) != b.get_str("description")).then(|| {
                            (
                                a.get_str("name").unwrap_or_default().to_owned(),
                                text.to_owned(),
                            )
                        })
                    })
                    .collect();
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
    pub(super) fn merge_object(&mut self, i: usize, row: &Row, fields: Vec<Node>, side: Side) {
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

    pub(super) fn enumeration(
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
                // The page's own words for a value win over the shared type's:
                // the field keeps them (`member_descriptions`).
                let shared_values = shared.get("values").map(Node::as_seq).unwrap_or_default();
                self.member_text = values
                    .iter()
                    .zip(shared_values)
                    .filter(|((_, text), shared)| {
                        !text.is_empty() && shared.get_str("description") != Some(text.as_str())
                    })
                    .map(|((value, text), _)| (value.clone(), text.clone()))
                    .collect();
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
    pub(super) fn find_clashing_enums(&mut self, page: &Page) {
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
    pub(super) fn existing_type_of(&self, owner: &str, field: &str) -> Option<String> {
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
    pub(super) fn unclaimed(&self, name: &str) -> String {
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

    pub(super) fn shared_type(&self, name: &str) -> Option<&'a Node> {
        self.cx
            .shared?
            .get("types")?
            .as_seq()
            .iter()
            .find(|t| t.get_str("name") == Some(name))
    }
}

/// The wire names and types of a list of fields.
pub(super) fn shape(fields: &[Node]) -> Vec<(Option<&str>, Option<&str>)> {
    fields
        .iter()
        .map(|f| (f.get_str("name"), f.get_str("type")))
        .collect()
}

pub(super) fn insert_after(node: &mut Node, after: &str, key: &str, value: Node) {
    if let Node::Map(entries) = node {
        let at = entries
            .iter()
            .position(|(k, _)| k == after)
            .map_or(entries.len(), |i| i + 1);
        entries.insert(at, (key.to_owned(), value));
    }
}
