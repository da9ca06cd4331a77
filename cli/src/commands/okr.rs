//! The `okr` group's look-ups: the ids an OKR import needs, found the way the
//! platform leads to them. v1 (metric sources): `sources`, `tables`,
//! `items list|get`. v2: `cycles`, `objectives`, `key-results`, `indicators`.
//! Each walks every page and prints in the chosen format (JSON: the records
//! as Feishu returns them).

use clap::Subcommand;
use feishu_perf::okr::{v1, v2};
use feishu_perf::{ApiRequest, PaginatedRequest};
use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;

use super::Context;
use super::lookup::{Column, table};
use crate::exit::{Failure, Status};
use crate::note;

/// The look-ups of the `okr` group.
#[derive(Debug, Subcommand)]
pub enum OkrLookup {
    /// OKR v1 metric sources (指标库) of the tenant.
    #[command(subcommand)]
    Sources(SourcesCommand),
    /// OKR v1 metric tables (指标表) of a source.
    #[command(subcommand)]
    Tables(TablesCommand),
    /// OKR v1 metric items (指标项) of a table: what `okr import` updates.
    #[command(subcommand)]
    Items(ItemsCommand),
    /// OKR v2 cycles (周期) of a user.
    #[command(subcommand)]
    Cycles(CyclesCommand),
    /// OKR v2 objectives (目标) of a cycle.
    #[command(subcommand)]
    Objectives(ObjectivesCommand),
    /// OKR v2 key results (关键结果) of an objective.
    #[command(subcommand, name = "key-results")]
    KeyResults(KeyResultsCommand),
    /// OKR v2 quantitative indicators (量化指标): what `okr import --kind indicators` updates.
    #[command(subcommand)]
    Indicators(IndicatorsCommand),
}

/// `okr sources`.
#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// List the metric sources (获取指标库).
    List,
}

/// `okr tables`.
#[derive(Debug, Subcommand)]
pub enum TablesCommand {
    /// List a source's tables (获取指标表).
    List {
        /// The metric source (`okr sources list`).
        #[arg(long)]
        source: String,
    },
}

/// `okr items`.
#[derive(Debug, Subcommand)]
pub enum ItemsCommand {
    /// List a table's items (获取指标项).
    List {
        /// The metric source.
        #[arg(long)]
        source: String,
        /// The metric table (`okr tables list`).
        #[arg(long)]
        table: String,
        /// How people are shown: open_id (default), union_id or user_id.
        #[arg(long)]
        user_id_type: Option<String>,
    },
    /// One item (获取指标项详情).
    Get {
        /// The metric source.
        #[arg(long)]
        source: String,
        /// The metric table.
        #[arg(long)]
        table: String,
        /// The metric item.
        #[arg(long)]
        item: String,
        /// How people are shown: open_id (default), union_id or user_id.
        #[arg(long)]
        user_id_type: Option<String>,
    },
}

/// `okr cycles`.
#[derive(Debug, Subcommand)]
pub enum CyclesCommand {
    /// List a user's cycles (获取用户 OKR 周期列表).
    List {
        /// The user, as --user-id-type says.
        #[arg(long)]
        user_id: Option<String>,
        /// How people are named and shown: open_id, union_id or user_id.
        #[arg(long)]
        user_id_type: Option<String>,
    },
}

/// `okr objectives`.
#[derive(Debug, Subcommand)]
pub enum ObjectivesCommand {
    /// List a cycle's objectives (获取用户 OKR 周期内的目标).
    List {
        /// The cycle (`okr cycles list`).
        #[arg(long)]
        cycle: String,
        /// How people are shown: open_id, union_id or user_id.
        #[arg(long)]
        user_id_type: Option<String>,
    },
}

/// `okr key-results`.
#[derive(Debug, Subcommand)]
pub enum KeyResultsCommand {
    /// List an objective's key results (获取目标下的所有关键结果).
    List {
        /// The objective (`okr objectives list`).
        #[arg(long)]
        objective: String,
        /// How people are shown: open_id, union_id or user_id.
        #[arg(long)]
        user_id_type: Option<String>,
    },
}

/// `okr indicators`.
#[derive(Debug, Subcommand)]
pub enum IndicatorsCommand {
    /// The indicator of an objective (获取目标的量化指标) or of a key result (获取关键结果的量化指标).
    List {
        /// The objective.
        #[arg(
            long,
            required_unless_present = "key_result",
            conflicts_with = "key_result"
        )]
        objective: Option<String>,
        /// The key result (`okr key-results list`).
        #[arg(long)]
        key_result: Option<String>,
        /// How people are shown: open_id, union_id or user_id.
        #[arg(long)]
        user_id_type: Option<String>,
    },
}

/// A column of a look-up's table.
const fn col(name: &'static str, path: &'static str) -> Column {
    Column { name, path }
}

const SOURCE_COLUMNS: &[Column] = &[
    col("metric_source_id", "/metric_source_id"),
    col("metric_source_name", "/metric_source_name"),
    col("metric_name", "/metric_name"),
    col("metric_unit", "/metric_unit"),
];
const TABLE_COLUMNS: &[Column] = &[
    col("metric_table_id", "/metric_table_id"),
    col("metric_table_name", "/metric_table_name"),
    col("period_id", "/period_id"),
];
const ITEM_COLUMNS: &[Column] = &[
    col("metric_item_id", "/metric_item_id"),
    col("user_id", "/user_id"),
    col("kr_id", "/kr_id"),
    col("metric_initial_value", "/metric_initial_value"),
    col("metric_target_value", "/metric_target_value"),
    col("metric_current_value", "/metric_current_value"),
    col("metric_unit", "/metric_unit"),
    col("supported_user_id", "/supported_user_id"),
    col("updated_at", "/updated_at"),
];
const CYCLE_COLUMNS: &[Column] = &[
    col("id", "/id"),
    col("owner", "/owner/user_id"),
    col("start_time", "/start_time"),
    col("end_time", "/end_time"),
    col("cycle_status", "/cycle_status"),
    col("score", "/score"),
];
/// The text of a rich-text `content`: its runs, joined with `,`.
const CONTENT_TEXT: &str = "/content/blocks/*/paragraph/elements/*/text_run/text";
const OBJECTIVE_COLUMNS: &[Column] = &[
    col("id", "/id"),
    col("position", "/position"),
    col("content", CONTENT_TEXT),
    col("score", "/score"),
    col("weight", "/weight"),
    col("deadline", "/deadline"),
    col("owner", "/owner/user_id"),
];
const KEY_RESULT_COLUMNS: &[Column] = &[
    col("id", "/id"),
    col("objective_id", "/objective_id"),
    col("position", "/position"),
    col("content", CONTENT_TEXT),
    col("score", "/score"),
    col("weight", "/weight"),
    col("deadline", "/deadline"),
];
const INDICATOR_COLUMNS: &[Column] = &[
    col("indicator_id", "/id"),
    col("entity_id", "/entity_id"),
    col("start_value", "/start_value"),
    col("target_value", "/target_value"),
    col("current_value", "/current_value"),
    col("indicator_status", "/indicator_status"),
    col("status_calculate_type", "/status_calculate_type"),
    col(
        "current_value_calculate_type",
        "/current_value_calculate_type",
    ),
    col("unit_type", "/unit/unit_type"),
    col("unit_value", "/unit/unit_value"),
];

/// The largest v2 page (`分页大小，最大 100`), so a walk takes the fewest requests.
const V2_PAGE_SIZE: i64 = 100;

/// Runs an `okr` look-up.
pub async fn run(ctx: &Context, lookup: OkrLookup) -> Result<Status, Failure> {
    let (group, columns, items) = match lookup {
        OkrLookup::Sources(SourcesCommand::List) => (
            "sources",
            SOURCE_COLUMNS,
            all(ctx, v1::ListMetricSourceRequest::new()).await?,
        ),
        OkrLookup::Tables(TablesCommand::List { source }) => (
            "tables",
            TABLE_COLUMNS,
            all(ctx, v1::ListMetricSourceTableRequest::new(source)).await?,
        ),
        OkrLookup::Items(ItemsCommand::List {
            source,
            table,
            user_id_type,
        }) => {
            let mut request = v1::ListMetricSourceTableItemRequest::new(source, table);
            if let Some(kind) = user_id_type {
                request = request.user_id_type(v1::UserIdType::from(kind.as_str()));
            }
            ("items", ITEM_COLUMNS, all(ctx, request).await?)
        }
        OkrLookup::Items(ItemsCommand::Get {
            source,
            table,
            item,
            user_id_type,
        }) => {
            let mut request = v1::GetMetricSourceTableItemRequest::new(source, table, item);
            if let Some(kind) = user_id_type {
                request = request.user_id_type(v1::UserIdType::from(kind.as_str()));
            }
            ("items", ITEM_COLUMNS, vec![one(ctx, request).await?])
        }
        OkrLookup::Cycles(CyclesCommand::List {
            user_id,
            user_id_type,
        }) => {
            let mut request = v2::ListOkrCycleRequest::new().page_size(V2_PAGE_SIZE);
            if let Some(user) = user_id {
                request = request.user_id(user);
            }
            if let Some(kind) = user_id_type {
                request = request.user_id_type(v2::UserIdType::from(kind.as_str()));
            }
            ("cycles", CYCLE_COLUMNS, all(ctx, request).await?)
        }
        OkrLookup::Objectives(ObjectivesCommand::List {
            cycle,
            user_id_type,
        }) => {
            let mut request = v2::ListOkrCycleObjectiveRequest::new(cycle).page_size(V2_PAGE_SIZE);
            if let Some(kind) = user_id_type {
                request = request.user_id_type(v2::UserIdType::from(kind.as_str()));
            }
            ("objectives", OBJECTIVE_COLUMNS, all(ctx, request).await?)
        }
        OkrLookup::KeyResults(KeyResultsCommand::List {
            objective,
            user_id_type,
        }) => {
            let mut request =
                v2::ListOkrObjectiveKeyResultRequest::new(objective).page_size(V2_PAGE_SIZE);
            if let Some(kind) = user_id_type {
                request = request.user_id_type(v2::UserIdType::from(kind.as_str()));
            }
            ("key-results", KEY_RESULT_COLUMNS, all(ctx, request).await?)
        }
        OkrLookup::Indicators(IndicatorsCommand::List {
            objective,
            key_result,
            user_id_type,
        }) => {
            let kind = user_id_type.map(|k| v2::UserIdType::from(k.as_str()));
            let data = match (objective, key_result) {
                (Some(objective), _) => {
                    let mut request = v2::ListOkrObjectiveIndicatorRequest::new(objective);
                    if let Some(kind) = kind {
                        request = request.user_id_type(kind);
                    }
                    one(ctx, request).await?
                }
                (None, Some(key_result)) => {
                    let mut request = v2::ListOkrKeyResultIndicatorRequest::new(key_result);
                    if let Some(kind) = kind {
                        request = request.user_id_type(kind);
                    }
                    one(ctx, request).await?
                }
                (None, None) => return Err(Failure::usage("give --objective or --key-result")),
            };
            // The data holds one `indicator`, or none.
            let items = data.get("indicator").filter(|v| !v.is_null()).cloned();
            ("indicators", INDICATOR_COLUMNS, items.into_iter().collect())
        }
    };
    ctx.output.list(&items, &table(columns, &items))?;
    note!("{} {group}", items.len());
    Ok(Status::Success)
}

fn json<T: Serialize>(value: T) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| Failure::usage(e.to_string()))
}

/// Every item of every page.
async fn all<R>(ctx: &Context, request: R) -> Result<Vec<Value>, Failure>
where
    R: PaginatedRequest + 'static,
    R::Item: Serialize,
{
    let mut stream = std::pin::pin!(ctx.client()?.paginate(request));
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(json(
            item.map_err(|e| Failure::from_sdk(&e, &ctx.base_url))?,
        )?);
    }
    Ok(items)
}

/// The `data` of one request.
async fn one<R>(ctx: &Context, request: R) -> Result<Value, Failure>
where
    R: ApiRequest + 'static,
    R::Response: Serialize,
{
    let data = ctx
        .client()?
        .send(request)
        .await
        .map_err(|e| Failure::from_sdk(&e, &ctx.base_url))?;
    json(data)
}
