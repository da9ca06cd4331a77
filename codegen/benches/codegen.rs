//! Code generation speed: the real schema, and synthetic schemas of 100 and
//! 1,000 endpoints (each a copy of the metric import with its own names) to
//! show the time is linear in the number of endpoints.
//!
//! Importing: every page of the portal export kept under
//! `codegen/tests/import/feishu-open-docs` (33 endpoints, 2 events, a guide),
//! parsed and built into schema trees.
//!
//! Run with `cargo bench -p feishu-perf-codegen`.

use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use feishu_perf_codegen::{SourceFile, generate, load::read_dir};

/// `n` endpoints in one service version, each with its own types.
fn synthetic(n: usize) -> Vec<SourceFile> {
    let template =
        std::fs::read_to_string(schema_dir().join("performance/v2/metric_detail.import.yaml"))
            .expect("the metric import schema");
    let mut files = vec![
        SourceFile {
            path: "platform.yaml".into(),
            text: std::fs::read_to_string(schema_dir().join("platform.yaml"))
                .expect("platform.yaml"),
        },
        SourceFile {
            path: "bench/v1/_shared.yaml".into(),
            text: std::fs::read_to_string(schema_dir().join("performance/v2/_shared.yaml"))
                .expect("_shared.yaml")
                .replace("service: performance", "service: bench")
                .replace("version: v2", "version: v1"),
        },
    ];
    for i in 0..n {
        let text = template
            .replace("service: performance", "service: bench")
            .replace("version: v2", "version: v1")
            .replace(
                "resource: metric_detail",
                &format!("resource: metric_detail_{i}"),
            )
            .replace(
                "name: ImportMetricDetail",
                &format!("name: ImportMetricDetail{i}"),
            )
            .replace(
                "imported_metric_field",
                &format!("imported_metric_field_{i}"),
            )
            .replace("imported_metric\n", &format!("imported_metric_{i}\n"))
            .replace("imported_metric[]", &format!("imported_metric_{i}[]"));
        files.push(SourceFile {
            path: format!("bench/v1/metric_detail_{i}.import.yaml"),
            text,
        });
    }
    files
}

fn schema_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema"))
}

fn bench(c: &mut Criterion) {
    let real = read_dir(schema_dir()).expect("the schema directory");
    c.bench_function("codegen/real-schema", |b| {
        b.iter(|| generate(&real).expect("the real schema generates"))
    });

    let mut group = c.benchmark_group("codegen/synthetic");
    group.sample_size(10);
    for n in [100, 1_000] {
        let files = synthetic(n);
        assert_eq!(
            generate(&files).expect("synthetic schema generates").len(),
            n + 4
        );
        group.bench_with_input(BenchmarkId::from_parameter(n), &files, |b, files| {
            b.iter(|| generate(files).expect("synthetic schema generates"))
        });
    }
    group.finish();
}

/// Every page of the portal export, read into memory.
fn portal_pages() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("the portal export") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&path).expect("a page");
                out.push((path.display().to_string(), text));
            }
        }
    }
    let mut out = Vec::new();
    walk(
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/import/feishu-open-docs"
        )),
        &mut out,
    );
    out
}

fn bench_import(c: &mut Criterion) {
    let pages = portal_pages();
    assert_eq!(pages.len(), 36);
    c.bench_function("import/36-portal-pages", |b| {
        b.iter(|| {
            let imported = pages
                .iter()
                .filter(|(name, text)| feishu_perf_codegen::import::page_facts(name, text).is_ok())
                .count();
            assert_eq!(imported, 33);
        })
    });
}

criterion_group!(benches, bench, bench_import);
criterion_main!(benches);
