//! The performance service's look-ups: `<resource> list`, top-level commands.

use super::{column, filter, required, time_column, user_id_type};
use crate::commands::lookup::{Filter, Kind, Lookup, Lookups};

/// The performance service's look-ups (top-level commands).
#[derive(Debug)]
pub struct Performance;

const USER_ID_TYPE: Filter = user_id_type(
    "How people are identified, in the filters and the output: open_id (default), union_id, user_id or people_admin_id",
);
const SEMESTER: Filter = filter(
    "semester",
    "semester_id",
    Kind::One,
    "The semester (周期 ID)",
);

impl Lookups for Performance {
    const LOOKUPS: &'static [Lookup] = &[
        Lookup {
            group: "semesters",
            verb: "list",
            about: "List the semesters (获取周期), filtered by time, year or type.",
            endpoint: "performance.v1.semester.list",
            items: "items",
            filters: &[
                filter(
                    "start-time",
                    "start_time",
                    Kind::Time,
                    "Only semesters starting at or after this time: a date (2026-07-01) or date-time (2026-07-01 09:30) in --tz, or milliseconds since the epoch",
                ),
                filter(
                    "end-time",
                    "end_time",
                    Kind::TimeEnd,
                    "Only semesters ending at or before this time: a date (its whole day), a date-time in --tz, or milliseconds since the epoch",
                ),
                filter("year", "year", Kind::One, "Only semesters of this year"),
                filter(
                    "type-group",
                    "type_group",
                    Kind::One,
                    "Only this type group: Annual, Semi-annual, Quarter, Bimonth, Month or Non-standard",
                ),
                filter(
                    "type",
                    "type",
                    Kind::One,
                    "Only this type (Annual, H1, H2, Q1..Q4, January-February, ..., as the page lists)",
                ),
                USER_ID_TYPE,
            ],
            columns: &[
                column("id", "/id"),
                column("name", "/name"),
                column("year", "/year"),
                column("type", "/type"),
                column("progress", "/progress"),
                time_column("start_time", "/start_time"),
                time_column("end_time", "/end_time"),
            ],
        },
        Lookup {
            group: "activities",
            verb: "list",
            about: "List the activities (获取项目列表) of some semesters. Give --semester or --ids: the page does not say what a query with neither lists (the sandbox lists nothing).",
            endpoint: "performance.v2.activity.query",
            items: "activities",
            filters: &[
                filter(
                    "semester",
                    "semester_ids",
                    Kind::Many,
                    "Only the activities of these semesters",
                ),
                filter("ids", "activity_ids", Kind::Many, "Only these activity ids"),
                USER_ID_TYPE,
            ],
            columns: &[
                column("id", "/id"),
                column("semester_id", "/semester_id"),
                column("name", "/name"),
                column("mode", "/mode"),
                column("progress", "/progress"),
            ],
        },
        Lookup {
            group: "reviewees",
            verb: "list",
            about: "List the reviewees of a semester (获取被评估人信息).",
            endpoint: "performance.v2.reviewee.query",
            items: "reviewees",
            filters: &[
                required(SEMESTER),
                filter(
                    "user",
                    "user_ids",
                    Kind::Many,
                    "Only these people (ids of --user-id-type)",
                ),
                filter(
                    "activity",
                    "activity_ids",
                    Kind::Many,
                    "Only the reviewees of these activities",
                ),
                USER_ID_TYPE,
            ],
            columns: &[
                column("open_id", "/reviewee_user_id/open_id"),
                column("user_id", "/reviewee_user_id/user_id"),
                column("activity_ids", "/activity_ids"),
                column("reviewprofile_url", "/reviewprofile_url"),
            ],
        },
        Lookup {
            group: "users",
            verb: "list",
            about: "Show people as a semester recorded them (获取被评估人的快照信息): leader, department, job family and level.",
            endpoint: "performance.v2.user_info.query",
            items: "user_infos",
            filters: &[
                required(SEMESTER),
                required(filter(
                    "user",
                    "user_ids",
                    Kind::Many,
                    "These people (ids of --user-id-type)",
                )),
                USER_ID_TYPE,
                filter(
                    "department-id-type",
                    "department_id_type",
                    Kind::One,
                    "How departments are identified: department_id or open_department_id",
                ),
            ],
            columns: &[
                column("open_id", "/user_id/open_id"),
                column("user_id", "/user_id/user_id"),
                column("direct_leader", "/direct_leader_user_id/open_id"),
                column("department", "/department/name"),
                column("job_family", "/job_family/name"),
                column("job_level", "/job_level/name"),
            ],
        },
        Lookup {
            group: "metric-libs",
            verb: "list",
            about: "List the metrics of the metric library (获取指标列表) with their fields and tags.",
            endpoint: "performance.v2.metric_lib.query",
            items: "items",
            filters: &[
                filter(
                    "active",
                    "is_active",
                    Kind::Bool,
                    "Only enabled (true) or disabled (false) metrics",
                ),
                filter("tag", "tag_ids", Kind::Many, "Only metrics with these tags"),
                filter(
                    "type",
                    "type_ids",
                    Kind::Many,
                    "Only metrics of these types",
                ),
                filter(
                    "range-of-availability",
                    "range_of_availability",
                    Kind::One,
                    "Only this range: admins_and_reviewees or only_admins",
                ),
                filter(
                    "scoring-setting-type",
                    "scoring_setting_type",
                    Kind::One,
                    "Only this scoring: score_manually or score_by_formula",
                ),
                USER_ID_TYPE,
            ],
            columns: &[
                column("metric_id", "/metric_id"),
                column("name", "/name"),
                column("type_id", "/type_id"),
                column("tags", "/tags/*/tag_name"),
                column("field_ids", "/fields/*/field_id"),
                column("scoring_setting_type", "/scoring_setting_type"),
                column("range_of_availability", "/range_of_availability"),
            ],
        },
        Lookup {
            group: "metric-fields",
            verb: "list",
            about: "List the metric fields (获取指标字段列表): their ids, names and types.",
            endpoint: "performance.v2.metric_field.query",
            items: "items",
            filters: &[filter(
                "ids",
                "field_ids",
                Kind::Many,
                "Only these field ids",
            )],
            columns: &[
                column("field_id", "/field_id"),
                column("name", "/name"),
                column("type", "/type"),
            ],
        },
        Lookup {
            group: "metric-templates",
            verb: "list",
            about: "List the metric templates (获取指标模板列表) with their dimensions.",
            endpoint: "performance.v2.metric_template.query",
            items: "items",
            filters: &[
                filter(
                    "ids",
                    "metrics_template_ids",
                    Kind::Many,
                    "Only these template ids",
                ),
                filter(
                    "status",
                    "status",
                    Kind::One,
                    "Only templates in this status: to_be_configured, to_be_activated, enabled or disabled",
                ),
                USER_ID_TYPE,
            ],
            columns: &[
                column("id", "/id"),
                column("name", "/name"),
                column("status", "/status"),
                column("dimensions", "/metric_dimensions/*/name"),
                column("total_metric_score_method", "/total_metric_score_method"),
            ],
        },
        Lookup {
            group: "metric-tags",
            verb: "list",
            about: "List the metric tags (获取指标标签信息).",
            endpoint: "performance.v2.metric_tag.list",
            items: "items",
            filters: &[filter(
                "ids",
                "tag_ids",
                Kind::Many,
                "Only these tag ids (Feishu then answers in one page)",
            )],
            columns: &[
                column("tag_id", "/tag_id"),
                column("name", "/tag_name"),
                column("index", "/index"),
            ],
        },
        Lookup {
            group: "review-templates",
            verb: "list",
            about: "List the review templates (获取绩效模板), every page, with their stages, units and fields.",
            endpoint: "performance.v2.review_template.query",
            items: "review_templates",
            filters: &[filter(
                "ids",
                "review_template_ids",
                Kind::Many,
                "Only these template ids",
            )],
            columns: &[
                column("review_template_id", "/review_template_id"),
                column("status", "/status"),
                column("name", "/name"),
                column("stages", "/templates/*/stage_type"),
                column("units", "#/units"),
                column("fields", "#/units/*/fields"),
            ],
        },
        Lookup {
            group: "indicators",
            verb: "list",
            about: "List the review indicators (获取评估项列表) with their levels.",
            endpoint: "performance.v2.indicator.query",
            items: "indicators",
            filters: &[filter(
                "ids",
                "indicator_ids",
                Kind::Many,
                "Only these indicator ids",
            )],
            columns: &[
                column("id", "/id"),
                column("name", "/name"),
                column("type", "/type"),
                column("options", "/options/*/name"),
            ],
        },
        Lookup {
            group: "questions",
            verb: "list",
            about: "List the tag-based questions (获取标签填写题配置) with their tags.",
            endpoint: "performance.v2.question.query",
            items: "tag_based_questions",
            filters: &[filter(
                "ids",
                "tag_based_question_ids",
                Kind::Many,
                "Only these question ids",
            )],
            columns: &[
                column("question_id", "/question_id"),
                column("name", "/name"),
                column("tags", "/tag_items/*/name"),
            ],
        },
    ];
}
