//! A review cycle through the binary, as a user runs it, against a sandbox
//! this test runs (so the state carries from one command to the next): find
//! the semester, the reviewees, the metrics and their fields with the
//! look-ups; import key-metric values; export them; change a value in the
//! exported file; import it again; read the change back; import
//! supplementary information, export it, delete an item, read the rest back.

mod common;

use std::time::Duration;

use common::{against, dir, json, text};
use feishu_sandbox::seed::ids;
use feishu_sandbox::{Config, Sandbox};
use serde_json::Value;

/// The binary against `base`, JSON out; asserts the exit status.
fn run(base: &str, status: i32, args: &[&str]) -> Value {
    let mut all = vec!["--rate-window", "0.1", "--format", "json"];
    all.extend_from_slice(args);
    let out = against(base, &all);
    assert_eq!(out.status.code(), Some(status), "{args:?}: {}", text(&out));
    json(&out)
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// The CSV an export wrote (a byte-order mark first, for Excel), as rows of cells.
fn read_csv(path: &std::path::Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .unwrap_or_else(|| panic!("no byte-order mark: {text}"));
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_cycle_through_the_command_line() {
    let sandbox = Sandbox::start(Config {
        rate_window: Duration::from_millis(100),
        ..Config::default()
    })
    .await
    .unwrap();
    let base = sandbox.base_url();
    let base = base.as_str();
    let dir = dir("cycle");

    // The semester: 2026's fourth quarter.
    let semesters = run(
        base,
        0,
        &["semesters", "list", "--year", "2026", "--type", "Q4"],
    );
    let semesters = semesters.as_array().unwrap();
    assert_eq!(semesters.len(), 1, "{semesters:?}");
    let semester = &semesters[0];
    assert_eq!(semester["id"], ids::SEMESTER);
    assert_eq!(semester["year"], 2026);
    assert_eq!(semester["type"], "Q4");
    assert_eq!(semester["name"]["zh-CN"], "2026 第四季度");
    let semester = semester["id"].as_str().unwrap().to_owned();

    // Its reviewees, every page: the ones in the app's data scope.
    let reviewees = run(
        base,
        0,
        &[
            "reviewees",
            "list",
            "--semester",
            &semester,
            "--page-size",
            "50",
        ],
    );
    let reviewees: Vec<String> = reviewees
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["reviewee_user_id"]["open_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        reviewees.len(),
        240,
        "the ten outside the data scope are not listed"
    );
    assert!(reviewees.contains(&feishu_sandbox::seed::open_id(0)));
    assert!(!reviewees.contains(&feishu_sandbox::seed::open_id(245)));
    // Three of them, clear of the one whose field an administrator filled.
    let chosen: Vec<&str> = reviewees[10..13].iter().map(String::as_str).collect();

    // The metric and its number field, from the library and the field list.
    let library = run(base, 0, &["metric-libs", "list", "--active", "true"]);
    let metric = library
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric_id"] == ids::METRIC)
        .unwrap_or_else(|| panic!("{library}"));
    let field_ids: Vec<&str> = metric["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        field_ids,
        [
            ids::FIELD_NUMBER,
            ids::FIELD_TEXT,
            ids::FIELD_PERSON,
            ids::FIELD_WEIGHT,
            ids::FIELD_REQUIRED
        ]
    );
    let fields = run(
        base,
        0,
        &["metric-fields", "list", "--ids", &field_ids.join(",")],
    );
    let types: Vec<(&str, &str)> = fields
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field_id"].as_str().unwrap(), f["type"].as_str().unwrap()))
        .collect();
    assert_eq!(types.len(), 5, "{fields}");
    let number = types.iter().find(|(_, t)| *t == "number").unwrap().0;
    let text_field = types.iter().find(|(_, t)| *t == "text").unwrap().0;
    assert_eq!(number, ids::FIELD_NUMBER);
    assert_eq!(text_field, ids::FIELD_TEXT);

    // Import: a number and a text value for each of the three.
    let kpi = dir.join("kpi.csv");
    let mut csv =
        String::from("reviewee_user_id,metric_id,field_id,field_value,field_value_person\n");
    for (n, r) in chosen.iter().enumerate() {
        csv.push_str(&format!("{r},{},{number},{},\n", ids::METRIC, 80 + n));
        csv.push_str(&format!(
            "{r},{},{text_field},\"达成, 第{n}季\",\n",
            ids::METRIC
        ));
    }
    std::fs::write(&kpi, csv).unwrap();
    let semester_arg = ["--semester", semester.as_str()];
    let mut import = vec!["metrics", "import"];
    import.extend(semester_arg);
    import.push(kpi.to_str().unwrap());
    let imported = run(base, 0, &import);
    assert_eq!(imported["applied"], 6);

    // Export: exactly what was imported, in the import's columns.
    let exported = dir.join("export.csv");
    let reviewee_arg = chosen.join(",");
    let export_args = |to: &str| {
        let mut args = vec!["metrics", "export", "--reviewee", &reviewee_arg, "-o", to];
        args.extend(semester_arg);
        args.iter()
            .map(|s| (*s).to_owned())
            .collect::<Vec<String>>()
    };
    let export = |to: &std::path::Path| {
        let args = export_args(to.to_str().unwrap());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(base, 0, &args)
    };
    let result = export(&exported);
    assert_eq!(result["rows"], 6, "{result}");
    assert_eq!(result["reviewees"], 3);
    let mut rows = read_csv(&exported);
    assert_eq!(
        rows[0],
        [
            "reviewee_user_id",
            "metric_id",
            "field_id",
            "field_value",
            "field_value_person"
        ]
    );
    let mut expected: Vec<Vec<String>> = Vec::new();
    for (n, r) in chosen.iter().enumerate() {
        let row = |field: &str, value: String| {
            vec![
                r.to_string(),
                ids::METRIC.into(),
                field.into(),
                value,
                String::new(),
            ]
        };
        expected.push(row(number, (80 + n).to_string()));
        expected.push(row(text_field, format!("达成, 第{n}季")));
    }
    let mut body = rows[1..].to_vec();
    body.sort();
    expected.sort();
    assert_eq!(body, expected);

    // Change one value in the exported file and import the file as it is.
    let changed = rows
        .iter()
        .position(|r| r[0] == chosen[1] && r[2] == number)
        .unwrap();
    rows[changed][3] = "99.5".into();
    let mut edited = String::from("\u{feff}");
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                if c.contains(',') {
                    format!("\"{c}\"")
                } else {
                    c.clone()
                }
            })
            .collect();
        edited.push_str(&cells.join(","));
        edited.push('\n');
    }
    std::fs::write(&exported, edited).unwrap();
    let mut reimport = vec!["metrics", "import"];
    reimport.extend(semester_arg);
    reimport.push(exported.to_str().unwrap());
    let reimported = run(base, 0, &reimport);
    assert_eq!(reimported["applied"], 6, "{reimported}");
    assert_eq!(reimported["rejected"], 0);

    // Read back: the changed value, the others as they were.
    let again = dir.join("again.csv");
    export(&again);
    let mut back = read_csv(&again)[1..].to_vec();
    back.sort();
    let mut expected = expected.clone();
    for row in &mut expected {
        if row[0] == chosen[1] && row[2] == number {
            row[3] = "99.5".into();
        }
    }
    expected.sort();
    assert_eq!(back, expected);

    // The whole semester (every reviewee, 50 a request) to stdout, without a
    // byte-order mark: ours, and the value an administrator filled.
    let mut whole = vec!["metrics", "export"];
    whole.extend(semester_arg);
    let out = against(base, &whole);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(stdout.starts_with("reviewee_user_id,"), "{stdout}");
    let mut all: Vec<Vec<String>> = csv::Reader::from_reader(stdout.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    all.sort();
    let admin = vec![
        feishu_sandbox::seed::open_id(5),
        ids::METRIC.to_owned(),
        ids::FIELD_TEXT.to_owned(),
        "管理员录入".to_owned(),
        String::new(),
    ];
    let mut with_admin = expected.clone();
    with_admin.push(admin);
    with_admin.sort();
    assert_eq!(all, with_admin);
    assert!(text(&out).contains("240 reviewees"), "{}", text(&out));

    // Supplementary information: import two items, export them, delete one.
    let info = dir.join("info.csv");
    std::fs::write(
        &info,
        format!(
            "external_id,reviewee_user_id,item,time,detailed_description\n\
             ext-cycle-1,{},客户拜访,2026-10,拜访 12 家重点客户\n\
             ext-cycle-2,{},项目复盘,2026-11,\"复盘 Q4 项目, 输出报告\"\n\
             ext-cycle-3,{},培训,2026-12,带教 3 名新人\n",
            chosen[0], chosen[1], chosen[2]
        ),
    )
    .unwrap();
    let semester_2 = ["--semester", ids::SEMESTER_2];
    let mut import = vec!["information", "import"];
    import.extend(semester_2);
    import.push(info.to_str().unwrap());
    assert_eq!(run(base, 0, &import)["applied"], 3);
    let info_export = dir.join("info-export.csv");
    let mut export_info = vec!["information", "export", "--reviewee", &reviewee_arg, "-o"];
    export_info.push(info_export.to_str().unwrap());
    export_info.extend(semester_2);
    assert_eq!(run(base, 0, &export_info)["rows"], 3);
    let items = read_csv(&info_export);
    assert_eq!(
        items[0],
        [
            "item_id",
            "external_id",
            "reviewee_user_id",
            "item",
            "time",
            "detailed_description"
        ]
    );
    let item = |external: &str| {
        items
            .iter()
            .find(|r| r[1] == external)
            .unwrap_or_else(|| panic!("{items:?}"))
            .clone()
    };
    let first = item("ext-cycle-1");
    let second = item("ext-cycle-2");
    let third = item("ext-cycle-3");
    assert!(!first[0].is_empty() && first[0] != second[0] && second[0] != third[0]);
    assert_eq!(third[2..], [chosen[2], "培训", "2026-12", "带教 3 名新人"]);
    assert_eq!(
        first[2..],
        [chosen[0], "客户拜访", "2026-10", "拜访 12 家重点客户"]
    );
    assert_eq!(
        second[2..],
        [chosen[1], "项目复盘", "2026-11", "复盘 Q4 项目, 输出报告"]
    );

    // A dry run names what would go and what is not there; nothing is deleted.
    let mut delete = vec!["information", "delete", "--item"];
    let ids_arg = format!("{},no-such-item", first[0]);
    delete.push(&ids_arg);
    delete.extend(semester_2);
    let mut dry = delete.clone();
    dry.push("--dry-run");
    let planned = run(base, 5, &dry);
    assert_eq!(planned["status"], "dry_run");
    assert_eq!(strings(&planned["would_delete"]), [first[0].as_str()]);
    assert_eq!(strings(&planned["not_found"]), ["no-such-item"]);
    assert_eq!(planned["requests"], 0);

    let deleted = run(base, 5, &delete);
    assert_eq!(deleted["status"], "rows_rejected");
    assert_eq!(strings(&deleted["deleted"]), [first[0].as_str()]);
    assert_eq!(strings(&deleted["not_found"]), ["no-such-item"]);
    assert_eq!(deleted["requests"], 1);
    assert_eq!(deleted["refused"].as_array().unwrap().len(), 0);

    // The third from a file of ids, while the DELETE is applied and its answer
    // lost: the retry finds the id invalid, the read-back finds it gone.
    let id_file = dir.join("ids.csv");
    std::fs::write(&id_file, format!("item_id\n{}\n", third[0])).unwrap();
    let mut delete = vec!["information", "delete", "--file", id_file.to_str().unwrap()];
    delete.extend(semester_2);
    sandbox.set_faults("ok,apply_drop").unwrap();
    let mut args = vec!["--rate-window", "0.1", "--format", "json"];
    args.extend_from_slice(&delete);
    let out = against(base, &args);
    sandbox.set_faults("").unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("reading the items back shows them deleted"),
        "{}",
        text(&out)
    );
    let deleted = json(&out);
    assert_eq!(deleted["status"], "completed", "{deleted}");
    assert_eq!(strings(&deleted["deleted"]), [third[0].as_str()]);
    assert_eq!(deleted["refused"].as_array().unwrap().len(), 0);

    // Read back: only the second item is left.
    assert_eq!(run(base, 0, &export_info)["rows"], 1);
    let left = read_csv(&info_export);
    assert_eq!(left[1..], [second]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The exports through the binary: 120 item ids and 120 external ids (more
/// than one query takes) are asked for in groups and give exactly the rows a
/// single query gives, every value as imported; each export reports its
/// requests and rows, in its JSON and on stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_ask_for_many_ids_in_groups_and_count_their_requests() {
    let sandbox = Sandbox::start(Config {
        rate_window: Duration::from_millis(100),
        ..Config::default()
    })
    .await
    .unwrap();
    let base = sandbox.base_url();
    let base = base.as_str();
    let dir = dir("export-groups");
    let semester_2 = ["--semester", ids::SEMESTER_2];

    // 120 items, one a reviewee, each value its own.
    let imported: Vec<[String; 5]> = (0..120)
        .map(|n| {
            [
                format!("ext-{n:03}"),
                feishu_sandbox::seed::open_id(n),
                format!("事项 {n}"),
                format!("2026-{:02}", n % 12 + 1),
                format!("描述 {n}, 第 {} 行", n + 2),
            ]
        })
        .collect();
    let file = dir.join("info.csv");
    let mut csv = csv::Writer::from_path(&file).unwrap();
    csv.write_record([
        "external_id",
        "reviewee_user_id",
        "item",
        "time",
        "detailed_description",
    ])
    .unwrap();
    for row in &imported {
        csv.write_record(row).unwrap();
    }
    csv.flush().unwrap();
    let mut import = vec!["information", "import", file.to_str().unwrap()];
    import.extend(semester_2);
    assert_eq!(run(base, 0, &import)["applied"], 120);

    // Every item of the semester: the seed's two, then the 120; 50 a page.
    let export = |name: &str, filter: &[&str]| {
        let path = dir.join(name);
        let mut args = vec!["--rate-window", "0.1", "--format", "json"];
        args.extend(["information", "export", "-o", path.to_str().unwrap()]);
        args.extend(semester_2);
        args.extend_from_slice(filter);
        let out = against(base, &args);
        assert_eq!(out.status.code(), Some(0), "{filter:?}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (json(&out), read_csv(&path), stderr)
    };
    let (result, all, stderr) = export("all.csv", &[]);
    assert_eq!(result["rows"], 122, "{result}");
    assert_eq!(result["requests"], 3, "{result}: 122 items, 50 a page");
    assert!(
        stderr.contains("122 rows for 120 reviewees of semester"),
        "{stderr}"
    );
    assert!(stderr.contains("in 3 requests"), "{stderr}");
    let ours: Vec<Vec<String>> = all[1..]
        .iter()
        .filter(|r| r[1].starts_with("ext-"))
        .cloned()
        .collect();
    assert_eq!(ours.len(), 120);
    for (row, sent) in ours.iter().zip(&imported) {
        assert!(!row[0].is_empty(), "{row:?}");
        assert_eq!(row[1..], sent[..], "{row:?}");
    }

    // By 120 item ids, then by 120 external ids: three queries each (50, 50,
    // 20), one page each, and the rows of one query, in its order.
    let mut expected = vec![all[0].clone()];
    expected.extend(ours.iter().cloned());
    let item_ids: Vec<&str> = ours.iter().map(|r| r[0].as_str()).collect();
    let external_ids: Vec<&str> = ours.iter().map(|r| r[1].as_str()).collect();
    for (flag, ids) in [("--item", &item_ids), ("--external-id", &external_ids)] {
        let joined = ids.join(",");
        let (result, rows, stderr) = export("some.csv", &[flag, &joined]);
        assert_eq!(rows, expected, "{flag}");
        assert_eq!(result["rows"], 120, "{flag}: {result}");
        assert_eq!(result["reviewees"], 120, "{flag}: {result}");
        assert_eq!(result["requests"], 3, "{flag}: {result}");
        assert!(
            stderr.contains("120 rows for 120 reviewees of semester"),
            "{stderr}"
        );
        assert!(stderr.contains("in 3 requests"), "{stderr}");
    }

    // The page filters by the first list given: --item, and the rest is said to be ignored.
    let one = format!("{},{}", item_ids[7], item_ids[7]);
    let (result, rows, stderr) = export(
        "one.csv",
        &[
            "--item",
            &one,
            "--reviewee",
            &feishu_sandbox::seed::open_id(0),
        ],
    );
    assert_eq!(rows[1..], [ours[7].clone()]);
    assert_eq!(result["requests"], 1);
    assert!(
        stderr.contains("--reviewee is ignored: --item is given"),
        "{stderr}"
    );

    // Key-metric values of the semester's 240 reviewees: their list (50 a
    // page: 5 requests) and their values (50 reviewees a query: 5 more); one
    // field of the seed has a value.
    let path = dir.join("kpi.csv");
    let metrics = run(
        base,
        0,
        &[
            "metrics",
            "export",
            "--semester",
            ids::SEMESTER,
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(metrics["reviewees"], 240, "{metrics}");
    assert_eq!(metrics["rows"], 1, "{metrics}");
    assert_eq!(metrics["requests"], 10, "{metrics}");
    assert_eq!(read_csv(&path).len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}
