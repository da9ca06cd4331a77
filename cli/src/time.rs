//! Time as people read it: a date or date-time in the tenant's zone (default
//! Asia/Shanghai), to and from the milliseconds since the epoch the API
//! speaks. Zones are fixed offsets: the names of zones without daylight
//! saving time, or an offset (`+08:00`, `UTC`); a zone with daylight saving
//! time (no time-zone database is carried) is refused with the offset to give.

use std::fmt;
use std::str::FromStr;

/// A time zone: a fixed offset from UTC, and how it was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// How it was given (`Asia/Shanghai`, `+08:00`).
    pub name: String,
    /// Minutes east of UTC.
    pub offset_minutes: i32,
}

impl Default for Zone {
    /// Asia/Shanghai (UTC+8, no daylight saving time since 1991): Feishu's home zone.
    fn default() -> Zone {
        Zone {
            name: "Asia/Shanghai".into(),
            offset_minutes: 8 * 60,
        }
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Zones without daylight saving time, by name, and their offsets in minutes.
const FIXED: [(&str, i32); 12] = [
    ("Asia/Shanghai", 480),
    ("Asia/Chongqing", 480),
    ("Asia/Hong_Kong", 480),
    ("Asia/Macau", 480),
    ("Asia/Taipei", 480),
    ("Asia/Singapore", 480),
    ("Asia/Kuala_Lumpur", 480),
    ("Asia/Manila", 480),
    ("Asia/Tokyo", 540),
    ("Asia/Seoul", 540),
    ("Asia/Kolkata", 330),
    ("Asia/Jakarta", 420),
];

impl FromStr for Zone {
    type Err = String;

    fn from_str(s: &str) -> Result<Zone, String> {
        let name = s.trim();
        if let Some(&(_, offset)) = FIXED.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Ok(Zone {
                name: name.to_owned(),
                offset_minutes: offset,
            });
        }
        if ["UTC", "Etc/UTC", "GMT", "Z"]
            .iter()
            .any(|u| u.eq_ignore_ascii_case(name))
        {
            return Ok(Zone {
                name: "UTC".into(),
                offset_minutes: 0,
            });
        }
        let offset = name
            .strip_prefix("UTC")
            .or_else(|| name.strip_prefix("GMT"))
            .unwrap_or(name);
        match parse_offset(offset) {
            Some(minutes) => Ok(Zone {
                name: name.to_owned(),
                offset_minutes: minutes,
            }),
            None => Err(format!(
                "unknown zone `{name}`: give a zone without daylight saving time \
                 (Asia/Shanghai, Asia/Tokyo, UTC, ...) or an offset (+08:00, -05:00)"
            )),
        }
    }
}

/// `+08:00`, `+0800`, `-5`, `+05:30`: minutes east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    let digits = |t: &str| !t.is_empty() && t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(hours) || !digits(minutes) {
        return None;
    }
    let (h, m): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Milliseconds since the epoch of `value`: milliseconds as they are (ten
/// digits or more), or a date (`2026-07-01`, `2026/07/01`) or date-time
/// (`2026-07-01 09:30`, `2026-07-01T09:30:00`, with `Z` or `+08:00` to
/// override `zone`). A date alone is its first millisecond, or its last with
/// `end_of_day` (an end time: "up to 2026-12-31" includes that day).
pub fn parse_millis(value: &str, zone: &Zone, end_of_day: bool) -> Result<i64, String> {
    let v = value.trim();
    if v.len() >= 10 && v.bytes().all(|b| b.is_ascii_digit()) {
        return v.parse().map_err(|_| format!("`{v}`: too large"));
    }
    let bad = || {
        format!(
            "`{v}` is not a date or date-time: write 2026-07-01, 2026-07-01 09:30 or \
             2026-07-01T09:30:00+08:00 (in {zone} unless an offset is given), or milliseconds since the epoch"
        )
    };
    let (date, time) = match v.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (v, None),
    };
    let parts: Vec<&str> = date.split(['-', '/']).collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    let number = |s: &str, max_len: usize| -> Option<i64> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (number(y, 4), number(m, 2), number(d, 2)) else {
        return Err(bad());
    };
    if y < 1970 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return Err(bad());
    }
    let mut offset = i64::from(zone.offset_minutes);
    let seconds = match time {
        None if end_of_day => 86_400 - 1,
        None => 0,
        Some(t) => {
            let (clock, zone_part) = match t.find(['Z', 'z', '+', '-']) {
                Some(at) => (&t[..at], Some(&t[at..])),
                None => (t, None),
            };
            if let Some(z) = zone_part {
                offset = if z.eq_ignore_ascii_case("z") {
                    0
                } else {
                    i64::from(parse_offset(z).ok_or_else(bad)?)
                };
            }
            let fields: Vec<&str> = clock.split(':').collect();
            let hms: Vec<i64> = fields
                .iter()
                .map(|f| number(f.split('.').next().unwrap_or(f), 2))
                .collect::<Option<_>>()
                .ok_or_else(bad)?;
            let (h, mi, s) = match hms.as_slice() {
                [h, mi] => (*h, *mi, 0),
                [h, mi, s] => (*h, *mi, *s),
                _ => return Err(bad()),
            };
            if h > 23 || mi > 59 || s > 59 {
                return Err(bad());
            }
            h * 3600 + mi * 60 + s
        }
    };
    let end_ms = if time.is_none() && end_of_day { 999 } else { 0 };
    Ok((days_from_civil(y, m, d) * 86_400 + seconds - offset * 60) * 1000 + end_ms)
}

/// `ms` since the epoch as people read it in `zone`: `2026-10-01 00:00`
/// (seconds shown when there are some).
pub fn format_millis(ms: i64, zone: &Zone) -> String {
    let seconds = ms.div_euclid(1000) + i64::from(zone.offset_minutes) * 60;
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    if s == 0 {
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_date_times_are_read_in_the_zone() {
        let sh = Zone::default();
        // 2026-07-01 00:00 in Shanghai is 2026-06-30 16:00 UTC.
        assert_eq!(
            parse_millis("2026-07-01", &sh, false),
            Ok(1_782_835_200_000)
        );
        assert_eq!(
            parse_millis("2026/07/01", &sh, false),
            Ok(1_782_835_200_000)
        );
        assert_eq!(
            parse_millis("2026-07-01", &sh, true),
            Ok(1_782_835_200_000 + 86_400_000 - 1)
        );
        assert_eq!(
            parse_millis("2026-07-01 09:30", &sh, false),
            Ok(1_782_869_400_000)
        );
        assert_eq!(
            parse_millis("2026-07-01T01:30:00Z", &sh, false),
            Ok(1_782_869_400_000)
        );
        assert_eq!(
            parse_millis("2026-07-01T09:30:00+08:00", &"UTC".parse().unwrap(), false),
            Ok(1_782_869_400_000)
        );
        assert_eq!(
            parse_millis("1782835200000", &sh, false),
            Ok(1_782_835_200_000)
        );
        assert!(parse_millis("2026-02-30", &sh, false).is_err());
        assert!(parse_millis("next monday", &sh, false).is_err());
        assert!(parse_millis("2026-07-01 25:00", &sh, false).is_err());
    }

    #[test]
    fn times_are_shown_as_people_read_them() {
        let sh = Zone::default();
        assert_eq!(format_millis(1_782_835_200_000, &sh), "2026-07-01 00:00");
        assert_eq!(format_millis(1_782_869_401_000, &sh), "2026-07-01 09:30:01");
        let utc: Zone = "UTC".parse().unwrap();
        assert_eq!(format_millis(1_782_835_200_000, &utc), "2026-06-30 16:00");
        assert_eq!("+05:30".parse::<Zone>().unwrap().offset_minutes, 330);
        assert!("Europe/Berlin".parse::<Zone>().is_err());
    }
}
