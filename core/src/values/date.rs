//! Dates, instants with UTC offsets, and times of day.
//!
//! Instants are stored with the offset the officer's device had (RFC 3339), never as naive
//! local times: the service may be in another time zone and summer time changes the offset of
//! Europe/London twice a year.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};

use super::lenient_value;

/// A calendar date (`YYYY-MM-DD`), such as a date of birth.
#[derive(Clone)]
pub struct DateValue {
    text: String,
    parsed: Option<NaiveDate>,
}

impl DateValue {
    /// Parses a calendar date; never fails. ISO 8601 (`1990-04-12`), or as people in the UK
    /// type it, day first: `12/04/1990`, `12.4.1990`, `12-04-1990`, `12 April 1990`, `12 Apr
    /// 1990`. Never month first, and never a two-digit year (the century would be a guess). A
    /// date read is kept in ISO form.
    pub fn parse(text: &str) -> DateValue {
        let trimmed = text.trim();
        let parsed = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
            .ok()
            .or_else(|| uk_date(trimmed));
        DateValue {
            text: match parsed {
                Some(d) => d.format("%Y-%m-%d").to_string(),
                None => trimmed.to_string(),
            },
            parsed,
        }
    }
    /// Wraps a date.
    pub fn from_date(date: NaiveDate) -> DateValue {
        DateValue::parse(&date.format("%Y-%m-%d").to_string())
    }
    /// The date, when the text is a valid date.
    pub fn date(&self) -> Option<NaiveDate> {
        self.parsed
    }
    /// True when the text is a valid date.
    pub fn is_valid(&self) -> bool {
        self.parsed.is_some()
    }
    /// The text as typed (a valid date is already canonical).
    pub fn as_str(&self) -> &str {
        &self.text
    }
}
lenient_value!(DateValue, "Calendar date, YYYY-MM-DD.");

/// A day-first date as typed in the UK: day, month (number or English name), four-digit year.
fn uk_date(text: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = text
        .split(['/', '-', '.', ' ', ','])
        .filter(|p| !p.is_empty())
        .collect();
    let [day, month, year] = parts[..] else {
        return None;
    };
    let digits = |p: &str, max: usize| {
        (!p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    let day = digits(day.trim_end_matches(['s', 't', 'n', 'd', 'r', 'h']), 2)?;
    let month = digits(month, 2).or_else(|| month_by_name(month))?;
    if year.len() != 4 {
        return None;
    }
    let year = i32::try_from(digits(year, 4)?).ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// `April`, `apr`, `Sept` -> the month's number.
fn month_by_name(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let name = name.to_ascii_lowercase();
    if name.len() < 3 {
        return None;
    }
    let at = MONTHS
        .iter()
        .position(|m| m.starts_with(&name) || (name == "sept" && *m == "september"))?;
    u32::try_from(at + 1).ok()
}

/// An instant with its UTC offset (RFC 3339, `2026-11-28T14:05:00+00:00`).
#[derive(Clone)]
pub struct InstantValue {
    text: String,
    parsed: Option<DateTime<FixedOffset>>,
}

impl InstantValue {
    /// Parses an RFC 3339 instant (an offset is required); never fails.
    pub fn parse(text: &str) -> InstantValue {
        let trimmed = text.trim();
        InstantValue {
            parsed: DateTime::parse_from_rfc3339(trimmed).ok(),
            text: trimmed.to_string(),
        }
    }
    /// Wraps an instant.
    pub fn from_datetime(at: DateTime<FixedOffset>) -> InstantValue {
        InstantValue::parse(&at.to_rfc3339())
    }
    /// The instant, when the text is a valid RFC 3339 instant.
    pub fn instant(&self) -> Option<DateTime<FixedOffset>> {
        self.parsed
    }
    /// True when the text is a valid RFC 3339 instant with an offset.
    pub fn is_valid(&self) -> bool {
        self.parsed.is_some()
    }
    /// The text as typed.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}
lenient_value!(
    InstantValue,
    "Instant with UTC offset, RFC 3339 (2026-11-28T14:05:00+00:00)."
);

/// A local time of day (`HH:MM`), Europe/London, as used for safe contact windows.
#[derive(Clone)]
pub struct TimeOfDay {
    text: String,
    parsed: Option<NaiveTime>,
}

impl TimeOfDay {
    /// Parses a time of day; never fails. `HH:MM` (24 hour clock; `24:00` means the end of
    /// the day), or as people type it: `9:30`, `21.30`, `2130`, `9am`, `9.30 pm`, `noon`,
    /// `midnight`. A time read is kept as `HH:MM`.
    pub fn parse(text: &str) -> TimeOfDay {
        let trimmed = text.trim();
        if trimmed == "24:00" {
            return TimeOfDay {
                parsed: NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999),
                text: trimmed.to_string(),
            };
        }
        let parsed = NaiveTime::parse_from_str(trimmed, "%H:%M")
            .ok()
            .or_else(|| typed_time(trimmed));
        TimeOfDay {
            text: match parsed {
                Some(t) => t.format("%H:%M").to_string(),
                None => trimmed.to_string(),
            },
            parsed,
        }
    }
    /// The time, when the text is a valid `HH:MM`.
    pub fn time(&self) -> Option<NaiveTime> {
        self.parsed
    }
    /// True when the text is a valid `HH:MM`.
    pub fn is_valid(&self) -> bool {
        self.parsed.is_some()
    }
    /// The text as typed.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}
/// A time as typed: `9:30`, `21.30`, `2130`, `9am`, `9.30 pm`, `noon`, `midnight`.
fn typed_time(text: &str) -> Option<NaiveTime> {
    let lower = text.to_ascii_lowercase().replace(' ', "");
    match lower.as_str() {
        "noon" | "midday" => return NaiveTime::from_hms_opt(12, 0, 0),
        "midnight" => return NaiveTime::from_hms_opt(0, 0, 0),
        _ => {}
    }
    let (clock, half) = if let Some(c) = lower.strip_suffix("am") {
        (c, Some(false))
    } else if let Some(c) = lower.strip_suffix("pm") {
        (c, Some(true))
    } else {
        (lower.as_str(), None)
    };
    let (h, m) = match clock.split_once([':', '.']) {
        Some((h, m)) if m.len() == 2 => (h, m),
        Some(_) => return None,
        None if clock.len() == 4 && half.is_none() => clock.split_at(2),
        None if clock.len() <= 2 && half.is_some() => (clock, "00"),
        None => return None,
    };
    if h.is_empty() || h.len() > 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (mut hour, minute): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match half {
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(false) if hour == 12 => hour = 0,
        Some(true) if hour != 12 => hour += 12,
        _ => {}
    }
    NaiveTime::from_hms_opt(hour, minute, 0)
}

lenient_value!(
    TimeOfDay,
    "Local time of day in Europe/London, HH:MM (24:00 = end of day)."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_keep_their_offset_and_require_one() {
        let i = InstantValue::parse("2026-07-01T22:30:00+01:00");
        assert_eq!(i.instant().unwrap().offset().local_minus_utc(), 3600);
        assert!(!InstantValue::parse("2026-07-01T22:30:00").is_valid());
    }

    #[test]
    fn dates_typed_day_first_as_in_the_uk_are_understood_and_kept_in_iso_form() {
        for typed in [
            "12/04/1990",
            "12/4/1990",
            "12.04.1990",
            "12-04-1990",
            "12 April 1990",
            "12 apr 1990",
            "12th April 1990",
        ] {
            let d = DateValue::parse(typed);
            assert!(d.is_valid(), "{typed}");
            assert_eq!(d.as_str(), "1990-04-12", "{typed}");
        }
        // Never month first, never a guessed century.
        assert!(!DateValue::parse("04/13/1990").is_valid());
        assert!(!DateValue::parse("12/04/90").is_valid());
        assert!(!DateValue::parse("31/02/1990").is_valid());
        assert_eq!(DateValue::parse("12/04/90").as_str(), "12/04/90");
    }

    #[test]
    fn times_typed_as_people_type_them_are_understood() {
        for (typed, want) in [
            ("09:00", "09:00"),
            ("9:00", "09:00"),
            ("21.30", "21:30"),
            ("2130", "21:30"),
            ("9am", "09:00"),
            ("9.30 pm", "21:30"),
            ("12pm", "12:00"),
            ("12am", "00:00"),
            ("noon", "12:00"),
            ("Midnight", "00:00"),
        ] {
            let t = TimeOfDay::parse(typed);
            assert!(t.is_valid(), "{typed}");
            assert_eq!(t.as_str(), want, "{typed}");
        }
        for typed in ["13pm", "9", "930", "25.00", "nine"] {
            assert!(!TimeOfDay::parse(typed).is_valid(), "{typed}");
        }
    }

    #[test]
    fn dates_and_times_reject_impossible_values() {
        assert!(!DateValue::parse("2026-02-30").is_valid());
        assert!(DateValue::parse("1990-02-28").is_valid());
        assert!(!TimeOfDay::parse("25:00").is_valid());
        assert!(TimeOfDay::parse("24:00").is_valid());
    }
}
