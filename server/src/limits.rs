//! Limits that keep one client, with or without a token, from taking the server down.
//!
//! A service that holds victims' referrals must keep answering the devices that have one to
//! send while someone floods it. Each limit here is one named value of [`Limits`] that tests
//! and operators override, and each answers with a clear JSON error the device already
//! understands (`408`, `429`, `503`, all with `Retry-After` where waiting helps):
//!
//! * **Open connections** ([`Limits::max_connections`], and per client address
//!   [`Limits::max_connections_per_address`]): beyond either a new connection is answered
//!   `503 server.busy` at once and closed, without reading its request (see `serve.rs`), so
//!   one address cannot take every slot.
//! * **Idle connections** ([`Limits::head_deadline`]): a connection with no request in progress
//!   must complete a request head within the deadline (from its opening, or from the end of its
//!   last response), whatever state it is in: waiting for its first byte (while hyper-util
//!   detects the HTTP version), in the middle of an HTTP/1.1 head, kept alive between requests,
//!   or an HTTP/2 connection with no open stream. Otherwise it is closed (see `idle.rs`).
//! * **Slow bodies**: the whole body must arrive within [`Limits::body_deadline`], and after
//!   [`Limits::body_grace`] at no less than [`Limits::min_body_bytes_per_sec`] on average, or
//!   the request is answered `408 body.too_slow` and the connection closed (see `body.rs`).
//! * **Memory**: bodies being received share one budget ([`Limits::body_memory_budget`]); a
//!   body that would overrun it is answered `503 server.busy`. Headers are bounded by hyper's
//!   read buffer (16 KiB).
//! * **Request rates** ([`Limits::per_token`], [`Limits::per_address`]): a GCRA rate limiter
//!   (the `governor` crate) per device token for authenticated requests, and per client
//!   address (an IPv6 client by its /64) for requests without a valid token, answered
//!   `429 server.rate_limited` with `Retry-After` before the body is read. Once an address is
//!   over its rate, it is refused *before* the token is looked up, for every request whose
//!   token this server has not recently seen valid ([`KnownTokens`]), until its wait is over:
//!   so guessing is slowed (a lucky guess is refused like the others) and a flood of bogus
//!   tokens costs no database query beyond the rate, while devices already seen keep their
//!   own per-token rate only, and valid tokens never use the address's budget.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// A rate: `burst` requests at once, then one more every `every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed in a burst (at least 1).
    pub burst: u32,
    /// Time after which one more request is allowed.
    pub every: Duration,
}

impl Rate {
    /// `burst` at once, then `per_second` a second.
    pub fn per_second(per_second: u32, burst: u32) -> Rate {
        Rate {
            burst,
            every: Duration::from_secs(1) / per_second.max(1),
        }
    }

    fn quota(self) -> Quota {
        let burst = NonZeroU32::new(self.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Quota::with_period(self.every.max(Duration::from_nanos(1)))
            .map_or_else(|| Quota::per_second(burst), |q| q.allow_burst(burst))
    }
}

/// The limits of a server. [`Limits::default`] is what `weprotect serve` runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Open connections served at once; one more is answered `503` and closed. Default 4096.
    pub max_connections: usize,
    /// Open connections from one client address (an IPv6 client by its /64); one more is
    /// answered `503` and closed. `None` turns the cap off: do so behind a proxy that connects
    /// from one address for every device (and let the proxy cap per client). Default 256.
    pub max_connections_per_address: Option<usize>,
    /// How long a connection may have no request in progress: from its opening, or from the
    /// end of its last response, until a complete request head arrived. It covers the wait for
    /// the first byte, a slow HTTP/1.1 head, an idle keep-alive connection and an HTTP/2
    /// connection with no open stream; such a connection is then closed (HTTP/2 with a
    /// `GOAWAY` first). Default 30 s.
    pub head_deadline: Duration,
    /// Time for a whole request body to arrive. Default 60 s.
    pub body_deadline: Duration,
    /// Time a body may take before the minimum rate applies. Default 10 s.
    pub body_grace: Duration,
    /// Average rate, after the grace, below which a body is cut. Default 512 bytes/s
    /// (a referral of 10 KiB over GPRS arrives in a few seconds).
    pub min_body_bytes_per_sec: u32,
    /// Bytes of request bodies held in memory at once, over all requests. Default 64 MiB.
    pub body_memory_budget: usize,
    /// How long a request waits for the database (a token lookup, a commit) before it is
    /// answered `503` with `Retry-After`: a hung database must not hold requests without bound.
    /// Default 10 s.
    pub database_deadline: Duration,
    /// Requests per device token; `None` turns the limit off. Default 10 a second, burst 60.
    pub per_token: Option<Rate>,
    /// Requests without a valid token per client address; `None` turns the limit off.
    /// Default one a second, burst 20.
    pub per_address: Option<Rate>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 4096,
            max_connections_per_address: Some(256),
            head_deadline: Duration::from_secs(30),
            database_deadline: Duration::from_secs(10),
            body_deadline: Duration::from_secs(60),
            body_grace: Duration::from_secs(10),
            min_body_bytes_per_sec: 512,
            body_memory_budget: 64 * 1024 * 1024,
            per_token: Some(Rate::per_second(10, 60)),
            per_address: Some(Rate::per_second(1, 20)),
        }
    }
}

/// How many keys a rate limiter tracks before it forgets the ones that are back to full
/// credit (so a flood from many addresses cannot grow it without bound).
const MAX_TRACKED_KEYS: usize = 100_000;

/// The limiters in force, shared by every request.
pub(crate) struct Limiters {
    pub limits: Limits,
    /// Tokens recently seen valid, exempt from the per-address limit.
    pub known_tokens: KnownTokens,
    per_token: Option<DefaultKeyedRateLimiter<String>>,
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Addresses over their rate, and until when (checked before the token lookup).
    over: std::sync::Mutex<std::collections::HashMap<IpAddr, std::time::Instant>>,
    pub budget: Arc<BodyBudget>,
}

impl Limiters {
    pub(crate) fn new(limits: Limits) -> Limiters {
        Limiters {
            per_token: limits.per_token.map(|r| RateLimiter::keyed(r.quota())),
            per_address: limits.per_address.map(|r| RateLimiter::keyed(r.quota())),
            budget: Arc::new(BodyBudget::new(limits.body_memory_budget)),
            known_tokens: KnownTokens::default(),
            over: Default::default(),
            limits,
        }
    }

    /// `Err(seconds to wait)` when this token is over its rate.
    pub(crate) fn check_token(&self, token_id: &str) -> Result<(), u64> {
        let Some(limiter) = &self.per_token else {
            return Ok(());
        };
        if limiter.len() > MAX_TRACKED_KEYS {
            limiter.retain_recent();
        }
        limiter
            .check_key(&token_id.to_string())
            .map_err(|not_until| seconds(not_until.wait_time_from(DefaultClock::default().now())))
    }

    /// `Err(seconds to wait)` when this address sent too many requests without a valid token.
    pub(crate) fn check_address(&self, address: IpAddr) -> Result<(), u64> {
        let Some(limiter) = &self.per_address else {
            return Ok(());
        };
        if limiter.len() > MAX_TRACKED_KEYS {
            limiter.retain_recent();
        }
        let key = address_key(address);
        limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let mut over = self.over.lock().unwrap_or_else(|e| e.into_inner());
            if over.len() >= MAX_TRACKED_KEYS {
                let now = std::time::Instant::now();
                over.retain(|_, until| *until > now);
            }
            over.insert(key, std::time::Instant::now() + wait);
            seconds(wait)
        })
    }

    /// `Some(seconds to wait)` while `address` is over its rate (it was refused and its wait
    /// is not over): checked before the token lookup, and consumes nothing.
    pub(crate) fn address_over(&self, address: IpAddr) -> Option<u64> {
        let key = address_key(address);
        let over = self.over.lock().unwrap_or_else(|e| e.into_inner());
        let until = *over.get(&key)?;
        let wait = until.checked_duration_since(std::time::Instant::now())?;
        Some(seconds(wait))
    }
}

/// The SHA-256 of tokens this server recently found valid (never the tokens). A request with
/// one of them skips the per-address limit and goes on to the lookup, which still decides
/// (a revoked token is refused there and forgotten here). Bounded: when full it starts again
/// empty, which costs known devices at most one request of their address's budget.
#[derive(Default)]
pub(crate) struct KnownTokens(std::sync::Mutex<std::collections::HashSet<[u8; 32]>>);

impl KnownTokens {
    fn hash(token: &str) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        Sha256::digest(token.as_bytes()).into()
    }

    pub(crate) fn contains(&self, token: &str) -> bool {
        let hash = Self::hash(token);
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&hash)
    }

    pub(crate) fn insert(&self, token: &str) {
        let hash = Self::hash(token);
        let mut known = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if known.len() >= MAX_TRACKED_KEYS {
            known.clear();
        }
        known.insert(hash);
    }

    pub(crate) fn remove(&self, token: &str) {
        let hash = Self::hash(token);
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&hash);
    }
}

/// Whole seconds to wait, rounded up, at least one (`Retry-After` has whole seconds).
fn seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// The key an address is limited under: IPv4 as it is (an IPv4-mapped IPv6 address as its
/// IPv4), IPv6 by its /64, since one host usually holds a whole /64.
pub(crate) fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::from(segments)
            }
        },
    }
}

/// Bytes of request bodies held in memory, over all requests, against a budget.
pub(crate) struct BodyBudget {
    limit: usize,
    used: AtomicUsize,
}

impl BodyBudget {
    fn new(limit: usize) -> BodyBudget {
        BodyBudget {
            limit,
            used: AtomicUsize::new(0),
        }
    }

    /// Takes `bytes` more for `held`, or `false` (nothing taken) when the budget would be
    /// overrun.
    pub(crate) fn take(&self, held: &mut BudgetHold, bytes: usize) -> bool {
        let taken = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.limit)
            })
            .is_ok();
        if taken {
            held.bytes += bytes;
        }
        taken
    }

    #[cfg(test)]
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }
}

/// What one request holds of the budget; given back when dropped.
pub(crate) struct BudgetHold {
    budget: Arc<BodyBudget>,
    bytes: usize,
}

impl BudgetHold {
    pub(crate) fn new(budget: Arc<BodyBudget>) -> BudgetHold {
        BudgetHold { budget, bytes: 0 }
    }

    pub(crate) fn budget(&self) -> Arc<BodyBudget> {
        Arc::clone(&self.budget)
    }
}

impl Drop for BudgetHold {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_over_its_rate_waits_whole_seconds_and_other_tokens_do_not() {
        let limiters = Limiters::new(Limits {
            per_token: Some(Rate {
                burst: 2,
                every: Duration::from_secs(30),
            }),
            ..Limits::default()
        });
        assert_eq!(limiters.check_token("a"), Ok(()));
        assert_eq!(limiters.check_token("a"), Ok(()));
        let wait = limiters.check_token("a").unwrap_err();
        assert!((29..=30).contains(&wait), "{wait}");
        assert_eq!(limiters.check_token("b"), Ok(()));
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn the_body_budget_refuses_what_would_overrun_it_and_is_given_back_on_drop() {
        let budget = Arc::new(BodyBudget::new(100));
        let mut first = BudgetHold::new(budget.clone());
        assert!(budget.take(&mut first, 60));
        let mut second = BudgetHold::new(budget.clone());
        assert!(!budget.take(&mut second, 41));
        assert!(budget.take(&mut second, 40));
        drop(first);
        assert_eq!(budget.used(), 40);
        drop(second);
        assert_eq!(budget.used(), 0);
    }
}
