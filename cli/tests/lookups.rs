//! The look-ups and `call`, through the binary against the embedded sandbox:
//! every look-up in JSON, NDJSON, CSV and table, each agreeing with `call
//! --page-all` of its endpoint; `call` checked before sending.

mod common;

use common::{feishu_perf, json, text};
use feishu_sandbox::seed::{ids, open_id};
use serde_json::Value;

/// Each look-up, the options it needs, its endpoint and the JSON body `call` needs for the same list.
fn lookups() -> Vec<(Vec<String>, &'static str, String)> {
    let semester = ids::SEMESTER;
    let users = format!("{},{}", open_id(1), open_id(2));
    let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        (
            s(&["semesters"]),
            "performance.v1.semester.list",
            String::new(),
        ),
        (
            s(&["activities", "--semester", semester]),
            "performance.v2.activity.query",
            format!(r#"{{"semester_ids":["{semester}"]}}"#),
        ),
        (
            s(&["reviewees", "--semester", semester]),
            "performance.v2.reviewee.query",
            format!(r#"{{"semester_id":"{semester}"}}"#),
        ),
        (
            s(&["users", "--semester", semester, "--user", &users]),
            "performance.v2.user_info.query",
            format!(
                r#"{{"semester_id":"{semester}","user_ids":["{}","{}"]}}"#,
                open_id(1),
                open_id(2)
            ),
        ),
        (
            s(&["metric-libs"]),
            "performance.v2.metric_lib.query",
            "{}".into(),
        ),
        (
            s(&["metric-fields"]),
            "performance.v2.metric_field.query",
            "{}".into(),
        ),
        (
            s(&["metric-templates"]),
            "performance.v2.metric_template.query",
            "{}".into(),
        ),
        (
            s(&["metric-tags"]),
            "performance.v2.metric_tag.list",
            String::new(),
        ),
        (
            s(&["review-templates"]),
            "performance.v2.review_template.query",
            "{}".into(),
        ),
        (
            s(&["indicators"]),
            "performance.v2.indicator.query",
            "{}".into(),
        ),
        (
            s(&["questions"]),
            "performance.v2.question.query",
            "{}".into(),
        ),
    ]
}

fn lookup(args: &[String], format: &str) -> String {
    let mut all = vec!["--sandbox", "--format", format, args[0].as_str(), "list"];
    all.extend(args[1..].iter().map(String::as_str));
    let out = feishu_perf(&all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?} {format}: {}",
        text(&out)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_lookup_in_every_format_agrees_with_call() {
    for (args, endpoint, body) in lookups() {
        let items: Vec<Value> = serde_json::from_str(&lookup(&args, "json")).unwrap();
        assert!(!items.is_empty(), "{args:?}");

        // The same list through `call`: every page for an endpoint that pages.
        let mut call = vec!["--sandbox", "--format", "json", "call", endpoint];
        if !body.is_empty() {
            call.extend(["--data", body.as_str()]);
        }
        let pages = feishu_perf_pages(endpoint);
        if pages {
            call.push("--page-all");
        }
        let out = feishu_perf(&call);
        assert_eq!(out.status.code(), Some(0), "{call:?}: {}", text(&out));
        let called = json(&out);
        let called = if pages {
            called
        } else {
            let field = match endpoint {
                "performance.v2.activity.query" => "activities",
                "performance.v2.user_info.query" => "user_infos",
                _ => "items",
            };
            called[field].clone()
        };
        assert_eq!(Value::from(items.clone()), called, "{args:?}");

        let ndjson: Vec<Value> = lookup(&args, "ndjson")
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(ndjson, items, "{args:?}");

        let csv_text = lookup(&args, "csv");
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), items.len(), "{args:?}");
        // The first column is the item's id, as in the JSON.
        let id_path: Vec<&str> = match header[0].as_str() {
            "open_id" if args[0] == "users" => vec!["user_id", "open_id"],
            "open_id" => vec!["reviewee_user_id", "open_id"],
            other => vec![other],
        };
        for (record, item) in records.iter().zip(&items) {
            let id = id_path.iter().fold(item, |v, k| &v[*k]);
            assert_eq!(&record[0], id.as_str().unwrap(), "{args:?}");
        }

        let table = lookup(&args, "table");
        assert!(
            table.starts_with(&header[0].to_uppercase()),
            "{args:?}: {table}"
        );
        assert_eq!(table.lines().count(), items.len() + 1, "{args:?}");
    }
}

/// Whether the endpoint pages, from `call --list`.
fn feishu_perf_pages(endpoint: &str) -> bool {
    let out = feishu_perf(&["call", "--list", "--format", "json"]);
    json(&out)
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == endpoint)
        .unwrap_or_else(|| panic!("{endpoint} is not listed"))["pages"]
        .as_bool()
        .unwrap()
}

#[test]
fn filters_and_page_sizes_reach_the_request() {
    let all: Vec<Value> =
        serde_json::from_str(&lookup(&["review-templates".into()], "json")).unwrap();
    assert_eq!(all.len(), 45);
    // Small pages: the same templates, every page walked.
    let small: Vec<Value> = serde_json::from_str(&lookup(
        &["review-templates".into(), "--page-size".into(), "7".into()],
        "json",
    ))
    .unwrap();
    assert_eq!(small, all);
    let one = all[3]["review_template_id"].as_str().unwrap();
    let two = all[9]["review_template_id"].as_str().unwrap();
    let chosen: Vec<Value> = serde_json::from_str(&lookup(
        &[
            "review-templates".into(),
            "--ids".into(),
            format!("{one},{two}"),
        ],
        "json",
    ))
    .unwrap();
    let ids: Vec<&str> = chosen
        .iter()
        .map(|t| t["review_template_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [one, two]);

    // A query filter (GET) and a body filter (POST), and a boolean.
    let q4: Vec<Value> = serde_json::from_str(&lookup(
        &["semesters".into(), "--type".into(), "Q4".into()],
        "json",
    ))
    .unwrap();
    assert_eq!(q4.len(), 1);
    assert_eq!(q4[0]["id"], ids::SEMESTER);
    let active: Vec<Value> = serde_json::from_str(&lookup(
        &["metric-libs".into(), "--active".into(), "false".into()],
        "json",
    ))
    .unwrap();
    assert!(active.iter().all(|m| m["is_active"] == false), "{active:?}");
    let reviewees: Vec<Value> = serde_json::from_str(&lookup(
        &[
            "reviewees".into(),
            "--semester".into(),
            ids::SEMESTER.into(),
            "--user".into(),
            open_id(3),
        ],
        "json",
    ))
    .unwrap();
    assert_eq!(reviewees.len(), 1);
    assert_eq!(reviewees[0]["reviewee_user_id"]["open_id"], open_id(3));

    // A required filter left out is a usage error.
    let out = feishu_perf(&["--sandbox", "reviewees", "list"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--semester"), "{}", text(&out));
}

#[test]
fn call_prints_the_data_and_checks_before_sending() {
    let out = feishu_perf(&[
        "--sandbox",
        "call",
        "performance.v1.semester.list",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let data = json(&out);
    let semesters: Vec<&str> = data["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(semesters.contains(&ids::SEMESTER), "{data}");
    assert!(semesters.contains(&ids::SEMESTER_CLOSED), "{data}");

    let list = json(&feishu_perf(&["call", "--list", "--format", "json"]));
    let listed: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), feishu_perf::registry::REGISTRY.len());
    assert!(listed.contains(&"performance.v2.additional_informations_batch.delete"));

    // A query parameter, and the body from a file.
    let dir = common::dir("call");
    let body = dir.join("body.json");
    std::fs::write(
        &body,
        format!(
            r#"{{"semester_id":"{}","reviewee_user_ids":["{}"]}}"#,
            ids::SEMESTER,
            open_id(0)
        ),
    )
    .unwrap();
    let at = format!("@{}", body.display());
    let out = feishu_perf(&[
        "--sandbox",
        "--format",
        "json",
        "call",
        "performance.v2.metric_detail.query",
        "--query",
        "user_id_type=open_id",
        "--data",
        &at,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let data = json(&out);
    assert_eq!(data["semester_id"], ids::SEMESTER);
    assert_eq!(
        data["reviewee_metrics"][0]["reviewee_user_id"]["open_id"],
        open_id(0)
    );

    // A path parameter, every page.
    let out = feishu_perf(&[
        "--sandbox",
        "--format",
        "json",
        "call",
        "okr.v1.metric_source_table.list",
        "--path",
        "metric_source_id=7041857032248410131",
        "--page-all",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let tables = json(&out);
    assert!(
        tables
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["metric_table_id"] == "7041857032248410131"),
        "{tables}"
    );

    // Refused before anything is sent, exit 2: a broken rule (named by its
    // JSON path), an unknown parameter, JSON that does not parse, an unknown
    // endpoint, --page-all on an endpoint that does not page.
    let refused = [
        (
            vec![
                "call",
                "performance.v2.metric_detail.query",
                "--data",
                r#"{"semester_id":"1","reviewee_user_ids":[]}"#,
            ],
            "reviewee_user_ids",
        ),
        (
            vec![
                "call",
                "performance.v1.semester.list",
                "--query",
                "colour=red",
            ],
            "colour",
        ),
        (
            vec![
                "call",
                "performance.v2.metric_detail.query",
                "--data",
                "{not json",
            ],
            "--data is not JSON: key must be a string at line 1 column 2\n",
        ),
        (
            vec!["call", "performance.v9.nothing.list"],
            "performance.v9.nothing.list",
        ),
        (
            vec!["call", "performance.v1.semester.list", "--page-all"],
            "does not page",
        ),
        (
            vec!["call", "performance.v1.semester.list", "--query", "year"],
            "NAME=VALUE",
        ),
    ];
    for (args, says) in refused {
        // No credentials and no sandbox: nothing could have been sent.
        let out = feishu_perf(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(says), "{args:?}: {}", text(&out));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// More reviewees than one query takes (50) are asked for 50 at a time.
#[test]
fn information_export_asks_for_many_reviewees_in_groups() {
    let reviewees: Vec<String> = (0..120).map(open_id).collect();
    let export = |extra: &[&str]| {
        let mut args = vec![
            "--sandbox",
            "information",
            "export",
            "--semester",
            ids::SEMESTER_2,
        ];
        args.extend_from_slice(extra);
        let out = feishu_perf(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let all = export(&[]);
    assert!(all.lines().count() > 1, "{all}");
    let joined = reviewees.join(",");
    assert_eq!(export(&["--reviewee", &joined]), all);
}
