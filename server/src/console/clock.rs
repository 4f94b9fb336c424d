//! Times as advisors read them: in the service's own zone (Europe/London unless the operator
//! sets another), always with the zone's abbreviation, so "14:05 BST" cannot be misread.
//!
//! The server keeps and compares every time in UTC; only what a page shows is converted, here.
//! The victim's safe windows ("09:00 to 12:00 on weekdays") are wall-clock times where the
//! victim lives, so they are compared with the service's local time too: in summer a UTC
//! comparison would be an hour out. The zone database is `chrono-tz` (the IANA database,
//! compiled in), so summer time changes need no code of ours.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The zone the console shows times in unless the operator chooses another.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::London;

/// `t` in the zone, e.g. `07 Dec 14:05 GMT` (queue rows, recorded actions).
pub(crate) fn short(zone: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&zone).format("%d %b %H:%M %Z").to_string()
}

/// `t` in the zone with its year, e.g. `7 Dec 2026 14:05 GMT`.
pub(crate) fn long(zone: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&zone)
        .format("%-d %b %Y %H:%M %Z")
        .to_string()
}

/// `t` in the zone to the second, e.g. `2026-12-07 14:05:09 GMT` (the audit log).
pub(crate) fn precise(zone: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// A date as people write it: `12 Apr 1990`.
pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// An RFC 3339 time from a referral (`2026-11-20T21:40:00+00:00`) in the zone, or `None`
/// when the text is not one.
pub(crate) fn from_rfc3339(zone: Tz, text: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| long(zone, t.with_timezone(&Utc)))
}

/// The zone called `name` (`Europe/London`), if this build has it. The workspace compiles
/// only the zones `CHRONO_TZ_TIMEZONE_FILTER` names (`.cargo/config.toml`: Europe/London,
/// which keeps the table out of the phone library); the error lists those it has.
pub fn time_zone(name: &str) -> Result<Tz, String> {
    name.trim().parse::<Tz>().map_err(|_| {
        let known: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
        format!(
            "unknown time zone {name:?}: this build knows {} (add others to CHRONO_TZ_TIMEZONE_FILTER in .cargo/config.toml and rebuild)",
            known.join(", ")
        )
    })
}

/// The abbreviation the zone has at `t`, e.g. `GMT` or `BST`.
pub(crate) fn abbreviation(zone: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&zone).format("%Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn london_times_say_gmt_in_winter_and_bst_in_summer() {
        let winter: DateTime<Utc> = "2026-12-07T14:05:00Z".parse().unwrap();
        let summer: DateTime<Utc> = "2026-07-06T14:05:00Z".parse().unwrap();
        assert_eq!(short(DEFAULT_TIME_ZONE, winter), "07 Dec 14:05 GMT");
        assert_eq!(short(DEFAULT_TIME_ZONE, summer), "06 Jul 15:05 BST");
        assert_eq!(long(DEFAULT_TIME_ZONE, summer), "6 Jul 2026 15:05 BST");
        assert_eq!(
            precise(DEFAULT_TIME_ZONE, winter),
            "2026-12-07 14:05:00 GMT"
        );
        assert_eq!(
            from_rfc3339(DEFAULT_TIME_ZONE, "2026-07-01T21:40:00+00:00").as_deref(),
            Some("1 Jul 2026 22:40 BST")
        );
        assert_eq!(from_rfc3339(DEFAULT_TIME_ZONE, "yesterday"), None);
    }

    #[test]
    fn a_zone_is_found_by_its_iana_name_and_an_unknown_one_is_refused_with_those_known() {
        assert_eq!(time_zone(" Europe/London "), Ok(DEFAULT_TIME_ZONE));
        let refused = time_zone("Mars/Olympus").unwrap_err();
        assert!(refused.contains("\"Mars/Olympus\""), "{refused}");
        assert!(refused.contains("Europe/London"), "{refused}");
    }
}
