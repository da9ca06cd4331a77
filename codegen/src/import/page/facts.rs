//! The tables that are not field trees: the request's facts (`## 请求`: URL,
//! method, rate limit, app types, scopes), the request headers and the error
//! codes.
use super::markdown::{clip, unescape};
use super::{Cell, ErrorRow, Page, Parser};

impl Parser<'_> {
    pub(super) fn info(&mut self, page: &mut Page, rows: &[Vec<Cell>]) {
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

    pub(super) fn headers(&mut self, page: &mut Page, rows: &[Vec<Cell>]) {
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

    pub(super) fn errors_table(&mut self, page: &mut Page, rows: &[Vec<Cell>]) {
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
}

/// `[10 次/分钟](link)` or `10 次/秒`.
pub(super) fn rate_limit(text: &str) -> Option<(u32, String)> {
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
pub(super) fn scope_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
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
