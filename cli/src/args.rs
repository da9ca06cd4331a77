//! The command line's grammar: commands, options and their help.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use feishu_perf_cli::input::{Encoding, ReadOptions, Sheet};

use crate::commands::lookup::{Chosen, table::Performance};
use crate::output::Format;

/// Push performance-review data into Feishu (飞书绩效).
///
/// Credentials come from the environment: FEISHU_APP_ID, FEISHU_APP_SECRET
/// (never a flag, so it cannot show in a process list) and FEISHU_BASE_URL
/// (or --brand). With --sandbox, an embedded sandbox is started instead and
/// no credentials are needed.
///
/// Exit status: 0 success; 2 bad local input or usage; 3 authentication or
/// permission; 4 stopped by a failure worth resuming (network, 5xx, rate
/// limit): run the same command again; 5 some rows were rejected (see
/// --rejects); 1 Feishu refused the whole run (unknown semester, deadline
/// passed, ...); 130 interrupted (Ctrl-C).
#[derive(Debug, Parser)]
#[command(name = "feishu-perf", version)]
pub struct Cli {
    /// Output format on stdout [default: table on a terminal, json otherwise].
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// Feishu (open.feishu.cn, the default) or Lark (open.larksuite.com); overrides FEISHU_BASE_URL.
    #[arg(long, global = true, value_enum)]
    pub brand: Option<Brand>,
    /// Run against an embedded sandbox on loopback instead of Feishu. Each run starts a new
    /// one, with the fixture's data and nothing written before; for one that keeps its state
    /// from command to command, run `feishu-perf sandbox serve`.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// The window, in seconds, the server counts its rate limits in [default: 60 for
    /// Feishu, 1 for the embedded sandbox]; set it to a sandbox's `--rate-window`.
    #[arg(long, global = true, alias = "sandbox-rate-window")]
    pub rate_window: Option<f64>,
    /// Faults the embedded sandbox injects, e.g. `500@0.1,apply_drop@0.05`; `none` for none
    /// (the default, except for `demo`: `500@0.1,apply_drop@0.05,drop@0.05`).
    #[arg(long, global = true)]
    pub sandbox_faults: Option<String>,
    /// Share tokens and the rate budget with other feishu-perf processes of the
    /// app through this Redis (`redis://host:6379/`).
    #[arg(
        long,
        global = true,
        env = "FEISHU_PERF_REDIS_URL",
        hide_env_values = true
    )]
    pub redis: Option<String>,
    /// The tenant a store app acts in (its app_ticket from FEISHU_APP_TICKET);
    /// each tenant has its own rate budget, so runs for several tenants go in parallel.
    #[arg(long, global = true, env = "FEISHU_TENANT_KEY")]
    pub tenant_key: Option<String>,
    /// The tenant's time zone: how dates given to time options are read and times in tables
    /// are shown (a zone without daylight saving time, or an offset such as +08:00).
    #[arg(
        long,
        global = true,
        env = "FEISHU_TZ",
        default_value = "Asia/Shanghai"
    )]
    pub tz: feishu_perf_cli::time::Zone,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands, grouped by resource as `lark-cli` groups them
/// (`<resource> <verb>`); the performance service's resources sit at the top
/// level, the OKR service's under `okr`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Key-metric values (关键指标数据): import from CSV, export as CSV.
    #[command(subcommand)]
    Metrics(MetricsCommand),
    /// Supplementary information (补充信息): import from CSV, export as CSV, delete.
    #[command(subcommand)]
    Information(InformationCommand),
    /// The OKR service: import progress (v1 metric items, v2 indicators), and find their ids.
    #[command(subcommand)]
    Okr(OkrCommand),
    /// The look-ups: `<resource> list`, one for each list endpoint.
    #[command(flatten)]
    Lookup(Chosen<Performance>),
    /// Call any endpoint by its id, checked by the generated validation before sending.
    Call(CallArgs),
    /// Check the credentials before a long import.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Events Feishu sends the app: review data changed, results opened.
    #[command(subcommand)]
    Events(EventsCommand),
    /// Import a generated file of KPI rows (with three rows the sandbox refuses by
    /// design) into the embedded sandbox, with faults injected, and check the
    /// sandbox's ledger: every good row applied exactly once, every bad row reported.
    Demo {
        /// Reviewees in the generated file (three rows each; at most 240).
        #[arg(long, default_value_t = 240)]
        reviewees: usize,
    },
    /// The sandbox as a server that keeps its state until Ctrl-C, for rehearsing a cycle.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// Print the shell completion script (`feishu-perf completions bash > /etc/bash_completion.d/feishu-perf`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (`feishu-perf man > feishu-perf.1`).
    Man,
    /// `metrics import` under its earlier name.
    #[command(hide = true)]
    ImportMetrics(ImportArgs),
    /// `information import` under its earlier name.
    #[command(hide = true)]
    ImportInformation(ImportArgs),
    /// `okr import` under its earlier name.
    #[command(hide = true)]
    ImportOkr(OkrArgs),
    /// `review-templates list` under its earlier name.
    #[command(hide = true)]
    Templates {
        /// Templates per page (1..=50).
        #[arg(long)]
        page_size: Option<i64>,
        /// Only these template ids.
        #[arg(long, value_delimiter = ',')]
        ids: Vec<String>,
    },
}

/// `metrics` subcommands.
#[derive(Debug, Subcommand)]
pub enum MetricsCommand {
    /// Import key-metric values (录入被评估人关键指标数据) from a CSV file with the
    /// columns reviewee_user_id,metric_id,field_id,field_value,field_value_person.
    /// Up to 50 reviewee-metrics a request.
    Import(ImportArgs),
    /// Export a semester's key-metric values (获取被评估人关键指标结果) as CSV in the
    /// import's columns: every field with a value, one row a field. Edit the file
    /// and `metrics import` it.
    Export(MetricsExportArgs),
    /// Write the workbook to fill (`-o kpi.xlsx`): a row per reviewee, assigned metric and
    /// importable field, with names, types and current values (read-only), and Excel's
    /// number check on number fields. Fields an administrator fills are left out and listed.
    Template(MetricsTemplateArgs),
}

/// What `metrics template` takes.
#[derive(Debug, Clone, clap::Args)]
pub struct MetricsTemplateArgs {
    /// The semester (周期 ID).
    #[arg(long)]
    pub semester: String,
    /// Only these reviewees (repeatable, or comma-separated) [default: every reviewee of the semester].
    #[arg(long = "reviewee", value_delimiter = ',')]
    pub reviewees: Vec<String>,
    /// How people are identified: open_id (default), union_id, user_id or people_admin_id.
    #[arg(long)]
    pub user_id_type: Option<String>,
    /// The workbook to write (.xlsx).
    #[arg(short, long)]
    pub output: PathBuf,
}

/// `sandbox` subcommands.
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Start the sandbox and print the lines that point the command line at it
    /// (FEISHU_BASE_URL and the sandbox app's credentials); it keeps what is
    /// written until Ctrl-C.
    Serve(SandboxServeArgs),
}

/// What `sandbox serve` takes.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxServeArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub addr: std::net::SocketAddr,
    /// The window, in seconds, the sandbox counts its rate limits in (Feishu's is 60); pass the
    /// same `--rate-window` to the commands run against it.
    #[arg(long, default_value_t = 60.0)]
    pub rate_window: f64,
    /// Faults to inject, e.g. `500@0.1,apply_drop@0.05` [default: none].
    #[arg(long)]
    pub faults: Option<String>,
}

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
}

/// `information` subcommands.
#[derive(Debug, Subcommand)]
pub enum InformationCommand {
    /// Import supplementary information (批量导入补充信息) from a CSV file with the
    /// columns item_id,external_id,reviewee_user_id,item,time,detailed_description.
    /// Items are created, or updated by item_id, then external_id, then identical
    /// content. Up to 1,000 items a request.
    Import(ImportArgs),
    /// Export a semester's supplementary information (批量查询补充信息) as CSV in
    /// the import's columns, item_id included: edit the file and `information
    /// import` it to update the items.
    Export(InformationExportArgs),
    /// Delete supplementary-information items (批量删除补充信息) by id; each id is
    /// reported deleted, not found or refused. Up to 100 ids a request.
    Delete(DeleteArgs),
}

/// `okr` subcommands.
#[derive(Debug, Subcommand)]
pub enum OkrCommand {
    /// Update OKR progress from a CSV file: v1 metric items, or v2 indicators (`--kind indicators`).
    ///
    /// Empty cells leave a value as it is.
    /// `--kind items` (default): v1 metric items (批量更新指标项), the columns
    /// metric_source_id,metric_table_id,metric_item_id,metric_initial_value,
    /// metric_target_value,metric_current_value,supported_user_id; up to 100
    /// items of one table a request. `--kind indicators`: v2 quantitative
    /// indicators (更新量化指标), the columns indicator_id,start_value,
    /// target_value,current_value,indicator_status,status_calculate_type,
    /// current_value_calculate_type,unit_type,unit_value; one request each.
    Import(OkrArgs),
    /// OKR v1 progress records: import from a CSV file (each exactly once), update, delete.
    #[command(subcommand)]
    Progress(crate::commands::progress::ProgressCommand),
    /// The look-ups.
    #[command(flatten)]
    Lookup(Chosen<crate::commands::lookup::table::Okr>),
}

/// `events` subcommands.
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Receive events by webhook and print each verified event once, as NDJSON on stdout.
    ///
    /// FEISHU_ENCRYPT_KEY and FEISHU_VERIFICATION_TOKEN (from the app's event subscription
    /// page) authenticate the deliveries; at least one must be set.
    Listen(ListenArgs),
}

/// `events listen`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListenArgs {
    /// The address to serve the webhook on (`0.0.0.0:8080`; port 0: any free port).
    #[arg(long, value_name = "ADDR")]
    pub webhook: std::net::SocketAddr,
    /// The path Feishu posts to.
    #[arg(long, default_value = "/webhook/event")]
    pub path: String,
    /// A command run (by the shell) for each event, with the event on its standard input;
    /// when it fails, the delivery is answered 500 and Feishu delivers the event again.
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Stop after this many events.
    #[arg(long, value_name = "N")]
    pub max_events: Option<u64>,
    /// How far, in seconds, a signed delivery's timestamp may be from now.
    #[arg(long, default_value_t = 300)]
    pub max_age: u64,
}

/// `auth` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Fetch a token, say which app and tenant it is for, and which scopes each command needs.
    Check,
}

/// Feishu's two brands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Brand {
    /// `https://open.feishu.cn` (mainland China).
    Feishu,
    /// `https://open.larksuite.com` (international).
    Lark,
}

impl Brand {
    /// The brand's base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Brand::Feishu => feishu_perf::FEISHU,
            Brand::Lark => feishu_perf::LARK,
        }
    }
}

/// What every import takes.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// The file (`-`: standard input): CSV (comma, tab or semicolon separated), or a workbook
    /// (.xlsx, .xlsm, .xls, .ods), known by its content whatever its name.
    pub file: PathBuf,
    /// The file's encoding: utf-8 (default; a byte-order mark is honoured), gbk or gb18030.
    #[arg(long)]
    pub encoding: Option<Encoding>,
    /// A workbook's sheet, by name or number (1 is the first) [default: the first].
    #[arg(long, value_name = "NAME|N")]
    pub sheet: Option<Sheet>,
    /// A text file's delimiter: `,`, `;`, `tab` or any one character [default: the header line's own].
    #[arg(long, value_parser = delimiter)]
    pub delimiter: Option<u8>,
    /// Rewrite the values whose meaning is certain (full-width digits, thousands separators,
    /// a `%` on a percentage field), each one listed; without it they are refused.
    #[arg(long)]
    pub normalize: bool,
    /// Journal file [default: `<file>.journal` beside the input]: makes the run resumable
    /// after an interruption, without sending a row twice. Standard input needs one (or --no-journal).
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Keep no journal: an interrupted run cannot tell which rows were applied.
    #[arg(long, conflicts_with = "journal")]
    pub no_journal: bool,
    /// Where to write the rejected rows (CSV); default `<file>.rejects.csv`.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Check and plan, and write the rejects file, but send nothing (needs no credentials).
    #[arg(long)]
    pub dry_run: bool,
}

impl RunArgs {
    /// How the file is read.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            encoding: self.encoding,
            delimiter: self.delimiter,
            sheet: self.sheet.clone(),
        }
    }
}

/// `--delimiter`: one ASCII character, or `tab`.
fn delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && s != "\"" => Ok(s.as_bytes()[0]),
        _ => Err("one ASCII character (not a quote), or `tab`".into()),
    }
}

/// What the performance imports take.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The file and the run.
    #[command(flatten)]
    pub run: RunArgs,
    /// The semester (周期 ID).
    #[arg(long)]
    pub semester: String,
    /// How the file identifies people: open_id, union_id, user_id or people_admin_id.
    #[arg(long)]
    pub user_id_type: Option<String>,
    /// Units per request (default and maximum: 50 reviewee-metrics, or 1,000 items).
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Name of the import record shown in Feishu.
    #[arg(long)]
    pub record_name: Option<String>,
}

/// What the OKR update takes.
#[derive(Debug, Clone, clap::Args)]
pub struct OkrArgs {
    /// The file and the run.
    #[command(flatten)]
    pub run: RunArgs,
    /// What the file updates: v1 metric items, or v2 indicators.
    #[arg(long, value_enum, default_value_t = OkrKind::Items)]
    pub kind: OkrKind,
    /// How `supported_user_id` identifies people (items): open_id, union_id or user_id.
    #[arg(long)]
    pub user_id_type: Option<String>,
    /// Items per request (items; default and maximum 100).
    #[arg(long)]
    pub batch_size: Option<usize>,
}

/// What `okr import` updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OkrKind {
    /// OKR v1 metric items (指标项), through batch_update.
    Items,
    /// OKR v2 quantitative indicators (量化指标), through their PATCH.
    Indicators,
}

/// What `metrics export` takes.
#[derive(Debug, Clone, clap::Args)]
pub struct MetricsExportArgs {
    /// The semester (周期 ID).
    #[arg(long)]
    pub semester: String,
    /// Only these reviewees (repeatable, or comma-separated) [default: every reviewee of the semester].
    #[arg(long = "reviewee", value_delimiter = ',')]
    pub reviewees: Vec<String>,
    /// How people are identified, in --reviewee and in the file: open_id (default), union_id, user_id or people_admin_id.
    #[arg(long)]
    pub user_id_type: Option<String>,
    /// The file to write: CSV, or a workbook with name columns when it ends in .xlsx [default: standard output].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// What `information export` takes.
#[derive(Debug, Clone, clap::Args)]
pub struct InformationExportArgs {
    /// The semester (周期 ID).
    #[arg(long)]
    pub semester: String,
    /// Only the items of these reviewees (repeatable, or comma-separated).
    #[arg(long = "reviewee", value_delimiter = ',')]
    pub reviewees: Vec<String>,
    /// Only these items.
    #[arg(long = "item", value_delimiter = ',')]
    pub items: Vec<String>,
    /// Only the items bound to these ids of your system.
    #[arg(long = "external-id", value_delimiter = ',')]
    pub external_ids: Vec<String>,
    /// How people are identified: open_id (default), union_id, user_id or people_admin_id.
    #[arg(long)]
    pub user_id_type: Option<String>,
    /// The file to write: CSV, or a workbook when it ends in .xlsx [default: standard output].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// What `information delete` takes.
#[derive(Debug, Clone, clap::Args)]
pub struct DeleteArgs {
    /// The semester (周期 ID).
    #[arg(long)]
    pub semester: String,
    /// Items to delete (repeatable, or comma-separated).
    #[arg(long = "item", value_delimiter = ',')]
    pub items: Vec<String>,
    /// A CSV file with an item_id column (an `information export` file will do; `-`: standard input).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// The file's encoding: utf-8 (default; a byte-order mark is honoured), gbk or gb18030.
    #[arg(long)]
    pub encoding: Option<Encoding>,
    /// How people are identified: open_id (default), union_id, user_id or people_admin_id.
    #[arg(long)]
    pub user_id_type: Option<String>,
    /// Say which ids would be deleted and which are not found, and delete nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// What `call` takes.
#[derive(Debug, Clone, clap::Args)]
pub struct CallArgs {
    /// The endpoint id (`performance.v1.semester.list`; `--list` lists them).
    #[arg(required_unless_present = "list")]
    pub endpoint: Option<String>,
    /// A path parameter, `name=value` (repeatable).
    #[arg(long = "path", value_name = "NAME=VALUE")]
    pub path: Vec<String>,
    /// A query parameter, `name=value` (repeatable; a list parameter takes one a value).
    #[arg(long = "query", value_name = "NAME=VALUE")]
    pub query: Vec<String>,
    /// The JSON body: the JSON itself, `@FILE`, or `-` for standard input.
    #[arg(long)]
    pub data: Option<String>,
    /// Fetch every page of a list endpoint and print the items.
    #[arg(long)]
    pub page_all: bool,
    /// List the endpoint ids instead.
    #[arg(long, conflicts_with = "endpoint")]
    pub list: bool,
}
