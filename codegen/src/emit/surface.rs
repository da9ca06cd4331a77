//! The public API surface of the generated crate (`generated/api.txt`): every public item a
//! user can name, one line each, so that a review of a schema change sees what it does to users,
//! and `cargo xtask docs diff` classifies it (additive or breaking).
//!
//! It is read off the emitted syntax of every generated file, so that it lists exactly what the
//! code has. The lines, sorted:
//!
//! ```text
//! const performance::v1::LIST_SEMESTER: EndpointDescriptor
//! enum performance::v1::TypeGroup #[non_exhaustive]
//! field performance::v1::ListSemesterRequest.year: Option<i64>
//! fn performance::v1::ListSemesterRequest::year(self, value: i64) -> Self
//! impl ApiRequest for performance::v1::ListSemesterRequest { type Response = ListSemesterResponseBody; }
//! struct performance::v1::ListSemesterRequest #[non_exhaustive]
//! variant performance::v1::TypeGroup::Unknown(String)
//! ```
//!
//! An item is named by its public path: the items of an endpoint's module are re-exported by
//! its version's module (`performance::v1`), and listed there.

use std::collections::BTreeSet;

use quote::ToTokens;

use super::OutputFile;

/// The path of the surface file, relative to the generated crate.
pub const SURFACE_FILE: &str = "api.txt";

/// The surface of the generated files (`src/**/*.rs`), one line an item, sorted.
pub fn surface(files: &[OutputFile]) -> OutputFile {
    let mut lines = BTreeSet::new();
    for file in files {
        let Some(module) = public_module(&file.path) else {
            continue;
        };
        let syntax = syn::parse_file(&file.contents)
            .unwrap_or_else(|e| panic!("generated {} does not parse: {e}", file.path));
        items(&module, &syntax.items, &mut lines);
    }
    let mut contents = String::from(
        "# The public API of feishu-perf-generated, one item a line, written by `cargo xtask codegen`.\n\
         # Do not edit. `cargo xtask docs diff` classifies a change of it as additive or breaking.\n",
    );
    for line in lines {
        contents.push_str(&line);
        contents.push('\n');
    }
    OutputFile {
        path: SURFACE_FILE.into(),
        contents,
    }
}

/// The public path under which a generated file's items are named: `src/lib.rs` is the root,
/// `src/performance/v1/mod.rs` is `performance::v1`, and an endpoint's module
/// (`src/performance/v1/semester_list.rs`) is its version's, which re-exports it.
fn public_module(path: &str) -> Option<String> {
    let rel = path.strip_prefix("src/")?.strip_suffix(".rs")?;
    let parts: Vec<&str> = rel.split('/').collect();
    let parts: Vec<&str> = match parts.as_slice() {
        ["lib"] => vec![],
        [dirs @ .., "mod"] => dirs.to_vec(),
        // An endpoint's module: re-exported by the version's module.
        [service, version, _endpoint] => vec![service, version],
        other => other.to_vec(),
    };
    Some(parts.join("::"))
}

fn join(module: &str, name: &str) -> String {
    if module.is_empty() {
        name.to_owned()
    } else {
        format!("{module}::{name}")
    }
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// The markers that change what a user may rely on: `#[non_exhaustive]`, `#[deprecated]`,
/// `#[doc(hidden)]`.
fn markers(attrs: &[syn::Attribute]) -> String {
    let mut out = String::new();
    for attr in attrs {
        let path = attr.path();
        if path.is_ident("non_exhaustive") {
            out.push_str(" #[non_exhaustive]");
        } else if path.is_ident("deprecated") {
            out.push_str(" #[deprecated]");
        } else if path.is_ident("doc")
            && attr
                .meta
                .require_list()
                .is_ok_and(|l| l.tokens.to_string() == "hidden")
        {
            out.push_str(" #[doc(hidden)]");
        }
    }
    out
}

/// Tokens as a person writes them: `Option<Vec<String>>`, `&'a T`, `impl Into<String>`.
fn text(tokens: impl ToTokens) -> String {
    let raw = tokens.to_token_stream().to_string();
    let mut out = String::with_capacity(raw.len());
    let mut prev = "";
    for token in raw.split(' ').filter(|t| !t.is_empty()) {
        let glued = token.starts_with(['<', '>', ',', ')', ']', ';', ':', '?'])
            || prev.is_empty()
            || prev.ends_with(['<', '(', '[', '&'])
            || prev.ends_with("::");
        if !glued {
            out.push(' ');
        }
        out.push_str(token);
        prev = token;
    }
    out
}

fn items(module: &str, items: &[syn::Item], out: &mut BTreeSet<String>) {
    for item in items {
        match item {
            syn::Item::Struct(s) if is_pub(&s.vis) => {
                let path = join(module, &s.ident.to_string());
                out.insert(format!(
                    "struct {path}{}{}",
                    text(&s.generics),
                    markers(&s.attrs)
                ));
                for (i, field) in s.fields.iter().enumerate() {
                    if !is_pub(&field.vis) {
                        continue;
                    }
                    let name = field
                        .ident
                        .as_ref()
                        .map_or_else(|| i.to_string(), ToString::to_string);
                    out.insert(format!(
                        "field {path}.{name}: {}{}",
                        text(&field.ty),
                        markers(&field.attrs)
                    ));
                }
            }
            syn::Item::Enum(e) if is_pub(&e.vis) => {
                let path = join(module, &e.ident.to_string());
                out.insert(format!(
                    "enum {path}{}{}",
                    text(&e.generics),
                    markers(&e.attrs)
                ));
                for v in &e.variants {
                    let fields = match &v.fields {
                        syn::Fields::Unit => String::new(),
                        fields => text(fields),
                    };
                    let discriminant = v
                        .discriminant
                        .as_ref()
                        .map(|(_, d)| format!(" = {}", text(d)))
                        .unwrap_or_default();
                    out.insert(format!(
                        "variant {path}::{}{fields}{discriminant}{}",
                        v.ident,
                        markers(&v.attrs)
                    ));
                }
            }
            syn::Item::Const(c) if is_pub(&c.vis) => {
                out.insert(format!(
                    "const {}: {}{}",
                    join(module, &c.ident.to_string()),
                    text(&c.ty),
                    markers(&c.attrs)
                ));
            }
            syn::Item::Static(s) if is_pub(&s.vis) => {
                out.insert(format!(
                    "static {}: {}{}",
                    join(module, &s.ident.to_string()),
                    text(&s.ty),
                    markers(&s.attrs)
                ));
            }
            syn::Item::Type(t) if is_pub(&t.vis) => {
                out.insert(format!(
                    "type {}{} = {}{}",
                    join(module, &t.ident.to_string()),
                    text(&t.generics),
                    text(&t.ty),
                    markers(&t.attrs)
                ));
            }
            syn::Item::Fn(f) if is_pub(&f.vis) => {
                out.insert(
                    format!(
                        "fn {}{}",
                        join(module, &f.sig.ident.to_string()),
                        signature(&f.sig),
                    ) + &markers(&f.attrs),
                );
            }
            syn::Item::Trait(t) if is_pub(&t.vis) => {
                let path = join(module, &t.ident.to_string());
                let supertraits = if t.supertraits.is_empty() {
                    String::new()
                } else {
                    format!(": {}", text(&t.supertraits))
                };
                out.insert(format!("trait {path}{supertraits}{}", markers(&t.attrs)));
                for item in &t.items {
                    if let syn::TraitItem::Fn(f) = item {
                        out.insert(format!("fn {path}::{}{}", f.sig.ident, signature(&f.sig)));
                    }
                }
            }
            syn::Item::Mod(m) if is_pub(&m.vis) => {
                let path = join(module, &m.ident.to_string());
                out.insert(format!("mod {path}{}", markers(&m.attrs)));
                if let Some((_, inner)) = &m.content {
                    self::items(&path, inner, out);
                }
            }
            syn::Item::Impl(i) => impl_items(module, i, out),
            syn::Item::Macro(m) => macro_items(module, m, out),
            _ => {}
        }
    }
}

/// What the macros of `feishu_perf_core` declare, listed as the items they expand to.
fn macro_items(module: &str, m: &syn::ItemMacro, out: &mut BTreeSet<String>) {
    let Some(name) = m.mac.path.segments.last().map(|s| s.ident.to_string()) else {
        return;
    };
    match name.as_str() {
        // `open_enum! { pub enum X { A = "a", } }`: the enum, `Unknown(String)` and the impls.
        "open_enum" => {
            let Ok(e) = m.mac.parse_body::<syn::ItemEnum>() else {
                panic!("an open_enum! call in {module} does not hold an enum");
            };
            let path = join(module, &e.ident.to_string());
            out.insert(format!(
                "enum {path} #[non_exhaustive]{}",
                markers(&e.attrs)
            ));
            for v in &e.variants {
                out.insert(format!("variant {path}::{}{}", v.ident, markers(&v.attrs)));
            }
            out.insert(format!("variant {path}::Unknown(String)"));
            out.insert(format!("fn {path}::as_str(&self) -> &str"));
            for imp in [
                "Deserialize<'de>",
                "From<&str>",
                "From<String>",
                "OpenEnum",
                "Serialize",
                "fmt::Display",
            ] {
                let assoc = if imp == "OpenEnum" {
                    " { const VALUES: &'static [&'static str]; }"
                } else {
                    ""
                };
                out.insert(format!("impl {imp} for {path}{assoc}"));
            }
        }
        // `deserialize_from_map!(A, B)`: a `Deserialize` impl each.
        "deserialize_from_map" => {
            let types = m
                .mac
                .parse_body_with(
                    syn::punctuated::Punctuated::<syn::Type, syn::Token![,]>::parse_terminated,
                )
                .unwrap_or_else(|e| panic!("a deserialize_from_map! call in {module}: {e}"));
            for ty in types {
                out.insert(format!(
                    "impl Deserialize<'de> for {}",
                    join(module, &text(&ty))
                ));
            }
        }
        _ => {}
    }
}

/// `(self, value: i64) -> Self`, with `async` and generics where they are.
fn signature(sig: &syn::Signature) -> String {
    let inputs = sig
        .inputs
        .iter()
        .map(|arg| match arg {
            syn::FnArg::Receiver(r) => match (&r.reference, r.mutability) {
                (Some(_), Some(_)) => "&mut self".to_owned(),
                (Some(_), None) => "&self".to_owned(),
                (None, _) => "self".to_owned(),
            },
            syn::FnArg::Typed(t) => format!("{}: {}", text(&t.pat), text(&t.ty)),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let output = match &sig.output {
        syn::ReturnType::Default => String::new(),
        syn::ReturnType::Type(_, ty) => format!(" -> {}", text(ty)),
    };
    let asyncness = if sig.asyncness.is_some() {
        " async"
    } else {
        ""
    };
    format!("{}({inputs}){output}{asyncness}", text(&sig.generics))
}

/// The public methods of an inherent impl, and a trait impl as one line with its associated
/// types (a trait impl's methods are the trait's).
fn impl_items(module: &str, i: &syn::ItemImpl, out: &mut BTreeSet<String>) {
    let syn::Type::Path(self_ty) = &*i.self_ty else {
        return;
    };
    let Some(last) = self_ty.path.segments.last() else {
        return;
    };
    let path = join(module, &last.ident.to_string());
    match &i.trait_ {
        Some((_, trait_path, _)) => {
            let assoc: Vec<String> = i
                .items
                .iter()
                .filter_map(|item| match item {
                    syn::ImplItem::Type(t) => Some(format!("type {} = {};", t.ident, text(&t.ty))),
                    syn::ImplItem::Const(c) => Some(format!("const {}: {};", c.ident, text(&c.ty))),
                    _ => None,
                })
                .collect();
            let assoc = if assoc.is_empty() {
                String::new()
            } else {
                format!(" {{ {} }}", assoc.join(" "))
            };
            out.insert(format!("impl {} for {path}{}", text(trait_path), assoc));
        }
        None => {
            for item in &i.items {
                match item {
                    syn::ImplItem::Fn(f) if is_pub(&f.vis) => {
                        out.insert(
                            format!("fn {path}::{}{}", f.sig.ident, signature(&f.sig))
                                + &markers(&f.attrs),
                        );
                    }
                    syn::ImplItem::Const(c) if is_pub(&c.vis) => {
                        out.insert(format!(
                            "const {path}::{}: {}{}",
                            c.ident,
                            text(&c.ty),
                            markers(&c.attrs)
                        ));
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn surface_of(code: &str) -> Vec<String> {
        let file = OutputFile {
            path: "src/performance/v1/semester_list.rs".into(),
            contents: code.into(),
        };
        surface(&[file])
            .contents
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_public_item_is_one_line_under_its_public_path() {
        let lines = surface_of(
            r#"
            #[non_exhaustive]
            pub struct Request { pub year: Option<i64>, pub ids: Vec<String>, hidden: u8 }
            impl Request {
                pub fn new(ids: Vec<String>) -> Self { todo!() }
                pub fn year(mut self, value: i64) -> Self { self }
                fn private(&self) {}
            }
            impl ApiRequest for Request { type Response = Body; fn x() {} }
            #[non_exhaustive]
            pub enum Kind { A, Unknown(String) }
            #[deprecated(note = "use Kind")]
            pub type Old = Kind;
            pub const LIST: EndpointDescriptor = todo!();
            pub(crate) struct Internal;
            "#,
        );
        assert_eq!(
            lines,
            [
                "const performance::v1::LIST: EndpointDescriptor",
                "enum performance::v1::Kind #[non_exhaustive]",
                "field performance::v1::Request.ids: Vec<String>",
                "field performance::v1::Request.year: Option<i64>",
                "fn performance::v1::Request::new(ids: Vec<String>) -> Self",
                "fn performance::v1::Request::year(self, value: i64) -> Self",
                "impl ApiRequest for performance::v1::Request { type Response = Body; }",
                "struct performance::v1::Request #[non_exhaustive]",
                "type performance::v1::Old = Kind #[deprecated]",
                "variant performance::v1::Kind::A",
                "variant performance::v1::Kind::Unknown(String)",
            ]
        );
    }

    #[test]
    fn types_read_as_written() {
        let lines = surface_of(
            "pub struct R<'a, T> { pub t: &'a T, pub f: Option<Vec<std::collections::BTreeMap<String, i64>>> }
             impl<'a, T: Transport> R<'a, T> { pub async fn list(&self, r: impl Into<String>) -> Result<Vec<u8>, T::Error> { todo!() } }",
        );
        assert!(
            lines.contains(&"struct performance::v1::R<'a, T>".to_owned()),
            "{lines:#?}"
        );
        assert!(
            lines.contains(&"field performance::v1::R.t: &'a T".to_owned()),
            "{lines:#?}"
        );
        assert!(
            lines.contains(
                &"field performance::v1::R.f: Option<Vec<std::collections::BTreeMap<String, i64>>>"
                    .to_owned()
            ),
            "{lines:#?}"
        );
        assert!(
            lines.contains(
                &"fn performance::v1::R::list(&self, r: impl Into<String>) -> Result<Vec<u8>, T::Error> async"
                    .to_owned()
            ),
            "{lines:#?}"
        );
    }
}
