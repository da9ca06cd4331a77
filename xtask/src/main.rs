//! Project automation, run as `cargo xtask <command>` from anywhere in the tree.
//!
//! - `cargo xtask codegen`: regenerate `generated/src` and `schema/schema.json` from `schema/`.
//! - `cargo xtask codegen --check`: write nothing; fail naming every stale file.
//! - `cargo xtask schema`: write `schema/schema.json` only.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use feishu_perf_codegen::{OutputFile, generate_dir, json_schema};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["schema"] => write_schema(),
        _ => Err(
            "usage: cargo xtask codegen [--check] | cargo xtask schema\n\n\
             codegen          regenerate generated/src and schema/schema.json from schema/\n\
             codegen --check  fail if any generated file is stale; write nothing\n\
             schema           write schema/schema.json"
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

/// Every file the generator owns: the generated crate's sources and schema.json.
fn expected(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let files = generate_dir(&root.join("schema"))
        .map_err(|e| format!("{e}\n\nerror: the schema has errors; nothing was written"))?;
    let mut out: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|OutputFile { path, contents }| (root.join("generated").join(path), contents))
        .collect();
    out.push((root.join("schema/schema.json"), json_schema()));
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

fn codegen(check: bool) -> Result<(), String> {
    let root = root();
    let expected = expected(&root)?;
    let orphans = orphans(&root, &expected);
    let rel = |p: &Path| p.strip_prefix(&root).unwrap_or(p).display().to_string();
    if check {
        let mut stale = Vec::new();
        for (path, contents) in &expected {
            match std::fs::read_to_string(path) {
                Ok(on_disk) if on_disk == *contents => {}
                Ok(_) => stale.push(format!("  {} is out of date", rel(path))),
                Err(_) => stale.push(format!("  {} is missing", rel(path))),
            }
        }
        stale.extend(
            orphans
                .iter()
                .map(|p| format!("  {} is not generated from the schema", rel(p))),
        );
        if stale.is_empty() {
            println!("{} generated files are up to date", expected.len());
            return Ok(());
        }
        return Err(format!(
            "generated files are stale:\n{}\n\nrun `cargo xtask codegen` and commit the result",
            stale.join("\n")
        ));
    }
    let mut written = 0;
    for (path, contents) in &expected {
        if std::fs::read_to_string(path).ok().as_deref() != Some(contents.as_str()) {
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
