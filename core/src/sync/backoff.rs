//! When to try again: full-jitter exponential backoff per item, and Retry-After.
//!
//! Full jitter (a random delay between zero and an exponentially growing ceiling) spreads the
//! retries of many devices that lost signal together, so they do not return in lockstep when it
//! comes back. A server's Retry-After is a floor: the engine never tries before it.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use std::time::Duration;

use super::policy::SyncPolicy;

/// The delay before the next attempt after `attempts` failed attempts (counting this one),
/// given a uniform random number `unit` in [0, 1).
pub fn full_jitter(policy: &SyncPolicy, attempts: u32, unit: f64) -> Duration {
    let exponent = attempts.saturating_sub(1).min(30);
    let ceiling = policy
        .base_delay
        .saturating_mul(1u32 << exponent)
        .min(policy.max_delay);
    ceiling.mul_f64(unit.clamp(0.0, 1.0))
}

/// A uniform random number in [0, 1) from the operating system.
pub fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    // If the OS cannot give randomness, retrying at the ceiling is still correct.
    if getrandom::fill(&mut bytes).is_err() {
        return 0.999;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// Parses a Retry-After header: delay-seconds or an HTTP date. Returns the instant it names.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        let seconds = i64::try_from(seconds.min(10 * 365 * 24 * 3600)).ok()?;
        return Some(now + ChronoDuration::seconds(seconds));
    }
    // HTTP dates come in three formats (RFC 9110 5.6.7); httpdate reads all of them.
    httpdate::parse_http_date(value)
        .ok()
        .map(DateTime::<Utc>::from)
}

/// The next attempt time: the jittered backoff, but never before the server's Retry-After
/// (itself capped by the policy).
pub fn next_attempt_at(
    policy: &SyncPolicy,
    attempts: u32,
    retry_after: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    unit: f64,
) -> DateTime<Utc> {
    let backoff = later(now, full_jitter(policy, attempts, unit));
    match retry_after {
        Some(at) => backoff.max(at.min(later(now, policy.max_retry_after))),
        None => backoff,
    }
}

/// `now + d`, saturating instead of overflowing for absurd policy values.
fn later(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    now.checked_add_signed(to_chrono(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn to_chrono(d: Duration) -> ChronoDuration {
    ChronoDuration::from_std(d).unwrap_or(ChronoDuration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
    }

    #[test]
    fn the_backoff_ceiling_doubles_per_attempt_up_to_the_cap() {
        let p = SyncPolicy::default();
        assert_eq!(
            full_jitter(&p, 1, 0.999_999),
            p.base_delay.mul_f64(0.999_999)
        );
        assert_eq!(full_jitter(&p, 3, 0.5), p.base_delay * 4 / 2);
        assert_eq!(
            full_jitter(&p, 60, 0.999_999),
            p.max_delay.mul_f64(0.999_999)
        );
        assert_eq!(full_jitter(&p, 5, 0.0), Duration::ZERO);
    }

    #[test]
    fn random_units_are_in_range_and_vary() {
        let draws: Vec<f64> = (0..100).map(|_| random_unit()).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        assert!(draws.iter().any(|u| (u - draws[0]).abs() > 1e-9));
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        assert_eq!(
            parse_retry_after("120", now()),
            Some(now() + ChronoDuration::seconds(120))
        );
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 12:05:00 GMT", now()),
            Some(now() + ChronoDuration::minutes(5))
        );
        assert_eq!(
            parse_retry_after("Saturday, 28-Nov-26 12:05:00 GMT", now()),
            Some(now() + ChronoDuration::minutes(5))
        );
        assert_eq!(
            parse_retry_after("Sat Nov 28 12:05:00 2026", now()),
            Some(now() + ChronoDuration::minutes(5))
        );
        assert_eq!(parse_retry_after("soon", now()), None);
        assert_eq!(parse_retry_after("-5", now()), None);
    }

    #[test]
    fn absurd_policy_values_saturate_instead_of_panicking() {
        let p = SyncPolicy {
            base_delay: Duration::MAX,
            max_delay: Duration::MAX,
            max_retry_after: Duration::MAX,
            ..SyncPolicy::default()
        };
        let far = parse_retry_after("99999999999999", now());
        assert_eq!(
            next_attempt_at(&p, 40, far, now(), 0.999),
            DateTime::<Utc>::MAX_UTC
        );
    }

    #[test]
    fn retry_after_is_a_floor_and_is_capped() {
        let p = SyncPolicy::default();
        let floor = now() + ChronoDuration::seconds(90);
        assert_eq!(next_attempt_at(&p, 1, Some(floor), now(), 0.0), floor);
        let far = now() + ChronoDuration::days(30);
        assert_eq!(
            next_attempt_at(&p, 1, Some(far), now(), 0.0),
            now() + ChronoDuration::hours(6)
        );
    }
}
