//! What the docs' examples say beyond a round trip (which `tests/registry.rs`
//! checks for every endpoint): the typed values they hold, the call example's
//! query string and path, undocumented enum values kept, optional members.

use feishu_perf::okr::v1::{
    PATCH_METRIC_SOURCE_TABLE_ITEM_EXAMPLES, PatchMetricSourceTableItemRequest,
    PatchMetricSourceTableItemRequestBody, PatchMetricSourceTableItemResponseBody,
};
use feishu_perf::performance::v2::{
    IMPORT_METRIC_DETAIL_EXAMPLES, ImportAdditionalInformationResponseBody,
    ImportMetricDetailRequest, ImportMetricDetailRequestBody, ImportMetricDetailResponseBody,
    QUERY_REVIEW_TEMPLATE_EXAMPLES, QueryReviewTemplateRequestBody,
    QueryReviewTemplateResponseBody, ReviewStageRole, ReviewTemplateStatus, StageType, UserIdType,
};
use feishu_perf::{ApiRequest, Validate};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Parses `json` as `T`, serialises it back, and checks nothing was lost or added.
fn round_trip<T: DeserializeOwned + Serialize>(json: &str) -> T {
    let original: Value = serde_json::from_str(json).expect("the doc example is JSON");
    let typed: T = serde_json::from_value(original.clone()).expect("the doc example parses");
    let back = serde_json::to_value(&typed).unwrap();
    assert_eq!(back, original, "round trip changed the example");
    typed
}

/// The `data` of a documented response, after checking its envelope.
fn data_of(response: &str) -> String {
    let envelope: Value = serde_json::from_str(response).unwrap();
    assert_eq!(envelope["code"], 0);
    assert_eq!(envelope["msg"], "success");
    envelope["data"].to_string()
}

#[test]
fn metric_detail_import_examples_round_trip() {
    let ex = IMPORT_METRIC_DETAIL_EXAMPLES;
    let body: ImportMetricDetailRequestBody = round_trip(ex.request_body.unwrap());
    assert_eq!(
        body.imported_metrics[0].fields[0].field_value.as_deref(),
        Some("100")
    );
    let data: ImportMetricDetailResponseBody = round_trip(&data_of(ex.response.unwrap()));
    assert_eq!(
        data.import_record_id.as_deref(),
        Some("7241404194141224979")
    );

    // The call example's query string is what the request type sends.
    let request = ImportMetricDetailRequest::new(body)
        .client_token("12454646")
        .user_id_type(UserIdType::OpenId);
    let query: Vec<String> = request
        .query_pairs()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(query.join("&"), ex.request_query.unwrap());
}

#[test]
fn review_template_query_examples_round_trip_with_undocumented_values() {
    let ex = QUERY_REVIEW_TEMPLATE_EXAMPLES;
    let body: QueryReviewTemplateRequestBody = round_trip(ex.request_body.unwrap());
    assert_eq!(body.review_template_ids.unwrap(), ["7343513161666707459"]);
    let data: QueryReviewTemplateResponseBody = round_trip(&data_of(ex.response.unwrap()));
    assert_eq!(data.has_more, Some(true));
    let template = &data.review_templates.as_ref().unwrap()[0];
    assert_eq!(template.status, Some(ReviewTemplateStatus::Enabled));
    let stage = &template.templates.as_ref().unwrap()[0];
    // The doc's own example uses a stage type its list doesn't have: kept verbatim.
    assert_eq!(
        stage.stage_type,
        Some(StageType::Unknown("leader_review".into()))
    );
    assert_eq!(stage.review_stage_role, Some(ReviewStageRole::Reviewee));
    assert_eq!(
        stage.review_stage_data_write_mode.as_deref(),
        Some("cooperate,independent")
    );
    // The misspelt wire name is read into the correctly spelt Rust field.
    let field = &template.units.as_ref().unwrap()[0].fields.as_ref().unwrap()[0];
    assert_eq!(
        field
            .objective_text_question_title
            .as_ref()
            .unwrap()
            .en_us
            .as_deref(),
        Some("Interactive experience")
    );
}

#[test]
fn okr_metric_item_patch_examples_round_trip() {
    let ex = PATCH_METRIC_SOURCE_TABLE_ITEM_EXAMPLES;
    let body: PatchMetricSourceTableItemRequestBody = round_trip(ex.request_body.unwrap());
    assert_eq!(body.metric_target_value, Some(3.0));
    let data: PatchMetricSourceTableItemResponseBody = round_trip(&data_of(ex.response.unwrap()));
    assert_eq!(
        data.metric_unit.unwrap().ja_jp.as_deref(),
        Some("シャオ・ミン")
    );
    assert_eq!(data.updated_at.as_deref(), Some("1663145941129"));

    let request = PatchMetricSourceTableItemRequest::new(
        "7041857032248410131",
        "7041857032248410131",
        "7041857032248410131",
    )
    .body(body);
    assert_eq!(
        request.request_path(),
        "/open-apis/okr/v1/metric_sources/7041857032248410131/tables/7041857032248410131/items/7041857032248410131"
    );
}

#[test]
fn unknown_enum_values_survive_and_known_ones_use_their_variant() {
    let stage: StageType = serde_json::from_str("\"leader_review\"").unwrap();
    assert_eq!(serde_json::to_string(&stage).unwrap(), "\"leader_review\"");
    let stage: StageType = serde_json::from_str("\"calibration\"").unwrap();
    assert_eq!(stage, StageType::Calibration);
    assert_eq!(stage.to_string(), "calibration");
}

#[test]
fn unset_optional_fields_are_omitted_not_null() {
    let body = ImportMetricDetailRequestBody::new("1", vec![]);
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        serde_json::json!({"semester_id": "1", "imported_metrics": []})
    );
}

#[test]
fn an_information_item_is_required_in_a_request_not_in_a_response() {
    // The information import's items: required in a request, not in a response.
    let data: ImportAdditionalInformationResponseBody = serde_json::from_str(
        r#"{"additional_informations": [{"item_id": "7350195758357807123"}]}"#,
    )
    .unwrap();
    let item = &data.additional_informations.unwrap()[0];
    assert_eq!(item.reviewee_user_id, None);
    // ...and a request without one is refused before it is sent.
    let mut item = item.clone();
    item.item = Some("业绩补充说明".into());
    let errors = item.validate().unwrap_err().to_string();
    assert!(errors.contains("reviewee_user_id: is required"), "{errors}");
    assert!(
        errors.contains("detailed_description: is required"),
        "{errors}"
    );
}
