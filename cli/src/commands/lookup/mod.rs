//! The look-ups: `<resource> list` (and `get`) for every endpoint that reads,
//! from one table ([`mod@table`]). Each entry names the endpoint, the options
//! that become its parameters (path or query parameters or body fields, by
//! wire name) and the columns of its table; one mechanism builds the command
//! from the entries, sends the endpoint through the registry (validated by
//! the generated types, paced, retried), walks every page, and prints the
//! items in the chosen format.

use feishu_perf_cli::time::{Zone, format_millis, parse_millis};
use std::marker::PhantomData;

use clap::{Arg, ArgAction, ArgGroup, ArgMatches, FromArgMatches, Subcommand};
use serde_json::{Map, Value};

use super::Context;
use super::registry::{self, Input};
use crate::exit::{Failure, Status};
use crate::note;
use crate::output::Table;

pub mod table;

/// One look-up: `<group> <verb>`. Several entries of one command (one
/// endpoint each) make one command whose options are all of theirs: exactly
/// one of the options that some of them require and the others lack is
/// given, and chooses the entry.
#[derive(Debug)]
pub struct Lookup {
    /// The resource, as the command group (`semesters`).
    pub group: &'static str,
    /// The command under it: `list`, or `get` for one item.
    pub verb: &'static str,
    /// What it lists (the first line is the short help).
    pub about: &'static str,
    /// The endpoint id (`performance.v1.semester.list`).
    pub endpoint: &'static str,
    /// The response field that holds the items (a list endpoint's page names
    /// it too); an object there is one item, and none is none. Empty: the
    /// response's `data` is the one item.
    pub items: &'static str,
    /// The options that become the request's parameters.
    pub filters: &'static [Filter],
    /// The table's (and CSV's) columns.
    pub columns: &'static [Column],
}

/// What a filter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One value, sent as a string.
    One,
    /// A list (`--flag a,b --flag c`): repeated in the query, an array in the body.
    Many,
    /// `true` or `false`, sent as a JSON boolean in the body.
    Bool,
    /// A time: a date or date-time in `--tz`, or milliseconds, sent as milliseconds.
    Time,
    /// An end time: as [`Kind::Time`], a date alone meaning its last millisecond.
    TimeEnd,
}

/// An option of a look-up and the request parameter it sets.
#[derive(Debug)]
pub struct Filter {
    /// The option (`--semester`).
    pub flag: &'static str,
    /// The parameter's wire name (`semester_id`): a path or query parameter
    /// when the endpoint has one of that name, else a field of the body.
    pub wire: &'static str,
    /// What it takes.
    pub kind: Kind,
    /// Whether the endpoint needs it.
    pub required: bool,
    /// The option's help.
    pub help: &'static str,
}

/// A column: a header and where its cell is in an item.
///
/// `path` is `/`-separated wire names; `*` goes through every element of a
/// list (the cells are joined with `,`); a leading `#` counts what the path
/// reaches instead of printing it.
#[derive(Debug)]
pub struct Column {
    /// The header.
    pub name: &'static str,
    /// The path in the item.
    pub path: &'static str,
    /// Milliseconds since the epoch, shown in a table as a date and time in `--tz`.
    pub time: bool,
}

/// A set of look-ups: the performance service's (top level) or another service's.
pub trait Lookups: 'static {
    /// The table.
    const LOOKUPS: &'static [Lookup];
}

/// A look-up the command line asked for, with its options' values.
#[derive(Debug)]
pub struct Chosen<T> {
    /// The look-up.
    pub lookup: &'static Lookup,
    /// The filters given, with their values.
    pub values: Vec<(&'static Filter, Vec<String>)>,
    /// `--page-size`.
    pub page_size: Option<i64>,
    table: PhantomData<T>,
}

impl<T: Lookups> Chosen<T> {
    /// The look-up of `group`, with these values.
    pub fn of(
        group: &str,
        values: Vec<(&'static str, Vec<String>)>,
        page_size: Option<i64>,
    ) -> Option<Chosen<T>> {
        let lookup = T::LOOKUPS
            .iter()
            .find(|l| l.group == group && l.verb == "list")?;
        let values = values
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .filter_map(|(flag, v)| Some((lookup.filters.iter().find(|f| f.flag == flag)?, v)))
            .collect();
        Some(Chosen {
            lookup,
            values,
            page_size,
            table: PhantomData,
        })
    }
}

const PAGE_SIZE: &str = "page-size";

/// The entries of `<group> <verb>`.
fn entries(all: &'static [Lookup], group: &str, verb: &str) -> Vec<&'static Lookup> {
    all.iter()
        .filter(|l| l.group == group && l.verb == verb)
        .collect()
}

/// Each value once, in the order of its first appearance.
fn distinct(values: impl Iterator<Item = &'static str>) -> Vec<&'static str> {
    let mut seen = Vec::new();
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen
}

/// The options some entries of a command require and others lack: exactly one is given.
fn choosers(entries: &[&'static Lookup]) -> Vec<&'static str> {
    let required_by_all = |flag: &str| {
        entries
            .iter()
            .all(|l| l.filters.iter().any(|f| f.flag == flag && f.required))
    };
    distinct(
        entries
            .iter()
            .flat_map(|l| l.filters)
            .filter(|f| f.required && !required_by_all(f.flag))
            .map(|f| f.flag),
    )
}

/// `<group>`, with a command a verb.
fn group_command(all: &'static [Lookup], group: &'static str) -> clap::Command {
    let verbs = distinct(all.iter().filter(|l| l.group == group).map(|l| l.verb));
    let about = entries(all, group, verbs[0])[0].about;
    let short = about.split(". ").next().unwrap_or_default();
    let short = short.trim_end_matches('.');
    clap::Command::new(group)
        .about(short.to_owned())
        .subcommand_required(true)
        .subcommands(
            verbs
                .into_iter()
                .map(|verb| verb_command(&entries(all, group, verb))),
        )
}

/// `<group> <verb>`: the options of its entries.
fn verb_command(entries: &[&'static Lookup]) -> clap::Command {
    let first = entries[0];
    let choosers = choosers(entries);
    let mut command = clap::Command::new(first.verb).about(first.about);
    let mut added = Vec::new();
    for f in entries.iter().flat_map(|l| l.filters) {
        if added.contains(&f.flag) {
            continue;
        }
        added.push(f.flag);
        let arg = Arg::new(f.flag)
            .long(f.flag)
            .help(f.help)
            .required(f.required && !choosers.contains(&f.flag));
        command = command.arg(match f.kind {
            Kind::Many => arg.action(ArgAction::Append).value_delimiter(','),
            Kind::One => arg.action(ArgAction::Set),
            Kind::Bool => arg.action(ArgAction::Set).value_parser(["true", "false"]),
            Kind::Time | Kind::TimeEnd => arg.action(ArgAction::Set),
        });
    }
    if !choosers.is_empty() {
        command = command.group(
            ArgGroup::new("endpoint")
                .args(choosers)
                .required(true)
                .multiple(false),
        );
    }
    if let Some(max) = entries
        .iter()
        .find_map(|l| registry::max_page_size(l.endpoint))
    {
        command = command.arg(
            Arg::new(PAGE_SIZE)
                .long(PAGE_SIZE)
                .value_parser(clap::value_parser!(i64))
                .help(format!(
                    "Items a page (at most {max}; default: the largest); every page is fetched"
                )),
        );
    }
    command
}

impl<T: Lookups> FromArgMatches for Chosen<T> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let missing = || clap::Error::new(clap::error::ErrorKind::MissingSubcommand);
        let (group, matches) = matches.subcommand().ok_or_else(missing)?;
        let (verb, matches) = matches.subcommand().ok_or_else(missing)?;
        // The entry whose required options are all given.
        let given = |f: &Filter| matches.get_many::<String>(f.flag).is_some();
        let lookup = entries(T::LOOKUPS, group, verb)
            .into_iter()
            .find(|l| l.filters.iter().filter(|f| f.required).all(given))
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidSubcommand))?;
        let mut values = Vec::new();
        for f in lookup.filters {
            let given: Vec<String> = matches
                .get_many::<String>(f.flag)
                .map(|v| v.cloned().collect())
                .unwrap_or_default();
            let given = match f.kind {
                Kind::Time | Kind::TimeEnd => {
                    let zone = matches
                        .try_get_one::<Zone>("tz")
                        .ok()
                        .flatten()
                        .cloned()
                        .unwrap_or_default();
                    let end = f.kind == Kind::TimeEnd;
                    given
                        .iter()
                        .map(|v| parse_millis(v, &zone, end).map(|ms| ms.to_string()))
                        .collect::<Result<Vec<String>, String>>()
                        .map_err(|e| {
                            clap::Error::raw(
                                clap::error::ErrorKind::ValueValidation,
                                format!("--{}: {e}\n", f.flag),
                            )
                        })?
                }
                _ => given,
            };
            if !given.is_empty() {
                values.push((f, given));
            }
        }
        let page_size = registry::max_page_size(lookup.endpoint)
            .and_then(|_| matches.get_one::<i64>(PAGE_SIZE).copied());
        Ok(Chosen {
            lookup,
            values,
            page_size,
            table: PhantomData,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl<T: Lookups> Subcommand for Chosen<T> {
    fn augment_subcommands(command: clap::Command) -> clap::Command {
        let groups = distinct(T::LOOKUPS.iter().map(|l| l.group));
        command.subcommands(groups.into_iter().map(|g| group_command(T::LOOKUPS, g)))
    }

    fn augment_subcommands_for_update(command: clap::Command) -> clap::Command {
        Self::augment_subcommands(command)
    }

    fn has_subcommand(name: &str) -> bool {
        T::LOOKUPS.iter().any(|l| l.group == name)
    }
}

impl<T> Chosen<T> {
    /// The request's parameters from the options.
    fn input(&self) -> Input {
        let mut input = Input::default();
        let mut body = Map::new();
        for (f, values) in &self.values {
            if registry::is_path_parameter(self.lookup.endpoint, f.wire) {
                input.path.insert(f.wire.to_owned(), values[0].clone());
            } else if registry::is_query_parameter(self.lookup.endpoint, f.wire) {
                let pairs = values.iter().map(|v| (f.wire.to_owned(), v.clone()));
                input.query.extend(pairs);
            } else {
                let value = match f.kind {
                    Kind::Many => Value::from(values.clone()),
                    Kind::One => Value::from(values[0].clone()),
                    Kind::Bool => Value::Bool(values[0] == "true"),
                    Kind::Time | Kind::TimeEnd => Value::from(values[0].clone()),
                };
                body.insert(f.wire.to_owned(), value);
            }
        }
        if !body.is_empty() {
            input.body = Some(Value::Object(body));
        }
        registry::with_page_size(self.lookup.endpoint, input, self.page_size)
    }
}

/// Runs a look-up: every page, printed in the chosen format. JSON: the items as Feishu returns them.
pub async fn run<T>(ctx: &Context, chosen: &Chosen<T>) -> Result<Status, Failure> {
    let lookup = chosen.lookup;
    let input = chosen.input();
    let items = registry::list_all(ctx.client()?, lookup.endpoint, lookup.items, input)
        .await
        .map_err(|e| Failure::from_sdk(&e, &ctx.base_url))?;
    ctx.output
        .list(&items, &table(lookup.columns, &items, &ctx.zone))?;
    note!("{} {}", items.len(), lookup.group);
    Ok(Status::Success)
}

/// One row an item, one cell a column.
pub fn table(columns: &'static [Column], items: &[Value], zone: &Zone) -> Table {
    let mut table = Table::new(&columns.iter().map(|c| c.name).collect::<Vec<_>>());
    for item in items {
        table.push(
            columns
                .iter()
                .map(|c| {
                    let text = cell(item, c.path);
                    match text.parse::<i64>() {
                        Ok(ms) if c.time && text.len() >= 10 => format_millis(ms, zone),
                        _ => text,
                    }
                })
                .collect(),
        );
    }
    table
}

/// The cell at `path` in `item` (see [`Column`]).
pub fn cell(item: &Value, path: &str) -> String {
    let (count, path) = match path.strip_prefix('#') {
        Some(rest) => (true, rest),
        None => (false, path),
    };
    let mut reached = vec![item];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        reached = reached
            .into_iter()
            .flat_map(|v| match (segment, v) {
                ("*", Value::Array(items)) => items.iter().collect::<Vec<_>>(),
                (name, Value::Object(fields)) => fields.get(name).into_iter().collect(),
                _ => Vec::new(),
            })
            .filter(|v| !v.is_null())
            .collect();
    }
    if count {
        let n: usize = reached
            .iter()
            .map(|v| v.as_array().map_or(1, Vec::len))
            .sum();
        return n.to_string();
    }
    reached.into_iter().map(text).collect::<Vec<_>>().join(",")
}

/// A value as one cell: localised text in Chinese (else English), a list joined by `,`.
fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        Value::Object(fields) => ["zh_cn", "zh-CN", "en_us", "en-US", "ja_jp", "ja-JP"]
            .iter()
            .find_map(|k| fields.get(*k).and_then(Value::as_str))
            .map(str::to_owned)
            .unwrap_or_else(|| value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every entry of both tables.
    fn all() -> impl Iterator<Item = &'static Lookup> {
        table::Performance::LOOKUPS
            .iter()
            .chain(table::Okr::LOOKUPS)
    }

    #[test]
    fn cells_follow_paths_through_lists_and_count() {
        let item = json!({
            "id": "t1",
            "name": {"zh_cn": "模板", "en_us": "template"},
            "title": {"en-US": "Q3"},
            "stages": [{"stage_type": "self_review"}, {"stage_type": "leader_review"}, {}],
            "units": [{"fields": [1, 2]}, {"fields": [3]}, {}],
            "ids": ["a", "b"],
            "n": 3,
            "none": null
        });
        assert_eq!(cell(&item, "/id"), "t1");
        assert_eq!(cell(&item, "/name"), "模板");
        assert_eq!(cell(&item, "/title"), "Q3");
        assert_eq!(
            cell(&item, "/stages/*/stage_type"),
            "self_review,leader_review"
        );
        assert_eq!(cell(&item, "#/units"), "3");
        assert_eq!(cell(&item, "#/units/*/fields"), "3");
        assert_eq!(cell(&item, "/ids"), "a,b");
        assert_eq!(cell(&item, "/n"), "3");
        assert_eq!(cell(&item, "/none"), "");
        assert_eq!(cell(&item, "/missing/deeper"), "");
        assert_eq!(cell(&item, "#/missing"), "0");
    }

    #[test]
    fn every_filter_is_a_parameter_of_its_endpoint() {
        for lookup in all() {
            let entry = registry::entry(lookup.endpoint).unwrap();
            let in_body: Vec<&Filter> = lookup
                .filters
                .iter()
                .filter(|f| !registry::is_query_parameter(lookup.endpoint, f.wire))
                .filter(|f| !registry::is_path_parameter(lookup.endpoint, f.wire))
                .collect();
            if in_body.is_empty() {
                continue;
            }
            let body: Map<String, Value> = in_body
                .iter()
                .map(|f| {
                    let value = match f.kind {
                        Kind::Many => json!(["1"]),
                        Kind::One => json!("1"),
                        Kind::Bool => json!(true),
                        Kind::Time | Kind::TimeEnd => json!("1"),
                    };
                    (f.wire.to_owned(), value)
                })
                .collect();
            let typed = feishu_perf::registry::typed_body(entry.id(), &Value::Object(body))
                .expect("a body parameter, so a body")
                .unwrap();
            for f in in_body {
                assert!(
                    typed.get(f.wire).is_some(),
                    "{} --{}: {} is neither a query parameter nor a body field of {}",
                    lookup.group,
                    f.flag,
                    f.wire,
                    lookup.endpoint
                );
            }
        }
    }

    #[test]
    fn every_column_names_a_field_of_the_pages_example() {
        for lookup in all() {
            let entry = registry::entry(lookup.endpoint).unwrap();
            let example: Value =
                serde_json::from_str(entry.examples.response.expect("an example")).unwrap();
            let items = match (lookup.items, &example["data"][lookup.items]) {
                ("", _) => vec![example["data"].clone()],
                (_, Value::Array(items)) => items.clone(),
                (field, one) => {
                    assert!(one.is_object(), "{}: no {field}", lookup.group);
                    vec![one.clone()]
                }
            };
            for c in lookup.columns {
                let first = c.path.trim_start_matches('#').split('/').nth(1).unwrap();
                assert!(
                    items.iter().any(|i| i.get(first).is_some()),
                    "{}: column {} ({}) is in no item of the example",
                    lookup.group,
                    c.name,
                    c.path
                );
            }
        }
    }

    #[test]
    fn every_lookup_names_a_registered_list_endpoint() {
        for lookup in all() {
            let d = registry::descriptor(lookup.endpoint)
                .unwrap_or_else(|| panic!("{}: no endpoint {}", lookup.group, lookup.endpoint));
            if let Some(pages) = d.pagination {
                assert_eq!(pages.items_field, lookup.items, "{}", lookup.group);
            }
        }
    }

    #[test]
    fn every_path_parameter_is_a_required_option() {
        for lookup in all() {
            let entry = registry::entry(lookup.endpoint).unwrap();
            for p in entry.path_params {
                assert!(
                    lookup
                        .filters
                        .iter()
                        .any(|f| f.wire == p.name && f.required),
                    "{} {}: the path's {} is no required option",
                    lookup.group,
                    lookup.verb,
                    p.name
                );
            }
        }
    }

    #[test]
    fn the_commands_are_well_formed_and_each_entry_can_be_chosen() {
        let top = Chosen::<table::Performance>::augment_subcommands(clap::Command::new("top"));
        top.debug_assert();
        let okr = Chosen::<table::Okr>::augment_subcommands(clap::Command::new("okr"));
        okr.clone().debug_assert();
        // `okr indicators list`: by objective or by key result, not both, not neither.
        let parse = |args: &[&str]| {
            let matches = okr.clone().try_get_matches_from(args)?;
            Chosen::<table::Okr>::from_arg_matches(&matches).map(|c| c.lookup.endpoint)
        };
        let by = |option: &str| parse(&["okr", "indicators", "list", option, "7"]).unwrap();
        assert_eq!(by("--objective"), "okr.v2.objective_indicator.list");
        assert_eq!(by("--key-result"), "okr.v2.key_result_indicator.list");
        let both = [
            "okr",
            "indicators",
            "list",
            "--objective",
            "7",
            "--key-result",
            "8",
        ];
        assert!(parse(&both).is_err());
        assert!(parse(&["okr", "indicators", "list"]).is_err());
        let get = [
            "okr", "items", "get", "--source", "1", "--table", "2", "--item", "3",
        ];
        assert_eq!(parse(&get).unwrap(), "okr.v1.metric_source_table_item.get");
        // Path parameters go in the path.
        let matches = okr.clone().try_get_matches_from(get).unwrap();
        let input = Chosen::<table::Okr>::from_arg_matches(&matches)
            .unwrap()
            .input();
        let path: Vec<(&str, &str)> = input
            .path
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            path,
            [
                ("metric_item_id", "3"),
                ("metric_source_id", "1"),
                ("metric_table_id", "2")
            ]
        );
        assert!(input.query.is_empty() && input.body.is_none(), "{input:?}");
    }
}
