//! The look-ups, one entry a list endpoint: its options and its columns.

use super::{Column, Filter, Lookup, Lookups};

/// The performance service's look-ups (top-level commands).
#[derive(Debug)]
pub struct Performance;

impl Lookups for Performance {
    const LOOKUPS: &'static [Lookup] = &[Lookup {
        group: "review-templates",
        about: "List the review templates (获取绩效模板), every page, with their stages, units and fields.",
        endpoint: "performance.v2.review_template.query",
        filters: &[Filter {
            flag: "ids",
            wire: "review_template_ids",
            many: true,
            required: false,
            help: "Only these template ids",
        }],
        columns: &[
            Column {
                name: "review_template_id",
                path: "/review_template_id",
            },
            Column {
                name: "status",
                path: "/status",
            },
            Column {
                name: "name",
                path: "/name",
            },
            Column {
                name: "stages",
                path: "/templates/*/stage_type",
            },
            Column {
                name: "units",
                path: "#/units",
            },
            Column {
                name: "fields",
                path: "#/units/*/fields",
            },
        ],
    }];
}
