//! Error-code enums: every row of the docs' tables, the platform-wide codes,
//! and a fallback that keeps unknown numbers.

use feishu_perf::ErrorCode;
use feishu_perf::okr::v1::PatchMetricSourceTableItemErrorCode;
use feishu_perf::performance::v2::{
    ImportAdditionalInformationErrorCode, ImportMetricDetailErrorCode, QueryReviewTemplateErrorCode,
};
use feishu_perf::platform::PlatformErrorCode;

const METRIC_IMPORT_CODES: [i64; 18] = [
    1580101, 1580102, 1580105, 1580110, 1580112, 1580301, 1580302, 1580303, 1580304, 1580305,
    1580306, 1580307, 1580308, 1580309, 1580310, 1580311, 1580312, 1580901,
];

#[test]
fn metric_import_knows_all_18_codes_of_both_doc_versions() {
    for code in METRIC_IMPORT_CODES {
        let e = ImportMetricDetailErrorCode::from_code(code);
        assert!(
            !matches!(
                e,
                ImportMetricDetailErrorCode::Unknown(_) | ImportMetricDetailErrorCode::Platform(_)
            ),
            "{code}"
        );
        assert_eq!(e.code(), code);
        assert!(e.message().is_some() && e.hint().is_some());
    }
    let table: Vec<i64> = ImportMetricDetailErrorCode::TABLE
        .iter()
        .map(|info| info.code)
        .collect();
    assert_eq!(
        table, METRIC_IMPORT_CODES,
        "the table lists all 18 codes, in the page's order"
    );
    let newest = ImportMetricDetailErrorCode::from_code(1580312);
    assert_eq!(
        newest,
        ImportMetricDetailErrorCode::RevieweesMetricsNotFound
    );
    assert_eq!(newest.message(), Some("reviewee's metrics not found"));
    assert_eq!(newest.http_status(), Some(400));
    // The doc's typos are kept.
    assert_eq!(
        ImportMetricDetailErrorCode::from_code(1580305).message(),
        Some("filed id not found in the metric")
    );
    assert_eq!(
        ImportMetricDetailErrorCode::from_code(1580901).message(),
        Some("tenant no licnese")
    );
    assert_eq!(
        ImportMetricDetailErrorCode::from_code(1580101).http_status(),
        Some(500)
    );
}

#[test]
fn each_endpoint_has_its_own_table() {
    assert_eq!(
        ImportAdditionalInformationErrorCode::from_code(1580105).message(),
        Some("semester_id is invalid")
    );
    assert_eq!(
        ImportMetricDetailErrorCode::from_code(1580105).message(),
        Some("invalid semester ID")
    );
    assert_eq!(
        ImportAdditionalInformationErrorCode::from_code(1580204),
        ImportAdditionalInformationErrorCode::ExternalIdIsNotUnique
    );
    assert_eq!(
        QueryReviewTemplateErrorCode::from_code(1580102),
        QueryReviewTemplateErrorCode::ParamIsInvalid
    );
    let okr = PatchMetricSourceTableItemErrorCode::from_code(1001004);
    assert_eq!(okr, PatchMetricSourceTableItemErrorCode::OkrDataNotFound);
    assert_eq!(okr.http_status(), Some(200));
}

#[test]
fn platform_codes_and_unknown_codes() {
    let e = ImportMetricDetailErrorCode::from_code(99991663);
    assert_eq!(
        e,
        ImportMetricDetailErrorCode::Platform(PlatformErrorCode::InvalidTenantAccessToken)
    );
    assert_eq!(e.code(), 99991663);
    assert_eq!(e.message(), Some("invalid or expired tenant token"));
    assert_eq!(
        QueryReviewTemplateErrorCode::from_code(1580107),
        QueryReviewTemplateErrorCode::PageTokenInvalid
    );
    assert_eq!(
        PatchMetricSourceTableItemErrorCode::from_code(99991400).http_status(),
        Some(429)
    );
    let unknown = ImportMetricDetailErrorCode::from_code(4242);
    assert_eq!(unknown, ImportMetricDetailErrorCode::Unknown(4242));
    assert_eq!(unknown.code(), 4242);
    assert_eq!(unknown.message(), None);
    assert_eq!(unknown.to_string(), "4242");
    assert_eq!(
        ImportMetricDetailErrorCode::from_code(1580110).to_string(),
        "1580110 request ID repeat"
    );
}

#[test]
fn descriptors_describe_every_endpoint() {
    use feishu_perf::{ENDPOINTS, HttpMethod};
    // Every performance endpoint of the portal's index, by method and path.
    let index = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/codegen/tests/import/feishu-open-docs/INDEX.tsv"
    ))
    .unwrap();
    let mut performance = 0;
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if !cols[0].starts_with("performance") || cols[1] == "EVENT" {
            continue;
        }
        performance += 1;
        let path = cols[2]
            .split('/')
            .map(|s| match s.strip_prefix(':') {
                Some(p) => format!("{{{p}}}"),
                None => s.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/");
        assert!(
            ENDPOINTS
                .iter()
                .any(|d| d.method.as_str() == cols[1] && d.path_template == path),
            "{line}"
        );
    }
    assert_eq!(performance, 21);
    // Reads sent as POST are retried like any read; writes without a client_token are not.
    for d in ENDPOINTS {
        let read =
            d.id.ends_with(".query") || d.id.ends_with(".list") || d.id.contains(".find_by_");
        if read {
            assert!(d.retry_safe, "{}", d.id);
        }
    }
    let import = ENDPOINTS
        .iter()
        .find(|d| d.id == "performance.v2.metric_detail.import")
        .unwrap();
    assert_eq!(import.method, HttpMethod::Post);
    assert!(import.client_token);
    assert_eq!(import.rate_limit.unwrap().per_minute, Some(10));
    let query = ENDPOINTS
        .iter()
        .find(|d| d.id == "performance.v2.review_template.query")
        .unwrap();
    let pagination = query.pagination.unwrap();
    assert_eq!(
        (
            pagination.items_field,
            pagination.default_page_size,
            pagination.max_page_size
        ),
        ("review_templates", Some(20), Some(50))
    );
    assert!(!query.client_token);
    assert_eq!(query.scopes.len(), 3);
    let patch = ENDPOINTS
        .iter()
        .find(|d| d.id == "okr.v1.metric_source_table_item.patch")
        .unwrap();
    assert_eq!(patch.method, HttpMethod::Patch);
    assert_eq!(patch.rate_limit, None);
}

#[test]
fn how_a_code_is_treated_is_a_schema_fact_with_its_source() {
    use feishu_perf::ENDPOINTS;
    use feishu_perf::okr::v1::PATCH_METRIC_SOURCE_TABLE_ITEM as OKR_PATCH;
    use feishu_perf::performance::v2::{
        IMPORT_ADDITIONAL_INFORMATION, IMPORT_METRIC_DETAIL, QUERY_REVIEW_TEMPLATE,
    };
    let facts = |d: &feishu_perf::EndpointDescriptor, code| d.error(code).unwrap().facts;
    // Internal errors are transient: the performance pages' 1580101 and the OKR page's own two.
    for d in [
        IMPORT_METRIC_DETAIL,
        IMPORT_ADDITIONAL_INFORMATION,
        QUERY_REVIEW_TEMPLATE,
    ] {
        assert!(facts(&d, 1580101).transient, "{}", d.id);
    }
    assert!(facts(&OKR_PATCH, 1009999).transient);
    assert!(facts(&OKR_PATCH, 1009998).transient);
    assert!(!facts(&OKR_PATCH, 1001003).transient);
    // A repeated client_token: only the endpoints that take one.
    for d in ENDPOINTS {
        let expected = d.client_token.then_some(1580110);
        assert_eq!(d.already_applied_code(), expected, "{}", d.id);
        // Platform-wide: a refused token is renewed, 99991400 is rate limiting.
        for code in [99991663, 99991664, 99991671] {
            assert!(facts(d, code).renew_token, "{} {code}", d.id);
        }
        // What a refusal blames, outside the request (exit status 3 on the command line).
        assert_eq!(
            facts(d, 99991661).blames,
            Some(feishu_perf::Blames::Credentials)
        );
        assert_eq!(facts(d, 99991672).blames, Some(feishu_perf::Blames::Scope));
        if let Some(page_token) = d.error(1580107) {
            assert!(
                page_token.facts.source.is_none(),
                "{}: nothing decided",
                d.id
            );
        }
        assert!(facts(d, 99991400).rate_limited);
        // Every decision names where it comes from.
        for info in d.errors.iter().chain(d.platform_errors) {
            if info.facts != feishu_perf::ErrorFacts::NONE {
                let source = info.facts.source.unwrap_or_default();
                assert!(
                    ["page: ", "REFERENCE.md", "decision: "]
                        .iter()
                        .any(|p| source.starts_with(p)),
                    "{} {}: {source:?}",
                    d.id,
                    info.code
                );
            }
        }
    }
    // The typed enums carry the same rows.
    assert_eq!(
        PatchMetricSourceTableItemErrorCode::from_code(1009999)
            .info()
            .unwrap()
            .facts,
        facts(&OKR_PATCH, 1009999)
    );
}

#[test]
fn facts_no_page_states_are_left_out_or_name_their_source() {
    use feishu_perf::AccessTokenType;
    use feishu_perf::okr::v1::PATCH_METRIC_SOURCE_TABLE_ITEM;
    // Token errors: REFERENCE.md gives neither an HTTP status nor a hint.
    for code in [
        99991661, 99991663, 99991664, 99991665, 99991668, 99991671, 99991672, 99991677, 10012,
        10014, 10015,
    ] {
        let e = PlatformErrorCode::from_code(code);
        assert_eq!(e.http_status(), None, "{code}");
        assert_eq!(e.hint(), None, "{code}");
        assert!(e.message().is_some(), "{code}");
    }
    // Page-token errors belong to the endpoints that paginate (REFERENCE.md, Pagination).
    for code in [1580107, 1580108] {
        assert!(matches!(
            ImportMetricDetailErrorCode::from_code(code),
            ImportMetricDetailErrorCode::Unknown(_)
        ));
        assert!(matches!(
            ImportAdditionalInformationErrorCode::from_code(code),
            ImportAdditionalInformationErrorCode::Unknown(_)
        ));
        assert!(matches!(
            PatchMetricSourceTableItemErrorCode::from_code(code),
            PatchMetricSourceTableItemErrorCode::Unknown(_)
        ));
        let paged = QueryReviewTemplateErrorCode::from_code(code);
        assert!(paged.info().is_some(), "{code}");
    }
    // The OKR PATCH page names no token type: the official Python SDK's request accepts both.
    assert_eq!(
        PATCH_METRIC_SOURCE_TABLE_ITEM.access_tokens,
        [AccessTokenType::Tenant, AccessTokenType::User]
    );
}
