//! The page's layout: front matter, the heading and introduction, then each
//! section after `## 请求`, with every table and code block placed where it
//! belongs (or reported).
use super::markdown::{clip, is_separator};
use super::{Cell, Page, Parser, Pos};

impl Parser<'_> {
    pub(super) fn page(&mut self) -> Page {
        let mut page = Page::default();
        self.front_matter(&mut page);
        // The heading and the introduction.
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
        while self.at < self.lines.len() && self.lines[self.at].trim_end() != "## 请求" {
            if self.lines[self.at].trim_end() == "## 事件" {
                let pos = self.line_pos(self.at);
                self.error(
                    pos,
                    "an event page (`## 事件`), not an endpoint page: `cargo xtask docs import` reads it as an event",
                );
                return page;
            }
            self.at += 1;
        }
        if self.at == self.lines.len() {
            self.error(
                Pos {
                    line: start,
                    column: 1,
                },
                "no `## 请求` section: not an endpoint page",
            );
            return page;
        }
        page.intro = self.lines[start..self.at].join("\n").trim().to_owned();
        self.at += 1;
        self.sections(&mut page);
        page
    }

    pub(super) fn front_matter(&mut self, page: &mut Page) {
        if self.lines.first().map(|l| l.trim_end()) != Some("---") {
            self.error(
                Pos { line: 1, column: 1 },
                "expected front matter starting with `---`",
            );
            return;
        }
        self.at = 1;
        let (mut title, mut full_path) = (false, false);
        loop {
            let Some(line) = self.lines.get(self.at).copied() else {
                self.error(self.line_pos(0), "front matter is not closed with `---`");
                return;
            };
            let pos = self.line_pos(self.at);
            self.at += 1;
            if line.trim_end() == "---" {
                break;
            }
            let Some((key, value)) = line.split_once(':') else {
                self.error(
                    pos,
                    format!("front matter line is not `key: value`: `{line}`"),
                );
                continue;
            };
            let value = value.trim();
            let value = match serde_json::from_str::<String>(value) {
                Ok(v) => v,
                Err(_) => value.to_owned(),
            };
            match key.trim() {
                "title" => {
                    page.title = value;
                    title = true;
                }
                "fullPath" => {
                    page.full_path = value;
                    full_path = true;
                }
                "updateTime" => match value.parse::<u64>() {
                    Ok(ms) => page.update_time_ms = Some(ms),
                    Err(_) => self.error(
                        pos,
                        format!(
                            "`updateTime` must be milliseconds since the epoch, found `{value}`"
                        ),
                    ),
                },
                other => self.error(pos, format!("unknown front matter key `{other}`")),
            }
        }
        for (present, key) in [(title, "title"), (full_path, "fullPath")] {
            if !present {
                self.error(
                    Pos { line: 1, column: 1 },
                    format!("front matter has no `{key}`"),
                );
            }
        }
    }

    /// Everything after `## 请求`.
    pub(super) fn sections(&mut self, page: &mut Page) {
        let mut section = String::from("## 请求");
        let mut seen: Vec<String> = Vec::new();
        let mut section_pos = self.line_pos(self.at - 1);
        while self.at < self.lines.len() {
            let line = self.lines[self.at];
            let pos = self.line_pos(self.at);
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                self.at += 1;
                continue;
            }
            if trimmed.starts_with('#') {
                let known = [
                    "### 请求头",
                    "### 路径参数",
                    "### 查询参数",
                    "### 请求体",
                    "### 请求体示例",
                    "## 响应",
                    "### 响应体",
                    "### 响应体示例",
                    "### 错误码",
                ];
                if !known.contains(&trimmed) {
                    self.error(pos, format!("unknown section `{trimmed}`"));
                } else if seen.iter().any(|s| s == trimmed) {
                    self.error(pos, format!("section `{trimmed}` appears twice"));
                }
                section = trimmed.to_owned();
                seen.push(section.clone());
                section_pos = pos;
                self.at += 1;
                continue;
            }
            if trimmed.starts_with('|') {
                let table = self.table();
                self.place_table(page, &section, section_pos, table);
                continue;
            }
            if trimmed.starts_with("```") {
                let code = self.code_block();
                match section.as_str() {
                    "### 请求体示例" if page.body_example.is_none() => {
                        page.body_example = Some(code)
                    }
                    "### 响应体示例" if page.response_example.is_none() => {
                        page.response_example = Some(code)
                    }
                    _ => self.error(
                        pos,
                        format!("a code block the importer cannot place in `{section}`"),
                    ),
                }
                continue;
            }
            if section == "### 错误码" && trimmed.starts_with("更多错误码信息，参见[通用错误码](")
            {
                // The portal's fixed pointer to the platform-wide codes (schema/platform.yaml).
                self.at += 1;
                continue;
            }
            if let Some(slot) = match section.as_str() {
                "### 路径参数" => Some(&mut page.path_params_text),
                "### 查询参数" => Some(&mut page.query_text),
                "### 请求体" => Some(&mut page.body_text),
                "### 响应体" => Some(&mut page.response_text),
                _ => None,
            } {
                // A remark about the whole table (`注：参数之间是「与」关系`).
                if !slot.is_empty() {
                    slot.push('\n');
                }
                slot.push_str(trimmed);
                self.at += 1;
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
        if page.path_pos == Pos::default() {
            self.error(section_pos, "the page gives no `HTTP URL`");
        }
    }

    pub(super) fn place_table(
        &mut self,
        page: &mut Page,
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
            "## 请求" if expect(&["项目", "值"]) => self.info(page, rows),
            "### 请求头" if expect(&["名称", "类型", "必填", "描述"]) => {
                self.headers(page, rows)
            }
            "### 路径参数"
                if expect(&["名称", "类型", "描述"])
                    || expect(&["名称", "类型", "必填", "描述"]) =>
            {
                page.path_params = self.fields(rows, header.len() == 4, false)
            }
            "### 查询参数" if expect(&["名称", "类型", "必填", "描述"]) => {
                page.query = self.fields(rows, true, false)
            }
            "### 请求体" if expect(&["名称", "类型", "必填", "描述"]) => {
                page.body = self.fields(rows, true, true)
            }
            "### 响应体" if expect(&["名称", "类型", "描述"]) => {
                self.response(page, rows, header_pos)
            }
            "### 错误码" if expect(&["HTTP状态码", "错误码", "描述", "排查建议"]) => {
                self.errors_table(page, rows)
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
}
