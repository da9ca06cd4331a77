//! The OKR metric-source siblings (v1) and the OKR v2 endpoints have no page:
//! their examples are built from the official SDKs' models (each schema file
//! names its source under `examples.sources`). Each parses into the generated
//! types and serialises back to the same JSON, and its call example's query
//! string is what the request type sends.

use feishu_perf::okr::{v1, v2};
use feishu_perf::{ApiRequest, DocExamples};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Parses `json` as `T`, serialises it back, and checks nothing was lost or added.
fn round_trip<T: DeserializeOwned + Serialize>(json: &str) -> T {
    let original: Value = serde_json::from_str(json).expect("the example is JSON");
    let typed: T = serde_json::from_value(original.clone()).expect("the example parses");
    assert_eq!(
        serde_json::to_value(&typed).unwrap(),
        original,
        "round trip changed the example"
    );
    typed
}

/// The response example's `data`, typed, after checking its envelope.
fn response<T: DeserializeOwned + Serialize>(ex: &DocExamples) -> T {
    let envelope: Value = serde_json::from_str(ex.response.expect("a response example")).unwrap();
    assert_eq!(
        (envelope["code"].as_i64(), envelope["msg"].as_str()),
        (Some(0), Some("success"))
    );
    round_trip(&envelope["data"].to_string())
}

/// The query string `request` sends, as the examples write it.
fn query_of<R: ApiRequest>(request: &R) -> String {
    let pairs: Vec<String> = request
        .query_pairs()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    pairs.join("&")
}

#[test]
fn v1_metric_source_list_examples_round_trip() {
    let ex = v1::LIST_METRIC_SOURCE_EXAMPLES;
    let data: v1::ListMetricSourceResponseBody = response(&ex);
    let source = &data.items.unwrap()[0];
    assert_eq!(source.metric_source_name.as_deref(), Some("指标库A"));
    // page_size is a string on the wire, as both SDKs type it.
    let request = v1::ListMetricSourceRequest::new().page_size("10");
    assert_eq!(query_of(&request), ex.request_query.unwrap());
}

#[test]
fn v1_metric_source_table_list_examples_round_trip() {
    let ex = v1::LIST_METRIC_SOURCE_TABLE_EXAMPLES;
    let data: v1::ListMetricSourceTableResponseBody = response(&ex);
    assert_eq!(
        data.items.unwrap()[0].period_id.as_deref(),
        Some("635782378221221")
    );
    let request = v1::ListMetricSourceTableRequest::new("7041857032248410131").page_size("10");
    assert_eq!(query_of(&request), ex.request_query.unwrap());
    assert_eq!(
        request.request_path(),
        "/open-apis/okr/v1/metric_sources/7041857032248410131/tables"
    );
}

#[test]
fn v1_metric_item_list_and_get_examples_round_trip() {
    let ex = v1::LIST_METRIC_SOURCE_TABLE_ITEM_EXAMPLES;
    let data: v1::ListMetricSourceTableItemResponseBody = response(&ex);
    let item = &data.items.unwrap()[0];
    assert_eq!(item.updated_at.as_deref(), Some("1663145941129"));
    let request = v1::ListMetricSourceTableItemRequest::new("1", "2")
        .user_id_type(v1::UserIdType::OpenId)
        .page_size("10");
    assert_eq!(query_of(&request), ex.request_query.unwrap());

    let ex = v1::GET_METRIC_SOURCE_TABLE_ITEM_EXAMPLES;
    let data: v1::GetMetricSourceTableItemResponseBody = response(&ex);
    assert_eq!(data.metric_current_value, Some(10.01));
    let request = v1::GetMetricSourceTableItemRequest::new("1", "2", "3")
        .user_id_type(v1::UserIdType::OpenId);
    assert_eq!(query_of(&request), ex.request_query.unwrap());
    assert_eq!(
        request.request_path(),
        "/open-apis/okr/v1/metric_sources/1/tables/2/items/3"
    );
}

#[test]
fn v1_metric_item_batch_update_examples_round_trip() {
    let ex = v1::BATCH_UPDATE_METRIC_SOURCE_TABLE_ITEM_EXAMPLES;
    let body: v1::BatchUpdateMetricSourceTableItemRequestBody =
        round_trip(ex.request_body.unwrap());
    assert_eq!(
        body.items.as_ref().unwrap()[0].metric_target_value,
        Some(3.0)
    );
    let data: v1::BatchUpdateMetricSourceTableItemResponseBody = response(&ex);
    let failed = &data.failed_items.unwrap()[0];
    assert_eq!(
        failed.reason.as_deref(),
        Some("start value equals target value")
    );
    let request = v1::BatchUpdateMetricSourceTableItemRequest::new("1", "2")
        .user_id_type(v1::UserIdType::OpenId)
        .body(body);
    assert_eq!(query_of(&request), ex.request_query.unwrap());
    assert_eq!(
        request.request_path(),
        "/open-apis/okr/v1/metric_sources/1/tables/2/items/batch_update"
    );
    // At most 100 items a request, as the SDK's comment says: checked before sending.
    let items = vec![v1::MetricItemRequest::new().metric_item_id("1"); 101];
    let too_many = v1::BatchUpdateMetricSourceTableItemRequest::new("1", "2")
        .body(v1::BatchUpdateMetricSourceTableItemRequestBody::new().items(items));
    assert!(feishu_perf::Validate::validate(&too_many).is_err());
}

#[test]
fn v2_cycle_objective_and_key_result_list_examples_round_trip() {
    let ex = v2::LIST_OKR_CYCLE_EXAMPLES;
    let data: v2::ListOkrCycleResponseBody = response(&ex);
    let cycle = &data.items.unwrap()[0];
    assert_eq!(
        cycle.owner.as_ref().unwrap().owner_type,
        Some(v2::OwnerType::User)
    );
    let request = v2::ListOkrCycleRequest::new()
        .user_id("ou_3bbe8a09c20e89cce9bff989ed840674")
        .user_id_type(v2::UserIdType::OpenId)
        .page_size(10);
    assert_eq!(query_of(&request), ex.request_query.unwrap());

    let ex = v2::LIST_OKR_CYCLE_OBJECTIVE_EXAMPLES;
    let data: v2::ListOkrCycleObjectiveResponseBody = response(&ex);
    let objective = &data.items.unwrap()[0];
    let blocks = objective.content.as_ref().unwrap().blocks.as_ref().unwrap();
    let paragraph = blocks[0].paragraph.as_ref().unwrap();
    let run = paragraph.elements.as_ref().unwrap()[0]
        .text_run
        .as_ref()
        .unwrap();
    assert_eq!(run.text.as_deref(), Some("周报内容"));
    let request = v2::ListOkrCycleObjectiveRequest::new("7342342398472398471")
        .page_size(10)
        .user_id_type(v2::UserIdType::OpenId)
        .department_id_type(v2::DepartmentIdType::OpenDepartmentId);
    assert_eq!(query_of(&request), ex.request_query.unwrap());

    let ex = v2::LIST_OKR_OBJECTIVE_KEY_RESULT_EXAMPLES;
    let data: v2::ListOkrObjectiveKeyResultResponseBody = response(&ex);
    assert_eq!(data.items.unwrap()[0].position, Some(1));
}

#[test]
fn v2_indicator_examples_round_trip() {
    for ex in [
        v2::LIST_OKR_OBJECTIVE_INDICATOR_EXAMPLES,
        v2::LIST_OKR_KEY_RESULT_INDICATOR_EXAMPLES,
    ] {
        let data: v2::ListOkrObjectiveIndicatorResponseBody = response(&ex);
        let indicator = data.indicator.unwrap();
        assert_eq!(
            indicator.unit.unwrap().unit_value.as_deref(),
            Some("PERCENT")
        );
        let request = v2::ListOkrKeyResultIndicatorRequest::new("1")
            .user_id_type(v2::UserIdType::OpenId)
            .department_id_type(v2::DepartmentIdType::OpenDepartmentId);
        assert_eq!(query_of(&request), ex.request_query.unwrap());
    }

    let ex = v2::PATCH_OKR_INDICATOR_EXAMPLES;
    let body: v2::PatchOkrIndicatorRequestBody = round_trip(ex.request_body.unwrap());
    assert_eq!(body.indicator_status, Some(0));
    let data: v2::PatchOkrIndicatorResponseBody = response(&ex);
    assert_eq!(data.indicator.unwrap().entity_type, Some(2));
    let request = v2::PatchOkrIndicatorRequest::new("7342342398472398473")
        .user_id_type(v2::UserIdType::OpenId)
        .department_id_type(v2::DepartmentIdType::OpenDepartmentId)
        .body(body);
    assert_eq!(query_of(&request), ex.request_query.unwrap());
    assert_eq!(
        request.request_path(),
        "/open-apis/okr/v2/indicators/7342342398472398473"
    );
}
