//! Input files as users have them: CRLF, quoted line breaks, GBK, a BOM,
//! misspelt headers, standard input; dry runs without credentials; a rejects
//! file imported back as it is.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use feishu_perf_cli::batch::{Job, Options, plan};
use feishu_perf_cli::input::{Encoding, Source, parse_table, read_table};
use feishu_perf_cli::jobs::MetricImport;
use feishu_perf_cli::rejects::rejects_csv;

const HEADER: &str = "reviewee_user_id,metric_id,field_id,field_value,field_value_person";

fn lines_of(text: &str) -> Vec<u64> {
    let table = parse_table("t.csv", text, MetricImport::COLUMNS).unwrap();
    table.rows().map(|r| r.line()).collect()
}

#[test]
fn rows_keep_their_physical_line_for_lf_crlf_and_quoted_line_breaks() {
    let lf = format!("{HEADER}\nou_1,m,f,1,\nou_2,m,f,2,\n");
    assert_eq!(lines_of(&lf), [2, 3]);
    assert_eq!(lines_of(&lf.replace('\n', "\r\n")), [2, 3]);
    // A quoted cell over two lines, a blank line, and an Excel blank row (`,,,,`).
    let multi =
        format!("{HEADER}\nou_1,m,f,\"line one\nline two\",\n\nou_2,m,f,2,\n,,,,\nou_3,m,f,3,\n");
    assert_eq!(lines_of(&multi), [2, 5, 7]);
    assert_eq!(lines_of(&multi.replace('\n', "\r\n")), [2, 5, 7]);
    let table = parse_table("t.csv", &multi.replace('\n', "\r\n"), MetricImport::COLUMNS).unwrap();
    assert_eq!(table.row(0).get(3), "line one\r\nline two");
    // A file without a final line end.
    assert_eq!(lines_of(&format!("{HEADER}\r\nou_1,m,f,1,")), [2]);
}

#[test]
fn an_unknown_column_is_an_error_that_shows_both_headers_and_the_nearest_name() {
    let err = parse_table(
        "kpi.csv",
        "reviewee_user_id,metric_id,field_id,value\nou_1,m,f,1\n",
        MetricImport::COLUMNS,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("kpi.csv:1: unknown column `value`"),
        "{err}"
    );
    assert!(err.contains("did you mean `field_value`?"), "{err}");
    assert!(
        err.contains("the header is `reviewee_user_id,metric_id,field_id,value`"),
        "{err}"
    );
    assert!(
        err.contains(
            "expected `reviewee_user_id,metric_id,field_id,[field_value],[field_value_person]`"
        ),
        "{err}"
    );
    let missing = parse_table(
        "kpi.csv",
        "reviewee_user_id,field_id\n",
        MetricImport::COLUMNS,
    )
    .unwrap_err()
    .to_string();
    assert!(missing.contains("no `metric_id` column"), "{missing}");
    let ragged = parse_table(
        "kpi.csv",
        &format!("{HEADER}\r\nou_1,m,f,1,\r\nou_2,m\r\n"),
        MetricImport::COLUMNS,
    )
    .unwrap_err()
    .to_string();
    assert!(
        ragged.starts_with("kpi.csv:3: 2 cells, but the header has 5"),
        "{ragged}"
    );
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("feishu-perf-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn gbk_needs_its_encoding_and_a_bom_is_honoured() {
    let text = format!("{HEADER}\nou_1,m,f,季度销售额超额完成,\n");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let path = temp("gbk.csv");
    std::fs::write(&path, &gbk).unwrap();
    let source = Source::File(path.clone());
    let err = read_table(&source, MetricImport::COLUMNS, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains(":2: not UTF-8"), "{err}");
    assert!(err.contains("--encoding gbk"), "{err}");
    let table = read_table(&source, MetricImport::COLUMNS, Some(Encoding::Gbk)).unwrap();
    assert_eq!(table.row(0).get(3), "季度销售额超额完成");

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    std::fs::write(&path, &bom).unwrap();
    let table = read_table(&source, MetricImport::COLUMNS, None).unwrap();
    assert_eq!((table.row(0).get(0), table.row(0).line()), ("ou_1", 2));

    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&path, &utf16).unwrap();
    let table = read_table(&source, MetricImport::COLUMNS, None).unwrap();
    assert_eq!(table.row(0).get(3), "季度销售额超额完成");
}

#[test]
fn a_rejects_file_keeps_the_original_columns_and_imports_back_as_it_is() {
    // The user's own column order, with a row that changes nothing and a repeated field.
    let text = "field_id,reviewee_user_id,metric_id,field_value\r\n\
                f,ou_1,m,1\r\n\
                f,ou_2,m,\r\n\
                g,ou_3,m,5\r\n\
                g,ou_3,m,6\r\n";
    let job = MetricImport(Options {
        semester_id: "1".into(),
        user_id_type: None,
        batch_size: 50,
        import_record_name: None,
    });
    let first = plan(
        &job,
        parse_table("kpi.csv", text, MetricImport::COLUMNS).unwrap(),
    )
    .unwrap();
    assert_eq!(first.rejected_rows(), 3);
    let mut out = Vec::new();
    rejects_csv(&mut out, first.table(), &first.rejected).unwrap();
    let rejects = String::from_utf8(out).unwrap();
    let mut lines = rejects.lines();
    assert_eq!(
        lines.next(),
        Some("field_id,reviewee_user_id,metric_id,field_value,line,code,reason")
    );
    assert_eq!(
        lines.next(),
        Some("f,ou_2,m,,3,,nothing to import: field_value and field_value_person are both empty")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("g,ou_3,m,5,4,,field g is given more than once")
    );

    // Fixed in Excel (the empty value filled, the repeat removed) and imported as it is.
    let fixed = rejects.replace("f,ou_2,m,,3", "f,ou_2,m,2,3");
    let fixed: Vec<&str> = fixed
        .lines()
        .filter(|l| !l.starts_with("g,ou_3,m,6"))
        .collect();
    let again = plan(
        &job,
        parse_table("kpi.rejects.csv", &fixed.join("\n"), MetricImport::COLUMNS).unwrap(),
    )
    .unwrap();
    assert_eq!(again.rejected_rows(), 0, "{:?}", again.rejected);
    assert_eq!(again.sendable_rows(), 2);
    assert_eq!(again.table().row(0).get(3), "2");
}

fn feishu_perf(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_feishu-perf"))
        .args(args)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_dry_run_needs_no_credentials_and_writes_the_rejects_file() {
    let path = temp("dry.csv");
    let rejects = temp("dry.rejects.csv");
    let _ = std::fs::remove_file(&rejects);
    std::fs::write(
        &path,
        format!("{HEADER}\r\nou_1,m,f,1,\r\nou_2,m,f,,\r\nou_3,m,f,3,\r\n"),
    )
    .unwrap();
    let out = feishu_perf(
        &[
            "metrics",
            "import",
            "--semester",
            "1",
            "--dry-run",
            path.to_str().unwrap(),
        ],
        None,
    );
    let all = text(&out);
    assert!(all.contains("3 rows, 2 to send in 1 requests"), "{all}");
    assert!(all.contains("about 6 s at the documented pace"), "{all}");
    assert!(all.contains("line 3: nothing to import"), "{all}");
    let written = std::fs::read_to_string(&rejects).unwrap();
    assert!(
        written.contains("ou_2,m,f,,,3,,nothing to import"),
        "{written}"
    );
    assert_eq!(out.status.code(), Some(5), "{all}");

    // The same from standard input, GBK-encoded.
    let (gbk, _, _) =
        encoding_rs::GBK.encode("reviewee_user_id,metric_id,field_id,field_value\nou_1,m,f,完成\n");
    let stdin_rejects = temp("stdin.rejects.csv");
    let args = [
        "metrics",
        "import",
        "--semester",
        "1",
        "--dry-run",
        "--rejects",
        stdin_rejects.to_str().unwrap(),
        "-",
    ];
    let out = feishu_perf(&args, Some(&gbk));
    assert!(
        text(&out).contains("<stdin>:2: not UTF-8"),
        "{}",
        text(&out)
    );
    assert!(!out.status.success());
    let mut with_encoding = args.to_vec();
    with_encoding.splice(4..4, ["--encoding", "gbk"]);
    let out = feishu_perf(&with_encoding, Some(&gbk));
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("<stdin>: 1 rows, 1 to send"),
        "{}",
        text(&out)
    );
}

#[test]
fn an_empty_semester_is_refused_alike_by_both_imports() {
    let metrics = temp("semester-metrics.csv");
    std::fs::write(&metrics, format!("{HEADER}\nou_1,m,f,1,\n")).unwrap();
    let info = temp("semester-info.csv");
    std::fs::write(
        &info,
        "reviewee_user_id,item,time,detailed_description\nou_1,i,t,d\n",
    )
    .unwrap();
    for (command, file) in [("metrics", &metrics), ("information", &info)] {
        let out = feishu_perf(
            &[
                "--sandbox",
                command,
                "import",
                "--semester",
                "",
                file.to_str().unwrap(),
            ],
            None,
        );
        assert!(!out.status.success());
        assert!(
            text(&out).contains("--semester is empty"),
            "{command}: {}",
            text(&out)
        );
        assert!(
            !text(&out).contains("requests,"),
            "nothing was sent: {}",
            text(&out)
        );
    }
}
