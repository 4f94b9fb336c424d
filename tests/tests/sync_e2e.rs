//! Exactly-once delivery against the real reference server on loopback.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;
use weprotect_core::store::OutboxState;
use weprotect_core::sync::{SyncEngine, TokenProvider, spki_sha256_hex};
use weprotect_server::Faults;
use weprotect_tests::rig::{Recorder, Rig, fast_policy};
use weprotect_tests::tls_proxy::TlsProxy;

const PASS: Duration = Duration::from_secs(20);

fn faults(spec: &str) -> Faults {
    spec.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_referrals_are_delivered_once_with_the_services_receipts() {
    let rig = Rig::start(Faults::none()).await;
    let ids = rig.queue(3);
    // No deadline at all (Duration::MAX) is a valid request, not an overflow.
    let report = rig.engine(None).sync_now(Duration::MAX).await.unwrap();
    assert_eq!(
        (report.delivered, report.waiting, report.rejected),
        (3, 0, 0)
    );
    assert_eq!(report.next_run_at, None);
    assert_eq!(rig.server_count(), 3);

    let server_receipts = weprotect_server::receipts(rig.server_dir.path()).unwrap();
    for entry in rig.store.outbox().unwrap() {
        assert!(ids.contains(&entry.referral_id));
        assert_eq!(entry.state, OutboxState::Delivered);
        let receipt = entry.receipt.unwrap();
        let on_server = server_receipts
            .iter()
            .find(|r| r.referral_id == entry.referral_id)
            .unwrap();
        assert_eq!(receipt.service_reference, on_server.service_reference);
    }
    // A second pass has nothing to do and sends nothing.
    let report = rig.engine(None).sync_now(PASS).await.unwrap();
    assert_eq!(report.delivered, 0);
    assert_eq!(rig.server_count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_response_is_retried_and_the_server_keeps_exactly_one_record() {
    let rig = Rig::start(faults("drop=1.0,seed=7")).await;
    let ids = rig.queue(1);
    let report = rig.engine(None).sync_now(PASS).await.unwrap();
    assert_eq!(
        (report.delivered, report.retried, report.waiting),
        (0, 1, 1)
    );
    // The server committed although the device never saw the response.
    assert_eq!(rig.server_count(), 1);
    let entry = &rig.store.outbox().unwrap()[0];
    assert_eq!(entry.state, OutboxState::Queued);
    assert!(
        entry
            .last_error_code
            .as_deref()
            .unwrap()
            .starts_with("network")
    );

    rig.server.set_faults(Faults::none());
    tokio::time::sleep(Duration::from_millis(250)).await;
    let report = rig.engine(None).sync_now(PASS).await.unwrap();
    assert_eq!(report.delivered, 1);
    assert_eq!(rig.server_count(), 1);
    let device_receipt = rig.store.outbox().unwrap()[0].receipt.clone().unwrap();
    let server_receipt = weprotect_server::receipts(rig.server_dir.path()).unwrap();
    assert_eq!(server_receipt[0].referral_id, ids[0]);
    assert_eq!(
        device_receipt.service_reference,
        server_receipt[0].service_reference
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_with_no_attempt_before_it() {
    let rig = Rig::start(faults("503=1.0,retry_after=2,seed=1")).await;
    rig.queue(1);
    let recorder = Arc::new(Recorder::default());
    let engine = rig.engine(Some(recorder.clone()));
    let before = Utc::now();
    let report = engine.sync_now(PASS).await.unwrap();
    assert_eq!((report.retried, report.waiting), (1, 1));
    let next = report.next_run_at.unwrap();
    assert!(
        next >= before + chrono::Duration::seconds(2),
        "{next} too early"
    );
    assert_eq!(
        rig.store.outbox().unwrap()[0].last_error_code.as_deref(),
        Some("http.503")
    );

    rig.server.set_faults(Faults::none());
    let report = engine.sync_now(PASS).await.unwrap();
    assert_eq!(
        recorder.sends(),
        1,
        "an attempt was made before Retry-After"
    );
    assert_eq!(report.delivered, 0);

    let wait = (next - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(50)).await;
    let report = engine.sync_now(PASS).await.unwrap();
    assert_eq!(report.delivered, 1);
    assert_eq!(recorder.sends(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_referral_is_rejected_for_good_while_the_others_deliver() {
    let rig = Rig::start(Faults::none()).await;
    let good_before = rig.queue(1);
    // Valid by the device's clock, but its incident lies in the service's future: the service
    // refuses it (422) however often it is sent.
    let mut referral = weprotect_core::example::example_referral();
    let tomorrow = Utc::now() + chrono::Duration::days(1);
    referral.incident.occurred_at = Some(weprotect_core::values::InstantValue::from_datetime(
        (tomorrow - chrono::Duration::hours(1)).fixed_offset(),
    ));
    // Consent and the perpetrator's release come after the incident; keep that order.
    referral.consent.obtained_at = Some(weprotect_core::values::InstantValue::from_datetime(
        (tomorrow - chrono::Duration::minutes(45)).fixed_offset(),
    ));
    if let Some(custody) = referral.perpetrator.custody.as_mut() {
        custody.released_at = Some(weprotect_core::values::InstantValue::from_datetime(
            (tomorrow - chrono::Duration::minutes(30)).fixed_offset(),
        ));
    }
    let draft = rig.store.save_draft(None, referral, tomorrow).unwrap();
    let bad = rig
        .store
        .submit(draft, rig.service.clone(), tomorrow)
        .unwrap()
        .referral_id;
    // The device clock was a day ahead when it was queued; it is due now.
    rig.store
        .record_attempt_failed(
            bad.clone(),
            Utc::now() - chrono::Duration::seconds(1),
            "clock".into(),
        )
        .unwrap();
    let good_after = rig.queue(2);

    let report = rig.engine(None).sync_now(PASS).await.unwrap();
    assert_eq!(
        (report.delivered, report.rejected, report.waiting),
        (3, 1, 0)
    );
    assert_eq!(rig.server_count(), 3);
    for entry in rig.store.outbox().unwrap() {
        if entry.referral_id == bad {
            assert_eq!(entry.state, OutboxState::Rejected);
            assert_eq!(entry.rejection_code.as_deref(), Some("referral.invalid"));
        } else {
            assert!(
                good_before.contains(&entry.referral_id) || good_after.contains(&entry.referral_id)
            );
            assert_eq!(entry.state, OutboxState::Delivered);
        }
    }
    // The officer can reopen the refused referral as a new draft from the local copy.
    let reopened = rig.store.reopen_rejected(bad, Utc::now()).unwrap();
    assert!(rig.store.load_draft(reopened).is_ok());
}

struct Tokens {
    current: String,
    fresh: Option<String>,
    refreshes: std::sync::atomic::AtomicUsize,
}

impl Tokens {
    fn new(current: &str, fresh: Option<String>) -> Arc<Tokens> {
        Arc::new(Tokens {
            current: current.into(),
            fresh,
            refreshes: Default::default(),
        })
    }
}

impl TokenProvider for Tokens {
    fn token(&self) -> Option<String> {
        Some(self.current.clone())
    }
    fn refresh_token(&self) -> Option<String> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        self.fresh.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_means_needs_sign_in_and_nothing_is_lost() {
    let rig = Rig::start(Faults::none()).await;
    rig.queue(3);
    let tokens = Tokens::new("wpt_expired", None);
    let engine = SyncEngine::new(
        rig.store.clone(),
        rig.service.clone(),
        fast_policy(),
        tokens.clone(),
        None,
    )
    .unwrap();
    let report = engine.sync_now(PASS).await.unwrap();
    assert!(report.needs_sign_in);
    // Three referrals in flight got 401; the host was asked for a fresh token once.
    assert_eq!(tokens.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!((report.delivered, report.waiting), (0, 3));
    assert_eq!(rig.server_count(), 0);
    for entry in rig.store.outbox().unwrap() {
        assert_eq!(entry.state, OutboxState::Queued);
        assert_eq!(
            entry.attempts, 0,
            "a refused token is not the referral's fault"
        );
    }
    // With a fresh token from the host the same queue delivers.
    let tokens = Tokens::new("wpt_expired", Some(rig.token.clone()));
    let engine = SyncEngine::new(
        rig.store.clone(),
        rig.service.clone(),
        fast_policy(),
        tokens.clone(),
        None,
    )
    .unwrap();
    let report = engine.sync_now(PASS).await.unwrap();
    assert!(!report.needs_sign_in);
    assert_eq!(report.delivered, 3);
    assert_eq!(tokens.refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_pin_sends_nothing_and_the_right_pin_delivers() {
    let rig = Rig::start(Faults::none()).await;
    rig.queue(2);
    let proxy = TlsProxy::start(rig.server.addr()).await;
    let engine_with_pin = |pin: String| {
        let mut service = rig.service.clone();
        service.endpoint = proxy.url.clone();
        service.spki_pins = vec![pin];
        SyncEngine::with_extra_roots(
            rig.store.clone(),
            service,
            fast_policy(),
            Arc::new(weprotect_core::sync::StaticToken(Some(rig.token.clone()))),
            None,
            vec![proxy.certificate_der.clone()],
        )
        .unwrap()
    };

    let report = engine_with_pin("ab".repeat(32))
        .sync_now(PASS)
        .await
        .unwrap();
    assert!(
        report.pin_mismatch,
        "{report:?} {:?}",
        rig.store.outbox().unwrap()
    );
    assert_eq!(report.delivered, 0);
    assert_eq!(
        proxy.bytes_from_clients.load(Ordering::SeqCst),
        0,
        "bytes left the device"
    );
    assert_eq!(rig.server_count(), 0);
    let entry = &rig.store.outbox().unwrap()[0];
    assert_eq!(entry.last_error_code.as_deref(), Some("tls.pin_mismatch"));

    tokio::time::sleep(Duration::from_millis(250)).await;
    let right = spki_sha256_hex(&proxy.certificate_der).unwrap();
    let report = engine_with_pin(right).sync_now(PASS).await.unwrap();
    assert!(!report.pin_mismatch);
    assert_eq!(report.delivered, 2);
    assert_eq!(rig.server_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_service_keeps_everything_queued_and_says_when_to_retry() {
    let rig = Rig::start(Faults::none()).await;
    rig.queue(2);
    rig.server.set_reachable(false).await.unwrap();
    let report = rig.engine(None).sync_now(PASS).await.unwrap();
    assert_eq!(
        (report.delivered, report.retried, report.waiting),
        (0, 2, 2)
    );
    assert!(report.next_run_at.unwrap() > Utc::now() - chrono::Duration::seconds(1));
    rig.server.set_reachable(true).await.unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    let report = rig.engine(None).sync_now(PASS).await.unwrap();
    assert_eq!(report.delivered, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_updates_reach_the_device_without_personal_data() {
    let rig = Rig::start(Faults::none()).await;
    let ids = rig.queue(1);
    let engine = rig.engine(None);
    engine.sync_now(PASS).await.unwrap();
    weprotect_server::add_status(
        rig.server_dir.path(),
        &ids[0],
        weprotect_server::ReferralStatus::AdvisorAssigned,
        Utc::now(),
    )
    .unwrap();
    assert_eq!(engine.refresh_statuses(Duration::MAX).await.unwrap(), 1);
    let statuses: Vec<String> = rig.store.outbox().unwrap()[0]
        .statuses
        .iter()
        .map(|s| s.status.clone())
        .collect();
    assert_eq!(statuses, ["received", "advisor_assigned"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_bounds_a_pass_against_a_slow_service() {
    let rig = Rig::start(faults("delay_ms=400")).await;
    rig.queue(6);
    // Two in flight: the first two answer after 400 ms, the next two would after 800 ms.
    let engine = SyncEngine::new(
        rig.store.clone(),
        rig.service.clone(),
        weprotect_core::sync::SyncPolicy {
            concurrency: 2,
            ..fast_policy()
        },
        Arc::new(weprotect_core::sync::StaticToken(Some(rig.token.clone()))),
        None,
    )
    .unwrap();
    let started = std::time::Instant::now();
    let report = engine.sync_now(Duration::from_millis(600)).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert!(report.deadline_reached);
    assert!(report.waiting > 0 && report.waiting < 6, "{report:?}");
}

/// A service that accepts connections and never answers (a captive portal, a dead proxy).
fn silent_service(rig: &Rig) -> (std::net::TcpListener, weprotect_core::config::ServiceConfig) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut service = rig.service.clone();
    service.endpoint = format!("http://{}", listener.local_addr().unwrap());
    (listener, service)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_ends_a_pass_to_a_silent_service_promptly_and_loses_nothing() {
    let rig = Rig::start(Faults::none()).await;
    let ids = rig.queue(2);
    let (_listener, service) = silent_service(&rig);
    let engine = SyncEngine::new(
        rig.store.clone(),
        service,
        weprotect_core::sync::SyncPolicy::default(), // 30 s request timeout
        Arc::new(weprotect_core::sync::StaticToken(Some(rig.token.clone()))),
        None,
    )
    .unwrap();
    let pass = tokio::spawn({
        let engine = engine.clone();
        async move { engine.sync_now(Duration::from_secs(60)).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancelled_at = std::time::Instant::now();
    engine.cancel();
    let report = pass.await.unwrap().unwrap();
    assert!(
        cancelled_at.elapsed() < Duration::from_secs(1),
        "{:?}",
        cancelled_at.elapsed()
    );
    assert!(report.cancelled && !report.deadline_reached, "{report:?}");
    assert_eq!((report.delivered, report.waiting), (0, 2));
    let queued: Vec<String> = rig
        .store
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|e| e.state == OutboxState::Queued)
        .map(|e| e.referral_id)
        .collect();
    assert_eq!(queued.len(), ids.len());

    // A later pass is not affected by the earlier cancel: it delivers to the real service.
    let report = rig.engine(None).sync_now(PASS).await.unwrap();
    assert_eq!((report.delivered, report.cancelled), (2, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_ends_a_status_refresh_against_a_silent_service() {
    let rig = Rig::start(Faults::none()).await;
    rig.queue(1);
    rig.engine(None).sync_now(PASS).await.unwrap();
    let (_listener, service) = silent_service(&rig);
    let engine = SyncEngine::new(
        rig.store.clone(),
        service,
        weprotect_core::sync::SyncPolicy::default(),
        Arc::new(weprotect_core::sync::StaticToken(Some(rig.token.clone()))),
        None,
    )
    .unwrap();
    let refresh = tokio::spawn({
        let engine = engine.clone();
        async move { engine.refresh_statuses(Duration::from_secs(60)).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancelled_at = std::time::Instant::now();
    engine.cancel();
    assert_eq!(refresh.await.unwrap().unwrap(), 0);
    assert!(cancelled_at.elapsed() < Duration::from_secs(1));
}
