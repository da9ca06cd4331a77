//! An event page: front matter, the heading and introduction, `## 前提条件`,
//! `## 事件` (a table of facts: the event type, app types, scopes, field scopes,
//! delivery), `### 事件体` (the v2 envelope's `schema` and `header` rows and the
//! `event` rows, as one field table), `### 事件体示例` and
//! `### 事件订阅示例代码` (the official SDKs' sample code, which states no fact of
//! the event: read past, not kept).
use super::facts::scope_pairs;
use super::markdown::{clip, is_separator, unescape};
use super::{Cell, PageError, Parser, Pos, Row};

/// The facts of one event page.
#[derive(Debug, Clone, Default)]
pub struct EventPage {
    /// Front matter `title`.
    pub title: String,
    /// Front matter `fullPath`.
    pub full_path: String,
    /// Front matter `updateTime`, milliseconds since the epoch.
    pub update_time_ms: Option<u64>,
    /// The `#` heading.
    pub heading: String,
    /// Everything between the heading and the first `##` section.
    pub intro: String,
    /// `## 前提条件`, verbatim.
    pub prerequisites: String,
    /// `事件类型` (`performance.review_data.changed_v2`).
    pub event_type: String,
    /// Where the event type is.
    pub event_type_pos: Pos,
    /// `支持的应用类型`.
    pub app_types: Vec<String>,
    /// `权限要求`: (key, display name); any one suffices.
    pub scopes: Vec<(String, String)>,
    /// `字段权限要求`: (key, display name).
    pub field_scopes: Vec<(String, String)>,
    /// `推送方式`, as written (`Webhook`).
    pub delivery: Vec<String>,
    /// The rows of `### 事件体`: `schema`, `header` (with its rows) and `event`.
    pub body: Vec<Row>,
    /// Where the body table's header is.
    pub body_pos: Pos,
    /// `### 事件体示例`.
    pub example: Option<String>,
}

/// Reads an event page. `name` labels the errors.
pub fn parse_event(name: &str, text: &str) -> Result<EventPage, Vec<PageError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut p = Parser {
        page: name,
        lines,
        at: 0,
        errors: Vec::new(),
    };
    let page = p.event_page();
    if p.errors.is_empty() {
        Ok(page)
    } else {
        p.errors.sort();
        p.errors.dedup();
        Err(p.errors)
    }
}

/// Whether a page is an event page (it has a `## 事件` section).
pub fn is_event_page(text: &str) -> bool {
    text.lines().any(|l| l.trim_end() == "## 事件")
}

impl Parser<'_> {
    fn event_page(&mut self) -> EventPage {
        let mut page = EventPage::default();
        let mut front = super::Page::default();
        self.front_matter(&mut front);
        page.title = front.title;
        page.full_path = front.full_path;
        page.update_time_ms = front.update_time_ms;
        while self.at < self.lines.len() && self.lines[self.at].trim().is_empty() {
            self.at += 1;
        }
        match self.lines.get(self.at) {
            Some(l) if l.starts_with("# ") => {
                page.heading = l[2..].trim().to_owned();
                self.at += 1;
            }
            _ => {
                let pos = self.line_pos(self.at.min(self.lines.len().saturating_sub(1)));
                self.error(pos, "expected the page title as a `# ` heading");
                return page;
            }
        }
        let start = self.at;
        while self.at < self.lines.len() && !self.lines[self.at].starts_with("## ") {
            self.at += 1;
        }
        page.intro = self.lines[start..self.at].join("\n").trim().to_owned();
        let mut section = String::new();
        let mut section_pos = self.line_pos(self.at.min(self.lines.len().saturating_sub(1)));
        let mut seen: Vec<String> = Vec::new();
        let mut prerequisites: Vec<&str> = Vec::new();
        // Where the facts and the body are expected, for the errors that say they are missing.
        let (mut facts_pos, mut body_pos) = (section_pos, section_pos);
        while self.at < self.lines.len() {
            let line = self.lines[self.at];
            let pos = self.line_pos(self.at);
            let trimmed = line.trim_end();
            if trimmed.starts_with('#') {
                const KNOWN: [&str; 5] = [
                    "## 前提条件",
                    "## 事件",
                    "### 事件体",
                    "### 事件体示例",
                    "### 事件订阅示例代码",
                ];
                if !KNOWN.contains(&trimmed) {
                    self.error(pos, format!("unknown section `{trimmed}`"));
                } else if seen.iter().any(|s| s == trimmed) {
                    self.error(pos, format!("section `{trimmed}` appears twice"));
                }
                section = trimmed.to_owned();
                seen.push(section.clone());
                section_pos = pos;
                match trimmed {
                    "## 事件" => facts_pos = pos,
                    "### 事件体" => body_pos = pos,
                    _ => {}
                }
                self.at += 1;
                continue;
            }
            if section == "### 事件订阅示例代码" {
                // The official SDKs' sample code and the words around it.
                if trimmed.starts_with("```") {
                    self.code_block();
                } else {
                    self.at += 1;
                }
                continue;
            }
            if section == "## 前提条件" {
                prerequisites.push(line);
                self.at += 1;
                continue;
            }
            if trimmed.is_empty() {
                self.at += 1;
                continue;
            }
            if trimmed.starts_with('|') {
                let table = self.table();
                self.place_event_table(&mut page, &section, section_pos, table);
                continue;
            }
            if trimmed.starts_with("```") {
                let code = self.code_block();
                if section == "### 事件体示例" && page.example.is_none() {
                    page.example = Some(code);
                } else {
                    self.error(
                        pos,
                        format!("a code block the importer cannot place in `{section}`"),
                    );
                }
                continue;
            }
            self.error(
                pos,
                format!(
                    "text the importer cannot place in `{section}`: `{}`",
                    clip(trimmed)
                ),
            );
            self.at += 1;
        }
        page.prerequisites = prerequisites.join("\n").trim().to_owned();
        if page.event_type.is_empty() {
            self.error(facts_pos, "the page gives no `事件类型`");
        }
        if page.body.is_empty() {
            self.error(body_pos, "the page has no `### 事件体` table");
        }
        page
    }

    fn place_event_table(
        &mut self,
        page: &mut EventPage,
        section: &str,
        section_pos: Pos,
        table: Vec<Vec<Cell>>,
    ) {
        let header: Vec<String> = table[0].iter().map(|c| c.text.clone()).collect();
        let header_pos = table[0].first().map(|c| c.pos).unwrap_or(section_pos);
        if table.len() < 2 || !table[1].iter().all(|c| is_separator(&c.text)) {
            self.error(
                header_pos,
                "a table needs a `| --- |` line under its header",
            );
            return;
        }
        let rows = &table[2..];
        let expect = |cols: &[&str]| header.iter().map(String::as_str).eq(cols.iter().copied());
        match section {
            "## 事件" if expect(&["项目", "值"]) => self.event_facts(page, rows),
            "### 事件体" if expect(&["名称", "类型", "描述"]) => {
                page.body = self.fields(rows, false, true);
                page.body_pos = header_pos;
            }
            _ => self.error(
                header_pos,
                format!(
                    "a table with columns `{}` the importer cannot place in `{section}`",
                    header.join(" | ")
                ),
            ),
        }
    }

    fn event_facts(&mut self, page: &mut EventPage, rows: &[Vec<Cell>]) {
        for row in rows {
            if row.len() != 2 {
                self.error(row[0].pos, format!("expected 2 cells, found {}", row.len()));
                continue;
            }
            let (key, value) = (&row[0], &row[1]);
            let text = value.text.trim();
            let label = key.text.split_whitespace().next().unwrap_or_default();
            match label {
                "事件类型" => {
                    let t = unescape(text.trim_matches('`'));
                    let ok = !t.is_empty()
                        && t.split('.').count() >= 3
                        && t.chars().all(|c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || "._".contains(c)
                        });
                    if ok {
                        page.event_type = t;
                        page.event_type_pos = value.pos;
                    } else {
                        self.error(
                            value.pos,
                            format!("an event type the importer cannot read: `{}`", clip(text)),
                        );
                    }
                }
                "支持的应用类型" => {
                    for t in text.split(',').map(str::trim) {
                        if t == "custom" || t == "isv" {
                            page.app_types.push(t.to_owned());
                        } else {
                            self.error(value.pos, format!("unknown app type `{t}`"));
                        }
                    }
                }
                "权限要求" => {
                    let words: Vec<&str> = key.text.split_whitespace().collect();
                    let known = [vec![
                        "权限要求",
                        "订阅该事件所需的权限，开启其中任意一项权限即可订阅",
                        "开启任一权限即可",
                    ]];
                    if !known.contains(&words) {
                        self.error(
                            key.pos,
                            format!(
                                "scope requirement the importer cannot read: `{}` (only \"any one of\" is known)",
                                clip(&key.text)
                            ),
                        );
                    }
                    match scope_pairs(text) {
                        Ok(pairs) => page.scopes = pairs,
                        Err(m) => self.error(value.pos, m),
                    }
                }
                "字段权限要求" => {
                    const TIP: &str = "&gt; **Tip**: 该接口返回体中存在下列敏感字段，仅当开启对应的权限后才会返回；如果无需获取这些字段，则不建议申请";
                    match text.strip_prefix(TIP) {
                        Some(rest) => match scope_pairs(rest.trim()) {
                            Ok(pairs) => page.field_scopes = pairs,
                            Err(m) => self.error(value.pos, m),
                        },
                        None => self.error(
                            value.pos,
                            format!("field scopes the importer cannot read: `{}`", clip(text)),
                        ),
                    }
                }
                "推送方式" => {
                    for d in text.split(',').map(|d| d.trim().trim_matches('`')) {
                        if d.is_empty() {
                            self.error(value.pos, "an empty delivery method");
                        } else {
                            page.delivery.push(d.to_owned());
                        }
                    }
                }
                _ => self.error(key.pos, format!("unknown event fact `{}`", clip(&key.text))),
            }
        }
    }
}
