//! Builds the requests shown on the documentation pages with the generated
//! builders, validates them, and prints what would be sent; then shows the
//! report for a request that breaks the documented rules.
//!
//! `cargo run --example doc_requests`

use feishu_perf::ApiRequest;
use feishu_perf::okr::v1::{
    PatchMetricSourceTableItemRequest, PatchMetricSourceTableItemRequestBody,
};
use feishu_perf::performance::v2::{
    AdditionalInformation, ImportAdditionalInformationRequest,
    ImportAdditionalInformationRequestBody, ImportMetricDetailRequest,
    ImportMetricDetailRequestBody, ImportedMetric, ImportedMetricField, QueryReviewTemplateRequest,
    QueryReviewTemplateRequestBody, UserIdType,
};

fn show<R: ApiRequest>(request: &R) {
    let d = R::DESCRIPTOR;
    let query: Vec<String> = request
        .query_pairs()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    println!("{} — {}", d.id, d.summary);
    println!("{} {}{}", d.method.as_str(), request.request_path(), query);
    match request.validate() {
        Ok(()) => println!("valid"),
        Err(errors) => println!("{errors}"),
    }
    if let Some(body) = request.json_body() {
        println!(
            "{}",
            serde_json::to_string_pretty(body).expect("a body serialises")
        );
    }
    println!();
}

fn main() {
    show(
        &ImportMetricDetailRequest::new(
            ImportMetricDetailRequestBody::new(
                "7293040702907514899",
                vec![ImportedMetric::new(
                    "ou_3245842393d09e9428ad4655da6e30b3",
                    "7272580325522276372",
                    vec![
                        ImportedMetricField::new("7283776005142675476")
                            .field_value("100")
                            .field_value_person("ou_3245842393d09e9428ad4655da6e30b3"),
                    ],
                )],
            )
            .import_record_name("API录入"),
        )
        .client_token("12454646")
        .user_id_type(UserIdType::OpenId),
    );
    show(
        &ImportAdditionalInformationRequest::new(
            ImportAdditionalInformationRequestBody::new("7348736302176534547")
                .additional_informations(vec![
                    AdditionalInformation::new(
                        "ou_3245842393d09e9428ad4655da6e30b3",
                        "业绩补充说明",
                        "2024-03-12",
                        "销售额增长目标超额完成",
                    )
                    .item_id("7350194523185610771")
                    .external_id("6789523104723558912"),
                ])
                .import_record_name("人工导入"),
        )
        .client_token("12454646"),
    );
    show(
        &QueryReviewTemplateRequest::new().page_size(30).body(
            QueryReviewTemplateRequestBody::new()
                .review_template_ids(vec!["7343513161666707459".into()]),
        ),
    );
    show(
        &PatchMetricSourceTableItemRequest::new(
            "7041857032248410131",
            "7041857032248410131",
            "7041857032248410131",
        )
        .body(
            PatchMetricSourceTableItemRequestBody::new()
                .metric_initial_value(1.0)
                .metric_target_value(3.0)
                .metric_current_value(2.0)
                .supported_user_id("7041857032248410131"),
        ),
    );
    println!("A request that breaks the documented rules is refused before it is sent:");
    show(
        &ImportMetricDetailRequest::new(ImportMetricDetailRequestBody::new(
            "7293040702907514899",
            vec![
                ImportedMetric::new(
                    "ou_1",
                    "7272580325522276372",
                    vec![ImportedMetricField::new("1")],
                ),
                ImportedMetric::new("ou_2", "7272580325522276372", vec![]),
            ],
        ))
        .client_token("x".repeat(65)),
    );
}
