//! A slow link: every request to the service takes 50 ms (the server's `delay_ms` fault), behind
//! a TLS terminator that offers HTTP/2 by ALPN, as most HTTPS services do. The engine must
//! negotiate HTTP/2 and keep enough requests in flight that 100 queued referrals drain in under
//! half a second (one at a time would take 5 s; four at a time 1.25 s).
//!
//! The 0.5 s bound is checked in release builds (`cargo xtask bench` runs this test with
//! `--release`); a debug build's server cannot process 100 referrals that fast, so there the bound is 4.5 s,
//! which still fails if the engine sent one request at a time (5 s).
//!
//! The service's data directory is on a RAM-backed directory when there is one (`/dev/shm`):
//! this test measures what the link costs, not the server's disk.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chrono::Utc;
use weprotect_core::sync::{StaticToken, SyncEngine, SyncPolicy};
use weprotect_server::{Faults, ServerConfig};
use weprotect_tests::rig::{open_device, queue_referrals};
use weprotect_tests::tls_proxy::TlsProxy;

fn ram_tempdir() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shm)
    {
        return dir;
    }
    tempfile::tempdir().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_referrals_drain_in_under_half_a_second_over_50_ms_round_trips_with_http2() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server_dir = ram_tempdir();
    let mut config = ServerConfig::new(server_dir.path());
    config.faults = "delay_ms=50".parse::<Faults>().unwrap();
    // The limiter would answer 429 to a burst of 100 from one device: this measures the link.
    config.limits.per_token = None;
    let server = weprotect_server::start(config).await.unwrap();
    let token = weprotect_server::issue_token(server_dir.path(), "slow link")
        .unwrap()
        .token;
    let proxy = TlsProxy::start_offering_h2(server.addr()).await;
    let mut service = server.service_config();
    service.endpoint = proxy.url.clone();

    let device_dir = tempfile::tempdir().unwrap();
    let store = open_device(device_dir.path().to_path_buf());
    queue_referrals(&store, &service, 100, Utc::now());
    let engine = SyncEngine::with_extra_roots(
        store.clone(),
        service,
        SyncPolicy::default(),
        Arc::new(StaticToken(Some(token))),
        None,
        vec![proxy.certificate_der.clone()],
    )
    .unwrap();

    let started = Instant::now();
    let report = engine.sync_now(Duration::from_secs(30)).await.unwrap();
    let took = started.elapsed();
    let (connections, h2) = (
        proxy.connections.load(Ordering::SeqCst),
        proxy.h2_connections.load(Ordering::SeqCst),
    );
    // `cargo xtask bench` puts this line into docs/PERFORMANCE.md.
    println!(
        "FIGURE\t100 referrals drained over 50 ms requests, TLS with ALPN (16 in flight)\t{:.3} s\tone at a time: at least 5 s (100 x 50 ms); {connections} connection(s), {h2} of them HTTP/2\t{:.3}\t< 0.5 s",
        took.as_secs_f64(),
        took.as_secs_f64() / 5.0
    );
    assert_eq!(report.delivered, 100, "{report:?}");
    assert_eq!(report.waiting, 0);
    assert_eq!(
        weprotect_server::referral_count(server_dir.path()).unwrap(),
        100
    );
    assert!(connections >= 1);
    assert_eq!(
        h2, connections,
        "every connection should have agreed on HTTP/2"
    );
    // The target holds for release builds (`cargo xtask bench` runs this test so). A debug
    // build's server spends about 18 ms of CPU on each referral (unoptimised parsing and
    // SQLite), which alone takes about 2 s on a loaded machine; the bound there still fails if
    // requests were sent one at a time (100 x 50 ms = 5 s).
    let bound = if cfg!(debug_assertions) {
        Duration::from_millis(4500)
    } else {
        Duration::from_millis(500)
    };
    assert!(took < bound, "took {took:?}");
}
