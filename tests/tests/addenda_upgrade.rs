//! Information that follows, sent to a service without the addenda operation (an older
//! implementation of the API, or an instance not yet upgraded in a rolling upgrade): the `404`
//! it answers is not the service's refusal of the referral, so what the officer typed waits in
//! the outbox and is delivered once the service has the operation.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use weprotect_core::store::OutboxState;
use weprotect_core::sync::{StaticToken, SyncEngine};
use weprotect_server::Faults;
use weprotect_tests::rig::{Rig, fast_policy, queue_crime_numbers, queue_referrals_to_follow};

mod older_service;

const PASS: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn information_for_a_service_without_the_addenda_operation_waits_and_is_delivered_after_its_upgrade()
 {
    let rig = Rig::start(Faults::none()).await;
    let ids = queue_referrals_to_follow(&rig.store, &rig.service, 1, Utc::now());
    assert_eq!(rig.engine(None).sync_now(PASS).await.unwrap().delivered, 1);
    let added = queue_crime_numbers(&rig.store, &rig.service, &ids, Utc::now());

    // The older service: referrals and statuses as before, no addenda route.
    let mut older = rig.service.clone();
    older.endpoint =
        older_service::without(rig.service.endpoint.clone(), |p| p.ends_with("/addenda")).await;
    let engine = SyncEngine::new(
        rig.store.clone(),
        older,
        fast_policy(),
        Arc::new(StaticToken(Some(rig.token.clone()))),
        None,
    )
    .unwrap();
    for _ in 0..3 {
        engine.sync_now(PASS).await.unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let entry = |store: &weprotect_core::store::Store| {
        store
            .outbox()
            .unwrap()
            .into_iter()
            .find(|e| e.referral_id == ids[0])
            .unwrap()
    };
    let waiting = entry(&rig.store).addenda.remove(0);
    assert_eq!(waiting.addendum_id, added[0]);
    assert_eq!(waiting.state, OutboxState::Queued, "{waiting:?}");
    assert!(waiting.attempts >= 3, "{waiting:?}");
    assert_eq!(waiting.last_error_code.as_deref(), Some("http.404"));
    assert!(
        weprotect_server::read_addenda(rig.server_dir.path(), &ids[0])
            .unwrap()
            .is_empty()
    );

    // Upgraded: the same addendum goes, once.
    let mut delivered = 0;
    for _ in 0..20 {
        delivered += rig.engine(None).sync_now(PASS).await.unwrap().delivered;
        if delivered > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(delivered, 1);
    let sent = entry(&rig.store).addenda.remove(0);
    assert_eq!(sent.state, OutboxState::Delivered);
    let held = weprotect_server::read_addenda(rig.server_dir.path(), &ids[0]).unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].addendum_id, added[0]);
    assert_eq!(Some(held[0].received_at), sent.received_at);
}
