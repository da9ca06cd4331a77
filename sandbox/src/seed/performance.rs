//! The performance catalogue of [`Seed::fixture`]: semester and activity
//! details, the users' organisation, the metric library, tags and templates,
//! indicators, questions, user groups, supplementary information, review
//! data and stage tasks. Deterministic: the same fixture on every run.
//!
//! Where a page's own request example names an id, the fixture holds that id
//! (semester `6992035450862224940`, items `7350195758357807123` and
//! `7350194523185610771`, group `ABCDEFG`, ...), so that the example is
//! answered with data. The query example's item and the import example's
//! item cannot both carry the external id `6789523104723558912` (external
//! ids are unique in a semester): the import example's item keeps it.

use serde_json::{Value, json};

use super::ids::*;
use super::{
    Activity, AdditionalInformationSeed, Department, FieldKind, Seed, Semester, StageTask,
    UserGroup, UserProfile, open_id,
};

/// Creation time of everything in the catalogue: 2025-11-01T00:00:00Z.
const CREATED: &str = "1761955200000";

fn v2_name(zh: &str, en: &str) -> Value {
    json!({"zh_cn": zh, "en_us": en})
}

fn v1_name(zh: &str, en: &str) -> Value {
    json!({"zh-CN": zh, "en-US": en})
}

fn user(open_id: &str) -> Value {
    json!({"open_id": open_id})
}

/// Fills in the performance catalogue of a fixture whose users, semesters
/// and metrics are set.
pub fn complete(seed: &mut Seed) {
    let reviewees: Vec<String> = (0..Seed::REVIEWEES).map(open_id).collect();
    semesters(seed, &reviewees);
    activities(seed, &reviewees);
    organisation(seed);
    metrics(seed);
    seed.metric_tags = vec![
        json!({"tag_id": TAG, "tag_name": v2_name("体验", "Interactive experience"), "index": 100, "create_time": CREATED, "update_time": CREATED}),
        json!({"tag_id": TAG_2, "tag_name": v2_name("增长", "Growth"), "index": 200, "create_time": CREATED, "update_time": CREATED}),
    ];
    seed.metric_templates = metric_templates(seed);
    seed.indicators = indicators();
    seed.questions = vec![json!({
        "question_id": QUESTION,
        "name": v2_name("个人特质", "Personal traits"),
        "tag_items": [
            {"id": "7343513161666707470", "name": v2_name("主动", "Proactive")},
            {"id": "7343513161666707471", "name": v2_name("严谨", "Rigorous")},
        ],
    })];
    seed.user_groups = vec![
        UserGroup {
            group_id: USER_GROUP.into(),
            api_import: true,
            import_running: false,
            max_members: 10_000,
            members: vec![],
            scope_visible_setting: 1,
        },
        UserGroup {
            group_id: USER_GROUP_MANUAL.into(),
            api_import: false,
            import_running: false,
            max_members: 10_000,
            members: vec![open_id(1)],
            scope_visible_setting: 0,
        },
        UserGroup {
            group_id: USER_GROUP_BUSY.into(),
            api_import: true,
            import_running: true,
            max_members: 10_000,
            members: vec![],
            scope_visible_setting: 1,
        },
        UserGroup {
            group_id: USER_GROUP_SMALL.into(),
            api_import: true,
            import_running: false,
            max_members: 3,
            members: vec![],
            scope_visible_setting: 1,
        },
    ];
    // The import example's item (its update is then accepted) and the query
    // and delete examples' item, both in SEMESTER_2.
    seed.additional_informations = vec![
        AdditionalInformationSeed {
            item_id: INFO_ITEM_IMPORTED.into(),
            semester_id: SEMESTER_2.into(),
            external_id: Some(INFO_EXTERNAL.into()),
            reviewee: open_id(0),
            item: "业绩补充说明".into(),
            time: "2024-03-12".into(),
            detailed_description: "销售额增长目标超额完成".into(),
        },
        AdditionalInformationSeed {
            item_id: INFO_ITEM.into(),
            semester_id: SEMESTER_2.into(),
            external_id: None,
            reviewee: open_id(0),
            item: "业绩补充说明".into(),
            time: "2024-03-12".into(),
            detailed_description: "销售额增长目标超额完成".into(),
        },
    ];
    review_data(seed);
    stage_tasks(seed);
}

fn semesters(seed: &mut Seed, reviewees: &[String]) {
    let info = |year: i64, group: &str, kind: &str, zh: &str, en: &str, start: &str, end: &str| {
        json!({
            "year": year, "type_group": group, "type": kind, "name": v1_name(zh, en),
            "progress": "enabled", "start_time": start, "end_time": end,
            "create_time": CREATED, "modify_time": CREATED,
        })
    };
    for s in &mut seed.semesters {
        s.creator = open_id(0);
        s.info = match s.semester_id.as_str() {
            SEMESTER => info(
                2026,
                "Quarter",
                "Q4",
                "2026 第四季度",
                "2026 Q4",
                "1790812800000",
                "1798761599999",
            ),
            SEMESTER_2 => info(
                2026,
                "Semi-annual",
                "H2",
                "2026 下半年",
                "2026 H2",
                "1782864000000",
                "1798761599999",
            ),
            SEMESTER_CLOSED => info(
                2026,
                "Quarter",
                "Q3",
                "2026 第三季度",
                "2026 Q3",
                "1782864000000",
                "1790812799999",
            ),
            _ => s.info.clone(),
        };
    }
    seed.semesters.push(Semester {
        semester_id: SEMESTER_EXAMPLE.into(),
        past_deadline: true,
        reviewees: reviewees.to_vec(),
        creator: open_id(0),
        info: json!({
            "year": 2024, "type_group": "Quarter", "type": "Q1",
            "name": v1_name("2024 全年绩效周期", "2024 full year semester"),
            "progress": "enabled", "start_time": "1625068800000", "end_time": "1640966399999",
            "create_time": "1625068800000", "modify_time": "1625068800000",
        }),
    });
    seed.semesters.push(Semester {
        semester_id: SEMESTER_TASKS.into(),
        past_deadline: true,
        reviewees: reviewees.to_vec(),
        creator: open_id(0),
        info: json!({
            "year": 2024, "type_group": "Annual", "type": "Annual",
            "name": v1_name("示例周期", "Demo Semester"),
            "progress": "enabled", "start_time": "1684684800000", "end_time": "1748707140000",
            "create_time": "1684684800000", "modify_time": "1684684800000",
        }),
    });
}

fn activities(seed: &mut Seed, reviewees: &[String]) {
    let activity = |id: &str,
                    semester: &str,
                    members: Vec<String>,
                    zh: &str,
                    en: &str,
                    mode: &str,
                    progress: &str| Activity {
        activity_id: id.into(),
        semester_id: semester.into(),
        reviewees: members,
        creator: open_id(0),
        info: json!({
            "name": v2_name(zh, en), "description": v2_name(&format!("{zh}说明"), &format!("About {en}")),
            "mode": mode, "progress": progress, "create_time": CREATED, "modify_time": CREATED,
        }),
    };
    seed.activities = vec![
        activity(
            ACTIVITY,
            SEMESTER,
            reviewees.to_vec(),
            "第四季度绩效评估",
            "Q4 review",
            "performance_review",
            "enabled",
        ),
        activity(
            ACTIVITY_METRICS,
            SEMESTER,
            reviewees[..20].to_vec(),
            "第四季度指标制定",
            "Q4 metrics",
            "metric_development",
            "enabled",
        ),
        activity(
            ACTIVITY_2,
            SEMESTER_2,
            reviewees.to_vec(),
            "下半年绩效",
            "H2 review",
            "metric_development_and_performance_review",
            "enabled",
        ),
        activity(
            ACTIVITY_CLOSED,
            SEMESTER_CLOSED,
            reviewees.to_vec(),
            "第三季度绩效评估",
            "Q3 review",
            "performance_review",
            "finished",
        ),
        activity(
            ACTIVITY_EXAMPLE,
            SEMESTER_EXAMPLE,
            reviewees.to_vec(),
            "项目一",
            "Activity 1",
            "performance_review",
            "finished",
        ),
        activity(
            ACTIVITY_TASKS,
            SEMESTER_TASKS,
            reviewees.to_vec(),
            "示例项目",
            "Demo activity",
            "performance_review",
            "enabled",
        ),
    ];
}

fn organisation(seed: &mut Seed) {
    let departments = [
        ("销售部", "Sales"),
        ("市场部", "Marketing"),
        ("研发部", "R&D"),
        ("财务部", "Finance"),
        ("人力资源部", "HR"),
    ];
    seed.departments = departments
        .iter()
        .enumerate()
        .map(|(i, (zh, en))| Department {
            open_department_id: format!("od-{:032x}", 0xde90_0000_u64 + i as u64),
            department_id: format!("D{:03}", i + 1),
            name: v2_name(zh, en),
        })
        .collect();
    let families = [
        ("销售", "Sales"),
        ("产品", "Product"),
        ("技术", "Engineering"),
    ];
    seed.job_families = families
        .iter()
        .enumerate()
        .map(|(i, (zh, en))| json!({"id": format!("jf{:012}", i + 1), "name": v2_name(zh, en)}))
        .collect();
    seed.job_levels = (1..=4)
        .map(|l| json!({"id": format!("jl{:012}", l), "name": v2_name(&format!("P{l}"), &format!("Level {l}"))}))
        .collect();
    let users = seed.users.len();
    for (n, u) in seed.users.iter_mut().enumerate() {
        // Reviewees report to the 50 users after them; those have no leader in the fixture.
        let direct_leader = (n < Seed::REVIEWEES && users > Seed::REVIEWEES)
            .then(|| open_id(Seed::REVIEWEES + (n / 5) % (users - Seed::REVIEWEES).min(50)));
        u.profile = Some(UserProfile {
            direct_leader,
            department: format!("od-{:032x}", 0xde90_0000_u64 + (n % 5) as u64),
            job_family: format!("jf{:012}", n % 3 + 1),
            job_level: format!("jl{:012}", n % 4 + 1),
        });
    }
}

fn metrics(seed: &mut Seed) {
    let field_names = |kind: FieldKind, field_id: &str| match kind {
        FieldKind::Number => v2_name("完成值", "Actual"),
        FieldKind::Text if field_id == FIELD_REQUIRED => v2_name("完成说明", "Notes"),
        FieldKind::Text => v2_name("备注", "Remarks"),
        FieldKind::Person => v2_name("数据负责人", "Data owner"),
        FieldKind::Weight => v2_name("权重", "Weight"),
    };
    for m in &mut seed.metrics {
        for f in &mut m.fields {
            f.name = field_names(f.kind, &f.field_id);
            f.input_setting = if f.kind == FieldKind::Weight {
                "admin"
            } else {
                "data_source_inputter"
            }
            .into();
        }
        let (name, tags, active, range, scoring) = match m.metric_id.as_str() {
            METRIC => (
                "销售额",
                vec![TAG],
                true,
                "admins_and_reviewees",
                "score_manually",
            ),
            METRIC_2 => (
                "新客户数",
                vec![TAG_2],
                true,
                "admins_and_reviewees",
                "score_manually",
            ),
            METRIC_OLD => ("旧版销售额", vec![], false, "only_admins", "score_manually"),
            _ => (
                "回款率",
                vec![TAG_2],
                true,
                "only_admins",
                "score_by_formula",
            ),
        };
        let tags: Vec<Value> = tags
            .iter()
            .map(|t| {
                let zh_en = if *t == TAG {
                    ("体验", "Interactive experience")
                } else {
                    ("增长", "Growth")
                };
                json!({"tag_id": t, "tag_name": v2_name(zh_en.0, zh_en.1)})
            })
            .collect();
        let mut library = json!({
            "name": name, "type_id": METRIC_TYPE, "tags": tags,
            "scoring_setting_type": scoring,
            "data_source_inputters": [user(&open_id(1))],
            "range_of_availability": range, "is_active": active,
        });
        if scoring == "score_by_formula" {
            library["scoring_formula"] = json!({"formula_id": "7302271694582841399", "formula_name": "回款率公式", "formula_details": "实际回款 / 应收款 * 100"});
        }
        m.library = library;
        m.detail = json!({
            "metric_template_id": METRIC_TEMPLATE, "name": name,
            "dimension_id": "7303895818346430484", "dimension_name": v2_name("业绩", "Results"),
            "dimension_weight": "100", "add_from": "admin", "is_from_library": true,
        });
    }
}

fn metric_templates(seed: &Seed) -> Vec<Value> {
    let in_template: Vec<Value> = seed
        .metrics
        .iter()
        .filter(|m| m.metric_id == METRIC || m.metric_id == METRIC_2)
        .map(|m| {
            json!({
                "group_id": "", "metric_id": m.metric_id, "name": m.library["name"], "type_id": METRIC_TYPE,
                "fields": m.fields.iter().map(|f| json!({"id": f.field_id, "input_setting": f.input_setting, "filed_value": ""})).collect::<Vec<_>>(),
                "is_from_library": true, "scoring_setting_type": "socre_manually",
                "data_source_inputters": [user(&open_id(1))],
                "metric_dimension_id": "7303895818346430484",
                "review_rule_config": {"max": "10", "min": "0"},
            })
        })
        .collect();
    let template = |id: &str, zh: &str, en: &str, status: &str, metrics: Vec<Value>| {
        json!({
            "id": id, "name": v2_name(zh, en), "description": v2_name(&format!("{zh}说明"), &format!("About {en}")),
            "status": status, "is_set_by_group": false, "total_metric_score_method": "weight",
            "metric_weight_method": "total_sum_of_all_metric_weight_equals_1",
            "metric_dimensions": [{
                "group_id": "", "metric_dimension_id": "7303895818346430484", "name": v2_name("业绩", "Results"),
                "evaluation_rule_id_for_each_metric": "7296701873237786643", "dimension_weight": "100",
                "description": v2_name("业绩维度", "Results dimension"), "review_rule_option": 0,
                "custom_metric_config": {"default_formula_id": "0", "least_metrics_size": 1, "add_metric_options": [1, 2]},
            }],
            "metrics": metrics, "groups": [],
        })
    };
    vec![
        template(
            METRIC_TEMPLATE,
            "销售指标模板",
            "Sales metrics",
            "enabled",
            in_template,
        ),
        template(
            METRIC_TEMPLATE_DRAFT,
            "草稿模板",
            "Draft template",
            "to_be_configured",
            vec![],
        ),
    ]
}

fn indicators() -> Vec<Value> {
    let levels = [
        ("S", "远超预期", "Far above"),
        ("A", "略超预期", "Above"),
        ("B", "符合预期", "Meets"),
        ("C", "略低预期", "Below"),
        ("D", "不符预期", "Far below"),
    ];
    let options = |base: u64| -> Vec<Value> {
        levels
            .iter()
            .enumerate()
            .map(|(i, (label, zh, en))| json!({"id": (base + i as u64).to_string(), "name": v2_name(zh, en), "lable": label}))
            .collect()
    };
    let kinds = [
        "general_review_item",
        "review_item_based_on_key_metric",
        "okr_review_item",
        "plus",
        "minus",
    ];
    let names = [
        ("完成度", "Completeness"),
        ("关键指标", "Key metrics"),
        ("OKR", "OKR"),
        ("加分项", "Bonus"),
        ("减分项", "Penalty"),
    ];
    (0..5)
        .map(|i| {
            let id = 7_343_513_161_666_707_459_u64 + i as u64 * 100;
            json!({"id": id.to_string(), "name": v2_name(names[i].0, names[i].1), "type": kinds[i], "options": options(id + 1)})
        })
        .collect()
}

/// Review data of the first 20 reviewees in [`SEMESTER_EXAMPLE`] and [`SEMESTER`].
fn review_data(seed: &mut Seed) {
    let indicator = "7343513161666707459";
    let option = |n: usize| (7_343_513_161_666_707_460_u64 + (n % 5) as u64).to_string();
    let mut datas = Vec::new();
    for (semester, activity, leader_stage, submit) in [
        (
            SEMESTER_EXAMPLE,
            ACTIVITY_EXAMPLE,
            STAGE_LEADER_REVIEW,
            "1627977100000",
        ),
        (SEMESTER, ACTIVITY, "7343513161666707559", "1795996800000"),
    ] {
        for n in 0..20 {
            let reviewee = open_id(n);
            let leader = open_id(Seed::REVIEWEES + n / 5);
            let detail = |field: &str, reviewer: &str, extra: Value| {
                let mut d = json!({"field_id": field, "reviewer_user_id": user(reviewer), "submit_time": submit});
                if let (Value::Object(d), Value::Object(extra)) = (&mut d, extra) {
                    d.extend(extra);
                }
                d
            };
            let record = |record_id: String, progress: i64, unit: &str, data: Vec<Value>| json!({"record_id": record_id, "progress": progress, "units": [{"unit_id": unit, "data": data}]});
            let base = 7_400_000_000_000_100_000_u64
                + n as u64 * 10
                + if semester == SEMESTER { 5000 } else { 0 };
            datas.push(json!({
                "user_id": user(&reviewee),
                "semester_id": semester,
                "activity_id": activity,
                "review_template_id": "7343513161666707459",
                "stages": [
                    {
                        "stage_id": format!("{}", leader_stage.parse::<u64>().unwrap_or(0) + 10), "stage_type": "review",
                        "template_id": "6982759008113116716", "review_stage_role": "reviewee",
                        "records": [record((base + 1).to_string(), 3, "6982759009396508196", vec![
                            detail("6982759010081818159", &reviewee, json!({"text": format!("自评 {n}"), "richtext": format!("{{\"ops\":[{{\"name\":\"insert\",\"text\":\"自评 {n}\"}}]}}")})),
                        ])],
                    },
                    {
                        "stage_id": format!("{}", leader_stage.parse::<u64>().unwrap_or(0) + 20), "stage_type": "review",
                        "template_id": "6982759008789366313", "review_stage_role": "solid_line_leader",
                        "records": [record((base + 2).to_string(), 3, "6982759009396508196", vec![
                            detail("6982759006887888417", &leader, json!({"indicator_id": indicator, "option_id": option(n)})),
                            detail("6982759010081818159", &leader, json!({"text": "nice", "richtext": "{\"ops\":[{\"name\":\"insert\",\"text\":\"nice\"}]}"})),
                        ])],
                    },
                    {
                        "stage_id": leader_stage, "stage_type": "leader_review",
                        "template_id": "6982759008789366313",
                        "records": [record((base + 3).to_string(), 3, "6982759009396508196", vec![
                            detail("6982759006887888417", &leader, json!({"indicator_id": indicator, "option_id": option(n), "leader_review_data_source": "review"})),
                        ])],
                    },
                    {
                        "stage_id": format!("{}", leader_stage.parse::<u64>().unwrap_or(0) + 30), "stage_type": "communication_and_open_result",
                        "template_id": "6982759008972326447",
                        "records": [record((base + 4).to_string(), if n % 2 == 0 { 3 } else { 1 }, "6982759008973882926", vec![
                            detail("6982759009698137641", &leader, json!({"text": "干得不错", "richtext": "{\"ops\":[{\"name\":\"insert\",\"text\":\"干得不错\"}]}"})),
                        ])],
                    },
                ],
            }));
        }
    }
    seed.review_datas = datas;
    seed.review_names = json!({
        "templates": [
            {"id": "6982759008113116716", "name": v1_name("自评", "Self review"), "stage": "review"},
            {"id": "6982759008789366313", "name": v1_name("上级评估", "Manager Review"), "stage": "leader_review"},
            {"id": "6982759008972326447", "name": v1_name("进行直属下级绩效沟通并开通结果", "Release and Communicate Performance Review with Direct Reports"), "stage": "communication_and_open_result"},
        ],
        "units": [
            {"id": "6982759009396508196", "name": v1_name("业绩", "Results")},
            {"id": "6982759008973882926", "name": v1_name("最终反馈", "Final feedback")},
        ],
        "fields": [
            {"id": "6982759006887888417", "name": v1_name("业绩", "Results")},
            {"id": "6982759010081818159", "name": v1_name("做得好的", "Went well")},
            {"id": "6982759009698137641", "name": v1_name("最终反馈", "Final feedback")},
        ],
    });
}

/// Two stage tasks a reviewee in [`SEMESTER`], [`SEMESTER_CLOSED`] and [`SEMESTER_TASKS`].
fn stage_tasks(seed: &mut Seed) {
    let mut tasks = Vec::new();
    for (semester, first_stage, deadline, url_base) in [
        (
            SEMESTER,
            7_270_346_432_875_692_100_u64,
            "1797292800000",
            SEMESTER,
        ),
        (
            SEMESTER_CLOSED,
            7_270_346_432_875_692_200,
            "1789430400000",
            SEMESTER_CLOSED,
        ),
        (
            SEMESTER_TASKS,
            7_270_346_432_875_692_033,
            "1717142244000",
            SEMESTER_TASKS,
        ),
    ] {
        for n in 0..Seed::REVIEWEES {
            let closed = semester != SEMESTER;
            // Option 1 to do, 2 done, 3 overdue.
            let (status, option, todo) = match (closed, n % 3) {
                (false, 0) => ("need_todo", 1, 1),
                (false, _) => ("all_done", 2, 0),
                (true, 0) => ("overdue", 3, 1),
                (true, _) => ("all_done", 2, 0),
            };
            tasks.push(StageTask {
                semester_id: semester.into(),
                user: open_id(n),
                info: json!({
                    "stage_id": first_stage.to_string(), "name": v1_name("自评", "self_review"),
                    "deadline": deadline, "need_todo_count": todo,
                    "jump_url": format!("https://performance.feishu.cn/perf/review/{url_base}/{first_stage}"),
                    "stage_task_status": status, "task_option_id": option,
                }),
            });
            tasks.push(StageTask {
                semester_id: semester.into(),
                user: open_id(n),
                info: json!({
                    "stage_id": (first_stage + 1).to_string(), "name": v1_name("360° 确认", "confirm_invitation"),
                    "deadline": deadline, "need_todo_count": 0,
                    "jump_url": format!("https://performance.feishu.cn/perf/review/{url_base}/{}/members", first_stage + 1),
                    "stage_task_status": "all_done", "task_option_id": 2,
                }),
            });
        }
    }
    seed.stage_tasks = tasks;
}
