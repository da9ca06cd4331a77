//! A user's test: the client against the published sandbox, on loopback.

use feishu_perf::performance::v1::ListSemesterRequest;
use feishu_perf::prelude::*;
use feishu_sandbox::seed::{APP_ID, APP_SECRET};
use feishu_sandbox::{Config, Sandbox};

#[tokio::test]
async fn lists_the_semesters() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start(Config::default()).await?;
    let client = Client::builder()
        .app(APP_ID, APP_SECRET)
        .base_url(sandbox.base_url())
        .build()?;
    let semesters = client
        .performance()
        .v1()
        .semester()
        .list(ListSemesterRequest::new())
        .await?;
    assert!(!semesters.items.unwrap_or_default().is_empty());
    sandbox.stop().await;
    Ok(())
}
