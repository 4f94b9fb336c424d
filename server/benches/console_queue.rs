//! The advisors' queue with many open referrals: server time per page against a bare query of
//! the same rows, measured in the same run, interleaved (issue 24).
//!
//! One real referral is submitted through the device API, then copied in SQL to N open
//! referrals (10,000 in full, 500 in quick mode) with their statuses and triage rows, so the
//! queue has what a busy service would hold. A signed-in advisor then asks for the first page of
//! the queue over HTTP on loopback (session check, the queue query, ordering and filtering in
//! Rust, rendering 50 rows), and the baseline runs the queue's SQL (`QUEUE_SQL`) bare on a
//! connection of its own and collects the same rows. Pairs alternate which goes first; medians
//! are printed as a `FIGURE` line for docs/PERFORMANCE.md.
//!
//! `cargo bench -p weprotect-server --bench console_queue` runs it in full; without `--bench`
//! (as `cargo xtask bench quick` runs it) it is a small quick run.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use rusqlite::{Connection, params};
use weprotect_server::console::{QUEUE_SQL, Role, add_advisor, totp_code_for_key};
use weprotect_server::{DB_FILE, Database};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn field(html: &str, marker: &str) -> String {
    let start = html.find(marker).unwrap() + marker.len();
    html[start..].split(['"', '<']).next().unwrap().to_string()
}

fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_string())
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Copies the one real referral to `n` open referrals with statuses and triage rows.
fn fill(db: &std::path::Path, n: usize) {
    let mut conn = Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(30)).unwrap();
    let tx = conn.transaction().unwrap();
    let (id, seq): (String, i64) = tx
        .query_row("SELECT referral_id, seq FROM referrals", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let start = chrono::Utc::now();
    for i in 1..n {
        let copy = format!("bench-{i:06}");
        let at = (start - chrono::Duration::seconds(i as i64 * 7))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        tx.execute(
            "INSERT INTO referrals (referral_id, seq, service_reference, body_sha256, received_at, key_id, schema_version, referral_json)
             SELECT ?2, ?3, ?4, body_sha256, ?5, key_id, schema_version, referral_json FROM referrals WHERE referral_id = ?1",
            params![id, copy, seq + i as i64, format!("WP-BENCH-{i:06}"), at],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO status_updates (referral_id, status, at) VALUES (?1, 'received', ?2)",
            params![copy, at],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO console_cases (referral_id, urgency, flags, to_follow) VALUES (?1, ?2, ?3, 0)",
            params![copy, (i % 7) as i64, (i % 32) as i64],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

/// The bare baseline: the queue's query, every row collected.
fn bare(conn: &Connection) -> usize {
    let mut stmt = conn.prepare_cached(QUEUE_SQL).unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, bool>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, bool>(9)?,
            ))
        })
        .unwrap();
    rows.map(Result::unwrap).count()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (n, pairs) = if full { (10_000, 31) } else { (500, 5) };
    let h = harness(|_| {}).await;
    let id = new_id();
    let response = h
        .submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let db = h.dir.path().join(DB_FILE);

    // An advisor enrols and signs in over HTTP.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = h.server.url();
    let enrolment = add_advisor(
        h.dir.path(),
        &Database::DataDir,
        "bench@service.example",
        Role::Advisor,
    )
    .await
    .unwrap();
    let page = http
        .get(format!("{base}{}", enrolment.path()))
        .send()
        .await
        .unwrap();
    let pre = cookie(&page, "__Host-wp-console-pre").unwrap();
    let html = page.text().await.unwrap();
    let key = field(&html, "id=\"totp-key\">");
    let csrf = field(&html, "name=\"csrf\" value=\"");
    let password = encode("correct horse battery staple");
    let code = totp_code_for_key(&key, now() - 30).unwrap();
    let enrolled = http
        .post(format!("{base}{}", enrolment.path()))
        .header(COOKIE, &pre)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={csrf}&password={password}&password2={password}&code={code}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(enrolled.status(), StatusCode::OK);
    let page = http
        .get(format!("{base}/console/sign-in"))
        .send()
        .await
        .unwrap();
    let pre = cookie(&page, "__Host-wp-console-pre").unwrap();
    let csrf = field(&page.text().await.unwrap(), "name=\"csrf\" value=\"");
    let code = totp_code_for_key(&key, now() + 30).unwrap();
    let signed_in = http
        .post(format!("{base}/console/sign-in"))
        .header(COOKIE, &pre)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={csrf}&email={}&password={password}&code={code}",
            encode("bench@service.example")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let session = cookie(&signed_in, "__Host-wp-console").unwrap();

    let get_page = || async {
        let response = http
            .get(format!("{base}/console/queue"))
            .header(COOKIE, &session)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.unwrap()
    };
    // The first view triages the real referral; then the copies join it.
    get_page().await;
    fill(&db, n);
    let conn = Connection::open(&db).unwrap();
    let first = get_page().await;
    assert!(
        first.contains(&format!("{n} referral(s)")),
        "the queue holds {n}"
    );
    assert_eq!(bare(&conn), n);

    let (mut pages, mut bares) = (Vec::new(), Vec::new());
    for pair in 0..pairs {
        for side in [pair % 2, 1 - pair % 2] {
            let started = Instant::now();
            if side == 0 {
                get_page().await;
                pages.push(started.elapsed());
            } else {
                bare(&conn);
                bares.push(started.elapsed());
            }
        }
    }
    let (page, baseline) = (median(pages), median(bares));
    let ratio = page.as_secs_f64() / baseline.as_secs_f64();
    println!(
        "queue page with {n} open referrals: median {:.1} ms; bare query of the same rows {:.1} ms; ratio {ratio:.2} ({pairs} interleaved pairs)",
        page.as_secs_f64() * 1e3,
        baseline.as_secs_f64() * 1e3
    );
    println!(
        "FIGURE\tconsole queue page, {n} open referrals (ms)\t{:.1}\t{:.1} (bare query)\t{ratio:.2}\t<= 3.0",
        page.as_secs_f64() * 1e3,
        baseline.as_secs_f64() * 1e3
    );
    h.server.shutdown().await;
}
