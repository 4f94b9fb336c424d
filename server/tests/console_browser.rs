//! The advisors' console in a real browser: Debian's chromium, headless, driven through
//! chromedriver with fantoccini. Run by `cargo xtask test console`, which installs chromium,
//! chromedriver and axe-core when they are missing; ignored by a plain `cargo test` (it needs
//! the browser and costs half a minute).
//!
//! It walks what an advisor does: enrol, sign in with the keyboard only and a TOTP code, read
//! the queue (most urgent first), open a referral (its audit entry appears), record a contact
//! (the device then reads the status), and checks what the browser enforces: a form stripped of
//! its CSRF token is refused, the session cookie is invisible to script, an idle session ends,
//! and axe-core finds no serious accessibility violation. Screenshots of the queue and a
//! referral (and of one with information that followed) are written to
//! `target/console-screenshots/`.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};
use weprotect_core::example::EXAMPLE_REFERRAL_JSON;
use weprotect_server::console::{Role, add_advisor, audit_log, totp_code_for_key};
use weprotect_server::{Database, ReferralStatus, StatusEntry};

const PASSWORD: &str = "correct horse battery staple";
const EMAIL: &str = "sam.advisor@service.example";
/// WebDriver's key codes.
const TAB: &str = "\u{e004}";
const ENTER: &str = "\u{e007}";
/// The idle timeout of this test's server: short, so the test can wait it out.
const IDLE: Duration = Duration::from_secs(8);

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn browser() -> (Driver, Client) {
    let port = free_port();
    let driver =
        Command::new(std::env::var("WEPROTECT_CHROMEDRIVER").unwrap_or("chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is missing: run `cargo xtask test console`, which installs it");
    let driver = Driver(driver);
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": std::env::var("WEPROTECT_CHROMIUM").unwrap_or("/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1400", "--lang=en-GB"]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Ok(client) = ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            return (driver, client);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start a session");
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn screenshots_dir() -> std::path::PathBuf {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs axe-core in the page and returns the serious and critical violations' ids.
async fn serious_violations(client: &Client, axe: &str) -> Vec<String> {
    client.execute(axe, vec![]).await.expect("axe-core injects");
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document).then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))));",
            vec![],
        )
        .await
        .expect("axe-core runs");
    result
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

async fn click(client: &Client, locator: Locator<'_>) {
    client.find(locator).await.unwrap().click().await.unwrap();
}

async fn type_into(client: &Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Waits (up to 30 s: argon2 is slow in a debug build on a busy machine) for a page.
async fn wait_for_path(client: &Client, want: &str) {
    for _ in 0..300 {
        if path(client).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the browser did not reach {want}; it is at {}",
        path(client).await
    );
}

/// Waits (up to 30 s) until the page shows `text`.
async fn wait_for_text(client: &Client, text: &str) {
    for _ in 0..300 {
        if client.source().await.is_ok_and(|s| s.contains(text)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never showed {text:?}");
}

async fn path(client: &Client) -> String {
    client.current_url().await.unwrap().path().to_string()
}

/// A referral with nothing that raises it: standard risk, no red flags.
fn plain_referral() -> String {
    let mut referral: Value = serde_json::from_str(EXAMPLE_REFERRAL_JSON).unwrap();
    let risk = &mut referral["risk"];
    risk["officer_level"] = json!("standard");
    risk["flags"]["non_fatal_strangulation"] = json!("no");
    risk["flags"]["threats_to_kill"] = json!("no");
    for answer in risk["answers"].as_array_mut().unwrap() {
        if answer["question_id"] == "q17_threats_to_kill"
            || answer["question_id"] == "q18_strangulation"
        {
            answer["answer"] = json!("no");
        }
    }
    referral.to_string()
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver: run by `cargo xtask test console`"]
async fn an_advisor_works_a_referral_in_a_real_browser() {
    let axe = std::fs::read_to_string(
        std::env::var("WEPROTECT_AXE_JS")
            .expect("WEPROTECT_AXE_JS names axe.min.js (set by cargo xtask test console)"),
    )
    .unwrap();
    let h =
        harness(|config| config.console.idle_timeout = chrono::Duration::from_std(IDLE).unwrap())
            .await;
    let service = h.server.service_config();
    // The plain referral arrives first, the urgent one later: the urgent one leads the queue.
    let plain = new_id();
    let response = h
        .submit(&plain, seal_json(&service, &plain, &plain_referral()))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    let urgent = new_id();
    assert_eq!(
        h.submit(&urgent, sealed_example(&service, &urgent))
            .await
            .status(),
        StatusCode::CREATED
    );

    let (_driver, client) = browser().await;
    let base = h.server.url();
    let enrolment = add_advisor(h.dir.path(), &Database::DataDir, EMAIL, Role::Supervisor)
        .await
        .unwrap();

    // Enrol: the key as the page shows it, a password, a code.
    client
        .goto(&format!("{base}{}", enrolment.path()))
        .await
        .unwrap();
    let key = client
        .find(Locator::Id("totp-key"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(serious_violations(&client, &axe).await.is_empty());
    type_into(&client, "#password", PASSWORD).await;
    type_into(&client, "#password2", PASSWORD).await;
    type_into(
        &client,
        "#code",
        &totp_code_for_key(&key, now() - 30).unwrap(),
    )
    .await;
    click(&client, Locator::Css("main button[type=submit]")).await;
    wait_for_text(&client, "You are set up").await;

    // Sign in with the keyboard only: Tab from the top of the page, type, Enter.
    client
        .goto(&format!("{base}/console/sign-in"))
        .await
        .unwrap();
    let body = client.find(Locator::Css("body")).await.unwrap();
    body.send_keys(TAB).await.unwrap(); // the skip link
    let skip = client.active_element().await.unwrap();
    assert_eq!(skip.text().await.unwrap(), "Skip to main content");
    for text in [EMAIL, PASSWORD] {
        client
            .active_element()
            .await
            .unwrap()
            .send_keys(TAB)
            .await
            .unwrap();
        client
            .active_element()
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    client
        .active_element()
        .await
        .unwrap()
        .send_keys(TAB)
        .await
        .unwrap();
    let code = totp_code_for_key(&key, now() + 30).unwrap();
    client
        .active_element()
        .await
        .unwrap()
        .send_keys(&format!("{code}{ENTER}"))
        .await
        .unwrap();
    wait_for_path(&client, "/console/queue").await;

    // The session cookie is invisible to script.
    let cookies = client
        .execute("return document.cookie", vec![])
        .await
        .unwrap();
    assert!(!cookies.as_str().unwrap().contains("wp-console"));

    // The queue: the urgent referral first although it came later.
    let links = client
        .find_all(Locator::Css("tbody tr td:first-child a"))
        .await
        .unwrap();
    let first = links[0].attr("href").await.unwrap().unwrap();
    let second = links[1].attr("href").await.unwrap().unwrap();
    assert_eq!(first, format!("/console/referrals/{urgent}"));
    assert_eq!(second, format!("/console/referrals/{plain}"));
    std::fs::write(
        screenshots_dir().join("queue.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    let violations = serious_violations(&client, &axe).await;
    assert!(violations.is_empty(), "{violations:?}");

    // Open the referral: its view is audited.
    links[0].click().await.unwrap();
    wait_for_path(&client, &format!("/console/referrals/{urgent}")).await;
    wait_for_text(&client, "safe-contact").await;
    let instruction = client
        .find(Locator::Id("safe-contact"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(instruction.contains("no voicemail"), "{instruction}");
    let audit = audit_log(h.dir.path(), &Database::DataDir, 20)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "referral_viewed" && e.referral_id.as_deref() == Some(&urgent))
    );
    std::fs::write(
        screenshots_dir().join("referral.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    let violations = serious_violations(&client, &axe).await;
    assert!(violations.is_empty(), "{violations:?}");

    // A form stripped of its CSRF token is refused, and nothing is recorded.
    client
        .execute(
            "document.querySelectorAll('input[name=csrf]').forEach(i => i.value = '')",
            vec![],
        )
        .await
        .unwrap();
    click(&client, Locator::Css("label[for=r-no-answer]")).await;
    click(&client, Locator::XPath("//button[text()='Record attempt']")).await;
    wait_for_text(&client, "Not allowed").await;
    let history: Vec<StatusEntry> = h.status(&urgent, &h.token).await.json().await.unwrap();
    assert_eq!(history.len(), 1);

    // Record a contact: the officer's device reads the status.
    client
        .goto(&format!("{base}/console/referrals/{urgent}"))
        .await
        .unwrap();
    click(&client, Locator::Css("label[for=r-reached]")).await;
    click(&client, Locator::XPath("//button[text()='Record attempt']")).await;
    wait_for_text(&client, "contact reached by").await;
    let history: Vec<StatusEntry> = h.status(&urgent, &h.token).await.json().await.unwrap();
    assert_eq!(
        history.last().unwrap().status,
        ReferralStatus::VictimContacted
    );

    // Information that followed from the officer's device shows with its referral.
    let (followed, _) = h.sent_referral().await;
    let addendum = new_id();
    let doc = information(
        &followed,
        &addendum,
        serde_json::json!({"incident.crime_reference": "CR/0012345/26"}),
    );
    assert_eq!(
        h.add(&followed, &addendum, &doc).await.status(),
        StatusCode::CREATED
    );
    client
        .goto(&format!("{base}/console/referrals/{followed}"))
        .await
        .unwrap();
    wait_for_text(&client, "added-list").await;
    let added = client
        .find(Locator::Id("added-list"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        added.contains("Crime reference") && added.contains("CR/0012345/26"),
        "{added}"
    );
    std::fs::write(
        screenshots_dir().join("referral-added-information.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    let violations = serious_violations(&client, &axe).await;
    assert!(violations.is_empty(), "{violations:?}");

    // Left idle, the session ends: the next page is the sign-in page.
    tokio::time::sleep(IDLE + Duration::from_secs(1)).await;
    client.goto(&format!("{base}/console/queue")).await.unwrap();
    wait_for_path(&client, "/console/sign-in").await;
    client.close().await.unwrap();
}
