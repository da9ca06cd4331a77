//! Page tokens, opaque to clients.

/// Page tokens are opaque to clients: here, the hex of `offset:N`.
pub(crate) fn page_token(offset: usize) -> String {
    format!("offset:{offset}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

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
}
