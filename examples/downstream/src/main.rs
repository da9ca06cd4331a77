//! Lists the semesters of the tenant whose app is in `FEISHU_APP_ID` and `FEISHU_APP_SECRET`
//! (or of the server at `FEISHU_BASE_URL`).

use feishu_perf::performance::v1::ListSemesterRequest;
use feishu_perf::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), feishu_perf::Error> {
    let client = Client::builder().from_env()?.build()?;
    let semesters = client
        .performance()
        .v1()
        .semester()
        .list(ListSemesterRequest::new())
        .await?;
    for semester in semesters.items.unwrap_or_default() {
        println!("{semester:?}");
    }
    Ok(())
}
