//! Markdown as the portal writes it: table rows split into cells (with each
//! cell's column), code blocks, escapes and HTML entities.
use super::{Cell, Parser, Pos};

impl Parser<'_> {
    /// Reads a table at the current line: header, separator, rows.
    pub(super) fn table(&mut self) -> Vec<Vec<Cell>> {
        let mut rows = Vec::new();
        while self.at < self.lines.len() && self.lines[self.at].trim_start().starts_with('|') {
            let mut cells = split_cells(self.lines[self.at], self.at + 1);
            if cells.is_empty() {
                cells.push(Cell {
                    text: String::new(),
                    pos: self.line_pos(self.at),
                });
            }
            rows.push(cells);
            self.at += 1;
        }
        rows
    }

    pub(super) fn code_block(&mut self) -> String {
        let open = self.at;
        self.at += 1;
        let start = self.at;
        while self.at < self.lines.len() && self.lines[self.at].trim_end() != "```" {
            self.at += 1;
        }
        if self.at == self.lines.len() {
            let pos = self.line_pos(open);
            self.error(pos, "code block is not closed with ```");
            return String::new();
        }
        let mut text = self.lines[start..self.at].join("\n");
        text.push('\n');
        self.at += 1;
        text
    }
}

pub(super) fn is_separator(cell: &str) -> bool {
    let t = cell.trim();
    !t.is_empty() && t.chars().all(|c| c == '-' || c == ':')
}

/// Splits `| a | b |` into cells, honouring `\|`, with each cell's column.
pub(super) fn split_cells(line: &str, line_no: usize) -> Vec<Cell> {
    let chars: Vec<char> = line.chars().collect();
    let mut cells = Vec::new();
    let mut i = chars.iter().position(|&c| c == '|').map_or(0, |p| p + 1);
    let mut start = i;
    let mut cur = String::new();
    while i < chars.len() {
        match chars[i] {
            '\\' if chars.get(i + 1) == Some(&'|') => {
                cur.push_str("\\|");
                i += 2;
                continue;
            }
            '|' => {
                let lead = cur.chars().take_while(|c| c.is_whitespace()).count();
                cells.push(Cell {
                    text: cur.trim().to_owned(),
                    pos: Pos {
                        line: line_no,
                        column: start + lead + 1,
                    },
                });
                cur.clear();
                start = i + 1;
            }
            c => cur.push(c),
        }
        i += 1;
    }
    if !cur.trim().is_empty() {
        let lead = cur.chars().take_while(|c| c.is_whitespace()).count();
        cells.push(Cell {
            text: cur.trim().to_owned(),
            pos: Pos {
                line: line_no,
                column: start + lead + 1,
            },
        });
    }
    cells
}

/// Markdown escapes and the HTML entities the portal writes, decoded.
pub fn unescape(text: &str) -> String {
    let text = text
        .replace("&nbsp;", " ")
        .replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && next.is_ascii_punctuation()
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

pub(super) fn clip(text: &str) -> String {
    let mut out: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        out.push('…');
    }
    out
}
