//! One row of a field table as a field: its name, type, whether it is
//! required, its value list, bounds, pattern, example and default.
use super::names::rust_field_name;
use super::{Builder, Side, map};
use crate::import::page::{Row, Rule};
use crate::import::tree::Node;

impl<'a> Builder<'a> {
    /// One row as a field, defining the named types it uses.
    pub(super) fn field(&mut self, row: &Row, owner: &str, side: Side, path_param: bool) -> Node {
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
        self.member_text.clear();
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
        let members = std::mem::take(&mut self.member_text);
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
        if !members.is_empty() {
            let members = members
                .into_iter()
                .map(|(m, text)| (m, Node::Str(text)))
                .collect();
            f.push(("member_descriptions", Node::Map(members)));
        }
        map(f)
    }
}

pub(super) fn values_node(values: &[(String, String)]) -> Node {
    Node::Seq(
        values
            .iter()
            .map(|(v, d)| map(vec![("value", Node::str(v)), ("description", Node::str(d))]))
            .collect(),
    )
}

pub(super) fn bounds(min: Option<i64>, max: Option<i64>) -> Node {
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
pub(super) fn scalar_type(page_type: &str) -> Option<&'static str> {
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
pub(super) fn typed_value(text: &str, kind: &str) -> Node {
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
