//! `cargo xtask docs`: Feishu portal pages into schema files, and the drift between them.

use std::path::Path;
use std::time::Instant;

use feishu_perf_codegen::import::{self, ImportError};
use feishu_perf_codegen::load::load_dir;

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

/// `docs diff OLD.md NEW.md`.
pub fn diff(old: &str, new: &str) -> Result<(), String> {
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
    Err(format!("{} difference(s)", facts.len()))
}
