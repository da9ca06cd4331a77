//! The `feishu-perf` binary, as a user runs it.

use std::process::{Command, Output};

use feishu_sandbox::seed::{ids, open_id};

fn feishu_perf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_feishu-perf"))
        .args(args)
        .env_remove("FEISHU_APP_ID")
        .env_remove("FEISHU_APP_SECRET")
        .env_remove("FEISHU_BASE_URL")
        .output()
        .expect("the binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn demo_checks_the_ledger() {
    let out = feishu_perf(&["demo", "--reviewees", "40"]);
    let text = text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("ledger check: every applied row written exactly once"),
        "{text}"
    );
    assert!(
        text.contains("1580112") && text.contains("1580312"),
        "{text}"
    );
}

#[test]
fn import_metrics_from_csv_reports_rejections_and_exit_status() {
    let dir = std::env::temp_dir().join(format!("feishu-perf-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("kpi.csv");
    let mut csv =
        String::from("reviewee_user_id,metric_id,field_id,field_value,field_value_person\n");
    for n in 10..30 {
        csv.push_str(&format!(
            "{},{},{},{n},\n",
            open_id(n),
            ids::METRIC,
            ids::FIELD_NUMBER
        ));
    }
    std::fs::write(&file, &csv).unwrap();
    let file_arg = file.to_str().unwrap();

    let dry = feishu_perf(&[
        "--sandbox",
        "import-metrics",
        "--semester",
        ids::SEMESTER,
        "--dry-run",
        file_arg,
    ]);
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(
        text(&dry).contains("20 rows, 20 to send in 1 requests"),
        "{}",
        text(&dry)
    );

    let ok = feishu_perf(&[
        "--sandbox",
        "import-metrics",
        "--semester",
        ids::SEMESTER,
        file_arg,
    ]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(
        text(&ok).contains("20 rows: 20 applied, 0 rejected, 0 pending"),
        "{}",
        text(&ok)
    );

    // A row outside the app's data scope: exit status 3 and a rejects file naming its line.
    csv.push_str(&format!(
        "{},{},{},1,\n",
        open_id(245),
        ids::METRIC,
        ids::FIELD_NUMBER
    ));
    std::fs::write(&file, &csv).unwrap();
    let rejects = dir.join("rejects.csv");
    let partial = feishu_perf(&[
        "--sandbox",
        "import-metrics",
        "--semester",
        ids::SEMESTER,
        "--rejects",
        rejects.to_str().unwrap(),
        file_arg,
    ]);
    assert_eq!(partial.status.code(), Some(3), "{}", text(&partial));
    let rejected = std::fs::read_to_string(&rejects).unwrap();
    assert!(
        rejected.contains("22,1580112,permission denied"),
        "{rejected}"
    );

    // A malformed file fails with its line.
    std::fs::write(&file, "reviewee_user_id,metric_id\nou_1,m\n").unwrap();
    let bad = feishu_perf(&[
        "--sandbox",
        "import-metrics",
        "--semester",
        ids::SEMESTER,
        file_arg,
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad).contains("no `field_id` column"),
        "{}",
        text(&bad)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn templates_walks_every_page() {
    let out = feishu_perf(&["--sandbox", "templates", "--page-size", "20"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 45);
}

#[test]
fn without_credentials_it_says_which_variable_is_missing() {
    let out = feishu_perf(&["templates"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("FEISHU_APP_ID is not set"),
        "{}",
        text(&out)
    );
}

#[test]
fn import_information_from_csv() {
    let dir = std::env::temp_dir().join(format!("feishu-perf-cli-info-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
        "import-information",
        "--semester",
        ids::SEMESTER_2,
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("12 rows: 12 applied, 0 rejected, 0 pending; 1 requests"),
        "{}",
        text(&out)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn import_okr_from_csv() {
    let dir = std::env::temp_dir().join(format!("feishu-perf-cli-okr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("okr.csv");
    let csv = format!(
        "metric_source_id,metric_table_id,metric_item_id,metric_initial_value,metric_target_value,metric_current_value,supported_user_id\n\
         {s},{t},{i},,,42,\n{s},{t},404,,,1,\n",
        s = ids::OKR_SOURCE,
        t = ids::OKR_TABLE,
        i = ids::OKR_ITEM
    );
    std::fs::write(&file, csv).unwrap();
    let out = feishu_perf(&["--sandbox", "import-okr", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("2 rows: 1 applied, 1 rejected"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("line 3: 1001004"), "{}", text(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}
