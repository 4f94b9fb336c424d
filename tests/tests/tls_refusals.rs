//! A device sends nothing to a service it cannot authenticate: a certificate for another host
//! name, an expired certificate, a key that matches no pin (see `sync_e2e`), or plain HTTP to
//! a host that is not loopback. "Nothing" is measured at the far end: the TLS proxy counts the
//! application bytes it receives after a handshake, and the server counts its records.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use weprotect_core::store::OutboxState;
use weprotect_core::sync::{StaticToken, SyncEngine, SyncError, spki_sha256_hex};
use weprotect_server::Faults;
use weprotect_tests::rig::{Rig, fast_policy};
use weprotect_tests::tls_proxy::{Certificate, TlsProxy};

/// Queues two referrals, syncs them once to a proxy presenting `certificate` (trusted as a
/// root and pinned, so only the property under test can fail), and checks nothing arrived.
async fn nothing_is_sent_to(certificate: Certificate, expected_code: &str) {
    let rig = Rig::start(Faults::none()).await;
    rig.queue(2);
    let proxy = TlsProxy::start_with(rig.server.addr(), certificate).await;
    let mut service = rig.service.clone();
    service.endpoint = proxy.url.clone();
    service.spki_pins = vec![spki_sha256_hex(&proxy.certificate_der).unwrap()];
    let engine = SyncEngine::with_extra_roots(
        rig.store.clone(),
        service,
        fast_policy(),
        Arc::new(StaticToken(Some(rig.token.clone()))),
        None,
        vec![proxy.certificate_der.clone()],
    )
    .unwrap();
    let report = engine.sync_now(Duration::from_secs(10)).await.unwrap();
    assert_eq!((report.delivered, report.waiting), (0, 2), "{report:?}");
    assert_eq!(
        proxy.bytes_from_clients.load(Ordering::SeqCst),
        0,
        "bytes left the device"
    );
    assert_eq!(rig.server_count(), 0);
    for entry in rig.store.outbox().unwrap() {
        assert_eq!(entry.state, OutboxState::Queued, "nothing is lost either");
        // Its own code: not `network.connect`, which reads like no signal.
        assert_eq!(entry.last_error_code.as_deref(), Some(expected_code));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_host_name_sends_nothing() {
    nothing_is_sent_to(Certificate::OtherHost, "tls.wrong_host").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_certificate_sends_nothing() {
    nothing_is_sent_to(Certificate::Expired, "tls.expired_certificate").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_no_trusted_authority_issued_is_untrusted_not_no_signal() {
    let rig = Rig::start(Faults::none()).await;
    rig.queue(1);
    let proxy = TlsProxy::start_with(rig.server.addr(), Certificate::Good).await;
    let mut service = rig.service.clone();
    service.endpoint = proxy.url.clone();
    // Not passed as a root: only the bundled web PKI roots are trusted.
    let engine = SyncEngine::new(
        rig.store.clone(),
        service,
        fast_policy(),
        Arc::new(StaticToken(Some(rig.token.clone()))),
        None,
    )
    .unwrap();
    let report = engine.sync_now(Duration::from_secs(10)).await.unwrap();
    assert_eq!((report.delivered, report.waiting), (0, 1), "{report:?}");
    assert_eq!(proxy.bytes_from_clients.load(Ordering::SeqCst), 0);
    let entry = &rig.store.outbox().unwrap()[0];
    assert_eq!(
        entry.last_error_code.as_deref(),
        Some("tls.untrusted_certificate")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_setup_with_a_good_certificate_delivers() {
    // The control: the two tests above fail for the reason they name, not for the setup.
    let rig = Rig::start(Faults::none()).await;
    rig.queue(2);
    let proxy = TlsProxy::start_with(rig.server.addr(), Certificate::Good).await;
    let mut service = rig.service.clone();
    service.endpoint = proxy.url.clone();
    service.spki_pins = vec![spki_sha256_hex(&proxy.certificate_der).unwrap()];
    let engine = SyncEngine::with_extra_roots(
        rig.store.clone(),
        service,
        fast_policy(),
        Arc::new(StaticToken(Some(rig.token.clone()))),
        None,
        vec![proxy.certificate_der.clone()],
    )
    .unwrap();
    let report = engine.sync_now(Duration::from_secs(10)).await.unwrap();
    assert_eq!(report.delivered, 2, "{report:?}");
    assert!(proxy.bytes_from_clients.load(Ordering::SeqCst) > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_a_host_that_is_not_loopback_is_refused_before_anything_is_sent() {
    let rig = Rig::start(Faults::none()).await;
    rig.queue(1);
    for endpoint in ["http://intake.example.org", "http://192.0.2.10:8080"] {
        let mut service = rig.service.clone();
        service.endpoint = endpoint.into();
        let refused = SyncEngine::new(
            rig.store.clone(),
            service,
            fast_policy(),
            Arc::new(StaticToken(Some(rig.token.clone()))),
            None,
        );
        assert!(
            matches!(refused, Err(SyncError::InsecureEndpoint)),
            "{endpoint} was accepted"
        );
    }
    assert_eq!(rig.store.outbox().unwrap()[0].state, OutboxState::Queued);
    assert_eq!(rig.store.outbox().unwrap()[0].attempts, 0);
    assert_eq!(rig.server_count(), 0);
}
