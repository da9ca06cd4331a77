//! An endpoint's `EndpointDescriptor` (what the runtime sends it by) and the page's
//! examples (`DocExamples`), verbatim.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{doc, raw_str};
use crate::ir::Endpoint;
use crate::model::{AccessToken, HttpMethod, TokensIn};
use crate::naming::screaming_snake_case;

/// The name of an endpoint's descriptor constant (`IMPORT_METRIC_DETAIL`).
pub(super) fn descriptor_name(e: &Endpoint) -> String {
    screaming_snake_case(&e.name)
}

/// The descriptor constant, then the examples constant.
pub(super) fn emit_descriptor(e: &Endpoint) -> TokenStream {
    let src = &e.source;
    let descriptor = format_ident!("{}", descriptor_name(e));
    let examples = format_ident!("{}_EXAMPLES", descriptor_name(e));
    let error_enum = super::ident(&e.error_enum());
    let method = format!("{:?}", src.http_method);
    let link = format!("[{}]({})", src.summary, src.doc_url);
    let http_method = match src.http_method {
        HttpMethod::GET => quote!(HttpMethod::Get),
        HttpMethod::POST => quote!(HttpMethod::Post),
        HttpMethod::PUT => quote!(HttpMethod::Put),
        HttpMethod::PATCH => quote!(HttpMethod::Patch),
        HttpMethod::DELETE => quote!(HttpMethod::Delete),
    };
    let tokens_kinds = src.access_tokens.iter().map(|t| match t {
        AccessToken::TenantAccessToken => quote!(AccessTokenType::Tenant),
        AccessToken::UserAccessToken => quote!(AccessTokenType::User),
        AccessToken::AppAccessToken => quote!(AccessTokenType::App),
    });
    let scopes = src.scopes.iter().map(|s| &s.name);
    let field_scopes = src.field_scopes.iter().map(|s| &s.name);
    let rate_limit = match &src.rate_limit {
        Some(l) => {
            let m = opt_u32(l.per_minute);
            let s = opt_u32(l.per_second);
            quote!(Some(RateLimit { per_minute: #m, per_second: #s }))
        }
        None => quote!(None),
    };
    let pagination = match &src.pagination {
        Some(p) => {
            let items = &p.items.value;
            let in_body = p.tokens_in == TokensIn::Body;
            let carrier = if in_body {
                e.request_body.as_deref().unwrap_or_default()
            } else {
                e.query.as_slice()
            };
            let size = carrier.iter().find(|f| f.wire_name == "page_size");
            let default = size
                .and_then(|f| f.default.as_ref())
                .and_then(|d| d.as_u64());
            let max = size
                .and_then(|f| f.range)
                .and_then(|r| r.max)
                .and_then(|m| u64::try_from(m).ok());
            let default = opt_u64(default);
            let max = opt_u64(max);
            quote!(Some(Pagination { items_field: #items, default_page_size: #default, max_page_size: #max, tokens_in_body: #in_body }))
        }
        None => quote!(None),
    };
    let id = format!(
        "{}.{}.{}.{}",
        src.service.value, src.version.value, src.resource, src.operation
    );
    let (summary, doc_url, path_template) = (&src.summary, &src.doc_url, &src.path.value);
    let takes_client_token = e.query.iter().any(|f| f.idempotency_key);
    // See `EndpointDescriptor::retry_safe`.
    let retry_safe = takes_client_token
        || src.http_method != HttpMethod::POST
        || src.pagination.is_some()
        || src.read_only;
    let descriptor_doc_attr = doc(&format!(
        "Descriptor of {link}: `{method} {path_template}`."
    ));
    let examples_doc_attr = doc(&format!("The examples on the page of {link}, verbatim."));
    let ex = |s: &Option<String>| match s {
        Some(s) => {
            let lit = raw_str(s);
            quote!(Some(#lit))
        }
        None => quote!(None),
    };
    let (ex_query, ex_body, ex_response) = (
        ex(&src.examples.request_query),
        ex(&src.examples.request_body),
        ex(&src.examples.response),
    );
    quote! {
        #descriptor_doc_attr
        pub const #descriptor: EndpointDescriptor = EndpointDescriptor {
            id: #id,
            summary: #summary,
            doc_url: #doc_url,
            method: #http_method,
            path_template: #path_template,
            access_tokens: &[#(#tokens_kinds),*],
            scopes: &[#(#scopes),*],
            field_scopes: &[#(#field_scopes),*],
            rate_limit: #rate_limit,
            client_token: #takes_client_token,
            retry_safe: #retry_safe,
            pagination: #pagination,
            errors: #error_enum::TABLE,
            platform_errors: PlatformErrorCode::TABLE,
        };

        #examples_doc_attr
        pub const #examples: DocExamples = DocExamples {
            request_query: #ex_query,
            request_body: #ex_body,
            response: #ex_response,
        };
    }
}

fn opt_u32(v: Option<u32>) -> TokenStream {
    opt_u64(v.map(u64::from))
}

fn opt_u64(v: Option<u64>) -> TokenStream {
    match v {
        Some(v) => {
            let v = Literal::u64_unsuffixed(v);
            quote!(Some(#v))
        }
        None => quote!(None),
    }
}
