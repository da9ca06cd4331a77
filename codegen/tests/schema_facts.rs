//! Facts of the schema that come from elsewhere than a page, each recorded
//! with its source.

use std::path::PathBuf;

use feishu_perf_codegen::model::{EndpointFile, Field, SharedFile};

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("schema")
}

/// The id and time fields of the OKR endpoints that the official Python SDK
/// types as integers (larksuite/oapi-sdk-python, lark_oapi/api/okr/*/model/):
/// (file, where, field).
const PYTHON_INTEGERS: &[(&str, &str, &str)] = &[
    ("okr/v1/_shared.yaml", "metric_item", "updated_at"),
    ("okr/v2/_shared.yaml", "indicator", "id"),
    ("okr/v2/_shared.yaml", "indicator", "create_time"),
    ("okr/v2/_shared.yaml", "indicator", "update_time"),
    ("okr/v2/_shared.yaml", "indicator", "entity_id"),
    ("okr/v2/cycle.list.yaml", "cycle", "id"),
    ("okr/v2/cycle.list.yaml", "cycle", "create_time"),
    ("okr/v2/cycle.list.yaml", "cycle", "update_time"),
    ("okr/v2/cycle.list.yaml", "cycle", "tenant_cycle_id"),
    ("okr/v2/cycle.list.yaml", "cycle", "start_time"),
    ("okr/v2/cycle.list.yaml", "cycle", "end_time"),
    ("okr/v2/cycle_objective.list.yaml", "path", "cycle_id"),
    ("okr/v2/cycle_objective.list.yaml", "objective", "id"),
    (
        "okr/v2/cycle_objective.list.yaml",
        "objective",
        "create_time",
    ),
    (
        "okr/v2/cycle_objective.list.yaml",
        "objective",
        "update_time",
    ),
    ("okr/v2/cycle_objective.list.yaml", "objective", "cycle_id"),
    ("okr/v2/cycle_objective.list.yaml", "objective", "deadline"),
    (
        "okr/v2/cycle_objective.list.yaml",
        "objective",
        "category_id",
    ),
    ("okr/v2/indicator.patch.yaml", "path", "indicator_id"),
    (
        "okr/v2/key_result_indicator.list.yaml",
        "path",
        "key_result_id",
    ),
    (
        "okr/v2/objective_indicator.list.yaml",
        "path",
        "objective_id",
    ),
    (
        "okr/v2/objective_key_result.list.yaml",
        "path",
        "objective_id",
    ),
    ("okr/v2/objective_key_result.list.yaml", "key_result", "id"),
    (
        "okr/v2/objective_key_result.list.yaml",
        "key_result",
        "create_time",
    ),
    (
        "okr/v2/objective_key_result.list.yaml",
        "key_result",
        "update_time",
    ),
    (
        "okr/v2/objective_key_result.list.yaml",
        "key_result",
        "objective_id",
    ),
    (
        "okr/v2/objective_key_result.list.yaml",
        "key_result",
        "deadline",
    ),
];

/// Every field of a schema file with where it is: `path`, `query`, `body`,
/// `response`, or its type's name.
fn fields_of(rel: &str) -> Vec<(String, Field)> {
    let text = std::fs::read_to_string(schema_dir().join(rel)).unwrap();
    let mut out = Vec::new();
    let types = if rel.ends_with("_shared.yaml") {
        serde_saphyr::from_str::<SharedFile>(&text).unwrap().types
    } else {
        let e: EndpointFile = serde_saphyr::from_str(&text).unwrap();
        let tagged = |place: &str, fields: &[Field]| -> Vec<(String, Field)> {
            fields
                .iter()
                .map(|f| (place.to_owned(), f.clone()))
                .collect()
        };
        out.extend(tagged("path", &e.path_params));
        out.extend(tagged("query", &e.query));
        out.extend(tagged(
            "body",
            e.request_body.as_ref().map_or(&[][..], |b| &b.fields),
        ));
        out.extend(tagged(
            "response",
            e.response_body.as_ref().map_or(&[][..], |b| &b.fields),
        ));
        e.types
    };
    for t in types {
        for f in t.fields.unwrap_or_default() {
            out.push((t.name.value.clone(), f));
        }
    }
    out
}

#[test]
fn okr_ids_and_times_record_why_they_are_strings() {
    let mut recorded = Vec::new();
    for dir in ["okr/v1", "okr/v2"] {
        let mut files: Vec<_> = std::fs::read_dir(schema_dir().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml"))
            .collect();
        files.sort();
        for name in files {
            let rel = format!("{dir}/{name}");
            for (place, f) in fields_of(&rel) {
                if let Some(source) = f.sources.get("type") {
                    assert_eq!(f.ty.value, "string", "{rel} {place}.{}", f.name.value);
                    assert!(
                        source.contains("oapi-sdk-go") && source.contains("oapi-sdk-python"),
                        "{rel} {place}.{}: {source}",
                        f.name.value
                    );
                    recorded.push((rel.clone(), place, f.name.value.clone()));
                }
            }
        }
    }
    let expected: Vec<(String, String, String)> = PYTHON_INTEGERS
        .iter()
        .map(|(f, p, n)| (f.to_string(), p.to_string(), n.to_string()))
        .collect();
    recorded.sort();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(recorded, expected_sorted);
}
