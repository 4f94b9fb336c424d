//! The advisors' console end to end over HTTP on loopback: enrolment, sign-in with a TOTP code,
//! the queue, a referral view (audited), a contact attempt that becomes the status the device
//! reads, CSRF refusals, the session limits and the security headers.
//!
//! The same text runs on PostgreSQL as `console_postgres.rs` (a database of its own per data
//! directory, in the test process's cluster: `tests/src/postgres.rs`).

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::*;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use weprotect_server::console::{Role, add_advisor, audit_log, revoke_advisor, totp_code_for_key};
use weprotect_server::{Database, ReferralStatus};

const PASSWORD: &str = "correct horse battery staple";
const EMAIL: &str = "sam.advisor@service.example";

/// A browser-like client: no redirects followed, cookies kept by hand (the console's cookies
/// are `Secure`; a cookie jar would not send them over plain HTTP on loopback).
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The value of `<input ... name="NAME" value="...">` or of the element with `id`.
fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn element_text(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no element {id}"))
        + marker.len();
    html[start..].split('<').next().unwrap().to_string()
}

/// The HTML inside the element with `id`, up to the first `end` tag after it.
fn inside<'a>(html: &'a str, id: &str, end: &str) -> &'a str {
    let marker = format!("id=\"{id}\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no element {id}"))
        + marker.len();
    let rest = &html[start..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

impl Browser {
    fn new(base: String) -> Browser {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base,
            cookies: Vec::new(),
        }
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            assert!(value.contains("HttpOnly") && value.contains("Secure"));
            assert!(value.contains("SameSite=Strict") && value.starts_with("__Host-"));
            let (pair, attributes) = value.split_once(';').unwrap();
            let (name, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !attributes.contains("Max-Age=0") {
                self.cookies.push((name.to_string(), v.to_string()));
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        let (status, headers) = (response.status(), response.headers().clone());
        (status, response.text().await.unwrap(), headers)
    }

    async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, Option<String>) {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        let location = response
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        (response.status(), response.text().await.unwrap(), location)
    }

    /// Enrols with the link's path; returns the TOTP key (base32).
    async fn enrol(&mut self, path: &str) -> String {
        let (status, page, _) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let key = element_text(&page, "totp-key");
        let csrf = field(&page, "csrf");
        let code = totp_code_for_key(&key, now() - 30).unwrap();
        let (status, page, _) = self
            .post(
                path,
                &[
                    ("csrf", &csrf),
                    ("password", PASSWORD),
                    ("password2", PASSWORD),
                    ("code", &code),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("You are set up"));
        key
    }

    async fn sign_in(
        &mut self,
        email: &str,
        key: &str,
        at: u64,
    ) -> (StatusCode, String, Option<String>) {
        let (_, page, _) = self.get("/console/sign-in").await;
        let csrf = field(&page, "csrf");
        let code = totp_code_for_key(key, at).unwrap();
        self.post(
            "/console/sign-in",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("password", PASSWORD),
                ("code", &code),
            ],
        )
        .await
    }
}

/// Every file the server's records are in: the data directory (with the SQLite file and its
/// WAL), and on PostgreSQL the database's table files (after a checkpoint) and the WAL.
fn database_files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files = all_files(dir);
    if let Database::Postgres(url) = database_for(dir) {
        files.extend(postgres::cluster().unwrap().database_files(&url));
    }
    files
}

/// The table files only (no write-ahead log of either backend): where deleted rows must be
/// gone once the server has reclaimed their space.
fn table_files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    database_files(dir)
        .into_iter()
        .filter(|(name, _)| !name.contains("pg_wal") && !name.ends_with("-wal"))
        .collect()
}

/// Runs one SQL query returning bytes on the server's database, whichever backend it is.
async fn sql_bytes(dir: &std::path::Path, sql: &'static str) -> Vec<Vec<u8>> {
    match database_for(dir) {
        Database::Postgres(url) => {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            let rows = client.query(sql, &[]).await.unwrap();
            rows.iter().map(|r| r.get(0)).collect()
        }
        Database::DataDir => {
            let conn = rusqlite::Connection::open(dir.join("intake.sqlite3")).unwrap();
            let mut stmt = conn.prepare(sql).unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        }
    }
}

/// Whether `needle` (bytes) is in `haystack`; quick enough in a debug build for the WAL's
/// 16 MiB segments, as it compares only where the first byte matches.
fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let mut from = 0;
    while let Some(at) = haystack[from..].iter().position(|&b| b == first) {
        let start = from + at + 1;
        if haystack.get(start..start + rest.len()) == Some(rest) {
            return true;
        }
        from = start;
    }
    false
}

async fn enrolled(h: &Harness, role: Role, email: &str) -> (Browser, String) {
    let enrolment = add_advisor(h.dir.path(), &database_for(h.dir.path()), email, role)
        .await
        .unwrap();
    let mut browser = Browser::new(h.server.url());
    let key = browser.enrol(&enrolment.path()).await;
    (browser, key)
}

#[tokio::test]
async fn an_advisor_enrols_signs_in_sees_the_queue_opens_a_referral_and_the_device_reads_the_contact()
 {
    let h = harness(|_| {}).await;
    let id = new_id();
    let response = h
        .submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let (mut browser, key) = enrolled(&h, Role::Advisor, EMAIL).await;
    // The code used at enrolment is spent: sign in with the next one.
    let (status, _, location) = browser.sign_in(EMAIL, &key, now() + 30).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/console/queue"));

    let (status, queue, headers) = browser.get("/console/queue").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        queue.contains("Strangulation") && queue.contains("Threats to kill"),
        "{queue}"
    );
    assert!(queue.contains(&format!("/console/referrals/{id}")));
    assert!(!queue.contains("Testperson"), "the queue shows no names");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-frame-options"], "DENY");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("script-src"));
    assert!(csp.contains("default-src 'none'"));

    let (status, page, _) = browser.get(&format!("/console/referrals/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Testperson"), "the view opens the referral");
    assert!(element_text(&page, "safe-contact").contains("no voicemail"));
    let audit = audit_log(h.dir.path(), &database_for(h.dir.path()), 50)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "referral_viewed" && e.referral_id.as_deref() == Some(&id))
    );
    assert!(
        audit
            .iter()
            .all(|e| !format!("{e:?}").contains("Testperson")
                && !format!("{e:?}").contains("sam.advisor"))
    );

    let csrf = field(&page, "csrf");
    let (status, _, _) = browser
        .post(
            &format!("/console/referrals/{id}/contact"),
            &[("csrf", &csrf), ("result", "reached")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The officer's device reads it through the device API, as `weprotect sync` does.
    let history: Vec<weprotect_server::StatusEntry> =
        h.status(&id, &h.token).await.json().await.unwrap();
    assert_eq!(
        history.last().unwrap().status,
        ReferralStatus::VictimContacted
    );

    let (status, _, _) = browser
        .post(
            &format!("/console/referrals/{id}/action"),
            &[
                ("csrf", &csrf),
                ("kind", "note"),
                ("detail", "Call back Tuesday CANARYNOTE"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = browser.get(&format!("/console/referrals/{id}")).await;
    assert!(page.contains("CANARYNOTE"));
    for (name, bytes) in database_files(h.dir.path()) {
        assert!(!contains(&bytes, "CANARYNOTE"), "a note in clear in {name}");
        assert!(
            !contains(&bytes, "sam.advisor"),
            "an email in clear in {name}"
        );
    }
}

#[tokio::test]
async fn information_that_followed_shows_with_the_referral_and_a_withdrawal_stops_all_work() {
    let h = harness(|_| {}).await;
    let (id, _) = h.sent_referral().await;
    let (mut browser, key) = enrolled(&h, Role::Advisor, EMAIL).await;
    browser.sign_in(EMAIL, &key, now() + 30).await;
    let (_, page, _) = browser.get(&format!("/console/referrals/{id}")).await;
    let to_follow = inside(&page, "to-follow-list", "</dl>");
    assert!(to_follow.contains("Crime reference"), "{to_follow}");

    // The crime number follows from the officer's device.
    let addendum = new_id();
    let doc = information(
        &id,
        &addendum,
        serde_json::json!({"incident.crime_reference": "CR/0012345/26"}),
    );
    assert_eq!(
        h.add(&id, &addendum, &doc).await.status(),
        StatusCode::CREATED
    );
    let (_, page, _) = browser.get(&format!("/console/referrals/{id}")).await;
    let added = inside(&page, "added-list", "</div>");
    assert!(
        added.contains("Crime reference") && added.contains("CR/0012345/26"),
        "{added}"
    );
    let to_follow = inside(&page, "to-follow-list", "</dl>");
    assert!(!to_follow.contains("Crime reference") && to_follow.contains("Date of birth"));

    // The victim withdraws consent: the advisor is told to stop, and sees no content.
    let withdrawn = new_id();
    assert_eq!(
        h.add(&id, &withdrawn, &withdrawal(&id, &withdrawn))
            .await
            .status(),
        StatusCode::CREATED
    );
    let (status, page, _) = browser.get(&format!("/console/referrals/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Consent withdrawn") && page.contains("stop all work"),
        "{page}"
    );
    assert!(!page.contains("Testperson") && !page.contains("CR/0012345/26"));
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let h = harness(|_| {}).await;
    let id = new_id();
    h.submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    let (mut browser, key) = enrolled(&h, Role::Advisor, EMAIL).await;
    browser.sign_in(EMAIL, &key, now() + 30).await;
    browser.get("/console/queue").await;
    for csrf in [
        "",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let (status, page, _) = browser
            .post(
                &format!("/console/referrals/{id}/contact"),
                &[("csrf", csrf), ("result", "reached")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    }
    let history: Vec<weprotect_server::StatusEntry> =
        h.status(&id, &h.token).await.json().await.unwrap();
    assert_eq!(history.len(), 1, "only `received`");
    // A sign-in form posted without the pre-session cookie is refused too.
    let mut stranger = Browser::new(h.server.url());
    let (status, _, _) = stranger
        .post(
            "/console/sign-in",
            &[
                ("csrf", "x"),
                ("email", EMAIL),
                ("password", PASSWORD),
                ("code", "123456"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn wrong_codes_lock_the_account_and_a_used_code_does_not_work_twice() {
    let h = harness(|_| {}).await;
    let (mut browser, key) = enrolled(&h, Role::Advisor, EMAIL).await;
    // The enrolment's code (its step) is spent.
    let (status, page, _) = browser.sign_in(EMAIL, &key, now() - 30).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
    for _ in 0..5 {
        let (status, _, _) = browser.sign_in(EMAIL, &key, now() + 3600).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right code is refused now.
    let (status, _, _) = browser.sign_in(EMAIL, &key, now() + 30).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let audit = audit_log(h.dir.path(), &database_for(h.dir.path()), 50)
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.action == "sign_in_locked"));
}

#[tokio::test]
async fn an_idle_session_ends_and_revoking_an_advisor_ends_theirs_at_once() {
    let h = harness(|config| config.console.idle_timeout = chrono::Duration::seconds(2)).await;
    let (mut idle, key) = enrolled(&h, Role::Advisor, EMAIL).await;
    idle.sign_in(EMAIL, &key, now() + 30).await;
    assert_eq!(idle.get("/console/queue").await.0, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (status, _, headers) = idle.get("/console/queue").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], "/console/sign-in");

    let other = "kim.supervisor@service.example";
    let (mut browser, key) = enrolled(&h, Role::Supervisor, other).await;
    browser.sign_in(other, &key, now() + 30).await;
    assert_eq!(browser.get("/console/audit").await.0, StatusCode::OK);
    revoke_advisor(h.dir.path(), &database_for(h.dir.path()), other)
        .await
        .unwrap();
    assert_eq!(browser.get("/console/audit").await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_advisor_is_not_a_supervisor_and_weak_passwords_are_refused_at_enrolment() {
    let h = harness(|_| {}).await;
    let enrolment = add_advisor(
        h.dir.path(),
        &database_for(h.dir.path()),
        EMAIL,
        Role::Advisor,
    )
    .await
    .unwrap();
    let mut browser = Browser::new(h.server.url());
    let (_, page, _) = browser.get(&enrolment.path()).await;
    let csrf = field(&page, "csrf");
    let (status, page, _) = browser
        .post(
            &enrolment.path(),
            &[
                ("csrf", &csrf),
                ("password", "password1234"),
                ("password2", "password1234"),
                ("code", "000000"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("most commonly used"), "{page}");
    let key = browser.enrol(&enrolment.path()).await;
    // The link works once.
    assert_eq!(
        browser.get(&enrolment.path()).await.0,
        StatusCode::NOT_FOUND
    );
    browser.sign_in(EMAIL, &key, now() + 30).await;
    assert_eq!(browser.get("/console/audit").await.0, StatusCode::FORBIDDEN);
    assert!(
        add_advisor(
            h.dir.path(),
            &database_for(h.dir.path()),
            "not an email",
            Role::Advisor
        )
        .await
        .is_err()
    );
}

#[tokio::test]
async fn a_closed_referrals_content_is_deleted_by_the_server_after_its_retention_period() {
    let h = harness(|config| {
        config.console.retention_after_closure = chrono::Duration::zero();
        config.console.retention_sweep_every = std::time::Duration::from_millis(200);
    })
    .await;
    let id = new_id();
    h.submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    let (mut browser, key) = enrolled(&h, Role::Advisor, EMAIL).await;
    browser.sign_in(EMAIL, &key, now() + 30).await;
    let (_, page, _) = browser.get(&format!("/console/referrals/{id}")).await;
    let csrf = field(&page, "csrf");
    let (status, _, _) = browser
        .post(
            &format!("/console/referrals/{id}/action"),
            &[
                ("csrf", &csrf),
                ("kind", "closed"),
                ("detail", "Declined support CANARYREASON"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let mut deleted = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (_, page, _) = browser.get(&format!("/console/referrals/{id}")).await;
        if page.contains("Content deleted") {
            deleted = true;
            break;
        }
    }
    assert!(deleted, "the content was not deleted");
    // Ids, times and statuses stay; the device still reads the history.
    let history: Vec<weprotect_server::StatusEntry> =
        h.status(&id, &h.token).await.json().await.unwrap();
    assert_eq!(history.last().unwrap().status, ReferralStatus::Closed);
    // Nothing of the referral or the reason is left, sealed or not (the WAL is checkpointed
    // by reopening; the sealed copy would not show the canaries anyway, so check the row).
    assert!(h.server.read_referral(&id).await.is_err());
    let audit = audit_log(h.dir.path(), &database_for(h.dir.path()), 50)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "content_deleted_retention")
    );
}

#[tokio::test]
async fn the_printable_summary_follows_the_application_and_is_audited_and_withdrawal_deletes_the_content()
 {
    let h = harness(|_| {}).await;
    let id = new_id();
    h.submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    let (mut browser, key) = enrolled(&h, Role::Advisor, EMAIL).await;
    browser.sign_in(EMAIL, &key, now() + 30).await;
    let (_, page, _) = browser.get(&format!("/console/referrals/{id}")).await;
    let csrf = field(&page, "csrf");
    browser
        .post(
            &format!("/console/referrals/{id}/action"),
            &[
                ("csrf", &csrf),
                ("kind", "order_applied"),
                ("detail", "non-molestation"),
            ],
        )
        .await;
    let (status, summary, _) = browser
        .get(&format!("/console/referrals/{id}/summary"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let order = [
        "1. Applicant",
        "2. Respondent",
        "3. Relationship",
        "4. Children",
        "5. Orders sought",
        "6. Why without notice",
    ];
    let positions: Vec<usize> = order.iter().map(|t| summary.find(t).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert!(summary.contains("order applied non-molestation"));
    let audit = audit_log(h.dir.path(), &database_for(h.dir.path()), 50)
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.action == "summary_printed"));

    browser
        .post(
            &format!("/console/referrals/{id}/action"),
            &[
                ("csrf", &csrf),
                ("kind", "consent_withdrawn"),
                ("detail", "by phone"),
            ],
        )
        .await;
    let (_, page, _) = browser.get(&format!("/console/referrals/{id}")).await;
    assert!(
        page.contains("Consent withdrawn") && page.contains("stop all work"),
        "{page}"
    );
    assert!(h.server.read_referral(&id).await.is_err());
    let (_, queue, _) = browser.get("/console/queue?filter=withdrawn").await;
    assert!(queue.contains(&format!("/console/referrals/{id}")));
    let history: Vec<weprotect_server::StatusEntry> =
        h.status(&id, &h.token).await.json().await.unwrap();
    assert_eq!(
        history.last().unwrap().status,
        ReferralStatus::ConsentWithdrawn
    );
}

/// A distinctive crime reference (information that followed), to look for afterwards.
const CANARY_REFERENCE: &str = "CANARYCR-4455/26";

/// Sends the referral with items to follow and the crime reference after it; the referral id
/// and slices of the sealed referral and the sealed information, as the database holds them.
/// Closes `id` from the console, then waits (10 s at most) until the retention sweep has
/// deleted its content and, on PostgreSQL, rewritten the tables after it (both audited).
async fn close_and_wait_for_retention(h: &Harness, browser: &mut Browser, csrf: &str, id: &str) {
    browser
        .post(
            &format!("/console/referrals/{id}/action"),
            &[("csrf", csrf), ("kind", "closed"), ("detail", "moved away")],
        )
        .await;
    let rewritten = matches!(database_for(h.dir.path()), Database::Postgres(_));
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let audit = audit_log(h.dir.path(), &database_for(h.dir.path()), 50)
            .await
            .unwrap();
        let has = |action: &str| audit.iter().any(|e| e.action == action);
        if has("content_deleted_retention") && (!rewritten || has("deleted_content_rewritten_out"))
        {
            return;
        }
    }
    panic!("retention did not run (or the tables were not rewritten)");
}

async fn referral_with_information(h: &Harness) -> (String, Vec<Vec<u8>>) {
    let (id, _) = h.sent_referral().await;
    let addendum = new_id();
    let doc = information(
        &id,
        &addendum,
        serde_json::json!({"incident.crime_reference": CANARY_REFERENCE}),
    );
    assert_eq!(
        h.add(&id, &addendum, &doc).await.status(),
        StatusCode::CREATED
    );
    let slice = |b: &Vec<u8>| b[b.len() / 2..b.len() / 2 + 24].to_vec();
    let mut sealed: Vec<Vec<u8>> = sql_bytes(
        h.dir.path(),
        "SELECT referral_json FROM referrals ORDER BY seq",
    )
    .await
    .iter()
    .map(slice)
    .collect();
    let info = sql_bytes(
        h.dir.path(),
        "SELECT content FROM addenda WHERE content IS NOT NULL",
    )
    .await;
    assert_eq!((sealed.len(), info.len()), (1, 1));
    sealed.push(slice(&info[0]));
    (id, sealed)
}

/// Information sent for `id` now: the status and the error code of the answer.
async fn late_information(h: &Harness, id: &str) -> (StatusCode, String) {
    let late = new_id();
    let doc = information(
        id,
        &late,
        serde_json::json!({"victim.date_of_birth": "1990-04-12"}),
    );
    let response = h.add(id, &late, &doc).await;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap();
    (
        status,
        body["code"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn an_advisors_withdrawal_is_the_devices_withdrawal_addenda_deleted_and_later_information_refused()
 {
    let h = harness(|_| {}).await;
    let (id, sealed) = referral_with_information(&h).await;
    let (mut browser, key) = enrolled(&h, Role::Advisor, EMAIL).await;
    browser.sign_in(EMAIL, &key, now() + 30).await;
    let (_, page, _) = browser.get(&format!("/console/referrals/{id}")).await;
    assert!(
        page.contains(CANARY_REFERENCE),
        "the advisor sees what followed"
    );
    let csrf = field(&page, "csrf");
    let (status, _, _) = browser
        .post(
            &format!("/console/referrals/{id}/action"),
            &[
                ("csrf", &csrf),
                ("kind", "consent_withdrawn"),
                ("detail", "by phone"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        h.server.storage().scrubbed(),
    )
    .await
    .expect("the scrub after the withdrawal was never done");

    // The device reads the withdrawal, as it does one it sent.
    let history: Vec<weprotect_server::StatusEntry> =
        h.status(&id, &h.token).await.json().await.unwrap();
    let statuses: Vec<ReferralStatus> = history.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        [ReferralStatus::Received, ReferralStatus::ConsentWithdrawn]
    );
    // The addendum's information is gone with the referral; its id and time stay.
    let addenda = read_addenda(h.dir.path(), &id).unwrap();
    assert_eq!(addenda.len(), 1);
    assert!(addenda[0].information.is_none() && addenda[0].content_deleted);
    assert!(h.server.read_referral(&id).await.is_err());
    // Information sent later is refused for good (the device stops retrying it).
    assert_eq!(
        late_information(&h, &id).await,
        (StatusCode::CONFLICT, "referral.withdrawn".to_string())
    );
    // A withdrawal the device sends afterwards is received and changes nothing more.
    let again = new_id();
    assert_eq!(
        h.add(&id, &again, &withdrawal(&id, &again)).await.status(),
        StatusCode::CREATED
    );
    let after: Vec<weprotect_server::StatusEntry> =
        h.status(&id, &h.token).await.json().await.unwrap();
    assert_eq!(after, history);
    let (_, queue, _) = browser.get("/console/queue?filter=withdrawn").await;
    assert!(queue.contains(&format!("/console/referrals/{id}")));
    let (_, open, _) = browser.get("/console/queue").await;
    assert!(!open.contains(&format!("/console/referrals/{id}")));
    let audit = audit_log(h.dir.path(), &database_for(h.dir.path()), 50)
        .await
        .unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "content_deleted_consent_withdrawn")
            .count(),
        1
    );

    // No copy of the sealed referral or information is left in the table files (nor, on
    // SQLite, in the WAL, truncated after the withdrawal); the plaintext is nowhere.
    for (name, bytes) in database_files(h.dir.path()) {
        assert!(!contains(&bytes, CANARY_REFERENCE), "in clear in {name}");
        if name.contains("pg_wal") {
            continue;
        }
        for window in &sealed {
            assert!(!holds(&bytes, window), "sealed content left in {name}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_the_addenda_content_too_and_later_information_gets_content_deleted() {
    let h = harness(|config| {
        config.console.retention_after_closure = chrono::Duration::zero();
        config.console.retention_sweep_every = std::time::Duration::from_millis(200);
        config.console.rewrite_tables_after_deletion = true;
    })
    .await;
    let (id, sealed) = referral_with_information(&h).await;
    let (mut browser, key) = enrolled(&h, Role::Advisor, EMAIL).await;
    browser.sign_in(EMAIL, &key, now() + 30).await;
    let (_, page, _) = browser.get(&format!("/console/referrals/{id}")).await;
    let csrf = field(&page, "csrf");
    close_and_wait_for_retention(&h, &mut browser, &csrf, &id).await;

    // The information is gone with the referral; ids, times and statuses stay.
    let addenda = read_addenda(h.dir.path(), &id).unwrap();
    assert_eq!(addenda.len(), 1);
    assert!(addenda[0].information.is_none() && addenda[0].content_deleted);
    let history: Vec<weprotect_server::StatusEntry> =
        h.status(&id, &h.token).await.json().await.unwrap();
    assert_eq!(history.last().unwrap().status, ReferralStatus::Closed);
    // Information sent later is refused for good, with its own code (not a 500 the device
    // would retry for ever).
    assert_eq!(
        late_information(&h, &id).await,
        (StatusCode::CONFLICT, "referral.content_deleted".to_string())
    );
    for (name, bytes) in table_files(h.dir.path()) {
        assert!(!contains(&bytes, CANARY_REFERENCE), "in clear in {name}");
        for window in &sealed {
            assert!(!holds(&bytes, window), "sealed content left in {name}");
        }
    }
}

#[tokio::test]
async fn a_supervisor_assigns_a_referral_to_an_advisor_and_an_advisor_cannot() {
    let h = harness(|_| {}).await;
    let id = new_id();
    h.submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    let (mut advisor, key) = enrolled(&h, Role::Advisor, EMAIL).await;
    advisor.sign_in(EMAIL, &key, now() + 30).await;
    let boss = "kim.supervisor@service.example";
    let (mut supervisor, boss_key) = enrolled(&h, Role::Supervisor, boss).await;
    supervisor.sign_in(boss, &boss_key, now() + 30).await;

    let (_, page, _) = supervisor.get(&format!("/console/referrals/{id}")).await;
    let advisor_id = {
        let marker = "<option value=\"adv_";
        let start = page.find(marker).unwrap() + "<option value=\"".len();
        page[start..].split('"').next().unwrap().to_string()
    };
    let csrf = field(&page, "csrf");
    let (status, _, _) = supervisor
        .post(
            &format!("/console/referrals/{id}/assign"),
            &[("csrf", &csrf), ("advisor", "adv_nobody")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = supervisor
        .post(
            &format!("/console/referrals/{id}/assign"),
            &[("csrf", &csrf), ("advisor", &advisor_id)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let (_, page, _) = advisor.get(&format!("/console/referrals/{id}")).await;
    assert!(!page.contains("Assign to"), "advisors see no assign form");
    let csrf = field(&page, "csrf");
    let (status, _, _) = advisor
        .post(
            &format!("/console/referrals/{id}/assign"),
            &[("csrf", &csrf), ("advisor", &advisor_id)],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let history: Vec<weprotect_server::StatusEntry> =
        h.status(&id, &h.token).await.json().await.unwrap();
    assert_eq!(
        history.last().unwrap().status,
        ReferralStatus::AdvisorAssigned
    );
    let (_, mine, _) = advisor.get("/console/queue?filter=mine").await;
    assert!(mine.contains(&format!("/console/referrals/{id}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_serve_one_session_and_a_revocation_ends_it_on_both() {
    let h = harness(|_| {}).await;
    let other_dir = tempfile::tempdir().unwrap();
    let second = second_instance(&h, other_dir.path(), |_| {}).await;
    let id = new_id();
    h.submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;

    let (mut browser, key) = enrolled(&h, Role::Supervisor, EMAIL).await;
    // One moment for both sign-ins: the same code, whichever 30-second step the test is in.
    let moment = now() + 30;
    let (status, _, _) = browser.sign_in(EMAIL, &key, moment).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The same cookie, sent to the other instance: the same advisor, the same session.
    let cookies = browser.cookies.clone();
    let mut there = Browser::new(second.url());
    there.cookies = cookies;
    let (status, page, _) = there.get(&format!("/console/referrals/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Testperson"));
    // A form from one instance is accepted by the other (the CSRF token is the session's).
    let csrf = field(&page, "csrf");
    let (status, _, _) = browser
        .post(
            &format!("/console/referrals/{id}/contact"),
            &[("csrf", &csrf), ("result", "no_answer")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let audit = audit_log(h.dir.path(), &database_for(h.dir.path()), 50)
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.action == "referral_viewed"));
    assert!(audit.iter().any(|e| e.action == "contact_recorded"));

    // A code used on one instance does not work on the other.
    let mut again = Browser::new(second.url());
    let (status, _, _) = again.sign_in(EMAIL, &key, moment).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    revoke_advisor(h.dir.path(), &database_for(h.dir.path()), EMAIL)
        .await
        .unwrap();
    assert_eq!(browser.get("/console/queue").await.0, StatusCode::SEE_OTHER);
    assert_eq!(there.get("/console/queue").await.0, StatusCode::SEE_OTHER);
    second.shutdown().await;
}

/// A second instance on the database of `h`, with `h`'s key files (on SQLite: the same data
/// directory, the only way two instances share one file), changed by `configure`.
async fn second_instance(
    h: &Harness,
    other_dir: &std::path::Path,
    configure: impl FnOnce(&mut weprotect_server::ServerConfig),
) -> weprotect_server::RunningServer {
    let mut config = weprotect_server::ServerConfig::new(h.dir.path());
    if let Database::Postgres(_) = database_for(h.dir.path()) {
        for file in [
            weprotect_server::SERVICE_KEY_FILE,
            weprotect_server::DATA_KEY_FILE,
        ] {
            std::fs::copy(h.dir.path().join(file), other_dir.join(file)).unwrap();
        }
        config = weprotect_server::ServerConfig::new(other_dir);
    }
    config.database = database_for(h.dir.path());
    configure(&mut config);
    weprotect_server::start(config).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_attempts_from_one_address_are_counted_across_instances() {
    let h = harness(|config| config.console.sign_ins_per_minute = 3).await;
    let other_dir = tempfile::tempdir().unwrap();
    let second = second_instance(&h, other_dir.path(), |c| c.console.sign_ins_per_minute = 3).await;
    // The count is per minute: start early in one.
    let second_of_minute = now() % 60;
    if second_of_minute > 45 {
        tokio::time::sleep(std::time::Duration::from_secs(61 - second_of_minute)).await;
    }
    let mut browsers = [Browser::new(h.server.url()), Browser::new(second.url())];
    let stranger = "nobody@service.example";
    for (instance, expected) in [
        (0, StatusCode::UNAUTHORIZED),
        (1, StatusCode::UNAUTHORIZED),
        (0, StatusCode::UNAUTHORIZED),
        // The fourth attempt from this address this minute, on either instance.
        (1, StatusCode::TOO_MANY_REQUESTS),
        (0, StatusCode::TOO_MANY_REQUESTS),
    ] {
        let (status, page, _) = browsers[instance]
            .sign_in(stranger, "JBSWY3DPEHPK3PXP", now())
            .await;
        assert_eq!(status, expected, "{page}");
    }
    let audit = audit_log(h.dir.path(), &database_for(h.dir.path()), 50)
        .await
        .unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "sign_in_rate_limited")
            .count(),
        2
    );
    second.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_leaves_ids_times_and_statuses_and_the_deleted_ciphertext_leaves_the_table_files()
{
    let h = harness(|config| {
        config.console.retention_after_closure = chrono::Duration::zero();
        config.console.retention_sweep_every = std::time::Duration::from_millis(200);
        config.console.rewrite_tables_after_deletion = true;
    })
    .await;
    let (kept, gone) = (new_id(), new_id());
    for id in [&kept, &gone] {
        h.submit(id, sealed_example(&h.server.service_config(), id))
            .await;
    }
    let (mut browser, key) = enrolled(&h, Role::Advisor, EMAIL).await;
    browser.sign_in(EMAIL, &key, now() + 30).await;
    let (_, page, _) = browser.get(&format!("/console/referrals/{gone}")).await;
    let csrf = field(&page, "csrf");
    browser
        .post(
            &format!("/console/referrals/{gone}/action"),
            &[
                ("csrf", &csrf),
                ("kind", "note"),
                ("detail", "CANARYNOTE two"),
            ],
        )
        .await;
    let before = h.server.storage().status_history(&gone).await.unwrap();
    // The ciphertexts about to be deleted: slices of the sealed referral and the sealed note.
    let sealed = sql_bytes(
        h.dir.path(),
        "SELECT referral_json FROM referrals ORDER BY seq",
    )
    .await;
    let notes = sql_bytes(
        h.dir.path(),
        "SELECT detail FROM console_events WHERE detail IS NOT NULL",
    )
    .await;
    assert_eq!((sealed.len(), notes.len()), (2, 1));
    let slice = |b: &[u8]| b[b.len() / 2..b.len() / 2 + 24].to_vec();
    let (kept_cipher, gone_cipher) = (slice(&sealed[0]), slice(&sealed[1]));
    let note_cipher = notes[0][notes[0].len() - 20..].to_vec();
    assert!(
        database_files(h.dir.path())
            .iter()
            .any(|(_, b)| holds(b, &gone_cipher)),
        "the check can see the ciphertext before deletion"
    );

    // Retention runs, and (on PostgreSQL) the tables are rewritten after it.
    close_and_wait_for_retention(&h, &mut browser, &csrf, &gone).await;

    // Ids, times and statuses stay; the referral left open keeps its content.
    let after = h.server.storage().status_history(&gone).await.unwrap();
    assert_eq!(&after[..before.len()], &before[..]);
    assert_eq!(after.last().unwrap().status, ReferralStatus::Closed);
    let receipts = h.server.storage().receipts().await.unwrap();
    assert!(receipts.iter().any(|r| r.referral_id == gone));
    assert!(h.server.read_referral(&gone).await.is_err());
    assert!(
        h.server
            .read_referral(&kept)
            .await
            .unwrap()
            .contains("Testperson")
    );
    let (_, page, _) = browser.get(&format!("/console/referrals/{gone}")).await;
    assert!(page.contains("Content deleted"));

    // The deleted ciphertexts are in no table file any more; the kept one still is (so the
    // scan would see them if they were there). The write-ahead logs are left out: they hold
    // old pages until the database recycles them, sealed (docs/SECURITY.md).
    let files = table_files(h.dir.path());
    assert!(files.iter().any(|(_, b)| holds(b, &kept_cipher)));
    for (name, bytes) in &files {
        assert!(
            !holds(bytes, &gone_cipher),
            "deleted referral still in {name}"
        );
        assert!(!holds(bytes, &note_cipher), "deleted note still in {name}");
    }
    for (name, bytes) in database_files(h.dir.path()) {
        let text = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
        for canary in CANARIES.iter().chain(&["CANARYNOTE"]) {
            assert!(
                !text.contains(&canary.to_ascii_lowercase()),
                "{canary} in clear in {name}"
            );
        }
    }
}
