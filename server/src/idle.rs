//! What a connection is doing, so that one that does nothing for a device is closed.
//!
//! A slot in the connection cap is worth holding only while a request is in progress. hyper
//! bounds some idle states on its own (HTTP/1.1's header read timeout) but not all of them:
//! hyper-util's auto builder waits for the first bytes without a deadline while it detects the
//! HTTP version, and an HTTP/2 connection with no open stream is kept for ever (its client
//! answers pings, so keep-alive alone does not end it). Thousands of such connections from one
//! attacker held every slot, and devices were answered `503 server.busy`.
//!
//! So each connection keeps one [`Activity`]: how many requests are in progress (a request
//! counts from the moment hyper hands its complete head to the service until its response body
//! is dropped, i.e. sent or abandoned) and since when none has been. The connection task
//! closes the connection once it has been idle for the head deadline
//! ([`crate::Limits::head_deadline`]), whatever state it is in. One rule covers every state,
//! so it is the one documented.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The requests in progress on one connection, and since when there have been none.
pub(crate) struct Activity(Mutex<State>);

struct State {
    in_flight: usize,
    idle_since: Instant,
}

/// Whether an idle connection is due to be closed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Idle {
    /// Idle for the whole deadline: close it.
    Expired,
    /// Look again at this time.
    CheckAt(Instant),
}

impl Activity {
    /// A connection opened now, with nothing in progress.
    pub(crate) fn new() -> Arc<Activity> {
        Arc::new(Activity(Mutex::new(State {
            in_flight: 0,
            idle_since: Instant::now(),
        })))
    }

    /// A request begins; it is in progress until the returned guard is dropped.
    pub(crate) fn begin(self: &Arc<Self>) -> InFlight {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .in_flight += 1;
        InFlight(Arc::clone(self))
    }

    /// Whether the connection has had nothing in progress for `deadline`.
    pub(crate) fn check(&self, deadline: Duration) -> Idle {
        let state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if state.in_flight > 0 {
            // A request is in progress: its own deadlines (body, handler) apply. Look again
            // once it could have ended and the deadline run out.
            return Idle::CheckAt(now + deadline);
        }
        let expires = state.idle_since + deadline;
        if now >= expires {
            Idle::Expired
        } else {
            Idle::CheckAt(expires)
        }
    }
}

/// One request in progress; dropping it ends the request's activity.
pub(crate) struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.0.0.lock().unwrap_or_else(PoisonError::into_inner);
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.in_flight == 0 {
            state.idle_since = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_expires_only_after_the_deadline_with_nothing_in_progress() {
        let deadline = Duration::from_millis(300);
        let before = Instant::now();
        let activity = Activity::new();
        let Idle::CheckAt(at) = activity.check(deadline) else {
            panic!("expired at once");
        };
        assert!(at >= before + deadline && at <= Instant::now() + deadline);

        tokio::time::sleep(Duration::from_millis(100)).await;
        let request = activity.begin();
        tokio::time::sleep(deadline * 2).await;
        // In progress for longer than the deadline: not idle.
        assert!(matches!(activity.check(deadline), Idle::CheckAt(_)));
        drop(request);
        let ended = Instant::now();
        let Idle::CheckAt(at) = activity.check(deadline) else {
            panic!("expired as soon as the request ended");
        };
        assert!(at >= ended + deadline - Duration::from_millis(5));
        tokio::time::sleep_until(at).await;
        assert_eq!(activity.check(deadline), Idle::Expired);
    }
}
