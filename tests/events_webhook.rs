//! The webhook: the official SDKs' and the documentation's vectors, then deliveries over
//! loopback HTTP through the axum route: signed and encrypted events handed over once and
//! typed, and every kind of forged, altered, stale or malformed delivery refused before any
//! handler runs.
#![cfg(feature = "events-axum")]

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use feishu_perf::events::crypto::{self, DecryptError};
use feishu_perf::events::{
    EnvelopeVersion, Event, Payload, ReceivedEvent, Verified, Webhook, WebhookConfig, WebhookError,
    descriptor,
};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The vector of Feishu's own decryption example (the event subscription guide's request-URL
/// configuration case, open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/event-subscription-guide/event-subscription-configure-/request-url-configuration-case,
/// whose Python and Java samples decrypt it): key `test key`, plaintext `hello world`.
#[test]
fn the_documented_vector_decrypts_to_hello_world() {
    let plain = crypto::decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=", "test key");
    assert_eq!(plain.as_deref(), Ok(&b"hello world"[..]));
    assert_eq!(
        crypto::decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=", "other key"),
        Err(DecryptError::BadPadding)
    );
}

/// The Go SDK's `TestDecryptEvent` (larksuite/oapi-sdk-go, event/dispatcher/dispatcher_test.go):
/// its dispatcher has verification token `v` and encrypt key `1212121212`; the blob is the
/// test's `mockEventReq` body, a url_verification with challenge `1212`.
const GO_BLOB: &str = "bZ3L7yh6m3Fkuffl4g+3uGjIHnhOm5fVZbKVuyT8t7tcd5ABMYm8l28/X900ZL3knZ7n+sCREu/H2WnIzft0amC7+xWqNH8o25IU63N4BnZWfHh+4hyG76QPd19vkw2bPJCx9aqxK8Nz+xqFNbk0RdgyWhmgd30jSxHtcQXAllkI7FMpGpOCteJad3bLXPDBQIV/xkCtKICCS7Z63gakpxZCLaRZ3qCXP1fapHh+LBIupxenrU6ysc7I3nHmjmKie41IiWwS5puG4zQHhVbq6KWLcgWm/3NBZOPQy53ucMu75SXA55I7jarVLZXWUcqBGrcgE3vouWbtwgZuzmoTQl0GSh5VYSVvpW992BuGxUWj0XjPYdICJm6Cr7xouNXwMcdb7N8caVdkdSZeEnswG19qSyDoQhklwzNGW0yiaayulBqJNjfge/G5V3401c2XaIuAeEIo+QQ4RSNpRGfnHkbu/j55FGQAGWjpuBNaIwZbaUoVP3NkGP+vM5rpEDe3sL2GN+Xsd+g9yBs7FqdMV8mXTGgLjCqjrPrke5/km76Q3Pe6KPs2YexMRG4MkSx3xUTzZnNn7zIzShPcjeSwBd2pxk6ht5N+fzueZdxl6Oo=";
const GO_BODY: &str = "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"f7984f25108f8137722bb63cee927e66\",\"event_type\":\"contact.user.created_v3\",\"app_id\":\"cli_xxxxxxxx\",\"tenant_key\":\"xxxxxxx\",\"create_time\":\"1603977298000000\",\"token\":\"v\"},\"event\":{\"object\":{\"open_id\":\"ou_7dab8a3d3cdcc9da365777c7ad535d62\",\"union_id\":\"on_576833b917gda3d939b9a3c2d53e72c8\",\"user_id\":\"e33ggbyz\",\"name\":\"张三\",\"employee_no\":\"employee_no\"}},\"challenge\":\"1212\",\"type\":\"url_verification\"}";

#[test]
fn the_go_sdks_blob_decrypts_to_its_mock_body_and_its_challenge_is_answered() {
    let plain = crypto::decrypt(GO_BLOB, "1212121212").unwrap();
    assert_eq!(String::from_utf8(plain).unwrap(), GO_BODY);
    let webhook = Webhook::new(
        WebhookConfig::new()
            .encrypt_key("1212121212")
            .verification_token("v"),
    );
    let body = json!({ "encrypt": GO_BLOB }).to_string();
    let verified = webhook.verify(&HeaderMap::new(), body.as_bytes(), SystemTime::now());
    assert_eq!(verified, Ok(Verified::Challenge("1212".into())));
    // Its `TestVerifyUrlFailed`: another token is refused.
    let other = Webhook::new(
        WebhookConfig::new()
            .encrypt_key("1212121212")
            .verification_token("1v"),
    );
    assert_eq!(
        other.verify(&HeaderMap::new(), body.as_bytes(), SystemTime::now()),
        Err(WebhookError::BadToken)
    );
}

/// The Go SDK's `mockEventReq` signs `GO_BODY` with timestamp `timestamp`, nonce `nonce` and
/// key `1212121212` (`larkevent.Signature`); the hex below was computed apart from this crate,
/// with Python's hashlib.
#[test]
fn the_go_sdks_signature_is_sha256_of_timestamp_nonce_key_and_body() {
    assert_eq!(
        crypto::signature("timestamp", "nonce", "1212121212", GO_BODY.as_bytes()),
        "4dca085198cb3216defc5b65b0668c1328b038a22dbadf2bc6c4fdc3d32bbc45"
    );
}

// ---- deliveries over HTTP ----

const KEY: &str = "sandbox-encrypt-key";
const TOKEN: &str = "rvaYgkND1GOiu5MM0E1rncYC6PLtF7JV";

/// Encrypts as Feishu does, written apart from the crate's decryption.
fn encrypt(plain: &[u8], key: &str, iv: [u8; 16]) -> String {
    let k: [u8; 32] = Sha256::digest(key.as_bytes()).into();
    let ct = cbc::Encryptor::<aes::Aes256>::new(&k.into(), &iv.into())
        .encrypt_padded_vec_mut::<Pkcs7>(plain);
    let mut all = iv.to_vec();
    all.extend(ct);
    base64::engine::general_purpose::STANDARD.encode(all)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn page_example(event_type: &str) -> Value {
    serde_json::from_str(descriptor(event_type).unwrap().example.unwrap()).unwrap()
}

/// A delivery: body and headers, encrypted and signed with `key` at `ts`.
fn delivery(plain: &Value, key: &str, ts: u64) -> (String, Vec<(&'static str, String)>) {
    let body =
        json!({ "encrypt": encrypt(plain.to_string().as_bytes(), key, [7; 16]) }).to_string();
    let ts = ts.to_string();
    let sig = crypto::signature(&ts, "n0nce", key, body.as_bytes());
    (
        body,
        vec![
            ("X-Lark-Request-Timestamp", ts),
            ("X-Lark-Request-Nonce", "n0nce".into()),
            ("X-Lark-Signature", sig),
        ],
    )
}

struct Server {
    url: String,
    seen: Arc<Mutex<Vec<ReceivedEvent>>>,
    client: reqwest::Client,
}

impl Server {
    async fn start(config: WebhookConfig, fail_first: bool) -> Server {
        let seen: Arc<Mutex<Vec<ReceivedEvent>>> = Arc::default();
        let failed = Arc::new(Mutex::new(!fail_first));
        let webhook = Arc::new(Webhook::new(config));
        let store = seen.clone();
        let app = feishu_perf::events::axum::route("/webhook/event", webhook, move |e| {
            let store = store.clone();
            let failed = failed.clone();
            async move {
                let mut f = failed.lock().unwrap();
                if !*f {
                    *f = true;
                    return Err("the database is down");
                }
                store.lock().unwrap().push(e);
                Ok(())
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhook/event", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let _ = rustls::crypto::ring::default_provider().install_default();
        Server {
            url,
            seen,
            client: reqwest::Client::new(),
        }
    }

    async fn post(&self, body: &str, headers: &[(&'static str, String)]) -> (u16, Value) {
        let mut req = self.client.post(&self.url).body(body.to_owned());
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    fn seen(&self) -> Vec<ReceivedEvent> {
        self.seen.lock().unwrap().clone()
    }
}

fn config() -> WebhookConfig {
    WebhookConfig::new()
        .encrypt_key(KEY)
        .verification_token(TOKEN)
}

#[tokio::test]
async fn a_signed_encrypted_event_is_handed_over_once_and_typed() {
    let s = Server::start(config(), false).await;
    let plain = page_example("performance.review_data.changed_v2");
    let (body, headers) = delivery(&plain, KEY, now());
    assert_eq!(
        s.post(&body, &headers).await,
        (200, json!({"msg": "success"}))
    );
    // The same delivery again, and the same event re-sent with a new signature.
    assert_eq!(s.post(&body, &headers).await.0, 200);
    let (again, again_headers) = delivery(&plain, KEY, now());
    assert_eq!(s.post(&again, &again_headers).await.0, 200);
    let seen = s.seen();
    assert_eq!(seen.len(), 1, "a repeat is not handed over");
    let e = &seen[0];
    assert_eq!(e.version, EnvelopeVersion::V2);
    assert_eq!(e.event_id, "5e3702a84e847582be8db7fb73283c02");
    assert_eq!(e.app_id.as_deref(), Some("cli_9f5343c580712544"));
    let Payload::Typed(Event::ReviewDataChangedV2(typed)) = e.payload().unwrap() else {
        panic!("not typed")
    };
    assert_eq!(
        typed.items.unwrap()[0].activity_id.as_deref(),
        Some("7343577163150393363")
    );
}

#[tokio::test]
async fn altered_forged_stale_and_unsigned_deliveries_are_refused_before_any_handler() {
    let s = Server::start(config(), false).await;
    let plain = page_example("performance.stage_task.open_result_v2");
    let (body, headers) = delivery(&plain, KEY, now());

    // One character of the body changed.
    let mut tampered = body.clone().into_bytes();
    let at = tampered.len() / 2;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let (status, answer) = s.post(&tampered, &headers).await;
    assert_eq!(status, 401);
    assert!(
        answer["msg"]
            .as_str()
            .unwrap()
            .contains("X-Lark-Signature does not match")
    );

    // Encrypted and signed with another key.
    let (forged, forged_headers) = delivery(&plain, "not-the-key", now());
    assert_eq!(s.post(&forged, &forged_headers).await.0, 401);

    // An hour old, and an hour ahead.
    for ts in [now() - 3600, now() + 3600] {
        let (old, old_headers) = delivery(&plain, KEY, ts);
        let (status, answer) = s.post(&old, &old_headers).await;
        assert_eq!(status, 401);
        assert!(
            answer["msg"].as_str().unwrap().contains("from now"),
            "{answer}"
        );
    }

    // Without the signature headers.
    assert_eq!(s.post(&body, &[]).await.0, 401);

    // Signed, but the token inside is not the app's.
    let mut wrong_token = plain.clone();
    wrong_token["header"]["token"] = json!("someone-else");
    let (b, h) = delivery(&wrong_token, KEY, now());
    assert_eq!(s.post(&b, &h).await.0, 401);

    // Plaintext while an encrypt key is set.
    let ts = now().to_string();
    let plain_body = plain.to_string();
    let sig = crypto::signature(&ts, "n", KEY, plain_body.as_bytes());
    let h = vec![
        ("X-Lark-Request-Timestamp", ts),
        ("X-Lark-Request-Nonce", "n".into()),
        ("X-Lark-Signature", sig),
    ];
    assert_eq!(s.post(&plain_body, &h).await.0, 400);

    assert!(s.seen().is_empty(), "nothing refused reached the handler");
    // The genuine delivery still goes through afterwards.
    assert_eq!(s.post(&body, &headers).await.0, 200);
    assert_eq!(s.seen().len(), 1);
}

#[tokio::test]
async fn a_failed_handler_is_answered_500_and_feishus_retry_is_handled() {
    let s = Server::start(config(), true).await;
    let plain = page_example("performance.stage_task.open_result_v2");
    let (body, headers) = delivery(&plain, KEY, now());
    assert_eq!(s.post(&body, &headers).await.0, 500);
    assert!(s.seen().is_empty());
    assert_eq!(s.post(&body, &headers).await.0, 200);
    assert_eq!(s.seen().len(), 1);
}

#[tokio::test]
async fn v1_envelopes_and_unknown_types_are_read_with_the_token_alone() {
    let s = Server::start(WebhookConfig::new().verification_token(TOKEN), false).await;
    let v1 = json!({
        "uuid": "41a8f7e7e44a3c8d0a7c7f2f9a0b1c2d",
        "token": TOKEN,
        "ts": "1608725989.000",
        "type": "event_callback",
        "event": {"type": "user_status_change", "app_id": "cli_x", "tenant_key": "t", "open_id": "ou_1"}
    });
    assert_eq!(s.post(&v1.to_string(), &[]).await.0, 200);
    let mut unknown = page_example("performance.review_data.changed_v2");
    unknown["header"]["event_type"] = json!("contact.user.created_v3");
    unknown["header"]["event_id"] = json!("another-id");
    unknown["header"]["token"] = json!(TOKEN);
    unknown["event"] = json!({"object": {"open_id": "ou_2"}});
    assert_eq!(s.post(&unknown.to_string(), &[]).await.0, 200);
    // A url_verification with the token, and one without.
    let (status, answer) = s
        .post(
            &json!({"type": "url_verification", "challenge": "c-1", "token": TOKEN}).to_string(),
            &[],
        )
        .await;
    assert_eq!((status, answer), (200, json!({"challenge": "c-1"})));
    assert_eq!(
        s.post(
            &json!({"type": "url_verification", "challenge": "c-2", "token": "x"}).to_string(),
            &[]
        )
        .await
        .0,
        401
    );
    let seen = s.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].version, EnvelopeVersion::V1);
    assert_eq!(seen[0].event_type, "user_status_change");
    assert_eq!(seen[0].event_id, "41a8f7e7e44a3c8d0a7c7f2f9a0b1c2d");
    assert_eq!(
        seen[1].payload().unwrap(),
        Payload::Raw(json!({"object": {"open_id": "ou_2"}}))
    );
}

#[tokio::test]
async fn hostile_bodies_are_refused_with_their_cause() {
    let webhook = Webhook::new(config().max_body(4096));
    let verify = |body: &[u8], h: &HeaderMap| webhook.verify(h, body, SystemTime::now());
    let signed = |body: &[u8]| {
        let ts = now().to_string();
        let mut h = HeaderMap::new();
        h.insert("x-lark-request-timestamp", ts.parse().unwrap());
        h.insert("x-lark-request-nonce", "n".parse().unwrap());
        h.insert(
            "x-lark-signature",
            crypto::signature(&ts, "n", KEY, body).parse().unwrap(),
        );
        h
    };
    let big = vec![b'{'; 5000];
    assert_eq!(
        verify(&big, &signed(&big)),
        Err(WebhookError::TooLarge { limit: 4096 })
    );
    let cases: [(&[u8], &str); 5] = [
        (b"not json", "not JSON"),
        (br#"{"encrypt": "***"}"#, "not base64"),
        (br#"{"encrypt": "AAAA"}"#, "not an IV and whole AES blocks"),
        (br#"{"encrypt": 42}"#, "not a string"),
        (b"[1, 2]", "not encrypted"),
    ];
    for (body, cause) in cases {
        let err = verify(body, &signed(body)).unwrap_err();
        assert!(err.to_string().contains(cause), "{err}");
    }
    // Decrypted, but not an event.
    let body = json!({"encrypt": encrypt(b"{\"schema\":\"2.0\",\"header\":{},\"event\":{}}", KEY, [1; 16])}).to_string();
    let err = verify(body.as_bytes(), &signed(body.as_bytes())).unwrap_err();
    assert_eq!(
        err,
        WebhookError::Malformed("no `header.event_id` string".into())
    );
    let mut h = signed(b"{}");
    h.insert("x-lark-request-timestamp", "soon".parse().unwrap());
    h.insert(
        "x-lark-signature",
        crypto::signature("soon", "n", KEY, b"{}").parse().unwrap(),
    );
    assert_eq!(verify(b"{}", &h), Err(WebhookError::BadTimestamp));
}
