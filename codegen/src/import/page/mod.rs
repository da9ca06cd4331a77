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
//!
//! Where the reading is: `sections` walks the page (front matter, heading,
//! sections) and places each table and code block, `markdown` splits table
//! rows into cells and reads code blocks, `facts` reads the request's facts,
//! headers and error codes, `fields` turns a field table into a tree, and
//! `description` splits a description cell into its text and facts.

mod description;
mod event;
mod facts;
mod fields;
mod markdown;
mod sections;

use std::fmt;

pub use event::{EventPage, is_event_page, parse_event};
pub use markdown::unescape;

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
}
