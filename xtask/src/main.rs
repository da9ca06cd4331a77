//! Project automation, run as `cargo xtask <command>` from anywhere in the tree.
//!
//! - `cargo xtask codegen`: regenerate `generated/src` and `schema/schema.json` from `schema/`.
//! - `cargo xtask codegen --check`: write nothing; fail naming every stale file.
//! - `cargo xtask schema`: write `schema/schema.json` only.
//! - `cargo xtask docs import PAGE.md...`: write each page's endpoint schema file and keep the page beside it.
//! - `cargo xtask docs check`: every kept page imported afresh against its schema file; fail on any difference.
//! - `cargo xtask docs diff OLD.md NEW.md`: the differences in facts between two versions of a page,
//!   and what importing the new one does to the generated API, each change additive or breaking.
//! - `cargo xtask docs diff`: the checked-in API surface (`generated/api.txt`) against what the
//!   schema generates now, each change additive or breaking; `--api OLD.txt NEW.txt` for two files.
//! - `cargo xtask build-cost [--runs N] [--idna-adapter VERSION]`: a clean build of a small binary using the SDK, against
//!   the same with `openlark-hr` 0.21 restricted to its `performance` and `okr` features.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use feishu_perf_codegen::emit::readme;
use feishu_perf_codegen::load::load_dir;
use feishu_perf_codegen::{OutputFile, generate_dir, json_schema};

mod build_cost;
mod docs;
mod surface;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["schema"] => write_schema(),
        ["docs", "import", pages @ ..] if !pages.is_empty() => docs::import(&root(), pages),
        ["docs", "check"] => docs::check(&root()),
        ["docs", "diff"] => docs::diff_api_now(&root()),
        ["docs", "diff", "--api", old, new] => docs::diff_api_files(old, new),
        ["docs", "diff", old, new] => docs::diff(&root(), old, new),
        ["build-cost", rest @ ..] => build_cost::run(&root(), rest),
        _ => Err(
            "usage: cargo xtask codegen [--check] | schema | docs import PAGE.md... | docs check | docs diff [OLD.md NEW.md | --api OLD.txt NEW.txt] | build-cost [--runs N] [--idna-adapter VERSION]\n\n\
             codegen            regenerate generated/src and schema/schema.json from schema/\n\
             codegen --check    fail if any generated file is stale; write nothing\n\
             schema             write schema/schema.json\n\
             docs import PAGE   write the page's endpoint schema file (keeping its annotations) and keep the page beside it\n\
             docs check         import every kept page afresh and list how each schema file differs from its page\n\
             docs diff OLD NEW  list the differences in facts between two versions of one page, and the API changes\n\
             docs diff          the API changes of the schema since generated/api.txt, each additive or breaking\n\
             build-cost         time a clean build of a small binary on this SDK against one on openlark-hr 0.21"
                .to_owned(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_owned()
}

/// Every file the generator owns: the generated crate's sources and API surface, schema.json,
/// and the README's endpoint table (the README with that table written afresh).
fn expected(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let files = generate_dir(&root.join("schema"))
        .map_err(|e| format!("{e}\n\nerror: the schema has errors; nothing was written"))?;
    let mut out: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|OutputFile { path, contents }| (root.join("generated").join(path), contents))
        .collect();
    out.push((root.join("schema/schema.json"), json_schema()));
    // The README's endpoint table.
    let api = load_dir(&root.join("schema")).map_err(|e| e.to_string())?;
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path)
        .map_err(|e| format!("{}: {e}", readme_path.display()))?;
    out.push((
        readme_path,
        readme::with_table(&readme, &readme::endpoint_table(&api))?,
    ));
    Ok(out)
}

/// Generated sources on disk that the generator would not write.
fn orphans(root: &Path, expected: &[(PathBuf, String)]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&root.join("generated/src"), &mut found);
    found.retain(|p| !expected.iter().any(|(e, _)| e == p));
    found.sort();
    found
}

/// Whether a file on disk holds `generated` text, whatever its line endings: a checkout that
/// turns `\n` into `\r\n` (`core.autocrlf`) does not make the generated code stale
/// (`.gitattributes` asks for `\n` in the generated files all the same).
fn same_text(on_disk: &str, generated: &str) -> bool {
    on_disk == generated || on_disk.replace("\r\n", "\n") == generated
}

/// What `--check` reports: every generated file that differs from what the
/// schema generates, is missing, or is not generated at all.
fn stale(root: &Path, expected: &[(PathBuf, String)]) -> Vec<String> {
    let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
    let mut stale = Vec::new();
    for (path, contents) in expected {
        match std::fs::read_to_string(path) {
            Ok(on_disk) if same_text(&on_disk, contents) => {}
            Ok(_) => stale.push(format!("  {} is out of date", rel(path))),
            Err(_) => stale.push(format!("  {} is missing", rel(path))),
        }
    }
    stale.extend(
        orphans(root, expected)
            .iter()
            .map(|p| format!("  {} is not generated from the schema", rel(p))),
    );
    stale
}

fn codegen(check: bool) -> Result<(), String> {
    let root = root();
    let expected = expected(&root)?;
    let rel = |p: &Path| p.strip_prefix(&root).unwrap_or(p).display().to_string();
    if check {
        let stale = stale(&root, &expected);
        if stale.is_empty() {
            println!("{} generated files are up to date", expected.len());
            return Ok(());
        }
        return Err(format!(
            "generated files are stale:\n{}\n\nrun `cargo xtask codegen` and commit the result",
            stale.join("\n")
        ));
    }
    let orphans = orphans(&root, &expected);
    let mut written = 0;
    for (path, contents) in &expected {
        if !std::fs::read_to_string(path).is_ok_and(|on_disk| same_text(&on_disk, contents)) {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            std::fs::write(path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
            println!("wrote {}", rel(path));
            written += 1;
        }
    }
    for path in &orphans {
        std::fs::remove_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("removed {}", rel(path));
    }
    println!(
        "{} files checked, {written} written, {} removed",
        expected.len(),
        orphans.len()
    );
    Ok(())
}

fn write_schema() -> Result<(), String> {
    let path = root().join("schema/schema.json");
    std::fs::write(&path, json_schema()).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy of the schema and the generated sources in a scratch directory.
    fn scratch(name: &str) -> PathBuf {
        fn copy(from: &Path, to: &Path) {
            std::fs::create_dir_all(to).unwrap();
            for entry in std::fs::read_dir(from).unwrap() {
                let path = entry.unwrap().path();
                let target = to.join(path.file_name().unwrap());
                if path.is_dir() {
                    copy(&path, &target);
                } else {
                    std::fs::copy(&path, &target).unwrap();
                }
            }
        }
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        copy(&root().join("schema"), &dir.join("schema"));
        copy(&root().join("generated/src"), &dir.join("generated/src"));
        std::fs::copy(
            root().join("generated/api.txt"),
            dir.join("generated/api.txt"),
        )
        .unwrap();
        std::fs::copy(root().join("README.md"), dir.join("README.md")).unwrap();
        dir
    }

    #[test]
    fn check_takes_crlf_line_endings_as_the_same_text() {
        let dir = scratch("crlf");
        let file = dir.join("generated/src/performance/v1/semester_list.rs");
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, text.replace('\n', "\r\n")).unwrap();
        assert_eq!(stale(&dir, &expected(&dir).unwrap()), Vec::<String>::new());
        // A real edit is still found under CRLF.
        std::fs::write(
            &file,
            text.replace('\n', "\r\n").replace("pub year", "pub yr"),
        )
        .unwrap();
        assert_eq!(
            stale(&dir, &expected(&dir).unwrap()),
            ["  generated/src/performance/v1/semester_list.rs is out of date"]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn check_finds_a_readme_endpoint_table_that_differs_from_the_schema() {
        let dir = scratch("readme");
        let readme = dir.join("README.md");
        let text = std::fs::read_to_string(&readme).unwrap();
        let row = "| `performance.v1.semester.list` | `GET /performance/v1/semesters` | `ListSemesterRequest` | 获取周期列表 | 10/min |  |";
        assert!(
            text.contains(row),
            "the README's table has the semester list"
        );
        std::fs::write(&readme, text.replace(row, &row.replace("10/min", "20/min"))).unwrap();
        assert_eq!(
            stale(&dir, &expected(&dir).unwrap()),
            ["  README.md is out of date"]
        );
        // A limit changed in the schema is a stale table too.
        std::fs::write(&readme, &text).unwrap();
        let schema = dir.join("schema/performance/v1/semester.list.yaml");
        let yaml = std::fs::read_to_string(&schema).unwrap();
        assert!(yaml.contains("per_minute: 10"), "{yaml}");
        std::fs::write(&schema, yaml.replace("per_minute: 10", "per_minute: 5")).unwrap();
        let report = stale(&dir, &expected(&dir).unwrap());
        assert!(
            report.contains(&"  README.md is out of date".to_owned()),
            "{report:?}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn check_names_every_hand_edited_missing_or_extra_file() {
        let dir = scratch("stale");
        let edited = dir.join("generated/src/performance/v2/metric_detail_import.rs");
        let text = std::fs::read_to_string(&edited).unwrap();
        std::fs::write(
            &edited,
            text.replace("pub semester_id: String", "pub semester_id: u64"),
        )
        .unwrap();
        std::fs::remove_file(dir.join("generated/src/platform.rs")).unwrap();
        std::fs::write(dir.join("generated/src/extra.rs"), "// hand-written\n").unwrap();
        let report = stale(&dir, &expected(&dir).unwrap());
        assert_eq!(
            report,
            [
                "  generated/src/platform.rs is missing",
                "  generated/src/performance/v2/metric_detail_import.rs is out of date",
                "  generated/src/extra.rs is not generated from the schema",
            ]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
