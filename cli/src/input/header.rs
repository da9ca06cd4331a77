//! The header of an input file checked against a job's columns: every
//! problem found at once, the nearest known name suggested for a slip.

use super::Column;
use super::cells::{self, Kind};

/// Columns a rejects file adds to the input's own; an input file may carry
/// them (a rejects file fixed and imported as it is), and they are ignored.
pub const REJECT_COLUMNS: [&str; 3] = ["line", "code", "reason"];

/// Read-only columns the exports and `metrics template` add for the person
/// editing the sheet: recognised, kept (a rejects file shows them) and never sent.
pub const NAME_COLUMNS: [&str; 7] = [
    "reviewee_name",
    "department",
    "metric_name",
    "field_name",
    "field_type",
    "current_field_value",
    "current_field_value_person",
];

/// The columns a person fills in a template; a row with all of them empty
/// is a row left blank, skipped and counted, not rejected.
pub const FILL_COLUMNS: [&str; 2] = ["field_value", "field_value_person"];

/// A checked header.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    /// Cells in the header row, the ignored ones included.
    pub width: usize,
    /// Positions of the kept cells.
    pub keep: Vec<usize>,
    /// Names of the kept cells.
    pub kept: Vec<String>,
    /// For each of the job's columns, where it is among the kept ones.
    pub map: Vec<Option<usize>>,
    /// What each cell position holds, by its header (`None`: ignored or free text).
    pub kinds: Vec<Option<Kind>>,
    /// Whether the file is a template (it has [`NAME_COLUMNS`] and [`FILL_COLUMNS`]).
    pub template: bool,
    /// Positions of the [`FILL_COLUMNS`].
    pub fill: Vec<usize>,
}

/// The job's columns as a header line; `[]` around those that may be left out.
pub fn expected(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|c| {
            if c.required {
                c.name.to_owned()
            } else {
                format!("[{}]", c.name)
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Checks the header: every column known, a name column, a `#` column, a
/// column without a header, or one of [`REJECT_COLUMNS`] (the last three
/// dropped); none twice; every required one present. Returns the header as
/// far as it could be matched, and every problem.
pub(crate) fn match_header(cells: &[&str], columns: &[Column]) -> (Header, Vec<String>) {
    let found = cells.join(",");
    let wanted = expected(columns);
    let mut problems = Vec::new();
    let mut head = Header {
        width: cells.len(),
        keep: Vec::new(),
        kept: Vec::new(),
        map: vec![None; columns.len()],
        kinds: vec![None; cells.len()],
        template: false,
        fill: Vec::new(),
    };
    let mut names = false;
    for (i, &cell) in cells.iter().enumerate() {
        let name = cell.trim_start_matches('\u{feff}').trim();
        if name.is_empty() || name.starts_with('#') || REJECT_COLUMNS.contains(&name) {
            continue;
        }
        if NAME_COLUMNS.contains(&name) && !columns.iter().any(|c| c.name == name) {
            if head.kept.iter().any(|k| k == name) {
                problems.push(format!(
                    "column `{name}` appears twice; the header is `{found}`"
                ));
                continue;
            }
            names = true;
            head.keep.push(i);
            head.kept.push(name.to_owned());
            continue;
        }
        let Some(c) = columns.iter().position(|c| c.name == name) else {
            let hint = closest(name, columns)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            problems.push(format!(
                "unknown column `{name}`{hint}; the header is `{found}`, expected `{wanted}` \
                 (columns in [] may be left out; `line`, `code` and `reason` of a rejects file, \
                 the name columns of an export or template, and any column whose header starts \
                 with `#` are ignored: rename it `#{name}` to keep it)"
            ));
            continue;
        };
        if head.map[c].is_some() {
            problems.push(format!(
                "column `{name}` appears twice; the header is `{found}`, expected `{wanted}`"
            ));
            continue;
        }
        head.map[c] = Some(head.kept.len());
        head.kinds[i] = cells::kind(name);
        if FILL_COLUMNS.contains(&name) {
            head.fill.push(i);
        }
        head.keep.push(i);
        head.kept.push(name.to_owned());
    }
    head.template = names && !head.fill.is_empty();
    for (column, _) in columns
        .iter()
        .zip(&head.map)
        .filter(|(c, m)| c.required && m.is_none())
    {
        problems.push(format!(
            "the header has no `{}` column; the header is `{found}`, expected `{wanted}` \
             (columns in [] may be left out)",
            column.name
        ));
    }
    (head, problems)
}

/// The known column nearest to `name` (by edit distance), if it is near enough to be a slip.
fn closest(name: &str, columns: &[Column]) -> Option<&'static str> {
    let name = name.to_lowercase();
    columns
        .iter()
        .map(|c| (edit_distance(&name, c.name), c.name))
        .filter(|&(d, c)| d <= c.len() / 2 || c.contains(name.as_str()) && !name.is_empty())
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}
