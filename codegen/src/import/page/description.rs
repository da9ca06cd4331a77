//! A description cell split at `<br>` into its text and its facts:
//! `**示例值**`, `**默认值**`, `**可选值有**` and the `**数据校验规则**` lines.
use super::markdown::{clip, unescape};
use super::{Cell, Description, Parser, Pos, Rule};

impl Parser<'_> {
    /// Splits a description cell at `<br>` into text and facts.
    pub(super) fn description(&mut self, cell: &Cell) -> Description {
        const LISTS: &[&str] = &[
            "**可选值有**：",
            "**可选值有：**",
            "**可选项有**：",
            "可选值有：",
            "枚举值：",
        ];
        let mut desc = Description::default();
        let mut text: Vec<String> = Vec::new();
        // Segments with their column.
        let mut segments: Vec<(String, Pos)> = Vec::new();
        let mut offset = 0usize;
        for part in cell.text.split("<br>") {
            let lead = part.chars().take_while(|c| c.is_whitespace()).count();
            segments.push((
                part.trim().to_owned(),
                Pos {
                    line: cell.pos.line,
                    column: cell.pos.column + offset + lead,
                },
            ));
            offset += part.chars().count() + "<br>".len();
        }
        // Several lists in one cell give values that mean different things in
        // different cases: they cannot be one set of allowed values, so they stay
        // in the text, verbatim.
        let lists = segments
            .iter()
            .filter(|(s, _)| strip_label(s, LISTS).is_some())
            .count();
        let mut i = 0;
        while i < segments.len() {
            let (seg, pos) = segments[i].clone();
            i += 1;
            if let Some(rest) = strip_label(&seg, &["**示例值**：", "**示例值：**"]) {
                set_once(self, &mut desc.example, rest.trim(), pos, "示例值");
            } else if let Some(rest) = strip_label(&seg, &["**默认值**：", "**默认值：**"])
            {
                let v = rest.trim();
                let v = v
                    .strip_prefix('`')
                    .and_then(|v| v.strip_suffix('`'))
                    .unwrap_or(v);
                set_once(self, &mut desc.default, v, pos, "默认值");
            } else if let Some(rest) = strip_label(&seg, LISTS) {
                // The list follows on this segment or on the next ones starting with `-`.
                let mut list = rest.trim().to_owned();
                let mut verbatim = seg.clone();
                while i < segments.len() && segments[i].0.starts_with('-') {
                    list.push(' ');
                    list.push_str(&segments[i].0);
                    verbatim.push('\n');
                    verbatim.push_str(&segments[i].0);
                    i += 1;
                }
                if lists > 1 {
                    text.push(verbatim);
                    continue;
                }
                if list.is_empty() {
                    self.error(
                        pos,
                        "`可选值有` is not followed by a list (`- `value`: meaning`)",
                    );
                    continue;
                }
                match value_list(&list) {
                    Ok(values) => desc.values = Some((values, pos)),
                    Err(m) => self.error(pos, m),
                }
            } else if let Some(rest) = strip_label(&seg, &["**数据校验规则**："]) {
                let mut any = !rest.trim().is_empty();
                if any {
                    self.rule(&mut desc, rest.trim(), pos);
                }
                while i < segments.len() && segments[i].0.starts_with('-') {
                    let (rule, rpos) = segments[i].clone();
                    self.rule(&mut desc, &rule, rpos);
                    any = true;
                    i += 1;
                }
                if !any {
                    self.error(pos, "`**数据校验规则**` without a rule");
                }
            } else if !seg.is_empty() {
                text.push(seg);
            }
        }
        desc.text = text
            .iter()
            .map(|t| unescape(t))
            .collect::<Vec<_>>()
            .join("\n");
        return desc;

        fn set_once(
            p: &mut Parser,
            slot: &mut Option<(String, Pos)>,
            value: &str,
            pos: Pos,
            what: &str,
        ) {
            if slot.is_some() {
                p.error(pos, format!("`{what}` given twice"));
            } else {
                *slot = Some((unescape(value), pos));
            }
        }
    }

    pub(super) fn rule(&mut self, desc: &mut Description, text: &str, pos: Pos) {
        let body = text.trim_start_matches('-').trim();
        let (label, value) = match body.split_once('：') {
            Some(v) => v,
            None => {
                self.error(
                    pos,
                    format!(
                        "a validation rule the importer cannot read: `{}`",
                        clip(text)
                    ),
                );
                return;
            }
        };
        let numbers: Vec<&str> = value
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, s)| s)
            .collect();
        let num = |s: &str| s.trim().parse::<i64>().ok();
        let rule = match (label.trim(), numbers.as_slice()) {
            ("长度范围", [a, b]) => num(a)
                .zip(num(b))
                .map(|(a, b)| Rule::Length(Some(a), Some(b))),
            ("取值范围", [a, b]) => num(a)
                .zip(num(b))
                .map(|(a, b)| Rule::Range(Some(a), Some(b))),
            ("最大长度", [a]) => num(a).map(|a| Rule::Length(None, Some(a))),
            ("最小长度", [a]) => num(a).map(|a| Rule::Length(Some(a), None)),
            ("最大值", [a]) => num(a).map(|a| Rule::Range(None, Some(a))),
            ("最小值", [a]) => num(a).map(|a| Rule::Range(Some(a), None)),
            ("正则校验", [p]) => Some(Rule::Pattern((*p).to_owned())),
            _ => None,
        };
        // A length may carry its unit; nothing else may follow the numbers.
        let tail = value.rsplit('`').next().unwrap_or_default().trim();
        let tail_ok = tail.is_empty() || (tail == "字符" && label.trim().contains("长度"));
        match rule {
            Some(rule) if tail_ok => {
                if desc
                    .rules
                    .iter()
                    .any(|(r, _)| std::mem::discriminant(r) == std::mem::discriminant(&rule))
                {
                    self.error(pos, "two validation rules of the same kind");
                }
                desc.rules.push((rule, pos));
            }
            _ => self.error(
                pos,
                format!(
                    "a validation rule the importer cannot read: `{}`",
                    clip(text)
                ),
            ),
        }
    }
}

pub(super) fn strip_label<'s>(seg: &'s str, labels: &[&str]) -> Option<&'s str> {
    labels.iter().find_map(|l| seg.strip_prefix(l))
}

/// `- \`open_id\`: meaning - \`union_id\`: meaning`, or unquoted `- true: meaning`.
pub(super) fn value_list(list: &str) -> Result<Vec<(String, String)>, String> {
    let list = list.trim();
    if !list.starts_with('-') {
        return Err(format!(
            "a list of values the importer cannot read: `{}`",
            clip(list)
        ));
    }
    // Items start at a `-` that begins the list or follows whitespace, and is followed by a value.
    let chars: Vec<(usize, char)> = list.char_indices().collect();
    let mut starts = Vec::new();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if c != '-' {
            continue;
        }
        let before_ok = k == 0 || chars[k - 1].1.is_whitespace();
        let after = list[i + 1..].trim_start();
        let after_ok = after.starts_with('`') || item_head(after).is_some();
        if before_ok && after_ok && list[i + 1..].starts_with(char::is_whitespace) {
            starts.push(i);
        }
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for (n, &s) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(list.len());
        let item = list[s + 1..end].trim();
        let (value, rest) = if let Some(rest) = item.strip_prefix('`') {
            match rest.split_once('`') {
                Some((v, r)) => (v.to_owned(), r),
                None => {
                    return Err(format!(
                        "an unclosed `` ` `` in the value list: `{}`",
                        clip(item)
                    ));
                }
            }
        } else {
            match item_head(item) {
                Some(v) => (v.to_owned(), &item[v.len()..]),
                None => {
                    return Err(format!(
                        "a value the importer cannot read: `{}`",
                        clip(item)
                    ));
                }
            }
        };
        let rest = rest.trim_start();
        let meaning = rest
            .strip_prefix(':')
            .or_else(|| rest.strip_prefix('：'))
            .ok_or_else(|| format!("value `{value}` is not followed by `:` and its meaning"))?;
        if out.iter().any(|(v, _)| *v == value) {
            return Err(format!("value `{value}` is listed twice"));
        }
        out.push((value, unescape(meaning.trim())));
    }
    if out.is_empty() {
        return Err(format!(
            "a list of values the importer cannot read: `{}`",
            clip(list)
        ));
    }
    Ok(out)
}

/// An unquoted value at the start of a list item (`true: ...`): a word followed by `:` or `：`.
pub(super) fn item_head(item: &str) -> Option<&str> {
    let end = item.find([':', '：'])?;
    let head = item[..end].trim_end();
    (!head.is_empty()
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'))
    .then_some(head)
}
