//! A review cycle with workbooks, through the binary, against a sandbox this
//! test runs: `metrics template` writes the sheet to fill; a person fills it
//! in Excel, with Excel's usual damage (an id turned into a number, `９２`,
//! `1,234.5`, `95%`, a date); the import refuses the damaged rows before
//! sending, so they cost no request, and writes them to a rejects workbook;
//! `--normalize` repairs what is safe and lists it; `metrics export -o
//! x.xlsx` reads the values back with names, ids as text.

mod common;

use std::path::Path;
use std::time::Duration;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{against, dir, json, text};
use feishu_sandbox::Seed;
use feishu_sandbox::seed::{ids, open_id};
use feishu_sandbox::{Config, Sandbox};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value;

fn run(base: &str, status: i32, args: &[&str]) -> (Value, String) {
    let mut all = vec!["--rate-window", "0.1", "--format", "json"];
    all.extend_from_slice(args);
    let out = against(base, &all);
    assert_eq!(out.status.code(), Some(status), "{args:?}: {}", text(&out));
    (
        json(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// [`run`], with a short message when the status is not the one expected.
fn run_quiet(base: &str, status: i32, args: &[&str]) -> (Value, String) {
    let mut all = vec!["--rate-window", "0.1", "--format", "json"];
    all.extend_from_slice(args);
    let out = against(base, &all);
    let value = json(&out);
    assert_eq!(
        out.status.code(),
        Some(status),
        "{args:?}: {} rejected, the first: {}",
        value["rejected"],
        value["rejected_rows"][0]
    );
    (value, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A cell's text.
fn cell(data: &Data) -> String {
    data.to_string()
}

/// The first sheet of a workbook: its header, and its rows as cells.
fn sheet(path: &Path) -> (Vec<String>, Vec<Vec<Data>>) {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    let mut rows = range.rows().map(<[Data]>::to_vec);
    let header = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    (header, rows.collect())
}

fn imports(sandbox: &Sandbox) -> u64 {
    sandbox
        .stats()
        .api_requests
        .get("performance.v2.metric_detail.import")
        .copied()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_fill_with_excel_damage_import_and_export_with_workbooks() {
    let sandbox = Sandbox::start(Config {
        rate_window: Duration::from_millis(100),
        ..Config::default()
    })
    .await
    .unwrap();
    let base = sandbox.base_url();
    let base = base.as_str();
    let dir = dir("excel-cycle");

    // The template: every reviewee's assigned fields, the administrator's left out and listed.
    let template = dir.join("kpi-template.xlsx");
    let (result, stderr) = run(
        base,
        0,
        &[
            "metrics",
            "template",
            "--semester",
            ids::SEMESTER,
            "-o",
            template.to_str().unwrap(),
        ],
    );
    assert!(
        stderr.contains("an administrator fills left out"),
        "{stderr}"
    );
    assert!(stderr.contains(ids::FIELD_WEIGHT), "{stderr}");
    let (header, rows) = sheet(&template);
    assert_eq!(
        header,
        [
            "reviewee_user_id",
            "metric_id",
            "metric_name",
            "field_id",
            "field_name",
            "field_type",
            "current_field_value",
            "current_field_value_person",
            "field_value",
            "field_value_person"
        ]
    );
    assert_eq!(result["rows"].as_u64(), Some(rows.len() as u64));
    assert!(rows.iter().all(|r| cell(&r[3]) != ids::FIELD_WEIGHT));
    assert!(
        rows.iter()
            .all(|r| matches!(r[0], Data::String(_)) && matches!(r[1], Data::String(_))),
        "ids are text cells"
    );
    let number_rows: Vec<&Vec<Data>> = rows.iter().filter(|r| cell(&r[5]) == "number").collect();
    let names: std::collections::BTreeSet<(String, String)> = number_rows
        .iter()
        .map(|r| (cell(&r[2]), cell(&r[4])))
        .collect();
    assert!(
        names.contains(&("销售额".to_owned(), "完成值".to_owned())),
        "{names:?}"
    );

    // Filled in Excel: numbers in the number fields, text in the text fields, 1,000 rows
    // with a value; 20 of them damaged as Excel damages them; person fields left blank.
    let filled = dir.join("kpi-filled.xlsx");
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("KPI").unwrap();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy/mm/dd");
    let (mut given, mut numbers, mut damaged) = (0, 0, Vec::new());
    for (r, row) in rows.iter().enumerate() {
        let at = (r + 1) as u32;
        for (c, value) in row.iter().take(8).enumerate() {
            ws.write_string(at, c as u16, cell(value)).unwrap();
        }
        let kind = cell(&row[5]);
        // The fixture's old-version metric and the reviewee whose value an administrator
        // filled are refused by Feishu alone (a check before sending is not this test's).
        let metric = cell(&row[1]);
        let importable = (metric == ids::METRIC || metric == ids::METRIC_2)
            && cell(&row[0]) != open_id(Seed::ADMIN_FILLED_REVIEWEE);
        if given == 1000 || !importable {
            continue;
        }
        given += 1;
        let n = given;
        numbers += usize::from(kind == "number");
        if kind == "number" && numbers % 10 == 3 && damaged.len() < 20 {
            // Excel's damage, in turn: an id made a number, full-width digits,
            // separators, a percent sign, a date typed or made by Excel.
            match damaged.len() % 6 {
                0 => {
                    ws.write_number(at, 1, ids::METRIC.parse::<f64>().unwrap())
                        .unwrap();
                    ws.write_number(at, 8, n as f64).unwrap();
                }
                1 => {
                    ws.write_string(at, 8, "９２").unwrap();
                }
                2 => {
                    ws.write_string(at, 8, "1,234.5").unwrap();
                }
                3 => {
                    ws.write_string(at, 8, "95%").unwrap();
                }
                4 => {
                    ws.write_string(at, 8, "2026/11/30").unwrap();
                }
                _ => {
                    ws.write_datetime_with_format(
                        at,
                        8,
                        ExcelDateTime::from_ymd(2026, 11, 30).unwrap(),
                        &date,
                    )
                    .unwrap();
                }
            }
            damaged.push(at as u64 + 1);
        } else if kind == "number" {
            ws.write_number(at, 8, n as f64 + 0.5).unwrap();
        } else if kind == "person" {
            ws.write_string(at, 9, open_id(n % 200)).unwrap();
        } else {
            ws.write_string(at, 8, format!("说明 {n}")).unwrap();
        }
    }
    book.save(&filled).unwrap();
    assert_eq!(
        (given, damaged.len()),
        (1000, 20),
        "the template holds enough rows to fill"
    );

    // The import: the damaged rows refused before sending, the others sent.
    let before = imports(&sandbox);
    let journal = dir.join("kpi.journal");
    let (result, stderr) = run_quiet(
        base,
        5,
        &[
            "metrics",
            "import",
            "--semester",
            ids::SEMESTER,
            "--journal",
            journal.to_str().unwrap(),
            filled.to_str().unwrap(),
        ],
    );
    let spent = imports(&sandbox) - before;
    assert!(
        stderr.contains("template rows left blank, skipped"),
        "{stderr}"
    );
    assert_eq!(result["rows"], 1000);
    assert_eq!(result["rejected_before_sending"], 20);
    assert_eq!(result["refused"], 0, "{}", result["rejected_rows"]);
    assert_eq!(result["applied"], 980);
    assert_eq!(result["splits"], 0);
    assert_eq!(result["requests"].as_u64(), Some(spent));
    assert_eq!(result["requests"], result["planned_requests"]);
    println!("1,000 rows with 20 damaged values: {spent} write requests");
    let lines: Vec<u64> = result["rejected_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, damaged, "rows of the sheet");
    let reasons: Vec<&str> = result["rejected_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons[0].contains("format the column as Text, or start from the workbook export"),
        "{}",
        reasons[0]
    );
    assert!(reasons[1].contains("full-width"), "{}", reasons[1]);
    assert!(
        reasons[2].contains("thousands separators"),
        "{}",
        reasons[2]
    );
    assert!(reasons[3].contains("percentage"), "{}", reasons[3]);
    assert!(reasons[4].contains("is a date"), "{}", reasons[4]);
    assert!(reasons[5].contains("is a date cell"), "{}", reasons[5]);

    // The rejects are a workbook, with the template's columns, that imports as it is.
    let rejects = dir.join("kpi-filled.rejects.xlsx");
    let (rejects_header, rejected) = sheet(&rejects);
    assert_eq!(rejects_header.last().map(String::as_str), Some("reason"));
    assert_eq!(rejected.len(), 20);
    let (result, stderr) = run(
        base,
        5,
        &[
            "metrics",
            "import",
            "--semester",
            ids::SEMESTER,
            "--normalize",
            rejects.to_str().unwrap(),
        ],
    );
    // Four full-width values and three with separators: the percent sign on a number
    // field, the dates and the id stay refused.
    assert!(stderr.contains("--normalize rewrote 7 values"), "{stderr}");
    assert!(
        stderr.contains("`９２` -> `92`") && stderr.contains("`1,234.5` -> `1234.5`"),
        "{stderr}"
    );
    // The ids Excel rounded are number cells in the rejects workbook too: refused again.
    assert_eq!(result["applied"], 7);
    assert_eq!(result["rejected_before_sending"], 13);
    assert_eq!(result["refused"], 0);

    // The export, as a workbook: the values read back, with names, ids as text.
    let export = dir.join("kpi-now.xlsx");
    run(
        base,
        0,
        &[
            "metrics",
            "export",
            "--semester",
            ids::SEMESTER,
            "-o",
            export.to_str().unwrap(),
        ],
    );
    let (header, rows) = sheet(&export);
    assert_eq!(
        header,
        [
            "reviewee_user_id",
            "metric_id",
            "metric_name",
            "field_id",
            "field_name",
            "field_type",
            "field_value",
            "field_value_person"
        ]
    );
    assert!(
        rows.iter()
            .all(|r| matches!(r[0], Data::String(_)) && matches!(r[1], Data::String(_)))
    );
    let value = |reviewee: &str, field: &str| {
        rows.iter()
            .find(|r| cell(&r[0]) == reviewee && cell(&r[3]) == field)
            .map(|r| cell(&r[6]))
    };
    let first = &number_rows[0];
    assert_eq!(
        value(&cell(&first[0]), ids::FIELD_NUMBER).as_deref(),
        Some("1.5")
    );
    assert!(
        rows.iter().any(|r| cell(&r[6]) == "92"),
        "the normalized value is stored"
    );

    // Supplementary information as a workbook, ids as text cells, imported back as it is.
    let info = dir.join("information.xlsx");
    let (result, _) = run(
        base,
        0,
        &[
            "information",
            "export",
            "--semester",
            ids::SEMESTER_2,
            "-o",
            info.to_str().unwrap(),
        ],
    );
    let (header, rows) = sheet(&info);
    assert_eq!(
        header,
        [
            "item_id",
            "external_id",
            "reviewee_user_id",
            "item",
            "time",
            "detailed_description"
        ]
    );
    assert_eq!(result["rows"].as_u64(), Some(rows.len() as u64));
    assert!(
        rows.iter().any(|r| cell(&r[0]) == ids::INFO_ITEM),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| matches!(r[0], Data::String(_))));
    let (result, _) = run_quiet(
        base,
        0,
        &[
            "information",
            "import",
            "--semester",
            ids::SEMESTER_2,
            info.to_str().unwrap(),
        ],
    );
    assert_eq!(result["rejected"], 0);
    sandbox.stop().await;
}
