//! Scheduled scaling (`docs/ecs-reference.md`, §4.4; § numbers refer to that
//! file): schedules in AWS syntax and the scheduled actions that set a new min
//! and/or max capacity.
//!
//! Schedule expressions, evaluated in UTC against an epoch (the Unix time in
//! milliseconds of simulated time zero, passed in by the caller; time zones
//! other than UTC are not supported):
//!
//! - `at(<duration>)`: once, at that offset from the start of the run, e.g.
//!   `at(2h)`, `at(90m)` (any duration [`parse_duration`] accepts);
//! - `at(yyyy-mm-ddThh:mm:ss)`: once, at that UTC wall-clock time (seconds
//!   and a trailing `Z` optional); a time before the epoch never fires;
//! - `rate(<n> minute[s]|hour[s]|day[s])`: every n units, first one period
//!   after simulated time zero (`rate(5 minutes)` fires at 5 m, 10 m, …);
//! - `cron(minutes hours day-of-month month day-of-week year)`: AWS's
//!   six-field cron. Fields take `*`, numbers, lists `a,b`, ranges `a-b`,
//!   steps `*/n`, `a/n` and `a-b/n`; months `1-12` or `JAN`–`DEC`; days of the
//!   week `1-7` or `SUN`–`SAT` (1 = Sunday, as in AWS); years 1970–2199. As in
//!   AWS, exactly one of day-of-month and day-of-week must be `?`. `L`, `W` and
//!   `#` are rejected. Cron times fire on whole UTC minutes.
//!
//! Scheduled actions are not blocked by cooldowns; the scalable target applies
//! them with [`ScalableTarget::apply_scheduled`](super::target::ScalableTarget::apply_scheduled).

use crate::engine::{parse_duration, SimDuration, SimTime};
use std::fmt;

/// 2024-01-01T00:00:00Z in Unix milliseconds: a convenient epoch for simulated time zero.
pub(crate) const DEFAULT_EPOCH_UNIX_MS: i64 = 1_704_067_200_000;

const MINUTE_MS: i64 = 60_000;
const DAY_MINUTES: i64 = 1440;
const FIRST_YEAR: i64 = 1970;
const LAST_YEAR: i64 = 2199;

/// When an `at()` schedule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtTime {
    /// An offset from simulated time zero.
    Offset(SimDuration),
    /// A UTC wall-clock time, in Unix milliseconds.
    UnixMs(i64),
}

/// The parsed form of a schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleKind {
    /// `at(...)`: fires once.
    At(AtTime),
    /// `rate(...)`: fires every period, first one period after time zero.
    Rate(SimDuration),
    /// `cron(...)`.
    Cron(Cron),
}

/// A schedule expression: `at()`, `rate()` or `cron()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    expression: String,
    kind: ScheduleKind,
}

impl Schedule {
    /// Parses `at(...)`, `rate(...)` or `cron(...)` (see the module documentation).
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let expression = text.trim();
        let inner =
            |prefix: &str| expression.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(')')).map(str::trim);
        let kind = if let Some(body) = inner("at(") {
            ScheduleKind::At(parse_at(body).map_err(|e| format!("`{expression}`: {e}"))?)
        } else if let Some(body) = inner("rate(") {
            ScheduleKind::Rate(parse_rate(body).map_err(|e| format!("`{expression}`: {e}"))?)
        } else if let Some(body) = inner("cron(") {
            ScheduleKind::Cron(Cron::parse(body).map_err(|e| format!("`{expression}`: {e}"))?)
        } else {
            return Err(format!(
                "`{expression}` is not a schedule; write at(2h), at(2024-01-01T08:00:00), rate(5 minutes) \
                 or cron(0 8 ? * MON-FRI *)"
            ));
        };
        Ok(Schedule { expression: expression.to_string(), kind })
    }

    /// The parsed form.
    pub fn kind(&self) -> &ScheduleKind {
        &self.kind
    }

    /// The first firing at or after `t`, or `None` if there is none (an
    /// `at()` in the past, a cron with no match up to 2199).
    pub fn next_at_or_after(&self, t: SimTime, epoch_unix_ms: i64) -> Option<SimTime> {
        match &self.kind {
            ScheduleKind::At(at) => {
                let fire = match *at {
                    AtTime::Offset(d) => SimTime(d.as_millis()),
                    AtTime::UnixMs(ms) => SimTime(u64::try_from(ms.checked_sub(epoch_unix_ms)?).ok()?),
                };
                (fire >= t).then_some(fire)
            }
            ScheduleKind::Rate(period) => {
                let p = period.as_millis();
                let k = t.as_millis().div_ceil(p).max(1);
                Some(SimTime(k.checked_mul(p)?))
            }
            ScheduleKind::Cron(cron) => {
                let wall = epoch_unix_ms.checked_add(i64::try_from(t.as_millis()).ok()?)?;
                let fire_minute = cron
                    .next_minute_at_or_after(wall.div_euclid(MINUTE_MS) + i64::from(wall.rem_euclid(MINUTE_MS) != 0))?;
                let fire_ms = fire_minute.checked_mul(MINUTE_MS)?.checked_sub(epoch_unix_ms)?;
                Some(SimTime(u64::try_from(fire_ms).ok()?))
            }
        }
    }

    /// The first firing strictly after `t`.
    pub fn next_after(&self, t: SimTime, epoch_unix_ms: i64) -> Option<SimTime> {
        self.next_at_or_after(SimTime(t.as_millis().checked_add(1)?), epoch_unix_ms)
    }

    /// Whether the schedule fires in `(after, up_to]`: the check for a caller
    /// that ticks once a minute.
    pub fn fires_in(&self, after: SimTime, up_to: SimTime, epoch_unix_ms: i64) -> bool {
        self.next_after(after, epoch_unix_ms).is_some_and(|t| t <= up_to)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression)
    }
}

fn parse_at(body: &str) -> Result<AtTime, String> {
    if body.len() >= 10 && body.as_bytes()[4] == b'-' {
        return parse_iso_utc(body).map(AtTime::UnixMs);
    }
    parse_duration(body)
        .map(AtTime::Offset)
        .map_err(|_| format!("`{body}` is neither a duration (e.g. 2h, 90m) nor a UTC time (yyyy-mm-ddThh:mm:ss)"))
}

/// Parses `yyyy-mm-ddThh:mm[:ss][Z]` as UTC into Unix milliseconds.
fn parse_iso_utc(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not a UTC time; write yyyy-mm-ddThh:mm:ss, e.g. 2024-01-01T08:00:00");
    let body = text.strip_suffix('Z').unwrap_or(text);
    let (date, time) = body.split_once('T').ok_or_else(bad)?;
    let number = |s: &str, digits: usize| -> Result<i64, String> {
        if s.len() != digits || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse::<i64>().map_err(|_| bad())
    };
    let date_parts: Vec<&str> = date.split('-').collect();
    let time_parts: Vec<&str> = time.split(':').collect();
    if date_parts.len() != 3 || !(2..=3).contains(&time_parts.len()) {
        return Err(bad());
    }
    let (y, mo, d) = (number(date_parts[0], 4)?, number(date_parts[1], 2)?, number(date_parts[2], 2)?);
    let (h, mi) = (number(time_parts[0], 2)?, number(time_parts[1], 2)?);
    let s = if time_parts.len() == 3 { number(time_parts[2], 2)? } else { 0 };
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59 {
        return Err(format!("`{text}` is not a valid date and time"));
    }
    Ok(((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * MINUTE_MS + s * 1000)
}

fn parse_rate(body: &str) -> Result<SimDuration, String> {
    let usage =
        || format!("`rate({body})` must be rate(<n> minute[s]|hour[s]|day[s]) with n ≥ 1, e.g. rate(5 minutes)");
    let (value, unit) = body.split_once(char::is_whitespace).ok_or_else(usage)?;
    let value: u64 = value.parse().map_err(|_| usage())?;
    if value == 0 {
        return Err(usage());
    }
    let unit_ms = match unit.trim() {
        "minute" | "minutes" => 60_000,
        "hour" | "hours" => 3_600_000,
        "day" | "days" => 86_400_000,
        _ => return Err(usage()),
    };
    value.checked_mul(unit_ms).map(SimDuration).ok_or_else(usage)
}

/// A set of allowed values of one cron field, indexed from the field's minimum.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldSet {
    min: i64,
    allowed: Vec<bool>,
}

impl FieldSet {
    fn contains(&self, value: i64) -> bool {
        value >= self.min && self.allowed.get((value - self.min) as usize).copied().unwrap_or(false)
    }
}

struct FieldSpec {
    name: &'static str,
    min: i64,
    max: i64,
    names: &'static [&'static str],
}

const MONTH_NAMES: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: [FieldSpec; 6] = [
    FieldSpec { name: "minutes", min: 0, max: 59, names: &[] },
    FieldSpec { name: "hours", min: 0, max: 23, names: &[] },
    FieldSpec { name: "day-of-month", min: 1, max: 31, names: &[] },
    FieldSpec { name: "month", min: 1, max: 12, names: &MONTH_NAMES },
    FieldSpec { name: "day-of-week", min: 1, max: 7, names: &DAY_NAMES },
    FieldSpec { name: "year", min: FIRST_YEAR, max: LAST_YEAR, names: &[] },
];

fn parse_field(text: &str, spec: &FieldSpec) -> Result<FieldSet, String> {
    let mut set = FieldSet { min: spec.min, allowed: vec![false; (spec.max - spec.min + 1) as usize] };
    let value = |token: &str| -> Result<i64, String> {
        let v = if let Ok(n) = token.parse::<i64>() {
            n
        } else if let Some(i) = spec.names.iter().position(|n| n.eq_ignore_ascii_case(token)) {
            spec.min + i as i64
        } else if token.contains(['L', 'W', 'l', 'w']) {
            return Err(format!("`L` and `W` in cron {} are not supported (got `{token}`)", spec.name));
        } else {
            return Err(format!("`{token}` is not a valid cron {} value", spec.name));
        };
        if v < spec.min || v > spec.max {
            return Err(format!("cron {} value {v} is outside {}-{}", spec.name, spec.min, spec.max));
        }
        Ok(v)
    };
    for part in text.split(',') {
        if part.contains('#') {
            return Err(format!("`#` in cron {} is not supported (got `{part}`)", spec.name));
        }
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => {
                let step: i64 = step.parse().ok().filter(|s| *s >= 1).ok_or_else(|| {
                    format!("`{part}`: the step after `/` in cron {} must be a positive number", spec.name)
                })?;
                (range, Some(step))
            }
            None => (part, None),
        };
        let (lo, hi) = if range == "*" {
            (spec.min, spec.max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (value(a)?, value(b)?);
            if a > b {
                return Err(format!("cron {} range `{range}` runs backwards", spec.name));
            }
            (a, b)
        } else {
            let a = value(range)?;
            (a, if step.is_some() { spec.max } else { a })
        };
        let mut v = lo;
        while v <= hi {
            set.allowed[(v - spec.min) as usize] = true;
            v += step.unwrap_or(1);
        }
    }
    Ok(set)
}

/// An AWS six-field cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: FieldSet,
    hours: FieldSet,
    /// `None` for `?`.
    days_of_month: Option<FieldSet>,
    months: FieldSet,
    /// `None` for `?`.
    days_of_week: Option<FieldSet>,
    years: FieldSet,
}

impl Cron {
    /// Parses the six fields (the text inside `cron(...)`).
    pub fn parse(body: &str) -> Result<Cron, String> {
        let fields: Vec<&str> = body.split_whitespace().collect();
        if fields.len() != 6 {
            return Err(format!(
                "a cron expression needs 6 fields (minutes hours day-of-month month day-of-week year), found {}",
                fields.len()
            ));
        }
        match (fields[2] == "?", fields[4] == "?") {
            (true, false) | (false, true) => {}
            _ => {
                return Err("exactly one of day-of-month and day-of-week must be `?`, \
                            e.g. cron(0 8 * * ? *) or cron(0 8 ? * MON-FRI *)"
                    .to_string())
            }
        }
        let field = |i: usize| -> Result<Option<FieldSet>, String> {
            if fields[i] == "?" {
                if i == 2 || i == 4 {
                    return Ok(None);
                }
                return Err(format!("`?` is only allowed in day-of-month and day-of-week, not in {}", FIELDS[i].name));
            }
            parse_field(fields[i], &FIELDS[i]).map(Some)
        };
        let required = |i: usize| -> Result<FieldSet, String> {
            field(i)?.ok_or_else(|| format!("`?` is not allowed in {}", FIELDS[i].name))
        };
        Ok(Cron {
            minutes: required(0)?,
            hours: required(1)?,
            days_of_month: field(2)?,
            months: required(3)?,
            days_of_week: field(4)?,
            years: required(5)?,
        })
    }

    fn day_matches(&self, day: i64) -> bool {
        let (y, m, d) = civil_from_days(day);
        let weekday = (day + 4).rem_euclid(7) + 1; // 1970-01-01 was a Thursday; 1 = Sunday
        self.years.contains(y)
            && self.months.contains(m)
            && self.days_of_month.as_ref().is_none_or(|s| s.contains(d))
            && self.days_of_week.as_ref().is_none_or(|s| s.contains(weekday))
    }

    /// The first matching Unix minute at or after `minute`, searching up to the end of 2199.
    fn next_minute_at_or_after(&self, minute: i64) -> Option<i64> {
        let last_day = days_from_civil(LAST_YEAR, 12, 31);
        let mut day = minute.div_euclid(DAY_MINUTES).max(days_from_civil(FIRST_YEAR, 1, 1));
        let mut from = if day == minute.div_euclid(DAY_MINUTES) { minute.rem_euclid(DAY_MINUTES) } else { 0 };
        while day <= last_day {
            if self.day_matches(day) {
                let hit = (from..DAY_MINUTES).find(|m| self.hours.contains(m / 60) && self.minutes.contains(m % 60));
                if let Some(m) = hit {
                    return Some(day * DAY_MINUTES + m);
                }
            }
            day += 1;
            from = 0;
        }
        None
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day number since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    let next = if m == 12 { days_from_civil(y + 1, 1, 1) } else { days_from_civil(y, m + 1, 1) };
    next - days_from_civil(y, m, 1)
}

/// A scheduled action: at each firing of `schedule`, set the min and/or max
/// capacity (§4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledAction {
    /// The action's name, for activities.
    pub name: String,
    /// When it fires.
    pub schedule: Schedule,
    /// The new `MinCapacity`, if set.
    pub min_capacity: Option<u32>,
    /// The new `MaxCapacity`, if set.
    pub max_capacity: Option<u32>,
}

impl ScheduledAction {
    /// An action setting at least one of min and max (min ≤ max when both are set).
    pub fn new(
        name: impl Into<String>,
        schedule: Schedule,
        min_capacity: Option<u32>,
        max_capacity: Option<u32>,
    ) -> Result<ScheduledAction, String> {
        let name = name.into();
        match (min_capacity, max_capacity) {
            (None, None) => return Err(format!("scheduled action `{name}` sets neither min nor max capacity")),
            (Some(min), Some(max)) if min > max => {
                return Err(format!("scheduled action `{name}` sets min capacity {min} above max capacity {max}"))
            }
            _ => {}
        }
        Ok(ScheduledAction { name, schedule, min_capacity, max_capacity })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPOCH: i64 = DEFAULT_EPOCH_UNIX_MS; // Monday 2024-01-01T00:00:00Z
    const MIN: u64 = 60_000;
    const HOUR: u64 = 60 * MIN;
    const DAY: u64 = 24 * HOUR;

    fn next(expr: &str, t: u64) -> Option<u64> {
        Schedule::parse(expr).unwrap().next_after(SimTime(t), EPOCH).map(|t| t.as_millis())
    }

    #[test]
    fn calendar_helpers() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 1, 1) * 86_400_000, DEFAULT_EPOCH_UNIX_MS);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2023, 2), 28);
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(parse_iso_utc("2024-01-01T00:00:00Z"), Ok(DEFAULT_EPOCH_UNIX_MS));
    }

    #[test]
    fn at_offsets_and_absolute_times() {
        assert_eq!(next("at(2h)", 0), Some(2 * HOUR));
        assert_eq!(next("at(2h)", 2 * HOUR), None, "strictly after");
        let s = Schedule::parse("at(2h)").unwrap();
        assert_eq!(s.next_at_or_after(SimTime(2 * HOUR), EPOCH), Some(SimTime(2 * HOUR)));
        assert_eq!(next("at(2024-01-01T08:30:00)", 0), Some(8 * HOUR + 30 * MIN));
        assert_eq!(next("at(2024-01-02T00:00Z)", 0), Some(DAY));
        assert_eq!(next("at(2023-12-31T23:00:00)", 0), None, "before the epoch");
        assert!(Schedule::parse("at(2024-02-30T00:00:00)").unwrap_err().contains("not a valid date"));
        assert!(Schedule::parse("at(soon)").unwrap_err().contains("neither a duration"));
    }

    #[test]
    fn rate_fires_every_period_from_one_period_in() {
        assert_eq!(next("rate(5 minutes)", 0), Some(5 * MIN));
        assert_eq!(next("rate(5 minutes)", 5 * MIN), Some(10 * MIN));
        assert_eq!(next("rate(5 minutes)", 7 * MIN), Some(10 * MIN));
        assert_eq!(next("rate(1 hour)", 0), Some(HOUR));
        assert_eq!(next("rate(2 days)", DAY), Some(2 * DAY));
        assert!(Schedule::parse("rate(0 minutes)").is_err());
        assert!(Schedule::parse("rate(5 weeks)").unwrap_err().contains("rate(<n> minute[s]|hour[s]|day[s])"));
    }

    #[test]
    fn cron_daily_and_weekday_schedules() {
        // 2024-01-01 is a Monday.
        assert_eq!(next("cron(0 8 * * ? *)", 0), Some(8 * HOUR));
        assert_eq!(next("cron(0 8 * * ? *)", 8 * HOUR), Some(DAY + 8 * HOUR));
        assert_eq!(next("cron(30 18 ? * MON-FRI *)", 0), Some(18 * HOUR + 30 * MIN));
        // Friday 2024-01-05 18:30 → next is Monday 2024-01-08 18:30.
        assert_eq!(
            next("cron(30 18 ? * MON-FRI *)", 4 * DAY + 18 * HOUR + 30 * MIN),
            Some(7 * DAY + 18 * HOUR + 30 * MIN)
        );
        // 1 = SUN: the first Sunday is 2024-01-07.
        assert_eq!(next("cron(0 0 ? * 1 *)", 0), Some(6 * DAY));
        assert_eq!(next("cron(0 0 ? * SUN *)", 0), Some(6 * DAY));
    }

    #[test]
    fn cron_lists_ranges_steps_and_names() {
        assert_eq!(next("cron(*/15 * * * ? *)", 0), Some(15 * MIN));
        assert_eq!(next("cron(0/20 * * * ? *)", 21 * MIN), Some(40 * MIN));
        assert_eq!(next("cron(10-40/10 9 * * ? *)", 9 * HOUR + 20 * MIN), Some(9 * HOUR + 30 * MIN));
        assert_eq!(next("cron(0 6,18 * * ? *)", 7 * HOUR), Some(18 * HOUR));
        assert_eq!(next("cron(0 0 1 MAR ? *)", 0), Some((31 + 29) * DAY), "2024 is a leap year");
        assert_eq!(next("cron(0 0 1 1 ? 2025)", 0), Some(366 * DAY));
        assert_eq!(next("cron(0 0 1 1 ? 2023)", 0), None, "only in the past");
        assert_eq!(next("cron(0 0 30 2 ? *)", 0), None, "never");
    }

    #[test]
    fn cron_rounds_up_to_whole_minutes_and_respects_the_epoch() {
        assert_eq!(next("cron(* * * * ? *)", 30_000), Some(MIN));
        let s = Schedule::parse("cron(0 * * * ? *)").unwrap();
        // An epoch 10 minutes past the hour: the first firing is 50 minutes in.
        assert_eq!(s.next_at_or_after(SimTime(0), EPOCH + 10 * MIN as i64), Some(SimTime(50 * MIN)));
        assert!(s.fires_in(SimTime(59 * MIN), SimTime(60 * MIN), EPOCH));
        assert!(!s.fires_in(SimTime(60 * MIN), SimTime(61 * MIN), EPOCH));
    }

    #[test]
    fn invalid_expressions_have_clear_errors() {
        let err = |e: &str| Schedule::parse(e).unwrap_err();
        assert_eq!(
            err("cron(0 8 * * ?)"),
            "`cron(0 8 * * ?)`: a cron expression needs 6 fields (minutes hours day-of-month month day-of-week year), found 5"
        );
        assert!(err("cron(0 8 * * MON *)").contains("exactly one of day-of-month and day-of-week must be `?`"));
        assert!(err("cron(0 8 ? * ? *)").contains("exactly one of"));
        assert!(err("cron(0 25 * * ? *)").contains("hours value 25 is outside 0-23"));
        assert!(err("cron(0 8 L * ? *)").contains("`L` and `W`"));
        assert!(err("cron(0 8 ? * 6#3 *)").contains("`#`"));
        assert!(err("cron(0 8 ? * FRI-MON *)").contains("runs backwards"));
        assert!(err("cron(*/0 8 * * ? *)").contains("positive number"));
        assert!(err("cron(0 8 * FOO ? *)").contains("not a valid cron month value"));
        assert!(err("every day").contains("is not a schedule"));
    }

    #[test]
    fn scheduled_action_validation() {
        let s = Schedule::parse("at(1h)").unwrap();
        assert!(ScheduledAction::new("a", s.clone(), None, None).is_err());
        assert!(ScheduledAction::new("a", s.clone(), Some(5), Some(2)).is_err());
        let a = ScheduledAction::new("a", s, Some(5), None).unwrap();
        assert_eq!(a.schedule.to_string(), "at(1h)");
    }
}
