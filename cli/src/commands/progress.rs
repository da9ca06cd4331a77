//! `okr progress import|update|delete`: OKR v1 progress records.

use clap::Subcommand;
use feishu_perf::Error;
use feishu_perf::okr::v1::{
    DeleteProgressRecordRequest, ProgressRecordUpdateContentBlock,
    ProgressRecordUpdateProgressRateNew, UpdateProgressRecordRequest,
    UpdateProgressRecordRequestBody,
};
use feishu_perf_cli::okr_progress::{self, ProgressImport};
use serde_json::{Value, json};

use super::Context;
use super::lookup::cell;
use crate::args::RunArgs;
use crate::exit::{Failure, Status};
use crate::output::Table;

/// `okr progress` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProgressCommand {
    /// Create OKR progress records from a CSV file, each exactly once (创建 OKR 进展记录).
    ///
    /// Columns okr_id,target_id,target_type,text,percent,status: the OKR that
    /// holds the target (`okr user-okrs list`), the objective's or key result's
    /// id, `objective` or `key_result` (or 2, 3), the text (one paragraph a
    /// line), and optionally the percent and the status (-1 暂无, 0 正常, 1 风险,
    /// 2 延期). One request a row. Each record ends with the line
    /// `[feishu-perf:<token>]`: after a lost answer the import reads the
    /// target's records back and sends again only when none carries it.
    Import(ProgressImportArgs),
    /// Replace one record's text (and percent, status) (更新 OKR 进展记录, PUT).
    Update(ProgressUpdateArgs),
    /// Delete one record (删除 OKR 进展记录).
    Delete {
        /// The record's id (`progress_id`).
        #[arg(long)]
        id: String,
    },
}

/// What `okr progress import` takes.
#[derive(Debug, Clone, clap::Args)]
pub struct ProgressImportArgs {
    /// The file and the run.
    #[command(flatten)]
    pub run: RunArgs,
    /// Where the progress comes from (进展来源), shown in Feishu.
    #[arg(long, default_value = "feishu-perf")]
    pub source_title: String,
    /// A link to the source (进展来源链接, http:// or https://).
    #[arg(long)]
    pub source_url: String,
}

/// What `okr progress update` takes.
#[derive(Debug, Clone, clap::Args)]
pub struct ProgressUpdateArgs {
    /// The record's id (`progress_id`).
    #[arg(long)]
    pub id: String,
    /// The new text (one paragraph a line); it replaces the old.
    #[arg(long)]
    pub text: String,
    /// The progress percent.
    #[arg(long)]
    pub percent: Option<String>,
    /// The status: -1 暂无, 0 正常, 1 风险, 2 延期.
    #[arg(long, allow_hyphen_values = true)]
    pub status: Option<String>,
}

/// Runs an `okr progress` command.
pub async fn run(ctx: &Context, command: ProgressCommand) -> Result<Status, Failure> {
    match command {
        ProgressCommand::Import(args) => {
            if !(args.source_url.starts_with("https://") || args.source_url.starts_with("http://"))
            {
                return Err(Failure::usage(format!(
                    "--source-url {:?}: must start with http:// or https:// (the page's rule)",
                    args.source_url
                )));
            }
            let job = ProgressImport {
                source_title: args.source_title,
                source_url: args.source_url,
                read: Default::default(),
            };
            super::import::import(ctx, &job, &args.run)
                .await
                .map(|r| r.status)
        }
        ProgressCommand::Update(args) => update(ctx, args).await,
        ProgressCommand::Delete { id } => delete(ctx, &id).await,
    }
}

fn fail(ctx: &Context) -> impl Fn(Error) -> Failure + '_ {
    |e| Failure::from_sdk(&e, &ctx.base_url)
}

async fn update(ctx: &Context, args: ProgressUpdateArgs) -> Result<Status, Failure> {
    let percent = okr_progress::percent(args.percent.as_deref()).map_err(Failure::usage)?;
    let status = okr_progress::status(args.status.as_deref()).map_err(Failure::usage)?;
    if args.text.trim().is_empty() {
        return Err(Failure::usage(
            "--text is empty: it replaces the record's text",
        ));
    }
    // The update's types are the page's own; the create's content converts through JSON.
    let content: ProgressRecordUpdateContentBlock =
        serde_json::from_value(json!(okr_progress::content(&args.text)))
            .map_err(|e| Failure::usage(e.to_string()))?;
    let mut body = UpdateProgressRecordRequestBody::new(content);
    if let Some(rate) = okr_progress::rate(percent, status) {
        let rate: ProgressRecordUpdateProgressRateNew =
            serde_json::from_value(json!(rate)).map_err(|e| Failure::usage(e.to_string()))?;
        body = body.progress_rate(rate);
    }
    let client = ctx.client()?;
    let data = client
        .send(UpdateProgressRecordRequest::new(args.id.as_str(), body))
        .await
        .map_err(fail(ctx))?;
    let data = json!(data);
    print_document(ctx, &data)
}

async fn delete(ctx: &Context, id: &str) -> Result<Status, Failure> {
    let client = ctx.client()?;
    client
        .send(DeleteProgressRecordRequest::new(id))
        .await
        .map_err(fail(ctx))?;
    print_document(ctx, &json!({"progress_id": id, "deleted": true}))
}

fn print_document(ctx: &Context, data: &Value) -> Result<Status, Failure> {
    let mut rows = Table::new(&["field", "value"]);
    if let Value::Object(fields) = data {
        for (name, value) in fields {
            rows.push(vec![name.clone(), cell(value, "")]);
        }
    }
    ctx.output.document(data, "", &rows)?;
    Ok(Status::Success)
}
