//! The server against hostile clients, on loopback with raw sockets: authentication before the
//! body, slow and stalled bodies, the connection cap, memory, and rate limits.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use weprotect_server::{Limits, Rate};

/// Reads what the server sends until it closes the connection or `wait` passes.
async fn read_for(stream: &mut TcpStream, wait: Duration) -> (String, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + wait;
    let closed = loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => break false,
        }
    };
    (String::from_utf8_lossy(&got).into_owned(), closed)
}

/// Request headers of a submission announcing `content_length` bytes, with `Expect:
/// 100-continue` and the token if any.
fn submit_head(addr: std::net::SocketAddr, token: Option<&str>, content_length: u64) -> String {
    let auth = token.map_or(String::new(), |t| format!("authorization: Bearer {t}\r\n"));
    format!(
        "POST /v1/referrals HTTP/1.1\r\nhost: {addr}\r\n{auth}idempotency-key: {}\r\n\
         content-type: application/octet-stream\r\ncontent-length: {content_length}\r\n\
         expect: 100-continue\r\n\r\n",
        new_id()
    )
}

fn status_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn no_rate_limits(config: &mut weprotect_server::ServerConfig) {
    config.limits.per_token = None;
    config.limits.per_address = None;
    // These tests hold many connections from one address on purpose.
    config.limits.max_connections_per_address = None;
}

#[tokio::test]
async fn a_request_without_a_valid_token_is_refused_before_its_body_is_read() {
    let h = harness(no_rate_limits).await;
    let huge = 10_000_000_000;
    let cases = [None, Some("wpt_not-a-token"), Some("Basic abc")]
        .into_iter()
        .flat_map(|token| [(token, huge), (token, 1000)]);
    for (token, length) in cases {
        let mut stream = TcpStream::connect(h.server.addr()).await.unwrap();
        stream
            .write_all(submit_head(h.server.addr(), token, length).as_bytes())
            .await
            .unwrap();
        let started = Instant::now();
        let (answer, closed) = read_for(&mut stream, Duration::from_secs(3)).await;
        assert!(
            status_line(&answer).starts_with("HTTP/1.1 401"),
            "{token:?}: {answer}"
        );
        assert!(!answer.contains("100 Continue"), "{answer}");
        assert!(answer.contains("\"code\":\"auth."), "{answer}");
        assert!(closed, "the connection is closed, the body never read");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    // The same request with the valid token is let through to the body: `100 Continue`,
    // and a body announced over the limit is refused before it is read.
    let mut stream = TcpStream::connect(h.server.addr()).await.unwrap();
    stream
        .write_all(submit_head(h.server.addr(), Some(&h.token), huge).as_bytes())
        .await
        .unwrap();
    let (answer, closed) = read_for(&mut stream, Duration::from_secs(3)).await;
    assert!(status_line(&answer).starts_with("HTTP/1.1 413"), "{answer}");
    assert!(closed);

    let mut stream = TcpStream::connect(h.server.addr()).await.unwrap();
    stream
        .write_all(submit_head(h.server.addr(), Some(&h.token), 1000).as_bytes())
        .await
        .unwrap();
    let (answer, _) = read_for(&mut stream, Duration::from_millis(500)).await;
    assert!(
        status_line(&answer).starts_with("HTTP/1.1 100 Continue"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_stalled_or_trickling_body_is_cut_after_its_deadline() {
    let h = harness(|c| {
        no_rate_limits(c);
        c.limits.body_grace = Duration::from_secs(1);
        c.limits.min_body_bytes_per_sec = 100;
        c.limits.body_deadline = Duration::from_secs(4);
    })
    .await;
    // Stalls after the headers.
    let mut stalled = TcpStream::connect(h.server.addr()).await.unwrap();
    stalled
        .write_all(submit_head(h.server.addr(), Some(&h.token), 5000).as_bytes())
        .await
        .unwrap();
    let started = Instant::now();
    let (answer, closed) = read_for(&mut stalled, Duration::from_secs(6)).await;
    assert!(answer.contains("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body.too_slow"), "{answer}");
    assert!(closed);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );

    // Sends a byte every 200 ms: 5 bytes a second, below the minimum of 100.
    let mut trickling = TcpStream::connect(h.server.addr()).await.unwrap();
    trickling
        .write_all(submit_head(h.server.addr(), Some(&h.token), 5000).as_bytes())
        .await
        .unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    while started.elapsed() < Duration::from_secs(6) {
        if trickling.write_all(b"x").await.is_err() {
            break;
        }
        let (got, closed) = read_for(&mut trickling, Duration::from_millis(200)).await;
        answer.push_str(&got);
        if closed {
            break;
        }
    }
    assert!(answer.contains("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// The file-descriptor limit this test needs (client and server ends of every connection).
fn raise_fd_limit(wanted: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls on a local struct.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted.min(limit.rlim_max);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
        assert!(
            limit.rlim_cur >= wanted,
            "need {wanted} file descriptors, the hard limit is {}",
            limit.rlim_max
        );
    }
}

/// A submission with `token`, timed.
async fn timed_submit(h: &Harness) -> (StatusCode, Duration) {
    let id = new_id();
    let started = Instant::now();
    let response = h
        .submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    (response.status(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_stalled_bodies_leave_an_ordinary_request_answered_and_memory_bounded() {
    const STALLED: usize = 2000;
    raise_fd_limit(3 * STALLED as u64 + 256);
    // The per-token rate would refuse most of one token's 1000 stalled requests at once (as it
    // should); switched off here so that they all reach the body and stall there.
    let h = harness(no_rate_limits).await;
    let (status, _) = timed_submit(&h).await;
    assert_eq!(status, StatusCode::CREATED);
    let fds_before = open_fds();
    let rss_before = rss_kib();

    let addr = h.server.addr();
    let mut stalled = Vec::with_capacity(STALLED);
    for i in 0..STALLED {
        let token = (i % 2 == 0).then_some(h.token.as_str());
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut head = submit_head(addr, token, 200_000).into_bytes();
        head.extend_from_slice(&[b'x'; 100]);
        stream.write_all(&head).await.unwrap();
        stalled.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let (status, took) = timed_submit(&h).await;
        assert_eq!(status, StatusCode::CREATED);
        slowest = slowest.max(took);
    }
    let rss_during = rss_kib();
    let grown_mib = rss_during.saturating_sub(rss_before) / 1024;
    println!(
        "{STALLED} stalled connections: slowest ordinary submission {slowest:?}, \
         RSS {} MiB -> {} MiB (+{grown_mib} MiB), open fds {fds_before} -> {}",
        rss_before / 1024,
        rss_during / 1024,
        open_fds()
    );
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    assert!(grown_mib < 200, "RSS grew by {grown_mib} MiB");

    // The ones without a token were answered 401 and closed at once.
    let mut refused = 0;
    for stream in stalled.iter_mut().skip(1).step_by(2).take(50) {
        let (answer, closed) = read_for(stream, Duration::from_millis(100)).await;
        if answer.starts_with("HTTP/1.1 401") && closed {
            refused += 1;
        }
    }
    assert_eq!(refused, 50);

    drop(stalled);
    // Full recovery: the server lets go of every socket and keeps answering.
    let deadline = Instant::now() + Duration::from_secs(10);
    while open_fds() > fds_before + 10 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        open_fds() <= fds_before + 10,
        "{} fds open, {fds_before} before",
        open_fds()
    );
    let (status, took) = timed_submit(&h).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(took < Duration::from_secs(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_are_refused_with_503_and_served_once_others_close() {
    const CAP: usize = 20;
    let h = harness(|c| {
        no_rate_limits(c);
        c.limits.max_connections = CAP;
    })
    .await;
    let addr = h.server.addr();
    let mut held = Vec::new();
    for _ in 0..CAP {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(submit_head(addr, Some(&h.token), 5000).as_bytes())
            .await
            .unwrap();
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut extra = TcpStream::connect(addr).await.unwrap();
    extra
        .write_all(submit_head(addr, Some(&h.token), 5000).as_bytes())
        .await
        .unwrap();
    let (answer, closed) = read_for(&mut extra, Duration::from_secs(3)).await;
    assert!(status_line(&answer).starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("retry-after: 1"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap();
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["code"], "server.busy");
    assert!(closed);

    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _) = timed_submit(&h).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_token_over_its_rate_gets_429_with_retry_after_and_other_tokens_do_not() {
    let h = harness(|c| {
        c.limits.per_token = Some(Rate {
            burst: 3,
            every: Duration::from_secs(60),
        });
    })
    .await;
    for _ in 0..3 {
        assert_eq!(timed_submit(&h).await.0, StatusCode::CREATED);
    }
    let id = new_id();
    let response = h
        .submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body = error_code(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body["code"], "server.rate_limited");
    // Refused before anything was stored.
    assert_eq!(weprotect_server::referral_count(h.dir.path()).unwrap(), 3);

    let other = weprotect_server::issue_token(h.dir.path(), "other device")
        .unwrap()
        .token;
    let response = submit(
        &h.client,
        &h.server.url(),
        Some(&other),
        Some(&id),
        sealed_example(&h.server.service_config(), &id),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_address_sending_bad_tokens_gets_429_but_known_valid_tokens_from_it_still_pass() {
    let h = harness(|c| {
        c.limits.per_address = Some(Rate {
            burst: 5,
            every: Duration::from_secs(60),
        });
    })
    .await;
    // The device's token is seen valid once (valid tokens use none of the address's budget).
    assert_eq!(timed_submit(&h).await.0, StatusCode::CREATED);
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let response = submit(
            &h.client,
            &h.server.url(),
            Some("wpt_guess"),
            Some(&new_id()),
            b"x".to_vec(),
        )
        .await;
        statuses.push(response.status().as_u16());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().contains_key("retry-after"));
            let body = error_code(response, StatusCode::TOO_MANY_REQUESTS).await;
            assert_eq!(body["code"], "server.rate_limited");
        }
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
    assert_eq!(timed_submit(&h).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn once_an_address_is_over_its_rate_a_guess_is_refused_before_it_is_looked_up() {
    let h = harness(|c| {
        c.limits.per_address = Some(Rate {
            burst: 3,
            every: Duration::from_secs(60),
        });
    })
    .await;
    for _ in 0..3 {
        let response = h.status(&new_id(), "wpt_guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Over its rate now.
    let response = h.status(&new_id(), "wpt_guess").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // A guess that happens to be a valid token (one this server has not seen yet) gets the
    // same 429 as the wrong ones: the address's rate is checked before the lookup, so the
    // answer does not depend on the guess.
    let lucky = issue_token(h.dir.path(), "another device").unwrap().token;
    let response = h.status(&new_id(), &lucky).await;
    assert_eq!(
        error_code(response, StatusCode::TOO_MANY_REQUESTS).await["code"],
        "server.rate_limited"
    );
}

#[test]
fn limits_are_on_by_default() {
    let limits = Limits::default();
    assert!(limits.per_token.is_some() && limits.per_address.is_some());
    assert!(limits.max_connections >= 2048);
}

/// A TCP connection to `to` from the loopback address `source`.
async fn connect_from(source: [u8; 4], to: std::net::SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(std::net::SocketAddr::from((source, 0)))
        .unwrap();
    socket.connect(to).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_at_its_connection_cap_is_refused_and_its_idle_connections_are_closed() {
    let h = harness(|c| {
        c.limits.max_connections_per_address = Some(5);
        c.limits.head_deadline = Duration::from_secs(1);
    })
    .await;
    let addr = h.server.addr();
    let opened = Instant::now();
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(connect_from([127, 0, 0, 2], addr).await);
    }
    // One more from that address is refused at once, without a request.
    let mut extra = connect_from([127, 0, 0, 2], addr).await;
    let (answer, closed) = read_for(&mut extra, Duration::from_secs(3)).await;
    assert!(status_line(&answer).starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("server.busy"), "{answer}");
    assert!(closed);
    // Another address is served.
    assert_eq!(timed_submit(&h).await.0, StatusCode::CREATED);

    // The silent ones are closed by the server at the head deadline, without an answer.
    for stream in &mut held {
        let (answer, closed) = read_for(stream, Duration::from_secs(4)).await;
        assert!(closed && answer.is_empty(), "{answer}");
    }
    let took = opened.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    // Then the address may connect again.
    let mut again = connect_from([127, 0, 0, 2], addr).await;
    again
        .write_all(submit_head(addr, Some(&h.token), 5000).as_bytes())
        .await
        .unwrap();
    let (answer, _) = read_for(&mut again, Duration::from_millis(500)).await;
    assert!(status_line(&answer).starts_with("HTTP/1.1 100"), "{answer}");
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_at_the_head_deadline_after_its_last_answer() {
    let h = harness(|c| c.limits.head_deadline = Duration::from_secs(1)).await;
    let addr = h.server.addr();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // A request that is answered, on a connection the client keeps alive.
    let request = format!(
        "GET /v1/referrals/{}/status HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {}\r\n\r\n",
        new_id(),
        h.token
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let answered = Instant::now();
    let (answer, closed) = read_for(&mut stream, Duration::from_secs(4)).await;
    assert!(status_line(&answer).starts_with("HTTP/1.1 404"), "{answer}");
    assert!(closed, "an idle kept-alive connection stays open");
    let took = answered.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn errors_hyper_answers_before_routing_are_json_with_a_code() {
    let h = harness(|_| {}).await;
    let addr = h.server.addr();
    let huge = format!(
        "GET /v1/referrals/x/status HTTP/1.1\r\nhost: {addr}\r\nx-filler: {}\r\n\r\n",
        "a".repeat(20 * 1024)
    );
    for (request, status) in [
        (
            "GET /v1/referrals HTTP/1.1\r\nthis is not a header\r\n\r\n".to_string(),
            "400",
        ),
        (huge, "431"),
    ] {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let _ = stream.write_all(request.as_bytes()).await;
        let (answer, _) = read_for(&mut stream, Duration::from_secs(3)).await;
        assert!(
            status_line(&answer).starts_with(&format!("HTTP/1.1 {status}")),
            "{answer}"
        );
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{answer}"
        );
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        assert!(json["code"].is_string(), "{answer}");
        assert!(json["message"].is_string(), "{answer}");
    }
}
