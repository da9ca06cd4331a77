//! `feishu-perf`: push KPI data into Feishu from CSV, exactly once.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use feishu_perf::okr::v1::UserIdType as OkrUserIdType;
use feishu_perf::performance::v2::{
    QueryReviewTemplateRequest, QueryReviewTemplateRequestBody, UserIdType,
};
use feishu_perf::{Client, Pacing};
use feishu_perf_cli::batch::{self, Job, Options, Report};
use feishu_perf_cli::input::{Encoding, Source, read_table};
use feishu_perf_cli::jobs::{InformationImport, MetricImport, OkrItemUpdate};
use feishu_perf_cli::journal::Journal;
use feishu_perf_cli::rejects::write_rejects;
use feishu_sandbox::seed::{self, ids};
use feishu_sandbox::{Config, Sandbox};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

/// Push performance-review data into Feishu (飞书绩效).
///
/// Credentials come from the environment: FEISHU_APP_ID, FEISHU_APP_SECRET
/// (never a flag, so it cannot show in a process list) and FEISHU_BASE_URL.
/// With --sandbox, an embedded sandbox is started instead and no credentials
/// are needed.
///
/// Exit status: 0 every row applied; 1 a failure (the run can be resumed with
/// its --journal); 2 a usage error; 3 some rows were rejected (see --rejects).
#[derive(Debug, Parser)]
#[command(name = "feishu-perf", version)]
struct Cli {
    /// Run against an embedded sandbox on loopback instead of Feishu.
    #[arg(long, global = true)]
    sandbox: bool,
    /// The sandbox's rate-limit window in seconds (Feishu's is 60).
    #[arg(long, global = true, default_value_t = 1.0)]
    sandbox_rate_window: f64,
    /// Faults the sandbox injects, e.g. `500@0.1,apply_drop@0.05`.
    #[arg(long, global = true, default_value = "")]
    sandbox_faults: String,
    /// Share tokens and the rate budget with other feishu-perf processes of the
    /// app through this Redis (`redis://host:6379/`).
    #[arg(
        long,
        global = true,
        env = "FEISHU_PERF_REDIS_URL",
        hide_env_values = true
    )]
    redis: Option<String>,
    /// The tenant a store app acts in (its app_ticket from FEISHU_APP_TICKET);
    /// each tenant has its own rate budget, so runs for several tenants go in parallel.
    #[arg(long, global = true, env = "FEISHU_TENANT_KEY")]
    tenant_key: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import key-metric values (录入被评估人关键指标数据) from a CSV file with the
    /// columns reviewee_user_id,metric_id,field_id,field_value,field_value_person.
    /// Up to 50 reviewee-metrics a request.
    ImportMetrics(ImportArgs),
    /// Import supplementary information (批量导入补充信息) from a CSV file with the
    /// columns item_id,external_id,reviewee_user_id,item,time,detailed_description.
    /// Items are created, or updated by item_id, then external_id, then identical
    /// content. Up to 1,000 items a request.
    ImportInformation(ImportArgs),
    /// Update OKR metric items (更新指标项) from a CSV file with the columns
    /// metric_source_id,metric_table_id,metric_item_id,metric_initial_value,
    /// metric_target_value,metric_current_value,supported_user_id (empty cells
    /// leave a value as it is). One request an item.
    ImportOkr(OkrArgs),
    /// List the review templates (获取绩效模板), every page.
    Templates {
        /// Templates per page (1..=50).
        #[arg(long, default_value_t = 50)]
        page_size: i64,
        /// Only these template ids.
        #[arg(long, value_delimiter = ',')]
        ids: Vec<String>,
    },
    /// Import a generated file of KPI rows (with a few bad rows) into the embedded
    /// sandbox, with faults injected, and check the sandbox's ledger: every good row
    /// applied exactly once, every bad row reported.
    Demo {
        /// Reviewees in the generated file (three rows each; at most 240).
        #[arg(long, default_value_t = 240)]
        reviewees: usize,
    },
}

/// What every import takes.
#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The CSV file (`-`: standard input).
    file: PathBuf,
    /// The file's encoding: utf-8 (default; a byte-order mark is honoured), gbk or gb18030.
    #[arg(long)]
    encoding: Option<Encoding>,
    /// Journal file: makes the run resumable after an interruption, without sending a row twice.
    #[arg(long)]
    journal: Option<PathBuf>,
    /// Where to write the rejected rows (CSV); default `<file>.rejects.csv`.
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Check and plan, and write the rejects file, but send nothing (needs no credentials).
    #[arg(long)]
    dry_run: bool,
}

/// What the performance imports take.
#[derive(Debug, clap::Args)]
struct ImportArgs {
    #[command(flatten)]
    run: RunArgs,
    /// The semester (周期 ID).
    #[arg(long)]
    semester: String,
    /// How the file identifies people: open_id, union_id, user_id or people_admin_id.
    #[arg(long)]
    user_id_type: Option<String>,
    /// Units per request (default and maximum: 50 reviewee-metrics, or 1,000 items).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Name of the import record shown in Feishu.
    #[arg(long)]
    record_name: Option<String>,
}

/// What the OKR update takes.
#[derive(Debug, clap::Args)]
struct OkrArgs {
    #[command(flatten)]
    run: RunArgs,
    /// How `supported_user_id` identifies people: open_id, union_id or user_id.
    #[arg(long)]
    user_id_type: Option<String>,
}

impl ImportArgs {
    fn options(&self, max_units: usize) -> Options {
        Options {
            semester_id: self.semester.clone(),
            user_id_type: self.user_id_type.as_deref().map(UserIdType::from),
            batch_size: self.batch_size.unwrap_or(max_units),
            import_record_name: self.record_name.clone(),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// A store app when FEISHU_APP_TICKET gives its app_ticket.
fn store_app_from_env(builder: feishu_perf::ClientBuilder) -> feishu_perf::ClientBuilder {
    match (
        std::env::var("FEISHU_APP_TICKET")
            .ok()
            .filter(|t| !t.is_empty()),
        std::env::var("FEISHU_APP_ID"),
        std::env::var("FEISHU_APP_SECRET"),
    ) {
        (Some(ticket), Ok(id), Ok(secret)) => {
            builder.store_app(id, secret, move || Some(ticket.clone()))
        }
        _ => builder,
    }
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    let demo = matches!(cli.command, Command::Demo { .. });
    let window = Duration::try_from_secs_f64(cli.sandbox_rate_window)
        .ok()
        .filter(|w| !w.is_zero())
        .ok_or("--sandbox-rate-window must be a positive number of seconds")?;
    let faults = if demo && cli.sandbox_faults.is_empty() {
        "500@0.1,apply_drop@0.05,drop@0.05".to_owned()
    } else {
        cli.sandbox_faults.clone()
    };
    let sandbox = if cli.sandbox || demo {
        let sandbox = Sandbox::start(Config {
            rate_window: window,
            faults,
            ..Config::default()
        })
        .await
        .map_err(|e| e.to_string())?;
        eprintln!("sandbox at {} (rate window {window:?})", sandbox.base_url());
        Some(sandbox)
    } else {
        None
    };
    let redis = match &cli.redis {
        Some(url) => Some(
            feishu_perf::redis::Redis::connect(url)
                .await
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let tenant_key = cli.tenant_key.clone();
    let connect = || {
        let builder = match &sandbox {
            Some(sandbox) => Ok(Client::builder()
                .app(seed::APP_ID, seed::APP_SECRET)
                .base_url(sandbox.base_url())
                .pacing(Pacing::Documented { window })),
            None => Client::builder().from_env().map(store_app_from_env),
        };
        builder
            .map(|b| match redis {
                Some(redis) => b.redis(redis),
                None => b,
            })
            .map(|b| match tenant_key {
                Some(tenant_key) => b.tenant_key(tenant_key),
                None => b,
            })
            .and_then(|b| b.build())
            .map_err(|e| e.to_string())
    };
    let pace_window = if sandbox.is_some() {
        window
    } else {
        Duration::from_secs(60)
    };

    match cli.command {
        Command::ImportMetrics(args) => {
            let job = MetricImport(args.options(MetricImport::MAX_UNITS));
            import(connect, &job, &args.run, pace_window)
                .await
                .map(|report| exit_code(&report))
        }
        Command::ImportInformation(args) => {
            let job = InformationImport(args.options(InformationImport::MAX_UNITS));
            import(connect, &job, &args.run, pace_window)
                .await
                .map(|report| exit_code(&report))
        }
        Command::ImportOkr(args) => {
            let job = OkrItemUpdate {
                user_id_type: args.user_id_type.as_deref().map(OkrUserIdType::from),
            };
            import(connect, &job, &args.run, pace_window)
                .await
                .map(|report| exit_code(&report))
        }
        Command::Templates { page_size, ids } => {
            let client = connect()?;
            let mut request = QueryReviewTemplateRequest::new().page_size(page_size);
            if !ids.is_empty() {
                request =
                    request.body(QueryReviewTemplateRequestBody::new().review_template_ids(ids));
            }
            let mut templates = std::pin::pin!(client.paginate(request));
            let mut count = 0;
            while let Some(template) = templates.next().await {
                let t = template.map_err(|e| e.to_string())?;
                let name = t
                    .name
                    .as_ref()
                    .and_then(|n| n.zh_cn.clone().or_else(|| n.en_us.clone()))
                    .unwrap_or_default();
                let status = t
                    .status
                    .as_ref()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default();
                println!(
                    "{}\t{status}\t{name}",
                    t.review_template_id.unwrap_or_default()
                );
                count += 1;
            }
            eprintln!("{count} templates");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { reviewees } => {
            let client = connect()?;
            let sandbox = sandbox.expect("the demo runs against the sandbox");
            demo_run(
                &client,
                &sandbox,
                reviewees.min(seed::Seed::OUT_OF_SCOPE.start),
                window,
            )
            .await
        }
    }
}

async fn import<J: Job>(
    connect: impl FnOnce() -> Result<Client, String>,
    job: &J,
    args: &RunArgs,
    pace_window: Duration,
) -> Result<Report, String> {
    let (file, journal_path, dry_run) = (&args.file, args.journal.as_deref(), args.dry_run);
    let source = Source::from_arg(file);
    let table = read_table(&source, J::COLUMNS, args.encoding).map_err(|e| e.to_string())?;
    let plan = batch::plan(job, table)?;
    let pace = match plan.duration_at_documented_pace::<J>(pace_window) {
        Some(d) => format!(", about {} at the documented pace", human(d)),
        None => String::new(),
    };
    eprintln!(
        "{source}: {} rows, {} to send in {} requests{pace}, {} rejected before sending",
        plan.rows,
        plan.sendable_rows(),
        plan.batches(),
        plan.rejected_rows()
    );
    let rejects_path = || match (&args.rejects, &source) {
        (Some(path), _) => path.clone(),
        (None, Source::File(file)) => file.with_extension("rejects.csv"),
        (None, Source::Stdin) => PathBuf::from("stdin.rejects.csv"),
    };
    if dry_run {
        print_rejections(&plan.rejected);
        if !plan.rejected.is_empty() {
            let path = rejects_path();
            write_rejects(&path, plan.table(), &plan.rejected)?;
            println!("rejected rows written to {}", path.display());
        }
        return Ok(Report {
            rows: plan.rows,
            rejected: plan.rejected,
            ..Report::default()
        });
    }
    let client = connect()?;
    let mut journal = match journal_path {
        Some(path) => Journal::open(path, &plan.fingerprint)?,
        None => Journal::in_memory(),
    };
    let bar = ProgressBar::new(plan.sendable_rows() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let result = batch::run(&client, &plan, job, &mut journal, |p| {
        bar.set_position((p.applied_rows + p.failed_rows) as u64);
        bar.set_message(format!("({} refused)", p.failed_rows));
    })
    .await;
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            print_report(&report);
            if !report.rejected.is_empty() {
                let path = rejects_path();
                write_rejects(&path, plan.table(), &report.rejected)?;
                println!("rejected rows written to {}", path.display());
            }
            Ok(report)
        }
        Err(interrupted) => {
            print_report(&interrupted.report);
            if let Some(cause) = &interrupted.likely_cause {
                if !interrupted.report.rejected.is_empty() {
                    let path = rejects_path();
                    write_rejects(&path, plan.table(), &interrupted.report.rejected)?;
                    println!("rejected rows written to {}", path.display());
                }
                return Err(format!(
                    "stopped after {} requests: {cause}",
                    interrupted.report.requests
                ));
            }
            let hint = match journal_path {
                Some(path) => format!(
                    "run the same command again to resume from {}",
                    path.display()
                ),
                None => "run again with --journal FILE to make runs resumable".to_owned(),
            };
            Err(format!(
                "{} rows pending: {}; {hint}",
                interrupted.report.pending_rows(),
                interrupted.error
            ))
        }
    }
}

/// `1 h 40 min`, `20 min`, `45 s`.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s.div_ceil(60)),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// 0 when every row was applied, 3 when some were rejected.
fn exit_code(report: &Report) -> ExitCode {
    if report.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    }
}

fn print_report(report: &Report) {
    let rejected: usize = report.rejected.iter().map(|r| r.lines.len()).sum();
    println!(
        "{} rows: {} applied, {} rejected, {} pending; {} requests, {} applied with a lost response, {} splits, in {:.1?}",
        report.rows,
        report.applied_rows,
        rejected,
        report.pending_rows(),
        report.requests,
        report.applied_with_lost_response,
        report.splits,
        report.elapsed
    );
    print_rejections(&report.rejected);
}

fn print_rejections(rejections: &[batch::Rejection]) {
    for r in rejections.iter().take(10) {
        let lines: Vec<String> = r.lines.iter().map(u64::to_string).collect();
        let code = r.code.map(|c| format!("{c} ")).unwrap_or_default();
        println!("  line {}: {code}{}", lines.join(","), r.reason);
    }
    if rejections.len() > 10 {
        println!("  ... and {} more", rejections.len() - 10);
    }
}

/// The demo: a generated file with three rows per reviewee and a few bad rows.
async fn demo_run(
    client: &Client,
    sandbox: &Sandbox,
    reviewees: usize,
    window: Duration,
) -> Result<ExitCode, String> {
    let dir = std::env::temp_dir().join(format!("feishu-perf-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let file = dir.join("kpi.csv");
    let mut writer = csv::Writer::from_path(&file).map_err(|e| e.to_string())?;
    let mut write = |row: [&str; 5]| -> Result<(), String> {
        writer.write_record(row).map_err(|e| e.to_string())
    };
    write(feishu_perf_cli::input::METRIC_COLUMNS)?;
    for n in 0..reviewees {
        let reviewee = seed::open_id(n);
        let value = format!("{}", 60 + n % 40);
        write([&reviewee, ids::METRIC, ids::FIELD_NUMBER, &value, ""])?;
        write([
            &reviewee,
            ids::METRIC,
            ids::FIELD_TEXT,
            "季度销售额超额完成",
            "",
        ])?;
        write([&reviewee, ids::METRIC_2, "7283776005142675482", &value, ""])?;
    }
    // Rows the server refuses, each alone in its reviewee-metric: a reviewee outside the
    // app's data scope, and a metric not assigned to the reviewee. The fixture's
    // administrator has also filled reviewee 5's text field: that reviewee-metric is refused.
    write([
        &seed::open_id(seed::Seed::OUT_OF_SCOPE.start),
        ids::METRIC,
        ids::FIELD_NUMBER,
        "90",
        "",
    ])?;
    write([
        &seed::open_id(1),
        ids::METRIC_UNASSIGNED,
        "7000000000000000313",
        "1",
        "",
    ])?;
    writer.flush().map_err(|e| e.to_string())?;

    let args = ImportArgs {
        run: RunArgs {
            file: file.clone(),
            encoding: None,
            journal: Some(dir.join("kpi.journal")),
            rejects: Some(dir.join("kpi.rejects.csv")),
            dry_run: false,
        },
        semester: ids::SEMESTER.into(),
        user_id_type: None,
        batch_size: None,
        record_name: Some("feishu-perf demo".into()),
    };
    let job = MetricImport(args.options(MetricImport::MAX_UNITS));
    let demo_client = client.clone();
    let report = import(move || Ok(demo_client), &job, &args.run, window).await?;

    // Every applied row is in the ledger exactly once; every other row was reported.
    let mut written: Vec<(String, String, String)> = sandbox
        .ledger()
        .iter()
        .flat_map(|e| e.rows.iter())
        .map(|r| {
            (
                r["reviewee"].to_string(),
                r["metric_id"].to_string(),
                r["field_id"].to_string(),
            )
        })
        .collect();
    let total = written.len();
    written.sort();
    written.dedup();
    let rejected: usize = report.rejected.iter().map(|r| r.lines.len()).sum();
    println!(
        "sandbox ledger: {total} rows written ({} distinct); report: {} applied, {rejected} rejected; faults injected: {:?}",
        written.len(),
        report.applied_rows,
        sandbox.stats().faults
    );
    let _ = std::fs::remove_dir_all(&dir);
    if total != written.len()
        || total != report.applied_rows
        || report.applied_rows + rejected != report.rows
    {
        return Err("the ledger and the report disagree: a row was lost or written twice".into());
    }
    println!("ledger check: every applied row written exactly once, every other row reported");
    Ok(ExitCode::SUCCESS)
}
