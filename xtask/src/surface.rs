//! The semver class of a change of the generated API, read off two API surface files
//! (`generated/api.txt`, one public item a line): what `cargo xtask docs diff` reports.
//!
//! The rules (docs/semver.md):
//! - an item removed, or changed (its type, its signature, a marker it loses or gains other than
//!   `#[deprecated]`), is **breaking**;
//! - an item added is **additive**, but for a field or a variant added to a struct or enum that is
//!   not `#[non_exhaustive]` (a user's struct literal or exhaustive `match` would break);
//! - an item that only gains `#[deprecated]` is **additive** (it still compiles, with a warning).

use std::collections::BTreeMap;
use std::fmt;

/// The semver class of one change, or of a whole diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Compiles wherever the old API did: a minor release (a patch when nothing was added).
    Additive,
    /// Can break a user's build: a major release (before 1.0, a minor one).
    Breaking,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::Additive => "additive",
            Class::Breaking => "breaking",
        })
    }
}

/// One changed item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its class.
    pub class: Class,
    /// What happened and to what, as one line.
    pub what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<8}  {}", self.class, self.what)
    }
}

/// What identifies an item across versions: its kind and path (`fn performance::v1::X::new`,
/// `field performance::v1::X.year`), or for a trait impl, the trait and the type.
fn key(line: &str) -> String {
    if let Some(rest) = line.strip_prefix("impl ") {
        return format!("impl {}", rest.split(" { ").next().unwrap_or(rest));
    }
    let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
    let end = rest
        .find(['(', '<', ' '])
        .into_iter()
        .chain(rest.find(": "))
        .min()
        .unwrap_or(rest.len());
    format!("{kind} {}", &rest[..end])
}

/// The items of a surface file by key (comments and blank lines skipped).
fn items(surface: &str) -> BTreeMap<String, &str> {
    surface
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| (key(l), l))
        .collect()
}

/// The struct or enum a field or variant belongs to: `struct a::B` for `field a::B.c`.
fn parent(key: &str) -> Option<String> {
    if let Some(path) = key.strip_prefix("field ") {
        let (owner, _) = path.rsplit_once('.')?;
        return Some(format!("struct {owner}"));
    }
    if let Some(path) = key.strip_prefix("variant ") {
        let (owner, _) = path.rsplit_once("::")?;
        return Some(format!("enum {owner}"));
    }
    None
}

/// The renames `new` keeps a deprecated alias for: (module, old name, new name), from its
/// `type a::b::Old = New #[deprecated]` lines.
fn renames(new: &str) -> Vec<(String, String, String)> {
    new.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("type ")?.strip_suffix(" #[deprecated]")?;
            let (path, target) = rest.split_once(" = ")?;
            let (module, old) = path.rsplit_once("::")?;
            let plain =
                |n: &str| !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_');
            (plain(old) && plain(target))
                .then(|| (module.to_owned(), old.to_owned(), target.to_owned()))
        })
        .collect()
}

/// `line` with the type `old` of `module` called `new`, where the line is about an item of
/// `module` (whose types it names unqualified).
fn rename_in(line: &str, module: &str, old: &str, new: &str) -> String {
    let Some((_, rest)) = line.split_once(' ') else {
        return line.to_owned();
    };
    let rest = rest.strip_prefix("ApiRequest for ").unwrap_or(rest);
    if !rest.starts_with(&format!("{module}::")) && !line.starts_with("impl ") {
        return line.to_owned();
    }
    if line.starts_with("impl ") && !line.contains(&format!(" for {module}::")) {
        return line.to_owned();
    }
    let mut out = String::with_capacity(line.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(if word == old { new } else { word.as_str() });
        word.clear();
    };
    for c in line.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Every change from `old` to `new`, removals and changes first, each with its class. A type
/// renamed with its old name kept as a deprecated alias (`type X = NewX #[deprecated]`) is one
/// additive change, and the items that name it are compared under the new name.
pub fn classify(old: &str, new: &str) -> Vec<Change> {
    let old_plain = items(old);
    // An alias the old surface had already is no rename; a rename is of an item `old` had.
    let renames: Vec<_> = renames(new)
        .into_iter()
        .filter(|(module, from, _)| {
            !old_plain.contains_key(&format!("type {module}::{from}"))
                && old_plain
                    .keys()
                    .any(|k| k.ends_with(&format!(" {module}::{from}")))
        })
        .collect();
    let old_renamed: String = old
        .lines()
        .map(|line| {
            renames
                .iter()
                .fold(line.to_owned(), |l, (module, from, to)| {
                    rename_in(&l, module, from, to)
                })
                + "\n"
        })
        .collect();
    let (old_items, new_items) = (items(&old_renamed), items(new));
    let mut changes: Vec<Change> = renames
        .iter()
        .map(|(module, from, to)| Change {
            class: Class::Additive,
            what: format!(
                "renamed  {module}::{from} to {to} (the old name kept as a deprecated alias)"
            ),
        })
        .collect();
    for (key, before) in &old_items {
        match new_items.get(key) {
            None => changes.push(Change {
                class: Class::Breaking,
                what: format!("removed  {before}"),
            }),
            Some(after) if after != before => {
                let only_deprecated = after.replace(" #[deprecated]", "")
                    == before.replace(" #[deprecated]", "")
                    && after.contains(" #[deprecated]");
                changes.push(Change {
                    class: if only_deprecated {
                        Class::Additive
                    } else {
                        Class::Breaking
                    },
                    what: if only_deprecated {
                        format!("deprecated  {after}")
                    } else {
                        format!("changed  {before}\n          to       {after}")
                    },
                });
            }
            Some(_) => {}
        }
    }
    for (key, after) in &new_items {
        if old_items.contains_key(key) {
            continue;
        }
        // The alias of a rename, reported above.
        if renames
            .iter()
            .any(|(m, from, _)| key == &format!("type {m}::{from}"))
        {
            continue;
        }
        // A field or variant of an item that existed and is exhaustive breaks its literals
        // and matches.
        let exhaustive_owner = parent(key).and_then(|owner| {
            let before = old_items.get(&owner)?;
            (!before.contains("#[non_exhaustive]")).then_some(owner)
        });
        changes.push(match exhaustive_owner {
            Some(owner) => Change {
                class: Class::Breaking,
                what: format!("added    {after} (to the exhaustive {owner})"),
            },
            None => Change {
                class: Class::Additive,
                what: format!("added    {after}"),
            },
        });
    }
    changes.sort_by_key(|c| std::cmp::Reverse(c.class));
    changes
}

/// The class of a whole diff: breaking if any change is; `None` when nothing changed.
pub fn overall(changes: &[Change]) -> Option<Class> {
    changes.iter().map(|c| c.class).max()
}

/// What a release carrying the changes must be, under docs/semver.md.
pub fn release(class: Option<Class>) -> &'static str {
    match class {
        None => "no change to the API: any release",
        Some(Class::Additive) => "additive: a minor release",
        Some(Class::Breaking) => "breaking: a major release (a minor one while the version is 0.x)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "\
# header
enum performance::v1::Kind #[non_exhaustive]
enum performance::v1::Closed
field performance::v1::Request.year: Option<i64>
field performance::v1::Request.name: Option<String>
fn performance::v1::Request::new() -> Self
fn performance::v1::Request::year(self, value: i64) -> Self
impl ApiRequest for performance::v1::Request { type Response = Body; }
struct performance::v1::Request #[non_exhaustive]
type performance::v1::Old = Kind
variant performance::v1::Kind::A
variant performance::v1::Closed::X
";

    fn whats(changes: &[Change], class: Class) -> Vec<String> {
        changes
            .iter()
            .filter(|c| c.class == class)
            .map(|c| c.what.clone())
            .collect()
    }

    #[test]
    fn nothing_changed_is_no_change() {
        assert_eq!(classify(OLD, OLD), []);
        assert_eq!(overall(&classify(OLD, OLD)), None);
    }

    #[test]
    fn an_added_field_variant_or_method_is_additive() {
        let new = format!(
            "{OLD}field performance::v1::Request.tag: Option<String>\n\
             fn performance::v1::Request::tag(self, value: impl Into<String>) -> Self\n\
             variant performance::v1::Kind::B\n\
             struct performance::v1::Tag #[non_exhaustive]\n"
        );
        let changes = classify(OLD, &new);
        assert_eq!(overall(&changes), Some(Class::Additive));
        assert_eq!(whats(&changes, Class::Additive).len(), 4, "{changes:#?}");
    }

    #[test]
    fn a_removed_or_changed_item_is_breaking() {
        let new = OLD
            .replace("variant performance::v1::Kind::A\n", "")
            .replace(
                "fn performance::v1::Request::new() -> Self",
                "fn performance::v1::Request::new(name: impl Into<String>) -> Self",
            )
            .replace(
                "field performance::v1::Request.year: Option<i64>",
                "field performance::v1::Request.year: Option<String>",
            );
        let changes = classify(OLD, &new);
        assert_eq!(overall(&changes), Some(Class::Breaking));
        let breaking = whats(&changes, Class::Breaking);
        assert_eq!(breaking.len(), 3, "{changes:#?}");
        assert!(breaking[0].starts_with("changed  field performance::v1::Request.year"));
        assert!(breaking[1].starts_with("changed  fn performance::v1::Request::new()"));
        assert_eq!(breaking[2], "removed  variant performance::v1::Kind::A");
    }

    #[test]
    fn a_variant_of_an_exhaustive_enum_breaks_matches() {
        let new = format!("{OLD}variant performance::v1::Closed::Y\n");
        let changes = classify(OLD, &new);
        assert_eq!(
            whats(&changes, Class::Breaking),
            [
                "added    variant performance::v1::Closed::Y (to the exhaustive enum performance::v1::Closed)"
            ]
        );
    }

    #[test]
    fn a_deprecation_is_additive_and_a_lost_non_exhaustive_is_not() {
        let new = OLD
            .replace(
                "type performance::v1::Old = Kind",
                "type performance::v1::Old = Kind #[deprecated]",
            )
            .replace(
                "struct performance::v1::Request #[non_exhaustive]",
                "struct performance::v1::Request",
            );
        let changes = classify(OLD, &new);
        assert_eq!(
            whats(&changes, Class::Additive),
            ["deprecated  type performance::v1::Old = Kind #[deprecated]"]
        );
        assert_eq!(whats(&changes, Class::Breaking).len(), 1, "{changes:#?}");
    }

    #[test]
    fn a_rename_that_keeps_a_deprecated_alias_is_additive() {
        let new =
            OLD.replace(
                "enum performance::v1::Kind ",
                "enum performance::v1::SemesterKind ",
            )
            .replace(
                "variant performance::v1::Kind::",
                "variant performance::v1::SemesterKind::",
            )
            .replace(
                "type performance::v1::Old = Kind",
                "type performance::v1::Old = SemesterKind",
            ) + "field performance::v1::Request.kind: Option<SemesterKind>\n\
               type performance::v1::Kind = SemesterKind #[deprecated]\n";
        let old = format!("{OLD}field performance::v1::Request.kind: Option<Kind>\n");
        let changes = classify(&old, &new);
        assert_eq!(overall(&changes), Some(Class::Additive), "{changes:#?}");
        assert_eq!(
            whats(&changes, Class::Additive),
            [
                "renamed  performance::v1::Kind to SemesterKind (the old name kept as a deprecated alias)"
            ]
        );
        // Without the alias, the same rename is breaking.
        let without = new.replace(
            "type performance::v1::Kind = SemesterKind #[deprecated]\n",
            "",
        );
        assert_eq!(overall(&classify(&old, &without)), Some(Class::Breaking));
    }

    #[test]
    fn a_trait_impl_is_keyed_by_trait_and_type() {
        let new = OLD.replace("type Response = Body;", "type Response = Other;");
        let changes = classify(OLD, &new);
        assert_eq!(overall(&changes), Some(Class::Breaking));
        assert!(
            changes[0]
                .what
                .contains("impl ApiRequest for performance::v1::Request")
        );
    }
}
