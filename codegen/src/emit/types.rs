//! Structs and open enums, and the policy of a field (`FieldShape::of`).

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::validation::emit_validate;
use super::{doc, ident};
use crate::ir::{Field, Ty, TypeDef, TypeKind};

/// The Rust type of a schema type.
pub(super) fn rust_type(ty: &Ty) -> TokenStream {
    match ty {
        Ty::String => quote!(String),
        Ty::Integer => quote!(i64),
        Ty::Number => quote!(f64),
        Ty::Boolean => quote!(bool),
        Ty::Object(name) | Ty::Enum(name) => {
            let name = ident(name);
            quote!(#name)
        }
        Ty::Array(inner) => {
            let inner = rust_type(inner);
            quote!(Vec<#inner>)
        }
    }
}

/// Every named type a list of fields mentions.
pub(super) fn named_types<'a>(
    fields: impl IntoIterator<Item = &'a Field>,
    out: &mut BTreeSet<String>,
) {
    fn walk(ty: &Ty, out: &mut BTreeSet<String>) {
        match ty {
            Ty::Object(n) | Ty::Enum(n) => {
                out.insert(n.clone());
            }
            Ty::Array(inner) => walk(inner, out),
            _ => {}
        }
    }
    for f in fields {
        walk(&f.ty, out);
    }
}

/// Whether a field is `Option<..>` in Rust (see [`FieldShape::of`]). `in_response`:
/// the field's object can be part of a response.
pub(super) fn is_optional(field: &Field, in_response: bool) -> bool {
    !field.required || field.idempotency_key || in_response
}

/// Whether the constructor takes the field: the page requires it in a request
/// (the `client_token` excepted, which the runtime fills in).
pub(super) fn is_constructor_arg(field: &Field) -> bool {
    field.required && !field.idempotency_key
}

/// How a field looks in Rust: the one place that decides optionality,
/// serde attributes, constructor arguments and setters.
pub(super) struct FieldShape {
    pub(super) name: Ident,
    /// The field's declared type (`Option<..>` when optional).
    pub(super) declared: TokenStream,
    /// Whether the field is `Option<..>`.
    pub(super) optional: bool,
    /// Whether the constructor takes it (else it has a setter).
    pub(super) arg: bool,
    /// Parameter type of the constructor argument or setter.
    pub(super) param: TokenStream,
    /// Whether the parameter is `impl Into<String>` and needs `.into()`.
    pub(super) into: bool,
    /// The name on the wire.
    pub(super) wire: String,
    /// Rustdoc.
    pub(super) doc: TokenStream,
}

impl FieldShape {
    /// A field is optional in Rust when the doc does not require it; also for
    /// the `client_token`, which the runtime fills in when the caller does not;
    /// and in every object a response can hold (`in_response`), since no page
    /// says a response field is always present. The constructor still takes
    /// every field a request requires, and `validate()` checks it is there.
    pub(super) fn of(field: &Field, in_response: bool) -> FieldShape {
        let name = ident(&field.rust_name);
        let value = rust_type(&field.ty);
        let optional = is_optional(field, in_response);
        let arg = is_constructor_arg(field);
        let into = field.ty == Ty::String;
        let param = if into {
            quote!(impl Into<String>)
        } else {
            value.clone()
        };
        let declared = if optional {
            quote!(Option<#value>)
        } else {
            value.clone()
        };
        FieldShape {
            name,
            declared,
            optional,
            arg,
            param,
            into,
            wire: field.wire_name.clone(),
            doc: doc(&field_doc(field, in_response)),
        }
    }

    /// Converts a parameter expression into the field's value type.
    fn convert(&self, expr: TokenStream) -> TokenStream {
        if self.into {
            quote!(#expr.into())
        } else {
            expr
        }
    }

    /// The field's initialiser in a constructor: `None`, or the argument of the same name.
    pub(super) fn init(&self) -> TokenStream {
        let name = &self.name;
        match (self.arg, self.optional) {
            (false, _) => quote!(#name: None),
            (true, true) => {
                let value = self.convert(quote!(#name));
                quote!(#name: Some(#value))
            }
            (true, false) => {
                if self.into {
                    quote!(#name: #name.into())
                } else {
                    quote!(#name)
                }
            }
        }
    }

    /// The builder-style setter of an optional field.
    pub(super) fn setter(&self, doc_text: &str) -> TokenStream {
        let FieldShape { name, param, .. } = self;
        let doc_attr = doc(doc_text);
        let value = self.convert(quote!(value));
        quote! {
            #doc_attr
            pub fn #name(mut self, value: #param) -> Self {
                self.#name = Some(#value);
                self
            }
        }
    }
}

fn field_doc(field: &Field, in_response: bool) -> String {
    let mut text = field.description.trim_end().to_owned();
    let mut facts = Vec::new();
    if field.wire_name != field.rust_name {
        facts.push(format!("Wire name: `{}` (as documented).", field.wire_name));
    }
    if field.required {
        facts.push(if field.idempotency_key {
            "Required by the server; the runtime generates one when it is not set, and reuses it on every retry.".to_owned()
        } else {
            if in_response {
                "Required in a request; a response may leave it out.".to_owned()
            } else {
                "Required.".to_owned()
            }
        });
    }
    if let Some(b) = field.length {
        let unit = if matches!(field.ty, Ty::Array(_)) {
            "items"
        } else {
            "characters"
        };
        facts.push(format!("Length: {}..={} {unit}.", b.min, b.max));
    }
    if let Some(r) = field.range {
        facts.push(match (r.min, r.max) {
            (Some(min), Some(max)) => format!("Range: {min}..={max}."),
            (Some(min), None) => format!("Range: at least {min}."),
            (None, Some(max)) => format!("Range: at most {max}."),
            (None, None) => "Range: any.".to_owned(),
        });
    }
    if let Some(p) = &field.pattern {
        facts.push(format!("Pattern: `{p}`."));
    }
    if let Some(values) = &field.values {
        facts.push(format!(
            "Allowed values: {}.",
            values
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(d) = &field.default {
        facts.push(format!(
            "Default (applied by the server when omitted): `{}`.",
            json_inline(d)
        ));
    }
    if let Some(e) = &field.example {
        facts.push(format!("Example: `{}`.", json_inline(e)));
    }
    if !facts.is_empty() {
        text.push_str("\n\n");
        text.push_str(&facts.join("\n"));
    }
    text
}

fn json_inline(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Emits a struct with its constructor, setters and `Validate` impl;
/// `in_response`: a response can hold it.
pub(super) fn emit_object(
    rust_name: &str,
    description: &str,
    fields: &[Field],
    in_response: bool,
) -> TokenStream {
    let name = ident(rust_name);
    let struct_doc = doc(description);
    let shapes: Vec<FieldShape> = fields
        .iter()
        .map(|f| FieldShape::of(f, in_response))
        .collect();
    let decls = shapes.iter().map(|s| {
        let FieldShape {
            name,
            declared,
            doc,
            ..
        } = s;
        quote!(#doc pub #name: #declared,)
    });
    let required: Vec<&FieldShape> = shapes.iter().filter(|s| s.arg).collect();
    let args = required.iter().map(|s| {
        let FieldShape { name, param, .. } = s;
        quote!(#name: #param)
    });
    let inits = shapes.iter().map(FieldShape::init);
    let setters = shapes
        .iter()
        .zip(fields)
        .filter(|(s, _)| !s.arg)
        .map(|(s, f)| s.setter(&format!("Sets [`{0}`](Self::{0}).", f.rust_name)));
    let new_doc = if required.is_empty() {
        "Creates an empty value; set its fields with the methods below.".to_owned()
    } else {
        "Creates the value from its required fields; set the others with the methods below."
            .to_owned()
    };
    let derive_default = required.is_empty().then(|| quote!(Default,));
    let new_doc_attr = doc(&new_doc);
    let validate = emit_validate(&name, fields, in_response);
    let serde_impls = emit_serde(rust_name, &shapes);
    quote! {
        #struct_doc
        #[derive(Debug, Clone, PartialEq, #derive_default)]
        #[non_exhaustive]
        pub struct #name {
            #(#decls)*
        }

        impl #name {
            #new_doc_attr
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }

            #(#setters)*
        }

        #serde_impls

        #validate
    }
}

/// The struct's `Serialize` and `Deserialize` impls, written out rather than derived (see
/// `feishu_perf_core::wire`, which holds the shared parts): the struct is a map of its
/// fields under their wire names, an optional field that is `None` left out.
fn emit_serde(rust_name: &str, shapes: &[FieldShape]) -> TokenStream {
    let name = ident(rust_name);
    let wires: Vec<&String> = shapes.iter().map(|s| &s.wire).collect();
    let required_count =
        proc_macro2::Literal::usize_unsuffixed(shapes.iter().filter(|s| !s.optional).count());
    let optional_set = shapes.iter().filter(|s| s.optional).map(|s| {
        let field = &s.name;
        quote!(self.#field.is_some())
    });
    let writes = shapes.iter().map(|s| {
        let (field, wire) = (&s.name, &s.wire);
        if s.optional {
            quote!(wire::optional_field(&mut state, #wire, &self.#field)?;)
        } else {
            quote!(state.serialize_field(#wire, &self.#field)?;)
        }
    });
    let slots = shapes.iter().map(|s| {
        let (field, declared) = (&s.name, &s.declared);
        quote!(let mut #field: Option<#declared> = None;)
    });
    // The slots are named after the fields, so the map and its key are named as no field is
    // (a member called `key` or `map` would shadow them, as the derive's `__map` avoids).
    let reads = shapes.iter().enumerate().map(|(i, s)| {
        let (field, wire) = (&s.name, &s.wire);
        let i = proc_macro2::Literal::usize_unsuffixed(i);
        quote!(Some(#i) => wire::next_value(&mut __map, &mut #field, #wire)?,)
    });
    let finals = shapes.iter().map(|s| {
        let (field, wire) = (&s.name, &s.wire);
        if s.optional {
            quote!(#field: #field.flatten())
        } else {
            quote!(#field: wire::required(#field, #wire)?)
        }
    });
    // A struct without fields writes none, so its state needs no `mut`.
    let state_binding = if shapes.is_empty() {
        quote!(state)
    } else {
        quote!(mut state)
    };
    // A struct without fields skips every member: no `match` of one arm.
    let read_loop = if shapes.is_empty() {
        quote! {
            while __map.next_key_seed(wire::FieldIndex(Self::FIELDS))?.is_some() {
                wire::skip_value(&mut __map)?;
            }
        }
    } else {
        quote! {
            while let Some(__key) = __map.next_key_seed(wire::FieldIndex(Self::FIELDS))? {
                match __key {
                    #(#reads)*
                    _ => wire::skip_value(&mut __map)?,
                }
            }
        }
    };
    quote! {
        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct;
                let len = wire::field_count(#required_count, &[#(#optional_set),*]);
                let #state_binding = serializer.serialize_struct(#rust_name, len)?;
                #(#writes)*
                state.end()
            }
        }

        impl<'de> wire::FromMap<'de> for #name {
            const NAME: &'static str = #rust_name;
            const FIELDS: &'static [&'static str] = &[#(#wires),*];

            fn from_map<A: serde::de::MapAccess<'de>>(mut __map: A) -> Result<Self, A::Error> {
                #(#slots)*
                #read_loop
                Ok(Self { #(#finals),* })
            }
        }

        feishu_perf_core::deserialize_from_map!(#name);
    }
}

/// An open enum: one variant a documented value, and `Unknown(String)`.
pub(super) fn emit_enum(
    rust_name: &str,
    description: &str,
    values: &[(String, String, String)],
) -> TokenStream {
    let name = ident(rust_name);
    let enum_doc = doc(&format!(
        "{}\n\nA value the docs don't list is kept in [`{rust_name}::Unknown`] and serialised back unchanged.",
        description.trim_end()
    ));
    let variants: Vec<Ident> = values.iter().map(|(_, v, _)| ident(v)).collect();
    let wires: Vec<&String> = values.iter().map(|(w, _, _)| w).collect();
    let docs = values.iter().map(|(w, _, d)| doc(&format!("`{w}`: {d}")));
    // Written as `feishu_perf_core::open_enum! { .. }` (see `super::open_enum_macros`), which
    // adds `Unknown(String)` and the impls.
    quote! {
        #enum_doc
        #[open_enum]
        pub enum #name {
            #( #docs #variants = #wires, )*
        }
    }
}

/// A named type of the schema: a struct or an open enum.
pub(super) fn emit_type(def: &TypeDef) -> TokenStream {
    match &def.kind {
        TypeKind::Object(fields) => {
            emit_object(&def.rust_name, &def.description, fields, def.in_response)
        }
        TypeKind::Enum(values) => emit_enum(&def.rust_name, &def.description, values),
    }
}
