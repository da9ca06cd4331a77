//! The main job, against the embedded sandbox: push a review cycle's KPI data,
//! supplementary information and OKR progress, then read the templates back.
//! No credentials, no network: the sandbox runs in this process on loopback.
//!
//! `cargo run --example sandbox_import`

use std::time::{Duration, Instant};

use feishu_perf::okr::v1::{
    PatchMetricSourceTableItemRequest, PatchMetricSourceTableItemRequestBody,
};
use feishu_perf::performance::v2::{
    AdditionalInformation, ImportAdditionalInformationRequest,
    ImportAdditionalInformationRequestBody, ImportMetricDetailRequest,
    ImportMetricDetailRequestBody, ImportedMetric, ImportedMetricField, QueryReviewTemplateRequest,
};
use feishu_perf::prelude::*;
use feishu_perf::{Pacing, RetryPolicy};
use feishu_sandbox::seed::{APP_ID, APP_SECRET, ids, open_id};
use feishu_sandbox::{Config, Sandbox};
use futures::StreamExt;

/// Reviewees of the sandbox's semester the app may write (the fixture keeps the last ten out of scope).
const REVIEWEES: usize = 240;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A sandbox whose rate-limit window is one second instead of a minute, with
    // a few faults on the way so the retries show.
    let window = Duration::from_secs(1);
    let sandbox = Sandbox::start(Config {
        rate_window: window,
        faults: "ok,500,ok,apply_drop,ok,502".into(),
        ..Config::default()
    })
    .await?;
    println!("sandbox at {}", sandbox.base_url());

    let client = Client::builder()
        .app(APP_ID, APP_SECRET)
        .base_url(sandbox.base_url())
        .pacing(Pacing::Documented { window })
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .build()?;

    // 1. KPI values: one row per reviewee, 50 reviewees per request (the documented maximum).
    let started = Instant::now();
    let (mut applied, mut already) = (0, 0);
    let rows: Vec<ImportedMetric> = (0..REVIEWEES)
        .map(|n| {
            ImportedMetric::new(
                open_id(n),
                ids::METRIC,
                vec![
                    ImportedMetricField::new(ids::FIELD_NUMBER)
                        .field_value(format!("{}", 60 + n % 40)),
                ],
            )
        })
        .collect();
    for batch in rows.chunks(50) {
        let request = ImportMetricDetailRequest::new(
            ImportMetricDetailRequestBody::new(ids::SEMESTER, batch.to_vec())
                .import_record_name("BI 同步"),
        );
        match client
            .performance()
            .v2()
            .metric_detail()
            .import(request)
            .await
        {
            Ok(data) => {
                applied += batch.len();
                println!(
                    "imported {:>2} rows: import_record_id {}",
                    batch.len(),
                    data.import_record_id.unwrap_or_default()
                );
            }
            // The response was lost but the write went through: not a failure.
            Err(e) if e.is_already_applied() => {
                already += batch.len();
                println!("imported {:>2} rows: {e}", batch.len());
            }
            Err(e) => return Err(e.into()),
        }
    }
    println!(
        "{} KPI rows in {:.1?} ({applied} confirmed, {already} applied with a lost response)",
        applied + already,
        started.elapsed()
    );

    // 2. Supplementary information, created then updated through its external id.
    for text in ["季度销售额超额完成", "季度销售额超额完成 120%"] {
        let request = ImportAdditionalInformationRequest::new(
            ImportAdditionalInformationRequestBody::new(ids::SEMESTER_2).additional_informations(
                vec![
                    AdditionalInformation::new(open_id(1), "业绩补充说明", "2024-Q3", text)
                        .external_id("crm-42"),
                ],
            ),
        );
        let data = client
            .performance()
            .v2()
            .additional_information()
            .import(request)
            .await?;
        let item = &data.additional_informations.unwrap_or_default()[0];
        println!(
            "additional information {} ({:?}): {}",
            item.item_id.as_deref().unwrap_or(""),
            item.external_id,
            item.detailed_description.as_deref().unwrap_or("")
        );
    }

    // 3. OKR progress.
    let patch =
        PatchMetricSourceTableItemRequest::new(ids::OKR_SOURCE, ids::OKR_TABLE, ids::OKR_ITEM)
            .body(PatchMetricSourceTableItemRequestBody::new().metric_current_value(42.0));
    let item = client
        .okr()
        .v1()
        .metric_source_table_item()
        .patch(patch)
        .await?;
    println!(
        "OKR item {}: current value {:?}",
        item.metric_item_id.unwrap_or_default(),
        item.metric_current_value
    );

    // 4. Every review template, across pages.
    let templates: Vec<_> = client
        .paginate(QueryReviewTemplateRequest::new().page_size(20))
        .collect()
        .await;
    let templates: Result<Vec<_>, _> = templates.into_iter().collect();
    println!("{} review templates", templates?.len());

    let ledger = sandbox.ledger();
    let kpi_rows: usize = ledger
        .iter()
        .filter(|e| e.endpoint.ends_with("metric_detail.import"))
        .map(|e| e.rows.len())
        .sum();
    println!(
        "sandbox ledger: {} writes, {kpi_rows} KPI rows (expected {REVIEWEES}), faults injected {:?}",
        ledger.len(),
        sandbox.stats().faults
    );
    assert_eq!(kpi_rows, REVIEWEES, "every row applied exactly once");
    sandbox.stop().await;
    Ok(())
}
