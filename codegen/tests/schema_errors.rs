//! Every directory under `tests/broken/` is a schema with one mistake; loading
//! it must fail with exactly the diagnostics in its `expected.txt`
//! (`file:line:column: message`). Run with `UPDATE_EXPECTED=1` to rewrite them
//! after a deliberate change to the messages, then review the diff.

use std::path::Path;

use feishu_perf_codegen::generate_dir;

#[test]
fn each_broken_schema_reports_its_location() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 14, "the broken schemas are missing");
    let mut failures = Vec::new();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let err = match generate_dir(&case) {
            Ok(_) => {
                failures.push(format!("{name}: loaded without error"));
                continue;
            }
            Err(err) => err.to_string() + "\n",
        };
        let expected_path = case.join("expected.txt");
        if std::env::var_os("UPDATE_EXPECTED").is_some() {
            std::fs::write(&expected_path, &err).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if err != expected {
            failures.push(format!("{name}:\n  expected: {expected}  got:      {err}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_diagnostic_names_file_line_and_column() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    for entry in std::fs::read_dir(&root).unwrap() {
        let case = entry.unwrap().path();
        let err = generate_dir(&case).unwrap_err();
        for d in &err.diagnostics {
            assert!(d.file.ends_with(".yaml"), "{d}");
            assert!(d.line >= 1 && d.column >= 1, "{d}");
        }
    }
}
