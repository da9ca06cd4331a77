//! The data the sandbox starts with: apps, users, semesters and their
//! activities, the metric library, templates, review data, stage tasks and
//! OKR metric items. [`Seed::fixture`] builds a realistic, deterministic
//! fixture ([`performance`] builds its performance catalogue); [`Seed::from_file`]
//! loads one written as JSON.
//!
//! Display data that an endpoint returns as it is stored (templates,
//! indicators, questions, review data) is kept as JSON in the shape of the
//! page's response, with users as `{"open_id": ...}`: the endpoint fills in
//! `user_id` for the request's `user_id_type`.

pub mod okr;
pub mod okr_v1;
pub mod performance;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Everything the sandbox knows at start.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seed {
    /// Apps allowed to call.
    pub apps: Vec<App>,
    /// Users of the tenant.
    pub users: Vec<User>,
    /// Review semesters (周期).
    pub semesters: Vec<Semester>,
    /// Key metrics (关键指标).
    pub metrics: Vec<Metric>,
    /// Values entered by an administrator, which the API may not overwrite.
    pub admin_values: Vec<AdminValue>,
    /// Review templates (绩效模板), as the query endpoint returns them (JSON, `open_id` ids).
    pub review_templates: Vec<serde_json::Value>,
    /// OKR metric sources with their tables and items.
    pub okr_sources: Vec<OkrSource>,
    /// Whether the tenant has performance seats; without them every
    /// performance endpoint answers 1580901.
    #[serde(default = "licensed")]
    pub performance_licensed: bool,
    /// Activities (项目) of the semesters.
    #[serde(default)]
    pub activities: Vec<Activity>,
    /// Departments the users belong to.
    #[serde(default)]
    pub departments: Vec<Department>,
    /// Job families (序列): `{id, name: {zh_cn, en_us}}`.
    #[serde(default)]
    pub job_families: Vec<Value>,
    /// Job levels (职级): `{id, name: {zh_cn, en_us}}`.
    #[serde(default)]
    pub job_levels: Vec<Value>,
    /// Metric tags, as `metric_tags` lists them.
    #[serde(default)]
    pub metric_tags: Vec<Value>,
    /// Metric templates, as `metric_templates/query` returns them.
    #[serde(default)]
    pub metric_templates: Vec<Value>,
    /// Indicators (评估项), as `indicators/query` returns them.
    #[serde(default)]
    pub indicators: Vec<Value>,
    /// Tag-based questions (标签填写题), as `questions/query` returns them.
    #[serde(default)]
    pub questions: Vec<Value>,
    /// User groups (人员组) that `user_group_user_rels/write` may fill.
    #[serde(default)]
    pub user_groups: Vec<UserGroup>,
    /// Supplementary information present at start.
    #[serde(default)]
    pub additional_informations: Vec<AdditionalInformationSeed>,
    /// Review data, one entry per reviewee and semester in the shape of
    /// `datas[]` of `v2/review_datas/query`.
    #[serde(default)]
    pub review_datas: Vec<Value>,
    /// Names of the stage templates, units and fields that review data
    /// refers to, for `v1/review_datas/query`: `{templates, units, fields}`
    /// in its shape (`zh-CN`/`en-US`).
    #[serde(default)]
    pub review_names: Value,
    /// Stage tasks of users.
    #[serde(default)]
    pub stage_tasks: Vec<StageTask>,
    /// OKR v2: cycles, objectives, key results and their indicators.
    #[serde(default)]
    pub okr_v2: okr::OkrV2,
    /// OKR v1: periods, period rules, progress records, reviews.
    #[serde(default)]
    pub okr_v1: okr_v1::OkrV1,
}

/// An activity (项目) of a semester.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Activity {
    /// `id`
    pub activity_id: String,
    /// Its semester.
    pub semester_id: String,
    /// Reviewees (open_ids) taking part; each is a reviewee of the semester.
    pub reviewees: Vec<String>,
    /// Creator and last editor (open_id).
    pub creator: String,
    /// `name`, `description`, `mode`, `progress`, `create_time`, `modify_time` as the page returns them.
    pub info: Value,
}

/// A department.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Department {
    /// `od-...`
    pub open_department_id: String,
    /// The tenant's own department id.
    pub department_id: String,
    /// `{zh_cn, en_us}`
    pub name: Value,
}

/// Where a user stands in the organisation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserProfile {
    /// Direct leader (open_id).
    pub direct_leader: Option<String>,
    /// open_department_id of the user's department.
    pub department: String,
    /// Job family id.
    pub job_family: String,
    /// Job level id.
    pub job_level: String,
}

/// A user group (人员组).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserGroup {
    /// `group_id`
    pub group_id: String,
    /// Whether its scope is set to "API 自动写入人员名单" (else 1580401).
    pub api_import: bool,
    /// Whether another member import is running (then 1580402).
    pub import_running: bool,
    /// Most members it may have (more is 1580403).
    pub max_members: usize,
    /// Members (open_ids).
    pub members: Vec<String>,
    /// `scope_visible_setting`: 0 unrestricted, 1 hidden from back-office admins.
    pub scope_visible_setting: i64,
}

/// A supplementary-information item present at start.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdditionalInformationSeed {
    /// `item_id`
    pub item_id: String,
    /// Semester.
    pub semester_id: String,
    /// `external_id`, if imported with one.
    pub external_id: Option<String>,
    /// Reviewee (open_id).
    pub reviewee: String,
    /// `item`
    pub item: String,
    /// `time`
    pub time: String,
    /// `detailed_description`
    pub detailed_description: String,
}

/// One stage task of a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageTask {
    /// Semester.
    pub semester_id: String,
    /// The user (open_id).
    pub user: String,
    /// The task in the shape of `stage_task_info` (`zh-CN`/`en-US`).
    pub info: Value,
}

fn licensed() -> bool {
    true
}

/// An app and its credentials.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct App {
    /// `cli_...`
    pub app_id: String,
    /// The secret it authenticates with.
    pub app_secret: String,
    /// `true` for a store app (needs an app_ticket and a tenant_key).
    pub store_app: bool,
    /// Tenant keys a store app is installed in.
    pub tenant_keys: Vec<String>,
    /// Reviewees (open_ids) the app may not touch (outside its data scope).
    pub out_of_scope: Vec<String>,
    /// The user (open_id) recorded as `updated_by` for the app's OKR writes.
    pub operator: String,
}

/// A user and the ids that name them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// `ou_...`
    pub open_id: String,
    /// `on_...`
    pub union_id: String,
    /// Tenant user id.
    pub user_id: String,
    /// People-admin id.
    pub people_admin_id: String,
    /// Leader, department, job family and level, for `user_info/query`.
    #[serde(default)]
    pub profile: Option<UserProfile>,
}

/// A review semester.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Semester {
    /// `semester_id`
    pub semester_id: String,
    /// Whether its input deadline has passed.
    pub past_deadline: bool,
    /// Reviewees (open_ids) taking part.
    pub reviewees: Vec<String>,
    /// Creator and last editor (open_id).
    #[serde(default)]
    pub creator: String,
    /// `year`, `type_group`, `type`, `name` (`zh-CN`/`en-US`), `progress`,
    /// `start_time`, `end_time`, `create_time`, `modify_time` as the semester
    /// list returns them.
    #[serde(default)]
    pub info: Value,
}

/// The kind of a metric field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A decimal number.
    Number,
    /// Free text, up to `max_len` characters.
    Text,
    /// A person: the value is `field_value_person`.
    Person,
    /// A weight in percent; a reviewee's weights may not sum over 100.
    Weight,
}

/// A metric field.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricField {
    /// `field_id`
    pub field_id: String,
    /// Its kind.
    pub kind: FieldKind,
    /// Whether a value must not be empty.
    pub required: bool,
    /// Longest value accepted, in characters.
    pub max_len: usize,
    /// `{zh_cn, en_us}`
    #[serde(default)]
    pub name: Value,
    /// `input_setting`: `admin`, `data_source_inputter` or `reviewee`.
    #[serde(default)]
    pub input_setting: String,
}

/// A key metric.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Metric {
    /// `metric_id`
    pub metric_id: String,
    /// An old-version metric, which cannot be input.
    pub old_version: bool,
    /// Its fields.
    pub fields: Vec<MetricField>,
    /// Reviewees (open_ids) it is assigned to.
    pub assigned_to: Vec<String>,
    /// `name`, `type_id`, `tags`, `scoring_setting_type`, `scoring_formula`,
    /// `data_source_inputters`, `range_of_availability`, `is_active` as the
    /// metric library returns them.
    #[serde(default)]
    pub library: Value,
    /// `metric_template_id`, `dimension_id`, `dimension_name`,
    /// `dimension_weight`, `add_from`, `is_from_library` of its details.
    #[serde(default)]
    pub detail: Value,
}

/// A value an administrator filled in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdminValue {
    /// Semester.
    pub semester_id: String,
    /// Reviewee (open_id).
    pub reviewee: String,
    /// Metric.
    pub metric_id: String,
    /// Field.
    pub field_id: String,
    /// Value.
    pub value: String,
}

/// An OKR metric source.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OkrSource {
    /// `metric_source_id`
    pub metric_source_id: String,
    /// `metric_source_name`
    #[serde(default)]
    pub metric_source_name: String,
    /// `metric_name`
    #[serde(default)]
    pub metric_name: String,
    /// `metric_unit`: `{zh_cn, en_us, ja_jp}`.
    #[serde(default)]
    pub metric_unit: Value,
    /// Its tables.
    pub tables: Vec<OkrTable>,
}

/// An OKR metric table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OkrTable {
    /// `metric_table_id`
    pub metric_table_id: String,
    /// `metric_table_name`
    #[serde(default)]
    pub metric_table_name: String,
    /// `period_id`: the table's OKR period.
    #[serde(default)]
    pub period_id: String,
    /// Its items.
    pub items: Vec<OkrItem>,
}

/// An OKR metric item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OkrItem {
    /// `metric_item_id`
    pub metric_item_id: String,
    /// Owner (open_id).
    pub user_id: String,
    /// OKR period.
    pub period_id: String,
    /// Unit: `{zh_cn, en_us, ja_jp}`.
    pub metric_unit: serde_json::Value,
    /// Initial value.
    pub metric_initial_value: f64,
    /// Target value.
    pub metric_target_value: f64,
    /// Current value.
    pub metric_current_value: f64,
    /// Supported leader (open_id).
    pub supported_user_id: String,
    /// Linked key result.
    pub kr_id: String,
    /// Milliseconds since the epoch, as a string.
    pub updated_at: String,
    /// Last editor (open_id).
    pub updated_by: String,
}

/// The app every fixture has.
pub const APP_ID: &str = "cli_sandbox_app";
/// Its secret.
pub const APP_SECRET: &str = "sandbox-secret-0123456789";
/// A store app of the fixture.
pub const STORE_APP_ID: &str = "cli_sandbox_store_app";
/// Its secret.
pub const STORE_APP_SECRET: &str = "sandbox-store-secret-9876543210";
/// The tenant the store app is installed in.
pub const TENANT_KEY: &str = "sandbox_tenant";

/// Ids of the fixture, named for tests and examples.
pub mod ids {
    /// The semester of most performance doc examples (`6992035450862224940`), past its deadline.
    pub const SEMESTER_EXAMPLE: &str = "6992035450862224940";
    /// The semester of the stage-task doc examples.
    pub const SEMESTER_TASKS: &str = "7235911950407352321";
    /// The performance-review activity of [`SEMESTER`], with every reviewee.
    pub const ACTIVITY: &str = "7343513161666707460";
    /// The metric-development activity of [`SEMESTER`], with its first 20 reviewees.
    pub const ACTIVITY_METRICS: &str = "7343513161666707461";
    /// The activity of [`SEMESTER_2`].
    pub const ACTIVITY_2: &str = "7343513161666707462";
    /// The finished activity of [`SEMESTER_CLOSED`].
    pub const ACTIVITY_CLOSED: &str = "7343513161666707463";
    /// The activity of [`SEMESTER_EXAMPLE`] (the reviewee doc example's activity id).
    pub const ACTIVITY_EXAMPLE: &str = "7266780609384392723";
    /// The activity of [`SEMESTER_TASKS`].
    pub const ACTIVITY_TASKS: &str = "7343513161666707464";
    /// The metric tag of the doc examples, on [`METRIC`].
    pub const TAG: &str = "7302271694582841364";
    /// A second tag, on [`METRIC_2`].
    pub const TAG_2: &str = "7302271694582841365";
    /// The metric type of the doc examples.
    pub const METRIC_TYPE: &str = "7272578300650717203";
    /// The enabled metric template holding [`METRIC`] and [`METRIC_2`] (the doc example's id).
    pub const METRIC_TEMPLATE: &str = "7360956875099078676";
    /// A metric template still to be configured.
    pub const METRIC_TEMPLATE_DRAFT: &str = "7296488199415660563";
    /// The indicator of the doc examples.
    pub const INDICATOR: &str = "7343513161666707459";
    /// The tag-based question of the doc example.
    pub const QUESTION: &str = "7343513161666707459";
    /// The user group of the doc example, open to API imports.
    pub const USER_GROUP: &str = "ABCDEFG";
    /// A user group whose members are set by hand (1580401).
    pub const USER_GROUP_MANUAL: &str = "GROUP_MANUAL";
    /// A user group with an import running (1580402).
    pub const USER_GROUP_BUSY: &str = "GROUP_BUSY";
    /// A user group of at most three members (1580403).
    pub const USER_GROUP_SMALL: &str = "GROUP_SMALL";
    /// The supplementary-information item of the query and delete doc examples, in [`SEMESTER_2`].
    pub const INFO_ITEM: &str = "7350195758357807123";
    /// The item the import doc example updates, in [`SEMESTER_2`].
    pub const INFO_ITEM_IMPORTED: &str = "7350194523185610771";
    /// Its external id.
    pub const INFO_EXTERNAL: &str = "6789523104723558912";
    /// The final-review (`leader_review`) stage of [`SEMESTER_EXAMPLE`] (the review-data doc example's stage id).
    pub const STAGE_LEADER_REVIEW: &str = "7343513161666707459";
    /// The open semester of the metric-import doc example.
    pub const SEMESTER: &str = "7293040702907514899";
    /// The open semester of the additional-information doc example.
    pub const SEMESTER_2: &str = "7348736302176534547";
    /// A semester past its input deadline.
    pub const SEMESTER_CLOSED: &str = "7000000000000000309";
    /// The metric of the doc example, assigned to every reviewee of [`SEMESTER`].
    pub const METRIC: &str = "7272580325522276372";
    /// Its number field (the doc example's field).
    pub const FIELD_NUMBER: &str = "7283776005142675476";
    /// Its text field (at most 200 characters).
    pub const FIELD_TEXT: &str = "7283776005142675477";
    /// Its person field.
    pub const FIELD_PERSON: &str = "7283776005142675478";
    /// Its weight field.
    pub const FIELD_WEIGHT: &str = "7283776005142675479";
    /// Its required text field.
    pub const FIELD_REQUIRED: &str = "7283776005142675480";
    /// A second metric with a weight field, assigned to every reviewee.
    pub const METRIC_2: &str = "7272580325522276373";
    /// Its weight field.
    pub const FIELD_WEIGHT_2: &str = "7283776005142675481";
    /// An old-version metric.
    pub const METRIC_OLD: &str = "7000000000000000310";
    /// A metric assigned to nobody.
    pub const METRIC_UNASSIGNED: &str = "7000000000000000312";
    /// The OKR source, table and item of the PATCH doc example.
    pub const OKR_SOURCE: &str = "7041857032248410131";
    /// The OKR table of the doc example.
    pub const OKR_TABLE: &str = "7041857032248410131";
    /// A second OKR table in the same source.
    pub const OKR_TABLE_2: &str = "7041857032248410132";
    /// The OKR item of the doc example.
    pub const OKR_ITEM: &str = "7041857032248410131";
}

/// The open_id of fixture user `n` (user 0 is the doc examples' `ou_3245842393d09e9428ad4655da6e30b3`).
pub fn open_id(n: usize) -> String {
    if n == 0 {
        "ou_3245842393d09e9428ad4655da6e30b3".to_owned()
    } else {
        format!("ou_{:032x}", 0x5eed_0000_u64 + n as u64)
    }
}

impl Seed {
    /// Number of users in [`Seed::fixture`].
    pub const USERS: usize = 300;
    /// Reviewees of the main semester: users `0..REVIEWEES`.
    pub const REVIEWEES: usize = 250;
    /// Users outside the default app's data scope: the last ten reviewees.
    pub const OUT_OF_SCOPE: std::ops::Range<usize> = 240..250;
    /// The reviewee whose text field an administrator filled in.
    pub const ADMIN_FILLED_REVIEWEE: usize = 5;

    /// A realistic fixture: 300 users, 250 reviewees, three semesters (one
    /// past its deadline), metrics of every field kind, admin-filled values,
    /// 45 review templates and OKR metric items.
    pub fn fixture() -> Seed {
        use ids::*;
        let users: Vec<User> = (0..Self::USERS)
            .map(|n| User {
                open_id: open_id(n),
                union_id: format!("on_{:032x}", 0xa11_0000_u64 + n as u64),
                user_id: format!("u{:05}", n),
                people_admin_id: format!("pa{:07}", 7_000_000 + n),
                profile: None,
            })
            .collect();
        let reviewees: Vec<String> = (0..Self::REVIEWEES).map(open_id).collect();
        let field = |field_id: &str, kind, required, max_len| MetricField {
            field_id: field_id.to_owned(),
            kind,
            required,
            max_len,
            name: Value::Null,
            input_setting: String::new(),
        };
        let review_templates = (0..45).map(review_template).collect();
        let mut seed = Seed {
            apps: vec![
                App {
                    app_id: APP_ID.into(),
                    app_secret: APP_SECRET.into(),
                    store_app: false,
                    tenant_keys: vec![],
                    out_of_scope: Self::OUT_OF_SCOPE.map(open_id).collect(),
                    operator: open_id(0),
                },
                App {
                    app_id: STORE_APP_ID.into(),
                    app_secret: STORE_APP_SECRET.into(),
                    store_app: true,
                    tenant_keys: vec![TENANT_KEY.into()],
                    out_of_scope: vec![],
                    operator: open_id(1),
                },
            ],
            users,
            semesters: vec![
                Semester {
                    semester_id: SEMESTER.into(),
                    past_deadline: false,
                    reviewees: reviewees.clone(),
                    creator: String::new(),
                    info: Value::Null,
                },
                Semester {
                    semester_id: SEMESTER_2.into(),
                    past_deadline: false,
                    reviewees: reviewees.clone(),
                    creator: String::new(),
                    info: Value::Null,
                },
                Semester {
                    semester_id: SEMESTER_CLOSED.into(),
                    past_deadline: true,
                    reviewees: reviewees.clone(),
                    creator: String::new(),
                    info: Value::Null,
                },
            ],
            metrics: vec![
                Metric {
                    metric_id: METRIC.into(),
                    old_version: false,
                    fields: vec![
                        field(FIELD_NUMBER, FieldKind::Number, false, 64),
                        field(FIELD_TEXT, FieldKind::Text, false, 200),
                        field(FIELD_PERSON, FieldKind::Person, false, 64),
                        field(FIELD_WEIGHT, FieldKind::Weight, false, 16),
                        field(FIELD_REQUIRED, FieldKind::Text, true, 200),
                    ],
                    assigned_to: reviewees.clone(),
                    library: Value::Null,
                    detail: Value::Null,
                },
                Metric {
                    metric_id: METRIC_2.into(),
                    old_version: false,
                    fields: vec![
                        field("7283776005142675482", FieldKind::Number, false, 64),
                        field(FIELD_WEIGHT_2, FieldKind::Weight, false, 16),
                    ],
                    assigned_to: reviewees.clone(),
                    library: Value::Null,
                    detail: Value::Null,
                },
                Metric {
                    metric_id: METRIC_OLD.into(),
                    old_version: true,
                    fields: vec![field("7000000000000000311", FieldKind::Number, false, 64)],
                    assigned_to: reviewees,
                    library: Value::Null,
                    detail: Value::Null,
                },
                Metric {
                    metric_id: METRIC_UNASSIGNED.into(),
                    old_version: false,
                    fields: vec![field("7000000000000000313", FieldKind::Number, false, 64)],
                    assigned_to: vec![],
                    library: Value::Null,
                    detail: Value::Null,
                },
            ],
            admin_values: vec![AdminValue {
                semester_id: SEMESTER.into(),
                reviewee: open_id(Self::ADMIN_FILLED_REVIEWEE),
                metric_id: METRIC.into(),
                field_id: FIELD_TEXT.into(),
                value: "管理员录入".into(),
            }],
            review_templates,
            okr_sources: vec![OkrSource {
                metric_source_id: OKR_SOURCE.into(),
                metric_source_name: "销售指标库".into(),
                metric_name: "签约额".into(),
                metric_unit: serde_json::json!({"zh_cn": "个", "en_us": "pcs", "ja_jp": "個"}),
                tables: vec![
                    OkrTable {
                        metric_table_id: OKR_TABLE.into(),
                        metric_table_name: "华东区".into(),
                        period_id: "7139040982003302400".into(),
                        items: (0..5).map(|n| okr_item(OKR_ITEM, n)).collect(),
                    },
                    OkrTable {
                        metric_table_id: OKR_TABLE_2.into(),
                        metric_table_name: "华北区".into(),
                        period_id: "7139040982003302400".into(),
                        items: (5..8).map(|n| okr_item("7041857032248410200", n)).collect(),
                    },
                ],
            }],
            performance_licensed: true,
            activities: vec![],
            departments: vec![],
            job_families: vec![],
            job_levels: vec![],
            metric_tags: vec![],
            metric_templates: vec![],
            indicators: vec![],
            questions: vec![],
            user_groups: vec![],
            additional_informations: vec![],
            review_datas: vec![],
            review_names: Value::Null,
            stage_tasks: vec![],
            okr_v2: okr::v2(),
            okr_v1: okr_v1::v1(),
        };
        performance::complete(&mut seed);
        seed
    }

    /// Loads a seed written as JSON (the shape of [`Seed`]).
    pub fn from_file(path: &std::path::Path) -> Result<Seed, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

fn okr_item(first_id: &str, n: usize) -> OkrItem {
    let base: u64 = first_id.parse().unwrap_or(7_041_857_032_248_410_131);
    OkrItem {
        metric_item_id: (base + n as u64 % 5).to_string(),
        user_id: open_id(10 + n),
        period_id: "7139040982003302400".into(),
        metric_unit: serde_json::json!({"zh_cn": "个", "en_us": "pcs", "ja_jp": "個"}),
        metric_initial_value: 0.0,
        metric_target_value: 100.0,
        metric_current_value: 10.0 * n as f64,
        supported_user_id: open_id(20 + n),
        kr_id: format!("71390409820033024{:02}", n),
        updated_at: "1663145941129".into(),
        updated_by: open_id(0),
    }
}

fn review_template(n: usize) -> serde_json::Value {
    let id = format!("73435131616667{:05}", 7459 + n);
    let i18n = |zh: &str, en: &str| serde_json::json!({"zh_cn": zh, "en_us": en});
    let stage_types = [
        "summarize_key_outputs",
        "review",
        "leader_review",
        "calibration",
        "view_result",
    ];
    let statuses = [
        "enabled",
        "enabled",
        "to_be_enabled",
        "disabled",
        "to_be_configured",
    ];
    serde_json::json!({
        "templates": [
            {
                "template_id": format!("{id}1"),
                "name": i18n("自评", "Self review"),
                "stage_type": stage_types[n % stage_types.len()],
                "review_stage_role": "reviewee",
                "review_stage_data_write_mode": "cooperate,independent"
            },
            {
                "template_id": format!("{id}2"),
                "name": i18n("上级评估", "Leader review"),
                "stage_type": "review",
                "review_stage_role": "solid_line_leader"
            }
        ],
        "units": [
            {
                "unit_id": format!("{id}3"),
                "name": i18n("业绩", "Performance"),
                "fields": [
                    {
                        "field_id": format!("{id}4"),
                        "name": i18n("业绩评分", "Performance score"),
                        "indicator_id": format!("{id}5"),
                        "objective_text_qustion_title": i18n("目标", "Objective"),
                        "keyresult_text_qustion_title": i18n("关键结果", "Key result"),
                        "kpi_template_id": "7494252079230222371"
                    }
                ]
            }
        ],
        "review_template_id": id,
        "name": i18n(&format!("绩效模板 {n}"), &format!("Review template {n}")),
        "description": i18n("季度绩效", "Quarterly review"),
        "status": statuses[n % statuses.len()]
    })
}
