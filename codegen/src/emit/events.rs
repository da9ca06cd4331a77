//! The events: one module an event kind (`src/events/<name>.rs`: its
//! descriptor, its `event` object and the types it defines), and the registry
//! (`src/events/mod.rs`: [`EventDescriptor`]s by event type and the `Event`
//! enum that reads an event's object by its type, an unknown type kept as JSON).

use quote::{format_ident, quote};

use super::types::{emit_object, emit_type};
use super::validation::uses_validate_helpers;
use super::{OutputFile, doc, file, ident, inner_doc, raw_str};
use crate::ir::{EventDef, TypeKind};
use crate::naming::screaming_snake_case;

/// The files of the events, when the schema has any.
pub(super) fn emit_events(events: &[EventDef]) -> Vec<OutputFile> {
    if events.is_empty() {
        return Vec::new();
    }
    let mut files = vec![emit_registry(events)];
    files.extend(events.iter().map(emit_event));
    files
}

fn module_name(e: &EventDef) -> String {
    screaming_snake_case(&e.name).to_lowercase()
}

fn emit_registry(events: &[EventDef]) -> OutputFile {
    let mods = events.iter().map(|e| {
        let m = ident(&module_name(e));
        let d = doc(&format!(
            "[{}]({}): `{}`.",
            e.source.summary, e.source.doc_url, e.event_type
        ));
        quote!(#d #[rustfmt::skip] pub mod #m;)
    });
    let descriptors = events.iter().map(|e| {
        let m = ident(&module_name(e));
        quote!(&#m::DESCRIPTOR)
    });
    let variants = events.iter().map(|e| {
        let v = ident(&e.name);
        let m = ident(&module_name(e));
        let payload = format_ident!("{}Event", e.name);
        let d = doc(&format!("`{}`: {}.", e.event_type, e.source.summary));
        quote!(#d #v(#m::#payload),)
    });
    let type_arms = events.iter().map(|e| {
        let v = ident(&e.name);
        let t = &e.event_type;
        quote!(Event::#v(_) => #t,)
    });
    let parse_arms = events.iter().map(|e| {
        let v = ident(&e.name);
        let t = &e.event_type;
        quote!(#t => serde_json::from_value(event).map(Event::#v),)
    });
    let ser_arms = events.iter().map(|e| {
        let v = ident(&e.name);
        quote!(Event::#v(e) => e.serialize(serializer),)
    });
    let docs = inner_doc(
        "The events of the schema (`schema/<service>/<version>/events/`): one module an event kind, \
         with its `event` object and the types it uses, and [`Event`](crate::events::Event), which reads an event's \
         object by its type.\n\n\
         The envelope around the object (`schema`, `header`, the v1 form, encryption and the \
         signature) is read by the runtime (`feishu_perf::events`).",
    );
    let tokens = quote! {
        #docs

        use serde::Serialize;

        #(#mods)*

        /// What the schema says of an event kind.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct EventDescriptor {
            /// The type on the wire (`header.event_type`).
            pub event_type: &'static str,
            /// The generated names' stem.
            pub name: &'static str,
            /// The page title.
            pub summary: &'static str,
            /// The documentation page.
            pub doc_url: &'static str,
            /// Scopes: any one of them suffices to subscribe.
            pub scopes: &'static [&'static str],
            /// Field scopes: needed only to receive the fields they name.
            pub field_scopes: &'static [&'static str],
            /// `推送方式`, as the page writes it.
            pub delivery: &'static [&'static str],
            /// The page's example of a whole delivery, verbatim.
            pub example: Option<&'static str>,
        }

        /// Every event kind, by event type.
        pub const EVENTS: &[&EventDescriptor] = &[#(#descriptors),*];

        /// The descriptor of an event type, if the schema has it.
        pub fn descriptor(event_type: &str) -> Option<&'static EventDescriptor> {
            EVENTS.iter().copied().find(|d| d.event_type == event_type)
        }

        /// An event's object, typed by its event type.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            #(#variants)*
        }

        impl Event {
            /// The event type on the wire.
            pub fn event_type(&self) -> &'static str {
                match self {
                    #(#type_arms)*
                }
            }

            /// Reads the `event` object of an event of type `event_type`; `None` for a
            /// type the schema does not have (keep its JSON as it is).
            pub fn from_json(
                event_type: &str,
                event: serde_json::Value,
            ) -> Option<Result<Event, serde_json::Error>> {
                Some(match event_type {
                    #(#parse_arms)*
                    _ => return None,
                })
            }
        }

        impl Serialize for Event {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#ser_arms)*
                }
            }
        }
    };
    file("src/events/mod.rs".into(), &["*/*/events/*.yaml"], tokens)
}

fn emit_event(e: &EventDef) -> OutputFile {
    let src = &e.source;
    let link = format!("[{}]({})", src.summary, src.doc_url);
    let mut text = format!(
        "{link}: the event `{}`.\n\n{}",
        e.event_type,
        src.description.trim_end()
    );
    if let Some(p) = &src.prerequisites {
        text.push_str(&format!("\n\n{}", p.trim_end()));
    }
    text.push('\n');
    if let Some(d) = &src.last_updated {
        text.push_str(&format!("\n- Page last updated: {d}"));
    }
    let list = |scopes: &[crate::model::Scope]| {
        scopes
            .iter()
            .map(|s| format!("`{}` ({})", s.name, s.description))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !src.scopes.is_empty() {
        text.push_str(&format!(
            "\n- Scopes (any one suffices): {}",
            list(&src.scopes)
        ));
    }
    if !src.field_scopes.is_empty() {
        text.push_str(&format!("\n- Field scopes: {}", list(&src.field_scopes)));
    }
    if !src.delivery.is_empty() {
        text.push_str(&format!(
            "\n- Delivery (as the page says): {}",
            src.delivery.join(", ")
        ));
    }
    if let Some(n) = &src.notes {
        text.push_str(&format!("\n\nNote: {}", n.trim_end()));
    }
    let module_doc = inner_doc(&text);

    let name = &e.name;
    let event_type = &e.event_type;
    let summary = &src.summary;
    let doc_url = &src.doc_url;
    let scopes = src.scopes.iter().map(|s| &s.name);
    let field_scopes = src.field_scopes.iter().map(|s| &s.name);
    let delivery = src.delivery.iter();
    let example = match &src.example {
        Some(x) => {
            let lit = raw_str(x);
            quote!(Some(#lit))
        }
        None => quote!(None),
    };
    let descriptor_doc = doc(&format!("Descriptor of {link}."));
    let payload = emit_object(
        &format!("{name}Event"),
        &format!("The `event` object of {link} (`{event_type}`)."),
        &e.fields,
        true,
    );
    let types = e.types.iter().map(emit_type);
    let uses_helpers = e
        .types
        .iter()
        .filter_map(|t| match &t.kind {
            TypeKind::Object(fields) => Some(fields),
            TypeKind::Enum(_) => None,
        })
        .chain([&e.fields])
        .flatten()
        .any(|f| uses_validate_helpers(f, true));
    let validate_import = uses_helpers.then(|| quote!(validate,));
    let tokens = quote! {
        #module_doc

        use serde::Serialize;
        use feishu_perf_core::{JsonPath, Validate, Violation, #validate_import wire};

        #descriptor_doc
        pub const DESCRIPTOR: super::EventDescriptor = super::EventDescriptor {
            event_type: #event_type,
            name: #name,
            summary: #summary,
            doc_url: #doc_url,
            scopes: &[#(#scopes),*],
            field_scopes: &[#(#field_scopes),*],
            delivery: &[#(#delivery),*],
            example: #example,
        };

        #payload

        #(#types)*
    };
    file(
        format!("src/events/{}.rs", module_name(e)),
        &[e.file.as_str()],
        tokens,
    )
}
