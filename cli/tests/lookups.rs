//! The look-ups and `call`, through the binary against the embedded sandbox:
//! every look-up in JSON, NDJSON, CSV and table, each agreeing with `call
//! --page-all` of its endpoint; `call` checked before sending.

mod common;

use common::{feishu_perf, json, text};
use feishu_sandbox::seed::{ids, okr, okr_v1, open_id};
use serde_json::Value;

/// One look-up: its command line, its endpoint, `call`'s options for the
/// same request, and where the items are in a response that does not page
/// (empty: the data is the one item).
struct Case {
    args: Vec<String>,
    endpoint: &'static str,
    call: Vec<String>,
    items: &'static str,
}

/// Each look-up, the options it needs, its endpoint and how `call` asks for the same list.
fn lookups() -> Vec<Case> {
    let semester = ids::SEMESTER;
    let users = format!("{},{}", open_id(1), open_id(2));
    let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let case = |args: &[&str], endpoint, call: Vec<String>, items| Case {
        args: s(args),
        endpoint,
        call,
        items,
    };
    let data = |body: String| vec!["--data".to_owned(), body];
    let path = |params: &[(&str, &str)]| {
        params
            .iter()
            .flat_map(|(k, v)| ["--path".to_owned(), format!("{k}={v}")])
            .collect::<Vec<_>>()
    };
    let source = ("metric_source_id", ids::OKR_SOURCE);
    let table = ("metric_table_id", ids::OKR_TABLE);
    let (cycle, objective, key_result) = (okr::CYCLE, okr::OBJECTIVE, okr::KEY_RESULT);
    let user_1 = open_id(1);
    let okrs = format!("{cycle},{}", okr_v1::OKR_EXAMPLE);
    vec![
        case(
            &["semesters", "list"],
            "performance.v1.semester.list",
            vec![],
            "items",
        ),
        case(
            &["activities", "list", "--semester", semester],
            "performance.v2.activity.query",
            data(format!(r#"{{"semester_ids":["{semester}"]}}"#)),
            "activities",
        ),
        case(
            &["reviewees", "list", "--semester", semester],
            "performance.v2.reviewee.query",
            data(format!(r#"{{"semester_id":"{semester}"}}"#)),
            "reviewees",
        ),
        case(
            &["users", "list", "--semester", semester, "--user", &users],
            "performance.v2.user_info.query",
            data(format!(
                r#"{{"semester_id":"{semester}","user_ids":["{}","{}"]}}"#,
                open_id(1),
                open_id(2)
            )),
            "user_infos",
        ),
        case(
            &["metric-libs", "list"],
            "performance.v2.metric_lib.query",
            s(&["--data", "{}"]),
            "items",
        ),
        case(
            &["metric-fields", "list"],
            "performance.v2.metric_field.query",
            s(&["--data", "{}"]),
            "items",
        ),
        case(
            &["metric-templates", "list"],
            "performance.v2.metric_template.query",
            s(&["--data", "{}"]),
            "items",
        ),
        case(
            &["metric-tags", "list"],
            "performance.v2.metric_tag.list",
            vec![],
            "items",
        ),
        case(
            &["review-templates", "list"],
            "performance.v2.review_template.query",
            s(&["--data", "{}"]),
            "items",
        ),
        case(
            &["indicators", "list"],
            "performance.v2.indicator.query",
            s(&["--data", "{}"]),
            "items",
        ),
        case(
            &["questions", "list"],
            "performance.v2.question.query",
            s(&["--data", "{}"]),
            "items",
        ),
        // The OKR service's, their ids in the path.
        case(
            &["okr", "sources", "list"],
            "okr.v1.metric_source.list",
            vec![],
            "items",
        ),
        case(
            &["okr", "tables", "list", "--source", source.1],
            "okr.v1.metric_source_table.list",
            path(&[source]),
            "items",
        ),
        case(
            &[
                "okr", "items", "list", "--source", source.1, "--table", table.1,
            ],
            "okr.v1.metric_source_table_item.list",
            path(&[source, table]),
            "items",
        ),
        case(
            &[
                "okr",
                "items",
                "get",
                "--source",
                source.1,
                "--table",
                table.1,
                "--item",
                ids::OKR_ITEM,
            ],
            "okr.v1.metric_source_table_item.get",
            path(&[source, table, ("metric_item_id", ids::OKR_ITEM)]),
            "",
        ),
        case(
            &["okr", "cycles", "list"],
            "okr.v2.cycle.list",
            vec![],
            "items",
        ),
        case(
            &["okr", "objectives", "list", "--cycle", cycle],
            "okr.v2.cycle_objective.list",
            path(&[("cycle_id", cycle)]),
            "items",
        ),
        case(
            &["okr", "key-results", "list", "--objective", objective],
            "okr.v2.objective_key_result.list",
            path(&[("objective_id", objective)]),
            "items",
        ),
        case(
            &["okr", "indicators", "list", "--objective", okr::OBJECTIVE_2],
            "okr.v2.objective_indicator.list",
            path(&[("objective_id", okr::OBJECTIVE_2)]),
            "indicator",
        ),
        case(
            &["okr", "indicators", "list", "--key-result", key_result],
            "okr.v2.key_result_indicator.list",
            path(&[("key_result_id", key_result)]),
            "indicator",
        ),
        // OKR v1 with pages: periods, rules, a user's OKRs, OKRs by id, a progress record, reviews.
        case(
            &["okr", "periods", "list"],
            "okr.v1.period.list",
            vec![],
            "items",
        ),
        case(
            &["okr", "period-rules", "list"],
            "okr.v1.period_rule.list",
            vec![],
            "period_rules",
        ),
        case(
            &[
                "okr",
                "user-okrs",
                "list",
                "--user-id",
                &user_1,
                "--offset",
                "0",
                "--limit",
                "10",
            ],
            "okr.v1.user_okr.list",
            [
                path(&[("user_id", &user_1)]),
                s(&["--query", "offset=0", "--query", "limit=10"]),
            ]
            .concat(),
            "okr_list",
        ),
        case(
            &["okr", "okrs", "get", "--okr-id", &okrs],
            "okr.v1.okr.batch_get",
            s(&[
                "--query",
                &format!("okr_ids={cycle}"),
                "--query",
                &format!("okr_ids={}", okr_v1::OKR_EXAMPLE),
            ]),
            "okr_list",
        ),
        case(
            &[
                "okr",
                "progress-records",
                "get",
                "--id",
                okr_v1::PROGRESS_EXAMPLE,
            ],
            "okr.v1.progress_record.get",
            path(&[("progress_id", okr_v1::PROGRESS_EXAMPLE)]),
            "",
        ),
        case(
            &[
                "okr",
                "reviews",
                "list",
                "--user-id",
                &user_1,
                "--period",
                okr_v1::PERIOD,
            ],
            "okr.v1.review.query",
            s(&[
                "--query",
                &format!("user_ids={user_1}"),
                "--query",
                &format!("period_ids={}", okr_v1::PERIOD),
            ]),
            "review_list",
        ),
    ]
}

fn lookup(args: &[String], format: &str) -> String {
    let mut all = vec!["--sandbox", "--format", format];
    all.extend(args.iter().map(String::as_str));
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
    for Case {
        args,
        endpoint,
        call: options,
        items: field,
    } in lookups()
    {
        let items: Vec<Value> = serde_json::from_str(&lookup(&args, "json")).unwrap();
        assert!(!items.is_empty(), "{args:?}");

        // The same list through `call`: every page for an endpoint that pages.
        let mut call = vec!["--sandbox", "--format", "json", "call", endpoint];
        call.extend(options.iter().map(String::as_str));
        let pages = feishu_perf_pages(endpoint);
        if pages {
            call.push("--page-all");
        }
        let out = feishu_perf(&call);
        assert_eq!(out.status.code(), Some(0), "{call:?}: {}", text(&out));
        let called = json(&out);
        let called = match (pages, field) {
            (true, _) => called,
            (false, "") => Value::from(vec![called]),
            (false, field) => match called[field].clone() {
                Value::Array(all) => Value::from(all),
                one => Value::from(vec![one]),
            },
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
            "indicator_id" | "okr_id" => vec!["id"],
            "user_id" if args[1] == "reviews" => vec!["user_id", "user_id"],
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
        serde_json::from_str(&lookup(&["review-templates".into(), "list".into()], "json")).unwrap();
    assert_eq!(all.len(), 45);
    // Small pages: the same templates, every page walked.
    let small: Vec<Value> = serde_json::from_str(&lookup(
        &[
            "review-templates".into(),
            "list".into(),
            "--page-size".into(),
            "7".into(),
        ],
        "json",
    ))
    .unwrap();
    assert_eq!(small, all);
    let one = all[3]["review_template_id"].as_str().unwrap();
    let two = all[9]["review_template_id"].as_str().unwrap();
    let chosen: Vec<Value> = serde_json::from_str(&lookup(
        &[
            "review-templates".into(),
            "list".into(),
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
        &[
            "semesters".into(),
            "list".into(),
            "--type".into(),
            "Q4".into(),
        ],
        "json",
    ))
    .unwrap();
    assert_eq!(q4.len(), 1);
    assert_eq!(q4[0]["id"], ids::SEMESTER);
    let active: Vec<Value> = serde_json::from_str(&lookup(
        &[
            "metric-libs".into(),
            "list".into(),
            "--active".into(),
            "false".into(),
        ],
        "json",
    ))
    .unwrap();
    assert!(active.iter().all(|m| m["is_active"] == false), "{active:?}");
    let reviewees: Vec<Value> = serde_json::from_str(&lookup(
        &[
            "reviewees".into(),
            "list".into(),
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
