//! Exit status 3 and its hint come from the schema: a code whose decision
//! `blames` the credentials, the app's scopes or the tenant's licence exits 3
//! with the decision's `check`, and the command line keeps no code list of
//! its own.

mod common;

use common::{against, command, text};
use feishu_perf::performance::v2::QueryReviewTemplateRequest;
use feishu_perf::platform::PlatformErrorCode;
use feishu_perf::registry::REGISTRY;
use feishu_perf::{ApiRequest, Blames, ErrorCode, ErrorInfo};
use feishu_sandbox::{Config, Sandbox, Seed};

/// The decision's `check` of `code` in `table`.
fn check_of(table: &'static [ErrorInfo], code: i64) -> &'static str {
    let info = table
        .iter()
        .find(|i| i.code == code)
        .unwrap_or_else(|| panic!("{code} is documented"));
    info.facts
        .check
        .unwrap_or_else(|| panic!("{code}: the schema says what to check"))
}

#[test]
fn the_schema_classifies_the_codes_that_blame_credentials_scopes_or_the_licence() {
    let platform: Vec<(i64, Blames)> = PlatformErrorCode::TABLE
        .iter()
        .filter_map(|i| Some((i.code, i.facts.blames?)))
        .collect();
    // Every token code REFERENCE.md (Access tokens) lists.
    let credentials = [
        99991661, 99991663, 99991664, 99991665, 99991668, 99991671, 99991677, 10012, 10014, 10015,
    ];
    for code in credentials {
        assert!(
            platform.contains(&(code, Blames::Credentials)),
            "{code}: {platform:?}"
        );
    }
    assert!(
        platform.contains(&(99991672, Blames::Scope)),
        "{platform:?}"
    );
    assert_eq!(platform.len(), credentials.len() + 1, "{platform:?}");
    // No performance seats: on every endpoint whose page lists it.
    let mut licence = 0;
    for entry in REGISTRY {
        for info in entry.descriptor.errors {
            if info.code == 1580901 {
                assert_eq!(
                    info.facts.blames,
                    Some(Blames::Licence),
                    "{}",
                    entry.descriptor.id
                );
                assert!(info.facts.check.is_some(), "{}", entry.descriptor.id);
                licence += 1;
            } else if info.facts.blames.is_some() {
                panic!(
                    "{}: {} blames {:?}",
                    entry.descriptor.id, info.code, info.facts.blames
                );
            }
        }
    }
    assert_eq!(licence, 15, "the pages that list 1580901");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blamed_code_exits_3_with_the_schemas_hint() {
    // No performance seats (1580901): the endpoint's own table decides.
    let mut seed = Seed::fixture();
    seed.performance_licensed = false;
    let sandbox = Sandbox::start(Config {
        seed,
        ..Config::default()
    })
    .await
    .unwrap();
    let out = against(&sandbox.base_url(), &["review-templates", "list"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let check = check_of(QueryReviewTemplateRequest::DESCRIPTOR.errors, 1580901);
    assert!(text(&out).contains("1580901"), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("check {check}")),
        "{check:?} in:\n{}",
        text(&out)
    );

    // A wrong secret (10015), from the token endpoint: the platform's table decides.
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let wrong = command(&["review-templates", "list"])
        .env("FEISHU_APP_ID", feishu_sandbox::seed::APP_ID)
        .env("FEISHU_APP_SECRET", "not-the-secret")
        .env("FEISHU_BASE_URL", sandbox.base_url())
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(3), "{}", text(&wrong));
    let check = PlatformErrorCode::from_code(10015)
        .info()
        .and_then(|i| i.facts.check)
        .unwrap();
    assert!(
        text(&wrong).contains(&format!("check {check}")),
        "{check:?} in:\n{}",
        text(&wrong)
    );
}
