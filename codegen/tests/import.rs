//! The importer: every portal page imports, each construct imports as its
//! snapshot says, malformed pages fail at their line and column, annotations
//! survive a re-import, and the drift check and diff list exactly what changed.

use std::path::{Path, PathBuf};

use feishu_perf_codegen::import::{self, ImportError, Node, Surroundings};
use feishu_perf_codegen::model::EndpointFile;

fn codegen_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    codegen_dir().join("tests/import")
}

fn schema_dir() -> PathBuf {
    codegen_dir().parent().unwrap().join("schema")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, ext, out);
            } else if p.extension().is_some_and(|e| e == ext) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, ext, &mut out);
    out.sort();
    out
}

fn rel(p: &Path, base: &Path) -> String {
    p.strip_prefix(base).unwrap().display().to_string()
}

/// A copy of the schema directory to change freely.
fn scratch_schema(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("import-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for f in files(&schema_dir(), "yaml")
        .into_iter()
        .chain(files(&schema_dir(), "md"))
    {
        let to = dir.join(rel(&f, &schema_dir()));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&f, &to).unwrap();
    }
    dir
}

#[test]
fn every_endpoint_page_of_the_portal_export_imports() {
    let base = fixtures().join("feishu-open-docs");
    let mut imported = 0;
    let mut refused = Vec::new();
    for page in files(&base, "md") {
        let name = rel(&page, &base);
        match import::page_facts(&name, &read(&page)) {
            Ok((_, tree)) => {
                imported += 1;
                // The YAML reads back as the same tree.
                let yaml = tree.to_yaml("");
                assert_eq!(Node::parse_yaml(&yaml).unwrap(), tree, "{name}");
                // And as the schema model: max-only and negative ranges included.
                let model = serde_saphyr::from_str::<EndpointFile>(&yaml);
                assert!(model.is_ok(), "{name}: {}", model.unwrap_err());
            }
            Err(e) => refused.push(e.to_string()),
        }
    }
    assert_eq!(imported, 33);
    assert_eq!(
        refused,
        [
            "okr-v1/okr-guide.md:7:1: no `## 请求` section: not an endpoint page",
            "performance-v1/review_data/events/changed.md:16:1: an event page (`## 事件`), not an endpoint page: `cargo xtask docs import` reads it as an event",
            "performance-v1/stage_task/events/open_result.md:16:1: an event page (`## 事件`), not an endpoint page: `cargo xtask docs import` reads it as an event",
        ]
    );
}

#[test]
fn each_construct_imports_as_its_snapshot_shows() {
    let base = fixtures().join("constructs");
    let pages = files(&base, "md");
    assert_eq!(pages.len(), 9);
    for page in pages {
        let name = rel(&page, &base);
        let (target, tree) = import::page_facts(&name, &read(&page)).unwrap();
        let snapshot = format!("{}\n{}", target.stem(), tree.to_yaml(""));
        insta::assert_snapshot!(
            format!("construct_{}", name.trim_end_matches(".md")),
            snapshot
        );
    }
}

#[test]
fn each_malformed_page_fails_at_its_line_and_column() {
    let base = fixtures().join("broken");
    let mut got = String::new();
    for page in files(&base, "md") {
        let name = rel(&page, &base);
        match import::page_facts(&name, &read(&page)) {
            Ok(_) => panic!("{name} imported"),
            Err(ImportError::Page(errors)) => {
                for e in errors {
                    got.push_str(&e.to_string());
                    got.push('\n');
                }
            }
            Err(other) => panic!("{name}: {other}"),
        }
    }
    let expected = read(&base.join("expected.txt"));
    assert!(
        got == expected,
        "got:\n{got}\nexpected (broken/expected.txt):\n{expected}"
    );
}

#[test]
fn reimporting_the_kept_pages_reproduces_the_schema_files() {
    let schema = schema_dir();
    let kept = import::kept_pages(&schema).unwrap();
    let stems: Vec<String> = kept
        .iter()
        .map(|k| k.target.stem())
        .filter(|s| s.starts_with("performance/"))
        .collect();
    // Every performance endpoint of the portal (INDEX.tsv), each from its page.
    assert_eq!(
        stems,
        [
            "performance/v1/review_data.query",
            "performance/v1/semester.list",
            "performance/v1/stage_task.find_by_page",
            "performance/v1/stage_task.find_by_user_list",
            "performance/v2/activity.query",
            "performance/v2/additional_information.import",
            "performance/v2/additional_information.query",
            "performance/v2/additional_informations_batch.delete",
            "performance/v2/indicator.query",
            "performance/v2/metric_detail.import",
            "performance/v2/metric_detail.query",
            "performance/v2/metric_field.query",
            "performance/v2/metric_lib.query",
            "performance/v2/metric_tag.list",
            "performance/v2/metric_template.query",
            "performance/v2/question.query",
            "performance/v2/review_data.query",
            "performance/v2/review_template.query",
            "performance/v2/reviewee.query",
            "performance/v2/user_group_user_rel.write",
            "performance/v2/user_info.query",
        ]
    );
    for k in kept {
        let around = Surroundings::read(&schema, &k.target).unwrap();
        let imported = import::import_page(
            &k.page.display().to_string(),
            &read(&k.page),
            Some(k.target.clone()),
            &around.context(),
        )
        .unwrap();
        assert_eq!(imported.orphans, Vec::<String>::new());
        assert!(
            imported.yaml == read(&k.schema),
            "{}: a re-import changes it; run `cargo xtask docs import {}`",
            k.schema.display(),
            k.page.display()
        );
    }
}

#[test]
fn the_schema_is_in_step_with_its_kept_pages() {
    assert_eq!(import::check(&schema_dir()).unwrap(), Vec::<String>::new());
}

#[test]
fn annotations_survive_a_reimport_of_a_changed_page() {
    let dir = scratch_schema("survive");
    let page = dir.join("performance/v2/review_template.query.md");
    let text = read(&page).replace("| 环节类型<br>枚举值：", "| 环节的类型<br>枚举值：");
    let new_page = dir.join("new.md");
    std::fs::write(&new_page, &text).unwrap();
    let written = import::import_into(&dir, &new_page).unwrap();
    assert!(written.changed);
    let yaml = read(&written.schema);
    for kept in [
        "rust_name: objective_text_question_title",
        "rust_name: keyresult_text_question_title",
        "note: The page's own response example uses `leader_review`",
        "note: The page lists no values",
        "type: review_template_status",
    ] {
        assert!(yaml.contains(kept), "lost `{kept}`:\n{yaml}");
    }
    assert!(yaml.contains("description: 环节的类型"));
    // The page is kept where the schema file is, byte for byte.
    assert_eq!(read(&page), text);
    assert_eq!(
        import::check(&dir).unwrap(),
        Vec::<String>::new(),
        "the schema follows its new page"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_annotation_whose_field_left_the_page_is_reported_not_dropped() {
    let dir = scratch_schema("orphan");
    let schema = dir.join("performance/v2/review_template.query.yaml");
    let before = read(&schema);
    let page = dir.join("performance/v2/review_template.query.md");
    let text = read(&page).replace(
        "objective_text_qustion_title",
        "objective_text_question_title",
    );
    std::fs::write(&page, &text).unwrap();
    let err = import::import_into(&dir, &page).unwrap_err();
    let ImportError::Orphans { orphans, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        orphans,
        &[
            "field.objective_text_qustion_title: annotation `rust_name` (\"objective_text_question_title\") has no place: field.objective_text_qustion_title is no longer on the page"
        ]
    );
    // Nothing was written.
    assert_eq!(read(&schema), before);
    // The drift check says the same, beside the field's own change.
    assert_eq!(
        import::check(&dir).unwrap(),
        [
            "performance/v2/review_template.query.yaml: field field.objective_text_qustion_title removed",
            "performance/v2/review_template.query.yaml: field field.objective_text_question_title added",
            "performance/v2/review_template.query.yaml: response example changed",
            "performance/v2/review_template.query.yaml: field.objective_text_qustion_title: annotation `rust_name` (\"objective_text_question_title\") has no place: field.objective_text_qustion_title is no longer on the page",
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The metric import page before it listed 1580312 (see `tests/import/versions/README.md`).
fn older_metric_page() -> String {
    read(&fixtures().join("versions/metric_detail.import.older.md"))
}

fn current_metric_page() -> String {
    read(&fixtures().join("feishu-open-docs/performance-v1/metric_detail/import.md"))
}

#[test]
fn diff_lists_exactly_what_the_real_page_change_changed() {
    let facts = import::diff_pages(
        "older.md",
        &older_metric_page(),
        "newer.md",
        &current_metric_page(),
    )
    .unwrap();
    assert_eq!(
        facts,
        ["last update none -> \"2025-06-25\"", "error 1580312 added"]
    );
}

#[test]
fn check_lists_exactly_what_the_real_page_change_changed() {
    let dir = scratch_schema("real-change");
    let page = dir.join("performance/v2/metric_detail.import.md");
    let schema = dir.join("performance/v2/metric_detail.import.yaml");
    // The schema as it was before the page listed 1580312: imported from the
    // older page, with today's annotations but none for 1580312.
    let without_1580312 = |text: &str| -> String {
        text.lines()
            .filter(|l| !l.contains("code: 1580312,"))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    std::fs::write(&schema, without_1580312(&read(&schema))).unwrap();
    std::fs::write(&page, older_metric_page()).unwrap();
    import::import_into(&dir, &page).unwrap();
    assert_eq!(import::check(&dir).unwrap(), Vec::<String>::new());
    // The page changes.
    std::fs::write(&page, current_metric_page()).unwrap();
    assert_eq!(
        import::check(&dir).unwrap(),
        [
            "performance/v2/metric_detail.import.yaml: last update none -> \"2025-06-25\"",
            "performance/v2/metric_detail.import.yaml: error 1580312 added",
        ]
    );
    // Re-importing brings the schema in step, annotations and all; the new
    // error comes without a decision until a maintainer makes one.
    import::import_into(&dir, &page).unwrap();
    assert_eq!(import::check(&dir).unwrap(), Vec::<String>::new());
    let repo = read(&schema_dir().join("performance/v2/metric_detail.import.yaml"));
    let row = repo.lines().find(|l| l.contains("code: 1580312,")).unwrap();
    let undecided = format!("{} }}", &row[..row.find(", decision:").unwrap()]);
    assert_eq!(read(&schema), repo.replace(row, &undecided));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn drift_is_listed_as_facts_a_maintainer_can_act_on() {
    let old = current_metric_page();
    let new = old
        .replace("- 长度范围：`1` ～ `50` |", "- 长度范围：`1` ～ `100` |")
        .replace("[10 次/分钟]", "[5 次/秒]")
        .replace("updateTime: \"1750859223000\"", "updateTime: \"1777777777000\"")
        .replace(
            "| &nbsp;&nbsp;&nbsp;&nbsp;└ `field_value_person` | `string` | 否 | 字段值，当字段为人员信息时必填，与入参 `user_id_type` 类型一致<br>**示例值**：\"ou_3245842393d09e9428ad4655da6e30b3\" |\n",
            "",
        )
        .replace("| 400 | 1580309 | input is not allowed after the deadline | 已经超过了录入截止时间 |\n", "")
        .replace("| 400 | 1580901 | tenant no licnese |", "| 403 | 1580901 | tenant no license |")
        .replace("| `import_record_name` | `string` | 否 |", "| `import_record_name` | `string` | 是 |")
        .replace("**默认值**：`open_id`", "**默认值**：`union_id`");
    let facts = import::diff_pages("old.md", &old, "new.md", &new).unwrap();
    assert_eq!(
        facts,
        [
            "last update \"2025-06-25\" -> \"2026-05-03\"",
            "rate limit 10/minute -> 5/second",
            "query.user_id_type: default \"open_id\" -> \"union_id\"",
            "body.import_record_name: required false -> true",
            "body.imported_metrics: length 1..50 -> 1..100",
            "field imported_metric_field.field_value_person removed",
            "error 1580309 removed",
            "error 1580901: HTTP status 400 -> 403",
            "error 1580901: message \"tenant no licnese\" -> \"tenant no license\"",
        ]
    );
}

/// The older portal page is the current one without what the older export
/// (`versions/001.txt`) lacks: its error table and examples agree with 001's.
#[test]
fn the_older_page_agrees_with_the_older_export() {
    let export = read(&fixtures().join("versions/001.txt"));
    let rows: Vec<String> = export
        .lines()
        .filter(|l| l.starts_with("| 400 |") || l.starts_with("| 500 |"))
        .map(|l| l.trim().to_owned())
        .collect();
    let (_, older) = import::page_facts("older.md", &older_metric_page()).unwrap();
    let ours: Vec<String> = older
        .get("errors")
        .unwrap()
        .as_seq()
        .iter()
        .map(|e| {
            let s = |k| {
                e.get(k).map(|v| match v {
                    Node::Str(s) => s.clone(),
                    Node::Num(n) => n.to_string(),
                    _ => unreachable!(),
                })
            };
            format!(
                "| {} | {} | {} | {} |",
                s("http_status").unwrap(),
                s("code").unwrap(),
                s("message").unwrap(),
                s("hint").unwrap()
            )
        })
        .collect();
    assert_eq!(ours, rows);
    let blocks: Vec<&str> = export
        .split("```json\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    let examples = older.get("examples").unwrap();
    assert_eq!(examples.get_str("request_body"), Some(blocks[0]));
    assert_eq!(examples.get_str("response"), Some(blocks[1]));
}

/// Pages cut anywhere, or mangled, give errors or schema trees, never a panic.
#[test]
fn damaged_pages_never_panic() {
    let pages = [
        current_metric_page(),
        read(&fixtures().join("feishu-open-docs/okr-v1/progress_record/create.md")),
    ];
    for page in &pages {
        let chars: Vec<char> = page.chars().collect();
        for cut in (0..chars.len()).step_by(173) {
            let text: String = chars[..cut].iter().collect();
            let _ = import::page_facts("cut.md", &text);
            let doubled: String = chars[..cut].iter().chain(chars[..cut].iter()).collect();
            let _ = import::page_facts("doubled.md", &doubled);
        }
        for (from, to) in [
            ("|", ""),
            ("`", ""),
            ("&nbsp;", ""),
            ("└", "|"),
            ("<br>", "|"),
            ("\n", "\r\n"),
            ("：", ":"),
        ] {
            let _ = import::page_facts("mangled.md", &page.replace(from, to));
        }
    }
    // Nesting deeper than any page has is refused, not recursed into.
    let deep: String = (0..100)
        .map(|d| {
            format!(
                "| {}└ `f{d}` | `x` | 否 | d |\n",
                "&nbsp;&nbsp;".repeat(d + 1)
            )
        })
        .collect();
    let page = current_metric_page().replace(
        "| `semester_id` |",
        &format!("| `root` | `x` | 否 | d |\n{deep}| `semester_id` |"),
    );
    let err = import::page_facts("deep.md", &page)
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than 32 levels"), "{err}");
}

#[test]
fn every_performance_page_imports_into_a_bare_schema_without_a_type_name_clash() {
    // Only the shared files: each page's types meet the types of the pages
    // imported before it, as when the endpoints were first imported.
    let dir = std::env::temp_dir().join(format!("import-bare-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for f in files(&schema_dir(), "yaml") {
        let name = rel(&f, &schema_dir());
        if name == "platform.yaml" || name.ends_with("_shared.yaml") {
            let to = dir.join(&name);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&f, &to).unwrap();
        }
    }
    let portal = fixtures().join("feishu-open-docs/performance-v1");
    let pages: Vec<PathBuf> = files(&portal, "md")
        .into_iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "events"))
        .collect();
    assert_eq!(pages.len(), 21);
    let mut renamed = Vec::new();
    for page in &pages {
        let written =
            import::import_into(&dir, page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        renamed.extend(
            written
                .warnings
                .into_iter()
                .filter(|w| w.contains("is defined by another endpoint")),
        );
    }
    // The schema loads: no two endpoints of a version define one type name.
    let generated = feishu_perf_codegen::generate_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        generated
            .iter()
            .any(|f| f.path.ends_with("stage_task_find_by_user_list.rs"))
    );
    // Clashes were resolved by a prefix: the resource, then the operation;
    // never by a number.
    assert!(!renamed.is_empty());
    for w in &renamed {
        let name = w.rsplit('`').nth(1).unwrap();
        assert!(!name.ends_with(|c: char| c.is_ascii_digit()), "{w}");
    }
    assert!(
        renamed
            .iter()
            .any(|w| w.contains("stage_task") && w.contains("find_by")),
        "{renamed:#?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every text of a row `rows` holds (children and listed values included), with its line.
fn row_texts(rows: &[import::page::Row], out: &mut Vec<(usize, String)>) {
    for r in rows {
        if !r.desc.text.trim().is_empty() {
            out.push((r.pos.line, r.desc.text.trim().to_owned()));
        }
        if let Some((values, pos)) = &r.desc.values {
            for (_, text) in values {
                if !text.trim().is_empty() {
                    out.push((pos.line, text.trim().to_owned()));
                }
            }
        }
        row_texts(&r.children, out);
    }
}

/// Every text the resolved schema documents an endpoint with.
fn documented_texts(
    v: &feishu_perf_codegen::ir::ServiceVersion,
    e: &feishu_perf_codegen::ir::Endpoint,
) -> Vec<String> {
    use feishu_perf_codegen::ir::TypeKind;
    let mut out = Vec::new();
    let fields = e
        .path_params
        .iter()
        .chain(&e.query)
        .chain(e.request_body.iter().flatten())
        .chain(e.response_body.iter().flatten());
    out.extend(fields.map(|f| f.description.clone()));
    for t in e.types.iter().chain(&v.shared_types) {
        out.push(t.description.clone());
        match &t.kind {
            TypeKind::Object(fields) => out.extend(fields.iter().map(|f| f.description.clone())),
            TypeKind::Enum(values) => out.extend(values.iter().map(|(_, _, d)| d.clone())),
        }
    }
    out
}

/// A field's own page text wins over a shared type's: the words a page gives
/// the members of a shared type where a field uses it (`周期中文名称` for the
/// `zh-CN` of a semester's `name`, the links of `user_id_type`'s values) are
/// in the field's documentation, not replaced by the shared type's.
#[test]
fn every_text_of_a_kept_page_is_in_the_generated_documentation() {
    let api = feishu_perf_codegen::load::load_dir(&schema_dir()).unwrap();
    let mut lost = Vec::new();
    let mut checked = 0;
    for k in import::kept_pages(&schema_dir()).unwrap() {
        let page = import::page::parse("page", &read(&k.page)).unwrap();
        let mut texts = Vec::new();
        row_texts(&page.path_params, &mut texts);
        row_texts(&page.query, &mut texts);
        row_texts(&page.body, &mut texts);
        if let Some(data) = &page.data {
            row_texts(&data.children, &mut texts);
        }
        let v = api
            .versions
            .iter()
            .find(|v| v.service == k.target.service && v.version == k.target.version)
            .unwrap();
        let e = v
            .endpoints
            .iter()
            .find(|e| {
                e.source.resource == k.target.resource && e.source.operation == k.target.operation
            })
            .unwrap();
        let documented = documented_texts(v, e);
        for (line, text) in texts {
            checked += 1;
            if !documented.iter().any(|d| d.contains(&text)) {
                lost.push(format!("{}:{line}: {text:?}", k.page.display()));
            }
        }
    }
    assert!(
        lost.is_empty(),
        "{} texts lost:\n{}",
        lost.len(),
        lost.join("\n")
    );
    assert!(checked > 900, "{checked}");
}
