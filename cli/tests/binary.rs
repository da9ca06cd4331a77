//! The `feishu-perf` binary, as a user runs it: formats parsed back, every exit status.

mod common;

use std::time::Duration;

use common::{against, dir, feishu_perf, json, metrics_file, out_of_scope_row, text};
use feishu_sandbox::seed::{ids, open_id};
use feishu_sandbox::{Config, Sandbox};

#[test]
fn demo_checks_the_ledger_and_keeps_its_files() {
    let out = feishu_perf(&["demo", "--reviewees", "40", "--format", "json"]);
    let text = text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("ledger check: every applied row written exactly once"),
        "{text}"
    );
    let result = json(&out);
    let codes: Vec<i64> = result["rejected_rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["code"].as_i64())
        .collect();
    assert!(
        codes.contains(&1580112) && codes.contains(&1580312) && codes.contains(&1580311),
        "{text}"
    );
    // The rejects file it names is there.
    let rejects = result["rejects_file"].as_str().unwrap();
    let kept = std::fs::read_to_string(rejects).unwrap();
    // The input's columns, then line, code and reason: the rejects file imports as it is.
    assert!(
        kept.trim_start_matches('\u{feff}').starts_with(
            "reviewee_user_id,metric_id,field_id,field_value,field_value_person,line,code,reason\n"
        ),
        "{kept}"
    );
    std::fs::remove_dir_all(std::path::Path::new(rejects).parent().unwrap()).unwrap();
}

#[test]
fn demo_runs_without_faults() {
    let out = feishu_perf(&[
        "demo",
        "--reviewees",
        "20",
        "--sandbox-faults",
        "none",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("faults: none"), "{}", text(&out));
    assert_eq!(json(&out)["applied_with_lost_response"], 0);
    let rejects = json(&out)["rejects_file"].as_str().unwrap().to_owned();
    std::fs::remove_dir_all(std::path::Path::new(&rejects).parent().unwrap()).unwrap();
}

/// Exit 0 and 5, and the import's result in JSON, NDJSON, CSV and table.
#[test]
fn import_results_in_every_format_and_exit_statuses_0_and_5() {
    let dir = dir("formats");
    let file = dir.join("kpi.csv");
    metrics_file(&file, 10..30, &[]);
    let file_arg = file.to_str().unwrap();
    let import = |format: &str, extra: &[&str]| {
        let mut args = vec![
            "--sandbox",
            "metrics",
            "import",
            "--semester",
            ids::SEMESTER,
            "--format",
            format,
        ];
        args.extend_from_slice(extra);
        args.push(file_arg);
        feishu_perf(&args)
    };

    let dry = import("json", &["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    assert_eq!(json(&dry)["status"], "dry_run");
    assert!(
        text(&dry).contains("20 rows, 20 to send in 1 requests"),
        "{}",
        text(&dry)
    );

    let ok = import("json", &[]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let result = json(&ok);
    assert_eq!(result["status"], "completed");
    assert_eq!(result["exit_code"], 0);
    assert_eq!(result["rows"], 20);
    assert_eq!(result["applied"], 20);
    assert_eq!(result["pending"], 0);
    assert_eq!(result["requests"], 1);
    assert_eq!(result["import_record_ids"].as_array().unwrap().len(), 1);

    // A row outside the app's data scope: exit status 5, and the row in every format.
    metrics_file(&file, 10..30, &[out_of_scope_row()]);
    let partial = import("json", &[]);
    assert_eq!(partial.status.code(), Some(5), "{}", text(&partial));
    let result = json(&partial);
    assert_eq!(result["status"], "rows_rejected");
    assert_eq!(
        (result["applied"].clone(), result["refused"].clone()),
        (20.into(), 1.into())
    );
    assert_eq!(result["rejected_rows"][0]["line"], 22);
    assert_eq!(result["rejected_rows"][0]["code"], 1580112);
    assert!(
        result["rejected_rows"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("permission denied")
    );
    let rejects = std::fs::read_to_string(dir.join("kpi.rejects.csv")).unwrap();
    assert!(
        rejects.contains("22,1580112,permission denied"),
        "{rejects}"
    );

    let ndjson = import("ndjson", &[]);
    assert_eq!(ndjson.status.code(), Some(5));
    let stdout = String::from_utf8(ndjson.stdout.clone()).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(line["rejected_rows"][0]["line"], 22);

    let csv_out = import("csv", &[]);
    assert_eq!(csv_out.status.code(), Some(5));
    let mut reader = csv::Reader::from_reader(&csv_out.stdout[..]);
    assert_eq!(reader.headers().unwrap(), vec!["line", "code", "reason"]);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 1);
    assert_eq!((&records[0][0], &records[0][1]), ("22", "1580112"));

    let table = import("table", &[]);
    assert_eq!(table.status.code(), Some(5));
    let stdout = String::from_utf8(table.stdout.clone()).unwrap();
    assert!(
        stdout.contains("21 rows: 20 applied, 1 rejected"),
        "{stdout}"
    );
    assert!(
        stdout.contains("LINE  CODE     REASON\n22    1580112  permission denied"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn templates_in_every_format() {
    let run = |format: &str| {
        let out = feishu_perf(&[
            "--sandbox",
            "review-templates",
            "list",
            "--page-size",
            "20",
            "--format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let all: Vec<serde_json::Value> = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(all.len(), 45);
    let first = &all[0];
    assert!(first["review_template_id"].is_string());
    assert!(first["templates"][0]["stage_type"].is_string(), "{first}");
    assert!(
        first["units"][0]["fields"][0]["field_id"].is_string(),
        "{first}"
    );

    let ndjson = run("ndjson");
    let lines: Vec<serde_json::Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, all);

    let csv_text = run("csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "review_template_id",
            "status",
            "name",
            "stages",
            "units",
            "fields"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 45);
    assert_eq!(
        &records[0][0],
        all[0]["review_template_id"].as_str().unwrap()
    );

    let table = run("table");
    assert!(table.starts_with("REVIEW_TEMPLATE_ID"), "{table}");
    assert_eq!(table.lines().count(), 46);
}

#[test]
fn off_a_terminal_the_default_format_is_json() {
    let out = feishu_perf(&["--sandbox", "review-templates", "list"]);
    let all: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(all.len(), 45);
}

/// Exit 2: a missing file, a malformed file, bad option values.
#[test]
fn bad_local_input_or_usage_exits_2() {
    let dir = dir("usage");
    let file = dir.join("kpi.csv");
    let import = |extra: &[&str], path: &str| {
        let mut args = vec![
            "--sandbox",
            "metrics",
            "import",
            "--semester",
            ids::SEMESTER,
        ];
        args.extend_from_slice(extra);
        args.push(path);
        feishu_perf(&args)
    };
    let missing = import(&[], dir.join("nowhere.csv").to_str().unwrap());
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(text(&missing).contains("nowhere.csv"), "{}", text(&missing));

    std::fs::write(&file, "reviewee_user_id,metric_id\nou_1,m\n").unwrap();
    let malformed = import(&[], file.to_str().unwrap());
    assert_eq!(malformed.status.code(), Some(2), "{}", text(&malformed));
    assert!(
        text(&malformed).contains("no `field_id` column"),
        "{}",
        text(&malformed)
    );

    metrics_file(&file, 10..12, &[]);
    let batch = import(&["--batch-size", "0"], file.to_str().unwrap());
    assert_eq!(batch.status.code(), Some(2), "{}", text(&batch));
    let window = feishu_perf(&[
        "--sandbox",
        "--rate-window",
        "0",
        "review-templates",
        "list",
    ]);
    assert_eq!(window.status.code(), Some(2), "{}", text(&window));
    let format = feishu_perf(&["--sandbox", "--format", "xml", "review-templates", "list"]);
    assert_eq!(format.status.code(), Some(2), "{}", text(&format));
    let unknown = feishu_perf(&["import-everything"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Exit 3: no credentials, wrong credentials; the message says what to check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_exits_3_and_says_what_to_check() {
    let out = feishu_perf(&["review-templates", "list"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("FEISHU_APP_ID is not set"),
        "{}",
        text(&out)
    );

    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let wrong = common::command(&["review-templates", "list"])
        .env("FEISHU_APP_ID", feishu_sandbox::seed::APP_ID)
        .env("FEISHU_APP_SECRET", "not-the-secret")
        .env("FEISHU_BASE_URL", sandbox.base_url())
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(3), "{}", text(&wrong));
    assert!(
        text(&wrong).contains("check the app secret"),
        "{}",
        text(&wrong)
    );
    assert!(!text(&wrong).contains("resume"), "{}", text(&wrong));

    let check = against(&sandbox.base_url(), &["auth", "check", "--format", "json"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    let result = json(&check);
    assert_eq!(result["app_id"], feishu_sandbox::seed::APP_ID);
    assert_eq!(result["token"], "ok");
    assert_eq!(result["commands"][0]["check"], "granted");
    assert_eq!(result["commands"][1]["command"], "metrics import");
    assert_eq!(
        result["commands"][1]["scopes"][0],
        "performance:metric:write"
    );
}

/// Exit 2: a base URL that never answered (a refused connection before any
/// token) names the URL as not answering like Feishu, and says nothing about
/// resuming or unknown outcomes; a 404 from the token endpoint blames the base
/// URL (exit 2), not the credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_failures_name_the_url() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = dir("refused");
    let file = dir.join("kpi.csv");
    metrics_file(&file, 10..12, &[]);
    let journal = dir.join("kpi.journal");
    let out = against(
        &url,
        &[
            "metrics",
            "import",
            "--semester",
            ids::SEMESTER,
            "--journal",
            journal.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "the base URL {url} does not answer like Feishu's open platform"
        )),
        "{}",
        text(&out)
    );
    for unsaid in ["resume with the same command", "unknown"] {
        assert!(!text(&out).contains(unsaid), "{unsaid}: {}", text(&out));
    }

    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let wrong_base = format!("{}/somewhere-else", sandbox.base_url());
    let out = against(&wrong_base, &["review-templates", "list"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("does not answer like Feishu's open platform"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("app secret"), "{}", text(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Exit 4 after the client's retries against a server that keeps failing; exit 1
/// when Feishu refuses the whole run (a semester past its deadline).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_failures_exit_4_and_refusals_of_the_run_exit_1() {
    let sandbox = Sandbox::start(Config {
        rate_window: Duration::from_millis(100),
        ..Config::default()
    })
    .await
    .unwrap();
    let dir = dir("server");
    let file = dir.join("kpi.csv");
    metrics_file(&file, 10..12, &[]);
    let base = sandbox.base_url();
    let import = |semester: &str| {
        against(
            &base,
            &[
                "--rate-window",
                "0.1",
                "--format",
                "json",
                "metrics",
                "import",
                "--semester",
                semester,
                // Two runs of one file with two semesters: a journal is bound to one.
                "--no-journal",
                file.to_str().unwrap(),
            ],
        )
    };
    sandbox.set_faults("500*200").unwrap();
    let failing = import(ids::SEMESTER);
    assert_eq!(failing.status.code(), Some(4), "{}", text(&failing));
    assert_eq!(json(&failing)["status"], "stopped");
    assert_eq!(json(&failing)["pending"], 2);

    sandbox.set_faults("").unwrap();
    let closed = import(ids::SEMESTER_CLOSED);
    assert_eq!(closed.status.code(), Some(1), "{}", text(&closed));
    assert!(text(&closed).contains("1580309"), "{}", text(&closed));
    assert!(
        text(&closed).contains("rerunning will not help"),
        "{}",
        text(&closed)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn import_information_from_csv() {
    let dir = dir("info");
    let file = dir.join("info.csv");
    let mut csv =
        String::from("item_id,external_id,reviewee_user_id,item,time,detailed_description\n");
    for n in 0..12 {
        csv.push_str(&format!(
            ",crm-{n},{},业绩补充说明,2024-Q3,\"销售额增长, 第 {n} 项\"\n",
            open_id(n)
        ));
    }
    std::fs::write(&file, &csv).unwrap();
    let out = feishu_perf(&[
        "--sandbox",
        "information",
        "import",
        "--semester",
        ids::SEMESTER_2,
        "--format",
        "json",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let result = json(&out);
    assert_eq!(
        (result["applied"].clone(), result["requests"].clone()),
        (12.into(), 1.into())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn import_okr_from_csv() {
    let dir = dir("okr");
    let file = dir.join("okr.csv");
    let csv = format!(
        "metric_source_id,metric_table_id,metric_item_id,metric_initial_value,metric_target_value,metric_current_value,supported_user_id\n\
         {s},{t},{i},,,42,\n{s},{t},404,,,1,\n",
        s = ids::OKR_SOURCE,
        t = ids::OKR_TABLE,
        i = ids::OKR_ITEM
    );
    std::fs::write(&file, csv).unwrap();
    let out = feishu_perf(&[
        "--sandbox",
        "okr",
        "import",
        "--format",
        "json",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let result = json(&out);
    assert_eq!(
        (result["applied"].clone(), result["rejected"].clone()),
        (1.into(), 1.into())
    );
    // The batch update names the item it did not apply, with a reason and no code.
    assert_eq!(result["rejected_rows"][0]["line"], 3);
    assert_eq!(
        result["rejected_rows"][0]["reason"],
        "not applied: OKR data not found."
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The sample files of `examples/` import cleanly against the sandbox's fixture.
#[test]
fn the_sample_files_import_cleanly() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let cases: [(&str, &[&str], u64); 4] = [
        (
            "kpi.csv",
            &["metrics", "import", "--semester", ids::SEMESTER],
            7,
        ),
        (
            "information.csv",
            &["information", "import", "--semester", ids::SEMESTER_2],
            3,
        ),
        ("okr.csv", &["okr", "import"], 3),
        (
            "indicators.csv",
            &["okr", "import", "--kind", "indicators"],
            3,
        ),
    ];
    for (file, command, rows) in cases {
        let path = examples.join(file);
        let mut args = vec!["--sandbox", "--format", "json"];
        args.extend_from_slice(command);
        args.push(path.to_str().unwrap());
        let out = feishu_perf(&args);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", text(&out));
        let result = json(&out);
        assert_eq!(result["rows"], rows, "{file}");
        assert_eq!(result["applied"], rows, "{file}");
    }
}

/// Off a terminal, a progress line on stderr every few seconds, also while the
/// client waits for the rate limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_lines_off_a_terminal_while_paced() {
    let sandbox = Sandbox::start(Config {
        rate_window: Duration::from_secs(3),
        ..Config::default()
    })
    .await
    .unwrap();
    let dir = dir("progress");
    let file = dir.join("kpi.csv");
    // 25 requests at 10 per 3 s: more than 6 s of pacing.
    metrics_file(&file, 10..35, &[]);
    let out = against(
        &sandbox.base_url(),
        &[
            "--rate-window",
            "3",
            "metrics",
            "import",
            "--semester",
            ids::SEMESTER,
            "--batch-size",
            "1",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("25 to send in 25 requests, about 7 s at the documented pace"),
        "{stderr}"
    );
    let line = stderr
        .lines()
        .find(|l| l.starts_with("progress: "))
        .unwrap_or_else(|| panic!("no progress line: {stderr}"));
    assert!(
        line.contains("rows done") && line.contains("for the rate limit"),
        "{line}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The commands' earlier names (`import-metrics`, `import-information`,
/// `import-okr`, `templates`) still run, as the new ones do, and `--help` shows
/// only the new layout.
#[test]
fn the_earlier_command_names_still_work_unlisted() {
    let help = text(&feishu_perf(&["--help"]));
    for group in [
        "metrics",
        "information",
        "okr",
        "review-templates",
        "auth",
        "demo",
    ] {
        assert!(help.contains(&format!("\n  {group} ")), "{group}: {help}");
    }
    for old in [
        "import-metrics",
        "import-information",
        "import-okr",
        "\n  templates",
    ] {
        assert!(!help.contains(old), "{old}: {help}");
    }

    let dir = dir("aliases");
    let kpi = dir.join("kpi.csv");
    metrics_file(&kpi, 10..12, &[]);
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let info = examples.join("information.csv");
    let okr = examples.join("okr.csv");
    let runs: [(&[&str], &[&str], &std::path::Path); 3] = [
        (
            &["import-metrics", "--semester", ids::SEMESTER],
            &["metrics", "import", "--semester", ids::SEMESTER],
            &kpi,
        ),
        (
            &["import-information", "--semester", ids::SEMESTER_2],
            &["information", "import", "--semester", ids::SEMESTER_2],
            &info,
        ),
        (&["import-okr"], &["okr", "import"], &okr),
    ];
    for (old, new, file) in runs {
        let run = |command: &[&str]| {
            let mut args = vec!["--format", "json"];
            args.extend_from_slice(command);
            args.extend_from_slice(&["--dry-run", file.to_str().unwrap()]);
            let out = feishu_perf(&args);
            assert_eq!(out.status.code(), Some(0), "{command:?}: {}", text(&out));
            let mut result = json(&out);
            result["elapsed_ms"] = 0.into();
            result
        };
        assert_eq!(run(old), run(new), "{old:?}");
    }
    let old = feishu_perf(&[
        "--sandbox",
        "templates",
        "--ids",
        "7343513161666707459",
        "--format",
        "json",
    ]);
    let new = feishu_perf(&[
        "--sandbox",
        "review-templates",
        "list",
        "--ids",
        "7343513161666707459",
        "--format",
        "json",
    ]);
    assert_eq!(old.status.code(), Some(0), "{}", text(&old));
    assert_eq!(json(&old), json(&new));
    std::fs::remove_dir_all(&dir).unwrap();
}
