//! The look-ups, one entry an endpoint: the command, its options and its
//! columns. The performance service's ([`Performance`], top-level commands)
//! and the OKR service's ([`Okr`], under `okr`).

use super::{Column, Filter, Kind};

mod okr;
mod performance;

pub use okr::Okr;
pub use performance::Performance;

const fn filter(flag: &'static str, wire: &'static str, kind: Kind, help: &'static str) -> Filter {
    Filter {
        flag,
        wire,
        kind,
        required: false,
        help,
    }
}

const fn required(filter: Filter) -> Filter {
    Filter {
        required: true,
        ..filter
    }
}

/// `--user-id-type`: how people are named in the options and shown in the output.
const fn user_id_type(help: &'static str) -> Filter {
    filter("user-id-type", "user_id_type", Kind::One, help)
}

const fn column(name: &'static str, path: &'static str) -> Column {
    Column {
        name,
        path,
        time: false,
    }
}

/// A column of milliseconds since the epoch, shown in a table as a date and time in `--tz`.
const fn time_column(name: &'static str, path: &'static str) -> Column {
    Column {
        name,
        path,
        time: true,
    }
}
