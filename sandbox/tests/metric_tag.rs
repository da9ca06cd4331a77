//! `GET /open-apis/performance/v2/metric_tags`: the one endpoint limited per second.

mod common;

use std::time::Duration;

use common::*;
use feishu_sandbox::Config;
use feishu_sandbox::seed::ids::*;

const PATH: &str = "/open-apis/performance/v2/metric_tags";

#[tokio::test]
async fn lists_pages_and_picks_by_repeated_tag_ids_in_the_documented_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let reply = get(&sandbox, &token, PATH).await;
    assert_shape(&example!("metric_tag.list.response"), &reply.json());
    assert_eq!(data(&reply)["items"].as_array().unwrap().len(), 2);
    let first = data(&get(&sandbox, &token, &format!("{PATH}?page_size=1")).await);
    assert_eq!(first["items"][0]["tag_id"], TAG);
    let next = first["page_token"].as_str().unwrap();
    let second = data(
        &get(
            &sandbox,
            &token,
            &format!("{PATH}?page_size=1&page_token={next}"),
        )
        .await,
    );
    assert_eq!(second["items"][0]["tag_id"], TAG_2);
    assert_eq!(second["has_more"], false);
    let picked = data(
        &get(
            &sandbox,
            &token,
            &format!("{PATH}?tag_ids={TAG_2}&tag_ids=404&page_size=1"),
        )
        .await,
    );
    assert_eq!(
        picked["items"].as_array().unwrap().len(),
        1,
        "tag_ids: not paged"
    );
    assert_eq!(picked["items"][0]["tag_id"], TAG_2);
}

#[tokio::test]
async fn documented_errors() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    assert_error(
        &get(&sandbox, &token, &format!("{PATH}?page_size=51")).await,
        400,
        1580102,
    );
    assert_error(
        &get(&sandbox, &token, &format!("{PATH}?page_token=abc")).await,
        400,
        1580107,
    );
}

#[tokio::test]
async fn ten_a_second() {
    // A 3600 s "minute" makes the second a minute long: ten calls fit in it
    // however busy the machine is.
    let sandbox = start_with(Config {
        rate_window: Duration::from_secs(3600),
        ..Config::default()
    })
    .await;
    let token = token(&sandbox).await;
    for _ in 0..10 {
        data(&get(&sandbox, &token, PATH).await);
    }
    let limited = get(&sandbox, &token, PATH).await;
    assert_eq!((limited.status, limited.code()), (429, 99991400));
    assert_eq!(
        limited.header("x-ogw-ratelimit-limit").as_deref(),
        Some("10")
    );
}
