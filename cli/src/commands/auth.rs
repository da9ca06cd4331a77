//! `auth check`: fetch a token and say what can be known about each command's scopes before a long import.

use feishu_perf::okr::v1::BatchUpdateMetricSourceTableItemRequest;
use feishu_perf::okr::v2::PatchOkrIndicatorRequest;
use feishu_perf::performance::v2::{
    ImportAdditionalInformationRequest, ImportMetricDetailRequest, QueryReviewTemplateRequest,
};
use feishu_perf::{ApiRequest, Blames, EndpointDescriptor, Error};
use serde::Serialize;

use super::Context;
use super::lookup::{Lookups, table::Performance};
use super::registry;
use crate::exit::{Failure, Status};
use crate::output::Table;

/// A command and the scopes its endpoint documents.
#[derive(Debug, Serialize)]
struct CommandScopes {
    command: String,
    endpoint: &'static str,
    /// Any one of these (the page's 权限要求).
    scopes: &'static [&'static str],
    /// Needed only for `user_id_type=user_id` (字段权限要求).
    field_scopes: &'static [&'static str],
    /// `granted` (a call succeeded), `missing` (Feishu said so) or `not checked` (only a write would tell).
    check: &'static str,
}

/// The result of `auth check`.
#[derive(Debug, Serialize)]
struct Check {
    base_url: String,
    app_id: String,
    /// What is known of the tenant.
    tenant: String,
    /// `ok`, or why no token was issued.
    token: String,
    commands: Vec<CommandScopes>,
}

fn scopes(command: &str, d: &'static EndpointDescriptor, check: &'static str) -> CommandScopes {
    CommandScopes {
        command: command.to_owned(),
        endpoint: d.id,
        scopes: d.scopes,
        field_scopes: d.field_scopes,
        check,
    }
}

/// Fetches a token (with one read of a template, which needs one) and reports.
pub async fn check(ctx: &Context) -> Result<Status, Failure> {
    let app_id = match &ctx.sandbox {
        Some(_) => feishu_sandbox::seed::APP_ID.to_owned(),
        None => std::env::var("FEISHU_APP_ID").unwrap_or_default(),
    };
    let probe = ctx
        .client()?
        .send(QueryReviewTemplateRequest::new().page_size(1))
        .await;
    let (token, templates, failure) = match &probe {
        Ok(_) => ("ok".to_owned(), "granted", None),
        Err(
            e @ (Error::Authentication { .. }
            | Error::Transport { .. }
            | Error::Timeout { .. }
            | Error::Decode { .. }
            | Error::NotFeishu { .. }
            | Error::Redirect { .. }),
        ) => {
            let failure = Failure::from_sdk(e, &ctx.base_url);
            (failure.message.clone(), "not checked", Some(failure))
        }
        Err(e @ Error::Api(api))
            if api.facts().and_then(|f| f.blames) == Some(Blames::Scope)
                || !api.permission_violations.is_empty() =>
        {
            (
                "ok".to_owned(),
                "missing",
                Some(Failure::from_sdk(e, &ctx.base_url)),
            )
        }
        Err(e) => (
            "ok".to_owned(),
            "not checked",
            Some(Failure::from_sdk(e, &ctx.base_url)),
        ),
    };
    let mut commands = vec![
        scopes(
            "review-templates list",
            QueryReviewTemplateRequest::DESCRIPTOR,
            templates,
        ),
        scopes(
            "metrics import",
            ImportMetricDetailRequest::DESCRIPTOR,
            "not checked",
        ),
        scopes(
            "information import",
            ImportAdditionalInformationRequest::DESCRIPTOR,
            "not checked",
        ),
        scopes(
            "okr import",
            BatchUpdateMetricSourceTableItemRequest::DESCRIPTOR,
            "not checked",
        ),
        scopes(
            "okr import --kind indicators",
            PatchOkrIndicatorRequest::DESCRIPTOR,
            "not checked",
        ),
    ];
    // The other look-ups, from their table.
    for lookup in Performance::LOOKUPS {
        if let Some(d) = registry::descriptor(lookup.endpoint)
            && d.id != QueryReviewTemplateRequest::DESCRIPTOR.id
        {
            commands.push(CommandScopes {
                command: format!("{} list", lookup.group),
                ..scopes("", d, "not checked")
            });
        }
    }
    let result = Check {
        base_url: ctx.base_url.clone(),
        app_id,
        tenant: "the tenant that owns the app (a self-built app's tenant_access_token is always for its own tenant; no endpoint here names it)".into(),
        token,
        commands,
    };
    let mut table = Table::new(&[
        "command",
        "endpoint",
        "scopes (any one)",
        "field scopes",
        "check",
    ]);
    for c in &result.commands {
        table.push(vec![
            c.command.clone(),
            c.endpoint.into(),
            if c.scopes.is_empty() {
                "(none documented)".into()
            } else {
                c.scopes.join(" | ")
            },
            c.field_scopes.join(" | "),
            c.check.into(),
        ]);
    }
    let text = format!(
        "base URL: {}\napp: {}\ntenant: {}\ntoken: {}\n\
         Writes are not checked (only a write would tell): the first request of an import fails with exit status 3 if a scope is missing.\n",
        result.base_url, result.app_id, result.tenant, result.token
    );
    ctx.output.document(&result, &text, &table)?;
    match failure {
        None => Ok(Status::Success),
        Some(f) => Err(f),
    }
}
