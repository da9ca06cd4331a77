//! The importer behind `cargo xtask docs`: a Feishu portal page to an
//! endpoint's schema file, and the drift between a page and its schema.
//!
//! - [`page`] reads the portal's markdown into facts, or errors naming a line and column.
//! - [`build`] turns the facts into the schema file's tree.
//! - [`merge`] keeps a file's annotations across a re-import and lists the
//!   differences between two sets of page facts.
//! - [`tree`] reads and writes the YAML.
//!
//! The page an endpoint was imported from is kept beside its schema file
//! (`schema/performance/v2/metric_detail.import.md` beside
//! `metric_detail.import.yaml`), byte for byte, so a re-import and the drift
//! check need nothing outside the repository.

pub mod build;
pub mod event;
pub mod merge;
pub mod page;
pub mod tree;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

pub use build::{Context, Target};
pub use page::{Page, PageError};
pub use tree::Node;

/// Why an import failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportError {
    /// Things on the page the importer cannot place.
    Page(Vec<PageError>),
    /// A file of the schema that cannot be read.
    Schema(String),
    /// Annotations whose item left the page: the schema file is not written.
    Orphans {
        /// The schema file.
        file: String,
        /// One line per annotation.
        orphans: Vec<String>,
    },
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Page(errors) => {
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        f.write_str("\n")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            ImportError::Schema(m) => f.write_str(m),
            ImportError::Orphans { file, orphans } => {
                writeln!(
                    f,
                    "{file}: annotations whose item is no longer on the page (move or delete them, then import again):"
                )?;
                for (i, o) in orphans.iter().enumerate() {
                    if i > 0 {
                        f.write_str("\n")?;
                    }
                    write!(f, "  {o}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ImportError {}

/// A page imported in memory.
#[derive(Debug, Clone)]
pub struct Imported {
    /// Where its schema file goes.
    pub target: Target,
    /// The schema file: the page's facts with the existing file's annotations.
    pub tree: Node,
    /// The schema file's text.
    pub yaml: String,
    /// Remarks: names the importer had to choose.
    pub warnings: Vec<String>,
    /// Annotations of the existing file that have no place any more.
    pub orphans: Vec<String>,
}

/// Reads a page and builds its schema tree, without any schema around it.
pub fn page_facts(name: &str, text: &str) -> Result<(Target, Node), ImportError> {
    let page = page::parse(name, text).map_err(ImportError::Page)?;
    let target = Target::of_page(name, &page).map_err(|e| ImportError::Page(vec![e]))?;
    let (tree, _) =
        build::build(name, &page, &target, &Context::default()).map_err(ImportError::Page)?;
    Ok((target, tree))
}

/// Imports one page in memory. `target`: where the schema file goes (derived
/// from the page when `None`); `cx`: the schema file today and its neighbours.
pub fn import_page(
    name: &str,
    text: &str,
    target: Option<Target>,
    cx: &Context,
) -> Result<Imported, ImportError> {
    let page = page::parse(name, text).map_err(ImportError::Page)?;
    let target = match target {
        Some(t) => t,
        None => Target::of_page(name, &page).map_err(|e| ImportError::Page(vec![e]))?,
    };
    let (mut tree, warnings) = build::build(name, &page, &target, cx).map_err(ImportError::Page)?;
    let orphans = match cx.existing {
        Some(old) => merge::merge_endpoint(&mut tree, old),
        None => Vec::new(),
    };
    let yaml = tree.to_yaml(&header(&target));
    Ok(Imported {
        target,
        tree,
        yaml,
        warnings,
        orphans,
    })
}

fn header(target: &Target) -> String {
    format!(
        "# yaml-language-server: $schema=../../schema.json\n\
         # Imported by `cargo xtask docs import` from {0}.md, the portal page kept beside this file.\n\
         # A re-import rewrites the page's facts and keeps the annotations (rust_name, note, notes,\n\
         # an error's name, sources, and the keys a page never gives): edit only those here.\n",
        format_args!("{}.{}", target.resource, target.operation)
    )
}

/// An endpoint that has its page kept in the schema directory.
#[derive(Debug, Clone)]
pub struct KeptPage {
    /// The page, `schema/<service>/<version>/<resource>.<operation>.md`.
    pub page: PathBuf,
    /// Its schema file, the same name ending in `.yaml`.
    pub schema: PathBuf,
    /// Where it sits.
    pub target: Target,
}

/// Every kept page under `schema_dir`, sorted.
pub fn kept_pages(schema_dir: &Path) -> std::io::Result<Vec<KeptPage>> {
    let mut out = Vec::new();
    for service in sorted_dir(schema_dir)? {
        if !service.is_dir() {
            continue;
        }
        for version in sorted_dir(&service)? {
            if !version.is_dir() {
                continue;
            }
            for file in sorted_dir(&version)? {
                let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                let Some(stem) = name.strip_suffix(".md") else {
                    continue;
                };
                let Some((resource, operation)) = stem.split_once('.') else {
                    continue;
                };
                out.push(KeptPage {
                    schema: file.with_extension("yaml"),
                    target: Target {
                        service: file_name(&service),
                        version: file_name(&version),
                        resource: resource.to_owned(),
                        operation: operation.to_owned(),
                    },
                    page: file,
                });
            }
        }
    }
    Ok(out)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn sorted_dir(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    Ok(entries)
}

fn read(path: &Path) -> Result<String, ImportError> {
    std::fs::read_to_string(path)
        .map_err(|e| ImportError::Schema(format!("{}: {e}", path.display())))
}

fn read_tree(path: &Path) -> Result<Option<Node>, ImportError> {
    if !path.exists() {
        return Ok(None);
    }
    let text = read(path)?;
    Node::parse_yaml(&text)
        .map(Some)
        .map_err(|e| ImportError::Schema(format!("{}: {e}", path.display())))
}

/// The schema around `target`: its file today, the version's shared types,
/// and the type names the version's other endpoints define.
pub struct Surroundings {
    /// The schema file today.
    pub existing: Option<Node>,
    /// `_shared.yaml`.
    pub shared: Option<Node>,
    /// Type names of the other endpoint files of the version.
    pub taken: BTreeSet<String>,
}

impl Surroundings {
    /// Reads them from `schema_dir`.
    pub fn read(schema_dir: &Path, target: &Target) -> Result<Surroundings, ImportError> {
        let dir = schema_dir.join(&target.service).join(&target.version);
        let own = dir.join(format!("{}.{}.yaml", target.resource, target.operation));
        let existing = read_tree(&own)?;
        let shared = read_tree(&dir.join("_shared.yaml"))?;
        let mut taken = BTreeSet::new();
        if dir.is_dir() {
            for file in sorted_dir(&dir)
                .map_err(|e| ImportError::Schema(format!("{}: {e}", dir.display())))?
            {
                let is_endpoint = file.extension().is_some_and(|e| e == "yaml")
                    && file != own
                    && !file.ends_with("_shared.yaml");
                if !is_endpoint {
                    continue;
                }
                if let Some(tree) = read_tree(&file)? {
                    for t in tree.get("types").map(Node::as_seq).unwrap_or_default() {
                        if let Some(n) = t.get_str("name") {
                            taken.insert(n.to_owned());
                        }
                    }
                }
            }
        }
        Ok(Surroundings {
            existing,
            shared,
            taken,
        })
    }

    /// The importer's view of them.
    pub fn context(&self) -> Context<'_> {
        Context {
            existing: self.existing.as_ref(),
            shared: self.shared.as_ref(),
            taken: self.taken.clone(),
        }
    }
}

/// Where a page goes in `schema_dir`: beside the kept page with the same
/// portal path, if there is one, else where the page itself says.
pub fn target_in(schema_dir: &Path, name: &str, text: &str) -> Result<Target, ImportError> {
    let page = page::parse(name, text).map_err(ImportError::Page)?;
    for kept in kept_pages(schema_dir).map_err(|e| ImportError::Schema(e.to_string()))? {
        let kept_text = read(&kept.page)?;
        if let Ok(other) = page::parse(&kept.page.display().to_string(), &kept_text)
            && other.full_path == page.full_path
        {
            return Ok(kept.target);
        }
    }
    Target::of_page(name, &page).map_err(|e| ImportError::Page(vec![e]))
}

/// What importing a page into a schema directory did.
#[derive(Debug, Clone)]
pub struct Written {
    /// The schema file written.
    pub schema: PathBuf,
    /// The kept page written.
    pub page: PathBuf,
    /// Whether the schema file's text changed.
    pub changed: bool,
    /// The importer's remarks.
    pub warnings: Vec<String>,
}

/// Imports `page_path` into `schema_dir`: writes the schema file and keeps
/// the page beside it. Nothing is written when the page has errors or an
/// annotation would lose its place.
pub fn import_into(schema_dir: &Path, page_path: &Path) -> Result<Written, ImportError> {
    let name = page_path.display().to_string();
    let bytes =
        std::fs::read(page_path).map_err(|e| ImportError::Schema(format!("{name}: {e}")))?;
    let text = String::from_utf8(bytes.clone()).map_err(|_| {
        ImportError::Page(vec![PageError {
            page: name.clone(),
            line: 1,
            column: 1,
            message: "the page is not UTF-8".into(),
        }])
    })?;
    let target = target_in(schema_dir, &name, &text)?;
    let around = Surroundings::read(schema_dir, &target)?;
    let imported = import_page(&name, &text, Some(target.clone()), &around.context())?;
    let dir = schema_dir.join(&target.service).join(&target.version);
    let schema = dir.join(format!("{}.{}.yaml", target.resource, target.operation));
    if !imported.orphans.is_empty() {
        return Err(ImportError::Orphans {
            file: schema.display().to_string(),
            orphans: imported.orphans,
        });
    }
    let page = schema.with_extension("md");
    std::fs::create_dir_all(&dir)
        .map_err(|e| ImportError::Schema(format!("{}: {e}", dir.display())))?;
    let changed = std::fs::read_to_string(&schema).ok().as_deref() != Some(imported.yaml.as_str());
    std::fs::write(&schema, &imported.yaml)
        .map_err(|e| ImportError::Schema(format!("{}: {e}", schema.display())))?;
    if std::fs::read(&page).ok().as_deref() != Some(bytes.as_slice()) {
        std::fs::write(&page, &bytes)
            .map_err(|e| ImportError::Schema(format!("{}: {e}", page.display())))?;
    }
    Ok(Written {
        schema,
        page,
        changed,
        warnings: imported.warnings,
    })
}

/// The drift check: every endpoint with a kept page, imported afresh in
/// memory and compared with its schema file. One line per difference,
/// prefixed with the schema file; empty when the schema is in step.
pub fn check(schema_dir: &Path) -> Result<Vec<String>, ImportError> {
    let mut out = Vec::new();
    for kept in kept_pages(schema_dir).map_err(|e| ImportError::Schema(e.to_string()))? {
        let rel = kept
            .schema
            .strip_prefix(schema_dir)
            .unwrap_or(&kept.schema)
            .display()
            .to_string();
        let text = read(&kept.page)?;
        let around = Surroundings::read(schema_dir, &kept.target)?;
        let Some(old) = around.existing.as_ref() else {
            out.push(format!(
                "{rel}: missing (its page is kept; run `cargo xtask docs import`)"
            ));
            continue;
        };
        let name = kept.page.display().to_string();
        match import_page(&name, &text, Some(kept.target.clone()), &around.context()) {
            Ok(imported) => {
                for fact in merge::drift(old, &imported.tree) {
                    out.push(format!("{rel}: {fact}"));
                }
                for orphan in imported.orphans {
                    out.push(format!("{rel}: {orphan}"));
                }
            }
            Err(ImportError::Page(errors)) => {
                out.extend(errors.iter().map(|e| e.to_string()));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The differences in page facts between two versions of one page.
pub fn diff_pages(
    old_name: &str,
    old_text: &str,
    new_name: &str,
    new_text: &str,
) -> Result<Vec<String>, ImportError> {
    let (_, old) = page_facts(old_name, old_text)?;
    let (_, new) = page_facts(new_name, new_text)?;
    Ok(merge::drift(&old, &new))
}
