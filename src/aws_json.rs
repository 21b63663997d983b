//! Reading JSON as the AWS CLI and boto3 print it: the three ways a
//! timestamp is written, and the `{"status_code": 200, "data": {...}}`
//! wrapper of recorded (placebo) responses.
//!
//! Timestamps become milliseconds since 1970-01-01T00:00:00Z:
//!
//! * ISO-8601 strings with `Z` or an offset (`2021-02-09T05:13:22+00:00`,
//!   `2014-04-09T11:24:00.000Z`, `2021-08-11T12:21:26.681000-04:00`); a
//!   string without a zone is read as UTC;
//! * epoch seconds as a number (`1466801808.595`, older CLI pages);
//! * placebo's `{"__class__": "datetime", "year": ..., "microsecond": ...}`,
//!   which carries no zone (boto3 gave UTC).
//!
//! Fractions of a millisecond are dropped.

use serde_json::Value;

/// The response inside a placebo recording (`data`), or `value` itself.
pub(crate) fn unwrap_response(value: Value) -> Value {
    match value {
        Value::Object(mut map) if map.contains_key("status_code") && map.get("data").is_some_and(Value::is_object) => {
            map.remove("data").unwrap_or(Value::Null)
        }
        other => other,
    }
}

/// A timestamp in any of the three encodings, as epoch milliseconds; the
/// error says what was expected.
pub(crate) fn timestamp_ms(value: &Value) -> Result<i64, String> {
    match value {
        Value::String(text) => parse_iso8601(text),
        Value::Number(n) => match n.as_f64() {
            Some(secs) if secs.is_finite() && secs.abs() < 1e13 => Ok((secs * 1000.0).round() as i64),
            _ => Err(format!("{n} is not a time in epoch seconds")),
        },
        Value::Object(map) if map.get("__class__").and_then(Value::as_str) == Some("datetime") => {
            let field = |name: &str| -> Result<i64, String> {
                map.get(name).and_then(Value::as_i64).ok_or_else(|| format!("the datetime has no whole `{name}`"))
            };
            let micro = map.get("microsecond").and_then(Value::as_i64).unwrap_or(0);
            civil_ms(
                field("year")?,
                field("month")?,
                field("day")?,
                field("hour")?,
                field("minute")?,
                field("second")?,
                micro / 1000,
            )
        }
        other => Err(format!(
            "{} is not a timestamp; expected an ISO-8601 string, epoch seconds or a placebo datetime",
            crate::error::quoted(&other.to_string())
        )),
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff…][Z|±HH:MM]` (a space may stand for `T`).
pub(crate) fn parse_iso8601(text: &str) -> Result<i64, String> {
    let bad = || format!("`{}` is not an ISO-8601 date-time such as 2021-02-09T05:13:22Z", crate::error::quoted(text));
    let s = text.trim();
    let bytes = s.as_bytes();
    if bytes.len() < 19 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b't' | b' ') {
        return Err(bad());
    }
    if bytes[13] != b':' || bytes[16] != b':' {
        return Err(bad());
    }
    let number = |range: std::ops::Range<usize>| -> Result<i64, String> {
        let part = s.get(range).ok_or_else(bad)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let mut rest = &s[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let first3: String = fraction[..digits].chars().chain("000".chars()).take(3).collect();
        millis = first3.parse::<i64>().map_err(|_| bad())?;
        rest = &fraction[digits..];
    }
    let offset_minutes = match rest {
        "" | "Z" | "z" => 0,
        zone if (zone.starts_with('+') || zone.starts_with('-')) && zone.len() == 6 && &zone[3..4] == ":" => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let hours: i64 = zone[1..3].parse().map_err(|_| bad())?;
            let minutes: i64 = zone[4..6].parse().map_err(|_| bad())?;
            sign * (hours * 60 + minutes)
        }
        _ => return Err(bad()),
    };
    let local = civil_ms(year, month, day, hour, minute, second, millis).map_err(|_| bad())?;
    Ok(local - offset_minutes * 60_000)
}

/// Milliseconds since the epoch of a UTC calendar date-time.
fn civil_ms(year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64, millis: i64) -> Result<i64, String> {
    let in_range = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..61).contains(&second)
        && (0..1000).contains(&millis)
        && (1900..=9999).contains(&year);
    if !in_range {
        return Err(format!("{year}-{month}-{day} {hour}:{minute}:{second} is not a date-time"));
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn iso_forms_agree() {
        let z = parse_iso8601("2021-02-09T05:13:22Z").expect("z");
        assert_eq!(z, 1_612_847_602_000);
        assert_eq!(parse_iso8601("2021-02-09T05:13:22+00:00"), Ok(z));
        assert_eq!(parse_iso8601("2021-02-09T05:13:22.000Z"), Ok(z));
        assert_eq!(parse_iso8601("2021-02-09T01:13:22.250000-04:00"), Ok(z + 250));
        assert_eq!(parse_iso8601("1970-01-01T00:00:00Z"), Ok(0));
        assert!(parse_iso8601("2021-02-30x").is_err());
        assert!(parse_iso8601("2021-13-09T05:13:22Z").is_err());
        assert!(parse_iso8601("2021-02-09T05:13:22+0000").is_err());
    }

    #[test]
    fn placebo_and_epoch_timestamps() {
        let placebo = json!({"__class__": "datetime", "year": 2021, "month": 2, "day": 9,
            "hour": 5, "minute": 13, "second": 22, "microsecond": 500000});
        assert_eq!(timestamp_ms(&placebo), Ok(1_612_847_602_500));
        assert_eq!(timestamp_ms(&json!(1466801808.595)), Ok(1_466_801_808_595));
        assert!(timestamp_ms(&json!(true)).is_err());
    }

    #[test]
    fn unwraps_placebo_only() {
        let wrapped = json!({"status_code": 200, "data": {"Datapoints": []}});
        assert_eq!(unwrap_response(wrapped), json!({"Datapoints": []}));
        let bare = json!({"Datapoints": [], "Label": "x"});
        assert_eq!(unwrap_response(bare.clone()), bare);
    }
}
