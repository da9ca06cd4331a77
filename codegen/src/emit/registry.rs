//! The registry (`src/registry.rs`): every endpoint by its id, callable with
//! JSON. For each endpoint: a `RegistryEntry` (descriptor, examples, path and
//! query parameters, whether it takes a body) and a `FromCallInput` impl that
//! builds its typed request from text and JSON; then `call` and
//! `call_all_pages`, which build, validate and send any of them through a
//! `Transport`, answering the response's `data` as JSON.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::is_optional;
use super::{OutputFile, file, ident};
use crate::ir::{Api, Endpoint, Field, ServiceVersion, Ty, TypeKind};
use crate::naming::screaming_snake_case;

/// The schema's spelling of a resolved type (`string`, `integer[]`, the enum's Rust name).
fn type_name(ty: &Ty) -> String {
    match ty {
        Ty::String => "string".into(),
        Ty::Integer => "integer".into(),
        Ty::Number => "number".into(),
        Ty::Boolean => "boolean".into(),
        Ty::Object(name) | Ty::Enum(name) => name.clone(),
        Ty::Array(inner) => format!("{}[]", type_name(inner)),
    }
}

/// The documented values of an enumeration type of the version.
fn enum_values<'a>(v: &'a ServiceVersion, e: &'a Endpoint, ty: &Ty) -> Vec<&'a str> {
    let name = match ty {
        Ty::Enum(name) => name,
        Ty::Array(inner) => return enum_values(v, e, inner),
        _ => return Vec::new(),
    };
    v.shared_types
        .iter()
        .chain(&e.types)
        .find(|t| &t.rust_name == name)
        .map(|t| match &t.kind {
            TypeKind::Enum(values) => values.iter().map(|(w, _, _)| w.as_str()).collect(),
            TypeKind::Object(_) => Vec::new(),
        })
        .unwrap_or_default()
}

fn param_infos(v: &ServiceVersion, e: &Endpoint, fields: &[Field]) -> Vec<TokenStream> {
    fields
        .iter()
        .map(|f| {
            let (name, ty, required, description) =
                (&f.wire_name, type_name(&f.ty), f.required, &f.description);
            let values = enum_values(v, e, &f.ty);
            let example = match f.example.as_ref().map(example_text) {
                Some(text) => quote!(Some(#text)),
                None => quote!(None),
            };
            quote! {
                ParamInfo {
                    name: #name,
                    ty: #ty,
                    required: #required,
                    values: &[#(#values),*],
                    example: #example,
                    description: #description,
                }
            }
        })
        .collect()
}

/// A parameter's example as it is written in a query string.
fn example_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => {
            items.iter().map(example_text).collect::<Vec<_>>().join(",")
        }
        other => other.to_string(),
    }
}

/// The parser of one text value of a parameter of type `ty`.
fn parser(module: &TokenStream, ty: &Ty) -> TokenStream {
    match ty {
        Ty::String => quote!(registry::parse_string),
        Ty::Integer => quote!(registry::parse_i64),
        Ty::Number => quote!(registry::parse_f64),
        Ty::Boolean => quote!(registry::parse_bool),
        Ty::Enum(name) => {
            let e = format_ident!("{}", name);
            quote!(registry::parse_enum::<#module::#e>)
        }
        // The loader admits only scalars, enumerations and lists of them as
        // parameters; an object or a nested list would have been refused there.
        Ty::Object(_) | Ty::Array(_) => unreachable!("a parameter of type {ty:?}"),
    }
}

/// The expression that reads one parameter from `input`.
fn read_param(module: &TokenStream, f: &Field, place: &str) -> TokenStream {
    let wire = &f.wire_name;
    if place == "path" {
        return match &f.ty {
            Ty::String => quote!(input.path_param(#wire)?),
            other => {
                let p = parser(module, other);
                quote!(input.path_param_as(#wire, #p)?)
            }
        };
    }
    let optional = is_optional(f, false);
    match (&f.ty, optional) {
        (Ty::Array(inner), true) => {
            let p = parser(module, inner);
            quote!(input.query_many(#wire, #p)?)
        }
        (Ty::Array(inner), false) => {
            let p = parser(module, inner);
            quote!(input.query_many_required(#wire, #p)?)
        }
        (ty, true) => {
            let p = parser(module, ty);
            quote!(input.query_one(#wire, #p)?)
        }
        (ty, false) => {
            let p = parser(module, ty);
            quote!(input.query_required(#wire, #p)?)
        }
    }
}

struct Emitted {
    entry: TokenStream,
    /// The path of its request type (`crate::performance::v1::ListSemesterRequest`).
    request_path: String,
    from_input: TokenStream,
    paginated: bool,
    id: String,
}

fn emit_one(v: &ServiceVersion, e: &Endpoint) -> Emitted {
    let (service, version) = (ident(&v.service), ident(&v.version));
    let module = quote!(crate::#service::#version);
    let request = format_ident!("{}Request", e.name);
    let descriptor = format_ident!("{}", screaming_snake_case(&e.name));
    let examples = format_ident!("{}_EXAMPLES", screaming_snake_case(&e.name));
    let src = &e.source;
    let id = format!(
        "{}.{}.{}.{}",
        src.service.value, src.version.value, src.resource, src.operation
    );
    let path_infos = param_infos(v, e, &e.path_params);
    let query_infos = param_infos(v, e, &e.query);
    let has_body = e.request_body.is_some();
    let request_path = format!("crate::{}::{}::{request}", v.service, v.version);
    let entry = quote! {
        RegistryEntry {
            descriptor: &#module::#descriptor,
            examples: &#module::#examples,
            path_params: &[#(#path_infos),*],
            query_params: &[#(#query_infos),*],
            has_body: #has_body,
        }
    };
    let path_names = e.path_params.iter().map(|f| &f.wire_name);
    let query_names = e.query.iter().map(|f| &f.wire_name);
    let inits = e
        .path_params
        .iter()
        .map(|f| (f, "path"))
        .chain(e.query.iter().map(|f| (f, "query")))
        .map(|(f, place)| {
            let n = ident(&f.rust_name);
            let read = read_param(&module, f, place);
            quote!(#n: #read,)
        });
    let (body_check, body_init) = if has_body {
        (quote!(), quote!(body: input.body_as()?,))
    } else {
        (quote!(input.no_body()?;), quote!())
    };
    let from_input = quote! {
        impl FromCallInput for #module::#request {
            #[inline]
            fn from_call_input(input: &CallInput) -> Result<Self, InputError> {
                input.check_names(&[#(#path_names),*], &[#(#query_names),*])?;
                #body_check
                Ok(Self {
                    #(#inits)*
                    #body_init
                })
            }
        }
    };
    Emitted {
        entry,
        request_path,
        from_input,
        paginated: e.pagination.is_some(),
        id,
    }
}

/// `src/registry.rs`.
pub(super) fn emit_registry(api: &Api) -> OutputFile {
    let mut emitted: Vec<Emitted> = api
        .versions
        .iter()
        .flat_map(|v| v.endpoints.iter().map(move |e| emit_one(v, e)))
        .collect();
    // Sorted by id, so `find` can search.
    emitted.sort_by(|a, b| a.id.cmp(&b.id));
    let entries = emitted.iter().map(|x| &x.entry);
    let impls = emitted.iter().map(|x| &x.from_input);
    let tokens = quote! {
        //! Every endpoint by its id (`performance.v1.semester.list`), callable with JSON.
        //!
        //! [`REGISTRY`] lists each endpoint's descriptor, examples and parameters;
        //! [`call`] builds the endpoint's typed request from a [`CallInput`] (path and
        //! query parameters as text, the body as JSON), validates it like a typed call,
        //! and sends it through any [`Transport`]; [`call_all_pages`] walks every page.
        //! Both answer with JSON: the response's `data`, or every item of every page.

        use feishu_perf_core::{ApiRequest, Transport};
        use feishu_perf_core::registry::{
            self, CallError, CallInput, FromCallInput, InputError, PagingTransport, ParamInfo,
            RegistryEntry,
        };
        use serde_json::Value;

        /// Every endpoint, sorted by id.
        pub static REGISTRY: &[RegistryEntry] = &[#(#entries),*];

        /// The endpoint with this id.
        pub fn find(id: &str) -> Option<&'static RegistryEntry> {
            REGISTRY
                .binary_search_by(|entry| entry.descriptor.id.cmp(id))
                .ok()
                .map(|i| &REGISTRY[i])
        }

        const WITH_REQUEST: () = ();

        #(#impls)*
    };
    let mut out = file("src/registry.rs".into(), &["**/*.yaml"], tokens);
    // The macro and the functions that use it, written as text: prettyplease would print a
    // macro's body as one run of tokens.
    let all: Vec<&Emitted> = emitted.iter().collect();
    let paged: Vec<&Emitted> = emitted.iter().filter(|x| x.paginated).collect();
    let text = WITH_REQUEST
        .replace("{ARMS}", &match_arms(&all))
        .replace("{PAGED_ARMS}", &match_arms(&paged));
    out.contents = out
        .contents
        .replace("const WITH_REQUEST: () = ();\n", &text);
    out
}

/// The arms of a `with_request!` match, one an endpoint.
fn match_arms(endpoints: &[&Emitted]) -> String {
    endpoints
        .iter()
        .map(|x| {
            format!(
                "            {:?} => {{\n                type $request = {};\n                $body\n            }}\n",
                x.id, x.request_path
            )
        })
        .collect()
}

/// `with_request!` and the functions of the registry that dispatch on an id through it.
const WITH_REQUEST: &str = r#"/// `with_request!(id, |Request| body, otherwise)`: `body` with `Request` naming the request
/// type of the endpoint `id`, or `otherwise` for an id the schema does not have;
/// `with_request!(paged ..)`: the same over the endpoints that paginate. The one list of the
/// endpoints' request types: each function below is a use of it.
macro_rules! with_request {
    ($id:expr, |$request:ident| $body:expr, $otherwise:expr) => {
        match $id {
{ARMS}            _ => $otherwise,
        }
    };
    (paged $id:expr, |$request:ident| $body:expr, $otherwise:expr) => {
        match $id {
{PAGED_ARMS}            _ => $otherwise,
        }
    };
}

// The functions below are `#[inline]` or generic: each endpoint's typed code is compiled only
// into a crate that calls them, not into every build of this crate.

/// Builds the typed request of the endpoint `id` from `input` and runs its `validate()`,
/// sending nothing (a dry run).
#[inline]
pub fn check(id: &str, input: &CallInput) -> Result<(), InputError> {
    let unknown = || Err(InputError::UnknownEndpoint { id: id.to_owned() });
    with_request!(id, |R| registry::check::<R>(input), unknown())
}

/// Decodes `value` as the typed body of the endpoint `id` and encodes it again: the body a
/// typed call would send. `None`: no such endpoint, or one that takes no body.
#[inline]
pub fn typed_body(id: &str, value: &Value) -> Option<Result<Value, InputError>> {
    if !find(id)?.has_body {
        return None;
    }
    with_request!(id, |R| Some(registry::retype::<<R as ApiRequest>::Body>(value)), None)
}

/// Decodes `value` as the typed response `data` of the endpoint `id` and encodes it again:
/// what the typed API reads of it. `None`: no such endpoint.
#[inline]
pub fn typed_response(id: &str, value: &Value) -> Option<Result<Value, InputError>> {
    with_request!(id, |R| Some(registry::retype::<<R as ApiRequest>::Response>(value)), None)
}

/// Calls the endpoint `id` with `input`: the typed request is built and validated (nothing is
/// sent if either fails), then sent through `transport`; the answer is the response's `data`.
pub async fn call<T: Transport>(
    transport: &T,
    id: &str,
    input: &CallInput,
) -> Result<Value, CallError<T::Error>> {
    let unknown = || Err(CallError::Input(InputError::UnknownEndpoint { id: id.to_owned() }));
    with_request!(id, |R| registry::send::<T, R>(transport, input).await, unknown())
}

/// Calls the list endpoint `id` with `input` and walks every page; the answer is every item of
/// every page, in order.
pub async fn call_all_pages<T: PagingTransport>(
    transport: &T,
    id: &str,
    input: &CallInput,
) -> Result<Vec<Value>, CallError<T::Error>> {
    let refused = || {
        let id = id.to_owned();
        Err(CallError::Input(match find(&id) {
            Some(_) => InputError::NotPaginated { id },
            None => InputError::UnknownEndpoint { id },
        }))
    };
    with_request!(
        paged id,
        |R| registry::send_all_pages::<T, R>(transport, input).await,
        refused()
    )
}

"#;
