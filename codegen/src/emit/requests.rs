//! An endpoint's request: its struct (path and query parameters, and the body), the
//! constructor and setters, and its `ApiRequest` and `PaginatedRequest` impls.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{FieldShape, is_optional, rust_type};
use super::validation::emit_request_validate;
use super::{doc, ident};
use crate::ir::{Endpoint, Field, Ty};
use crate::model::TokensIn;

/// The request struct, its builder, `Validate`, `ApiRequest` and, for a paged
/// endpoint, `PaginatedRequest`.
pub(super) fn emit_request(e: &Endpoint) -> TokenStream {
    let src = &e.source;
    let request = format_ident!("{}Request", e.name);
    let body_name = format!("{}RequestBody", e.name);
    let response_name = format!("{}ResponseBody", e.name);
    let error_name = super::ident(&e.error_enum());
    let descriptor = format_ident!("{}", super::descriptors::descriptor_name(e));
    let method = format!("{:?}", src.http_method);
    let link = format!("[{}]({})", src.summary, src.doc_url);
    let body_fields = &e.request_body;
    let response_ty = match &e.response_body {
        Some(_) => {
            let r = ident(&response_name);
            quote!(#r)
        }
        None => quote!(feishu_perf_core::EmptyResponse),
    };

    let params: Vec<&Field> = e.path_params.iter().chain(&e.query).collect();
    let shapes: Vec<FieldShape> = params.iter().map(|f| FieldShape::of(f, false)).collect();
    let body_required = body_fields
        .as_ref()
        .is_some_and(|f| f.iter().any(|f| f.required));
    let body_ident = ident(&body_name);
    let decls = shapes.iter().map(|s| {
        let FieldShape {
            name,
            declared,
            doc,
            ..
        } = s;
        quote!(#doc pub #name: #declared,)
    });
    let body_decl = body_fields.as_ref().map(|_| {
        quote!(/// The JSON body.
        pub body: #body_ident,)
    });
    let mut args: Vec<TokenStream> = shapes
        .iter()
        .filter(|s| s.arg)
        .map(|s| {
            let FieldShape { name, param, .. } = s;
            quote!(#name: #param)
        })
        .collect();
    let mut inits: Vec<TokenStream> = shapes.iter().map(FieldShape::init).collect();
    let mut setters: Vec<TokenStream> = shapes
        .iter()
        .zip(&params)
        .filter(|(s, _)| !s.arg)
        .map(|(s, f)| s.setter(&format!("Sets the query parameter `{}`.", f.wire_name)))
        .collect();
    if body_fields.is_some() {
        if body_required {
            args.push(quote!(body: #body_ident));
            inits.push(quote!(body));
        } else {
            inits.push(quote!(body: #body_ident::new()));
            setters.push(quote! {
                /// Sets the JSON body.
                pub fn body(mut self, body: #body_ident) -> Self {
                    self.body = body;
                    self
                }
            });
        }
    }
    let request_doc = doc(&format!(
        "Request of {link}: `{method} {}`.\n\nBuild it with [`{request}::new`], which takes every required value, then chain the setters of the optional ones.",
        src.path.value
    ));
    let derive_default = (args.is_empty()).then(|| quote!(Default,));
    let new_doc_attr = doc(if args.is_empty() {
        "A request with every optional value unset."
    } else {
        "A request with its required values; set the optional ones with the methods below."
    });
    let validate = emit_request_validate(e, &request);

    // ApiRequest.
    let path_expr = if e.path_params.is_empty() {
        let p = &src.path.value;
        quote!(#p.to_owned())
    } else {
        let mut template = src.path.value.clone();
        let mut values = Vec::new();
        for p in &e.path_params {
            template = template.replace(&format!("{{{}}}", p.wire_name), "{}");
            let n = ident(&p.rust_name);
            values.push(quote!(encode_path_segment(&self.#n)));
        }
        quote!(format!(#template, #(#values),*))
    };
    let query_pushes = e
        .query
        .iter()
        .map(|f| {
            let n = ident(&f.rust_name);
            let wire = &f.wire_name;
            let optional = is_optional(f, false);
            let scalar = |ty: &Ty| match ty {
                Ty::String => quote!(value.clone()),
                Ty::Enum(_) => quote!(value.as_str().to_owned()),
                _ => quote!(value.to_string()),
            };
            // An array is sent as the key repeated once per item
            // (`tag_ids=1&tag_ids=2`), as the official SDKs send it.
            let (binding, push) = match &f.ty {
                Ty::Array(inner) => {
                    let to_string = scalar(inner);
                    (
                        quote!(values),
                        quote!(for value in values { query.push((#wire, #to_string)); }),
                    )
                }
                other => {
                    let to_string = scalar(other);
                    (quote!(value), quote!(query.push((#wire, #to_string));))
                }
            };
            if optional {
                quote!(if let Some(#binding) = &self.#n { #push })
            } else {
                quote!({ let #binding = &self.#n; #push })
            }
        })
        .collect::<Vec<_>>();
    let query_fn = if query_pushes.is_empty() {
        quote!(
            fn query_pairs(&self) -> Vec<(&'static str, String)> {
                Vec::new()
            }
        )
    } else {
        quote! {
            fn query_pairs(&self) -> Vec<(&'static str, String)> {
                let mut query = Vec::new();
                #(#query_pushes)*
                query
            }
        }
    };
    let (body_ty, body_fn) = match body_fields {
        Some(_) => (
            quote!(#body_ident),
            quote!(
                fn json_body(&self) -> Option<&Self::Body> {
                    Some(&self.body)
                }
            ),
        ),
        None => (
            quote!(()),
            quote!(
                fn json_body(&self) -> Option<&Self::Body> {
                    None
                }
            ),
        ),
    };
    let client_token = e.query.iter().find(|f| f.idempotency_key).map(|f| {
        let n = ident(&f.rust_name);
        quote! {
            fn idempotency_token(&self) -> Option<&str> { self.#n.as_deref() }
            fn set_idempotency_token(&mut self, token: String) { self.#n = Some(token); }
        }
    });
    let paginated = e.pagination.as_ref().map(|(items, item_ty)| {
        let items = ident(items);
        let item_ty = rust_type(item_ty);
        let tokens_in = e.source.pagination.as_ref().map(|p| p.tokens_in);
        let (carrier, fields) = match tokens_in {
            Some(TokensIn::Body) => (
                quote!(self.body),
                e.request_body.as_deref().unwrap_or_default(),
            ),
            _ => (quote!(self), e.query.as_slice()),
        };
        let rust = |wire: &str| {
            ident(
                fields
                    .iter()
                    .find(|f| f.wire_name == wire)
                    .map_or(wire, |f| f.rust_name.as_str()),
            )
        };
        let (token, size) = (rust("page_token"), rust("page_size"));
        let page_size = match fields.iter().find(|f| f.wire_name == "page_size") {
            Some(f) if f.ty == Ty::String => quote!(size.to_string()),
            _ => quote!(size),
        };
        quote! {
            impl PaginatedRequest for #request {
                type Item = #item_ty;

                fn set_page_token(&mut self, token: Option<String>) {
                    #carrier.#token = token;
                }

                fn set_page_size(&mut self, size: i64) {
                    #carrier.#size = Some(#page_size);
                }

                fn next_page_token(response: &Self::Response) -> Option<String> {
                    next_page_token(response.has_more, response.page_token.as_deref())
                }

                fn into_items(response: Self::Response) -> Vec<Self::Item> {
                    response.#items.unwrap_or_default()
                }
            }
        }
    });

    quote! {
        #request_doc
        #[derive(Debug, Clone, PartialEq, #derive_default)]
        #[non_exhaustive]
        pub struct #request {
            #(#decls)*
            #body_decl
        }

        impl #request {
            #new_doc_attr
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }

            #(#setters)*
        }

        #validate

        impl ApiRequest for #request {
            type Body = #body_ty;
            type Response = #response_ty;
            type ErrorCode = #error_name;
            const DESCRIPTOR: &'static EndpointDescriptor = &#descriptor;

            fn request_path(&self) -> String {
                #path_expr
            }

            #query_fn

            #body_fn

            #client_token
        }

        #paginated
    }
}
