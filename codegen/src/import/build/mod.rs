//! A [`Page`] as the tree of its schema file (page facts only; annotations are
//! merged in afterwards by [`super::merge`]).
//!
//! Where the building is: `endpoint` assembles the endpoint's node (facts,
//! parameters, body, response, pagination, types, error codes, examples),
//! `fields` turns a row into a field, `types` names and defines the objects and
//! value lists rows refer to, and `names` derives Rust names and dates.

mod endpoint;
mod event;
mod fields;
mod names;
mod types;

use std::collections::BTreeSet;

use super::page::{Page, PageError, Pos};
use super::tree::Node;
use crate::naming::is_snake_case;

pub use event::{build_event, event_name};
pub use names::beijing_date;

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
    /// The page's words for the members of the shared type the row being
    /// built uses, where they differ from the shared type's: set by
    /// `object` and `enumeration`, taken by `field`.
    member_text: Vec<(String, String)>,
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
        member_text: Vec::new(),
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
}
