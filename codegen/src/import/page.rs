//! Reads one page of the markdown that Feishu's documentation portal exports.
//!
//! The format: front matter (`title`, `fullPath`, `updateTime` in
//! milliseconds), the title as `#`, the introduction, then `## 请求` with a
//! table of facts (URL, method, rate limit, app types, scopes, field scopes)
//! and the sections `### 请求头`, `### 路径参数`, `### 查询参数`, `### 请求体`,
//! `### 请求体示例`, `## 响应`, `### 响应体`, `### 响应体示例`, `### 错误码`.
//! Nesting in the field tables is written `&nbsp;&nbsp;└ name`, two `&nbsp;` a
//! level. A description cell carries its facts after `<br>` breaks:
//! `**示例值**`, `**默认值**`, `**可选值有**` (a list of `` `value`: meaning ``)
//! and `**数据校验规则**` (`长度范围`, `取值范围`, `最大长度`, `最大值`, `正则校验`).
//!
//! Everything on the page is either read into [`Page`] or reported as a
//! [`PageError`] naming its line and column: nothing is skipped silently.

use std::fmt;

/// The deepest nesting a table may have (the portal's deepest is 7).
const MAX_DEPTH: usize = 32;

/// A problem on a page, at a 1-based line and column (columns count characters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PageError {
    /// The page, as it was named to the importer.
    pub page: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What cannot be placed.
    pub message: String,
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.page, self.line, self.column, self.message
        )
    }
}

/// A position on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// The facts of one endpoint page.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Front matter `title`.
    pub title: String,
    /// Front matter `fullPath`: the page's path on the portal.
    pub full_path: String,
    /// Front matter `updateTime`, milliseconds since the epoch.
    pub update_time_ms: Option<u64>,
    /// The `#` heading.
    pub heading: String,
    /// Everything between the heading and `## 请求`, verbatim.
    pub intro: String,
    /// `HTTP URL`, below the host (`/open-apis/...`, `:param` kept as written).
    pub path: String,
    /// Where the URL is.
    pub path_pos: Pos,
    /// `HTTP Method`.
    pub method: String,
    /// `接口频率限制`: calls and unit (`分钟` or `秒`).
    pub rate_limit: Option<(u32, String)>,
    /// `支持的应用类型`.
    pub app_types: Vec<String>,
    /// `权限要求`: (key, display name).
    pub scopes: Vec<(String, String)>,
    /// `字段权限要求`: (key, display name).
    pub field_scopes: Vec<(String, String)>,
    /// Token types named in the `Authorization` header's description.
    pub access_tokens: Vec<String>,
    /// The `Content-Type` header's fixed or example value.
    pub content_type: Option<String>,
    /// `### 路径参数`.
    pub path_params: Vec<Row>,
    /// Text under the path parameters' table.
    pub path_params_text: String,
    /// Text under the query parameters' table.
    pub query_text: String,
    /// Text under the request body's table.
    pub body_text: String,
    /// Text under the response body's table.
    pub response_text: String,
    /// `### 查询参数`.
    pub query: Vec<Row>,
    /// `### 请求体`, as a tree.
    pub body: Vec<Row>,
    /// `### 请求体示例`.
    pub body_example: Option<String>,
    /// The `data` row of `### 响应体` (its children are the response fields).
    pub data: Option<Row>,
    /// `### 响应体示例`.
    pub response_example: Option<String>,
    /// `### 错误码`.
    pub errors: Vec<ErrorRow>,
}

/// One row of a field table, with the rows nested under it.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// Where the name cell is.
    pub pos: Pos,
    /// The wire name.
    pub name: String,
    /// The type as written, unescaped (`imported_metric[]`, `int`, `number(float)`).
    pub ty: String,
    /// Where the type cell is.
    pub ty_pos: Pos,
    /// The `必填` column, when the table has one.
    pub required: Option<bool>,
    /// The description cell.
    pub desc: Description,
    /// Nested rows.
    pub children: Vec<Row>,
}

/// A description cell, split into its text and its facts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Description {
    /// The text that is not one of the facts below, lines joined with `\n`.
    pub text: String,
    /// `**示例值**`, as written.
    pub example: Option<(String, Pos)>,
    /// `**默认值**`, as written (backticks removed).
    pub default: Option<(String, Pos)>,
    /// `**可选值有**`: (value, meaning).
    pub values: Option<(Vec<(String, String)>, Pos)>,
    /// `**数据校验规则**`.
    pub rules: Vec<(Rule, Pos)>,
}

/// One `**数据校验规则**` line.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// `长度范围` / `最大长度` / `最小长度`: characters of a string, items of an array.
    Length(Option<i64>, Option<i64>),
    /// `取值范围` / `最大值` / `最小值`.
    Range(Option<i64>, Option<i64>),
    /// `正则校验`.
    Pattern(String),
}

/// One row of the error table.
#[derive(Debug, Clone)]
pub struct ErrorRow {
    /// Where the row is.
    pub pos: Pos,
    /// `HTTP状态码`.
    pub http_status: u16,
    /// `错误码`.
    pub code: i64,
    /// `描述`: the `msg`.
    pub message: String,
    /// `排查建议`.
    pub hint: String,
}

/// A table cell: its raw text and where it starts.
#[derive(Debug, Clone)]
struct Cell {
    text: String,
    pos: Pos,
}

struct Parser<'a> {
    page: &'a str,
    lines: Vec<&'a str>,
    at: usize,
    errors: Vec<PageError>,
}

/// Reads a page. `name` labels the errors (a path, usually).
pub fn parse(name: &str, text: &str) -> Result<Page, Vec<PageError>> {
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
    let page = p.page();
    if p.errors.is_empty() {
        Ok(page)
    } else {
        p.errors.sort();
        p.errors.dedup();
        Err(p.errors)
    }
}

impl<'a> Parser<'a> {
    fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.errors.push(PageError {
            page: self.page.to_owned(),
            line: pos.line.max(1),
            column: pos.column.max(1),
            message: message.into(),
        });
    }

    fn line_pos(&self, index: usize) -> Pos {
        let line = self.lines.get(index).copied().unwrap_or_default();
        let indent = line.chars().take_while(|c| c.is_whitespace()).count();
        Pos {
            line: index + 1,
            column: indent + 1,
        }
    }

    fn page(&mut self) -> Page {
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
                    "an event page (`## 事件`): events are not supported yet; only endpoint pages import",
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

    fn front_matter(&mut self, page: &mut Page) {
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
    fn sections(&mut self, page: &mut Page) {
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

    /// Reads a table at the current line: header, separator, rows.
    fn table(&mut self) -> Vec<Vec<Cell>> {
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

    fn code_block(&mut self) -> String {
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

    fn place_table(
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

    fn info(&mut self, page: &mut Page, rows: &[Vec<Cell>]) {
        for row in rows {
            if row.len() != 2 {
                self.error(row[0].pos, format!("expected 2 cells, found {}", row.len()));
                continue;
            }
            let (key, value) = (&row[0], &row[1]);
            let text = value.text.trim();
            let label = key.text.split_whitespace().next().unwrap_or_default();
            match label {
                "HTTP" if key.text == "HTTP URL" => {
                    page.path_pos = value.pos;
                    match text.strip_prefix("https://open.feishu.cn") {
                        Some(path) if path.starts_with("/open-apis/") => {
                            page.path = path.to_owned();
                            page.path_pos = value.pos;
                        }
                        _ => self.error(
                            value.pos,
                            format!("a URL outside `https://open.feishu.cn/open-apis/`: `{text}`"),
                        ),
                    }
                }
                "HTTP" if key.text == "HTTP Method" => {
                    if ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&text) {
                        page.method = text.to_owned();
                    } else {
                        self.error(value.pos, format!("unknown HTTP method `{text}`"));
                    }
                }
                "接口频率限制" => match rate_limit(text) {
                    Some(limit) => page.rate_limit = Some(limit),
                    None => self.error(
                        value.pos,
                        format!("a rate limit the importer cannot read: `{}`", clip(text)),
                    ),
                },
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
                    let known = [
                        vec![
                            "权限要求",
                            "调用该",
                            "API",
                            "所需的权限。开启其中任意一项权限即可调用",
                        ],
                        vec![
                            "权限要求",
                            "调用该",
                            "API",
                            "所需的权限。开启其中任意一项权限即可调用",
                            "开启任一权限即可",
                        ],
                    ];
                    if !known.contains(&words) {
                        self.error(key.pos, format!("scope requirement the importer cannot read: `{}` (only \"any one of\" is known)", clip(&key.text)));
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
                _ => self.error(
                    key.pos,
                    format!("unknown request fact `{}`", clip(&key.text)),
                ),
            }
        }
    }

    fn headers(&mut self, page: &mut Page, rows: &[Vec<Cell>]) {
        for row in rows {
            if row.len() != 4 {
                self.error(row[0].pos, format!("expected 4 cells, found {}", row.len()));
                continue;
            }
            let desc = &row[3];
            match row[0].text.as_str() {
                "Authorization" => {
                    let before = desc.text.split("**值格式**").next().unwrap_or_default();
                    let mut rest = before;
                    while let Some(start) = rest.find('`') {
                        let Some(len) = rest[start + 1..].find('`') else {
                            break;
                        };
                        let token = &rest[start + 1..start + 1 + len];
                        if matches!(
                            token,
                            "tenant_access_token" | "user_access_token" | "app_access_token"
                        ) {
                            page.access_tokens.push(token.to_owned());
                        } else {
                            self.error(desc.pos, format!("unknown access token type `{token}`"));
                        }
                        rest = &rest[start + len + 2..];
                    }
                    if page.access_tokens.is_empty() {
                        self.error(
                            desc.pos,
                            "the `Authorization` header names no access token type",
                        );
                    }
                }
                "Content-Type" => {
                    let value = desc
                        .text
                        .strip_prefix("**固定值**：")
                        .or_else(|| desc.text.strip_prefix("**示例值**："))
                        .map(|v| v.trim().trim_matches('"').to_owned());
                    match value {
                        Some(v) => page.content_type = Some(v),
                        None => self.error(
                            desc.pos,
                            format!(
                                "a content type the importer cannot read: `{}`",
                                clip(&desc.text)
                            ),
                        ),
                    }
                }
                other => self.error(row[0].pos, format!("unknown request header `{other}`")),
            }
        }
    }

    /// A field table as a tree. `with_required`: the table has a `必填` column.
    fn fields(&mut self, rows: &[Vec<Cell>], with_required: bool, nested: bool) -> Vec<Row> {
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

    fn row(&mut self, cells: &[Cell], with_required: bool) -> Option<(usize, Row)> {
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
    fn nest(&mut self, flat: Vec<(usize, Row)>) -> Vec<Row> {
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

    fn response(&mut self, page: &mut Page, rows: &[Vec<Cell>], header_pos: Pos) {
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

    fn errors_table(&mut self, page: &mut Page, rows: &[Vec<Cell>]) {
        for cells in rows {
            if cells.len() != 4 {
                self.error(
                    cells[0].pos,
                    format!("expected 4 cells, found {}", cells.len()),
                );
                continue;
            }
            let status = cells[0].text.trim().parse::<u16>();
            let code = cells[1].text.trim().parse::<i64>();
            match (status, code) {
                (Ok(http_status), Ok(code)) => page.errors.push(ErrorRow {
                    pos: cells[0].pos,
                    http_status,
                    code,
                    message: unescape(cells[2].text.trim()),
                    hint: unescape(cells[3].text.trim()),
                }),
                (Err(_), _) => self.error(
                    cells[0].pos,
                    format!("HTTP status `{}` is not a number", cells[0].text),
                ),
                (_, Err(_)) => self.error(
                    cells[1].pos,
                    format!("error code `{}` is not a number", cells[1].text),
                ),
            }
        }
    }

    /// Splits a description cell at `<br>` into text and facts.
    fn description(&mut self, cell: &Cell) -> Description {
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

    fn rule(&mut self, desc: &mut Description, text: &str, pos: Pos) {
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

fn strip_label<'s>(seg: &'s str, labels: &[&str]) -> Option<&'s str> {
    labels.iter().find_map(|l| seg.strip_prefix(l))
}

/// `- \`open_id\`: meaning - \`union_id\`: meaning`, or unquoted `- true: meaning`.
fn value_list(list: &str) -> Result<Vec<(String, String)>, String> {
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
fn item_head(item: &str) -> Option<&str> {
    let end = item.find([':', '：'])?;
    let head = item[..end].trim_end();
    (!head.is_empty()
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'))
    .then_some(head)
}

/// `[10 次/分钟](link)` or `10 次/秒`.
fn rate_limit(text: &str) -> Option<(u32, String)> {
    let inner = match text.strip_prefix('[') {
        Some(rest) => {
            let (label, link) = rest.split_once("](")?;
            link.strip_suffix(')')?;
            label
        }
        None => text,
    };
    let (n, unit) = inner.split_once(" 次/")?;
    let n = n.trim().parse().ok()?;
    matches!(unit, "分钟" | "秒").then(|| (n, unit.to_owned()))
}

/// `` `performance:metric:write` 管理关键指标数据 `okr:okr` 更新 OKR 信息 ``.
fn scope_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len() < 3 || parts.len().is_multiple_of(2) || !parts[0].trim().is_empty() {
        return Err(format!("scopes the importer cannot read: `{}`", clip(text)));
    }
    let mut out = Vec::new();
    for pair in parts[1..].chunks(2) {
        let key = pair[0].trim();
        let desc = pair.get(1).map(|d| d.trim()).unwrap_or_default();
        if key.is_empty() || key.contains(char::is_whitespace) || desc.is_empty() {
            return Err(format!("scopes the importer cannot read: `{}`", clip(text)));
        }
        out.push((key.to_owned(), unescape(desc)));
    }
    Ok(out)
}

/// `&nbsp;&nbsp;└ \`name\`` → (1, "name").
fn name_and_depth(cell: &str) -> Result<(usize, String), String> {
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

fn is_separator(cell: &str) -> bool {
    let t = cell.trim();
    !t.is_empty() && t.chars().all(|c| c == '-' || c == ':')
}

/// Splits `| a | b |` into cells, honouring `\|`, with each cell's column.
fn split_cells(line: &str, line_no: usize) -> Vec<Cell> {
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

fn clip(text: &str) -> String {
    let mut out: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        out.push('…');
    }
    out
}
