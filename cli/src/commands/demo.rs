//! `demo`: the main job against the embedded sandbox, checked against its ledger.

use feishu_perf_cli::batch::Job;
use feishu_perf_cli::jobs::MetricImport;
use feishu_sandbox::seed::{self, ids};

use super::Context;
use super::import::{import, options};
use crate::args::{ImportArgs, RunArgs};
use crate::exit::{Failure, Status};
use crate::note;

/// Generates a KPI file for the sandbox's fixture (three rows a reviewee, and
/// rows refused by design), imports it under faults, and checks the ledger.
pub async fn run(ctx: &Context, reviewees: usize) -> Result<Status, Failure> {
    let sandbox = ctx
        .sandbox
        .as_ref()
        .ok_or_else(|| Failure::usage("the demo runs against the embedded sandbox"))?;
    let reviewees = reviewees.min(seed::Seed::OUT_OF_SCOPE.start);
    let dir = std::env::temp_dir().join(format!("feishu-perf-demo-{}", std::process::id()));
    let io = |e: &dyn std::fmt::Display| Failure::usage(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(&dir).map_err(|e| io(&e))?;
    let file = dir.join("kpi.csv");
    let mut writer = csv::Writer::from_path(&file).map_err(|e| io(&e))?;
    let mut write = |row: [&str; 5]| writer.write_record(row);
    let result: Result<(), csv::Error> = (|| {
        write(feishu_perf_cli::input::METRIC_COLUMNS)?;
        for n in 0..reviewees {
            let reviewee = seed::open_id(n);
            let value = format!("{}", 60 + n % 40);
            write([&reviewee, ids::METRIC, ids::FIELD_NUMBER, &value, ""])?;
            write([
                &reviewee,
                ids::METRIC,
                ids::FIELD_TEXT,
                "季度销售额超额完成",
                "",
            ])?;
            write([&reviewee, ids::METRIC_2, "7283776005142675482", &value, ""])?;
        }
        // Refused by design: a reviewee outside the app's data scope, and a metric
        // not assigned to its reviewee.
        write([
            &seed::open_id(seed::Seed::OUT_OF_SCOPE.start),
            ids::METRIC,
            ids::FIELD_NUMBER,
            "90",
            "",
        ])?;
        write([
            &seed::open_id(1),
            ids::METRIC_UNASSIGNED,
            "7000000000000000313",
            "1",
            "",
        ])?;
        Ok(())
    })();
    result.map_err(|e| io(&e))?;
    writer.flush().map_err(|e| io(&e))?;
    drop(writer);

    note!(
        "demo: {} rows for {reviewees} reviewees in {}; refused by design:\n  \
         - a reviewee outside the app's data scope (1580112),\n  \
         - a metric not assigned to its reviewee (1580312),\n  \
         - reviewee {}'s text field, which the fixture's administrator filled (1580311): the API takes a \
         reviewee's metric whole, so its other field in that metric is refused with it.",
        reviewees * 3 + 2,
        file.display(),
        seed::Seed::ADMIN_FILLED_REVIEWEE,
    );
    let args = ImportArgs {
        run: RunArgs {
            file: file.clone(),
            encoding: None,
            sheet: None,
            delimiter: None,
            normalize: false,
            journal: Some(dir.join("kpi.journal")),
            no_journal: false,
            rejects: Some(dir.join("kpi.rejects.csv")),
            dry_run: false,
        },
        semester: ids::SEMESTER.into(),
        user_id_type: None,
        batch_size: None,
        record_name: Some("feishu-perf demo".into()),
    };
    let job = MetricImport(options(&args, MetricImport::MAX_UNITS));
    let report = import(ctx, &job, &args.run).await?.report;

    // Every applied row is in the ledger exactly once; every other row was reported.
    let mut written: Vec<(String, String, String)> = sandbox
        .ledger()
        .iter()
        .flat_map(|e| e.rows.iter())
        .map(|r| {
            (
                r["reviewee"].to_string(),
                r["metric_id"].to_string(),
                r["field_id"].to_string(),
            )
        })
        .collect();
    let total = written.len();
    written.sort();
    written.dedup();
    let rejected: usize = report.rejected.iter().map(|r| r.lines.len()).sum();
    note!(
        "in plain words:\n  \
         - \"applied with a lost response\": Feishu applied a request but the answer never arrived (the sandbox \
         dropped the connection after writing); the retry, with the same client_token, was refused as a repeat \
         (1580110), which proves the first one went through: its rows count once.\n  \
         - \"split\": Feishu refuses a whole request for one bad row; the request is cut in two and each half \
         re-sent until the bad reviewee-metric is alone, so every other row still lands.\n\
         faults injected by the sandbox: {:?}",
        sandbox.stats().faults
    );
    note!(
        "sandbox ledger: {total} rows written ({} distinct); report: {} applied, {rejected} rejected",
        written.len(),
        report.applied_rows
    );
    note!(
        "files kept in {} (kpi.csv, kpi.journal, kpi.rejects.csv); delete the folder when done",
        dir.display()
    );
    if total != written.len()
        || total != report.applied_rows
        || report.applied_rows + rejected != report.rows
    {
        return Err(Failure::new(
            Status::Refused,
            "the ledger and the report disagree: a row was lost or written twice",
        ));
    }
    note!("ledger check: every applied row written exactly once, every other row reported");
    Ok(Status::Success)
}
