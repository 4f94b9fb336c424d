//! Injected faults behave as the sync engine's tests need them to.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use weprotect_server::{Faults, Receipt, referral_count};

#[tokio::test]
async fn an_injected_503_carries_retry_after_and_records_nothing() {
    let h = harness(|c| {
        c.faults = "503=1,retry_after=7".parse().unwrap();
    })
    .await;
    let id = new_id();
    let response = h
        .submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(
        error_code(response, StatusCode::SERVICE_UNAVAILABLE).await["code"],
        "server.unavailable"
    );
    assert_eq!(referral_count(h.dir.path()).unwrap(), 0);
}

#[tokio::test]
async fn an_injected_429_carries_retry_after() {
    let h = harness(|c| c.faults = "429=1".parse().unwrap()).await;
    let id = new_id();
    let response = h
        .submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(
        error_code(response, StatusCode::TOO_MANY_REQUESTS).await["code"],
        "server.rate_limited"
    );
}

/// The raw bytes a client receives for one request, read until the server closes.
async fn raw_exchange(addr: std::net::SocketAddr, token: &str, id: &str, body: &[u8]) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /v1/referrals HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Idempotency-Key: {id}\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received))
        .await
        .expect("the server neither answered nor closed");
    // A reset is as good as a close: either way no response arrived.
    let _ = read;
    received
}

#[tokio::test]
async fn a_drop_after_commit_leaves_one_record_and_no_response_and_the_retry_gets_the_receipt() {
    let h = harness(|c| c.faults = "drop=1".parse().unwrap()).await;
    let id = new_id();
    let body = sealed_example(&h.server.service_config(), &id);

    // Not one byte of a response, yet the referral is committed.
    let received = raw_exchange(h.server.addr(), &h.token, &id, &body).await;
    assert!(
        received.is_empty(),
        "{}",
        String::from_utf8_lossy(&received)
    );
    assert_eq!(referral_count(h.dir.path()).unwrap(), 1);

    // A real HTTP client sees a connection error, not a status; replays are dropped too.
    let error = h
        .client
        .post(format!("{}/v1/referrals", h.server.url()))
        .bearer_auth(&h.token)
        .header("idempotency-key", &id)
        .body(body.clone())
        .send()
        .await
        .expect_err("no response may arrive");
    assert!(error.status().is_none());
    assert_eq!(referral_count(h.dir.path()).unwrap(), 1);

    // Signal improves: the retry of the same bytes gets the receipt of the first commit.
    h.server.set_faults(Faults::none());
    let retry = h.submit(&id, body).await;
    assert_eq!(retry.status(), StatusCode::OK);
    let receipt: Receipt = retry.json().await.unwrap();
    assert_eq!(
        receipt,
        weprotect_server::receipts(h.dir.path()).unwrap()[0]
    );
    assert_eq!(referral_count(h.dir.path()).unwrap(), 1);
}

#[tokio::test]
async fn with_a_share_of_drops_every_referral_lands_exactly_once_after_retries() {
    let h = harness(|c| c.faults = "drop=0.5,503=0.2,seed=3".parse().unwrap()).await;
    let service = h.server.service_config();
    let mut expected = Vec::new();
    for _ in 0..20 {
        let id = new_id();
        let body = sealed_example(&service, &id);
        let mut attempts = 0;
        let receipt = loop {
            attempts += 1;
            assert!(attempts < 100, "never delivered");
            let sent = h
                .client
                .post(format!("{}/v1/referrals", h.server.url()))
                .bearer_auth(&h.token)
                .header("idempotency-key", &id)
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => break r.json::<Receipt>().await.unwrap(),
                Ok(r) => assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE),
                Err(_) => {} // dropped after commit
            }
        };
        assert_eq!(receipt.referral_id, id);
        expected.push(receipt);
    }
    let held = weprotect_server::receipts(h.dir.path()).unwrap();
    assert_eq!(held, expected);
}

#[tokio::test]
async fn delays_and_slow_bodies_still_deliver_the_whole_receipt() {
    let h = harness(|c| c.faults = "delay_ms=100,slow_ms=10".parse().unwrap()).await;
    let id = new_id();
    let started = Instant::now();
    let response = h
        .submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let receipt: Receipt = response.json().await.unwrap();
    // ~120 bytes of receipt in 16-byte chunks, 10 ms apart, after a 100 ms delay.
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(receipt.referral_id, id);
}

#[tokio::test]
async fn an_unreachable_server_refuses_connections_until_signal_returns() {
    let h = harness(|_| {}).await;
    // An earlier exchange leaves a kept-alive connection that losing signal must cut.
    let earlier = new_id();
    let response = h
        .submit(
            &earlier,
            sealed_example(&h.server.service_config(), &earlier),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = new_id();
    let body = sealed_example(&h.server.service_config(), &id);
    h.server.set_reachable(false).await.unwrap();
    let error = h
        .client
        .post(format!("{}/v1/referrals", h.server.url()))
        .bearer_auth(&h.token)
        .header("idempotency-key", &id)
        .body(body.clone())
        .send()
        .await
        .expect_err("nobody is listening");
    assert!(error.status().is_none(), "{error:?}");
    assert_eq!(referral_count(h.dir.path()).unwrap(), 1);

    // Still unreachable for a fresh client: the port is closed, not just the old connection.
    let fresh = client()
        .get(format!("{}/v1/referrals/{id}/status", h.server.url()))
        .send()
        .await
        .expect_err("nobody is listening");
    assert!(fresh.is_connect(), "{fresh:?}");

    h.server.set_reachable(true).await.unwrap();
    let response = h.submit(&id, body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(referral_count(h.dir.path()).unwrap(), 2);
}

#[tokio::test]
async fn the_admin_endpoint_is_never_faulted() {
    let h = harness(|c| {
        c.faults = "503=1".parse().unwrap();
        c.admin_token = Some("admin".into());
    })
    .await;
    let response = h
        .client
        .post(format!(
            "{}/admin/v1/referrals/{}/status",
            h.server.url(),
            new_id()
        ))
        .bearer_auth("admin")
        .json(&serde_json::json!({"status": "closed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
