//! `Validate` impls: one check a documented rule, each reporting its JSON path.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::ident;
use super::types::{is_constructor_arg, is_optional};
use crate::ir::{Endpoint, Field, Ty};

/// The checks of one field's documented rules, for a value bound to `value`
/// and a path bound to `path`. Empty when the field has no rules.
pub(super) fn field_checks(field: &Field, in_response: bool) -> TokenStream {
    let mut checks = Vec::new();
    if let Some(b) = field.length {
        let (min, max) = (
            Literal::u64_unsuffixed(b.min),
            Literal::u64_unsuffixed(b.max),
        );
        checks.push(match &field.ty {
            Ty::Array(_) => quote!(validate::check_items(&path, value, #min, #max, out);),
            Ty::Enum(_) => quote!(validate::check_length(&path, value.as_str(), #min, #max, out);),
            _ => quote!(validate::check_length(&path, value, #min, #max, out);),
        });
    }
    if let Some(r) = field.range {
        let bound = |b: Option<i64>| match b {
            Some(b) => {
                let b = Literal::i64_unsuffixed(b);
                quote!(Some(#b))
            }
            None => quote!(None),
        };
        let (min, max) = (bound(r.min), bound(r.max));
        let (elem, check) = match element(&field.ty) {
            Ty::Number => (quote!(item), quote!(validate::check_range_f64)),
            _ => (quote!(item), quote!(validate::check_range_i64)),
        };
        checks.push(each_element(
            &field.ty,
            quote!(#check(&path, *#elem, #min, #max, out);),
        ));
    }
    if let Some(p) = &field.pattern {
        checks.push(each_element(
            &field.ty,
            quote! {
                static PATTERN: validate::Pattern = validate::Pattern::new(#p);
                validate::check_pattern(&path, item, &PATTERN, out);
            },
        ));
    }
    if let Some(values) = &field.values {
        checks.push(each_element(
            &field.ty,
            quote!(validate::check_one_of(&path, item, &[#(#values),*], out);),
        ));
    }
    match &field.ty {
        Ty::Enum(_) => checks.push(quote!(validate::check_allowed(&path, value, out);)),
        Ty::Object(_) => checks.push(quote!(value.validate_at(&path, out);)),
        Ty::Array(inner) => match inner.as_ref() {
            Ty::Object(_) => checks.push(quote!(value.validate_at(&path, out);)),
            Ty::Enum(_) => checks.push(quote! {
                for (index, item) in value.iter().enumerate() {
                    validate::check_allowed(&path.index(index), item, out);
                }
            }),
            _ => {}
        },
        _ => {}
    }
    let name = ident(&field.rust_name);
    let wire = &field.wire_name;
    let optional = is_optional(field, in_response);
    // Required by the page, optional in Rust only because a response may leave it out.
    let presence = (optional && is_constructor_arg(field))
        .then(|| quote!(validate::check_present(&path.key(#wire), self.#name.is_some(), out);));
    if checks.is_empty() {
        return presence.unwrap_or_default();
    }
    let bind = if optional {
        quote!(if let Some(value) = &self.#name)
    } else {
        quote!(let value = &self.#name;)
    };
    if optional {
        quote! {
            #presence
            #bind {
                let path = path.key(#wire);
                #(#checks)*
            }
        }
    } else {
        quote! {
            {
                #bind
                let path = path.key(#wire);
                #(#checks)*
            }
        }
    }
}

/// The type of an array's items, or the type itself.
fn element(ty: &Ty) -> &Ty {
    match ty {
        Ty::Array(inner) => inner.as_ref(),
        other => other,
    }
}

/// A check of one scalar bound to `item` at `path`, run on the value itself or
/// on each item of an array (each at its own index).
fn each_element(ty: &Ty, check: TokenStream) -> TokenStream {
    match ty {
        Ty::Array(_) => quote! {
            for (index, item) in value.iter().enumerate() {
                let path = path.index(index);
                #check
            }
        },
        _ => quote! {
            {
                let item = value;
                #check
            }
        },
    }
}

/// A struct's `Validate` impl: the checks of each of its fields.
pub(super) fn emit_validate(name: &Ident, fields: &[Field], in_response: bool) -> TokenStream {
    let checks: Vec<TokenStream> = fields
        .iter()
        .map(|f| field_checks(f, in_response))
        .filter(|c| !c.is_empty())
        .collect();
    let (path, out) = if checks.is_empty() {
        (quote!(_path), quote!(_out))
    } else {
        (quote!(path), quote!(out))
    };
    quote! {
        impl Validate for #name {
            fn validate_at(&self, #path: &JsonPath<'_>, #out: &mut Vec<Violation>) {
                #(#checks)*
            }
        }
    }
}

/// Whether a field's checks call `feishu_perf_core::validate`.
pub(super) fn uses_validate_helpers(field: &Field, in_response: bool) -> bool {
    (is_optional(field, in_response) && is_constructor_arg(field))
        || field.length.is_some()
        || field.range.is_some()
        || field.pattern.is_some()
        || field.values.is_some()
        || matches!(&field.ty, Ty::Enum(_))
        || matches!(&field.ty, Ty::Array(inner) if matches!(inner.as_ref(), Ty::Enum(_)))
}

/// A request's `Validate` impl: its path and query parameters (under `path.` and
/// `query.`), then its body.
pub(super) fn emit_request_validate(e: &Endpoint, request: &Ident) -> TokenStream {
    // A path parameter is a segment of the URL: an empty one would name another URL
    // (`/indicators/` instead of `/indicators/{id}`), so it counts as missing.
    let param_checks_path: Vec<TokenStream> = e
        .path_params
        .iter()
        .map(|f| {
            let checks = field_checks(f, false);
            if !matches!(f.ty, Ty::String) {
                return checks;
            }
            let name = ident(&f.rust_name);
            let wire = &f.wire_name;
            quote! {
                validate::check_segment(&path.key(#wire), &self.#name, out);
                #checks
            }
        })
        .filter(|c| !c.is_empty())
        .collect();
    let param_checks_query: Vec<TokenStream> = e
        .query
        .iter()
        .map(|f| field_checks(f, false))
        .filter(|c| !c.is_empty())
        .collect();
    let mut validate_body = Vec::new();
    if !param_checks_path.is_empty() {
        validate_body.push(quote! {{ let path = &path.key("path"); #(#param_checks_path)* }});
    }
    if !param_checks_query.is_empty() {
        validate_body.push(quote! {{ let path = &path.key("query"); #(#param_checks_query)* }});
    }
    if e.request_body.is_some() {
        validate_body.push(quote!(self.body.validate_at(path, out);));
    }
    let (vpath, vout) = if validate_body.is_empty() {
        (quote!(_path), quote!(_out))
    } else {
        (quote!(path), quote!(out))
    };
    quote! {
        impl Validate for #request {
            fn validate_at(&self, #vpath: &JsonPath<'_>, #vout: &mut Vec<Violation>) {
                #(#validate_body)*
            }
        }
    }
}
