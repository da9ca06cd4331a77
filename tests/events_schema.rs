//! The generated event kinds: each page's example reads into its typed object and writes back
//! as it was; a value the page does not list is kept; an unknown event type is left to the
//! caller; a mistyped object is an error, not a panic.
#![cfg(feature = "events")]

use feishu_perf::OpenEnum;
use feishu_perf::events::review_data_changed_v2::{ReviewStageRole, StageType};
use feishu_perf::events::{EVENTS, Event, descriptor};
use serde_json::{Value, json};

fn example(event_type: &str) -> Value {
    let d = descriptor(event_type).expect("the schema has the event");
    serde_json::from_str(d.example.expect("the page has an example")).unwrap()
}

#[test]
fn every_pages_example_reads_into_its_type_and_writes_back_unchanged() {
    assert_eq!(
        EVENTS.iter().map(|d| d.event_type).collect::<Vec<_>>(),
        [
            "performance.review_data.changed_v2",
            "performance.stage_task.open_result_v2"
        ]
    );
    for d in EVENTS {
        let whole = example(d.event_type);
        assert_eq!(whole["header"]["event_type"], d.event_type);
        let object = whole["event"].clone();
        let event = Event::from_json(d.event_type, object.clone())
            .expect("a known type")
            .unwrap_or_else(|e| panic!("{}: {e}", d.event_type));
        assert_eq!(event.event_type(), d.event_type);
        assert_eq!(serde_json::to_value(&event).unwrap(), object);
    }
}

#[test]
fn the_review_data_example_has_its_stage_and_role() {
    let whole = example("performance.review_data.changed_v2");
    let Some(Ok(Event::ReviewDataChangedV2(e))) =
        Event::from_json("performance.review_data.changed_v2", whole["event"].clone())
    else {
        panic!("not read");
    };
    let items = e.items.unwrap();
    let change = &items[0].stage_changes.as_ref().unwrap()[0];
    assert_eq!(change.stage_type, Some(StageType::LeaderReview));
    assert_eq!(
        change.review_stage_role,
        Some(ReviewStageRole::SolidLineLeader)
    );
    assert_eq!(items[0].semester_id.as_deref(), Some("7343576973861453844"));
    assert_eq!(
        items[0].user_id.as_ref().unwrap().open_id.as_deref(),
        Some("ou_84aad35d084aa403a838cf73ee18467")
    );
}

#[test]
fn a_value_the_page_does_not_list_is_kept_and_written_back() {
    let object = json!({"items": [{"stage_changes": [{"stage_type": "calibration", "review_stage_role": "hrbp"}]}]});
    let Some(Ok(event)) = Event::from_json("performance.review_data.changed_v2", object.clone())
    else {
        panic!("not read");
    };
    let Event::ReviewDataChangedV2(e) = &event else {
        panic!("another kind")
    };
    let change = &e.items.as_ref().unwrap()[0].stage_changes.as_ref().unwrap()[0];
    let stage = change.stage_type.as_ref().unwrap();
    assert!(stage.is_unknown());
    assert_eq!(stage.as_str(), "calibration");
    assert_eq!(serde_json::to_value(&event).unwrap(), object);
}

#[test]
fn an_unknown_type_is_left_to_the_caller_and_a_mistyped_object_is_an_error() {
    assert!(Event::from_json("contact.user.created_v3", json!({"x": 1})).is_none());
    let bad = Event::from_json(
        "performance.stage_task.open_result_v2",
        json!({"items": "x"}),
    )
    .unwrap();
    assert!(bad.is_err());
    // Every field may be absent: no page says one is always sent.
    let empty = Event::from_json("performance.stage_task.open_result_v2", json!({})).unwrap();
    assert!(empty.is_ok());
}
