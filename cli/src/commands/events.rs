//! `events listen`: a webhook server that prints each verified event once, as NDJSON.
//!
//! The encrypt key and verification token come from the environment (`FEISHU_ENCRYPT_KEY`,
//! `FEISHU_VERIFICATION_TOKEN`), never from flags. Each event is handed over once (by its
//! `event_id`, over five minutes); with `--exec`, a command runs per event with the event on
//! its standard input, and an event whose command fails is answered 500, so Feishu delivers
//! it again. `--max-events N` stops after N events; Ctrl-C stops at once.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use feishu_perf::events::{Outcome, ReceivedEvent, Webhook, WebhookConfig};
use tokio::io::AsyncWriteExt;
use tokio::sync::{Mutex, Notify};

use crate::args::ListenArgs;
use crate::exit::{Failure, Status};
use crate::note;

struct Listener {
    exec: Option<String>,
    max_events: Option<u64>,
    /// Events printed, under the lock that keeps them one at a time.
    printed: Mutex<u64>,
    done: Notify,
}

impl Listener {
    async fn on_event(&self, event: ReceivedEvent) -> Result<(), String> {
        let mut printed = self.printed.lock().await;
        if self.max_events.is_some_and(|max| *printed >= max) {
            return Err("the listener has printed its --max-events".into());
        }
        let line = event.to_json().to_string();
        if let Some(cmd) = &self.exec {
            run(cmd, &line).await?;
        }
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| format!("stdout: {e}"))?;
        *printed += 1;
        if self.max_events.is_some_and(|max| *printed >= max) {
            self.done.notify_one();
        }
        Ok(())
    }
}

/// Runs `cmd` through the shell with `input` on its standard input.
async fn run(cmd: &str, input: &str) -> Result<(), String> {
    let mut command = if cfg!(windows) {
        let mut c = tokio::process::Command::new("cmd");
        c.arg("/C").arg(cmd);
        c
    } else {
        let mut c = tokio::process::Command::new("sh");
        c.arg("-c").arg(cmd);
        c
    };
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("--exec `{cmd}` did not start: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is not an error.
        let _ = stdin.write_all(input.as_bytes()).await;
        let _ = stdin.write_all(b"\n").await;
    }
    let status = child
        .wait()
        .await
        .map_err(|e| format!("--exec `{cmd}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("--exec `{cmd}` exited with {status}"))
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub async fn listen(args: ListenArgs) -> Result<Status, Failure> {
    let addr: SocketAddr = args.webhook;
    let mut config = WebhookConfig::new().max_age(Some(Duration::from_secs(args.max_age)));
    if let Some(key) = env("FEISHU_ENCRYPT_KEY") {
        config = config.encrypt_key(key);
    }
    if let Some(token) = env("FEISHU_VERIFICATION_TOKEN") {
        config = config.verification_token(token);
    }
    if !config.authenticates() {
        return Err(Failure::usage(
            "neither FEISHU_ENCRYPT_KEY nor FEISHU_VERIFICATION_TOKEN is set: nothing would tell Feishu's deliveries from anyone else's",
        )
        .hint("export them from the app's event subscription page (事件与回调 > 加密策略)"));
    }
    if args.max_events == Some(0) {
        return Ok(Status::Success);
    }
    let webhook = Arc::new(Webhook::new(config));
    let listener = Arc::new(Listener {
        exec: args.exec,
        max_events: args.max_events,
        printed: Mutex::new(0),
        done: Notify::new(),
    });
    let socket = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::usage(format!("--webhook {addr}: {e}")))?;
    let bound = socket
        .local_addr()
        .map_err(|e| Failure::usage(format!("--webhook {addr}: {e}")))?;
    let path = if args.path.starts_with('/') {
        args.path.clone()
    } else {
        format!("/{}", args.path)
    };
    let l = listener.clone();
    let app = axum::Router::new().route(
        &path,
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let webhook = webhook.clone();
                let l = l.clone();
                async move {
                    let (answer, outcome) = webhook
                        .handle(&headers, &body, |e| async move { l.on_event(e).await })
                        .await;
                    report(&outcome);
                    (
                        axum::http::StatusCode::from_u16(answer.status)
                            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "application/json; charset=utf-8",
                        )],
                        answer.body,
                    )
                }
            },
        ),
    );
    note!("listening for events on http://{bound}{path}");
    let done = listener.clone();
    let server = axum::serve(socket, app).with_graceful_shutdown(async move {
        done.done.notified().await;
    });
    tokio::select! {
        served = server => {
            served.map_err(|e| Failure::new(Status::Resumable, format!("the webhook server failed: {e}")))?;
            let printed = *listener.printed.lock().await;
            note!("{printed} event(s) printed");
            Ok(Status::Success)
        }
        _ = tokio::signal::ctrl_c() => {
            let printed = *listener.printed.lock().await;
            note!("interrupted: {printed} event(s) printed");
            Ok(Status::Interrupted)
        }
    }
}

fn report(outcome: &Outcome) {
    match outcome {
        Outcome::Duplicate { event_id } => note!("event {event_id} again: already printed"),
        Outcome::HandlerFailed { event_id, message } => {
            note!(
                "event {event_id} not printed: {message} (answered 500: Feishu delivers it again)"
            )
        }
        Outcome::Refused(e) => note!("delivery refused: {e}"),
        Outcome::Challenge => note!("url_verification answered"),
        _ => {}
    }
}
