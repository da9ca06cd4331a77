//! One endpoint's module: its documentation and imports around the descriptor, the
//! request, the types it defines and its error codes.

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::descriptors::emit_descriptor;
use super::error_codes::{emit_error_enum, facts_imports};
use super::names::old_name;
use super::requests::emit_request;
use super::types::{emit_object, emit_type, named_types};
use super::validation::uses_validate_helpers;
use super::{OutputFile, doc, file, ident, inner_doc};
use crate::ir::{Endpoint, Field, Ty, TypeDef, TypeKind};

/// `src/<service>/<version>/<resource>_<operation>.rs`.
pub(super) fn emit_endpoint(e: &Endpoint) -> OutputFile {
    let src = &e.source;
    let request = format_ident!("{}Request", e.name);
    let body_name = format!("{}RequestBody", e.name);
    let response_name = format!("{}ResponseBody", e.name);
    let method = format!("{:?}", src.http_method);
    let link = format!("[{}]({})", src.summary, src.doc_url);
    let module_doc = inner_doc(&module_doc(e, &link, &method));

    // Types defined here, then the body and response structs.
    let mut local_types: Vec<TokenStream> = Vec::new();
    let body_fields = &e.request_body;
    if let Some(fields) = body_fields {
        local_types.push(emit_object(
            &body_name,
            &format!("Body of [`{request}`]."),
            fields,
            false,
        ));
    }
    let response_fields = &e.response_body;
    if let Some(fields) = response_fields {
        local_types.push(emit_object(
            &response_name,
            &format!("The `data` of a successful response to [`{request}`]."),
            fields,
            true,
        ));
    }
    local_types.extend(e.types.iter().map(emit_type));
    // The names the naming rule replaced, kept one release (docs/semver.md).
    local_types.extend(e.types.iter().filter_map(|t| {
        let old = ident(&old_name(&t.wire_name, &t.rust_name)?);
        let new = ident(&t.rust_name);
        let d = doc(&format!("The former name of [`{new}`]."));
        let note =
            format!("renamed `{new}`: a type's name says what it belongs to (docs/semver.md)");
        Some(quote! {
            #d
            #[deprecated(note = #note)]
            pub type #old = #new;
        })
    }));

    // Types from elsewhere in the version.
    let mut referenced = BTreeSet::new();
    let all_fields = e
        .path_params
        .iter()
        .chain(&e.query)
        .chain(body_fields.iter().flatten())
        .chain(response_fields.iter().flatten());
    named_types(all_fields, &mut referenced);
    for t in &e.types {
        if let TypeKind::Object(fields) = &t.kind {
            named_types(fields, &mut referenced);
        }
    }
    let local: BTreeSet<String> = e.types.iter().map(|t| t.rust_name.clone()).collect();
    if let Some(shared) = &e.shared_errors {
        referenced.insert(shared.clone());
    }
    let outside: Vec<Ident> = referenced.difference(&local).map(|n| ident(n)).collect();
    let outside = (!outside.is_empty()).then(|| quote!(use super::{#(#outside),*};));

    let descriptor = emit_descriptor(e);
    let request_items = emit_request(e);
    let own_name = format_ident!("{}ErrorCode", e.name);
    let errors = match &e.shared_errors {
        None => {
            let error_doc = format!(
                "Error codes of {link}: the page's error table, then the platform-wide codes, then any other number."
            );
            emit_error_enum(&own_name, &error_doc, &e.errors, true)
        }
        Some(shared) => {
            let shared = ident(shared);
            let alias_doc = doc(&format!(
                "Error codes of {link}: the table it shares with its family, [`{shared}`]."
            ));
            quote! {
                #alias_doc
                pub type #own_name = #shared;
            }
        }
    };

    // Imports, derived from what the module uses.
    let mut core_items: Vec<TokenStream> = vec![
        quote!(AccessTokenType),
        quote!(ApiRequest),
        quote!(DocExamples),
        quote!(EndpointDescriptor),
    ];
    let own_errors = e.shared_errors.is_none();
    if own_errors {
        core_items.push(quote!(ErrorCode));
        core_items.extend(facts_imports(&e.errors));
    }
    core_items.extend([quote!(HttpMethod), quote!(JsonPath)]);
    let type_defs: &[TypeDef] = &e.types;
    let fmt_import = own_errors.then(|| {
        quote!(
            use std::fmt;
        )
    });
    if e.pagination.is_some() {
        core_items.push(quote!(PaginatedRequest));
        core_items.push(quote!(Pagination));
    }
    if src.rate_limit.is_some() {
        core_items.push(quote!(RateLimit));
    }
    core_items.push(quote!(Validate));
    core_items.push(quote!(Violation));
    if !e.path_params.is_empty() {
        core_items.push(quote!(encode_path_segment));
    }
    if e.pagination.is_some() {
        core_items.push(quote!(next_page_token));
    }
    let params: Vec<&Field> = e.path_params.iter().chain(&e.query).collect();
    // A string path parameter is always checked not to be empty.
    let uses_param_checks = params.iter().any(|f| uses_validate_helpers(f, false))
        || e.path_params.iter().any(|f| matches!(f.ty, Ty::String));
    let object_fields = body_fields
        .iter()
        .flatten()
        .map(|f| (f, false))
        .chain(response_fields.iter().flatten().map(|f| (f, true)))
        .chain(type_defs.iter().flat_map(|t| match &t.kind {
            TypeKind::Object(fields) => fields.iter().map(|f| (f, t.in_response)).collect(),
            TypeKind::Enum(_) => Vec::new(),
        }));
    let uses_helpers = uses_param_checks
        || object_fields
            .clone()
            .any(|(f, in_response)| uses_validate_helpers(f, in_response));
    if uses_helpers {
        core_items.push(quote!(validate));
    }
    let has_object = body_fields.is_some()
        || response_fields.is_some()
        || type_defs
            .iter()
            .any(|t| matches!(t.kind, TypeKind::Object(_)));
    if has_object {
        core_items.push(quote!(wire));
    }
    let serde_import = quote!(
        use serde::Serialize;
    );

    let tokens = quote! {
        #module_doc

        #fmt_import

        #serde_import
        use feishu_perf_core::{#(#core_items),*};

        #outside
        use crate::platform::PlatformErrorCode;

        #descriptor

        #request_items

        #(#local_types)*

        #errors
    };
    file(
        format!(
            "src/{}/{}/{}.rs",
            src.service.value, src.version.value, e.module
        ),
        &[&e.file],
        tokens,
    )
}

/// The module's documentation: the page's link and description, its notes, and the
/// facts a caller needs before the first call (rate limit, scopes).
fn module_doc(e: &Endpoint, link: &str, method: &str) -> String {
    let src = &e.source;
    let mut module_doc = format!(
        "{link}: `{method} {}`.\n\n{}",
        src.path.value,
        src.description.trim_end()
    );
    if let Some(notes) = &src.notes {
        module_doc.push_str(&format!("\n\n{}", notes.trim_end()));
    }
    let mut facts = Vec::new();
    if let Some(date) = &src.last_updated {
        facts.push(format!("- Page last updated: {date}"));
    }
    if let Some(limit) = &src.rate_limit {
        if let Some(n) = limit.per_minute {
            facts.push(format!(
                "- Rate limit: {n} calls a minute per app and tenant"
            ));
        }
        if let Some(n) = limit.per_second {
            facts.push(format!(
                "- Rate limit: {n} calls a second per app and tenant"
            ));
        }
    } else {
        facts.push("- Rate limit: not documented".to_owned());
    }
    if !src.scopes.is_empty() {
        let scopes = src
            .scopes
            .iter()
            .map(|s| format!("`{}` ({})", s.name, s.description))
            .collect::<Vec<_>>();
        facts.push(format!(
            "- Scopes (any one suffices): {}",
            scopes.join(", ")
        ));
    }
    if !src.field_scopes.is_empty() {
        let scopes = src
            .field_scopes
            .iter()
            .map(|s| format!("`{}` ({})", s.name, s.description))
            .collect::<Vec<_>>();
        facts.push(format!("- Field scopes: {}", scopes.join(", ")));
    }
    module_doc.push_str(&format!("\n\n{}", facts.join("\n")));
    module_doc
}
