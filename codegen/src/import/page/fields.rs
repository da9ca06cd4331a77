//! Field tables (path and query parameters, request and response bodies) as
//! trees: one [`Row`] a field, nested by the `&nbsp;&nbsp;└` depth markers.
use super::markdown::{clip, unescape};
use super::{Cell, Page, Parser, Pos, Row};

/// The deepest nesting a table may have (the portal's deepest is 7).
const MAX_DEPTH: usize = 32;

impl Parser<'_> {
    /// A field table as a tree. `with_required`: the table has a `必填` column.
    pub(super) fn fields(
        &mut self,
        rows: &[Vec<Cell>],
        with_required: bool,
        nested: bool,
    ) -> Vec<Row> {
        let columns = if with_required { 4 } else { 3 };
        let mut flat: Vec<(usize, Row)> = Vec::new();
        for cells in rows {
            if cells.len() != columns {
                self.error(
                    cells[0].pos,
                    format!("expected {columns} cells, found {}", cells.len()),
                );
                continue;
            }
            let Some(row) = self.row(cells, with_required) else {
                continue;
            };
            flat.push(row);
        }
        if !nested && let Some((_, row)) = flat.iter().find(|(d, _)| *d > 0) {
            self.error(row.pos, "nested rows (`└`) in a table of parameters");
        }
        self.nest(flat)
    }

    pub(super) fn row(&mut self, cells: &[Cell], with_required: bool) -> Option<(usize, Row)> {
        let name_cell = &cells[0];
        let (depth, name) = match name_and_depth(&name_cell.text) {
            Ok(v) => v,
            Err(m) => {
                self.error(name_cell.pos, m);
                return None;
            }
        };
        let ty_cell = &cells[1];
        let ty = unescape(ty_cell.text.trim().trim_matches('`'));
        if ty.is_empty() {
            self.error(ty_cell.pos, "empty type");
        }
        let required = if with_required {
            match cells[2].text.trim() {
                "是" => Some(true),
                "否" => Some(false),
                other => {
                    self.error(
                        cells[2].pos,
                        format!("`必填` must be 是 or 否, found `{other}`"),
                    );
                    None
                }
            }
        } else {
            None
        };
        let desc_cell = cells.last().expect("checked length");
        let desc = self.description(desc_cell);
        Some((
            depth,
            Row {
                pos: name_cell.pos,
                name,
                ty,
                ty_pos: ty_cell.pos,
                required,
                desc,
                children: Vec::new(),
            },
        ))
    }

    /// Builds the tree from rows with depths.
    pub(super) fn nest(&mut self, flat: Vec<(usize, Row)>) -> Vec<Row> {
        let mut roots: Vec<Row> = Vec::new();
        // The open path: (depth, row) from the root down.
        let mut stack: Vec<(usize, Row)> = Vec::new();
        fn close(stack: &mut Vec<(usize, Row)>, roots: &mut Vec<Row>, to_depth: usize) {
            while stack.last().is_some_and(|(d, _)| *d >= to_depth) {
                let (_, row) = stack.pop().expect("non-empty");
                match stack.last_mut() {
                    Some((_, parent)) => parent.children.push(row),
                    None => roots.push(row),
                }
            }
        }
        for (depth, row) in flat {
            if depth > MAX_DEPTH {
                self.error(
                    row.pos,
                    format!(
                        "`{}` is nested {depth} deep: more than {MAX_DEPTH} levels",
                        row.name
                    ),
                );
                continue;
            }
            let parent_depth = stack.last().map(|(d, _)| *d);
            let ok = match parent_depth {
                None => depth == 0,
                Some(p) => depth <= p + 1,
            };
            if !ok {
                self.error(
                    row.pos,
                    format!(
                        "`{}` is nested {depth} deep under a row {} deep",
                        row.name,
                        parent_depth.map_or("0".into(), |p| p.to_string())
                    ),
                );
                continue;
            }
            close(&mut stack, &mut roots, depth);
            stack.push((depth, row));
        }
        close(&mut stack, &mut roots, 0);
        roots
    }

    pub(super) fn response(&mut self, page: &mut Page, rows: &[Vec<Cell>], header_pos: Pos) {
        let tree = self.fields(rows, false, true);
        let mut seen = (false, false);
        for row in tree {
            match (row.name.as_str(), row.ty.as_str()) {
                ("code", "int") if row.children.is_empty() => seen.0 = true,
                ("msg", "string") if row.children.is_empty() => seen.1 = true,
                ("data", _) if page.data.is_none() => page.data = Some(row),
                _ => self.error(
                    row.pos,
                    format!(
                        "response row `{}` (`{}`) outside the `code`, `msg`, `data` envelope",
                        row.name, row.ty
                    ),
                ),
            }
        }
        if !(seen.0 && seen.1) {
            self.error(
                header_pos,
                "the response table lacks the `code` (int) and `msg` (string) rows of the envelope",
            );
        }
    }
}

/// `&nbsp;&nbsp;└ \`name\`` → (1, "name").
pub(super) fn name_and_depth(cell: &str) -> Result<(usize, String), String> {
    let mut rest = cell.trim();
    let mut nbsp: usize = 0;
    while let Some(r) = rest.strip_prefix("&nbsp;") {
        nbsp += 1;
        rest = r;
    }
    let depth = if let Some(r) = rest.strip_prefix('└') {
        rest = r.trim_start();
        if nbsp == 0 || !nbsp.is_multiple_of(2) {
            return Err(format!(
                "nesting of {nbsp} `&nbsp;` is not a whole level (two a level)"
            ));
        }
        nbsp / 2
    } else if nbsp > 0 {
        return Err("indented row without `└`".into());
    } else {
        0
    };
    let name = rest.trim().trim_matches('`');
    let name = unescape(name);
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if ok {
        Ok((depth, name))
    } else {
        Err(format!(
            "a field name the importer cannot read: `{}`",
            clip(cell)
        ))
    }
}
