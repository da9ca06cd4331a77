//! Reading a server's answer as hostile input: every header value and every
//! body size is checked before any arithmetic is done with it, so no answer
//! can panic the client or grow its memory without bound.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// The default cap on one response body: 128 MiB.
///
/// The largest documented answer is the additional-information import's echo
/// of up to 1,000 items, each at most 16,299 characters over its six fields
/// (100 + 100 + 9,999 + 1,000 + 100 + 5,000): about 49 MB in three-byte
/// UTF-8 and 98 MB if every character were sent `\u`-escaped. Every other
/// documented page is a few hundred kilobytes at most (50 review templates).
/// 128 MiB is above the worst documented case, and still a bound.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 128 * 1024 * 1024;

/// The cap on a token endpoint's answer (`{code, msg, token, expire}`: well
/// under a kilobyte).
pub(crate) const MAX_TOKEN_RESPONSE_BYTES: u64 = 64 * 1024;

/// The longest wait an `x-ogw-ratelimit-reset` is taken at. The platform's
/// limits are per minute, so a reset beyond five minutes is not believed.
pub(crate) const MAX_RESET: Duration = Duration::from_secs(300);

/// A header as text; a value that is not visible ASCII is ignored (and logged).
pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let value = headers.get(name)?;
    match value.to_str() {
        Ok(text) => Some(text.trim()),
        Err(_) => {
            tracing::warn!(
                header = name,
                "ignoring a header value that is not ASCII text"
            );
            None
        }
    }
}

/// A header holding a non-negative number of seconds (`x-ogw-ratelimit-reset`,
/// `x-ogw-ratelimit-limit`): parsed as a decimal number; a value that is not a
/// finite, non-negative number is ignored, and one above `max` is clamped to
/// `max`, each logged. The one place the client turns a header into a number.
pub(crate) fn header_number(headers: &HeaderMap, name: &str, max: f64) -> Option<f64> {
    let text = header_str(headers, name)?;
    let value = match text.parse::<f64>() {
        // `+ 0.0` turns -0 into 0.
        Ok(value) if value.is_finite() && value >= 0.0 => value + 0.0,
        _ => {
            tracing::warn!(
                header = name,
                value = text,
                "ignoring a header that is not a finite, non-negative number"
            );
            return None;
        }
    };
    if value > max {
        tracing::warn!(
            header = name,
            value = text,
            max,
            "clamping an out-of-range header"
        );
        return Some(max);
    }
    Some(value)
}

/// A redirect's `Location`, resolved against `request_url` and shown without
/// user info, query or fragment; `None` when it names none (or not as text).
pub(crate) fn location(headers: &HeaderMap, request_url: &str) -> Option<String> {
    let location = header_str(headers, "location")?;
    let base = reqwest::Url::parse(request_url).ok()?;
    Some(crate::redact::url(location, &base))
}

/// `x-ogw-ratelimit-reset`: seconds until calls are accepted again, at most [`MAX_RESET`].
pub(crate) fn ratelimit_reset(headers: &HeaderMap) -> Option<Duration> {
    header_number(headers, "x-ogw-ratelimit-reset", MAX_RESET.as_secs_f64())
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
}

/// Why a body could not be read in full.
pub(crate) enum BodyError {
    /// It is longer than the cap (said so by `Content-Length`, or found while reading).
    TooLarge,
    /// The connection broke or the time ran out.
    Read(reqwest::Error),
}

/// Reads a body, stopping as soon as it would pass `limit` bytes: an endless or
/// huge body costs at most `limit` bytes of memory.
pub(crate) async fn read_body(
    response: &mut reqwest::Response,
    limit: u64,
) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(BodyError::TooLarge);
    }
    // Allocate for what the server announced only up to a modest size: the
    // header is not trusted.
    let announced = response.content_length().unwrap_or(0).min(1 << 20);
    let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if (body.len() as u64).saturating_add(chunk.len() as u64) > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The first bytes of a body for an error message: at most `max` bytes, cut
/// at a character boundary when the body is UTF-8, lossily decoded otherwise.
pub(crate) fn body_start(bytes: &[u8], max: usize) -> String {
    let mut end = bytes.len().min(max);
    if let Err(e) = std::str::from_utf8(&bytes[..end])
        && e.error_len().is_none()
    {
        // The cut split a character at the end: drop its first bytes.
        end = e.valid_up_to();
    }
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn reset(value: &[u8]) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-ogw-ratelimit-reset",
            HeaderValue::from_bytes(value).unwrap(),
        );
        ratelimit_reset(&headers)
    }

    #[test]
    fn reset_values_are_clamped_or_ignored() {
        for ignored in [
            &b"-1"[..],
            b"-0.5",
            b"NaN",
            b"nan",
            b"inf",
            b"-inf",
            b"infinity",
            b"",
            b"1s",
            b"0x10",
            b"\xff\xfe",
            b"1e-400x",
        ] {
            assert_eq!(
                reset(ignored),
                None,
                "{:?}",
                String::from_utf8_lossy(ignored)
            );
        }
        for clamped in [&b"1e30"[..], b"99999999999999999999", b"1e308", b"301"] {
            assert_eq!(reset(clamped), Some(MAX_RESET));
        }
        assert_eq!(reset(b" 1.5 "), Some(Duration::from_millis(1500)));
        assert_eq!(reset(b"0"), Some(Duration::ZERO));
        assert_eq!(reset(b"-0"), Some(Duration::ZERO));
        assert_eq!(reset(b"1e-400"), Some(Duration::ZERO));
        assert_eq!(ratelimit_reset(&HeaderMap::new()), None);
    }

    #[test]
    fn body_start_never_splits_a_character() {
        let text = "绩效".repeat(200);
        let start = body_start(text.as_bytes(), 256);
        assert!(!start.contains('\u{fffd}'));
        assert_eq!(start.len(), 255);
        assert_eq!(body_start(b"\xff\xfeabc", 256), "\u{fffd}\u{fffd}abc");
        assert_eq!(body_start(b"", 256), "");
    }
}
