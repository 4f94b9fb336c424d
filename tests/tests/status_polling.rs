//! Status polling under the service's rate limits (issue 21): a device with many delivered
//! referrals learns every referral's status within a few passes, without a burst of `429`s
//! that would use up the budget its deliveries need.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use weprotect_core::sync::{StaticToken, SyncEngine};
use weprotect_server::{Faults, LogLines, LogTarget, ReferralStatus, ServerConfig};
use weprotect_tests::rig::{Rig, fast_policy};

mod older_service;

const PASS: Duration = Duration::from_secs(30);

/// A device with `n` delivered referrals, each with an `advisor_assigned` status, and its
/// service restarted on the same address with `limits` and a log in memory.
struct Delivered {
    ids: Vec<String>,
    store: Arc<weprotect_core::store::Store>,
    engine: Arc<SyncEngine>,
    log: LogLines,
    server_dir: tempfile::TempDir,
    _device_dir: tempfile::TempDir,
    _server: weprotect_server::RunningServer,
}

async fn delivered(n: usize, limits: impl FnOnce(&mut weprotect_server::Limits)) -> Delivered {
    // Delivered first through a server without the per-token limit (the deliveries are not
    // what these tests are about), ...
    let rig = Rig::start_with(Faults::none(), |l| l.per_token = None).await;
    let ids = rig.queue(n);
    let report = rig.engine(None).sync_now(PASS).await.unwrap();
    assert_eq!(report.delivered as usize, n);
    for id in &ids {
        weprotect_server::add_status(
            rig.server_dir.path(),
            id,
            ReferralStatus::AdvisorAssigned,
            Utc::now(),
        )
        .unwrap();
    }
    // ... then the same service restarts on the same address with the limits under test.
    let Rig {
        server,
        server_dir,
        store,
        token,
        service,
        device_dir,
    } = rig;
    let addr = server.addr();
    server.shutdown().await;
    let log = LogLines::new();
    let mut config = ServerConfig::new(server_dir.path());
    config.bind = addr;
    config.log = LogTarget::Memory(log.clone());
    limits(&mut config.limits);
    let server = weprotect_server::start(config).await.unwrap();
    let engine = SyncEngine::new(
        store.clone(),
        service,
        fast_policy(),
        Arc::new(StaticToken(Some(token))),
        None,
    )
    .unwrap();
    Delivered {
        ids,
        store,
        engine,
        log,
        server_dir,
        _device_dir: device_dir,
        _server: server,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_delivered_referrals_all_get_their_statuses_under_the_default_limits() {
    const REFERRALS: usize = 200;
    let d = delivered(REFERRALS, |_| {}).await;
    let (store, engine, log, server_dir) = (&d.store, &d.engine, &d.log, &d.server_dir);
    let answered = || {
        store
            .outbox()
            .unwrap()
            .iter()
            .filter(|e| e.statuses.iter().any(|s| s.status == "advisor_assigned"))
            .count()
    };
    let mut passes = 0;
    while answered() < REFERRALS && passes < 3 {
        engine.refresh_statuses(PASS).await.unwrap();
        passes += 1;
    }
    let lines = log.lines();
    let refused = lines.iter().filter(|l| l.contains(" 429 ")).count();
    let requests = lines.iter().filter(|l| l.contains(" /v1/")).count();
    println!(
        "PROOF status_polling referrals={REFERRALS} with_status={} passes={passes} \
         requests={requests} answered_429={refused}",
        answered()
    );
    assert_eq!(answered(), REFERRALS, "referrals left without their status");
    assert_eq!(refused, 0, "{lines:#?}");
    // The deliveries' budget is left: a new referral goes out at once.
    let new =
        weprotect_tests::rig::queue_referrals(store, &engine_service(server_dir), 1, Utc::now());
    let report = engine.sync_now(PASS).await.unwrap();
    assert_eq!((report.delivered, report.retried), (1, 0), "{new:?}");
}

fn engine_service(server_dir: &tempfile::TempDir) -> weprotect_core::config::ServiceConfig {
    let json = std::fs::read(server_dir.path().join("service.json")).unwrap();
    serde_json::from_slice(&json).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_stops_status_polling_until_its_retry_after() {
    let d = delivered(150, |l| {
        l.per_token = Some(weprotect_server::Rate {
            burst: 2,
            every: Duration::from_secs(3),
        })
    })
    .await;
    let requests = || d.log.lines().iter().filter(|l| l.contains(" /v1/")).count();
    // Two batch requests: the burst.
    assert_eq!(d.engine.refresh_statuses(PASS).await.unwrap(), 150);
    assert_eq!(requests(), 2);
    // The next is refused with Retry-After; the engine stops.
    assert_eq!(d.engine.refresh_statuses(PASS).await.unwrap(), 0);
    assert_eq!(requests(), 3);
    assert_eq!(
        d.log.lines().iter().filter(|l| l.contains(" 429 ")).count(),
        1
    );
    // Within the Retry-After nothing is sent (it would be refused again).
    assert_eq!(d.engine.refresh_statuses(PASS).await.unwrap(), 0);
    assert_eq!(requests(), 3);
    // After it, polling goes on until the next refusal: at most one 429 per wait.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    d.engine.refresh_statuses(PASS).await.unwrap();
    assert!((4..=5).contains(&requests()), "{:#?}", d.log.lines());
    assert!(d.log.lines().iter().filter(|l| l.contains(" 429 ")).count() <= 2);
    let _ = &d.ids;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_without_the_batch_operation_is_polled_one_referral_at_a_time_in_turn() {
    const REFERRALS: usize = 30;
    let d = delivered(REFERRALS, |_| {}).await;
    let mut service = engine_service(&d.server_dir);
    service.endpoint = older_service::without(service.endpoint.clone(), |path| {
        path == "/v1/referrals/statuses"
    })
    .await;
    let token = weprotect_server::issue_token(d.server_dir.path(), "test device")
        .unwrap()
        .token;
    let engine = SyncEngine::new(
        d.store.clone(),
        service,
        fast_policy(),
        Arc::new(StaticToken(Some(token))),
        None,
    )
    .unwrap();
    let answered = || {
        d.store
            .outbox()
            .unwrap()
            .iter()
            .filter(|e| e.statuses.iter().any(|s| s.status == "advisor_assigned"))
            .count()
    };
    // One pass asks at most 20; the next pass goes on after them (asking the same 20 again
    // would leave 10 without their status for ever).
    assert_eq!(engine.refresh_statuses(PASS).await.unwrap(), 20);
    assert_eq!(answered(), 20);
    engine.refresh_statuses(PASS).await.unwrap();
    assert_eq!(answered(), REFERRALS);
    let lines = d.log.lines();
    assert_eq!(lines.iter().filter(|l| l.contains(" 429 ")).count(), 0);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("GET /v1/referrals/{id}/status"))
            .count(),
        40
    );
}
