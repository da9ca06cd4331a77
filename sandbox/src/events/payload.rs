//! The events the sandbox raises, in the v2 envelope of their pages
//! (`schema/performance/v2/events/`): `performance.review_data.changed_v2` and
//! `performance.stage_task.open_result_v2`, one item a reviewee.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::seed::Seed;

/// `POST /_sandbox/events/review_data_changed`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewDataChanged {
    /// The semester; the seed's first.
    pub semester_id: Option<String>,
    /// The activity; the semester's first in the seed.
    pub activity_id: Option<String>,
    /// Reviewees by open_id; the semester's first.
    pub reviewees: Option<Vec<String>>,
    pub stage_id: Option<String>,
    /// `stage_type`; `leader_review` (the final result) by default.
    pub stage_type: Option<String>,
    /// `review_stage_role`; `solid_line_leader` by default.
    pub review_stage_role: Option<String>,
}

/// `POST /_sandbox/events/results_opened`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsOpened {
    pub semester_id: Option<String>,
    pub activity_id: Option<String>,
    pub reviewees: Option<Vec<String>>,
}

fn semester_and_activity(
    seed: &Seed,
    semester: Option<String>,
    activity: Option<String>,
) -> Result<(String, String, Vec<String>), String> {
    let semester = match semester {
        Some(s) => seed
            .semesters
            .iter()
            .find(|x| x.semester_id == s)
            .ok_or(format!("no semester {s} in the seed"))?,
        None => seed.semesters.first().ok_or("the seed has no semester")?,
    };
    let activity = match activity {
        Some(a) => a,
        None => seed
            .activities
            .iter()
            .find(|a| a.semester_id == semester.semester_id)
            .map(|a| a.activity_id.clone())
            .unwrap_or_default(),
    };
    Ok((
        semester.semester_id.clone(),
        activity,
        semester.reviewees.clone(),
    ))
}

fn user_id(seed: &Seed, open_id: &str) -> Result<Value, String> {
    let u = seed
        .users
        .iter()
        .find(|u| u.open_id == open_id)
        .ok_or(format!("no user {open_id} in the seed"))?;
    Ok(json!({"union_id": u.union_id, "user_id": u.user_id, "open_id": u.open_id}))
}

fn reviewees(given: Option<Vec<String>>, of_semester: &[String]) -> Result<Vec<String>, String> {
    let list = given.unwrap_or_else(|| of_semester.iter().take(1).cloned().collect());
    if list.is_empty() || list.len() > 1000 {
        return Err("give between 1 and 1000 reviewees".into());
    }
    Ok(list)
}

pub fn review_data_changed(seed: &Seed, r: ReviewDataChanged) -> Result<Value, String> {
    let (semester, activity, of_semester) =
        semester_and_activity(seed, r.semester_id, r.activity_id)?;
    let stage = json!({
        "stage_id": r.stage_id.unwrap_or_else(|| "7026250586485114406".into()),
        "stage_type": r.stage_type.unwrap_or_else(|| "leader_review".into()),
        "review_stage_role": r.review_stage_role.unwrap_or_else(|| "solid_line_leader".into()),
    });
    let items = reviewees(r.reviewees, &of_semester)?
        .iter()
        .map(|id| {
            Ok(json!({
                "user_id": user_id(seed, id)?,
                "semester_id": semester,
                "activity_id": activity,
                "stage_changes": [stage],
            }))
        })
        .collect::<Result<Vec<Value>, String>>()?;
    Ok(json!({ "items": items }))
}

pub fn results_opened(seed: &Seed, r: ResultsOpened, now_ms: u128) -> Result<Value, String> {
    let (semester, activity, of_semester) =
        semester_and_activity(seed, r.semester_id, r.activity_id)?;
    let items = reviewees(r.reviewees, &of_semester)?
        .iter()
        .map(|id| {
            Ok(json!({
                "user_id": user_id(seed, id)?,
                "semester_id": semester,
                "activity_id": activity,
                "open_time": now_ms.to_string(),
            }))
        })
        .collect::<Result<Vec<Value>, String>>()?;
    Ok(json!({ "items": items }))
}
