//! The console's pages and form handlers. Each handler checks the session (and on a POST, the
//! CSRF token) before anything else, writes the audit entry before answering, and answers HTML.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::ConsoleState;
use super::auth::{self, sha256};
use super::clock;
use super::queue::{self, FLAG_NAMES};
use super::sessions::{self, PRE_COOKIE, SESSION_COOKIE, Session};
use super::view::{self, Group, Row};
use crate::routes::ClientAddr;
use crate::status::ReferralStatus;

/// Why a page cannot be shown. Messages are fixed texts, never a value from the request.
pub(crate) enum Fail {
    Internal,
    Forbidden(&'static str),
    NotFound,
    SignIn,
}

impl From<crate::error::ServerError> for Fail {
    fn from(_: crate::error::ServerError) -> Fail {
        Fail::Internal
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        let (status, heading, text) = match self {
            Fail::SignIn => return Redirect::to("/console/sign-in").into_response(),
            Fail::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The console could not do this. Try again; if it keeps failing, tell the operator.",
            ),
            Fail::Forbidden(why) => (StatusCode::FORBIDDEN, "Not allowed", why),
            Fail::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing here. Go back to the queue.",
            ),
        };
        let page = Message {
            signed_in: None,
            heading,
            text,
            link: Some(("/console/queue", "Back to the queue")),
        };
        (status, html(&page)).into_response()
    }
}

type Page = Result<Response, Fail>;

fn html<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(body) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(Template)]
#[template(path = "console/message.html")]
struct Message<'a> {
    signed_in: Option<String>,
    heading: &'a str,
    text: &'a str,
    link: Option<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignIn {
    signed_in: Option<String>,
    csrf: String,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "console/enrol.html")]
struct Enrol {
    signed_in: Option<String>,
    csrf: String,
    token: String,
    secret: String,
    uri: String,
    min_chars: usize,
    error: Option<String>,
}

struct QueueLine {
    referral_id: String,
    reference: String,
    urgency: i64,
    flags: String,
    received: String,
    time_left: String,
    overdue: bool,
    status: String,
    advisor: String,
}

#[derive(Template)]
#[template(path = "console/queue.html")]
struct QueuePage {
    signed_in: Option<String>,
    zone: &'static str,
    me: String,
    supervisor: bool,
    target_hours: i64,
    filter: String,
    filters: Vec<(&'static str, &'static str)>,
    rows: Vec<QueueLine>,
    total: usize,
    page: usize,
    pages: usize,
}

#[derive(Template)]
#[template(path = "console/referral.html")]
struct ReferralPage {
    signed_in: Option<String>,
    zone: &'static str,
    csrf: String,
    referral_id: String,
    reference: String,
    instruction: String,
    time_left: String,
    status: String,
    advisor: String,
    to_follow: Vec<Row>,
    /// Information that followed (one group per addendum).
    added: Vec<Group>,
    groups: Vec<Group>,
    events: Vec<String>,
    /// Advisors a supervisor may assign the referral to (empty for advisors).
    advisors: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/summary.html")]
struct SummaryPage {
    signed_in: Option<String>,
    zone: &'static str,
    referral_id: String,
    reference: String,
    printed_at: String,
    advisor: String,
    parts: Vec<super::summary::Part>,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    signed_in: Option<String>,
    zone: &'static str,
    workload: Vec<(String, String, usize, &'static str)>,
    entries: Vec<(String, String, String, String)>,
}

/// The session, or a redirect to the sign-in page.
async fn signed_in(console: &ConsoleState, headers: &HeaderMap) -> Result<Session, Fail> {
    sessions::current(console, headers)
        .await?
        .ok_or(Fail::SignIn)
}

/// A POST's session with its CSRF token checked.
async fn signed_in_post(
    console: &ConsoleState,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<Session, Fail> {
    let session = signed_in(console, headers).await?;
    if !sessions::same_token(&session.csrf, csrf) {
        console
            .store
            .audit_add(Some(session.advisor_id.clone()), "csrf_refused", None)
            .await?;
        return Err(Fail::Forbidden(
            "This form is out of date or did not come from the console. Go back, reload the page and try again.",
        ));
    }
    Ok(session)
}

pub(crate) async fn home(State(console): State<ConsoleState>, headers: HeaderMap) -> Page {
    Ok(match sessions::current(&console, &headers).await? {
        Some(_) => Redirect::to("/console/queue").into_response(),
        None => Redirect::to("/console/sign-in").into_response(),
    })
}

pub(crate) async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../templates/console/console.css"),
    )
        .into_response()
}

/// A page with a fresh pre-session cookie whose value is also the form's CSRF token.
fn with_pre_cookie(mut response: Response, token: &str) -> Response {
    response
        .headers_mut()
        .append(header::SET_COOKIE, sessions::set_cookie(PRE_COOKIE, token));
    response
}

fn pre_token_ok(headers: &HeaderMap, csrf: &str) -> bool {
    sessions::cookie(headers, PRE_COOKIE).is_some_and(|c| sessions::same_token(&c, csrf))
}

pub(crate) async fn sign_in_form() -> Page {
    let csrf = sessions::new_token()?;
    let page = html(&SignIn {
        signed_in: None,
        csrf: csrf.clone(),
        error: None,
    });
    Ok(with_pre_cookie(page, &csrf))
}

#[derive(Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

const SIGN_IN_FAILED: &str = "Sign-in failed: check your email, password and code. After 5 failures in a row the account is locked for 15 minutes.";

pub(crate) async fn sign_in(
    State(console): State<ConsoleState>,
    client: Option<axum::Extension<ClientAddr>>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Page {
    if !pre_token_ok(&headers, &form.csrf) {
        return Err(Fail::Forbidden(
            "This form is out of date or did not come from the console. Reload the sign-in page and try again.",
        ));
    }
    let again = |status: StatusCode, error: &'static str| -> Page {
        let csrf = sessions::new_token()?;
        let page = html(&SignIn {
            signed_in: None,
            csrf: csrf.clone(),
            error: Some(error),
        });
        Ok(with_pre_cookie((status, page).into_response(), &csrf))
    };
    if let Some(axum::Extension(ClientAddr(addr))) = client
        && !console.sign_in_allowed(addr.ip()).await?
    {
        console
            .store
            .audit_add(None, "sign_in_rate_limited", None)
            .await?;
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-in attempts from this network. Wait a minute and try again.",
        );
    }
    let account = console
        .store
        .account_by_email(auth::email_lookup_key(&form.email))
        .await?;
    let Some(account) = account.filter(|a| !a.revoked && a.password_hash.is_some()) else {
        // Same work as a wrong password, so timing does not tell which emails exist.
        auth::verify_password(form.password, auth::DUMMY_HASH.to_string()).await;
        console
            .store
            .audit_add(None, "sign_in_failed", None)
            .await?;
        return again(StatusCode::UNAUTHORIZED, SIGN_IN_FAILED);
    };
    if account.locked_until.is_some_and(|until| until > Utc::now()) {
        console
            .store
            .audit_add(Some(account.id), "sign_in_locked", None)
            .await?;
        return again(StatusCode::UNAUTHORIZED, SIGN_IN_FAILED);
    }
    let password_ok = auth::verify_password(
        form.password,
        account.password_hash.clone().unwrap_or_default(),
    )
    .await;
    let step = match &account.totp_secret {
        Some(sealed) => {
            let secret = auth::open_totp(&console.data_key, &account.id, sealed)?;
            auth::totp_step(&secret, &form.code, Utc::now().timestamp().max(0) as u64)
        }
        None => None,
    };
    let step = step.filter(|s| *s > account.totp_last_step);
    let (true, Some(step)) = (password_ok, step) else {
        console
            .store
            .sign_in_failed(
                account.id.clone(),
                console.settings.lockout_after,
                console.settings.lockout_for,
            )
            .await?;
        console
            .store
            .audit_add(Some(account.id), "sign_in_failed", None)
            .await?;
        return again(StatusCode::UNAUTHORIZED, SIGN_IN_FAILED);
    };
    let token = sessions::new_token()?;
    let csrf = sessions::new_token()?;
    if !console
        .store
        .sign_in_succeeded(account.id.clone(), step, sha256(token.as_bytes()), csrf)
        .await?
    {
        return again(StatusCode::UNAUTHORIZED, SIGN_IN_FAILED);
    }
    console
        .store
        .audit_add(Some(account.id), "sign_in", None)
        .await?;
    let mut response = Redirect::to("/console/queue").into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        sessions::set_cookie(SESSION_COOKIE, &token),
    );
    headers.append(header::SET_COOKIE, sessions::clear_cookie(PRE_COOKIE));
    Ok(response)
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub(crate) async fn sign_out(
    State(console): State<ConsoleState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Page {
    let session = signed_in_post(&console, &headers, &form.csrf).await?;
    sessions::end(&console, &session).await?;
    console
        .store
        .audit_add(Some(session.advisor_id), "sign_out", None)
        .await?;
    let mut response = Redirect::to("/console/sign-in").into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    response
        .headers_mut()
        .append(header::SET_COOKIE, sessions::clear_cookie(SESSION_COOKIE));
    Ok(response)
}

fn link_not_valid() -> Response {
    (
        StatusCode::NOT_FOUND,
        html(&Message {
            signed_in: None,
            heading: "This link does not work",
            text: "The enrolment link is not valid, was used already, or has expired. Ask your operator for a new one.",
            link: None,
        }),
    )
        .into_response()
}

async fn enrol_page(
    console: &ConsoleState,
    token: &str,
    error: Option<String>,
    status: StatusCode,
) -> Page {
    let Some(account) = console.store.enrolment(sha256(token.as_bytes())).await? else {
        return Ok(link_not_valid());
    };
    let secret = match &account.totp_secret {
        Some(sealed) => auth::open_totp(&console.data_key, &account.id, sealed)?,
        None => {
            let secret = auth::new_totp_secret()?;
            let sealed = auth::seal_totp(&console.data_key, &account.id, &secret);
            console
                .store
                .set_totp_secret(account.id.clone(), sealed)
                .await?;
            secret
        }
    };
    let csrf = sessions::new_token()?;
    let page = html(&Enrol {
        signed_in: None,
        csrf: csrf.clone(),
        token: token.to_string(),
        secret: auth::totp_base32(&secret),
        uri: auth::totp_uri(&secret, &account.id),
        min_chars: auth::MIN_PASSWORD_CHARS,
        error,
    });
    Ok(with_pre_cookie((status, page).into_response(), &csrf))
}

pub(crate) async fn enrol_form(
    State(console): State<ConsoleState>,
    Path(token): Path<String>,
) -> Page {
    enrol_page(&console, &token, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub(crate) struct EnrolForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
    #[serde(default)]
    code: String,
}

pub(crate) async fn enrol(
    State(console): State<ConsoleState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<EnrolForm>,
) -> Page {
    if !pre_token_ok(&headers, &form.csrf) {
        return Err(Fail::Forbidden(
            "This form is out of date or did not come from the console. Open the link again.",
        ));
    }
    let Some(account) = console.store.enrolment(sha256(token.as_bytes())).await? else {
        return Ok(link_not_valid());
    };
    let refuse = |why: String| {
        enrol_page(
            &console,
            &token,
            Some(why),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    if let Some(problem) = auth::password_problem(&form.password) {
        return refuse(format!("Password: {problem}")).await;
    }
    if form.password != form.password2 {
        return refuse("Password: the two passwords are not the same.".into()).await;
    }
    let Some(sealed) = account.totp_secret.as_ref() else {
        return refuse("Code: reload the page to see your key.".into()).await;
    };
    let secret = auth::open_totp(&console.data_key, &account.id, sealed)?;
    let Some(step) = auth::totp_step(&secret, &form.code, Utc::now().timestamp().max(0) as u64)
    else {
        return refuse(
            "Code: that code is not right. Check the key in your app and the time on your phone, then type the current 6-digit code.".into(),
        )
        .await;
    };
    let hash = auth::hash_password(form.password).await?;
    console
        .store
        .finish_enrolment(account.id.clone(), hash, step)
        .await?;
    console
        .store
        .audit_add(Some(account.id), "enrolled", None)
        .await?;
    Ok(html(&Message {
        signed_in: None,
        heading: "You are set up",
        text: "Your password and authenticator are set. Sign in with your email, password and a new code.",
        link: Some(("/console/sign-in", "Sign in")),
    }))
}

/// Gives every referral the console has not seen yet its triage row (opening each once).
async fn triage_new(console: &ConsoleState) -> Result<(), Fail> {
    let ids = console.store.untriaged().await?;
    if ids.is_empty() {
        return Ok(());
    }
    let receipts: BTreeMap<String, chrono::DateTime<Utc>> = console
        .storage
        .receipts()
        .await?
        .into_iter()
        .map(|r| (r.referral_id, r.received_at))
        .collect();
    let mut triaged = Vec::new();
    for id in ids {
        let json = console
            .storage
            .read_referral(&console.data_key, &id)
            .await?;
        let value: serde_json::Value = serde_json::from_str(&json).map_err(|_| Fail::Internal)?;
        let received = receipts.get(&id).copied().unwrap_or_else(Utc::now);
        let (urgency, flags, to_follow) = queue::triage(&value, received);
        triaged.push((id, urgency, flags, to_follow));
    }
    console.store.put_triage(triaged).await?;
    Ok(())
}

const FILTERS: [(&str, &str); 7] = [
    ("open", "All open"),
    ("mine", "Mine"),
    ("unassigned", "Unassigned"),
    ("overdue", "Overdue"),
    ("to_follow", "To follow"),
    ("withdrawn", "Consent withdrawn"),
    ("closed", "Closed"),
];

#[derive(Deserialize)]
pub(crate) struct QueueQuery {
    filter: Option<String>,
    page: Option<usize>,
}

/// Referrals shown per page of the queue.
const PAGE_SIZE: usize = 50;

pub(crate) async fn queue(
    State(console): State<ConsoleState>,
    headers: HeaderMap,
    Query(query): Query<QueueQuery>,
) -> Page {
    let session = signed_in(&console, &headers).await?;
    let zone = console.settings.time_zone;
    triage_new(&console).await?;
    let filter = query
        .filter
        .filter(|f| FILTERS.iter().any(|(k, _)| k == f))
        .unwrap_or_else(|| "open".to_string());
    let now = Utc::now();
    let target = console.settings.first_contact_target;
    // Filter every row (cheap), then describe only the page's rows (times in the zone, flag
    // names), so a long queue costs its query and one page of text.
    let overdue = |row: &super::store::QueueRow| {
        !row.contacted
            && !row.withdrawn
            && row.last_status != "closed"
            && queue::time_left(row.received_at, target, now) < chrono::Duration::zero()
    };
    let rows: Vec<super::store::QueueRow> = console
        .store
        .queue()
        .await?
        .into_iter()
        .filter(|row| {
            // A withdrawn referral is worked no more: it leaves the open queue.
            let closed = row.last_status == "closed" || row.withdrawn;
            match filter.as_str() {
                "withdrawn" => row.withdrawn,
                "closed" => closed,
                _ if closed => false,
                "mine" => row.assigned_to.as_deref() == Some(&session.advisor_id),
                "unassigned" => row.assigned_to.is_none(),
                "overdue" => overdue(row),
                "to_follow" => row.to_follow > 0,
                _ => true,
            }
        })
        .collect();
    let total = rows.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let rows = rows
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|row| QueueLine {
            flags: FLAG_NAMES
                .iter()
                .filter(|(bit, _)| row.flags & bit != 0)
                .map(|(_, name)| *name)
                .collect::<Vec<_>>()
                .join(", "),
            time_left: if row.contacted {
                "contacted".to_string()
            } else {
                queue::describe_time_left(queue::time_left(row.received_at, target, now))
            },
            overdue: overdue(&row),
            received: clock::short(zone, row.received_at),
            status: row.last_status.replace('_', " "),
            advisor: row.assigned_to.unwrap_or_else(|| "unassigned".to_string()),
            urgency: row.urgency,
            reference: row.service_reference,
            referral_id: row.referral_id,
        })
        .collect();
    Ok(html(&QueuePage {
        signed_in: Some(session.csrf.clone()),
        zone: zone.name(),
        supervisor: session.is_supervisor(),
        me: session.advisor_id,
        target_hours: target.num_hours(),
        filter,
        filters: FILTERS.to_vec(),
        rows,
        total,
        page,
        pages,
    }))
}

fn valid_referral_id(id: &str) -> bool {
    id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub(crate) async fn referral(
    State(console): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Page {
    let session = signed_in(&console, &headers).await?;
    let zone = console.settings.time_zone;
    if !valid_referral_id(&id) {
        return Err(Fail::NotFound);
    }
    triage_new(&console).await?;
    let Some(case) = console.store.case(id.clone()).await? else {
        return Err(Fail::NotFound);
    };
    if console.store.content_deleted(id.clone()).await? {
        return Ok(html(&if case.withdrawn {
            Message {
                signed_in: Some(session.csrf),
                heading: "Consent withdrawn",
                text: "The victim withdrew consent: stop all work on this referral. Its content was deleted; its reference, times and statuses remain.",
                link: Some(("/console/queue?filter=withdrawn", "Withdrawn referrals")),
            }
        } else {
            Message {
                signed_in: Some(session.csrf),
                heading: "Content deleted",
                text: "This referral was closed and its retention period has passed: its content was deleted. Its reference, times and statuses remain.",
                link: Some(("/console/queue?filter=closed", "Closed referrals")),
            }
        }));
    }
    let json = console
        .storage
        .read_referral(&console.data_key, &id)
        .await?;
    let addenda = console.storage.read_addenda(&console.data_key, &id).await?;
    // Audited before the page leaves: a view that cannot be logged is not shown.
    console
        .store
        .audit_add(
            Some(session.advisor_id.clone()),
            "referral_viewed",
            Some(id.clone()),
        )
        .await?;
    let value: serde_json::Value = serde_json::from_str(&json).map_err(|_| Fail::Internal)?;
    let now = Utc::now();
    let left = queue::time_left(case.received_at, console.settings.first_contact_target, now);
    let events = console
        .store
        .events(id.clone())
        .await?
        .into_iter()
        .map(|(at, advisor, kind, detail)| {
            let detail = detail
                .and_then(|sealed| {
                    console
                        .data_key
                        .open(&event_aad(&id, &kind, at), &sealed)
                        .ok()
                })
                .map(|text| format!(": {}", String::from_utf8_lossy(&text)))
                .unwrap_or_default();
            format!(
                "{} {} by {advisor}{detail}",
                clock::short(zone, at),
                kind.replace(['_', ':'], " ")
            )
        })
        .collect();
    let advisors = if session.is_supervisor() {
        active_advisors(&console).await?
    } else {
        Vec::new()
    };
    Ok(html(&ReferralPage {
        signed_in: Some(session.csrf.clone()),
        zone: zone.name(),
        csrf: session.csrf,
        referral_id: id,
        reference: case.service_reference,
        instruction: view::safe_contact_instruction(&value, now, zone),
        time_left: if case.contacted {
            "contacted".to_string()
        } else {
            queue::describe_time_left(left)
        },
        status: case.last_status.replace('_', " "),
        advisor: case.assigned_to.unwrap_or_else(|| "unassigned".to_string()),
        to_follow: view::still_to_follow(&value, &addenda),
        added: view::added_information(&addenda, zone),
        groups: view::groups(&value, zone),
        events,
        advisors,
    }))
}

fn event_aad(referral_id: &str, kind: &str, at: chrono::DateTime<Utc>) -> Vec<u8> {
    weprotect_core::crypto::data_key::aad(
        "console_events",
        &format!("{referral_id}/{kind}/{}", crate::db::format_time(at)),
        "detail",
        1,
    )
}

fn back_to(id: &str) -> Response {
    let mut response = Redirect::to(&format!("/console/referrals/{id}")).into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    response
}

async fn record(
    console: &ConsoleState,
    session: &Session,
    id: &str,
    kind: &str,
    audit: &'static str,
    status: Option<ReferralStatus>,
    detail: Option<String>,
) -> Result<(), Fail> {
    let now = Utc::now();
    if let Some(status) = status {
        console.storage.add_status(id, status, now).await?;
    }
    // The event's time is the one its sealed detail is bound to (milliseconds, as stored).
    let at = crate::db::parse_time(&crate::db::format_time(now))?;
    let sealed = detail.filter(|d| !d.trim().is_empty()).map(|d| {
        console
            .data_key
            .seal(&event_aad(id, kind, at), d.trim().as_bytes())
    });
    console
        .store
        .add_event_at(
            id.to_string(),
            session.advisor_id.clone(),
            kind.to_string(),
            at,
            sealed,
        )
        .await?;
    console
        .store
        .audit_add(
            Some(session.advisor_id.clone()),
            audit,
            Some(id.to_string()),
        )
        .await?;
    Ok(())
}

pub(crate) async fn claim(
    State(console): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Page {
    let session = signed_in_post(&console, &headers, &form.csrf).await?;
    if !valid_referral_id(&id)
        || !console
            .store
            .assign(id.clone(), session.advisor_id.clone())
            .await?
    {
        return Err(Fail::NotFound);
    }
    record(
        &console,
        &session,
        &id,
        "claimed",
        "referral_claimed",
        Some(ReferralStatus::AdvisorAssigned),
        None,
    )
    .await?;
    Ok(back_to(&id))
}

#[derive(Deserialize)]
pub(crate) struct ContactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    result: String,
}

pub(crate) async fn contact(
    State(console): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ContactForm>,
) -> Page {
    let session = signed_in_post(&console, &headers, &form.csrf).await?;
    if !valid_referral_id(&id) || console.store.case(id.clone()).await?.is_none() {
        return Err(Fail::NotFound);
    }
    let (kind, audit, status) = match form.result.as_str() {
        "reached" => (
            "contact:reached",
            "contact_recorded",
            ReferralStatus::VictimContacted,
        ),
        "no_answer" => (
            "contact:no_answer",
            "contact_recorded",
            ReferralStatus::CouldNotContact,
        ),
        "not_safe" => (
            "contact:not_safe",
            "contact_recorded",
            ReferralStatus::CouldNotContact,
        ),
        "wrong_number" => (
            "contact:wrong_number",
            "contact_recorded",
            ReferralStatus::CouldNotContact,
        ),
        _ => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                html(&Message {
                    signed_in: Some(session.csrf),
                    heading: "Choose what happened",
                    text: "Result: choose one of reached, no answer, not safe to talk or wrong number.",
                    link: None,
                }),
            )
                .into_response());
        }
    };
    record(&console, &session, &id, kind, audit, Some(status), None).await?;
    Ok(back_to(&id))
}

#[derive(Deserialize)]
pub(crate) struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    detail: String,
}

/// Longest note or reason kept.
const MAX_DETAIL_CHARS: usize = 4000;

pub(crate) async fn action(
    State(console): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Page {
    let session = signed_in_post(&console, &headers, &form.csrf).await?;
    if !valid_referral_id(&id) || console.store.case(id.clone()).await?.is_none() {
        return Err(Fail::NotFound);
    }
    let refuse = |text: &'static str| -> Page {
        Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            html(&Message {
                signed_in: Some(session.csrf.clone()),
                heading: "This action was not recorded",
                text,
                link: None,
            }),
        )
            .into_response())
    };
    if form.detail.chars().count() > MAX_DETAIL_CHARS {
        return refuse("Detail: use at most 4000 characters.");
    }
    let (kind, status) = match form.kind.as_str() {
        "legal_aid_applied" => ("legal_aid_applied", Some(ReferralStatus::LegalAidApplied)),
        "order_applied" => ("order_applied", Some(ReferralStatus::OrderApplied)),
        "order_granted" => ("order_granted", Some(ReferralStatus::OrderGranted)),
        "closed" => ("closed", Some(ReferralStatus::Closed)),
        "consent_withdrawn" => ("consent_withdrawn", None),
        "note" => ("note", None),
        _ => return refuse("Other action: choose one from the list."),
    };
    if matches!(kind, "closed" | "note") && form.detail.trim().is_empty() {
        return refuse("Detail: a closure needs its reason, and a note its text.");
    }
    if kind == "consent_withdrawn" {
        // The victim withdrew consent: the same withdrawal as one sent from the officer's
        // device, through the same deletion path (content and addenda deleted now, the
        // referral marked withdrawn, the status `consent_withdrawn` the device reads). Its
        // detail is not kept: it would be deleted with the rest.
        let (_, scrub) = console.storage.withdraw_consent(&id).await?;
        if let crate::storage::Scrub::Deferred(why) = scrub {
            console.log.warn(format!(
                "referral={id}: content deleted (consent withdrawn in the console); scrubbing its old bytes deferred: {why}"
            ));
        }
        record(&console, &session, &id, kind, "action_recorded", None, None).await?;
        return Ok(back_to(&id));
    }
    record(
        &console,
        &session,
        &id,
        kind,
        "action_recorded",
        status,
        Some(form.detail),
    )
    .await?;
    Ok(back_to(&id))
}

pub(crate) async fn audit_log(State(console): State<ConsoleState>, headers: HeaderMap) -> Page {
    let session = signed_in(&console, &headers).await?;
    let zone = console.settings.time_zone;
    if !session.is_supervisor() {
        return Err(Fail::Forbidden("Only supervisors see the audit log."));
    }
    console
        .store
        .audit_add(Some(session.advisor_id.clone()), "audit_viewed", None)
        .await?;
    let queue = console.store.queue().await?;
    let workload = console
        .store
        .advisors()
        .await?
        .into_iter()
        .map(|a| {
            let open = queue
                .iter()
                .filter(|r| {
                    r.assigned_to.as_deref() == Some(&a.id)
                        && r.last_status != "closed"
                        && !r.withdrawn
                })
                .count();
            let state = if a.revoked {
                "revoked"
            } else if a.enrolled {
                "active"
            } else {
                "not enrolled yet"
            };
            (a.id, a.role, open, state)
        })
        .collect();
    let entries = console
        .store
        .audit(200)
        .await?
        .into_iter()
        .map(|e| {
            (
                clock::precise(zone, e.at),
                e.advisor_id.unwrap_or_default(),
                e.action,
                e.referral_id.unwrap_or_default(),
            )
        })
        .collect();
    let _ = HeaderValue::from_static("");
    Ok(html(&AuditPage {
        signed_in: Some(session.csrf),
        zone: zone.name(),
        workload,
        entries,
    }))
}

pub(crate) async fn summary(
    State(console): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Page {
    let session = signed_in(&console, &headers).await?;
    let zone = console.settings.time_zone;
    if !valid_referral_id(&id) {
        return Err(Fail::NotFound);
    }
    let Some(case) = console.store.case(id.clone()).await? else {
        return Err(Fail::NotFound);
    };
    if console.store.content_deleted(id.clone()).await? {
        return Err(Fail::NotFound);
    }
    let json = console
        .storage
        .read_referral(&console.data_key, &id)
        .await?;
    console
        .store
        .audit_add(
            Some(session.advisor_id.clone()),
            "summary_printed",
            Some(id.clone()),
        )
        .await?;
    let value: serde_json::Value = serde_json::from_str(&json).map_err(|_| Fail::Internal)?;
    let orders: Vec<String> = console
        .store
        .events(id.clone())
        .await?
        .into_iter()
        .filter(|(_, _, kind, _)| kind.starts_with("order_"))
        .map(|(at, _, kind, detail)| {
            let detail = detail
                .and_then(|sealed| {
                    console
                        .data_key
                        .open(&event_aad(&id, &kind, at), &sealed)
                        .ok()
                })
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .unwrap_or_default();
            format!(
                "{} {detail} ({})",
                kind.replace('_', " "),
                at.with_timezone(&zone).format("%-d %b %Y")
            )
        })
        .collect();
    let now = Utc::now();
    Ok(html(&SummaryPage {
        signed_in: Some(session.csrf),
        referral_id: id,
        reference: case.service_reference,
        printed_at: clock::long(zone, now),
        zone: zone.name(),
        advisor: session.advisor_id,
        parts: super::summary::parts(&value, &orders, now, zone),
    }))
}

/// Ids of enrolled, unrevoked advisors and supervisors.
async fn active_advisors(console: &ConsoleState) -> Result<Vec<String>, Fail> {
    Ok(console
        .store
        .advisors()
        .await?
        .into_iter()
        .filter(|a| a.enrolled && !a.revoked)
        .map(|a| a.id)
        .collect())
}

#[derive(Deserialize)]
pub(crate) struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    advisor: String,
}

/// A supervisor assigns a referral to an advisor.
pub(crate) async fn assign(
    State(console): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> Page {
    let session = signed_in_post(&console, &headers, &form.csrf).await?;
    if !session.is_supervisor() {
        return Err(Fail::Forbidden(
            "Only supervisors assign referrals to others.",
        ));
    }
    if !active_advisors(&console).await?.contains(&form.advisor) {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            html(&Message {
                signed_in: Some(session.csrf),
                heading: "Not assigned",
                text: "Advisor: choose an enrolled advisor from the list.",
                link: None,
            }),
        )
            .into_response());
    }
    if !valid_referral_id(&id)
        || !console
            .store
            .assign(id.clone(), form.advisor.clone())
            .await?
    {
        return Err(Fail::NotFound);
    }
    record(
        &console,
        &session,
        &id,
        "assigned",
        "referral_assigned",
        Some(ReferralStatus::AdvisorAssigned),
        Some(format!("to {}", form.advisor)),
    )
    .await?;
    Ok(back_to(&id))
}
