//! `feishu-perf sandbox serve` keeps its state from command to command and
//! prints the lines that point the command line at it; `completions` and
//! `man` write what shells and `man` read.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{command, dir, feishu_perf, json, text};
use feishu_sandbox::seed::{APP_ID, APP_SECRET, ids, open_id};

/// Stops the served sandbox (the child this test started) however the test ends.
struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_served_sandbox_keeps_what_is_written_between_commands() {
    let mut child = command(&[
        "sandbox",
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--rate-window",
        "0.1",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let stdout = child.stdout.take().unwrap();
    let served = Served(child);
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(3)
        .map(Result::unwrap)
        .collect();
    let value = |name: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("export {name}=")))
            .unwrap_or_else(|| panic!("no {name} in {lines:?}"))
            .to_owned()
    };
    let base = value("FEISHU_BASE_URL");
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert_eq!(value("FEISHU_APP_ID"), APP_ID);
    assert_eq!(value("FEISHU_APP_SECRET"), APP_SECRET);

    let dir = dir("serve");
    let file = dir.join("kpi.csv");
    std::fs::write(
        &file,
        format!(
            "reviewee_user_id,metric_id,field_id,field_value\n{},{},{},77\n",
            open_id(20),
            ids::METRIC,
            ids::FIELD_NUMBER
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--rate-window", "0.1", "--format", "json"];
        all.extend_from_slice(args);
        let out = command(&all)
            .env("FEISHU_BASE_URL", &base)
            .env("FEISHU_APP_ID", APP_ID)
            .env("FEISHU_APP_SECRET", APP_SECRET)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        out
    };
    let imported = json(&run(&[
        "metrics",
        "import",
        "--semester",
        ids::SEMESTER,
        file.to_str().unwrap(),
    ]));
    assert_eq!(imported["applied"], 1, "{imported}");
    // A second command, a second process: the value is still there.
    let out = run(&[
        "metrics",
        "export",
        "--semester",
        ids::SEMESTER,
        "--reviewee",
        &open_id(20),
    ]);
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.contains(&format!(
            "{},{},{},77,",
            open_id(20),
            ids::METRIC,
            ids::FIELD_NUMBER
        )),
        "{csv}"
    );
    drop(served);
}

#[test]
fn completions_and_the_manual_page_come_from_the_grammar() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = feishu_perf(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out));
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains("feishu-perf"), "{shell}");
        assert!(script.contains("template"), "{shell}: every subcommand");
    }
    let out = feishu_perf(&["man"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH feishu-perf"),
        "{page}"
    );
    assert!(page.contains("sandbox"), "{page}");
    let help = feishu_perf(&["--help"]);
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("Each run starts a new"), "{help}");
}
