//! The server when its PostgreSQL database is down or hung (issue 21): devices get `503` with
//! `Retry-After`, which they retry, never a `500` (which they would also retry, but without
//! being told when) and never a request left waiting without bound.
//!
//! Runs on the test process's own PostgreSQL cluster (`tests/src/postgres.rs`); without
//! PostgreSQL it prints SKIP (or fails with `WEPROTECT_REQUIRE_POSTGRES=1`).

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use weprotect_server::Database;

/// A direct connection to the server's database, as an operator (superuser) would have.
async fn admin_connection(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

fn url_of(h: &Harness) -> Option<String> {
    match database_for(h.dir.path()) {
        Database::Postgres(url) => Some(url),
        Database::DataDir => None,
    }
}

async fn assert_unavailable(response: reqwest::Response) {
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let body = error_code(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["code"], "server.unavailable");
    assert_eq!(retry_after.as_deref(), Some("1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_database_is_answered_503_with_retry_after_within_the_deadline() {
    let h = harness(|c| c.limits.database_deadline = Duration::from_secs(2)).await;
    let Some(url) = url_of(&h) else { return };
    let id = new_id();
    assert_eq!(
        h.submit(&id, sealed_example(&h.server.service_config(), &id))
            .await
            .status(),
        StatusCode::CREATED
    );
    // An operator's transaction holds every table the request path reads: the database is up
    // but answers nothing.
    let mut admin = admin_connection(&url).await;
    let hold = admin.transaction().await.unwrap();
    hold.batch_execute("LOCK TABLE tokens, referrals IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let started = Instant::now();
    let response = h.status(&id, &h.token).await;
    let took = started.elapsed();
    assert_unavailable(response).await;
    assert!(took < Duration::from_secs(5), "{took:?}");
    hold.rollback().await.unwrap();
    // Released: answered again.
    assert_eq!(h.status(&id, &h.token).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_refuses_connections_is_answered_503_with_retry_after() {
    let h = harness(|_| {}).await;
    let Some(url) = url_of(&h) else { return };
    let id = new_id();
    assert_eq!(
        h.submit(&id, sealed_example(&h.server.service_config(), &id))
            .await
            .status(),
        StatusCode::CREATED
    );
    let name = url.rsplit('/').next().unwrap().to_string();
    let admin_url = format!("{}/postgres", url.rsplit_once('/').unwrap().0);
    let admin = admin_connection(&admin_url).await;
    // The database goes away for this server: no new connections, and its open ones cut.
    admin
        .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .await
        .unwrap();
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            &[&name],
        )
        .await
        .unwrap();
    for _ in 0..3 {
        assert_unavailable(h.status(&id, &h.token).await).await;
    }
    admin
        .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    // Back: answered again (the pool makes new connections).
    let mut ok = false;
    for _ in 0..20 {
        if h.status(&id, &h.token).await.status() == StatusCode::OK {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok, "the server did not recover when the database came back");
}
