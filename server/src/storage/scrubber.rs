//! Scrubbing after a deletion, off the request path.
//!
//! When content is deleted (consent withdrawn, retention), the database still keeps older
//! copies of the deleted bytes for a while: SQLite in its WAL, PostgreSQL in the old row
//! versions of its table files. Removing them can wait on other sessions (a reader holding an
//! old snapshot, `pg_dump` holding a share lock), so a request must not: the deletion commits,
//! the answer leaves, and a scrub left undone is retried by a background task on a timer,
//! with growing waits, until it succeeds. Each backend says how one attempt is made
//! (`sqlite.rs`, `postgres.rs`); this module counts the scrubs requested and done, runs at
//! most one retrying task per database handle, and lets a caller (a test, an operator's
//! tool) wait until every scrub requested so far is done ([`Scrubber::wait`]).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use crate::log::LogTarget;

/// The first wait before a scrub is tried again; it doubles up to [`LONGEST_WAIT`].
const FIRST_WAIT: Duration = Duration::from_millis(100);

/// The longest wait between two attempts.
const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// Scrubs requested and done, and whether a retrying task runs.
pub(crate) struct Scrubber {
    /// Scrubs requested so far (a counter; each request also covers those before it).
    requested: AtomicU64,
    /// The highest count of requests a successful scrub covered.
    done: watch::Sender<u64>,
    /// Whether a retrying task runs.
    running: AtomicBool,
    /// Where a scrub that keeps failing is reported (set when the server starts).
    log: OnceLock<LogTarget>,
}

impl Default for Scrubber {
    fn default() -> Scrubber {
        Scrubber {
            requested: AtomicU64::new(0),
            done: watch::Sender::new(0),
            running: AtomicBool::new(false),
            log: OnceLock::new(),
        }
    }
}

impl Scrubber {
    /// Sets where failures are reported (once; later calls change nothing).
    pub(crate) fn set_log(&self, log: LogTarget) {
        let _ = self.log.set(log);
    }

    /// Counts a scrub as requested. `true` when the caller must start the retrying task (none
    /// runs); otherwise the running task covers this request too.
    pub(crate) fn request(&self) -> bool {
        self.requested.fetch_add(1, Ordering::SeqCst);
        !self.running.swap(true, Ordering::SeqCst)
    }

    /// Records that every scrub requested before `covered` was read (see [`Scrubber::run`])
    /// is done; also used when a scrub succeeded at once, without the task.
    pub(crate) fn done_up_to(&self, covered: u64) {
        self.done.send_if_modified(|done| {
            let newer = covered > *done;
            if newer {
                *done = covered;
            }
            newer
        });
    }

    /// How many scrubs were requested so far: what an attempt started now covers.
    pub(crate) fn requested(&self) -> u64 {
        self.requested.load(Ordering::SeqCst)
    }

    /// Whether a scrub was requested that no successful attempt covered yet.
    pub(crate) fn pending(&self) -> bool {
        self.requested() > *self.done.borrow()
    }

    /// Waits until every scrub requested before this call is done.
    pub(crate) async fn wait(&self) {
        let target = self.requested();
        let mut done = self.done.subscribe();
        let _ = done.wait_for(|done| *done >= target).await;
    }

    fn warn(&self, line: String) {
        match self.log.get() {
            Some(log) => log.warn(line),
            None => eprintln!("weprotect-server: {line}"),
        }
    }

    /// The retrying task: calls `attempt` until it succeeds, waiting longer each time, then
    /// ends unless a scrub was requested meanwhile. `what` names the scrub in warnings (no
    /// personal data). Started by whoever got `true` from [`Scrubber::request`].
    pub(crate) async fn run<F, Fut>(&self, what: &str, mut attempt: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<(), String>>,
    {
        let mut wait = FIRST_WAIT;
        let mut failures = 0u32;
        loop {
            let covered = self.requested();
            match attempt().await {
                Ok(()) => {
                    self.done_up_to(covered);
                    if failures > 0 {
                        self.warn(format!("{what}: done after {failures} failed attempt(s)"));
                    }
                    failures = 0;
                    wait = FIRST_WAIT;
                    self.running.store(false, Ordering::SeqCst);
                    // A request that came after `covered` was read, and saw this task
                    // running, is this task's to do.
                    if self.requested() == covered || self.running.swap(true, Ordering::SeqCst) {
                        return;
                    }
                }
                Err(why) => {
                    failures += 1;
                    if failures == 1 || failures.is_multiple_of(20) {
                        self.warn(format!(
                            "{what}: not done yet ({why}); tried again in the background"
                        ));
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(LONGEST_WAIT);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicU32;

    #[tokio::test]
    async fn a_failing_scrub_is_retried_until_it_succeeds_and_waiters_are_woken_then() {
        let scrubber = Arc::new(Scrubber::default());
        scrubber.set_log(LogTarget::Off);
        assert!(scrubber.request(), "the first request starts the task");
        assert!(
            !scrubber.request(),
            "a second one is covered by the running task"
        );
        assert!(scrubber.pending());
        let tries = Arc::new(AtomicU32::new(0));
        let task = {
            let (scrubber, tries) = (scrubber.clone(), tries.clone());
            tokio::spawn(async move {
                scrubber
                    .run("test scrub", || {
                        let n = tries.fetch_add(1, Ordering::SeqCst);
                        async move { if n < 2 { Err("busy".into()) } else { Ok(()) } }
                    })
                    .await
            })
        };
        tokio::time::timeout(Duration::from_secs(10), scrubber.wait())
            .await
            .expect("the scrub was never done");
        task.await.unwrap();
        assert_eq!(tries.load(Ordering::SeqCst), 3);
        assert!(!scrubber.pending());
        // The task ended; the next request starts a new one.
        assert!(scrubber.request());
    }
}
