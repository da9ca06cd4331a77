//! The OKR service's look-ups, under `okr`: the ids an OKR import needs,
//! found the way the platform leads to them. v1 (metric sources): `sources`,
//! `tables`, `items list|get`. v2: `cycles`, `objectives`, `key-results`,
//! `indicators`. An id the endpoint's path names (a source's, a table's, a
//! cycle's) is a required option.

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

impl Lookups for Okr {
    const LOOKUPS: &'static [Lookup] = &[
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
