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
    /// Parses an ISO 8601 calendar date; never fails.
    pub fn parse(text: &str) -> DateValue {
        let trimmed = text.trim();
        DateValue {
            parsed: NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").ok(),
            text: trimmed.to_string(),
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
    /// Parses `HH:MM` (24 hour clock); `24:00` means the end of the day. Never fails.
    pub fn parse(text: &str) -> TimeOfDay {
        let trimmed = text.trim();
        let parsed = if trimmed == "24:00" {
            NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999)
        } else {
            NaiveTime::parse_from_str(trimmed, "%H:%M").ok()
        };
        TimeOfDay {
            parsed,
            text: trimmed.to_string(),
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
    fn dates_and_times_reject_impossible_values() {
        assert!(!DateValue::parse("2026-02-30").is_valid());
        assert!(DateValue::parse("1990-02-28").is_valid());
        assert!(!TimeOfDay::parse("25:00").is_valid());
        assert!(TimeOfDay::parse("24:00").is_valid());
    }
}
