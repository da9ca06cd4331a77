//! A local server that behaves like the documented Feishu performance and OKR
//! APIs: token endpoints, the `{code, msg, data}` envelope, every performance
//! endpoint (one module per resource, as in `schema/`), the documented
//! errors, rate limits, `user_id_type`, pagination, idempotent writes, and
//! injected faults (see [`faults`]). Every accepted write is recorded in a
//! ledger, so tests can prove that nothing was lost or applied twice.
//!
//! It checks requests with its own code, written from the docs; it shares no
//! code with the client, so that a wrong wire name on either side fails a test.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sandbox = feishu_sandbox::Sandbox::start(feishu_sandbox::Config::default()).await?;
//! println!("{}", sandbox.base_url());
//! sandbox.stop().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod auth;
mod endpoint;
mod events;
pub mod faults;
mod input;
mod okr;
mod pagination;
mod performance;
pub mod seed;
mod state;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

pub use faults::{Fault, Faults};
pub use seed::Seed;
pub use state::{LedgerEntry, Stats};

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data it starts with.
    pub seed: Seed,
    /// Lifetime of the tokens it issues (`expire`); the platform's is 7200 s.
    pub token_ttl: Duration,
    /// Length of the rate-limit window of the per-minute limits; the
    /// platform's is one minute. Per-second limits use a sixtieth of it.
    pub rate_window: Duration,
    /// Fault spec (see [`faults`]); empty for none.
    pub faults: String,
    /// Calls a window for endpoints whose page documents no limit, by endpoint
    /// id (`okr.v1.metric_source_table_item.patch`); the platform limits every
    /// endpoint, and announces the limit in a 429's `x-ogw-ratelimit-limit`.
    pub undocumented_limits: std::collections::BTreeMap<String, usize>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: Seed::fixture(),
            token_ttl: Duration::from_secs(7200),
            rate_window: Duration::from_secs(60),
            faults: String::new(),
            undocumented_limits: Default::default(),
        }
    }
}

/// A running sandbox. Dropping it without [`stop`](Sandbox::stop) leaves the
/// server running until the runtime shuts down.
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<Mutex<state::State>>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// Marks a response whose connection must be closed without sending it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts on a free loopback port.
    pub async fn start(config: Config) -> std::io::Result<Sandbox> {
        Self::start_on("127.0.0.1:0".parse().expect("a socket address"), config).await
    }

    /// Starts on `addr`.
    pub async fn start_on(addr: SocketAddr, config: Config) -> std::io::Result<Sandbox> {
        let faults = Faults::parse(&config.faults).map_err(std::io::Error::other)?;
        let hub = events::Hub::new(config.seed.clone());
        let state = Arc::new(Mutex::new(state::State::new(config, faults)));
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let router = router(state.clone()).merge(events::routes(hub));
        let (shutdown, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let (stream, _) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(accepted) => accepted,
                        Err(_) => continue,
                    },
                    _ = stopped.changed() => break,
                };
                let router = router.clone();
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let router = router.clone();
                        async move {
                            let response = match router.oneshot(request).await {
                                Ok(response) => response,
                                Err(never) => match never {},
                            };
                            if response.extensions().get::<DropConnection>().is_some() {
                                // An error from the service makes hyper close the
                                // connection without writing a response.
                                return Err(std::io::Error::other("fault: connection dropped"));
                            }
                            Ok::<_, std::io::Error>(response)
                        }
                    });
                    let connection = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(connection);
                    tokio::select! {
                        _ = connection.as_mut() => {}
                        _ = stopped.changed() => connection.as_mut().graceful_shutdown(),
                    }
                });
            }
        });
        Ok(Sandbox {
            addr,
            state,
            shutdown,
            task,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: use it where the client expects `https://open.feishu.cn`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every accepted write, in order.
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.lock().ledger.clone()
    }

    /// Counters of what the sandbox has seen.
    pub fn stats(&self) -> Stats {
        self.lock().stats.clone()
    }

    /// Replaces the fault spec.
    pub fn set_faults(&self, spec: &str) -> Result<(), String> {
        self.lock().faults = Faults::parse(spec)?;
        Ok(())
    }

    /// The current app_ticket of a store app, as Feishu would push it by event.
    pub fn app_ticket(&self, app_id: &str) -> Option<String> {
        self.lock().app_tickets.get(app_id).cloned()
    }

    /// Revokes every token issued so far: calls answer 99991663 until a new one is fetched.
    pub fn revoke_tokens(&self) {
        self.lock().tokens.clear();
    }

    /// Stops accepting connections and waits for the server task.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, state::State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Every route of the sandbox.
fn router(state: Arc<Mutex<state::State>>) -> Router {
    Router::new()
        .route(
            "/open-apis/auth/v3/tenant_access_token/internal",
            post(auth::tenant_token_internal),
        )
        .route(
            "/open-apis/auth/v3/app_access_token/internal",
            post(auth::app_token_internal),
        )
        .route(
            "/open-apis/auth/v3/app_access_token",
            post(auth::app_token_store),
        )
        .route(
            "/open-apis/auth/v3/tenant_access_token",
            post(auth::tenant_token_store),
        )
        .route(
            "/open-apis/auth/v3/app_ticket/resend",
            post(auth::app_ticket_resend),
        )
        .merge(performance::v1::routes())
        .merge(performance::v2::routes())
        .merge(okr::v1::routes())
        .merge(okr::v2::routes())
        .route("/_sandbox/ledger", get(control_ledger))
        .route("/_sandbox/stats", get(control_stats))
        .route("/_sandbox/faults", post(control_faults))
        .route("/_sandbox/app_ticket/{app_id}", get(control_app_ticket))
        .fallback(endpoint::not_found)
        .with_state(state)
}

type Shared = axum::extract::State<Arc<Mutex<state::State>>>;

async fn control_ledger(axum::extract::State(state): Shared) -> axum::Json<Vec<LedgerEntry>> {
    axum::Json(state::lock(&state).ledger.clone())
}

async fn control_stats(axum::extract::State(state): Shared) -> axum::Json<Stats> {
    axum::Json(state::lock(&state).stats.clone())
}

async fn control_faults(
    axum::extract::State(state): Shared,
    spec: String,
) -> Result<String, (axum::http::StatusCode, String)> {
    let faults =
        Faults::parse(spec.trim()).map_err(|e| (axum::http::StatusCode::BAD_REQUEST, e))?;
    state::lock(&state).faults = faults;
    Ok(format!("faults set: {}\n", spec.trim()))
}

async fn control_app_ticket(
    axum::extract::State(state): Shared,
    axum::extract::Path(app_id): axum::extract::Path<String>,
) -> Result<String, axum::http::StatusCode> {
    state::lock(&state)
        .app_tickets
        .get(&app_id)
        .cloned()
        .ok_or(axum::http::StatusCode::NOT_FOUND)
}
