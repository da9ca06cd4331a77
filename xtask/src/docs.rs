//! `cargo xtask docs`: Feishu portal pages into schema files, and the drift between them.

use std::path::Path;
use std::time::Instant;

use feishu_perf_codegen::emit::surface::SURFACE_FILE;
use feishu_perf_codegen::generate_dir;
use feishu_perf_codegen::import::{self, ImportError};
use feishu_perf_codegen::load::load_dir;

use crate::surface;

/// `docs import PAGE.md...`: each page's schema file, then a load of the whole schema.
pub fn import(root: &Path, pages: &[&str]) -> Result<(), String> {
    let schema = root.join("schema");
    let start = Instant::now();
    let mut failed = Vec::new();
    for page in pages {
        let result = match std::fs::read_to_string(page) {
            Ok(text) if import::page::is_event_page(&text) => {
                import::event::import_event_into(&schema, Path::new(page), &text)
            }
            _ => import::import_into(&schema, Path::new(page)),
        };
        match result {
            Ok(written) => {
                let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
                println!(
                    "{} {} (page kept as {})",
                    if written.changed {
                        "wrote"
                    } else {
                        "unchanged"
                    },
                    rel(&written.schema),
                    rel(&written.page)
                );
                for w in &written.warnings {
                    println!("  note: {w}");
                }
            }
            Err(e) => failed.push(e.to_string()),
        }
    }
    println!(
        "{} page(s) imported in {:.1} ms",
        pages.len() - failed.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    if !failed.is_empty() {
        return Err(failed.join("\n"));
    }
    // A schema file the generator cannot take is reported now, not at the next codegen.
    load_dir(&schema).map_err(|e| {
        format!("{e}\n\nerror: the imported schema does not load; fix it with annotations, then run `cargo xtask codegen`")
    })?;
    println!("the schema loads; run `cargo xtask codegen` to regenerate");
    Ok(())
}

/// `docs check`: every difference between a kept page and its schema file.
pub fn check(root: &Path) -> Result<(), String> {
    let mut facts = import::check(&root.join("schema")).map_err(|e| e.to_string())?;
    facts.extend(import::event::check_events(&root.join("schema")).map_err(|e| e.to_string())?);
    if facts.is_empty() {
        let n = import::kept_pages(&root.join("schema"))
            .map(|p| p.len())
            .unwrap_or_default()
            + import::event::kept_event_pages(&root.join("schema"))
                .map(|p| p.len())
                .unwrap_or_default();
        println!("{n} schema files match their kept pages");
        return Ok(());
    }
    Err(format!(
        "{}\n\n{} difference(s) between the kept pages and the schema: re-import the page \
         (`cargo xtask docs import schema/<service>/<version>/<file>.md`) after updating it, \
         or record a decision as an annotation",
        facts.join("\n"),
        facts.len()
    ))
}

/// `docs diff OLD.md NEW.md`: the differences in facts between two versions of a page, then,
/// when the page is one of the schema's endpoints, what importing the new version into the
/// schema would do to the generated API (each change of `generated/api.txt` with its class).
pub fn diff(root: &Path, old: &str, new: &str) -> Result<(), String> {
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}"));
    let facts = import::diff_pages(old, &read(old)?, new, &read(new)?)
        .map_err(|e: ImportError| e.to_string())?;
    if facts.is_empty() {
        println!("no differences in facts");
        return Ok(());
    }
    for f in &facts {
        println!("{f}");
    }
    match api_after_import(root, Path::new(new)) {
        Ok((before, after)) => {
            println!("\nthe generated API, with {new} imported into the schema:");
            print_api_diff(&before, &after);
        }
        Err(e) => println!("\n(no API diff: {e})"),
    }
    Err(format!("{} difference(s)", facts.len()))
}

/// `docs diff`: the checked-in API surface (`generated/api.txt`) against the one the schema
/// generates now, so that a schema edit shows its semver class before it is regenerated.
pub fn diff_api_now(root: &Path) -> Result<(), String> {
    let path = root.join("generated").join(SURFACE_FILE);
    let before = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let after = surface_of(&root.join("schema"))?;
    print_api_diff(&before, &after);
    Ok(())
}

/// `docs diff --api OLD.txt NEW.txt`: two API surface files.
pub fn diff_api_files(old: &str, new: &str) -> Result<(), String> {
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}"));
    print_api_diff(&read(old)?, &read(new)?);
    Ok(())
}

fn print_api_diff(before: &str, after: &str) {
    let changes = surface::classify(before, after);
    for c in &changes {
        println!("{c}");
    }
    println!("semver: {}", surface::release(surface::overall(&changes)));
}

/// The API surface the schema in `schema_dir` generates.
pub fn surface_of(schema_dir: &Path) -> Result<String, String> {
    let files = generate_dir(schema_dir).map_err(|e| e.to_string())?;
    files
        .into_iter()
        .find(|f| f.path == SURFACE_FILE)
        .map(|f| f.contents)
        .ok_or_else(|| "the generator wrote no API surface".to_owned())
}

/// The API surface of the schema as it is, and with `page` imported into a scratch copy of it.
fn api_after_import(root: &Path, page: &Path) -> Result<(String, String), String> {
    let schema = root.join("schema");
    let scratch = std::env::temp_dir().join(format!("xtask-docs-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    copy_dir(&schema, &scratch).map_err(|e| format!("copying the schema: {e}"))?;
    let result = import::import_into(&scratch, page)
        .map_err(|e| e.to_string())
        .and_then(|_| Ok((surface_of(&schema)?, surface_of(&scratch)?)));
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_owned()
    }

    /// A kept page with one allowed value removed and one added, imported into a copy of the
    /// schema: the API diff names the removed variant as breaking and the new one as additive.
    #[test]
    fn a_page_that_drops_an_allowed_value_is_a_breaking_change() {
        let root = root();
        let kept = root.join("schema/performance/v1/semester.list.md");
        let text = std::fs::read_to_string(&kept).unwrap();
        let changed = text.replace(" - `Bimonth`: 双月", "").replace(
            " - `Non-standard`: 非标准周期",
            " - `Non-standard`: 非标准周期 - `Decade`: 十年",
        );
        assert_ne!(changed, text, "the page lists the values this test edits");
        let dir = std::env::temp_dir().join(format!("xtask-docs-diff-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let page = dir.join("semester.list.md");
        std::fs::write(&page, changed).unwrap();
        let (before, after) = api_after_import(&root, &page).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let changes = surface::classify(&before, &after);
        let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert!(
            lines
                .iter()
                .any(|l| l
                    .starts_with("breaking  removed  variant performance::v1::TypeGroup::Bimonth")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l
                    .starts_with("additive  added    variant performance::v1::TypeGroup::Decade")),
            "{lines:#?}"
        );
        assert_eq!(surface::overall(&changes), Some(surface::Class::Breaking));
    }
}
