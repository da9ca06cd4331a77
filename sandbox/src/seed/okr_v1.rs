//! The OKR v1 part of the fixture: the tenant's periods and period rules,
//! progress records and reviews. v1 and v2 are one world: a v1 OKR is a
//! user's v2 cycle (same id; its `period_id` is the cycle's
//! `tenant_cycle_id`), its objectives and key results are the v2 records
//! (same ids), and a progress record belongs to one objective (target type
//! 2) or key result (target type 3) of them. That the two versions share
//! their ids is the sandbox's choice: no source says how they relate.
//!
//! Where a page's example names an id, the fixture holds it: the OKR
//! `7072252816005349396` of period `7067724095781142548` with objective
//! `7073360513731690515` and key result `7073360471990140948` (the OKR
//! examples), objective `7043693679567028244` (the progress-create
//! example's target), progress record `7041857032248410131` (the example of
//! get, update and delete), period rule `6969864184272078374` and the period
//! of the same id (the create and patch examples).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::open_id;

/// The period of the OKR examples (`2022 年 3 月`).
pub const PERIOD_EXAMPLE: &str = "7067724095781142548";
/// The period of the v2 cycles [`super::okr::CYCLE`] and [`super::okr::CYCLE_OTHER`].
pub const PERIOD: &str = "7342342398472398472";
/// The period of [`super::okr::CYCLE_EARLIER`].
pub const PERIOD_EARLIER: &str = "7342342398472398482";
/// The period of the patch example, made by [`RULE_MONTH`] from December 2021.
pub const PERIOD_PATCH_EXAMPLE: &str = "6969864184272078374";
/// A monthly rule (the create example's), any month fits it.
pub const RULE_MONTH: &str = "6969864184272078374";
/// A quarterly rule whose quarters start in January.
pub const RULE_QUARTER: &str = "6969864184272078375";
/// The yearly rule of the rule-list example.
pub const RULE_YEAR: &str = "134";
/// The user of the pages' examples: the owner of [`OKR_EXAMPLE`] (an
/// open_id the OKR records know, not one of the tenant's generated users).
pub const USER_EXAMPLE: &str = "ou-asdasdasdasdasd";
/// The period of the review example's query.
pub const PERIOD_REVIEW_EXAMPLE: &str = "6951461264858777132";
/// The OKR (a v2 cycle of [`USER_EXAMPLE`]) of the OKR examples.
pub const OKR_EXAMPLE: &str = "7072252816005349396";
/// Its objective.
pub const OBJECTIVE_EXAMPLE: &str = "7073360513731690515";
/// Its key result.
pub const KEY_RESULT_EXAMPLE: &str = "7073360471990140948";
/// The objective the progress-create example posts to, in [`OKR_EXAMPLE`].
pub const OBJECTIVE_CREATE_EXAMPLE: &str = "7043693679567028244";
/// The progress record of the get, update and delete examples (on [`OBJECTIVE_EXAMPLE`]).
pub const PROGRESS_EXAMPLE: &str = "7041857032248410131";
/// The progress record of the get response example (on [`KEY_RESULT_EXAMPLE`]).
pub const PROGRESS_EXAMPLE_2: &str = "7046518160811425812";

/// OKR v1 data.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OkrV1 {
    /// Periods of the tenant.
    pub periods: Vec<Period>,
    /// Period rules (`period_rule` as the page gives it).
    pub period_rules: Vec<Value>,
    /// Progress records, oldest first.
    pub progress_records: Vec<ProgressRecord>,
    /// Reviews: one user's links in one period.
    pub reviews: Vec<Review>,
}

/// A period, and the rule and month it was made from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Period {
    /// `id`
    pub id: String,
    /// `zh_name`
    pub zh_name: String,
    /// `en_name`
    pub en_name: String,
    /// `status` as last set (the list's values; a patch stores its own).
    pub status: i64,
    /// `period_start_time`, ms.
    pub period_start_time: String,
    /// `period_end_time`, ms.
    pub period_end_time: String,
    /// The rule it was made by.
    pub period_rule_id: String,
    /// `YYYY-MM` of its first month.
    pub start_month: String,
    /// `YYYY-MM` of its last month.
    pub end_month: String,
}

/// A progress record of an objective (type 2) or key result (type 3).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProgressRecord {
    /// `progress_id`
    pub progress_id: String,
    /// `target_id`
    pub target_id: String,
    /// `target_type`: 2 objective, 3 key result.
    pub target_type: i64,
    /// `modify_time`, ms.
    pub modify_time: String,
    /// `content` as posted.
    pub content: Value,
    /// `progress_rate` as posted, if any.
    pub progress_rate: Option<Value>,
    /// `source_title`, `source_url` and the rest of the create, as posted.
    pub source: Value,
}

/// A user's review links in one period.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Review {
    /// The user (open_id).
    pub user: String,
    /// The period.
    pub period_id: String,
    /// `cycle_review_list`
    pub cycle_review_list: Vec<Value>,
    /// `progress_report_list`
    pub progress_report_list: Vec<Value>,
}

/// `YYYY-MM` plus `months`.
pub fn add_months(month: &str, months: i64) -> Option<String> {
    let (y, m) = month.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let (y, m): (i64, i64) = (y.parse().ok()?, m.parse().ok()?);
    if !(1..=12).contains(&m) || !(1970..=9999).contains(&y) {
        return None;
    }
    let n = y * 12 + (m - 1) + months;
    Some(format!("{:04}-{:02}", n / 12, n % 12 + 1))
}

/// Milliseconds since the epoch of the first day of `YYYY-MM`, 00:00 UTC+8.
pub fn month_start_millis(month: &str) -> Option<i64> {
    let (y, m) = month.split_once('-')?;
    let (y, m): (i64, i64) = (y.parse().ok()?, m.parse().ok()?);
    // Days from 1970-01-01 to y-m-01 (civil-from-days, inverted).
    let (y2, m2) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400_000 - 8 * 3_600_000)
}

/// The period made by `rule` (its `length` in months) from `start`.
pub fn period(id: &str, rule: &str, length: i64, start: &str, status: i64) -> Option<Period> {
    let end = add_months(start, length - 1)?;
    let after = add_months(start, length)?;
    let (sy, sm) = start.split_once('-')?;
    let (ey, em) = end.split_once('-')?;
    let (sm, em): (u32, u32) = (sm.parse().ok()?, em.parse().ok()?);
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (zh_name, en_name) = if start == end {
        (
            format!("{sy} 年 {sm} 月"),
            format!("{} {sy}", months[sm as usize - 1]),
        )
    } else {
        (
            format!("{sy} 年 {sm} 月 - {ey} 年 {em} 月"),
            format!(
                "{} {sy} - {} {ey}",
                months[sm as usize - 1],
                months[em as usize - 1]
            ),
        )
    };
    Some(Period {
        id: id.to_owned(),
        zh_name,
        en_name,
        status,
        period_start_time: month_start_millis(start)?.to_string(),
        period_end_time: (month_start_millis(&after)? - 1).to_string(),
        period_rule_id: rule.to_owned(),
        start_month: start.to_owned(),
        end_month: end,
    })
}

/// Rich text of one paragraph of plain text, in v1's shape.
pub fn text_content(s: &str) -> Value {
    json!({"blocks": [{"type": "paragraph", "paragraph": {"elements": [
        {"type": "textRun", "textRun": {"text": s}}
    ]}}]})
}

fn record(id: &str, target: &str, target_type: i64, time: &str, text: &str) -> ProgressRecord {
    ProgressRecord {
        progress_id: id.to_owned(),
        target_id: target.to_owned(),
        target_type,
        modify_time: time.to_owned(),
        content: text_content(text),
        progress_rate: Some(json!({"percent": 30.0, "status": 0})),
        source: json!({"source_title": "周报系统", "source_url": "https://www.zhoubao.com"}),
    }
}

fn link(url: &str, time: &str) -> Value {
    json!({"url": url, "create_time": time})
}

/// The v1 fixture.
pub fn v1() -> OkrV1 {
    let periods = [
        (PERIOD_EXAMPLE, RULE_MONTH, 1, "2022-03", 0),
        (PERIOD_PATCH_EXAMPLE, RULE_MONTH, 1, "2021-12", 0),
        (PERIOD_EARLIER, RULE_QUARTER, 3, "2025-07", 0),
        (PERIOD, RULE_QUARTER, 3, "2025-10", 0),
    ];
    OkrV1 {
        periods: periods
            .iter()
            .filter_map(|&(id, rule, length, start, status)| {
                period(id, rule, length, start, status)
            })
            .collect(),
        period_rules: vec![
            json!({"period_rule_id": RULE_YEAR, "type": "year", "length": 12, "first_month": 12}),
            json!({"period_rule_id": RULE_MONTH, "type": "month", "length": 1, "first_month": 1}),
            json!({"period_rule_id": RULE_QUARTER, "type": "quarter", "length": 3, "first_month": 1}),
        ],
        progress_records: vec![
            record(
                PROGRESS_EXAMPLE,
                OBJECTIVE_EXAMPLE,
                2,
                "1646907590448",
                "需求已评审",
            ),
            record(
                PROGRESS_EXAMPLE_2,
                KEY_RESULT_EXAMPLE,
                3,
                "1640677213095",
                "完成 60%",
            ),
        ],
        reviews: vec![
            Review {
                user: USER_EXAMPLE.to_owned(),
                period_id: PERIOD_REVIEW_EXAMPLE.to_owned(),
                cycle_review_list: vec![link(
                    "https://okr-boe1.feishu-boe.cn/docs/docbcZ4PTuEDd2MBJ9k2W4rOeY1",
                    "1646902033525",
                )],
                progress_report_list: vec![
                    link(
                        "https://okr-boe1.feishu-boe.cn/docs/docbcthFL8qo5ENgYW5k3iTLZWf",
                        "1646904637251",
                    ),
                    link(
                        "https://okr-boe1.feishu-boe.cn/docs/docbcRS2NbVRcPfm77W9H4031qb",
                        "1646902091512",
                    ),
                ],
            },
            Review {
                user: open_id(1),
                period_id: PERIOD.to_owned(),
                cycle_review_list: vec![],
                progress_report_list: vec![link(
                    "https://example.feishu.cn/docx/weekly-report-1",
                    "1761000000000",
                )],
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_their_times() {
        assert_eq!(add_months("2022-12", 1).as_deref(), Some("2023-01"));
        assert_eq!(add_months("2022-01", -1).as_deref(), Some("2021-12"));
        assert_eq!(add_months("2022-13", 0), None);
        assert_eq!(add_months("22-01", 0), None);
        // 2022-03-01 00:00 at UTC+8.
        assert_eq!(month_start_millis("2022-03"), Some(1_646_064_000_000));
        let p = period("1", RULE_QUARTER, 3, "2025-10", 0).unwrap();
        assert_eq!(p.end_month, "2025-12");
        assert_eq!(p.zh_name, "2025 年 10 月 - 2025 年 12 月");
    }
}
