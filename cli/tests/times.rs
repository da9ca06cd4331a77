//! Time options take a date or a date-time in the tenant's zone (`--tz`,
//! default Asia/Shanghai) as well as milliseconds, and tables show times as
//! people read them in that zone.

mod common;

use common::{feishu_perf, json, text};

fn ids(args: &[&str]) -> Vec<String> {
    let mut all = vec!["--sandbox", "--format", "json", "semesters", "list"];
    all.extend_from_slice(args);
    let out = feishu_perf(&all);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    let mut ids: Vec<String> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn time_options_take_dates_in_the_zone_and_tables_show_dates() {
    // The fixture's Q4 2026 runs from 2026-10-01T00:00Z to 2026-12-31T23:59:59.999Z.
    let q4 = vec!["7293040702907514899".to_owned()];
    assert_eq!(
        ids(&[
            "--tz",
            "UTC",
            "--start-time",
            "2026-10-01",
            "--end-time",
            "2026-12-31"
        ]),
        q4
    );
    assert_eq!(
        ids(&[
            "--start-time",
            "1790812800000",
            "--end-time",
            "1798761599999"
        ]),
        q4,
        "milliseconds as before"
    );
    // In Shanghai the semester ends on 2027-01-01 at 07:59:59.
    assert_eq!(
        ids(&["--start-time", "2026-10-01", "--end-time", "2026-12-31"]),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&[
            "--start-time",
            "2026-10-01 08:00",
            "--end-time",
            "2027-01-01"
        ]),
        q4
    );
    assert_eq!(
        ids(&[
            "--start-time",
            "2026-10-01T00:00:00Z",
            "--end-time",
            "2027-01-01"
        ]),
        q4
    );

    let out = feishu_perf(&[
        "--sandbox",
        "--format",
        "table",
        "semesters",
        "list",
        "--year",
        "2026",
        "--type",
        "Q4",
    ]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("2026-10-01 08:00") && table.contains("2027-01-01 07:59:59"),
        "{table}"
    );
    let out = feishu_perf(&[
        "--sandbox",
        "--tz",
        "+00:00",
        "--format",
        "table",
        "semesters",
        "list",
        "--year",
        "2026",
        "--type",
        "Q4",
    ]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("2026-10-01 00:00") && table.contains("2026-12-31 23:59:59"),
        "{table}"
    );

    let out = feishu_perf(&[
        "--sandbox",
        "semesters",
        "list",
        "--start-time",
        "2026-13-01",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("--start-time: `2026-13-01` is not a date"),
        "{}",
        text(&out)
    );
    let out = feishu_perf(&["--sandbox", "--tz", "Europe/Berlin", "semesters", "list"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("daylight saving"), "{}", text(&out));
}
