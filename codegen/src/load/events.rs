//! The event files (`<service>/<version>/events/<resource>.<event>.yaml`): each
//! checked and resolved on its own (its types are its own), its envelope checked
//! against the platform's v2 envelope, which the runtime reads.

use std::collections::HashMap;

use super::{Cx, Known, SourceFile, parse};
use crate::ir::{EventDef, Ty, TypeKind};
use crate::model::EventFile;
use crate::naming::is_pascal_case;

/// The v2 envelope's header, as every event page gives it: (wire name, type).
pub const HEADER_FIELDS: [&str; 6] = [
    "event_id",
    "event_type",
    "create_time",
    "token",
    "app_id",
    "tenant_key",
];

/// Whether a schema path is an event file.
pub(super) fn is_event_file(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    matches!(parts.as_slice(), [_, _, "events", name] if name.ends_with(".yaml"))
}

impl Cx {
    pub(super) fn load_events(&mut self, files: &[&SourceFile]) -> Vec<EventDef> {
        let mut out: Vec<EventDef> = Vec::new();
        let mut by_type: HashMap<String, String> = HashMap::new();
        let mut by_name: HashMap<String, String> = HashMap::new();
        for file in files {
            let src: EventFile = match parse(file) {
                Ok(f) => f,
                Err(d) => {
                    self.diagnostics.push(d);
                    continue;
                }
            };
            let parts: Vec<&str> = file.path.split('/').collect();
            self.check_dir(&file.path, &src.service, parts[0]);
            self.check_dir(&file.path, &src.version, parts[1]);
            let expected = format!("{}.{}.yaml", src.resource, src.event);
            if parts[3] != expected {
                self.at(
                    &file.path,
                    &src.name,
                    format!(
                        "file name `{}` does not match resource and event: expected `{expected}`",
                        parts[3]
                    ),
                );
            }
            if !is_pascal_case(&src.name.value) {
                self.at(
                    &file.path,
                    &src.name,
                    format!("event name `{}` must be UpperCamelCase", src.name.value),
                );
            }
            let prefix = format!("{}.{}.", src.service.value, src.resource);
            if !src.event_type.value.starts_with(&prefix) {
                self.at(
                    &file.path,
                    &src.event_type,
                    format!(
                        "event type `{}` does not start with `{prefix}`",
                        src.event_type.value
                    ),
                );
            }
            if let Some(first) = by_type.insert(src.event_type.value.clone(), file.path.clone()) {
                self.at(
                    &file.path,
                    &src.event_type,
                    format!("event type `{}` is also in {first}", src.event_type.value),
                );
            }
            if let Some(first) = by_name.insert(src.name.value.clone(), file.path.clone()) {
                self.at(
                    &file.path,
                    &src.name,
                    format!("event name `{}` is also in {first}", src.name.value),
                );
            }
            let mut known: HashMap<String, Known> = HashMap::new();
            for def in &src.types {
                self.declare(&file.path, def, &mut known);
            }
            let mut types: Vec<_> = src
                .types
                .iter()
                .map(|d| self.resolve_type(&file.path, d, &known))
                .collect();
            // No page says a field of an event is always present.
            for t in &mut types {
                t.in_response = true;
            }
            let envelope = self.resolve_fields(&file.path, &src.envelope, &known);
            self.check_envelope(&file.path, &src, &envelope, &types);
            let fields = self.resolve_fields(&file.path, &src.event_body.fields, &known);
            if let Some(example) = &src.example {
                self.check_example(&file.path, &src, example);
            }
            out.push(EventDef {
                file: file.path.clone(),
                event_type: src.event_type.value.clone(),
                name: src.name.value.clone(),
                fields,
                types,
                source: src,
            });
        }
        out.sort_by(|a, b| a.event_type.cmp(&b.event_type));
        out
    }

    /// The page's envelope must be the v2 envelope: `schema` (string) and a
    /// `header` object of the six string fields.
    fn check_envelope(
        &mut self,
        file: &str,
        src: &EventFile,
        envelope: &[crate::ir::Field],
        types: &[crate::ir::TypeDef],
    ) {
        let wrong = |what: String| {
            format!(
                "{what}: the runtime reads the platform's v2 envelope (`schema`, and `header` with {})",
                HEADER_FIELDS.join(", ")
            )
        };
        let names: Vec<&str> = envelope.iter().map(|f| f.wire_name.as_str()).collect();
        if names != ["schema", "header"] {
            self.at(
                file,
                &src.event_type,
                wrong(format!("the envelope's rows are `{}`", names.join("`, `"))),
            );
            return;
        }
        if envelope[0].ty != Ty::String {
            self.at(
                file,
                &src.event_type,
                wrong("`schema` is not a string".into()),
            );
        }
        let header = match &envelope[1].ty {
            Ty::Object(name) => types.iter().find(|t| t.rust_name == *name),
            _ => None,
        };
        let fields = match header.map(|h| &h.kind) {
            Some(TypeKind::Object(fields)) => fields,
            _ => {
                self.at(
                    file,
                    &src.event_type,
                    wrong("`header` is not an object".into()),
                );
                return;
            }
        };
        let ok = fields.len() == HEADER_FIELDS.len()
            && fields
                .iter()
                .all(|f| HEADER_FIELDS.contains(&f.wire_name.as_str()) && f.ty == Ty::String);
        if !ok {
            let got: Vec<&str> = fields.iter().map(|f| f.wire_name.as_str()).collect();
            self.at(
                file,
                &src.event_type,
                wrong(format!("`header` has `{}`", got.join("`, `"))),
            );
        }
    }

    /// The page's example is JSON and names the event's type.
    fn check_example(&mut self, file: &str, src: &EventFile, example: &str) {
        match serde_json::from_str::<serde_json::Value>(example) {
            Ok(v) => {
                let t = v.pointer("/header/event_type").and_then(|t| t.as_str());
                if t != Some(src.event_type.value.as_str()) {
                    self.at(
                        file,
                        &src.event_type,
                        format!(
                            "the example's `header.event_type` is {t:?}, not `{}`",
                            src.event_type.value
                        ),
                    );
                }
            }
            Err(e) => self.at(
                file,
                &src.event_type,
                format!("the example is not JSON: {e}"),
            ),
        }
    }
}
