//! `feishu-sandbox`: run the sandbox as a server.
//!
//! `cargo run -p feishu-sandbox -- --addr 127.0.0.1:8787`

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use feishu_sandbox::{Config, Sandbox, Seed, seed};

/// A local server that behaves like the documented Feishu performance and OKR APIs.
#[derive(Debug, Parser)]
#[command(name = "feishu-sandbox", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    addr: SocketAddr,
    /// Seed data (JSON, the shape of `feishu_sandbox::Seed`); the built-in fixture by default.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Lifetime of issued tokens, in seconds.
    #[arg(long, default_value_t = 7200)]
    token_ttl: u64,
    /// Length of the rate-limit window, in seconds (the platform's is 60); per-second limits use a sixtieth of it.
    #[arg(long, default_value_t = 60.0)]
    rate_window: f64,
    /// Faults to inject, e.g. `500,apply_drop,ok,502@0.05` (see the README).
    #[arg(long, default_value = "")]
    faults: String,
    /// Print the built-in fixture as JSON and exit (a starting point for --seed).
    #[arg(long)]
    dump_seed: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if args.dump_seed {
        println!("{}", serde_json::to_string_pretty(&Seed::fixture())?);
        return Ok(());
    }
    let seed = match &args.seed {
        Some(path) => Seed::from_file(path)?,
        None => Seed::fixture(),
    };
    let apps: Vec<(String, String, bool)> = seed
        .apps
        .iter()
        .map(|a| (a.app_id.clone(), a.app_secret.clone(), a.store_app))
        .collect();
    let config = Config {
        seed,
        token_ttl: Duration::from_secs(args.token_ttl),
        rate_window: Duration::try_from_secs_f64(args.rate_window)
            .ok()
            .filter(|w| !w.is_zero())
            .ok_or("--rate-window must be a positive number of seconds")?,
        faults: args.faults.clone(),
        ..Config::default()
    };
    let sandbox = Sandbox::start_on(args.addr, config).await?;
    println!("feishu-sandbox listening on {}", sandbox.base_url());
    for (app_id, secret, store) in apps {
        let kind = if store { "store app" } else { "self-built app" };
        // The sandbox's own fixture credentials: printing them is the point.
        println!("  {kind}: FEISHU_APP_ID={app_id} FEISHU_APP_SECRET={secret}");
    }
    println!("  store app tenant_key: {}", seed::TENANT_KEY);
    println!(
        "  control: GET /_sandbox/ledger, GET /_sandbox/stats, POST /_sandbox/faults, GET /_sandbox/app_ticket/{{app_id}}"
    );
    println!(
        "  events: POST /_sandbox/events/subscription, POST /_sandbox/events/review_data_changed, POST /_sandbox/events/results_opened, GET /_sandbox/events/deliveries"
    );
    tokio::signal::ctrl_c().await?;
    sandbox.stop().await;
    Ok(())
}
