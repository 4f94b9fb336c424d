//! Fault injection, so the sync engine can be tested against the failures a phone meets.
//!
//! Off by default. When any fault is on, `start` prints one warning line naming them, because
//! a server that sometimes answers 503 or drops connections on purpose must never be mistaken
//! for a healthy one. The faults:
//!
//! * `503=S` / `429=S`: a share `S` (0..=1) of API requests is answered 503 / 429 with
//!   `Retry-After: retry_after` seconds, before anything is processed.
//! * `drop=S`: a share of successful submissions is committed and then the connection is
//!   closed without a byte of response: the lost-response case that idempotency exists for.
//! * `delay_ms=N`, `jitter_ms=J`: each API request waits `N` ms plus a uniform `0..=J` ms.
//! * `slow_ms=N`: response bodies trickle out in 16-byte chunks, `N` ms apart.
//! * `seed=N`: a fixed seed for the dice, so a sequential test sees the same faults each run.
//!
//! Values are bounded when read: delays up to [`MAX_FAULT_DELAY_MS`] ms, `retry_after` up to
//! [`MAX_RETRY_AFTER_SECS`] s, shares finite and in `0..=1`. A value out of range is refused
//! with an error naming the key, never clamped silently. [`Faults`]' fields are public, so the
//! request path clamps and saturates as well: no spec can make a request task panic.
//!
//! Only `/v1/...` requests are affected; the admin endpoint never is.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::error::ApiError;
use crate::routes::AppState;

/// Size of one chunk of a slow body.
const SLOW_CHUNK: usize = 16;

/// Largest `delay_ms`, `jitter_ms` and `slow_ms` accepted: one minute.
pub const MAX_FAULT_DELAY_MS: u64 = 60_000;
/// Largest `retry_after` accepted: one day, in seconds.
pub const MAX_RETRY_AFTER_SECS: u64 = 86_400;

/// Which faults to inject. `Faults::default()` injects none.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Share of API requests answered 503 with `Retry-After` (`503=`).
    pub unavailable_share: f64,
    /// Share of API requests answered 429 with `Retry-After` (`429=`).
    pub rate_limited_share: f64,
    /// Share of successful submissions whose connection is dropped after the commit (`drop=`).
    pub drop_after_commit_share: f64,
    /// Seconds in `Retry-After` (`retry_after=`, default 1).
    pub retry_after_secs: u64,
    /// Fixed delay before each API request is handled, in ms (`delay_ms=`).
    pub delay_ms: u64,
    /// Extra random delay, uniform in `0..=jitter_ms` (`jitter_ms=`).
    pub delay_jitter_ms: u64,
    /// Pause between 16-byte chunks of each API response body, in ms (`slow_ms=`).
    pub slow_body_ms: u64,
    /// Seed for the dice (`seed=`); `None` seeds from the operating system.
    pub seed: Option<u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            unavailable_share: 0.0,
            rate_limited_share: 0.0,
            drop_after_commit_share: 0.0,
            retry_after_secs: 1,
            delay_ms: 0,
            delay_jitter_ms: 0,
            slow_body_ms: 0,
            seed: None,
        }
    }
}

impl Faults {
    /// No faults.
    pub fn none() -> Faults {
        Faults::default()
    }

    /// Whether any fault is on.
    pub fn any(&self) -> bool {
        self.unavailable_share > 0.0
            || self.rate_limited_share > 0.0
            || self.drop_after_commit_share > 0.0
            || self.delay_ms > 0
            || self.delay_jitter_ms > 0
            || self.slow_body_ms > 0
    }
}

/// Formats the faults in the form [`Faults::from_str`] reads (`none` when off).
impl fmt::Display for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.any() {
            return f.write_str("none");
        }
        let mut parts = Vec::new();
        if self.unavailable_share > 0.0 {
            parts.push(format!("503={}", self.unavailable_share));
        }
        if self.rate_limited_share > 0.0 {
            parts.push(format!("429={}", self.rate_limited_share));
        }
        if self.drop_after_commit_share > 0.0 {
            parts.push(format!("drop={}", self.drop_after_commit_share));
        }
        if self.unavailable_share > 0.0 || self.rate_limited_share > 0.0 {
            parts.push(format!("retry_after={}", self.retry_after_secs));
        }
        if self.delay_ms > 0 {
            parts.push(format!("delay_ms={}", self.delay_ms));
        }
        if self.delay_jitter_ms > 0 {
            parts.push(format!("jitter_ms={}", self.delay_jitter_ms));
        }
        if self.slow_body_ms > 0 {
            parts.push(format!("slow_ms={}", self.slow_body_ms));
        }
        if let Some(seed) = self.seed {
            parts.push(format!("seed={seed}"));
        }
        f.write_str(&parts.join(","))
    }
}

/// A fault specification that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad fault specification: {0}")]
pub struct FaultsParseError(String);

/// Reads `503=0.2,drop=0.2,delay_ms=50` and the like; `none`, `off` or an empty string mean
/// no faults. Keys: `503`, `429`, `drop` (shares 0..=1), `retry_after` (s, at most
/// [`MAX_RETRY_AFTER_SECS`]), `delay_ms`, `jitter_ms`, `slow_ms` (ms, each at most
/// [`MAX_FAULT_DELAY_MS`]), `seed` (any `u64`).
impl FromStr for Faults {
    type Err = FaultsParseError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut faults = Faults::default();
        let spec = spec.trim();
        if spec.is_empty() || spec == "none" || spec == "off" {
            return Ok(faults);
        }
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| FaultsParseError(format!("`{part}` is not key=value")))?;
            let (key, value) = (key.trim(), value.trim());
            let share = || -> Result<f64, FaultsParseError> {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && (0.0..=1.0).contains(s))
                    .ok_or_else(|| FaultsParseError(format!("{key} wants a share from 0 to 1")))
            };
            let bounded = |max: u64, unit: &str| -> Result<u64, FaultsParseError> {
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n <= max)
                    .ok_or_else(|| {
                        FaultsParseError(format!(
                            "{key} wants a whole number of {unit} from 0 to {max}"
                        ))
                    })
            };
            let delay = || bounded(MAX_FAULT_DELAY_MS, "ms");
            let number = || -> Result<u64, FaultsParseError> {
                value
                    .parse::<u64>()
                    .map_err(|_| FaultsParseError(format!("{key} wants a whole number")))
            };
            match key {
                "503" => faults.unavailable_share = share()?,
                "429" => faults.rate_limited_share = share()?,
                "drop" => faults.drop_after_commit_share = share()?,
                "retry_after" => faults.retry_after_secs = bounded(MAX_RETRY_AFTER_SECS, "s")?,
                "delay_ms" => faults.delay_ms = delay()?,
                "jitter_ms" => faults.delay_jitter_ms = delay()?,
                "slow_ms" => faults.slow_body_ms = delay()?,
                "seed" => faults.seed = Some(number()?),
                _ => {
                    return Err(FaultsParseError(format!(
                        "unknown key `{key}` (known: 503, 429, drop, retry_after, delay_ms, jitter_ms, slow_ms, seed)"
                    )));
                }
            }
        }
        Ok(faults)
    }
}

/// The faults in force and their dice; shared by all requests, changeable while running.
pub(crate) struct FaultState {
    inner: Mutex<(Faults, SplitMix64)>,
}

/// What the dice decided for one request.
struct Plan {
    delay: Duration,
    answer: Option<ApiError>,
    slow_body_ms: u64,
}

impl FaultState {
    pub(crate) fn new(faults: Faults) -> FaultState {
        let rng = SplitMix64::new(faults.seed);
        FaultState {
            inner: Mutex::new((faults, rng)),
        }
    }

    pub(crate) fn set(&self, faults: Faults) {
        let mut inner = self.lock();
        inner.1 = SplitMix64::new(faults.seed);
        inner.0 = faults;
    }

    pub(crate) fn get(&self) -> Faults {
        self.lock().0.clone()
    }

    /// Whether to drop this (committed) submission's connection.
    pub(crate) fn roll_drop(&self) -> bool {
        let mut inner = self.lock();
        let share = inner.0.drop_after_commit_share;
        share > 0.0 && inner.1.next_f64() < share
    }

    fn plan(&self) -> Plan {
        let mut guard = self.lock();
        let (faults, rng) = &mut *guard;
        // The fields are public (`set_faults`), so clamp here too; saturate, never overflow.
        let mut delay = faults.delay_ms.min(MAX_FAULT_DELAY_MS);
        if faults.delay_jitter_ms > 0 {
            let jitter = faults.delay_jitter_ms.min(MAX_FAULT_DELAY_MS);
            delay = delay.saturating_add(rng.next_u64() % jitter.saturating_add(1));
        }
        let answer = if faults.unavailable_share > 0.0 && rng.next_f64() < faults.unavailable_share
        {
            Some(ApiError::unavailable(
                faults.retry_after_secs.min(MAX_RETRY_AFTER_SECS),
            ))
        } else if faults.rate_limited_share > 0.0 && rng.next_f64() < faults.rate_limited_share {
            Some(ApiError::rate_limited(
                faults.retry_after_secs.min(MAX_RETRY_AFTER_SECS),
            ))
        } else {
            None
        };
        Plan {
            delay: Duration::from_millis(delay),
            answer,
            slow_body_ms: faults.slow_body_ms.min(MAX_FAULT_DELAY_MS),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Faults, SplitMix64)> {
        // The state is plain numbers; a panic elsewhere cannot leave it inconsistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Middleware for `/v1/...`: delay, maybe answer 503/429, maybe trickle the body.
pub(crate) async fn inject(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let plan = app.faults.plan();
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    if let Some(answer) = plan.answer {
        return answer.into_response();
    }
    let response = next.run(req).await;
    if plan.slow_body_ms == 0 {
        return response;
    }
    trickle(response, Duration::from_millis(plan.slow_body_ms)).await
}

async fn trickle(response: Response, pause: Duration) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::internal().into_response();
    };
    let stream = futures_util::stream::unfold((bytes, true), move |(mut rest, first)| async move {
        if rest.is_empty() {
            return None;
        }
        if !first {
            tokio::time::sleep(pause).await;
        }
        let chunk: Bytes = rest.split_to(rest.len().min(SLOW_CHUNK));
        Some((Ok::<_, Infallible>(chunk), (rest, false)))
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// A small, seedable generator (SplitMix64): good enough to roll dice, no dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: Option<u64>) -> SplitMix64 {
        let seed = seed.unwrap_or_else(|| {
            let mut buf = [0u8; 8];
            // Without OS randomness, a fixed seed still gives the configured shares.
            let _ = getrandom::fill(&mut buf);
            u64::from_le_bytes(buf)
        });
        SplitMix64(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_specification_is_read_and_written_back() {
        let faults: Faults =
            "503=0.2, drop=0.25,delay_ms=50,jitter_ms=10,slow_ms=5,retry_after=3,seed=7,429=0.1"
                .parse()
                .unwrap();
        assert_eq!(faults.unavailable_share, 0.2);
        assert_eq!(faults.rate_limited_share, 0.1);
        assert_eq!(faults.drop_after_commit_share, 0.25);
        assert_eq!(faults.delay_ms, 50);
        assert_eq!(faults.delay_jitter_ms, 10);
        assert_eq!(faults.slow_body_ms, 5);
        assert_eq!(faults.retry_after_secs, 3);
        assert_eq!(faults.seed, Some(7));
        assert_eq!(faults.to_string().parse::<Faults>().unwrap(), faults);
    }

    #[test]
    fn no_faults_by_default_and_for_none() {
        assert!(!Faults::default().any());
        assert_eq!("none".parse::<Faults>().unwrap(), Faults::default());
        assert_eq!("".parse::<Faults>().unwrap(), Faults::default());
        assert_eq!(Faults::default().to_string(), "none");
    }

    #[test]
    fn bad_fault_specifications_are_refused() {
        for bad in ["503=2", "drop=x", "delay_ms=-1", "teapot=1", "503"] {
            assert!(bad.parse::<Faults>().is_err(), "{bad}");
        }
    }

    #[test]
    fn out_of_range_values_are_refused_naming_the_key_and_the_range() {
        for (bad, key, range) in [
            ("jitter_ms=18446744073709551615", "jitter_ms", "0 to 60000"),
            ("delay_ms=60001", "delay_ms", "0 to 60000"),
            ("slow_ms=18446744073709551615", "slow_ms", "0 to 60000"),
            ("retry_after=86401", "retry_after", "0 to 86400"),
            ("503=NaN", "503", "0 to 1"),
            ("429=inf", "429", "0 to 1"),
            ("drop=-0.5", "drop", "0 to 1"),
        ] {
            let message = bad.parse::<Faults>().unwrap_err().to_string();
            assert!(message.contains(key), "{bad}: {message}");
            assert!(message.contains(range), "{bad}: {message}");
        }
        let edge: Faults = "delay_ms=60000,jitter_ms=60000,slow_ms=60000,retry_after=86400,seed=18446744073709551615"
            .parse()
            .unwrap();
        assert_eq!(edge.delay_jitter_ms, MAX_FAULT_DELAY_MS);
        assert_eq!(edge.retry_after_secs, MAX_RETRY_AFTER_SECS);
        assert_eq!(edge.seed, Some(u64::MAX));
    }

    #[test]
    fn huge_values_set_directly_never_panic_a_request() {
        // `Faults`' fields are public (`RunningServer::set_faults`): the dice saturate and clamp.
        let state = FaultState::new(Faults {
            unavailable_share: 1.0,
            retry_after_secs: u64::MAX,
            delay_ms: u64::MAX,
            delay_jitter_ms: u64::MAX,
            slow_body_ms: u64::MAX,
            seed: Some(1),
            ..Faults::default()
        });
        for _ in 0..100 {
            let plan = state.plan();
            assert!(plan.delay <= Duration::from_millis(2 * MAX_FAULT_DELAY_MS));
            assert!(plan.slow_body_ms <= MAX_FAULT_DELAY_MS);
            assert_eq!(plan.answer.unwrap().retry_after, Some(MAX_RETRY_AFTER_SECS));
        }
    }

    #[test]
    fn a_seed_makes_the_dice_repeatable_and_shares_roughly_hold() {
        let faults = Faults {
            drop_after_commit_share: 0.3,
            seed: Some(42),
            ..Faults::default()
        };
        let a = FaultState::new(faults.clone());
        let b = FaultState::new(faults);
        let rolls_a: Vec<bool> = (0..1000).map(|_| a.roll_drop()).collect();
        let rolls_b: Vec<bool> = (0..1000).map(|_| b.roll_drop()).collect();
        assert_eq!(rolls_a, rolls_b);
        let hits = rolls_a.iter().filter(|&&x| x).count();
        assert!((220..380).contains(&hits), "{hits}");
    }
}
