//! The checks and resolution of fields and parameters: names, types, and the
//! documented rules each may carry (lengths, ranges, patterns, allowed values).

use std::collections::HashMap;

use super::{Cx, Known};
use crate::ir::{self, Ty};
use crate::model::{self, Spanned};
use crate::naming::{is_keyword, is_snake_case};

impl Cx {
    pub(super) fn resolve_fields(
        &mut self,
        file: &str,
        fields: &[model::Field],
        known: &HashMap<String, Known>,
    ) -> Vec<ir::Field> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for f in fields {
            if let Some(first) = seen.insert(f.name.value.clone(), f.name.referenced.line()) {
                self.at(
                    file,
                    &f.name,
                    format!("duplicate field `{}` (first on line {first})", f.name.value),
                );
            }
            let rust_name = f.rust_name.clone().unwrap_or_else(|| f.name.value.clone());
            if !is_snake_case(&rust_name) || is_keyword(&rust_name) {
                self.at(file, &f.name, format!(
                    "`{rust_name}` is not a usable Rust field name: set `rust_name` to a snake_case identifier"
                ));
            }
            let ty = self.resolve_ty(file, &f.ty, known);
            if let Some(ty) = &ty {
                let scalar = match ty {
                    Ty::Array(inner) => inner.as_ref(),
                    other => other,
                };
                if f.length.is_some() && !matches!(ty, Ty::String | Ty::Enum(_) | Ty::Array(_)) {
                    self.at(
                        file,
                        &f.name,
                        format!(
                            "`length` applies to strings and arrays, not to `{}`",
                            f.ty.value
                        ),
                    );
                }
                if f.range.is_some() && !matches!(ty, Ty::Integer | Ty::Number) {
                    self.at(
                        file,
                        &f.name,
                        format!("`range` applies to numbers, not to `{}`", f.ty.value),
                    );
                }
                if f.idempotency_key && *scalar != Ty::String {
                    self.at(
                        file,
                        &f.name,
                        "an `idempotency_key` must be a string".into(),
                    );
                }
            }
            if let Some(b) = f.length
                && b.min > b.max
            {
                self.at(
                    file,
                    &f.name,
                    format!("range {}..{} is empty", b.min, b.max),
                );
            }
            if let Some(r) = f.range {
                match (r.min, r.max) {
                    (None, None) => self.at(
                        file,
                        &f.name,
                        "a `range` needs a `min`, a `max` or both".into(),
                    ),
                    (Some(min), Some(max)) if min > max => {
                        self.at(file, &f.name, format!("range {min}..{max} is empty"))
                    }
                    _ => {}
                }
            }
            if f.pattern.is_some() && ty.as_ref().is_some_and(|t| element(t) != &Ty::String) {
                self.at(
                    file,
                    &f.name,
                    format!("`pattern` applies to strings, not to `{}`", f.ty.value),
                );
            }
            if let Some(p) = &f.pattern
                && let Err(e) = regex_lite::Regex::new(p)
            {
                self.at(
                    file,
                    &f.name,
                    format!("`pattern` is not a regular expression: {e}"),
                );
            }
            let values = f.values.as_ref().map(|values| {
                values
                    .iter()
                    .map(|v| v.value.value.clone())
                    .collect::<Vec<_>>()
            });
            if let (Some(values), Some(ty)) = (&values, &ty) {
                for v in values {
                    let fits = match element(ty) {
                        Ty::Integer => v.parse::<i64>().is_ok(),
                        Ty::Number => v.parse::<f64>().is_ok_and(f64::is_finite),
                        Ty::Boolean => v == "true" || v == "false",
                        _ => false,
                    };
                    if !fits {
                        self.at(
                            file,
                            &f.name,
                            format!(
                                "allowed value `{v}` is not of type `{}`: `values` on a field list numbers or booleans (strings are an enumeration type)",
                                f.ty.value
                            ),
                        );
                    }
                }
            }
            let members = self.member_descriptions(file, f, known);
            let mut description = field_description(f);
            if !members.is_empty() {
                let words: Vec<String> = members
                    .iter()
                    .map(|(member, text)| format!("`{member}`: {}", text.trim_end()))
                    .collect();
                if !description.is_empty() {
                    description.push_str("\n\n");
                }
                description.push_str(&format!(
                    "The page's words for its members: {}.",
                    words.join("; ")
                ));
            }
            out.push(ir::Field {
                wire_name: f.name.value.clone(),
                rust_name,
                ty: ty.unwrap_or(Ty::String),
                required: f.required,
                description,
                example: f.example.clone(),
                default: f.default.clone(),
                length: f.length,
                range: f.range,
                pattern: f.pattern.clone(),
                values,
                idempotency_key: f.idempotency_key,
            });
        }
        out
    }

    /// A field's `member_descriptions`, in the order of its type's members:
    /// each must name a member of the named type the field has.
    fn member_descriptions(
        &mut self,
        file: &str,
        f: &model::Field,
        known: &HashMap<String, Known>,
    ) -> Vec<(String, String)> {
        if f.member_descriptions.is_empty() {
            return Vec::new();
        }
        let name = f.ty.value.trim().trim_end_matches("[]");
        let Some(k) = known.get(name) else {
            self.at(
                file,
                &f.name,
                format!(
                    "`member_descriptions` describe the members of a named type, not of `{}`",
                    f.ty.value
                ),
            );
            return Vec::new();
        };
        for member in f.member_descriptions.keys() {
            if !k.members.contains(member) {
                self.at(
                    file,
                    &f.name,
                    format!(
                        "`member_descriptions` names `{member}`, which is no member of type `{name}` (its members: {})",
                        k.members.join(", ")
                    ),
                );
            }
        }
        k.members
            .iter()
            .filter_map(|m| Some((m.clone(), f.member_descriptions.get(m)?.clone())))
            .collect()
    }

    pub(super) fn resolve_ty(
        &mut self,
        file: &str,
        ty: &Spanned<String>,
        known: &HashMap<String, Known>,
    ) -> Option<Ty> {
        let text = ty.value.trim();
        if let Some(inner) = text.strip_suffix("[]") {
            let inner = Spanned::new(inner.to_owned(), ty.referenced, ty.defined);
            return self
                .resolve_ty(file, &inner, known)
                .map(|t| Ty::Array(Box::new(t)));
        }
        Some(match text {
            "string" => Ty::String,
            "integer" => Ty::Integer,
            "number" => Ty::Number,
            "boolean" => Ty::Boolean,
            name => match known.get(name) {
                Some(k) if k.is_enum => Ty::Enum(k.rust_name.clone()),
                Some(k) => Ty::Object(k.rust_name.clone()),
                None => {
                    self.at(
                        file,
                        ty,
                        format!("type `{name}` is referenced but never defined"),
                    );
                    return None;
                }
            },
        })
    }
}

/// A field's documentation: the page's description, then what else the schema
/// says of it (the words a response or a repeated type uses, a pattern, the
/// allowed values of a number, a maintainer's note).
fn field_description(f: &model::Field) -> String {
    let mut text = f.description.trim_end().to_owned();
    let mut more = Vec::new();
    if let Some(r) = &f.response_description {
        more.push(format!("In a response: {}", r.trim_end()));
    }
    for other in &f.other_descriptions {
        more.push(format!("Elsewhere on the page: {}", other.trim_end()));
    }
    if let Some(p) = &f.pattern {
        more.push(format!("Pattern (not checked by `validate()`): `{p}`."));
    }
    if let Some(values) = &f.values {
        let list: Vec<String> = values
            .iter()
            .map(|v| format!("`{}` ({})", v.value.value, v.description))
            .collect();
        more.push(format!("Allowed values: {}.", list.join(", ")));
    }
    if let Some(note) = &f.note {
        more.push(format!("Note: {note}"));
    }
    for m in more {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&m);
    }
    text
}

/// The type of an array's items, or the type itself.
fn element(ty: &Ty) -> &Ty {
    match ty {
        Ty::Array(inner) => inner.as_ref(),
        other => other,
    }
}
