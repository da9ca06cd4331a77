//! Every documented rule: one value that passes and one that fails, with the
//! JSON path the failure is reported at.

use feishu_perf::okr::v1::{PatchMetricSourceTableItemRequest, UserIdType as OkrUserIdType};
use feishu_perf::performance::v2::{
    AdditionalInformation, ImportAdditionalInformationRequest,
    ImportAdditionalInformationRequestBody, ImportMetricDetailRequest,
    ImportMetricDetailRequestBody, ImportedMetric, ImportedMetricField, QueryReviewTemplateRequest,
    QueryReviewTemplateRequestBody, UserIdType,
};
use feishu_perf::{Rule, Validate, Violation};

fn field() -> ImportedMetricField {
    ImportedMetricField::new("7283776005142675476").field_value("100")
}

fn metric() -> ImportedMetric {
    ImportedMetric::new("ou_1", "7272580325522276372", vec![field()])
}

fn metric_import(metrics: Vec<ImportedMetric>) -> ImportMetricDetailRequest {
    ImportMetricDetailRequest::new(ImportMetricDetailRequestBody::new(
        "7293040702907514899",
        metrics,
    ))
}

fn info() -> AdditionalInformation {
    AdditionalInformation::new(
        "ou_1",
        "业绩补充说明",
        "2024-03-12",
        "销售额增长目标超额完成",
    )
}

fn info_import(items: Vec<AdditionalInformation>) -> ImportAdditionalInformationRequest {
    ImportAdditionalInformationRequest::new(
        ImportAdditionalInformationRequestBody::new("7348736302176534547")
            .additional_informations(items),
    )
}

/// The single violation `value` has; fails if it has none or several.
fn only_violation(value: &impl Validate) -> Violation {
    let errors = value.validate().expect_err("the value should be invalid");
    assert_eq!(errors.violations().len(), 1, "{errors}");
    errors.violations()[0].clone()
}

fn s(n: usize) -> String {
    "字".repeat(n)
}

#[test]
fn imported_metrics_has_1_to_50_items() {
    assert!(metric_import(vec![metric()]).validate().is_ok());
    assert!(metric_import(vec![metric(); 50]).validate().is_ok());
    let v = only_violation(&metric_import(vec![]));
    assert_eq!(v.path, "imported_metrics");
    assert_eq!(
        v.rule,
        Rule::Items {
            min: 1,
            max: 50,
            actual: 0
        }
    );
    assert_eq!(
        only_violation(&metric_import(vec![metric(); 51])).path,
        "imported_metrics"
    );
}

#[test]
fn fields_has_1_to_99_items_reported_at_their_row() {
    assert!(
        metric_import(vec![ImportedMetric::new("ou_1", "m", vec![field(); 99])])
            .validate()
            .is_ok()
    );
    let mut metrics = vec![metric(); 4];
    metrics[3] = ImportedMetric::new("ou_1", "m", vec![]);
    let v = only_violation(&metric_import(metrics));
    assert_eq!(v.path, "imported_metrics[3].fields");
    assert_eq!(
        v.rule,
        Rule::Items {
            min: 1,
            max: 99,
            actual: 0
        }
    );
    let v = only_violation(&metric_import(vec![ImportedMetric::new(
        "ou_1",
        "m",
        vec![field(); 100],
    )]));
    assert_eq!(v.path, "imported_metrics[0].fields");
}

#[test]
fn client_token_is_at_most_64_characters() {
    assert!(
        metric_import(vec![metric()])
            .client_token("a".repeat(64))
            .validate()
            .is_ok()
    );
    let v = only_violation(&metric_import(vec![metric()]).client_token("a".repeat(65)));
    assert_eq!(v.path, "query.client_token");
    assert_eq!(
        v.rule,
        Rule::Length {
            min: 0,
            max: 64,
            actual: 65
        }
    );
    let v = only_violation(&info_import(vec![info()]).client_token(s(65)));
    assert_eq!(v.path, "query.client_token");
}

#[test]
fn user_id_type_is_one_of_the_documented_values() {
    assert!(
        metric_import(vec![metric()])
            .user_id_type(UserIdType::PeopleAdminId)
            .validate()
            .is_ok()
    );
    let v = only_violation(&metric_import(vec![metric()]).user_id_type(UserIdType::from("email")));
    assert_eq!(v.path, "query.user_id_type");
    assert!(
        matches!(v.rule, Rule::AllowedValues { allowed } if allowed.contains(&"people_admin_id"))
    );
    assert_eq!(v.value, "\"email\"");

    // OKR has no people_admin_id.
    let patch = || PatchMetricSourceTableItemRequest::new("1", "2", "3");
    assert!(
        patch()
            .user_id_type(OkrUserIdType::UnionId)
            .validate()
            .is_ok()
    );
    let v = only_violation(&patch().user_id_type(OkrUserIdType::from("people_admin_id")));
    assert_eq!(v.path, "query.user_id_type");
}

#[test]
fn additional_information_lengths() {
    type Case = (
        &'static str,
        fn(AdditionalInformation, usize) -> AdditionalInformation,
        usize,
        usize,
    );
    let cases: [Case; 6] = [
        ("item_id", |i, n| i.item_id(s(n)), 1, 100),
        ("external_id", |i, n| i.external_id(s(n)), 0, 100),
        (
            "reviewee_user_id",
            |mut i, n| {
                i.reviewee_user_id = Some(s(n));
                i
            },
            1,
            9999,
        ),
        (
            "item",
            |mut i, n| {
                i.item = Some(s(n));
                i
            },
            1,
            1000,
        ),
        (
            "time",
            |mut i, n| {
                i.time = Some(s(n));
                i
            },
            1,
            100,
        ),
        (
            "detailed_description",
            |mut i, n| {
                i.detailed_description = Some(s(n));
                i
            },
            1,
            5000,
        ),
    ];
    for (name, set, min, max) in cases {
        for ok in [min.max(1), max] {
            assert!(
                info_import(vec![info(), set(info(), ok)])
                    .validate()
                    .is_ok(),
                "{name} of {ok}"
            );
        }
        let mut bad = vec![max + 1];
        if min > 0 {
            bad.push(min - 1);
        }
        for n in bad {
            let v = only_violation(&info_import(vec![info(), set(info(), n)]));
            assert_eq!(v.path, format!("additional_informations[1].{name}"));
            assert_eq!(
                v.rule,
                Rule::Length {
                    min: min as u64,
                    max: max as u64,
                    actual: n as u64
                }
            );
        }
    }
}

#[test]
fn additional_informations_has_1_to_1000_items() {
    assert!(info_import(vec![info(); 1000]).validate().is_ok());
    assert_eq!(
        only_violation(&info_import(vec![])).path,
        "additional_informations"
    );
    assert_eq!(
        only_violation(&info_import(vec![info(); 1001])).path,
        "additional_informations"
    );
    // Optional: leaving it out is fine.
    let none =
        ImportAdditionalInformationRequest::new(ImportAdditionalInformationRequestBody::new("1"));
    assert!(none.validate().is_ok());
}

#[test]
fn semester_id_and_import_record_name_lengths() {
    let with = |semester: String, name: String| {
        ImportAdditionalInformationRequest::new(
            ImportAdditionalInformationRequestBody::new(semester).import_record_name(name),
        )
    };
    assert!(with(s(100), s(200)).validate().is_ok());
    assert!(with(s(1), String::new()).validate().is_ok());
    assert_eq!(
        only_violation(&with(String::new(), s(1))).path,
        "semester_id"
    );
    assert_eq!(only_violation(&with(s(101), s(1))).path, "semester_id");
    assert_eq!(
        only_violation(&with(s(1), s(201))).path,
        "import_record_name"
    );
}

#[test]
fn review_template_query_page_size_and_ids() {
    let query = || QueryReviewTemplateRequest::new();
    assert!(query().page_size(0).validate().is_ok());
    assert!(query().page_size(50).validate().is_ok());
    for bad in [-1, 51] {
        let v = only_violation(&query().page_size(bad));
        assert_eq!(v.path, "query.page_size");
        assert_eq!(
            v.rule,
            Rule::Range {
                min: Some(0),
                max: Some(50)
            }
        );
    }
    let ids = |n: usize| {
        query().body(
            QueryReviewTemplateRequestBody::new().review_template_ids(vec!["1".to_owned(); n]),
        )
    };
    assert!(ids(0).validate().is_ok());
    assert!(ids(50).validate().is_ok());
    let v = only_violation(&ids(51));
    assert_eq!(v.path, "review_template_ids");
    assert_eq!(
        v.rule,
        Rule::Items {
            min: 0,
            max: 50,
            actual: 51
        }
    );
}

#[test]
fn every_violation_is_reported_not_just_the_first() {
    let request = info_import(vec![info().item_id(""), info(), info().external_id(s(101))])
        .client_token(s(65));
    let errors = request.validate().unwrap_err();
    let paths: Vec<&str> = errors
        .violations()
        .iter()
        .map(|v| v.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "query.client_token",
            "additional_informations[0].item_id",
            "additional_informations[2].external_id"
        ]
    );
    let text = errors.to_string();
    assert!(text.starts_with("3 invalid values"), "{text}");
    assert!(
        text.contains(
            "additional_informations[2].external_id: length must be 0..=100 characters, found 101"
        ),
        "{text}"
    );
}

#[test]
fn required_fields_cannot_be_left_out_of_json_either() {
    // In Rust a required field is a constructor argument; JSON without it is refused by name.
    let err = serde_json::from_str::<ImportMetricDetailRequestBody>(r#"{"imported_metrics": []}"#)
        .unwrap_err();
    assert!(
        err.to_string().contains("missing field `semester_id`"),
        "{err}"
    );
    let err = serde_json::from_str::<ImportedMetricField>(r#"{"field_value": "1"}"#).unwrap_err();
    assert!(
        err.to_string().contains("missing field `field_id`"),
        "{err}"
    );
}

#[test]
fn an_empty_path_parameter_is_missing_not_another_url() {
    // `/indicators/` would be another URL than `/indicators/{indicator_id}`.
    let v = only_violation(&feishu_perf::okr::v2::PatchOkrIndicatorRequest::new(""));
    assert_eq!(v.path, "path.indicator_id");
    assert_eq!(v.rule, Rule::Required);
    assert!(
        feishu_perf::okr::v2::PatchOkrIndicatorRequest::new("7342342398472398473")
            .validate()
            .is_ok()
    );
    let errors = PatchMetricSourceTableItemRequest::new("", "7041857032248410131", "")
        .validate()
        .expect_err("two empty segments");
    let paths: Vec<&str> = errors
        .violations()
        .iter()
        .map(|v| v.path.as_str())
        .collect();
    assert_eq!(
        paths,
        ["path.metric_source_id", "path.metric_item_id"],
        "{errors}"
    );
}
