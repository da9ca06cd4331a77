//! The `feishu-sandbox` binary starts, prints where it listens and what it accepts, and serves.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn binary_prints_its_url_and_credentials_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_feishu-sandbox"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--rate-window",
            "1",
            "--faults",
            "500@0.1",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .strip_prefix("feishu-sandbox listening on ")
        .expect(&first)
        .to_owned();
    let second = lines.next().unwrap().unwrap();
    assert!(
        second.contains("FEISHU_APP_ID=cli_sandbox_app") && second.contains("FEISHU_APP_SECRET="),
        "{second}"
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let stats = runtime.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::get(format!("{url}/_sandbox/stats"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(stats.contains("token_requests"), "{stats}");

    let dump = Command::new(env!("CARGO_BIN_EXE_feishu-sandbox"))
        .arg("--dump-seed")
        .output()
        .unwrap();
    let seed: feishu_sandbox::Seed = serde_json::from_slice(&dump.stdout).unwrap();
    assert_eq!(seed.users.len(), feishu_sandbox::Seed::USERS);
}
