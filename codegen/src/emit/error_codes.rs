//! Error-code enums: each endpoint's error table, and the platform-wide codes.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::{OutputFile, doc, file, ident};
use crate::ir::{Api, ErrorDef, ErrorTable};
use crate::model::{Blames, ErrorDecision, Refuses};

/// The `ErrorFacts` of a row: its decision, or `ErrorFacts::NONE`.
fn facts(decision: Option<&ErrorDecision>) -> TokenStream {
    let Some(d) = decision else {
        return quote!(ErrorFacts::NONE);
    };
    let refuses = match d.refuses {
        None => quote!(None),
        Some(Refuses::Unit) => quote!(Some(Refuses::Unit)),
        Some(Refuses::Request) => quote!(Some(Refuses::Request)),
        Some(Refuses::Run) => quote!(Some(Refuses::Run)),
    };
    let (transient, already_applied, renew_token, rate_limited) = (
        d.transient,
        d.already_applied,
        d.renew_token,
        d.rate_limited,
    );
    let source = d.source.trim();
    // By its path: the import lists stay as they are.
    let blames = match d.blames {
        None => quote!(None),
        Some(Blames::Credentials) => quote!(Some(feishu_perf_core::Blames::Credentials)),
        Some(Blames::Scope) => quote!(Some(feishu_perf_core::Blames::Scope)),
        Some(Blames::Licence) => quote!(Some(feishu_perf_core::Blames::Licence)),
    };
    let check = match d.check.as_deref().map(str::trim) {
        Some(c) => quote!(Some(#c)),
        None => quote!(None),
    };
    quote!(ErrorFacts {
        refuses: #refuses,
        transient: #transient,
        already_applied: #already_applied,
        renew_token: #renew_token,
        rate_limited: #rate_limited,
        blames: #blames,
        check: #check,
        source: Some(#source),
    })
}

/// A decision in words, for the variant's rustdoc.
fn decision_words(d: &ErrorDecision) -> String {
    let mut words = Vec::new();
    match d.refuses {
        Some(Refuses::Unit) => words.push("refuses one unit of the request"),
        Some(Refuses::Request) => words.push("refuses the whole request"),
        Some(Refuses::Run) => words.push("refuses the whole run"),
        None => {}
    }
    if d.transient {
        words.push("transient: the same request may succeed later");
    }
    if d.already_applied {
        words.push("the client_token was already applied");
    }
    if d.renew_token {
        words.push("the access token is renewed and the call retried once");
    }
    if d.rate_limited {
        words.push("rate limited: retried after x-ogw-ratelimit-reset");
    }
    let blame = d.blames.map(|b| {
        let what = match b {
            Blames::Credentials => "the app's credentials",
            Blames::Scope => "the app's scopes",
            Blames::Licence => "the tenant's licence",
        };
        match d.check.as_deref() {
            Some(check) => format!("blames {what}: check {}", check.trim()),
            None => format!("blames {what}"),
        }
    });
    words.extend(blame.as_deref());
    words.join("; ")
}

/// The `feishu_perf_core` items an error table's rows name.
pub(super) fn facts_imports(errors: &[ErrorDef]) -> Vec<TokenStream> {
    let mut items = Vec::new();
    if !errors.is_empty() {
        items.push(quote!(ErrorFacts));
    }
    items.push(quote!(ErrorInfo));
    if errors
        .iter()
        .any(|e| e.decision.as_ref().is_some_and(|d| d.refuses.is_some()))
    {
        items.push(quote!(Refuses));
    }
    items
}

/// An error-code enum: a variant a documented code, with its `TABLE` of rows; an
/// endpoint's enum (`platform`) also holds the platform-wide codes.
pub(super) fn emit_error_enum(
    name: &Ident,
    doc_text: &str,
    errors: &[ErrorDef],
    platform: bool,
) -> TokenStream {
    let enum_doc = doc(doc_text);
    let variants: Vec<Ident> = errors.iter().map(|e| ident(&e.name)).collect();
    let codes: Vec<Literal> = errors
        .iter()
        .map(|e| Literal::i64_unsuffixed(e.code))
        .collect();
    let docs = errors.iter().map(|e| {
        let mut text = format!("`{}` {}", e.code, e.message);
        if let Some(status) = e.http_status {
            text.push_str(&format!(" (HTTP {status})"));
        }
        if let Some(hint) = &e.hint {
            text.push_str(&format!(": {hint}"));
        }
        if let Some(source) = &e.source {
            text.push_str(&format!("\n\nSource: {}.", source.trim()));
        }
        if let Some(d) = &e.decision {
            text.push_str(&format!(
                "\n\nSDK decision: {} ({}).",
                decision_words(d),
                d.source.trim()
            ));
        }
        doc(&text)
    });
    let infos = errors.iter().map(|e| {
        let code = Literal::i64_unsuffixed(e.code);
        let message = &e.message;
        let status = match e.http_status {
            Some(s) => {
                let s = Literal::u16_unsuffixed(s);
                quote!(Some(#s))
            }
            None => quote!(None),
        };
        let hint = match &e.hint {
            Some(h) => quote!(Some(#h)),
            None => quote!(None),
        };
        let facts = facts(e.decision.as_ref());
        quote!(ErrorInfo { code: #code, http_status: #status, message: #message, hint: #hint, facts: #facts })
    });
    let documented_arm = (!errors.is_empty()).then(
        || quote!(documented => Self::TABLE.iter().find(|info| info.code == documented.code()),),
    );
    let (platform_variant, from_other, code_platform, info_platform) = if platform {
        (
            quote! {
                /// A platform-wide code (tokens, rate limits, pagination).
                Platform(PlatformErrorCode),
            },
            quote! {
                match PlatformErrorCode::from_code(other) {
                    PlatformErrorCode::Unknown(code) => Self::Unknown(code),
                    known => Self::Platform(known),
                }
            },
            quote!(Self::Platform(code) => code.code(),),
            quote!(Self::Platform(code) => code.info(),),
        )
    } else {
        (quote!(), quote!(Self::Unknown(other)), quote!(), quote!())
    };
    // An endpoint without an error table has nothing to match before the
    // platform's codes.
    let from_code = if errors.is_empty() {
        quote! {
            fn from_code(other: i64) -> Self {
                #from_other
            }
        }
    } else {
        quote! {
            fn from_code(code: i64) -> Self {
                match code {
                    #( #codes => Self::#variants, )*
                    other => #from_other,
                }
            }
        }
    };
    quote! {
        #enum_doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #( #docs #variants, )*
            #platform_variant
            /// A code the docs don't list.
            Unknown(i64),
        }

        impl #name {
            /// The documented error table, in the page's order.
            pub const TABLE: &'static [ErrorInfo] = &[#(#infos),*];
        }

        impl ErrorCode for #name {
            #from_code

            fn code(&self) -> i64 {
                match self {
                    #( Self::#variants => #codes, )*
                    #code_platform
                    Self::Unknown(code) => *code,
                }
            }

            fn info(&self) -> Option<&'static ErrorInfo> {
                match self {
                    #info_platform
                    Self::Unknown(_) => None,
                    #documented_arm
                }
            }
        }

        impl fmt::Display for #name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.message() {
                    Some(message) => write!(f, "{} {}", self.code(), message),
                    None => write!(f, "{}", self.code()),
                }
            }
        }
    }
}

/// A version's shared error table, in the version's module: its enum, which each
/// endpoint that answers with it names (`ApiRequest::ErrorCode`, the descriptor's
/// `errors`) and aliases under its own name (`ListMetricSourceErrorCode`).
pub(super) fn emit_shared_error_enum(table: &ErrorTable) -> TokenStream {
    let users: String = table
        .endpoints
        .iter()
        .map(|e| format!("\n- [`{e}Request`], as [`{e}ErrorCode`]"))
        .collect();
    let users = if users.is_empty() {
        "No endpoint answers with it yet.".to_owned()
    } else {
        format!(
            "The error codes of the requests below: the table, then the platform-wide codes, then any other number. Each request's own name for its error codes is this type:\n{users}"
        )
    };
    let text = format!(
        "{}\n\n{users}\n\nSource: {}.",
        table.description.trim_end(),
        table.source.trim().trim_end_matches('.')
    );
    emit_error_enum(
        &format_ident!("{}", table.rust_name),
        &text,
        &table.errors,
        true,
    )
}

/// `platform.rs`: the platform-wide codes of `platform.yaml`.
pub(super) fn emit_platform(api: &Api) -> OutputFile {
    let name = format_ident!("PlatformErrorCode");
    let body = emit_error_enum(
        &name,
        "Platform-wide error codes that any endpoint may answer with (from the platform reference: access tokens, rate limits, pagination).",
        &api.platform_errors,
        false,
    );
    let imports = facts_imports(&api.platform_errors);
    let tokens = quote! {
        //! Platform-wide error codes.
        use std::fmt;

        use feishu_perf_core::{ErrorCode, #(#imports),*};

        #body
    };
    file("src/platform.rs".into(), &["platform.yaml"], tokens)
}
