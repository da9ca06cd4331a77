//! Events Feishu sends an app (with the `events` feature): their typed objects, by event type.
//!
//! The event kinds are generated from `schema/<service>/<version>/events/` (each imported from
//! its portal page): [`EVENTS`] lists them, [`Event`] reads an event's `event` object by its
//! type, and each kind's module has its object and the types it uses (open enums: a value the
//! page does not list is kept as `Unknown` and written back unchanged).

pub use feishu_perf_generated::events::{
    EVENTS, Event, EventDescriptor, descriptor, review_data_changed_v2, stage_task_open_result_v2,
};
