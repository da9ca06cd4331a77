//! The naming rule for types whose name means nothing without its endpoint (docs/semver.md,
//! "Names of types"): a type an endpoint defines whose name is one of [`CONTEXT_FREE`] takes the
//! endpoint's resource as a prefix (`semester.list`'s `type` → `SemesterType`), and its old name
//! stays one release as a deprecated alias.

use std::collections::{BTreeSet, HashMap};

use crate::ir::{Api, Field, Ty, TypeKind};
use crate::naming::pascal_case;

/// Names that say nothing of what they name once re-exported beside every other type of the
/// version.
pub const CONTEXT_FREE: &[&str] = &[
    "Type", "Field", "Progress", "Unit", "User", "Status", "Item",
];

/// The old name of a renamed type: `Some("Type")` for `SemesterType` defined from the wire name
/// `type`, `None` for a type the rule left as it was.
pub(super) fn old_name(wire_name: &str, rust_name: &str) -> Option<String> {
    let plain = pascal_case(wire_name);
    (plain != rust_name && CONTEXT_FREE.contains(&plain.as_str())).then_some(plain)
}

/// The API with the rule applied: each context-free type of an endpoint renamed, and every
/// reference to it. Panics when a new name is already a type of the version, which would make
/// the version's module define it twice.
pub(super) fn with_context(api: &Api) -> Api {
    let mut api = api.clone();
    for version in &mut api.versions {
        let mut taken: BTreeSet<String> = version
            .shared_types
            .iter()
            .map(|t| t.rust_name.clone())
            .chain(
                version
                    .endpoints
                    .iter()
                    .flat_map(|e| e.types.iter().map(|t| t.rust_name.clone())),
            )
            .collect();
        for e in &mut version.endpoints {
            let prefix = pascal_case(&e.source.resource);
            let renames: HashMap<String, String> = e
                .types
                .iter()
                .filter(|t| CONTEXT_FREE.contains(&t.rust_name.as_str()))
                .map(|t| (t.rust_name.clone(), format!("{prefix}{}", t.rust_name)))
                .collect();
            for new in renames.values() {
                assert!(
                    taken.insert(new.clone()),
                    "{}: the type `{new}` (renamed by the naming rule) is already a type of {}/{}",
                    e.file,
                    version.service,
                    version.version
                );
            }
            if renames.is_empty() {
                continue;
            }
            let rename_fields = |fields: &mut Vec<Field>| {
                for f in fields {
                    rename_ty(&mut f.ty, &renames);
                }
            };
            for t in &mut e.types {
                if let Some(new) = renames.get(&t.rust_name) {
                    t.rust_name = new.clone();
                }
                if let TypeKind::Object(fields) = &mut t.kind {
                    rename_fields(fields);
                }
            }
            rename_fields(&mut e.path_params);
            rename_fields(&mut e.query);
            if let Some(fields) = &mut e.request_body {
                rename_fields(fields);
            }
            if let Some(fields) = &mut e.response_body {
                rename_fields(fields);
            }
            if let Some((_, ty)) = &mut e.pagination {
                rename_ty(ty, &renames);
            }
        }
    }
    api
}

fn rename_ty(ty: &mut Ty, renames: &HashMap<String, String>) {
    match ty {
        Ty::Object(name) | Ty::Enum(name) => {
            if let Some(new) = renames.get(name) {
                *name = new.clone();
            }
        }
        Ty::Array(inner) => rename_ty(inner, renames),
        _ => {}
    }
}
