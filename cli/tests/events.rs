//! `feishu-perf events listen`, as a user runs it: the sandbox delivers events to the
//! binary's webhook, encrypted and signed, each twice and out of order; the binary prints each
//! once as NDJSON, runs `--exec` with it, stops after `--max-events`, and refuses to start
//! with nothing to authenticate deliveries.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Stdio};

use feishu_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

const KEY: &str = "cli-encrypt-key";
const TOKEN: &str = "cli-verification-token";

/// A JSON request to the sandbox's control endpoints, over a plain socket.
fn control(sandbox: SocketAddr, path: &str, body: &Value) -> Value {
    let body = body.to_string();
    let mut s = std::net::TcpStream::connect(sandbox).unwrap();
    write!(
        s,
        "POST /_sandbox/events/{path} HTTP/1.1\r\nHost: {sandbox}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {answer}");
    let (_, json) = answer.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(json).unwrap()
}

/// Starts `events listen` on a free port; its URL, from its first line on stderr.
fn listen(args: &[&str], key: bool) -> (Child, String) {
    let mut all = vec!["events", "listen", "--webhook", "127.0.0.1:0"];
    all.extend_from_slice(args);
    let mut cmd = common::command(&all);
    cmd.env("FEISHU_VERIFICATION_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if key {
        cmd.env("FEISHU_ENCRYPT_KEY", KEY);
    } else {
        cmd.env_remove("FEISHU_ENCRYPT_KEY");
    }
    let mut child = cmd.spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let url = first
        .trim()
        .strip_prefix("listening for events on ")
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    // Keep reading stderr so the binary never blocks on it.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stderr.read_to_string(&mut rest);
    });
    (child, url)
}

fn stdout_lines(child: Child) -> (std::process::ExitStatus, Vec<Value>) {
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status, lines)
}

#[tokio::test(flavor = "multi_thread")]
async fn each_event_is_printed_once_and_exec_runs_once_for_it() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let addr = sandbox.addr();
    let dir = common::dir("events-listen");
    let exec_out = dir.join("exec.ndjson");
    let exec = format!("cat >> '{}'", exec_out.display());
    let (child, url) = listen(&["--max-events", "6", "--exec", &exec], true);
    let raised: BTreeSet<String> = tokio::task::spawn_blocking(move || {
        control(
            addr,
            "subscription",
            &json!({"url": url, "verification_token": TOKEN, "encrypt_key": KEY,
                    "faults": ["duplicate", "reorder"], "retries": 3, "retry_delay_ms": 20}),
        );
        (0..6)
            .map(|i| {
                let path = if i % 2 == 0 {
                    "review_data_changed"
                } else {
                    "results_opened"
                };
                control(addr, path, &json!({}))["event_id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    })
    .await
    .unwrap();
    let (status, lines) = tokio::task::spawn_blocking(move || stdout_lines(child))
        .await
        .unwrap();
    assert!(status.success(), "{status}");
    let printed: Vec<String> = lines
        .iter()
        .map(|l| l["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(printed.len(), 6, "{printed:?}");
    assert_eq!(printed.iter().cloned().collect::<BTreeSet<_>>(), raised);
    for l in &lines {
        assert_eq!(l["schema"], "2.0");
        assert!(l["event"]["items"].is_array(), "{l}");
    }
    let exec_lines: Vec<Value> = std::fs::read_to_string(&exec_out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(exec_lines, lines, "--exec saw each event once, as printed");
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_whose_command_fails_is_delivered_again_and_printed_once() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let addr = sandbox.addr();
    let dir = common::dir("events-exec-fails");
    let flag = dir.join("failed-once");
    // Fails the first time, succeeds after.
    let exec = format!(
        "if [ -e '{0}' ]; then cat > /dev/null; else touch '{0}'; exit 3; fi",
        flag.display()
    );
    let (child, url) = listen(&["--max-events", "1", "--exec", &exec], false);
    let id = tokio::task::spawn_blocking(move || {
        control(
            addr,
            "subscription",
            &json!({"url": url, "verification_token": TOKEN, "retries": 3, "retry_delay_ms": 20}),
        );
        control(addr, "results_opened", &json!({}))["event_id"]
            .as_str()
            .unwrap()
            .to_owned()
    })
    .await
    .unwrap();
    let (status, lines) = tokio::task::spawn_blocking(move || stdout_lines(child))
        .await
        .unwrap();
    assert!(status.success());
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["event_id"], id.as_str());
    assert!(flag.exists(), "the first delivery's command failed");
    sandbox.stop().await;
}

#[test]
fn without_a_key_or_token_it_refuses_to_start() {
    let out = common::command(&["events", "listen", "--webhook", "127.0.0.1:0"])
        .env_remove("FEISHU_ENCRYPT_KEY")
        .env_remove("FEISHU_VERIFICATION_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
    assert!(common::text(&out).contains("FEISHU_ENCRYPT_KEY"));
}
