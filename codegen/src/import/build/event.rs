//! An event page's node: its facts (event type, app types, scopes, delivery), the
//! v2 envelope's rows as the page gives them, the `event` object's fields, the
//! named types they use, and the page's example.
use super::names::beijing_date;
use super::{Builder, Context, Side, Target, map};
use crate::import::page::{EventPage, Page, PageError, Pos, Row};
use crate::import::tree::Node;
use crate::naming::pascal_case;

/// The schema file's tree for an event page, and the importer's remarks.
pub fn build_event(
    name: &str,
    page: &EventPage,
    target: &Target,
    cx: &Context,
) -> Result<(Node, Vec<String>), Vec<PageError>> {
    let mut b = Builder {
        name,
        cx,
        target,
        objects: Vec::new(),
        enums: Vec::new(),
        clashing_enums: Default::default(),
        errors: Vec::new(),
        warnings: Vec::new(),
        member_text: Vec::new(),
    };
    // The enum naming looks at every row once, as for an endpoint's response.
    let as_page = Page {
        data: Some(Row {
            children: page.body.clone(),
            ..Row::default()
        }),
        ..Page::default()
    };
    b.find_clashing_enums(&as_page);
    let tree = b.event(page);
    if b.errors.is_empty() {
        Ok((tree, b.warnings))
    } else {
        b.errors.sort();
        b.errors.dedup();
        Err(b.errors)
    }
}

/// The event's name: the resource and the event type's last part
/// (`performance.review_data.changed_v2` → `ReviewDataChangedV2`), as the
/// official Go SDK names it (`P2ReviewDataChangedV2`, without the envelope's `P2`).
pub fn event_name(resource: &str, event_type: &str) -> String {
    let last = event_type.rsplit('.').next().unwrap_or_default();
    format!("{}{}", pascal_case(resource), pascal_case(last))
}

impl Builder<'_> {
    fn event(&mut self, page: &EventPage) -> Node {
        let t = self.target;
        let mut e: Vec<(&str, Node)> = vec![
            ("service", Node::str(&t.service)),
            ("version", Node::str(&t.version)),
            ("resource", Node::str(&t.resource)),
            ("event", Node::str(&t.operation)),
            ("event_type", Node::str(&page.event_type)),
            ("name", Node::str(event_name(&t.resource, &page.event_type))),
            ("summary", Node::str(&page.title)),
        ];
        if page.heading != page.title {
            e.push(("heading", Node::str(&page.heading)));
        }
        e.push(("description", Node::str(&page.intro)));
        if !page.prerequisites.is_empty() {
            e.push(("prerequisites", Node::str(&page.prerequisites)));
        }
        e.push((
            "doc_url",
            Node::str(format!("https://open.feishu.cn/document{}", page.full_path)),
        ));
        if let Some(ms) = page.update_time_ms {
            e.push(("last_updated", Node::str(beijing_date(ms))));
        }
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
        e.push((
            "delivery",
            Node::Seq(page.delivery.iter().map(Node::str).collect()),
        ));
        // The envelope's rows (`schema`, `header`) and the `event` row.
        let mut envelope = Vec::new();
        let mut event: Option<&Row> = None;
        for row in &page.body {
            if row.name == "event" {
                if event.is_some() {
                    self.error(row.pos, "the `event` row appears twice".into());
                }
                event = Some(row);
            } else {
                envelope.push(self.field(row, "envelope", Side::Response, false));
            }
        }
        e.push(("envelope", Node::Seq(envelope)));
        match event {
            Some(row) => {
                let fields: Vec<Node> = row
                    .children
                    .iter()
                    .map(|r| self.field(r, "event", Side::Response, false))
                    .collect();
                let mut body = vec![("fields", Node::Seq(fields))];
                if row.ty != "-" {
                    body.push(("doc_type", Node::str(&row.ty)));
                }
                if row.desc.text != "-" {
                    body.push(("description", Node::str(&row.desc.text)));
                }
                e.push(("event_body", map(body)));
            }
            None => self.error(
                Pos {
                    line: page.body_pos.line.max(1),
                    column: 1,
                },
                "the body table has no `event` row".into(),
            ),
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
                        ("values", super::fields::values_node(&def.values)),
                    ])
                }),
        );
        if !types.is_empty() {
            e.push(("types", Node::Seq(types)));
        }
        if let Some(example) = &page.example {
            e.push(("example", Node::str(example)));
        }
        map(e)
    }
}
