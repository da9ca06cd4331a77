//! Pagination of the performance queries: `page_size` and `page_token` (in
//! the query string, even on POST, unless a page puts them in the body),
//! `has_more`, and a `page_token` only while `has_more` is true.
//!
//! Page tokens are opaque to clients: here, the hex of `offset:N`. They do
//! not expire, so the sandbox never answers 1580108 (page token expired).
//! A `page_size` of 0, where a page's range allows it, is taken as it reads: a
//! page of no items (no page says it means the default).

use serde_json::{Value, json};

use crate::input::{param_invalid, reject};
use crate::state::ApiError;

/// The documented default `page_size` of every paged performance endpoint.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 20;

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    pub(crate) offset: usize,
    pub(crate) size: usize,
}

impl Page {
    /// Reads `page_size` (`min..=max`, default 20) and `page_token`.
    pub(crate) fn parse(
        size: Option<&str>,
        token: Option<&str>,
        min: usize,
        max: usize,
    ) -> Result<Page, ApiError> {
        let size = match size.map(|v| v.trim().parse::<i64>()) {
            None => DEFAULT_PAGE_SIZE,
            Some(Ok(n)) if n >= min as i64 && n <= max as i64 => n as usize,
            Some(_) => {
                return Err(param_invalid(
                    "page_size",
                    size.unwrap_or(""),
                    &format!("must be {min}..{max}"),
                ));
            }
        };
        let offset = match token {
            None | Some("") => 0,
            Some(token) => {
                parse_page_token(token).ok_or_else(|| reject(1580107, "page token invalid"))?
            }
        };
        Ok(Page { offset, size })
    }

    /// This page of `items`, and whether more follow.
    pub(crate) fn cut<T: Clone>(&self, items: &[T]) -> (Vec<T>, bool) {
        let page: Vec<T> = items
            .iter()
            .skip(self.offset)
            .take(self.size)
            .cloned()
            .collect();
        let more = self.offset.saturating_add(page.len()) < items.len();
        (page, more)
    }

    /// The answer `{key: [this page of items], has_more, page_token}` of a
    /// query that returns a list as it is stored.
    pub(crate) fn answer(&self, key: &str, items: &[Value]) -> Value {
        let (items, has_more) = self.cut(items);
        let mut data = json!({ key: items });
        self.finish(&mut data, has_more);
        data
    }

    /// Sets `has_more`, and `page_token` when it is true, in `data`.
    pub(crate) fn finish(&self, data: &mut Value, has_more: bool) {
        data["has_more"] = json!(has_more);
        if has_more {
            data["page_token"] = json!(page_token(self.offset + self.size));
        }
    }
}

/// The token of the page starting at `offset`.
pub(crate) fn page_token(offset: usize) -> String {
    format!("offset:{offset}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The offset a token names; `None` for anything this sandbox did not issue.
pub(crate) fn parse_page_token(token: &str) -> Option<usize> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_reject_garbage() {
        assert_eq!(parse_page_token(&page_token(40)), Some(40));
        assert_eq!(parse_page_token("zz"), None);
        assert_eq!(parse_page_token("6f6666"), None);
    }

    #[test]
    fn pages_cut_and_say_whether_more_follow() {
        let items: Vec<usize> = (0..45).collect();
        let page = Page::parse(Some("20"), None, 1, 50).unwrap();
        assert_eq!(page.cut(&items), ((0..20).collect(), true));
        let last = Page::parse(None, Some(&page_token(40)), 1, 50).unwrap();
        assert_eq!(last.cut(&items), ((40..45).collect(), false));
        assert_eq!(
            Page::parse(Some("0"), None, 0, 50).unwrap().size,
            0,
            "read as written"
        );
        assert!(Page::parse(Some("0"), None, 1, 50).is_err());
        assert!(Page::parse(Some("51"), None, 1, 50).is_err());
    }
}
