//! Every documented rule of every endpoint, from the schema itself: for each
//! rule of a request field or parameter (a length, a range, a pattern, the
//! allowed values, a required field), the page's own example is changed to
//! break just that rule, and the endpoint's request, built through the
//! registry, must refuse it naming the JSON path and the rule. Nothing here is
//! written per endpoint: a new endpoint's rules are checked as it is added.

use std::collections::BTreeMap;
use std::path::Path;

use feishu_perf::Rule;
use feishu_perf::registry::{self, CallInput, InputError, REGISTRY, RegistryEntry, find};
use feishu_perf_codegen::ir::{Api, Endpoint, Field, ServiceVersion, Ty, TypeKind};
use serde_json::{Value, json};

/// A rule of one field, and where the field is.
#[derive(Debug, Clone)]
struct Case {
    /// `query.page_size`, `imported_metrics[0].fields[0].field_id`.
    path: String,
    /// Where the value sits: a query parameter, or a pointer into the body.
    place: Place,
    /// The value that breaks the rule (`None`: leave the field out).
    value: Option<Value>,
    /// What the refusal must say.
    expect: Expect,
}

#[derive(Debug, Clone)]
enum Place {
    Query(String),
    /// The parent object's JSON pointer and the member's name.
    Body(String, String),
}

#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Length,
    Items,
    Range,
    Pattern,
    Allowed,
    Required,
}

impl Expect {
    fn matches(&self, rule: &Rule) -> bool {
        matches!(
            (self, rule),
            (Expect::Length, Rule::Length { .. })
                | (Expect::Items, Rule::Items { .. })
                | (Expect::Range, Rule::Range { .. })
                | (Expect::Pattern, Rule::Pattern { .. })
                | (Expect::Allowed, Rule::AllowedValues { .. })
                | (Expect::Required, Rule::Required)
        )
    }
}

/// The longest value built to break a maximum (larger maxima are not tried).
const LONGEST: u64 = 20_000;

/// The values that break `field`'s rules, each with what the refusal says.
fn breaking_values(
    v: &ServiceVersion,
    e: &Endpoint,
    field: &Field,
    example: Option<&Value>,
) -> Vec<(Value, Expect, bool)> {
    let mut out = Vec::new();
    let element = match &field.ty {
        Ty::Array(inner) => inner.as_ref(),
        other => other,
    };
    let list = matches!(field.ty, Ty::Array(_));
    let in_list = |value: Value| if list { json!([value]) } else { value };
    if let Some(b) = field.length {
        match &field.ty {
            Ty::Array(_) => {
                if b.min > 0 {
                    out.push((json!([]), Expect::Items, false));
                }
                if b.max < LONGEST {
                    // An item of the example, else a sample of the item type.
                    let item = example
                        .and_then(|x| x.get(0))
                        .cloned()
                        .unwrap_or_else(|| sample(v, e, element));
                    out.push((
                        Value::Array(vec![item; b.max as usize + 1]),
                        Expect::Items,
                        false,
                    ));
                }
            }
            _ => {
                if b.min > 0 {
                    out.push((json!(""), Expect::Length, false));
                }
                if b.max < LONGEST {
                    out.push((json!("a".repeat(b.max as usize + 1)), Expect::Length, false));
                }
            }
        }
    }
    if let Some(r) = field.range {
        // Just past the bound: by a half for a number, by one for an integer.
        let past = |bound: i64, up: bool| match (element, up) {
            (Ty::Number, true) => json!(bound as f64 + 0.5),
            (Ty::Number, false) => json!(bound as f64 - 0.5),
            (_, true) => json!(bound + 1),
            (_, false) => json!(bound - 1),
        };
        if let Some(max) = r.max {
            out.push((in_list(past(max, true)), Expect::Range, list));
        }
        if let Some(min) = r.min {
            out.push((in_list(past(min, false)), Expect::Range, list));
        }
    }
    if let Some(p) = &field.pattern {
        let pattern =
            feishu_perf_core::validate::Pattern::new(Box::leak(p.clone().into_boxed_str()));
        let breaking = ["", "x", " ", "\u{7f}"]
            .into_iter()
            .find(|c| !pattern.is_match(c))
            .expect("a value the pattern refuses");
        out.push((in_list(json!(breaking)), Expect::Pattern, list));
    }
    if let (Some(values), Ty::Boolean) = (&field.values, element) {
        // A boolean breaks its values only when one of the two is left out.
        if let Some(other) = ["true", "false"]
            .iter()
            .find(|b| !values.contains(&b.to_string()))
        {
            out.push((in_list(json!(*other == "true")), Expect::Allowed, list));
        }
    } else if let Some(values) = &field.values {
        let numbers: Vec<f64> = values.iter().filter_map(|v| v.parse().ok()).collect();
        let outside = numbers.iter().copied().fold(0.0, f64::max) + 1.0;
        let value = match element {
            Ty::Number => json!(outside),
            _ => json!(outside as i64),
        };
        out.push((in_list(value), Expect::Allowed, list));
    }
    if let Ty::Enum(_) = element {
        out.push((
            in_list(json!("not_a_documented_value")),
            Expect::Allowed,
            list,
        ));
    }
    out
}

/// A value of type `ty` that breaks no rule of its own (for the items of a list).
fn sample(v: &ServiceVersion, e: &Endpoint, ty: &Ty) -> Value {
    match ty {
        Ty::String => json!("7"),
        Ty::Integer => json!(1),
        Ty::Number => json!(1.0),
        Ty::Boolean => json!(true),
        Ty::Enum(name) => match &type_def(v, e, name).kind {
            TypeKind::Enum(values) => json!(values[0].0),
            TypeKind::Object(_) => unreachable!(),
        },
        Ty::Object(_) => json!({}),
        Ty::Array(inner) => json!([sample(v, e, inner)]),
    }
}

fn type_def<'a>(
    v: &'a ServiceVersion,
    e: &'a Endpoint,
    name: &str,
) -> &'a feishu_perf_codegen::ir::TypeDef {
    e.types
        .iter()
        .chain(&v.shared_types)
        .find(|t| t.rust_name == name)
        .unwrap_or_else(|| panic!("type {name}"))
}

/// The cases of the body fields under the object at `pointer` (JSON path
/// `path`), following the page's example into nested objects and the first
/// item of lists.
fn body_cases(
    v: &ServiceVersion,
    e: &Endpoint,
    fields: &[Field],
    example: &Value,
    pointer: &str,
    path: &str,
    out: &mut Vec<Case>,
) {
    let Some(object) = example.pointer(pointer).and_then(Value::as_object) else {
        return;
    };
    for f in fields {
        let name = &f.wire_name;
        let here = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        let place = || Place::Body(pointer.to_owned(), name.clone());
        for (value, expect, at_item) in breaking_values(v, e, f, object.get(name)) {
            out.push(Case {
                path: if at_item {
                    format!("{here}[0]")
                } else {
                    here.clone()
                },
                place: place(),
                value: Some(value),
                expect,
            });
        }
        if f.required && object.contains_key(name) {
            out.push(Case {
                path: here.clone(),
                place: place(),
                value: None,
                expect: Expect::Required,
            });
        }
        let (inner, child_pointer, child_path) = match &f.ty {
            Ty::Object(t) => (t, format!("{pointer}/{name}"), here.clone()),
            Ty::Array(item) => match item.as_ref() {
                Ty::Object(t) => (t, format!("{pointer}/{name}/0"), format!("{here}[0]")),
                _ => continue,
            },
            _ => continue,
        };
        if let TypeKind::Object(children) = &type_def(v, e, inner).kind {
            body_cases(v, e, children, example, &child_pointer, &child_path, out);
        }
    }
}

fn cases(v: &ServiceVersion, e: &Endpoint, entry: &RegistryEntry) -> Vec<Case> {
    let mut out = Vec::new();
    for f in &e.query {
        for (value, expect, at_item) in breaking_values(v, e, f, None) {
            out.push(Case {
                path: if at_item {
                    format!("query.{}[0]", f.wire_name)
                } else {
                    format!("query.{}", f.wire_name)
                },
                place: Place::Query(f.wire_name.clone()),
                value: Some(value),
                expect,
            });
        }
    }
    if let (Some(fields), Some(body)) = (&e.request_body, entry.examples.request_body) {
        let example: Value = serde_json::from_str(body).unwrap();
        body_cases(v, e, fields, &example, "", "", &mut out);
    }
    out
}

/// The page's example input, with `case` applied.
fn broken_input(entry: &RegistryEntry, case: &Case) -> CallInput {
    let mut input = CallInput::new();
    for p in entry.path_params {
        input = input.path(p.name, p.example.unwrap());
    }
    // The example's query (its required parameters), but the one broken.
    let broken = match &case.place {
        Place::Query(name) => Some(name.as_str()),
        Place::Body(..) => None,
    };
    for pair in entry.examples.request_query.unwrap_or("").split('&') {
        match pair.split_once('=') {
            Some((k, v)) if !v.is_empty() && Some(k) != broken => input = input.query(k, v),
            _ => {}
        }
    }
    let mut body: Option<Value> = entry
        .examples
        .request_body
        .map(|b| serde_json::from_str(b).unwrap());
    match &case.place {
        Place::Query(name) => {
            let values = match case.value.as_ref().unwrap() {
                Value::Array(items) => items.clone(),
                one => vec![one.clone()],
            };
            for value in values {
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                input = input.query(name, text);
            }
        }
        Place::Body(pointer, name) => {
            let object = body
                .as_mut()
                .and_then(|b| b.pointer_mut(pointer))
                .and_then(Value::as_object_mut)
                .expect("the parent object is in the example");
            match &case.value {
                Some(value) => object.insert(name.clone(), value.clone()),
                None => object.remove(name),
            };
        }
    }
    input.body = body;
    input
}

fn schema() -> Api {
    feishu_perf_codegen::load::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schema"))
        .expect("the schema loads")
}

#[test]
fn every_documented_rule_of_every_endpoint_is_checked_before_sending() {
    let api = schema();
    let mut checked: BTreeMap<String, usize> = BTreeMap::new();
    let mut endpoints = 0;
    for v in &api.versions {
        for e in &v.endpoints {
            let src = &e.source;
            let id = format!(
                "{}.{}.{}.{}",
                src.service.value, src.version.value, src.resource, src.operation
            );
            let entry = find(&id).unwrap_or_else(|| panic!("{id} is in the registry"));
            endpoints += 1;
            for case in cases(v, e, entry) {
                let input = broken_input(entry, &case);
                let err = registry::check(&id, &input).expect_err(&format!(
                    "{id}: {} breaks no rule with {:?}",
                    case.path, case.value
                ));
                let named = match &err {
                    InputError::Invalid(errors) => errors
                        .violations()
                        .iter()
                        .any(|v| v.path == case.path && case.expect.matches(&v.rule)),
                    // A field Rust requires is refused while decoding the body, at its object.
                    InputError::Body { path, reason } if case.expect == Expect::Required => {
                        reason.contains(&format!(
                            "missing field `{}`",
                            case.path.rsplit('.').next().unwrap()
                        )) && case.path.starts_with(path.trim_start_matches('.'))
                    }
                    _ => false,
                };
                assert!(
                    named,
                    "{id}: {}: expected {:?}, got: {err}",
                    case.path, case.expect
                );
                *checked.entry(format!("{:?}", case.expect)).or_default() += 1;
            }
        }
    }
    assert_eq!(endpoints, REGISTRY.len());
    // Every kind of rule occurs in the schema and is checked.
    for kind in ["Length", "Items", "Range", "Allowed", "Required"] {
        assert!(
            checked.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} rule checked: {checked:?}"
        );
    }
    let total: usize = checked.values().sum();
    println!("{total} rules of {endpoints} endpoints broken and refused: {checked:?}");
    assert!(total > 100, "{checked:?}");
}
