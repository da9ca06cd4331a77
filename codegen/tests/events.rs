//! Event pages: both of the portal export import, a re-import reproduces the
//! checked-in files, a changed page is reported by the drift check, annotations
//! survive, and an event file the runtime could not read is refused at its line.

use std::path::{Path, PathBuf};

use feishu_perf_codegen::import::event::{check_events, import_event_into, import_event_page};
use feishu_perf_codegen::import::{ImportError, Node};
use feishu_perf_codegen::load::load_dir;

fn codegen_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema_dir() -> PathBuf {
    codegen_dir().parent().unwrap().join("schema")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("events-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&schema_dir(), &dir);
    dir
}

const EVENTS: [(&str, &str); 2] = [
    (
        "review_data/events/changed.md",
        "performance/v2/events/review_data.changed",
    ),
    (
        "stage_task/events/open_result.md",
        "performance/v2/events/stage_task.open_result",
    ),
];

#[test]
fn both_event_pages_of_the_portal_export_import_as_the_checked_in_files() {
    let base = codegen_dir().join("tests/import/feishu-open-docs/performance-v1");
    for (page, stem) in EVENTS {
        let text = read(&base.join(page));
        let kept = schema_dir().join(format!("{stem}.yaml"));
        let old = Node::parse_yaml(&read(&kept)).unwrap();
        let (target, tree, _, orphans) = import_event_page(page, &text, Some(&old)).unwrap();
        assert_eq!(
            format!(
                "{}/{}/events/{}.{}",
                target.service, target.version, target.resource, target.operation
            ),
            stem
        );
        assert!(orphans.is_empty(), "{orphans:?}");
        assert_eq!(tree, old, "{page}");
        // The kept page is the export's page, byte for byte.
        assert_eq!(read(&schema_dir().join(format!("{stem}.md"))), text);
    }
}

#[test]
fn a_changed_page_is_drift_and_a_reimport_keeps_the_notes() {
    let dir = scratch("drift");
    let page = dir.join("performance/v2/events/review_data.changed.md");
    let text = read(&page).replace(
        "- `leader_review`: 终评环节（特指最终的绩效结果数据）",
        "- `leader_review`: 终评环节（特指最终的绩效结果数据） - `calibration`: 校准环节",
    );
    assert!(text.contains("calibration"));
    std::fs::write(&page, &text).unwrap();
    let drift = check_events(&dir).unwrap();
    assert_eq!(
        drift,
        [
            "performance/v2/events/review_data.changed.yaml: type `stage_type`: value `calibration` added"
        ]
    );
    let written = import_event_into(&dir, &page, &text).unwrap();
    assert!(written.changed);
    let yaml = read(&written.schema);
    assert!(yaml.contains("value: calibration"));
    assert!(yaml.contains("notes: |-"), "the maintainers' note survives");
    assert!(check_events(&dir).unwrap().is_empty());
    load_dir(&dir).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_page_without_an_event_type_is_refused_at_its_line() {
    let text = read(&schema_dir().join("performance/v2/events/stage_task.open_result.md"))
        .replace("| 事件类型 | performance.stage_task.open_result_v2 |\n", "");
    match import_event_page("open_result.md", &text, None) {
        Err(ImportError::Page(errors)) => {
            let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            assert_eq!(lines, ["open_result.md:16:1: the page gives no `事件类型`"]);
        }
        other => panic!("{other:?}"),
    }
}

/// Loads the scratch schema after `edit` of one event file; the diagnostics.
fn load_after(name: &str, edit: impl Fn(String) -> String) -> String {
    let dir = scratch(name);
    let file = dir.join("performance/v2/events/stage_task.open_result.yaml");
    let text = read(&file);
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit applies");
    std::fs::write(&file, edited).unwrap();
    let out = match load_dir(&dir) {
        Ok(_) => String::from("loaded"),
        Err(e) => e.to_string(),
    };
    std::fs::remove_dir_all(dir).unwrap();
    out
}

#[test]
fn an_envelope_other_than_v2_is_refused() {
    let got = load_after("envelope", |t| {
        t.replace(
            "      - name: tenant_key\n        type: string\n        description: 租户 Key\n",
            "",
        )
    });
    assert_eq!(
        got,
        "performance/v2/events/stage_task.open_result.yaml:9:13: `header` has `event_id`, `event_type`, `create_time`, `token`, `app_id`: \
         the runtime reads the platform's v2 envelope (`schema`, and `header` with event_id, event_type, create_time, token, app_id, tenant_key)"
    );
}

#[test]
fn an_example_of_another_event_type_is_refused() {
    let got = load_after("example", |t| {
        t.replace(
            "\"event_type\": \"performance.stage_task.open_result_v2\"",
            "\"event_type\": \"performance.review_data.changed_v2\"",
        )
    });
    assert_eq!(
        got,
        "performance/v2/events/stage_task.open_result.yaml:9:13: the example's `header.event_type` is \
         Some(\"performance.review_data.changed_v2\"), not `performance.stage_task.open_result_v2`"
    );
}

#[test]
fn two_files_of_one_event_type_are_refused() {
    let dir = scratch("duplicate");
    let events = dir.join("performance/v2/events");
    let text = read(&events.join("stage_task.open_result.yaml"))
        .replace("event: open_result", "event: open_result_again")
        .replace(
            "name: StageTaskOpenResultV2",
            "name: StageTaskOpenResultAgain",
        );
    std::fs::write(events.join("stage_task.open_result_again.yaml"), text).unwrap();
    let err = load_dir(&dir).unwrap_err().to_string();
    std::fs::remove_dir_all(dir).unwrap();
    assert_eq!(
        err,
        "performance/v2/events/stage_task.open_result_again.yaml:9:13: event type `performance.stage_task.open_result_v2` is also in performance/v2/events/stage_task.open_result.yaml"
    );
}
