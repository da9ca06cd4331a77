//! The OKR service's look-ups, under `okr`: the ids an OKR import needs,
//! found the way the platform leads to them. v1 (metric sources): `sources`,
//! `tables`, `items list|get`. v2: `cycles`, `objectives`, `key-results`,
//! `indicators`. v1 with pages: `periods`, `period-rules`, `user-okrs`,
//! `okrs get`, `progress-records get`, `reviews` (what `okr progress import`
//! needs: an OKR, its objectives and key results). An id the endpoint's path
//! names (a source's, a table's, a cycle's) is a required option.

use super::{column, filter, required, time_column, user_id_type};
use crate::commands::lookup::{Column, Filter, Kind, Lookup, Lookups};

/// The OKR service's look-ups (under `okr`).
#[derive(Debug)]
pub struct Okr;

const SOURCE: Filter = required(filter(
    "source",
    "metric_source_id",
    Kind::One,
    "The metric source (`okr sources list`)",
));
const TABLE: Filter = required(filter(
    "table",
    "metric_table_id",
    Kind::One,
    "The metric table (`okr tables list`)",
));
const USER_ID_TYPE: Filter =
    user_id_type("How people are named and shown: open_id (default), union_id or user_id");
const OBJECTIVE: Filter = required(filter(
    "objective",
    "objective_id",
    Kind::One,
    "The objective (`okr objectives list`)",
));

const ITEM_COLUMNS: &[Column] = &[
    column("metric_item_id", "/metric_item_id"),
    column("user_id", "/user_id"),
    column("kr_id", "/kr_id"),
    column("metric_initial_value", "/metric_initial_value"),
    column("metric_target_value", "/metric_target_value"),
    column("metric_current_value", "/metric_current_value"),
    column("metric_unit", "/metric_unit"),
    column("supported_user_id", "/supported_user_id"),
    column("updated_at", "/updated_at"),
];
/// The text of a rich-text `content`: its runs, joined with `,`.
const CONTENT_TEXT: &str = "/content/blocks/*/paragraph/elements/*/text_run/text";
const INDICATOR_ABOUT: &str = "List the OKR v2 quantitative indicator (量化指标) of an objective or a key result. By --objective (获取目标的量化指标) or --key-result (获取关键结果的量化指标): what `okr import --kind indicators` updates.";
const INDICATOR_COLUMNS: &[Column] = &[
    column("indicator_id", "/id"),
    column("entity_id", "/entity_id"),
    column("start_value", "/start_value"),
    column("target_value", "/target_value"),
    column("current_value", "/current_value"),
    column("indicator_status", "/indicator_status"),
    column("status_calculate_type", "/status_calculate_type"),
    column(
        "current_value_calculate_type",
        "/current_value_calculate_type",
    ),
    column("unit_type", "/unit/unit_type"),
    column("unit_value", "/unit/unit_value"),
];

/// How people are named on the v1 OKR pages that also take `people_admin_id`.
const OKR_USER_ID_TYPE: Filter = user_id_type(
    "How people are named and shown: open_id (default), union_id, user_id or people_admin_id",
);
/// A v1 OKR: what `okr progress import` takes as okr_id, and its targets.
const OKR_COLUMNS: &[Column] = &[
    column("okr_id", "/id"),
    column("period_id", "/period_id"),
    column("name", "/name"),
    column("objective_ids", "/objective_list/*/id"),
    column("key_result_ids", "/objective_list/*/kr_list/*/id"),
    column("confirm_status", "/confirm_status"),
];

impl Lookups for Okr {
    const LOOKUPS: &'static [Lookup] = &[
        Lookup {
            group: "periods",
            verb: "list",
            about: "List the OKR periods (获取 OKR 周期列表) of the tenant.",
            endpoint: "okr.v1.period.list",
            items: "items",
            filters: &[],
            columns: &[
                column("id", "/id"),
                column("zh_name", "/zh_name"),
                column("en_name", "/en_name"),
                column("status", "/status"),
                column("period_start_time", "/period_start_time"),
                column("period_end_time", "/period_end_time"),
            ],
        },
        Lookup {
            group: "period-rules",
            verb: "list",
            about: "List the OKR period rules (获取 OKR 周期规则) of the tenant.",
            endpoint: "okr.v1.period_rule.list",
            items: "period_rules",
            filters: &[],
            columns: &[
                column("period_rule_id", "/period_rule_id"),
                column("type", "/type"),
                column("length", "/length"),
                column("first_month", "/first_month"),
            ],
        },
        Lookup {
            group: "user-okrs",
            verb: "list",
            about: "List a user's OKRs (获取用户的 OKR 列表): the okr_id, objectives and key results `okr progress import` takes.",
            endpoint: "okr.v1.user_okr.list",
            items: "okr_list",
            filters: &[
                required(filter(
                    "user-id",
                    "user_id",
                    Kind::One,
                    "The user, as --user-id-type says",
                )),
                required(filter(
                    "offset",
                    "offset",
                    Kind::One,
                    "Where the list starts (0: the first OKR)",
                )),
                required(filter(
                    "limit",
                    "limit",
                    Kind::One,
                    "How many OKRs, 0 to 10",
                )),
                filter(
                    "period",
                    "period_ids",
                    Kind::Many,
                    "Only these periods (`okr periods list`), at most 10",
                ),
                OKR_USER_ID_TYPE,
            ],
            columns: OKR_COLUMNS,
        },
        Lookup {
            group: "okrs",
            verb: "get",
            about: "Show OKRs by id (批量获取 OKR), at most 10.",
            endpoint: "okr.v1.okr.batch_get",
            items: "okr_list",
            filters: &[
                required(filter(
                    "okr-id",
                    "okr_ids",
                    Kind::Many,
                    "The OKRs (`okr user-okrs list`), at most 10",
                )),
                OKR_USER_ID_TYPE,
            ],
            columns: OKR_COLUMNS,
        },
        Lookup {
            group: "progress-records",
            verb: "get",
            about: "Show one OKR progress record (获取 OKR 进展记录); an objective's or key result's are listed by `okr okrs get`.",
            endpoint: "okr.v1.progress_record.get",
            items: "",
            filters: &[
                required(filter(
                    "id",
                    "progress_id",
                    Kind::One,
                    "The record (progress_record_list of `okr okrs get`)",
                )),
                USER_ID_TYPE,
            ],
            columns: &[
                column("progress_id", "/progress_id"),
                column("modify_time", "/modify_time"),
                column(
                    "text",
                    "/content/blocks/*/paragraph/elements/*/textRun/text",
                ),
            ],
        },
        Lookup {
            group: "reviews",
            verb: "list",
            about: "List users' OKR reviews (查询复盘信息) in periods: the links of their reviews and progress reports.",
            endpoint: "okr.v1.review.query",
            items: "review_list",
            filters: &[
                required(filter(
                    "user-id",
                    "user_ids",
                    Kind::Many,
                    "The users, as --user-id-type says, at most 5",
                )),
                required(filter(
                    "period",
                    "period_ids",
                    Kind::Many,
                    "The periods (`okr periods list`), at most 5",
                )),
                OKR_USER_ID_TYPE,
            ],
            columns: &[
                column("user_id", "/user_id/user_id"),
                column("period_ids", "/review_period_list/*/period_id"),
                column(
                    "cycle_reviews",
                    "/review_period_list/*/cycle_review_list/*/url",
                ),
                column(
                    "progress_reports",
                    "/review_period_list/*/progress_report_list/*/url",
                ),
            ],
        },
        Lookup {
            group: "sources",
            verb: "list",
            about: "List the OKR v1 metric sources (获取指标库) of the tenant.",
            endpoint: "okr.v1.metric_source.list",
            items: "items",
            filters: &[],
            columns: &[
                column("metric_source_id", "/metric_source_id"),
                column("metric_source_name", "/metric_source_name"),
                column("metric_name", "/metric_name"),
                column("metric_unit", "/metric_unit"),
            ],
        },
        Lookup {
            group: "tables",
            verb: "list",
            about: "List the OKR v1 metric tables (获取指标表) of a source.",
            endpoint: "okr.v1.metric_source_table.list",
            items: "items",
            filters: &[SOURCE],
            columns: &[
                column("metric_table_id", "/metric_table_id"),
                column("metric_table_name", "/metric_table_name"),
                column("period_id", "/period_id"),
            ],
        },
        Lookup {
            group: "items",
            verb: "list",
            about: "List the OKR v1 metric items (获取指标项) of a table: what `okr import` updates.",
            endpoint: "okr.v1.metric_source_table_item.list",
            items: "items",
            filters: &[SOURCE, TABLE, USER_ID_TYPE],
            columns: ITEM_COLUMNS,
        },
        Lookup {
            group: "items",
            verb: "get",
            about: "Show one OKR v1 metric item (获取指标项详情).",
            endpoint: "okr.v1.metric_source_table_item.get",
            items: "",
            filters: &[
                SOURCE,
                TABLE,
                required(filter(
                    "item",
                    "metric_item_id",
                    Kind::One,
                    "The metric item (`okr items list`)",
                )),
                USER_ID_TYPE,
            ],
            columns: ITEM_COLUMNS,
        },
        Lookup {
            group: "cycles",
            verb: "list",
            about: "List the OKR v2 cycles (周期) of a user (获取用户 OKR 周期列表).",
            endpoint: "okr.v2.cycle.list",
            items: "items",
            filters: &[
                filter(
                    "user-id",
                    "user_id",
                    Kind::One,
                    "The user, as --user-id-type says",
                ),
                USER_ID_TYPE,
            ],
            columns: &[
                column("id", "/id"),
                column("owner", "/owner/user_id"),
                time_column("start_time", "/start_time"),
                time_column("end_time", "/end_time"),
                column("cycle_status", "/cycle_status"),
                column("score", "/score"),
            ],
        },
        Lookup {
            group: "objectives",
            verb: "list",
            about: "List the OKR v2 objectives (目标) of a cycle (获取用户 OKR 周期内的目标).",
            endpoint: "okr.v2.cycle_objective.list",
            items: "items",
            filters: &[
                required(filter(
                    "cycle",
                    "cycle_id",
                    Kind::One,
                    "The cycle (`okr cycles list`)",
                )),
                USER_ID_TYPE,
            ],
            columns: &[
                column("id", "/id"),
                column("position", "/position"),
                column("content", CONTENT_TEXT),
                column("score", "/score"),
                column("weight", "/weight"),
                column("deadline", "/deadline"),
                column("owner", "/owner/user_id"),
            ],
        },
        Lookup {
            group: "key-results",
            verb: "list",
            about: "List the OKR v2 key results (关键结果) of an objective (获取目标下的所有关键结果).",
            endpoint: "okr.v2.objective_key_result.list",
            items: "items",
            filters: &[OBJECTIVE, USER_ID_TYPE],
            columns: &[
                column("id", "/id"),
                column("objective_id", "/objective_id"),
                column("position", "/position"),
                column("content", CONTENT_TEXT),
                column("score", "/score"),
                column("weight", "/weight"),
                column("deadline", "/deadline"),
            ],
        },
        // One command, two endpoints: --objective or --key-result chooses.
        Lookup {
            group: "indicators",
            verb: "list",
            about: INDICATOR_ABOUT,
            endpoint: "okr.v2.objective_indicator.list",
            items: "indicator",
            filters: &[OBJECTIVE, USER_ID_TYPE],
            columns: INDICATOR_COLUMNS,
        },
        Lookup {
            group: "indicators",
            verb: "list",
            about: INDICATOR_ABOUT,
            endpoint: "okr.v2.key_result_indicator.list",
            items: "indicator",
            filters: &[
                required(filter(
                    "key-result",
                    "key_result_id",
                    Kind::One,
                    "The key result (`okr key-results list`)",
                )),
                USER_ID_TYPE,
            ],
            columns: INDICATOR_COLUMNS,
        },
    ];
}
