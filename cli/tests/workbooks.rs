//! Workbooks and Excel's damage: `.xlsx` read by its signature whatever its
//! name, the first sheet or `--sheet`; numbers as their shortest text,
//! formulas by their cached value, dates where the column is a date; ids
//! Excel turned into numbers and numbers it decorated refused before
//! sending; tab- and semicolon-separated text; every structural problem of a
//! file in one error; the rejects of a workbook as a workbook.

use std::path::{Path, PathBuf};

use feishu_perf_cli::batch::{Job, Options, plan};
use feishu_perf_cli::input::{ReadOptions, Sheet, Source, parse_table, read_table_with};
use feishu_perf_cli::jobs::{InformationImport, MetricImport};
use feishu_perf_cli::rejects::{default_path, write_rejects};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("feishu-perf-workbooks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn options() -> Options {
    Options {
        semester_id: "7293040702907514899".into(),
        user_id_type: None,
        batch_size: 50,
        import_record_name: None,
    }
}

fn read(
    path: &Path,
    columns: &[feishu_perf_cli::input::Column],
    sheet: Option<Sheet>,
) -> feishu_perf_cli::input::Table {
    let options = ReadOptions {
        sheet,
        ..ReadOptions::default()
    };
    read_table_with(&Source::File(path.to_owned()), columns, &options).unwrap()
}

/// A key-metric workbook as Excel users leave it: a first sheet of notes, the
/// data on a second with name columns, a `#` column, an empty header column,
/// numbers as numbers, a formula, a date, and an id typed as a number.
fn kpi_workbook(path: &Path) {
    let mut book = Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("说明").unwrap();
    notes.write_string(0, 0, "fill in the KPI sheet").unwrap();
    let ws = book.add_worksheet();
    ws.set_name("KPI").unwrap();
    let header = [
        "reviewee_user_id",
        "reviewee_name",
        "metric_id",
        "field_id",
        "field_type",
        "field_value",
        "#comment",
        "",
    ];
    for (c, h) in header.iter().enumerate() {
        if !h.is_empty() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
    }
    let row = |ws: &mut rust_xlsxwriter::Worksheet, r: u32, reviewee: &str, field: &str| {
        ws.write_string(r, 0, reviewee).unwrap();
        ws.write_string(r, 1, "张三").unwrap();
        ws.write_string(r, 2, "7272580325522276372").unwrap();
        ws.write_string(r, 3, field).unwrap();
        ws.write_string(r, 4, "number").unwrap();
    };
    row(ws, 1, "ou_1", "f1");
    ws.write_number(1, 5, 95.0).unwrap();
    ws.write_string(1, 6, "checked by HR").unwrap();
    row(ws, 2, "ou_2", "f1");
    ws.write_number(2, 5, 0.1).unwrap();
    // A blank row between, then a formula with its cached value.
    row(ws, 4, "ou_3", "f1");
    ws.write_formula(4, 5, Formula::new("=40+2").set_result("42"))
        .unwrap();
    // A date where a number belongs.
    row(ws, 5, "ou_4", "f1");
    let date = Format::new().set_num_format("yyyy/mm/dd");
    ws.write_datetime_with_format(5, 5, ExcelDateTime::from_ymd(2026, 11, 30).unwrap(), &date)
        .unwrap();
    // An id typed as a number: Excel keeps 15 digits.
    ws.write_number(6, 0, 7272580325522276372.0).unwrap();
    ws.write_string(6, 2, "7272580325522276372").unwrap();
    ws.write_string(6, 3, "f1").unwrap();
    ws.write_number(6, 5, 3.0).unwrap();
    // Excel's damage as text: thousands separators, full-width digits, a percent sign.
    row(ws, 7, "ou_5", "f1");
    ws.write_string(7, 5, "1,234.5").unwrap();
    row(ws, 8, "ou_6", "f1");
    ws.write_string(8, 5, "９２").unwrap();
    row(ws, 9, "ou_7", "f1");
    ws.write_string(9, 5, "95%").unwrap();
    book.save(path).unwrap();
}

#[test]
fn a_workbook_reads_as_a_person_sees_it_and_excel_damage_is_refused_before_sending() {
    // Named .csv: the signature decides.
    let path = temp("kpi-really-a-workbook.csv");
    kpi_workbook(&path);
    let table = read(
        &path,
        MetricImport::COLUMNS,
        Some(Sheet::Name("KPI".into())),
    );
    assert_eq!(table.source(), format!("{}, sheet KPI", path.display()));
    assert_eq!(table.sheet(), Some("KPI"));
    assert_eq!(
        table.header(),
        [
            "reviewee_user_id",
            "reviewee_name",
            "metric_id",
            "field_id",
            "field_type",
            "field_value"
        ]
    );
    let lines: Vec<u64> = table.rows().map(|r| r.line()).collect();
    assert_eq!(
        lines,
        [2, 3, 5, 6, 7, 8, 9, 10],
        "sheet rows, the blank one skipped"
    );
    let values: Vec<&str> = table.rows().map(|r| r.get(3)).collect();
    assert_eq!(
        values,
        [
            "95",
            "0.1",
            "42",
            "2026-11-30",
            "3",
            "1,234.5",
            "９２",
            "95%"
        ]
    );
    // The same sheet by number.
    let again = read(&path, MetricImport::COLUMNS, Some(Sheet::Number(2)));
    assert_eq!(again.len(), table.len());

    let planned = plan(&MetricImport(options()), table).unwrap();
    let reasons: Vec<(u64, String)> = planned
        .rejected
        .iter()
        .map(|r| (r.lines[0], r.reason.clone()))
        .collect();
    assert_eq!(planned.sendable_rows(), 3, "{reasons:#?}");
    let reason = |line: u64| {
        reasons
            .iter()
            .find(|(l, _)| *l == line)
            .map(|(_, r)| r.as_str())
            .unwrap_or_else(|| panic!("line {line} not rejected: {reasons:#?}"))
    };
    assert!(reason(6).contains("is a date cell"), "{}", reason(6));
    assert!(
        reason(7).contains("reviewee_user_id")
            && reason(7).contains("format the column as Text, or start from the workbook export"),
        "{}",
        reason(7)
    );
    assert!(
        reason(8).contains("`1,234.5` has thousands separators")
            && reason(8).contains("--normalize"),
        "{}",
        reason(8)
    );
    assert!(reason(9).contains("full-width"), "{}", reason(9));
    assert!(reason(10).contains("percentage"), "{}", reason(10));

    // The rejects of a workbook are a workbook, and read back with the same rows.
    let rejects = default_path(&path, planned.table());
    assert!(
        rejects
            .to_string_lossy()
            .ends_with("kpi-really-a-workbook.rejects.xlsx")
    );
    assert_eq!(
        write_rejects(&rejects, planned.table(), &planned.rejected).unwrap(),
        5
    );
    let back = read(&rejects, MetricImport::COLUMNS, None);
    let lines: Vec<u64> = back.rows().map(|r| r.line()).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6]);
    assert_eq!(
        back.row(1).get(0),
        "7272580325522276000",
        "kept as read, to be fixed"
    );
    assert_eq!(back.row(2).get(3), "1,234.5");
}

#[test]
fn normalize_rewrites_only_what_cannot_change_meaning_and_lists_it() {
    let path = temp("kpi-normalize.xlsx");
    kpi_workbook(&path);
    let mut table = read(
        &path,
        MetricImport::COLUMNS,
        Some(Sheet::Name("KPI".into())),
    );
    let rewrites = table.normalize(MetricImport::COLUMNS);
    let listed: Vec<(u64, &str, &str)> = rewrites
        .iter()
        .map(|r| (r.line, r.from.as_str(), r.to.as_str()))
        .collect();
    assert_eq!(
        listed,
        [(8, "1,234.5", "1234.5"), (9, "９２", "92")],
        "a % on a number field is not rewritten"
    );
    let planned = plan(&MetricImport(options()), table).unwrap();
    let rejected: Vec<u64> = planned
        .rejected
        .iter()
        .flat_map(|r| r.lines.clone())
        .collect();
    assert_eq!(rejected, [6, 7, 10]);
    let sent: Vec<&str> = planned.table().rows().map(|r| r.get(3)).collect();
    assert_eq!(sent[5], "1234.5");
    assert_eq!(sent[6], "92");
}

#[test]
fn a_date_cell_becomes_the_pages_date_where_the_column_is_a_date() {
    let path = temp("information.xlsx");
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["reviewee_user_id", "item", "time", "detailed_description"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "ou_1").unwrap();
    ws.write_string(1, 1, "业绩补充说明").unwrap();
    let date = Format::new().set_num_format("yyyy/mm/dd");
    ws.write_datetime_with_format(1, 2, ExcelDateTime::from_ymd(2024, 3, 12).unwrap(), &date)
        .unwrap();
    ws.write_string(1, 3, "销售额增长目标超额完成").unwrap();
    // A note right of the header, in a column without one: ignored.
    ws.write_string(1, 6, "ask HR").unwrap();
    book.save(&path).unwrap();
    let table = read(&path, InformationImport::COLUMNS, None);
    assert_eq!(table.row(0).get(4), "2024-03-12");
    let planned = plan(
        &InformationImport(Options {
            batch_size: 1000,
            ..options()
        }),
        table,
    )
    .unwrap();
    assert!(planned.rejected.is_empty(), "{:?}", planned.rejected);
}

#[test]
fn a_damaged_workbook_is_refused_with_advice() {
    let path = temp("damaged.xlsx");
    std::fs::write(&path, b"PK\x03\x04 not really a workbook").unwrap();
    let err = read_table_with(
        &Source::File(path),
        MetricImport::COLUMNS,
        &ReadOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("looks like a workbook, but cannot be read"),
        "{err}"
    );
    assert!(err.contains("save it again"), "{err}");
}

#[test]
fn an_unknown_sheet_names_the_sheets_there_are() {
    let path = temp("sheets.xlsx");
    kpi_workbook(&path);
    let options = ReadOptions {
        sheet: Some(Sheet::Name("Q3".into())),
        ..ReadOptions::default()
    };
    let err = read_table_with(&Source::File(path), MetricImport::COLUMNS, &options)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no such sheet; its sheets are 1 `说明`, 2 `KPI`"),
        "{err}"
    );
}

#[test]
fn tab_and_semicolon_separated_text_is_read_and_ids_in_scientific_notation_are_refused() {
    for sep in ["\t", ";"] {
        let text = format!(
            "reviewee_user_id{sep}metric_id{sep}field_id{sep}field_value\nou_1{sep}7.27258E+18{sep}f{sep}1,5\nou_2{sep}7272580325522276372{sep}f{sep}2\n"
        );
        let table = parse_table("kpi.txt", &text, MetricImport::COLUMNS).unwrap();
        assert_eq!(
            table.row(0).get(3),
            "1,5",
            "a comma inside a cell of a {sep:?} file"
        );
        let planned = plan(&MetricImport(options()), table).unwrap();
        assert_eq!(planned.rejected.len(), 1);
        assert_eq!(planned.rejected[0].lines, [2]);
        assert!(
            planned.rejected[0]
                .reason
                .starts_with("metric_id: `7.27258E+18` is a number in scientific notation"),
            "{}",
            planned.rejected[0].reason
        );
    }
    // --delimiter wins over the header's own.
    let path = temp("pipe.csv");
    std::fs::write(
        &path,
        "reviewee_user_id|metric_id|field_id|field_value\nou_1|m|f|1\n",
    )
    .unwrap();
    let options = ReadOptions {
        delimiter: Some(b'|'),
        ..ReadOptions::default()
    };
    let table = read_table_with(&Source::File(path), MetricImport::COLUMNS, &options).unwrap();
    assert_eq!(table.row(0).get(1), "m");
}

#[test]
fn every_structural_problem_of_a_file_is_reported_in_one_run() {
    let text = "reviewee_user_id,metrc_id,field_id,姓名,field_value\n\
                ou_1,m,f,张三,1\n\
                ou_2,m\n\
                ou_3,m,f,李四,3\n\
                ou_4,m,f,王五,4,5,6\n";
    let err = parse_table("kpi.csv", text, MetricImport::COLUMNS).unwrap_err();
    let problems: Vec<(Option<u64>, &str)> = err.problems().collect();
    assert_eq!(problems.len(), 5, "{err}");
    assert!(
        problems[0]
            .1
            .starts_with("unknown column `metrc_id` (did you mean `metric_id`?)"),
        "{err}"
    );
    assert!(
        problems[1].1.starts_with("unknown column `姓名`")
            && problems[1].1.contains("rename it `#姓名`"),
        "{err}"
    );
    assert!(
        problems[2]
            .1
            .starts_with("the header has no `metric_id` column"),
        "{err}"
    );
    assert_eq!(problems[3].0, Some(3));
    assert_eq!(problems[4].0, Some(5));
    let shown = err.to_string();
    assert!(
        shown.starts_with("kpi.csv:1: unknown column `metrc_id`"),
        "{shown}"
    );
    assert!(
        shown.contains("(5 problems in all)") && shown.contains("\n  kpi.csv:5: 7 cells"),
        "{shown}"
    );
    // `#` columns, empty header cells and the name columns are ignored.
    let fine = "reviewee_user_id,reviewee_name,metric_id,field_id,field_value,#姓名,\nou_1,张三,m,f,1,x,\n";
    let table = parse_table("kpi.csv", fine, MetricImport::COLUMNS).unwrap();
    assert_eq!(table.row(0).get(3), "1");
    assert_eq!(table.row(0).named("reviewee_name"), Some("张三"));
}

#[test]
fn blank_rows_of_a_template_are_skipped_and_counted() {
    let text = "reviewee_user_id,reviewee_name,metric_id,field_id,field_type,current_field_value,field_value,field_value_person\n\
                ou_1,张三,m,f,number,90,95,\n\
                ou_2,李四,m,f,number,80,,\n\
                ou_3,王五,m,f,number,,,\n";
    let table = parse_table("kpi-template.csv", text, MetricImport::COLUMNS).unwrap();
    assert_eq!(table.len(), 1);
    assert_eq!(table.skipped_blank(), 2);
    // Without the template's columns, a row without a value is an error, as before.
    let plain = "reviewee_user_id,metric_id,field_id,field_value\nou_1,m,f,\n";
    let table = parse_table("kpi.csv", plain, MetricImport::COLUMNS).unwrap();
    assert_eq!((table.len(), table.skipped_blank()), (1, 0));
}

/// An OpenDocument spreadsheet as LibreOffice and WPS write one: a ZIP with
/// its `mimetype`, manifest and `content.xml`.
fn ods(path: &Path, rows: &str) {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", SimpleFileOptions::default())
        .unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    zip.start_file("content.xml", SimpleFileOptions::default())
        .unwrap();
    write!(zip, r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="补充信息">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#).unwrap();
    zip.finish().unwrap();
}

fn text_cell(s: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{s}</text:p></table:table-cell>"#
    )
}

#[test]
fn an_opendocument_sheet_reads_like_an_excel_one() {
    let header: String = ["reviewee_user_id", "item", "time", "detailed_description"]
        .iter()
        .map(|h| text_cell(h))
        .collect();
    let row = format!(
        "{}{}{}{}",
        text_cell("ou_1"),
        text_cell("业绩补充说明"),
        r#"<table:table-cell office:value-type="date" office:date-value="2024-03-12"><text:p>2024/3/12</text:p></table:table-cell>"#,
        r#"<table:table-cell office:value-type="float" office:value="95"><text:p>95.00</text:p></table:table-cell>"#,
    );
    let path = temp("information.ods");
    ods(
        &path,
        &format!(
            "<table:table-row>{header}</table:table-row><table:table-row>{row}</table:table-row>"
        ),
    );
    let table = read(&path, InformationImport::COLUMNS, None);
    assert_eq!(
        table.source(),
        format!("{}, sheet 补充信息", path.display())
    );
    let row = table.row(0);
    assert_eq!(
        (row.line(), row.get(2), row.get(4), row.get(5)),
        (2, "ou_1", "2024-03-12", "95")
    );
    let planned = plan(
        &InformationImport(Options {
            batch_size: 1000,
            ..options()
        }),
        table,
    )
    .unwrap();
    assert!(planned.rejected.is_empty(), "{:?}", planned.rejected);
}
