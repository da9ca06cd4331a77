//! The client against a hostile server on loopback: out-of-range headers,
//! mutated bodies, any 429, huge and endless bodies, pages that never end,
//! answers that never come. No answer may panic the client, hang it or grow
//! its memory without bound; each ends in a typed result.

mod common;

use std::time::Duration;

use common::hostile::{Hostile, Reply, http, json, token_ok};
use feishu_perf::okr::v1::{
    PATCH_METRIC_SOURCE_TABLE_ITEM_EXAMPLES, PatchMetricSourceTableItemRequest,
    PatchMetricSourceTableItemRequestBody,
};
use feishu_perf::performance::v2::{
    AdditionalInformation, IMPORT_ADDITIONAL_INFORMATION_EXAMPLES, IMPORT_METRIC_DETAIL_EXAMPLES,
    ImportAdditionalInformationRequest, ImportAdditionalInformationRequestBody,
    ImportMetricDetailRequest, ImportMetricDetailRequestBody, ImportedMetric, ImportedMetricField,
    QUERY_REVIEW_TEMPLATE_EXAMPLES, QueryReviewTemplateRequest,
};
use feishu_perf::prelude::*;
use feishu_perf::{Pacing, RetryPolicy};
use futures::StreamExt;

/// The guard around each call: far above what any call here needs, even on a
/// loaded machine; reaching it means the client hung.
const HANG: Duration = Duration::from_secs(60);

fn import() -> ImportMetricDetailRequest {
    ImportMetricDetailRequest::new(ImportMetricDetailRequestBody::new(
        "7293040702907514899",
        vec![ImportedMetric::new(
            "ou_3245842393d09e9428ad4655da6e30b3",
            "7272580325522276372",
            vec![ImportedMetricField::new("7283776005142675476").field_value("100")],
        )],
    ))
}

fn information() -> ImportAdditionalInformationRequest {
    ImportAdditionalInformationRequest::new(
        ImportAdditionalInformationRequestBody::new("7348736302176534547").additional_informations(
            vec![AdditionalInformation::new(
                "ou_3245842393d09e9428ad4655da6e30b3",
                "业绩补充说明",
                "2024-03-12",
                "销售额增长目标超额完成",
            )],
        ),
    )
}

fn patch() -> PatchMetricSourceTableItemRequest {
    PatchMetricSourceTableItemRequest::new("7041857032248410131", "7041857032248410131", "704")
        .body(PatchMetricSourceTableItemRequestBody::new().metric_current_value(2.0))
}

/// A client of the hostile server with the fixed `retry` policy.
fn client(server: &Hostile, retry: RetryPolicy) -> Client {
    Client::builder()
        .app("cli_hostile", "secret")
        .base_url(server.base_url())
        .pacing(Pacing::Off)
        .retry(retry)
        .build()
        .unwrap()
}

async fn guarded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG, call)
        .await
        .expect("the call hung on a hostile answer")
}

const HOSTILE_NUMBERS: &[&str] = &[
    "-1",
    "-0.5",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "infinity",
    "1e30",
    "1e308",
    "-1e308",
    "99999999999999999999",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "9223372036854775807",
    "0",
    "-0",
    "0.000000001",
    "1e-400",
    "",
    " ",
    "0x10",
    "1,5",
    "½",
];

#[tokio::test]
async fn out_of_range_rate_limit_resets_never_panic() {
    let server = Hostile::start().await;
    let ok = IMPORT_METRIC_DETAIL_EXAMPLES.response.unwrap().as_bytes();
    let client = client(&server, RetryPolicy::none());
    for value in HOSTILE_NUMBERS {
        // A 200 whose write was applied: the header must not break it.
        server.set_api([Reply::Raw(http(
            200,
            &[("x-ogw-ratelimit-reset", value.as_bytes())],
            ok,
        ))]);
        let data = guarded(client.send(import()))
            .await
            .unwrap_or_else(|e| panic!("reset {value:?} on a 200: {e}"));
        assert!(data.import_record_id.is_some());
        // A 429: rate limited, with the reset clamped to at most five minutes or ignored.
        server.set_api([Reply::Raw(http(
            429,
            &[("x-ogw-ratelimit-reset", value.as_bytes())],
            br#"{"code":99991400,"msg":"request trigger frequency limit"}"#,
        ))]);
        let err = guarded(client.send(import())).await.unwrap_err();
        let Error::RateLimited { reset_after, .. } = &err else {
            panic!("reset {value:?} on a 429: {err}")
        };
        assert!(
            reset_after.is_none_or(|d| d <= Duration::from_secs(300)),
            "{value:?}: {reset_after:?}"
        );
    }
}

#[tokio::test]
async fn out_of_range_token_lifetimes_never_panic() {
    let server = Hostile::start().await;
    server.set_api([json(IMPORT_METRIC_DETAIL_EXAMPLES.response.unwrap())]);
    // Every call fetches a token: the cache keeps none.
    let client = Client::builder()
        .app("cli_hostile", "secret")
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .token_cache(std::sync::Arc::new(NoCache))
        .build()
        .unwrap();
    for expire in [
        "18446744073709551615",
        "9223372036854775807",
        "-1",
        "1e308",
        "-1e308",
        "\"7200\"",
        "null",
        "0",
    ] {
        server.set_token(json(&format!(
            r#"{{"code":0,"msg":"ok","tenant_access_token":"t-1","expire":{expire}}}"#
        )));
        let result = guarded(client.send(import())).await;
        assert!(result.is_ok(), "expire {expire}: {result:?}");
    }
}

#[tokio::test]
async fn any_429_is_rate_limiting_whatever_its_body() {
    let server = Hostile::start().await;
    let bodies: [(&str, &[u8]); 6] = [
        (
            "text/html",
            b"<html><body>429 Too Many Requests</body></html>",
        ),
        ("text/plain", b""),
        ("application/octet-stream", b"\xff\xfe\x00garbage"),
        ("application/json", br#"{"code":0,"msg":"ok","data":{}}"#),
        ("application/json", br#"{"code":1580101,"msg":"internal"}"#),
        ("application/json", b"[1,2"),
    ];
    let (once, retrying) = (
        client(&server, RetryPolicy::none()),
        client(&server, RetryPolicy::default()),
    );
    for (content_type, body) in bodies {
        let limited = Reply::Raw(http(
            429,
            &[
                ("content-type", content_type.as_bytes()),
                ("x-ogw-ratelimit-reset", b"0"),
            ],
            body,
        ));
        server.set_api([limited.clone()]);
        let err = guarded(once.send(import())).await.unwrap_err();
        assert!(
            matches!(err, Error::RateLimited { .. }),
            "{content_type} {body:?}: {err}"
        );
        assert!(err.is_retryable() && !err.is_outcome_unknown());
        // With retries, it is waited out and retried like any rate limit.
        server.set_api([
            limited,
            json(IMPORT_METRIC_DETAIL_EXAMPLES.response.unwrap()),
        ]);
        let before = server.api_requests();
        guarded(retrying.send(import()))
            .await
            .unwrap_or_else(|e| panic!("{content_type} {body:?}: {e}"));
        assert_eq!(server.api_requests() - before, 2);
    }
}

#[tokio::test]
async fn bodies_past_the_cap_end_with_a_typed_error() {
    assert_eq!(feishu_perf::DEFAULT_MAX_RESPONSE_BYTES, 128 * 1024 * 1024);
    let server = Hostile::start().await;
    let capped = |server: &Hostile| {
        Client::builder()
            .app("cli_hostile", "secret")
            .base_url(server.base_url())
            .retry(RetryPolicy::none())
            .max_response_bytes(1 << 20)
            .build()
            .unwrap()
    };
    // Announced by Content-Length: refused before it is read.
    let big = vec![b' '; (1 << 20) + 1];
    server.set_api([Reply::Raw(http(200, &[], &big))]);
    let err = guarded(capped(&server).send(QueryReviewTemplateRequest::new()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { status: 200, limit, .. } if limit == 1 << 20),
        "{err}"
    );
    // Endless, with no length: reading stops at the cap.
    let endless = Reply::Endless {
        head: b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n"
            .to_vec(),
    };
    server.set_api([endless.clone()]);
    let err = guarded(capped(&server).send(QueryReviewTemplateRequest::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err}");
    // Chunked and endless, to a write: the write may have been applied.
    server.set_api([Reply::EndlessChunked {
        head: b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec(),
    }]);
    let err = guarded(capped(&server).send(import())).await.unwrap_err();
    let Error::OutcomeUnknown { source, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        matches!(**source, Error::ResponseTooLarge { .. }),
        "{source}"
    );
    // A body just under the cap is read.
    let mut fits = QUERY_REVIEW_TEMPLATE_EXAMPLES
        .response
        .unwrap()
        .as_bytes()
        .to_vec();
    fits.resize(1 << 20, b' ');
    server.set_api([Reply::Raw(http(200, &[], &fits))]);
    guarded(capped(&server).send(QueryReviewTemplateRequest::new()))
        .await
        .unwrap();
    // A token endpoint's endless answer stops at the token answer's own cap.
    server.set_token(endless);
    let err = guarded(capped(&server).send(QueryReviewTemplateRequest::new()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                endpoint: "auth.v3",
                ..
            }
        ),
        "{err}"
    );
}

/// A template page: `has_more` true and the next page's token.
fn page(token: &str) -> Reply {
    json(&format!(
        r#"{{"code":0,"msg":"success","data":{{"review_templates":[{{"review_template_id":"t-{token}"}}],"has_more":true,"page_token":"{token}"}}}}"#
    ))
}

#[tokio::test]
async fn a_repeated_page_token_ends_the_walk_with_an_error() {
    let server = Hostile::start().await;
    server.set_api([page("a"), page("same")]);
    let client = client(&server, RetryPolicy::none());
    let items: Vec<_> = guarded(client.paginate(QueryReviewTemplateRequest::new()).collect()).await;
    assert_eq!(items.len(), 4, "{items:?}");
    assert!(items[..3].iter().all(Result::is_ok));
    let Err(Error::RepeatedPageToken {
        page_token, pages, ..
    }) = &items[3]
    else {
        panic!("{:?}", items[3])
    };
    assert_eq!((page_token.as_str(), *pages), ("same", 3));
    assert_eq!(server.api_requests(), 3);
    // `pages` stops the same way.
    let pages: Vec<_> = guarded(client.pages(QueryReviewTemplateRequest::new()).collect()).await;
    assert!(matches!(
        pages.last(),
        Some(Err(Error::RepeatedPageToken { .. }))
    ));
}

#[tokio::test]
async fn endless_pages_end_at_the_page_budget() {
    let server = Hostile::start().await;
    // Distinct tokens, empty pages, has_more forever.
    server.set_api((0..1000).map(|i| {
        json(&format!(
            r#"{{"code":0,"msg":"success","data":{{"review_templates":[],"has_more":true,"page_token":"p{i}"}}}}"#
        ))
    }));
    let client = Client::builder()
        .app("cli_hostile", "secret")
        .base_url(server.base_url())
        .pacing(Pacing::Off)
        .max_pages(25)
        .build()
        .unwrap();
    let items: Vec<_> = guarded(client.paginate(QueryReviewTemplateRequest::new()).collect()).await;
    assert_eq!(items.len(), 1, "no items, then the error");
    assert!(
        matches!(
            items[0],
            Err(Error::PageBudgetExceeded { max_pages: 25, .. })
        ),
        "{:?}",
        items[0]
    );
    assert_eq!(server.api_requests(), 25);
    assert_eq!(feishu_perf::DEFAULT_MAX_PAGES, 10_000);
}

#[tokio::test]
async fn the_total_budget_bounds_an_attempt_in_flight() {
    let server = Hostile::start().await;
    server.set_api([Reply::Silent]);
    // Each attempt may take an hour; the whole call may take 300 ms. Without a
    // bound on the attempt in flight the call would outlive the guard.
    let budget = Duration::from_millis(300);
    let client = Client::builder()
        .app("cli_hostile", "secret")
        .base_url(server.base_url())
        .timeout(Duration::from_secs(3600))
        .retry(RetryPolicy {
            max_elapsed: budget,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let err = guarded(client.send(QueryReviewTemplateRequest::new()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after, .. } if after == budget),
        "{err}"
    );
    // A write cut off by the budget: its outcome is unknown, and said so.
    let err = guarded(client.send(import())).await.unwrap_err();
    assert!(
        err.is_outcome_unknown() && err.client_token().is_some(),
        "{err}"
    );

    // Attempts of 200 ms in a budget of 500 ms: no more than three start,
    // however slow the machine (a slow machine only makes fewer).
    let before = server.api_requests();
    let client = Client::builder()
        .app("cli_hostile", "secret")
        .base_url(server.base_url())
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(1),
            max_elapsed: Duration::from_millis(500),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let err = guarded(client.send(QueryReviewTemplateRequest::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    let attempts = server.api_requests() - before;
    assert!((1..=3).contains(&attempts), "{attempts} attempts");
}

// ---- the fuzz loop ----

/// splitmix64: a seeded sequence, so a failing case can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// One mutation of a JSON body.
fn mutate(rng: &mut Rng, body: &mut Vec<u8>) {
    match rng.below(10) {
        // Cut anywhere, also inside a multi-byte character.
        0 => body.truncate(rng.below(body.len() + 1)),
        1 => {
            if !body.is_empty() {
                let at = rng.below(body.len());
                body[at] = rng.next() as u8;
            }
        }
        2 => {
            let at = rng.below(body.len() + 1);
            let n = 1 + rng.below(8);
            let junk = rng.bytes(n);
            body.splice(at..at, junk);
        }
        // Replace a number with an extreme one.
        3 | 4 => {
            let digits: Vec<usize> = (0..body.len())
                .filter(|&i| body[i].is_ascii_digit() && (i == 0 || !body[i - 1].is_ascii_digit()))
                .collect();
            if !digits.is_empty() {
                let start = *rng.pick(&digits);
                let end = (start..body.len())
                    .find(|&i| !body[i].is_ascii_digit())
                    .unwrap_or(body.len());
                let number = rng.pick(HOSTILE_NUMBERS).as_bytes().to_vec();
                body.splice(start..end, number);
            }
        }
        // Replace a string's content: long, non-ASCII, invalid UTF-8, escapes.
        5 => {
            let quotes: Vec<usize> = (0..body.len()).filter(|&i| body[i] == b'"').collect();
            if quotes.len() >= 2 {
                let i = rng.below(quotes.len() - 1);
                let (start, end) = (quotes[i] + 1, quotes[i + 1]);
                let filler: &[&[u8]] = &[
                    b"\xe7\xbb\xa9",
                    b"\xff",
                    b"\\ud800",
                    b"\\u0000",
                    b"x",
                    b"\xe7\xbb",
                ];
                let piece = *rng.pick(filler);
                let repeat = 1 + rng.below(300);
                body.splice(start..end, piece.repeat(repeat));
            }
        }
        // Change the type of a value.
        6 => {
            let colons: Vec<usize> = (0..body.len()).filter(|&i| body[i] == b':').collect();
            if let Some(&at) = (!colons.is_empty()).then(|| rng.pick(&colons)) {
                let value: &[u8] = rng.pick::<&[u8]>(&[
                    &b"null"[..],
                    b"[]",
                    b"{}",
                    b"true",
                    b"\"\"",
                    b"-1",
                    b"1e999",
                ]);
                body.splice(at + 1..at + 1, value.iter().copied().chain(*b","));
            }
        }
        // Deep nesting.
        7 => {
            let depth = 1 + rng.below(5000);
            *body = [vec![b'['; depth], vec![b']'; depth]].concat();
        }
        // Duplicate the body, or drop it.
        8 => {
            if rng.chance(50) {
                let copy = body.clone();
                body.extend_from_slice(&copy);
            } else {
                body.clear();
            }
        }
        // Big: past the cap the fuzz client uses.
        _ => body.resize(body.len() + rng.below(80 * 1024), b' '),
    }
}

/// A mutated answer: status, headers and body.
fn mutated_answer(rng: &mut Rng, base: &str) -> Vec<u8> {
    let mut body = base.as_bytes().to_vec();
    for _ in 0..rng.below(4) {
        mutate(rng, &mut body);
    }
    let status = if rng.chance(60) {
        200
    } else {
        *rng.pick(&[
            100u16, 101, 200, 201, 204, 302, 304, 400, 401, 404, 429, 500, 502, 503, 504, 599, 999,
        ])
    };
    let mut headers: Vec<(&str, Vec<u8>)> = Vec::new();
    if rng.chance(50) {
        let value = if rng.chance(70) {
            rng.pick(HOSTILE_NUMBERS).as_bytes().to_vec()
        } else {
            let n = rng.below(12);
            rng.bytes(n)
                .into_iter()
                .filter(|b| *b != b'\r' && *b != b'\n')
                .collect()
        };
        headers.push(("x-ogw-ratelimit-reset", value));
    }
    if rng.chance(30) {
        headers.push((
            "x-ogw-ratelimit-limit",
            rng.pick(HOSTILE_NUMBERS).as_bytes().to_vec(),
        ));
    }
    if rng.chance(30) {
        let n = rng.below(40);
        let id: Vec<u8> = rng
            .bytes(n)
            .into_iter()
            .filter(|b| *b >= 0x20 && *b != 0x7f)
            .collect();
        headers.push(("x-tt-logid", id));
    }
    if rng.chance(30) {
        let ct: &[u8] = rng.pick::<&[u8]>(&[
            &b"text/html"[..],
            b"application/json; charset=gbk",
            b"",
            b"\xff\xfe",
        ]);
        headers.push(("content-type", ct.to_vec()));
    }
    let borrowed: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_slice())).collect();
    let mut raw = http(status, &borrowed, &body);
    // A lying Content-Length, a broken head, or a cut answer.
    match rng.below(20) {
        0 => {
            let lie = format!("content-length: {}", rng.pick(HOSTILE_NUMBERS));
            let field = b"content-length: ";
            if let Some(start) = raw.windows(field.len()).position(|w| w == field) {
                let end = start + raw[start..].iter().position(|&b| b == b'\r').unwrap();
                raw.splice(start..end, lie.into_bytes());
            }
        }
        1 => {
            let at = rng.below(raw.len().min(64));
            raw[at] = rng.next() as u8;
        }
        2 => raw.truncate(rng.below(raw.len() + 1)),
        _ => {}
    }
    raw
}

/// A token cache that keeps nothing, so that every call fetches a token.
struct NoCache;

impl feishu_perf::TokenCache for NoCache {
    fn get<'a>(
        &'a self,
        _key: &'a str,
    ) -> futures::future::BoxFuture<'a, Option<feishu_perf::CachedToken>> {
        Box::pin(async { None })
    }
    fn set<'a>(
        &'a self,
        _key: &'a str,
        _token: feishu_perf::CachedToken,
    ) -> futures::future::BoxFuture<'a, ()> {
        Box::pin(async {})
    }
    fn invalidate<'a>(
        &'a self,
        _key: &'a str,
        _stale: &'a feishu_perf::Secret,
    ) -> futures::future::BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// How one fuzzed call ended.
#[derive(Debug, Default)]
struct Tally {
    ok: usize,
    by_kind: std::collections::BTreeMap<&'static str, usize>,
}

fn kind(error: &Error) -> &'static str {
    match error {
        Error::Api(_) => "Api",
        Error::RateLimited { .. } => "RateLimited",
        Error::AlreadyApplied { .. } => "AlreadyApplied",
        Error::Authentication { .. } => "Authentication",
        Error::Transport { .. } => "Transport",
        Error::Timeout { .. } => "Timeout",
        Error::Decode { .. } => "Decode",
        Error::OutcomeUnknown { .. } => "OutcomeUnknown",
        Error::ResponseTooLarge { .. } => "ResponseTooLarge",
        Error::Validation { .. } => "Validation",
        Error::Config(_) => "Config",
        _ => "other",
    }
}

/// The seed of the fuzz loop; `FEISHU_FUZZ_SEED` replays another.
const SEED: u64 = 0x0F15_4B00_2026_1122;
/// Fuzzed calls per run.
const CASES: usize = 3000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_answers_never_panic_and_always_end_typed() {
    let seed = std::env::var("FEISHU_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED);
    let mut rng = Rng(seed);
    let server = Hostile::start().await;
    let bases = [
        IMPORT_METRIC_DETAIL_EXAMPLES.response.unwrap(),
        IMPORT_ADDITIONAL_INFORMATION_EXAMPLES.response.unwrap(),
        QUERY_REVIEW_TEMPLATE_EXAMPLES.response.unwrap(),
        PATCH_METRIC_SOURCE_TABLE_ITEM_EXAMPLES.response.unwrap(),
        r#"{"code":1580101,"msg":"internal error","error":{"log_id":"x","troubleshooter":"y","field_violations":[{"field":"a"}]}}"#,
        r#"{"code":99991400,"msg":"request trigger frequency limit"}"#,
        r#"{"code":99991663,"msg":"Invalid access token"}"#,
    ];
    let token_base = r#"{"code":0,"msg":"ok","tenant_access_token":"t-fuzz","expire":7200}"#;
    let retry = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        max_elapsed: Duration::from_millis(300),
    };
    let shared = Client::builder()
        .tenant_access_token("t-fixed")
        .base_url(server.base_url())
        .pacing(Pacing::Off)
        .retry(retry)
        .max_response_bytes(64 * 1024)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    // Fetches a token for every call: the cache keeps none.
    let fetching = Client::builder()
        .app("cli_fuzz", "secret")
        .base_url(server.base_url())
        .pacing(Pacing::Off)
        .retry(retry)
        .max_response_bytes(64 * 1024)
        .token_cache(std::sync::Arc::new(NoCache))
        .build()
        .unwrap();
    let mut tally = Tally::default();
    let mut panics = Vec::new();
    for case in 0..CASES {
        // One case in five fuzzes the token endpoint instead, through a fresh client.
        let fuzz_token = rng.chance(20);
        let client = if fuzz_token {
            server.set_token(Reply::Raw(mutated_answer(&mut rng, token_base)));
            server.set_api([json(bases[0])]);
            fetching.clone()
        } else {
            server.set_token(token_ok());
            let base = rng.below(bases.len());
            server.set_api([Reply::Raw(mutated_answer(&mut rng, bases[base]))]);
            shared.clone()
        };
        let endpoint = if fuzz_token { 0 } else { rng.below(4) };
        let call = tokio::spawn(async move {
            let result = match endpoint {
                0 => client.send(import()).await.map(|_| ()),
                1 => client.send(information()).await.map(|_| ()),
                2 => client
                    .send(QueryReviewTemplateRequest::new())
                    .await
                    .map(|_| ()),
                _ => client.send(patch()).await.map(|_| ()),
            };
            // Every error renders (Display walks every field).
            if let Err(e) = &result {
                assert!(!e.to_string().is_empty());
            }
            result
        });
        match tokio::time::timeout(HANG, call).await {
            Err(_) => panic!("case {case} (seed {seed}) hung"),
            Ok(Err(join)) if join.is_panic() => panics.push(case),
            Ok(Err(join)) => panic!("case {case}: {join}"),
            Ok(Ok(Ok(()))) => tally.ok += 1,
            Ok(Ok(Err(error))) => *tally.by_kind.entry(kind(&error)).or_default() += 1,
        }
    }
    println!("seed {seed}, {CASES} fuzzed answers: {tally:?}, panics {panics:?}");
    assert!(panics.is_empty(), "seed {seed}: cases {panics:?} panicked");
    assert!(
        !tally.by_kind.contains_key("Config") && !tally.by_kind.contains_key("Validation"),
        "a server's answer is never a configuration or validation error: {tally:?}"
    );
    // The mutations reach every way a call can end.
    for kind in [
        "Api",
        "RateLimited",
        "Transport",
        "Decode",
        "OutcomeUnknown",
        "ResponseTooLarge",
        "Authentication",
    ] {
        assert!(tally.by_kind.contains_key(kind), "no {kind}: {tally:?}");
    }
    assert!(tally.ok > CASES / 10, "{tally:?}");
}

/// A call by id (`feishu-perf call`, the look-ups) prints `data` as the
/// server sent it, but a page it cannot walk, an unreadable or a huge answer
/// still ends in a typed error naming the cause, never in a shorter list.
#[tokio::test]
async fn a_call_by_id_ends_typed_on_a_page_it_cannot_walk() {
    use feishu_perf::registry::CallInput;
    let server = Hostile::start().await;
    let client = client(&server, RetryPolicy::none());
    let id = "performance.v2.review_template.query";
    let ok = |data: &str| json(&format!(r#"{{"code":0,"msg":"success","data":{data}}}"#));
    let malformed = [
        (
            r#"{"review_templates":"t-1","has_more":false}"#,
            "`review_templates` must be an array, found a string",
        ),
        (
            r#"{"review_templates":[],"has_more":"true","page_token":"p"}"#,
            "`has_more` must be a boolean, found a string",
        ),
        (
            r#"{"review_templates":[],"has_more":true,"page_token":7}"#,
            "`page_token` must be a string, found a number",
        ),
        (r#"["t-1"]"#, "a page must be an object, found an array"),
    ];
    for (data, reason) in malformed {
        server.set_api([ok(data)]);
        let err = guarded(client.send_json_all_pages(id, &CallInput::new()))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Decode { succeeded: true, reason: r, .. } if r.contains(reason)),
            "{data}: {err}"
        );
        server.set_api([ok(data)]);
        let err = guarded(client.send_json(id, &CallInput::new()))
            .await
            .unwrap_err();
        assert!(matches!(&err, Error::Decode { .. }), "{data}: {err}");
    }
    // Absent or null fields are a last, empty page; unknown fields are kept.
    server.set_api([ok(r#"{"review_templates":null,"extra":{"a":1}}"#)]);
    let data = guarded(client.send_json(id, &CallInput::new()))
        .await
        .unwrap();
    assert_eq!(data["extra"]["a"], 1);
    server.set_api([ok("null")]);
    let items = guarded(client.send_json_all_pages(id, &CallInput::new()))
        .await
        .unwrap();
    assert!(items.is_empty());
    // Not JSON at all, and past the cap.
    server.set_api([Reply::Raw(http(200, &[], b"<html>busy</html>"))]);
    let err = guarded(client.send_json(id, &CallInput::new()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { reason, .. } if reason.contains("invalid JSON")),
        "{err}"
    );
    let capped = Client::builder()
        .app("cli_hostile", "secret")
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .max_response_bytes(1 << 16)
        .build()
        .unwrap();
    server.set_api([Reply::Raw(http(200, &[], &vec![b' '; (1 << 16) + 1]))]);
    let err = guarded(capped.send_json_all_pages(id, &CallInput::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err}");
}

/// A token that is not a valid header value (CR, LF, NUL, DEL, a space) is
/// refused when it arrives, typed, and never cached: no call goes out without
/// its `Authorization`, and the next call asks for a token again.
#[tokio::test]
async fn a_token_that_is_no_header_value_is_refused_and_never_cached() {
    let server = Hostile::start().await;
    server.set_api([json(QUERY_REVIEW_TEMPLATE_EXAMPLES.response.unwrap())]);
    let client = client(&server, RetryPolicy::none());
    let bad = [
        r"t-\r\nx",
        r"t-\nx",
        r"t-\rx",
        r"t-\u0000x",
        r"t-\u007fx",
        "t- x",
        r"t-\tx",
    ];
    for (i, token) in bad.iter().enumerate() {
        server.set_token(json(&format!(
            r#"{{"code":0,"msg":"ok","tenant_access_token":"{token}","expire":7200}}"#
        )));
        for round in 0..2 {
            let err = guarded(client.send(QueryReviewTemplateRequest::new()))
                .await
                .unwrap_err();
            assert!(matches!(&err, Error::NotFeishu { .. }), "{token}: {err:?}");
            assert!(
                err.to_string().contains("not a valid header value"),
                "{err}"
            );
            assert!(!err.is_retryable(), "{err}");
            // Asked again each time: the bad token was never cached.
            assert_eq!(server.token_requests(), 2 * i + round + 1, "{token}");
        }
    }
    assert_eq!(server.api_requests(), 0, "a call sent without its token");
    // A good token afterwards is used.
    server.set_token(token_ok());
    guarded(client.send(QueryReviewTemplateRequest::new()))
        .await
        .unwrap();
    assert_eq!(server.api_requests(), 1);
}

/// A token request that runs out of time (its answer's body never ends) is a
/// `Timeout`, not a `Transport` error.
#[tokio::test]
async fn a_token_request_out_of_time_is_a_timeout() {
    let server = Hostile::start().await;
    server.set_token(Reply::Stall {
        head: b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"code\":0,".to_vec(),
    });
    let client = Client::builder()
        .app("cli_hostile", "secret")
        .base_url(server.base_url())
        .pacing(Pacing::Off)
        .retry(RetryPolicy::none())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = guarded(client.send(QueryReviewTemplateRequest::new()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { endpoint: "auth.v3", after } if after == Duration::from_millis(300)),
        "{err:?}"
    );
    // Headers that never come: the same.
    server.set_token(Reply::Silent);
    let err = guarded(client.send(QueryReviewTemplateRequest::new()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                endpoint: "auth.v3",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.api_requests(), 0);
}
