//! Error tables: each row checked (names, codes, decisions), the platform's
//! codes, and the tables a version shares between its endpoints.

use std::collections::HashMap;

use super::{Cx, Group, Known};
use crate::ir::{self, ErrorDef, ErrorTable};
use crate::model::{self, Spanned};
use crate::naming::{is_pascal_case, is_snake_case, pascal_case};

/// The parts of an error row the loader checks.
struct ErrorRow<'a> {
    code: &'a Spanned<i64>,
    name: &'a Spanned<String>,
    decision: Option<&'a model::ErrorDecision>,
}

/// A row of any error table: an endpoint's or a shared one, or the platform's.
trait Row {
    fn row(&self) -> ErrorRow<'_>;
}

impl Row for model::ErrorCode {
    fn row(&self) -> ErrorRow<'_> {
        ErrorRow {
            code: &self.code,
            name: &self.name,
            decision: self.decision.as_ref(),
        }
    }
}

impl Row for model::PlatformErrorCode {
    fn row(&self) -> ErrorRow<'_> {
        ErrorRow {
            code: &self.code,
            name: &self.name,
            decision: self.decision.as_ref(),
        }
    }
}

impl Cx {
    pub(super) fn platform_table(&mut self, errors: &[model::PlatformErrorCode]) -> Vec<ErrorDef> {
        self.check_error_rows("platform.yaml", errors);
        for e in errors {
            if e.source.trim().is_empty() {
                self.at(
                    "platform.yaml",
                    &e.code,
                    format!("error {} must name its source", e.code.value),
                );
            }
        }
        errors.iter().map(ErrorDef::from).collect()
    }

    pub(super) fn error_table(&mut self, file: &str, errors: &[model::ErrorCode]) -> Vec<ErrorDef> {
        self.check_error_rows(file, errors);
        errors.iter().map(ErrorDef::from).collect()
    }

    fn check_error_rows(&mut self, file: &str, rows: &[impl Row]) {
        let mut codes = HashMap::new();
        let mut names = HashMap::new();
        for e in rows.iter().map(Row::row) {
            if let Some(first) = codes.insert(e.code.value, e.code.referenced.line()) {
                self.at(
                    file,
                    e.code,
                    format!(
                        "duplicate error code {} (first on line {first})",
                        e.code.value
                    ),
                );
            }
            if let Some(first) = names.insert(e.name.value.clone(), e.name.referenced.line()) {
                self.at(
                    file,
                    e.name,
                    format!(
                        "duplicate error name `{}` (first on line {first})",
                        e.name.value
                    ),
                );
            }
            if !is_pascal_case(&e.name.value)
                || matches!(e.name.value.as_str(), "Platform" | "Unknown")
            {
                self.at(file, e.name, format!(
                    "error name `{}` must be UpperCamelCase and neither `Platform` nor `Unknown`",
                    e.name.value
                ));
            }
            if let Some(d) = e.decision {
                if d.source.trim().is_empty() {
                    self.at(file, e.code, format!(
                        "the decision on error {} must name its source (`page: ..`, `REFERENCE.md: ..`, or `decision: <reason>`)",
                        e.code.value
                    ));
                }
                let decides = d.refuses.is_some()
                    || d.transient
                    || d.already_applied
                    || d.renew_token
                    || d.rate_limited
                    || d.blames.is_some();
                if !decides {
                    self.at(file, e.code, format!(
                        "the decision on error {} decides nothing: give `refuses`, `transient`, `already_applied`, `renew_token`, `rate_limited` or `blames`",
                        e.code.value
                    ));
                }
                let check = d.check.as_deref().map(str::trim).filter(|c| !c.is_empty());
                match (d.blames, check) {
                    (Some(_), None) => self.at(file, e.code, format!(
                        "the decision on error {} blames something and must say what to check (`check: ..`)",
                        e.code.value
                    )),
                    (None, Some(_)) => self.at(file, e.code, format!(
                        "the decision on error {} says what to check but blames nothing: give `blames: credentials|scope|licence`",
                        e.code.value
                    )),
                    _ => {}
                }
            }
        }
    }

    /// The version's shared error tables, each bound to the endpoints that name
    /// it under `shared_errors` (whose `errors` become its rows). An endpoint
    /// uses one table: naming a shared table and giving rows of its own is an
    /// error, as is a name no table has. A table no endpoint names yet (a
    /// version whose pages are still to be imported) is no error.
    pub(super) fn shared_error_tables(
        &mut self,
        group: &Group,
        endpoints: &mut [ir::Endpoint],
        known: &HashMap<String, Known>,
    ) -> Vec<ErrorTable> {
        let (shared_file, tables) = match &group.shared {
            Some((file, shared)) => (file.as_str(), shared.error_tables.as_slice()),
            None => ("_shared.yaml", &[][..]),
        };
        let mut out: Vec<(&Spanned<String>, ErrorTable)> = Vec::new();
        for table in tables {
            let name = &table.name;
            let rust_name = format!("{}ErrorCode", pascal_case(&name.value));
            if !is_snake_case(&name.value) {
                let message = format!("error table name `{}` must be snake_case", name.value);
                self.at(shared_file, name, message);
            }
            if out.iter().any(|(other, _)| other.value == name.value) {
                let message = format!("duplicate error table `{}`", name.value);
                self.at(shared_file, name, message);
            }
            let clash = group
                .endpoints
                .iter()
                .find(|(_, e)| format!("{}ErrorCode", e.name.value) == rust_name)
                .map(|(file, _)| format!("the error codes of {file}"))
                .or_else(|| {
                    known
                        .values()
                        .find(|k| k.rust_name == rust_name)
                        .map(|k| format!("the type at {}:{}:{}", k.file, k.line, k.column))
                });
            if let Some(clash) = clash {
                let message = format!(
                    "error table `{}` gives the Rust name `{rust_name}` of {clash}",
                    name.value
                );
                self.at(shared_file, name, message);
            }
            if table.source.trim().is_empty() {
                let message = format!(
                    "error table `{}` must name its source: where its rows come from and why they are the table of every endpoint that names it",
                    name.value
                );
                self.at(shared_file, name, message);
            }
            if table.errors.is_empty() {
                let message = format!("error table `{}` has no rows", name.value);
                self.at(shared_file, name, message);
            }
            let errors = self.error_table(shared_file, &table.errors);
            out.push((
                name,
                ErrorTable {
                    rust_name,
                    description: table.description.clone(),
                    source: table.source.clone(),
                    errors,
                    endpoints: Vec::new(),
                },
            ));
        }
        for ((file, src), endpoint) in group.endpoints.iter().zip(endpoints) {
            let Some(wanted) = &src.shared_errors else {
                continue;
            };
            let Some((_, table)) = out.iter_mut().find(|(n, _)| n.value == wanted.value) else {
                let names: Vec<&str> = out.iter().map(|(n, _)| n.value.as_str()).collect();
                let message = format!(
                    "`shared_errors: {}` names no error table of {shared_file} (its tables: {})",
                    wanted.value,
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                );
                self.at(file, wanted, message);
                continue;
            };
            if !src.errors.is_empty() {
                let message = format!(
                    "the endpoint names the shared error table `{}` and gives rows of its own: it answers with one table, so drop its `errors` or `shared_errors`",
                    wanted.value
                );
                self.at(file, wanted, message);
                continue;
            }
            endpoint.errors = table.errors.clone();
            endpoint.shared_errors = Some(table.rust_name.clone());
            table.endpoints.push(endpoint.name.clone());
        }
        out.into_iter().map(|(_, table)| table).collect()
    }
}
