//! The crate root, the service and version modules, and the accessors that reach an
//! endpoint as the official SDKs do: `client.performance().v2().metric_detail().import(..)`.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::error_codes::{emit_shared_error_enum, facts_imports};
use super::types::emit_type;
use super::validation::uses_validate_helpers;
use super::{OutputFile, doc, file, ident, inner_doc};
use crate::ir::{Api, Endpoint, ErrorDef, ServiceVersion, TypeDef, TypeKind};
use crate::naming::{pascal_case, screaming_snake_case};

/// The crate root: the service modules, `ENDPOINTS` and the `Services` trait.
pub(super) fn emit_lib(api: &Api) -> OutputFile {
    let services: BTreeSet<&str> = api.versions.iter().map(|v| v.service.as_str()).collect();
    let mods = services.iter().map(|s| {
        let m = ident(s);
        let d_attr = doc(&format!("The `{s}` service."));
        quote!(#d_attr #[rustfmt::skip] pub mod #m;)
    });
    let descriptors = api.versions.iter().flat_map(|v| {
        let service = ident(&v.service);
        let version = ident(&v.version);
        v.endpoints.iter().map(move |e| {
            let c = format_ident!("{}", screaming_snake_case(&e.name));
            quote!(&#service::#version::#c)
        })
    });
    let service_fns = services.iter().map(|s| {
        let m = ident(s);
        let ty = ident(&pascal_case(s));
        let d = doc(&format!("The `{s}` service."));
        quote!(#d fn #m(&self) -> #m::#ty<'_, Self> { #m::#ty::new(self) })
    });
    let docs = inner_doc(
        "Feishu (Lark) performance and OKR bindings, generated from the YAML files under `schema/`.\n\n\
         One module per service and version (`performance::v2`, `okr::v1`); each endpoint gives a\n\
         request type with its builders and `validate()`, its response types, an error-code enum\n\
         and an [`EndpointDescriptor`](feishu_perf_core::EndpointDescriptor) from which the runtime\n\
         (`feishu-perf`) sends it.",
    );
    let events = (!api.events.is_empty()).then(|| {
        quote!(
            /// The events, by event type (with the `events` feature).
            #[cfg(feature = "events")]
            #[rustfmt::skip]
            pub mod events;
        )
    });
    let tokens = quote! {
        #docs
        #![deny(missing_docs)]

        #(#mods)*
        #events
        #[rustfmt::skip]
        pub mod platform;

        #[rustfmt::skip]
        pub mod registry;

        /// The descriptor of every endpoint, in schema order.
        #[rustfmt::skip]
        pub const ENDPOINTS: &[&feishu_perf_core::EndpointDescriptor] = &[#(#descriptors),*];

        /// The services, reached from any [`Transport`](feishu_perf_core::Transport), as in the
        /// official SDKs: `client.performance().v2().metric_detail().import(request)`.
        #[rustfmt::skip]
        pub trait Services: feishu_perf_core::Transport + Sized {
            #(#service_fns)*
        }

        #[rustfmt::skip]
        impl<T: feishu_perf_core::Transport> Services for T {}
    };
    file("src/lib.rs".into(), &["**/*.yaml"], tokens)
}

/// A service's module: its versions and its accessor.
pub(super) fn emit_service(service: &str, versions: &[&ServiceVersion]) -> OutputFile {
    let mods = versions.iter().map(|v| {
        let m = ident(&v.version);
        let d_attr = doc(&format!("`{service}` {}.", v.version));
        quote!(#d_attr pub mod #m;)
    });
    let d = inner_doc(&format!("The `{service}` service."));
    let ty = ident(&pascal_case(service));
    let struct_doc = doc(&format!("The `{service}` service's versions."));
    let version_fns = versions.iter().map(|v| {
        let m = ident(&v.version);
        let vty = ident(&pascal_case(&v.version));
        let d = doc(&format!("`{service}` {}.", v.version));
        quote!(#d pub fn #m(&self) -> #m::#vty<'a, T> { #m::#vty::new(self.transport) })
    });
    let tokens = quote! {
        #d
        use feishu_perf_core::Transport;

        #(#mods)*

        #struct_doc
        pub struct #ty<'a, T> {
            transport: &'a T,
        }

        impl<'a, T: Transport> #ty<'a, T> {
            pub(crate) fn new(transport: &'a T) -> Self {
                Self { transport }
            }

            #(#version_fns)*
        }
    };
    let sources: Vec<String> = versions
        .iter()
        .map(|v| format!("{service}/{}/", v.version))
        .collect();
    let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
    file(format!("src/{service}/mod.rs"), &sources, tokens)
}

/// A version's module: its endpoint modules, shared types and accessors.
pub(super) fn emit_version(version: &ServiceVersion) -> OutputFile {
    let mods = version.endpoints.iter().map(|e| {
        let m = ident(&e.module);
        let d_attr = doc(&format!(
            "{} (`{:?} {}`).",
            e.source.summary, e.source.http_method, e.source.path.value
        ));
        // The module is private: each item has one public path, the version's.
        quote! {
            #d_attr
            mod #m;
            pub use #m::*;
        }
    });
    let types = version.shared_types.iter().map(emit_type);
    let error_tables = version.error_tables.iter().map(emit_shared_error_enum);
    let imports = type_imports(version);
    let facade = emit_version_facade(version);
    let d = inner_doc(&format!(
        "`{}` {}: its endpoints and the types they share.",
        version.service, version.version
    ));
    let tokens = quote! {
        #d
        #imports

        #(#mods)*
        #facade
        #(#types)*
        #(#error_tables)*
    };
    let mut sources = Vec::new();
    if let Some(shared) = &version.shared_file {
        sources.push(shared.as_str());
    }
    let dir = format!("{}/{}/*.yaml", version.service, version.version);
    sources.push(&dir);
    file(
        format!("src/{}/{}/mod.rs", version.service, version.version),
        &sources,
        tokens,
    )
}

/// The version's accessor and one accessor a resource, each with a method an operation.
fn emit_version_facade(version: &ServiceVersion) -> TokenStream {
    let ty = ident(&pascal_case(&version.version));
    let mut resources: Vec<(&str, Vec<&Endpoint>)> = Vec::new();
    for e in &version.endpoints {
        match resources.iter_mut().find(|(r, _)| *r == e.source.resource) {
            Some((_, list)) => list.push(e),
            None => resources.push((&e.source.resource, vec![e])),
        }
    }
    let resource_fns = resources.iter().map(|(r, _)| {
        let m = ident(r);
        let rty = format_ident!("{}Resource", pascal_case(r));
        let d = doc(&format!("The `{r}` resource."));
        quote!(#d pub fn #m(&self) -> #rty<'a, T> { #rty { transport: self.transport } })
    });
    let resource_structs = resources.iter().map(|(r, endpoints)| {
        let rty = format_ident!("{}Resource", pascal_case(r));
        let d = doc(&format!(
            "The `{r}` resource of `{}` {}.",
            version.service, version.version
        ));
        let methods = endpoints.iter().map(|e| {
            let op = ident(&e.source.operation);
            let request = format_ident!("{}Request", e.name);
            let response = match &e.response_body {
                Some(_) => {
                    let r = format_ident!("{}ResponseBody", e.name);
                    quote!(#r)
                }
                None => quote!(feishu_perf_core::EmptyResponse),
            };
            let d = doc(&format!(
                "[{}]({}): `{:?} {}`.",
                e.source.summary, e.source.doc_url, e.source.http_method, e.source.path.value
            ));
            quote! {
                #d
                pub async fn #op(&self, request: #request) -> Result<#response, T::Error> {
                    self.transport.send(request).await
                }
            }
        });
        quote! {
            #d
            pub struct #rty<'a, T> {
                transport: &'a T,
            }

            impl<T: Transport> #rty<'_, T> {
                #(#methods)*
            }
        }
    });
    let d = doc(&format!(
        "`{}` {}, by resource.",
        version.service, version.version
    ));
    quote! {
        #d
        pub struct #ty<'a, T> {
            transport: &'a T,
        }

        impl<'a, T: Transport> #ty<'a, T> {
            pub(crate) fn new(transport: &'a T) -> Self {
                Self { transport }
            }

            #(#resource_fns)*
        }

        #(#resource_structs)*
    }
}

/// The `use` lines of a version module: what its shared types and error tables
/// need, and `Transport` for the resource accessors.
fn type_imports(version: &ServiceVersion) -> TokenStream {
    let types: &[TypeDef] = &version.shared_types;
    let errors: Vec<ErrorDef> = version
        .error_tables
        .iter()
        .flat_map(|t| t.errors.iter().cloned())
        .collect();
    let has_errors = !version.error_tables.is_empty();
    let has_object = types.iter().any(|t| matches!(t.kind, TypeKind::Object(_)));
    let uses_checks = types.iter().any(|t| match &t.kind {
        TypeKind::Object(fields) => fields
            .iter()
            .any(|f| uses_validate_helpers(f, t.in_response)),
        TypeKind::Enum(_) => false,
    });
    let mut out = TokenStream::new();
    if has_errors {
        out.extend(quote!(
            use std::fmt;
        ));
    }
    if has_object {
        out.extend(quote!(
            use serde::Serialize;
        ));
    }
    let mut core = Vec::new();
    if has_errors {
        core.push(quote!(ErrorCode));
        core.extend(facts_imports(&errors));
    }
    if has_object {
        core.push(quote!(JsonPath));
        core.push(quote!(Validate));
        core.push(quote!(Violation));
    }
    core.push(quote!(Transport));
    if uses_checks {
        core.push(quote!(validate));
    }
    if has_object {
        core.push(quote!(wire));
    }
    out.extend(quote!(use feishu_perf_core::{#(#core),*};));
    if has_errors {
        out.extend(quote!(
            use crate::platform::PlatformErrorCode;
        ));
    }
    out
}
