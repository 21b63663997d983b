//! Typed argument values: agent versions and `registeredAt` timestamps.

use std::cmp::Ordering;

/// Parses a version: one or more dot-separated decimal integers, with an
/// optional leading `v`.
pub(super) fn parse_version(text: &str) -> Option<Vec<u64>> {
    let text = text.strip_prefix('v').unwrap_or(text);
    text.split('.')
        .map(|part| if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) { part.parse().ok() } else { None })
        .collect()
}

/// Compares versions component by component; missing components count as 0.
pub(super) fn compare_versions(a: &[u64], b: &[u64]) -> Ordering {
    (0..a.len().max(b.len()))
        .map(|i| {
            let x = a.get(i).copied().unwrap_or(0);
            let y = b.get(i).copied().unwrap_or(0);
            x.cmp(&y)
        })
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[Z]` (UTC) to Unix milliseconds.
pub(super) fn parse_timestamp(text: &str) -> Option<i64> {
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year = fixed_digits(parts.next()?, 4)?;
    let month = fixed_digits(parts.next()?, 2)?;
    let day = fixed_digits(parts.next()?, 2)?;
    if parts.next().is_some() || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let seconds = match time {
        None => 0,
        Some(time) => {
            let time = time.strip_suffix('Z').unwrap_or(time);
            let mut parts = time.split(':');
            let hour = fixed_digits(parts.next()?, 2)?;
            let minute = fixed_digits(parts.next()?, 2)?;
            let second = fixed_digits(parts.next()?, 2)?;
            if parts.next().is_some() || hour > 23 || minute > 59 || second > 59 {
                return None;
            }
            i64::from(hour * 3600 + minute * 60 + second)
        }
    };
    let days = days_from_civil(i64::from(year), month, day);
    Some((days * 86_400 + seconds) * 1000)
}

/// `part` as a number when it is exactly `len` ASCII digits.
pub(super) fn fixed_digits(part: &str, len: usize) -> Option<u32> {
    if part.len() == len && part.bytes().all(|b| b.is_ascii_digit()) {
        part.parse().ok()
    } else {
        None
    }
}

pub(super) fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
pub(super) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let month = i64::from(month);
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::query::test_support::*;

    #[test]
    fn versions_compare_numerically() {
        let mut i = sample();
        i.version = "1.10.0";
        assert_all(
            &[
                ("agentVersion > 1.9.2", true),
                ("agentVersion >= 1.10", true),
                ("agentVersion == 1.10.0.0", true),
                ("agentVersion < 1.10.1", true),
                ("agentVersion <= 1.9.99", false),
                ("agentVersion != 1.10.0", false),
            ],
            &i,
        );
        assert_eq!(parse_version("v2.0.1"), Some(vec![2, 0, 1]));
        assert_eq!(parse_version("1.5.0-beta"), None);
        i.version = "unknown";
        assert_all(&[("agentVersion >= 0.0.0", false), ("agentVersion != 1.0", true)], &i);
    }

    #[test]
    fn registered_at_converts_dates_to_unix_ms() {
        assert_eq!(parse_timestamp("2016-01-01"), Some(JAN_1_2016_MS));
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("2016-01-01T01:02:03"), Some(JAN_1_2016_MS + 3_723_000));
        assert_eq!(parse_timestamp("2000-03-01"), Some(951_868_800_000));
        assert_eq!(parse_timestamp("1969-12-31"), Some(-86_400_000));
        assert!(parse_timestamp("2016-02-29").is_some());
        for bad in [
            "2015-02-29",
            "1900-02-29",
            "2016-13-01",
            "2016-1-01",
            "2016-01-01T24:00:00",
            "2016-01-01T12:00",
            "2016-01-01Z",
            "2016-01-01T00:00:00+01:00",
            "20é6-01-01",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        let mut i = sample();
        i.registered_ms = JAN_1_2016_MS;
        assert_all(
            &[
                ("registeredAt == 2016-01-01", true),
                ("registeredAt > 2016-01-01", false),
                ("registeredAt < 2016-01-01T00:00:01Z", true),
                ("registeredAt <= 2015-12-31T23:59:59", false),
            ],
            &i,
        );
    }
}
