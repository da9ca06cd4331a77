//! `POST /open-apis/performance/v1/stage_tasks/find_by_page` and `.../find_by_user_list`.

mod common;

use common::*;
use feishu_sandbox::Seed;
use feishu_sandbox::seed::{ids::*, open_id};
use serde_json::{Value, json};

const BY_PAGE: &str = "/open-apis/performance/v1/stage_tasks/find_by_page";
const BY_USERS: &str = "/open-apis/performance/v1/stage_tasks/find_by_user_list";

/// The find_by_page example shows `has_more`/`page_token` beside `data`,
/// its table inside `data`; the sandbox follows the table.
fn by_page_example() -> Value {
    let mut e = example!("stage_task.find_by_page.response");
    e["data"]["has_more"] = e["has_more"].clone();
    e["data"]["page_token"] = e["page_token"].clone();
    e
}

/// The find_by_user_list example writes `task_option`, its table `task_option_id`.
fn by_users_example() -> Value {
    let text = serde_json::to_string(&example!("stage_task.find_by_user_list.response")).unwrap();
    serde_json::from_str(&text.replace("\"task_option\"", "\"task_option_id\"")).unwrap()
}

#[tokio::test]
async fn the_page_examples_are_accepted_and_answer_in_their_shape() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let mut request = example!("stage_task.find_by_page.request");
    // The example's page_token is one the platform issued: the sandbox's are its own.
    assert_error(
        &post(&sandbox, &token, BY_PAGE, request.clone()).await,
        400,
        1580107,
    );
    request.as_object_mut().unwrap().remove("page_token");
    let reply = post(&sandbox, &token, BY_PAGE, request).await;
    let page = data(&reply);
    assert_eq!(page["base"]["semester_name"]["en-US"], "Demo Semester");
    assert_eq!(page["items"].as_array().unwrap().len(), 30);
    assert_eq!(page["has_more"], true);
    assert_shape(&by_page_example(), &reply.json());

    let reply = post(
        &sandbox,
        &token,
        BY_USERS,
        example!("stage_task.find_by_user_list.request"),
    )
    .await;
    assert!(
        data(&reply)["items"].as_array().unwrap().is_empty(),
        "bega29ca names no user of the fixture"
    );
    let reply = post(
        &sandbox,
        &token,
        &format!("{BY_USERS}?user_id_type=user_id"),
        json!({"semester_id": SEMESTER_TASKS, "user_id_lists": ["u00000"]}),
    )
    .await;
    assert_shape(&by_users_example(), &reply.json());
}

fn items(reply: &Reply) -> Vec<Value> {
    data(reply)["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn pages_over_every_reviewee_in_scope_with_counts_by_option() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    let mut users = Vec::new();
    let mut body = json!({"semester_id": SEMESTER, "page_size": 50});
    loop {
        let reply = post(&sandbox, &token, BY_PAGE, body.clone()).await;
        let page = data(&reply);
        users.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["user_id"].as_str().unwrap().to_owned()),
        );
        if page["has_more"] != true {
            break;
        }
        body["page_token"] = page["page_token"].clone();
    }
    assert_eq!(users.len(), Seed::REVIEWEES - Seed::OUT_OF_SCOPE.len());
    assert!(!users.contains(&open_id(Seed::OUT_OF_SCOPE.start)));
    // Paging in the query works too.
    let reply = post(
        &sandbox,
        &token,
        &format!("{BY_PAGE}?page_size=5"),
        json!({"semester_id": SEMESTER}),
    )
    .await;
    assert_eq!(items(&reply).len(), 5);

    let first = &items(
        &post(
            &sandbox,
            &token,
            BY_PAGE,
            json!({"semester_id": SEMESTER, "page_size": 1}),
        )
        .await,
    )[0];
    assert_eq!(first["user_id"], open_id(0));
    assert_eq!(
        first["stage_num_lists"],
        json!([
            {"task_option_id": 1, "stage_num": 1}, {"task_option_id": 2, "stage_num": 1}, {"task_option_id": 3, "stage_num": 0}
        ])
    );
    let todo = items(
        &post(
            &sandbox,
            &token,
            BY_PAGE,
            json!({"semester_id": SEMESTER, "task_option_lists": [1], "page_size": 50}),
        )
        .await,
    );
    assert!(todo.iter().all(|i| {
        i["stage_task_info_lists"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["task_option_id"] == 1)
    }));
    assert_eq!(todo.len(), 50);
    assert_eq!(
        todo[1]["user_id"],
        open_id(3),
        "every third reviewee has a task to do"
    );
    let overdue = items(&post(&sandbox, &token, BY_USERS, json!({"semester_id": SEMESTER_CLOSED, "user_id_lists": [open_id(0), open_id(1)], "task_option_lists": [3]})).await);
    assert_eq!(overdue.len(), 1);
    assert_eq!(
        overdue[0]["stage_task_info_lists"][0]["stage_task_status"],
        "overdue"
    );
    let before = items(&post(&sandbox, &token, BY_USERS, json!({"semester_id": SEMESTER, "user_id_lists": [open_id(0)], "before_time": "1797292799999"})).await);
    assert!(before.is_empty(), "every task of SEMESTER is due later");
}

#[tokio::test]
async fn documented_errors() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    for body in [
        json!({}),
        json!({"semester_id": "404"}),
        json!({"semester_id": SEMESTER, "task_option_lists": [4]}),
        json!({"semester_id": SEMESTER, "task_option_lists": [1, 2, 3, 1]}),
        json!({"semester_id": SEMESTER, "after_time": "soon"}),
        json!({"semester_id": SEMESTER, "page_size": 51}),
    ] {
        assert_error(&post(&sandbox, &token, BY_PAGE, body).await, 400, 1580102);
    }
    let fifty_one: Vec<String> = (0..51).map(open_id).collect();
    assert_error(
        &post(
            &sandbox,
            &token,
            BY_USERS,
            json!({"semester_id": SEMESTER, "user_id_lists": fifty_one}),
        )
        .await,
        400,
        1580102,
    );
    assert_error(
        &post(&sandbox, &token, BY_USERS, json!({"semester_id": SEMESTER})).await,
        400,
        1580102,
    );
}
