//! Server text shown in an error never carries a configured secret: the app
//! secret and the tokens are cut out of everything a server said (a message,
//! a body's start, a `Location`) before the error is logged or returned, so a
//! server that echoes its request cannot put them into a Display, a Debug or a log.

use serde_json::Value;

use crate::error::Error;

/// What a secret is replaced with.
pub(crate) const REDACTED: &str = "[redacted]";

/// `text` with every occurrence of each of `secrets` replaced by `[redacted]`.
pub(crate) fn text(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
    }
    out
}

fn in_place(field: &mut String, secrets: &[&str]) {
    if secrets.iter().any(|s| !s.is_empty() && field.contains(s)) {
        *field = text(field, secrets);
    }
}

fn in_json(value: &mut Value, secrets: &[&str]) {
    match value {
        Value::String(s) => in_place(s, secrets),
        Value::Array(items) => items.iter_mut().for_each(|v| in_json(v, secrets)),
        Value::Object(map) => map.values_mut().for_each(|v| in_json(v, secrets)),
        _ => {}
    }
}

/// `error` with `secrets` cut out of every piece of server text it holds.
pub(crate) fn error(mut error: Error, secrets: &[&str]) -> Error {
    if secrets.iter().all(|s| s.is_empty()) {
        return error;
    }
    match &mut error {
        Error::Api(api) => {
            in_place(&mut api.msg, secrets);
            if let Some(t) = &mut api.troubleshooter {
                in_place(t, secrets);
            }
            if let Some(l) = &mut api.log_id {
                in_place(l, secrets);
            }
            api.permission_violations
                .iter_mut()
                .chain(api.field_violations.iter_mut())
                .for_each(|v| in_json(v, secrets));
        }
        Error::Authentication { msg, log_id, .. } => {
            in_place(msg, secrets);
            if let Some(l) = log_id {
                in_place(l, secrets);
            }
        }
        Error::Decode {
            body_start,
            reason,
            content_type,
            log_id,
            ..
        } => {
            in_place(body_start, secrets);
            in_place(reason, secrets);
            for field in [content_type, log_id].into_iter().flatten() {
                in_place(field, secrets);
            }
        }
        Error::RateLimited {
            log_id: Some(l), ..
        } => in_place(l, secrets),
        Error::RepeatedPageToken { page_token, .. } => in_place(page_token, secrets),
        Error::Redirect {
            location: Some(l), ..
        } => in_place(l, secrets),
        Error::NotFeishu { reason, .. } => in_place(reason, secrets),
        Error::OutcomeUnknown { source, .. } => {
            let inner = std::mem::replace(source.as_mut(), Error::Config(String::new()));
            **source = self::error(inner, secrets);
        }
        _ => {}
    }
    error
}

/// A URL as shown in an error: scheme, host, port and path only (user info,
/// query and fragment are where a secret could be, and are left out).
pub(crate) fn url(location: &str, base: &reqwest::Url) -> String {
    match base.join(location) {
        Ok(mut url) => {
            let hidden = url.query().is_some() || url.fragment().is_some();
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            if hidden {
                format!("{url} (query withheld)")
            } else {
                url.to_string()
            }
        }
        Err(_) => "an unparsable location".to_owned(),
    }
}

/// A base URL as shown in an error: without user info, query or trailing slash.
pub(crate) fn base_url(base_url: &str) -> String {
    match reqwest::Url::parse(base_url) {
        Ok(parsed) => url(parsed.as_str(), &parsed)
            .trim_end_matches('/')
            .to_owned(),
        Err(_) => base_url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_is_cut_out_of_server_text() {
        let secrets = ["s3cret-app", "t-token"];
        assert_eq!(
            text(
                "echo app_secret=s3cret-app and t-token twice t-token",
                &secrets
            ),
            "echo app_secret=[redacted] and [redacted] twice [redacted]"
        );
        assert_eq!(text("nothing here", &secrets), "nothing here");
        let inner = Error::Authentication {
            code: 10003,
            msg: r#"bad request {"app_secret":"s3cret-app"}"#.into(),
            log_id: None,
        };
        let wrapped = Error::OutcomeUnknown {
            endpoint: "x",
            client_token: None,
            resend_safe: true,
            source: Box::new(inner),
        };
        let shown = error(wrapped, &secrets);
        assert!(!format!("{shown:?}").contains("s3cret-app"), "{shown:?}");
    }

    #[test]
    fn a_location_is_shown_without_user_info_or_query() {
        let base = reqwest::Url::parse("http://127.0.0.1:9/open-apis/x").unwrap();
        assert_eq!(
            url("https://user:pw@other.example/path?token=abc#f", &base),
            "https://other.example/path (query withheld)"
        );
        assert_eq!(url("/moved", &base), "http://127.0.0.1:9/moved");
    }
}
