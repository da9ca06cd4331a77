//! Every endpoint of the registry, generically: its page's examples round-trip
//! through the typed request and response, the example input builds a valid
//! request, and the example goes through the client (`Client::send_json`) to
//! the sandbox over loopback and back as JSON the typed response reads.

use std::time::Duration;

use feishu_perf::registry::{CallInput, InputError, REGISTRY, RegistryEntry, find};
use feishu_perf::{Client, registry};
use feishu_perf::{ENDPOINTS, Error, Pacing, RetryPolicy};
use feishu_sandbox::seed::{APP_ID, APP_SECRET};
use feishu_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

/// The `data` of a documented response, after checking its envelope.
fn data_of(response: &str) -> Value {
    let envelope: Value = serde_json::from_str(response).expect("the doc example is JSON");
    assert_eq!(envelope["code"], 0);
    envelope.get("data").cloned().unwrap_or(json!({}))
}

/// The call input of the page's own example: its query string (if any), the
/// path parameters' examples, its body.
fn example_input(entry: &RegistryEntry) -> CallInput {
    let mut input = CallInput::new();
    for p in entry.path_params {
        input = input.path(p.name, p.example.expect("a path parameter has an example"));
    }
    if let Some(query) = entry.examples.request_query {
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            // `user_id_type=` (an empty value) on a page means "left out".
            if !v.is_empty() {
                input = input.query(k, v);
            }
        }
    }
    if let Some(body) = entry.examples.request_body {
        input = input.body(serde_json::from_str(body).expect("the doc example is JSON"));
    }
    input
}

/// Misprints of a page's example that its schema records (a field's `note`):
/// the endpoint and the misprinted key, which the typed response does not keep.
const MISPRINTED_EXAMPLE_KEYS: &[(&str, &str)] = &[
    ("performance.v1.stage_task.find_by_user_list", "task_option"),
    ("okr.v1.progress_record.get", "userId"),
];

/// `value` without the members named `key`, at any depth.
fn without_key(value: &Value, key: &str) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| *k != key)
                .map(|(k, v)| (k.clone(), without_key(v, key)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| without_key(v, key)).collect()),
        other => other.clone(),
    }
}

/// The input of a first page: the example without its page token (a token
/// of the page's own system, which no other server knows).
fn first_page_input(entry: &RegistryEntry) -> CallInput {
    let mut input = example_input(entry);
    input.query.retain(|(k, _)| k != "page_token");
    if let Some(Value::Object(body)) = &mut input.body {
        body.remove("page_token");
    }
    input
}

#[test]
fn the_registry_holds_every_endpoint_once_by_id() {
    assert_eq!(REGISTRY.len(), ENDPOINTS.len());
    for d in ENDPOINTS {
        let entry = find(d.id).unwrap_or_else(|| panic!("{} is not in the registry", d.id));
        assert_eq!(entry.descriptor, *d);
        assert_eq!(entry.paginates(), d.pagination.is_some());
    }
    assert!(REGISTRY.windows(2).all(|w| w[0].id() < w[1].id()));
    assert!(find("performance.v1.semester.list").is_some());
    assert!(find("performance.v9.nothing.list").is_none());
    // Parameters are listed as the pages give them.
    let tags = find("performance.v2.metric_tag.list").unwrap();
    let names: Vec<&str> = tags.query_params.iter().map(|p| p.name).collect();
    assert_eq!(names, ["page_size", "page_token", "tag_ids"]);
    assert_eq!(tags.query_params[2].ty, "string[]");
    assert!(!tags.has_body);
    let import = find("performance.v2.metric_detail.import").unwrap();
    let user_id_type = import
        .query_params
        .iter()
        .find(|p| p.name == "user_id_type")
        .unwrap();
    assert!(user_id_type.values.contains(&"people_admin_id"));
}

#[test]
fn every_page_example_round_trips_through_the_typed_request_and_response() {
    let mut bodies = 0;
    let mut responses = 0;
    for entry in REGISTRY {
        let id = entry.id();
        if let Some(body) = entry.examples.request_body {
            let original: Value = serde_json::from_str(body).unwrap();
            let typed = registry::typed_body(id, &original)
                .expect("an example body, so a body")
                .unwrap_or_else(|e| panic!("{id}: the request example does not decode: {e}"));
            assert_eq!(
                as_floats(&typed),
                as_floats(&original),
                "{id}: the request example changed"
            );
            bodies += 1;
        }
        if let Some(response) = entry.examples.response {
            let mut data = data_of(response);
            for (_, key) in MISPRINTED_EXAMPLE_KEYS.iter().filter(|(e, _)| *e == id) {
                data = without_key(&data, key);
            }
            let typed = registry::typed_response(id, &data)
                .unwrap()
                .unwrap_or_else(|e| panic!("{id}: the response example does not decode: {e}"));
            assert_eq!(
                as_floats(&typed),
                as_floats(&data),
                "{id}: the response example changed"
            );
            responses += 1;
        }
        // The example makes a valid request (a required client_token aside,
        // which the runtime fills in).
        match registry::check(id, &example_input(entry)) {
            Ok(()) => {}
            Err(InputError::MissingParam { name, .. }) if name == "client_token" => {}
            Err(e) => panic!("{id}: the page's example is refused: {e}"),
        }
    }
    // Every endpoint has a response example, and every one that takes a body a body example.
    assert_eq!(responses, REGISTRY.len());
    assert_eq!(bodies, REGISTRY.iter().filter(|e| e.has_body).count());
}

/// `value` with every number as a float: JSON does not tell `50` from `50.0`,
/// and a field the page types `number` (an OKR weight) is written back as a float.
fn as_floats(value: &Value) -> Value {
    match value {
        Value::Number(n) => n.as_f64().map_or(Value::Null, |f| json!(f)),
        Value::Array(items) => Value::Array(items.iter().map(as_floats).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), as_floats(v))).collect())
        }
        other => other.clone(),
    }
}

/// The example's `data` with every member of every object left out, one at a
/// time at each depth: what a server may send, since no page says a response
/// field is always present.
fn with_one_member_left_out(value: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                let mut without = map.clone();
                without.remove(key);
                out.push(Value::Object(without));
                for variant in with_one_member_left_out(member) {
                    let mut with = map.clone();
                    with.insert(key.clone(), variant);
                    out.push(Value::Object(with));
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                for variant in with_one_member_left_out(item) {
                    let mut with = items.clone();
                    with[i] = variant;
                    out.push(Value::Array(with));
                }
            }
        }
        _ => {}
    }
    out
}

#[test]
fn a_response_member_is_optional_unless_a_page_says_it_is_always_present() {
    let mut variants = 0;
    for entry in REGISTRY {
        let Some(response) = entry.examples.response else {
            continue;
        };
        for variant in with_one_member_left_out(&data_of(response)) {
            if let Err(e) = registry::typed_response(entry.id(), &variant).unwrap() {
                panic!(
                    "{}: a response without one member is refused: {e}\n{variant}",
                    entry.id()
                );
            }
            variants += 1;
        }
    }
    assert!(variants > 500, "{variants}");
}

#[test]
fn input_errors_name_the_parameter_or_the_json_path() {
    let tags = find("performance.v2.metric_tag.list").unwrap();
    let err = registry::check(tags.id(), &CallInput::new().query("page_size", "many")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "parameter `page_size=many`: not an integer"
    );
    let err = registry::check(tags.id(), &CallInput::new().query("size", "5")).unwrap_err();
    assert!(matches!(err, InputError::UnknownParam { .. }), "{err}");
    let err = registry::check(tags.id(), &CallInput::new().body(json!({}))).unwrap_err();
    assert_eq!(err, InputError::UnexpectedBody);
    // Validation runs as for a typed request: the JSON path and the rule.
    let err = registry::check(tags.id(), &CallInput::new().query("page_size", "51")).unwrap_err();
    let InputError::Invalid(errors) = err else {
        panic!("{err}")
    };
    assert_eq!(
        errors.violations()[0].to_string(),
        "query.page_size: must be at most 50 (value: 51)"
    );
    let import = find("performance.v2.metric_detail.import").unwrap();
    let bad = json!({"semester_id": "1", "imported_metrics": [{"reviewee_user_id": "ou", "metric_id": 7}]});
    let err = registry::check(import.id(), &CallInput::new().body(bad)).unwrap_err();
    assert!(
        matches!(&err, InputError::Body { path, .. } if path == "imported_metrics[0].metric_id"),
        "{err}"
    );
}

async fn sandbox() -> Sandbox {
    Sandbox::start(Config {
        rate_window: Duration::ZERO,
        ..Config::default()
    })
    .await
    .unwrap()
}

fn client(sandbox: &Sandbox) -> Client {
    Client::builder()
        .app(APP_ID, APP_SECRET)
        .base_url(sandbox.base_url())
        .pacing(Pacing::Off)
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_endpoint_goes_through_the_client_to_the_sandbox() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let mut walked_several_pages = 0;
    // DELETEs last: an example delete removes the record its siblings' examples name.
    let mut entries: Vec<&RegistryEntry> = REGISTRY.iter().collect();
    entries.sort_by_key(|e| e.descriptor.method.as_str() == "DELETE");
    for entry in entries {
        let id = entry.id();
        let data = client
            .send_json(id, &first_page_input(entry))
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        // What the sandbox answers is what the typed response reads.
        let typed = registry::typed_response(id, &data)
            .unwrap()
            .unwrap_or_else(|e| panic!("{id}: the answer does not decode: {e}"));
        assert_eq!(typed, data, "{id}");
        if let Some(pagination) = entry.descriptor.pagination {
            assert!(data[pagination.items_field].is_array(), "{id}: {data}");
            // Pages of one item, so the walk takes several pages.
            let mut input = first_page_input(entry);
            if pagination.tokens_in_body {
                input.body.get_or_insert_with(|| json!({}))["page_size"] = json!(1);
            } else {
                input.query.retain(|(k, _)| k != "page_size");
                input = input.query("page_size", "1");
            }
            let items = client
                .send_json_all_pages(id, &input)
                .await
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            // Every page's items: at least those of the first page of the
            // same query, each as the typed response's item reads it.
            let first = data[pagination.items_field].as_array().unwrap().len();
            assert!(items.len() >= first, "{id}: {} < {first}", items.len());
            if items.len() > 1 {
                walked_several_pages += 1;
            }
        }
    }
    // The examples of most list pages filter by ids: some still match several items.
    assert!(walked_several_pages >= 2, "{walked_several_pages}");
}

#[tokio::test]
async fn a_call_by_id_refuses_bad_input_before_sending() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let err = client
        .send_json("performance.v9.nothing.list", &CallInput::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Input {
                error: InputError::UnknownEndpoint { .. },
                ..
            }
        ),
        "{err}"
    );
    let err = client
        .send_json(
            "performance.v2.metric_tag.list",
            &CallInput::new().query("page_size", "51"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { endpoint, .. } if *endpoint == "performance.v2.metric_tag.list"),
        "{err}"
    );
    let err = client
        .send_json_all_pages("performance.v2.metric_detail.import", &CallInput::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Input {
                error: InputError::NotPaginated { .. },
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(sandbox.ledger().len(), 0, "nothing was sent");
    // The generic functions work over any transport, the client's included.
    let semesters = registry::call(&client, "performance.v1.semester.list", &CallInput::new())
        .await
        .unwrap();
    assert!(semesters["items"].is_array(), "{semesters}");
}
