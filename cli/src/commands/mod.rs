//! The commands, over a shared context: the client, where it points, and the output.

use std::time::Duration;

use feishu_perf::{Client, Pacing};
use feishu_sandbox::{Config, Sandbox, seed};

use crate::args::{
    AuthCommand, Cli, Command, EventsCommand, InformationCommand, MetricsCommand, OkrCommand,
    SandboxCommand,
};
use crate::exit::{Failure, Status};
use crate::note;
use crate::output::{Format, Output};

mod auth;
mod call;
mod catalogue;
mod delete;
mod demo;
mod events;
mod export;
mod import;
pub mod lookup;
pub mod progress;
mod read;
pub mod registry;
mod sandbox;
mod shell;
mod template;

/// What every command runs with.
pub struct Context {
    /// The client, or why there is none (no credentials: only a dry run can go on).
    client: Result<Client, Failure>,
    /// Where it sends.
    pub base_url: String,
    /// The window the server counts its rate limits in.
    pub window: Duration,
    /// How results are printed.
    pub output: Output,
    /// The zone times are shown in (`--tz`).
    pub zone: feishu_perf_cli::time::Zone,
    /// The embedded sandbox, when running against one.
    pub sandbox: Option<Sandbox>,
    /// Where the rows go, as a journal is bound to it (with a client only).
    pub server: Option<feishu_perf_cli::journal::Server>,
}

impl Context {
    /// The client; fails when there are no credentials.
    pub fn client(&self) -> Result<&Client, Failure> {
        self.client.as_ref().map_err(Clone::clone)
    }
}

/// Runs the command line.
pub async fn run(cli: Cli) -> Result<Status, Failure> {
    // A listener needs no client nor sandbox.
    if let Command::Events(EventsCommand::Listen(args)) = cli.command {
        return events::listen(args).await;
    }
    let demo = matches!(cli.command, Command::Demo { .. });
    let embedded = cli.sandbox || demo;
    let window = match cli.rate_window {
        None if embedded => Duration::from_secs(1),
        None => Duration::from_secs(60),
        Some(seconds) => Duration::try_from_secs_f64(seconds)
            .ok()
            .filter(|w| !w.is_zero())
            .ok_or_else(|| {
                Failure::usage(format!(
                    "--rate-window must be a positive number of seconds, not {seconds}"
                ))
            })?,
    };
    let faults = match cli.sandbox_faults.as_deref() {
        Some("none") | Some("") => String::new(),
        Some(spec) => spec.to_owned(),
        None if demo => "500@0.1,apply_drop@0.05,drop@0.05".to_owned(),
        None => String::new(),
    };
    let sandbox = if embedded {
        let sandbox = Sandbox::start(Config {
            rate_window: window,
            faults: faults.clone(),
            ..Config::default()
        })
        .await
        .map_err(|e| Failure::usage(format!("the embedded sandbox did not start: {e}")))?;
        let faults = if faults.is_empty() { "none" } else { &faults };
        note!(
            "sandbox at {} (rate window {window:?}, faults: {faults})",
            sandbox.base_url()
        );
        Some(sandbox)
    } else {
        None
    };
    let pacing = Pacing::Documented { window };
    let redis = match &cli.redis {
        Some(url) => Some(feishu_perf::redis::Redis::connect(url).await.map_err(|e| {
            Failure::usage(format!("--redis: {e}"))
                .hint("check that the Redis at that URL is running and reachable")
        })?),
        None => None,
    };
    let tenant_key = cli.tenant_key.clone();
    let shared = |builder: feishu_perf::ClientBuilder| {
        let builder = match redis {
            Some(redis) => builder.redis(redis),
            None => builder,
        };
        match tenant_key {
            Some(tenant_key) => builder.tenant_key(tenant_key),
            None => builder,
        }
    };
    let client = match &sandbox {
        Some(sandbox) => shared(
            Client::builder()
                .app(seed::APP_ID, seed::APP_SECRET)
                .base_url(sandbox.base_url())
                .pacing(pacing),
        )
        .build()
        .map_err(|e| Failure::usage(e.to_string())),
        None => from_env(cli.brand).and_then(|builder| {
            shared(builder.pacing(pacing)).build().map_err(|e| {
                Failure::usage(e.to_string())
                    .hint("FEISHU_BASE_URL must be an https URL (http only to loopback)")
            })
        }),
    };
    let base_url = client
        .as_ref()
        .map(|c| c.base_url().to_owned())
        .unwrap_or_default();
    let server = match (&client, &sandbox) {
        (Err(_), _) => None,
        (Ok(_), Some(sandbox)) => Some(feishu_perf_cli::journal::Server::embedded_sandbox(
            &sandbox.base_url(),
            seed::APP_ID,
        )),
        (Ok(_), None) => Some(feishu_perf_cli::journal::Server::new(
            &base_url,
            &std::env::var("FEISHU_APP_ID").unwrap_or_default(),
            cli.tenant_key.as_deref(),
        )),
    };
    let context = Context {
        client,
        base_url,
        server,
        window,
        output: Output::new(Format::resolve(cli.format)),
        zone: cli.tz.clone(),
        sandbox,
    };
    match cli.command {
        Command::Metrics(MetricsCommand::Import(args)) | Command::ImportMetrics(args) => {
            import::metrics(&context, args).await
        }
        Command::Metrics(MetricsCommand::Export(args)) => export::metrics(&context, args).await,
        Command::Metrics(MetricsCommand::Template(args)) => template::metrics(&context, args).await,
        Command::Sandbox(SandboxCommand::Serve(args)) => sandbox::serve(args).await,
        Command::Completions { shell } => shell::completions(shell),
        Command::Man => shell::man(),
        Command::Information(InformationCommand::Import(args))
        | Command::ImportInformation(args) => import::information(&context, args).await,
        Command::Information(InformationCommand::Export(args)) => {
            export::information(&context, args).await
        }
        Command::Information(InformationCommand::Delete(args)) => delete::run(&context, args).await,
        Command::Call(args) => call::run(&context, args).await,
        Command::Okr(OkrCommand::Import(args)) | Command::ImportOkr(args) => {
            import::okr(&context, args).await
        }
        Command::Okr(OkrCommand::Progress(command)) => progress::run(&context, command).await,
        Command::Okr(OkrCommand::Lookup(chosen)) => lookup::run(&context, &chosen).await,
        Command::Lookup(chosen) => lookup::run(&context, &chosen).await,
        Command::Templates { page_size, ids } => {
            let chosen = lookup::Chosen::<lookup::table::Performance>::of(
                "review-templates",
                vec![("ids", ids)],
                page_size,
            )
            .ok_or_else(|| Failure::usage("no review-templates look-up"))?;
            lookup::run(&context, &chosen).await
        }
        Command::Auth(AuthCommand::Check) => auth::check(&context).await,
        Command::Demo { reviewees } => demo::run(&context, reviewees).await,
        Command::Events(EventsCommand::Listen(args)) => events::listen(args).await,
    }
}

/// Credentials from the environment, and the base URL from `--brand`, else FEISHU_BASE_URL, else Feishu's.
fn from_env(brand: Option<crate::args::Brand>) -> Result<feishu_perf::ClientBuilder, Failure> {
    for name in ["FEISHU_APP_ID", "FEISHU_APP_SECRET"] {
        if std::env::var(name).map_or(true, |v| v.is_empty()) {
            return Err(Failure::new(Status::Auth, format!("{name} is not set")).hint(
                "export FEISHU_APP_ID and FEISHU_APP_SECRET (the app's credentials, from the developer console), or use --sandbox",
            ));
        }
    }
    let mut builder = Client::builder()
        .from_env()
        .map(store_app_from_env)
        .map_err(|e| Failure::new(Status::Auth, e.to_string()))?;
    if let Some(brand) = brand {
        builder = builder.base_url(brand.base_url());
    }
    Ok(builder)
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
