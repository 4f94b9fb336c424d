//! Classifying what came back from the intake API into what the outbox should do.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::backoff::parse_retry_after;
use crate::store::{REFERRAL_CLOSED_CODES, Receipt, is_code};

/// What one attempt means for the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Delivered, with the service's receipt.
    Delivered(Receipt),
    /// Refused for good (400, 413, 422) with the service's reason code.
    Rejected(String),
    /// Try again later, not before `retry_after` if given.
    Retry {
        code: String,
        retry_after: Option<DateTime<Utc>>,
    },
    /// The token was refused (401).
    Unauthorised,
}

#[derive(Deserialize)]
struct ReceiptBody {
    #[serde(default)]
    referral_id: Option<String>,
    service_reference: String,
    received_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
}

/// A reason code from the service, if it is a plain code (never echo free text).
fn service_code(body: &[u8]) -> Option<String> {
    let code = serde_json::from_slice::<ErrorBody>(body).ok()?.code;
    is_code(&code).then_some(code)
}

/// Longest service reference the device keeps.
pub(crate) const MAX_SERVICE_REFERENCE_LEN: usize = 64;

/// Whether the service's reference has the form the device keeps in clear and shows the officer:
/// 1 to 64 ASCII letters, digits and dashes (`WP-2026-000123`). Anything else (a name, a path, a
/// long text) is a protocol error: the device does not store it, and keeps the referral queued,
/// so a corrected service's replay gives the receipt.
fn is_service_reference(reference: &str) -> bool {
    (1..=MAX_SERVICE_REFERENCE_LEN).contains(&reference.len())
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Classifies a complete response to sending `referral_id`.
pub(crate) fn classify(
    referral_id: &str,
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Outcome {
    match status {
        200..=299 => match serde_json::from_slice::<ReceiptBody>(body) {
            // A receipt for another referral is not this one's receipt.
            Ok(r)
                if r.referral_id
                    .as_deref()
                    .is_some_and(|id| !id.eq_ignore_ascii_case(referral_id)) =>
            {
                Outcome::Retry {
                    code: "receipt.mismatch".into(),
                    retry_after: None,
                }
            }
            Ok(r) if !is_service_reference(&r.service_reference) => Outcome::Retry {
                code: "receipt.invalid_reference".into(),
                retry_after: None,
            },
            Ok(r) => Outcome::Delivered(Receipt {
                service_reference: r.service_reference,
                received_at: r.received_at,
            }),
            // The service may have committed: asking again returns the same receipt.
            _ => Outcome::Retry {
                code: "receipt.unreadable".into(),
                retry_after: None,
            },
        },
        401 => Outcome::Unauthorised,
        400 | 413 | 422 => {
            Outcome::Rejected(service_code(body).unwrap_or_else(|| format!("http.{status}")))
        }
        _ => Outcome::Retry {
            code: format!("http.{status}"),
            retry_after: retry_after.and_then(|v| parse_retry_after(v, now)),
        },
    }
}

/// The answer to an addendum's post: the receipt names the addendum as well as the referral.
#[derive(Deserialize)]
struct AddendumReceiptBody {
    #[serde(default)]
    addendum_id: Option<String>,
}

/// Classifies a complete response to sending addendum `addendum_id` of `referral_id`. As a
/// referral's, except that two answers are refusals for good, because sending again cannot
/// change them: `404` with `referral.not_found` (the service holds no such referral from this
/// sender) and `409` with a code of [`REFERRAL_CLOSED_CODES`] (consent was withdrawn, or the
/// content was deleted after closure: nothing more is taken). A `404` or `409` with any other
/// body (a proxy's page, a server not yet upgraded to the addenda route) is retried: a refusal
/// drops the sealed bytes, so an information addendum would be typed again and a withdrawal
/// would not reach the service.
pub(crate) fn classify_addendum(
    addendum_id: &str,
    referral_id: &str,
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Outcome {
    let final_code = service_code(body).filter(|code| match status {
        404 => code == "referral.not_found",
        409 => REFERRAL_CLOSED_CODES.contains(&code.as_str()),
        _ => false,
    });
    if let Some(code) = final_code {
        return Outcome::Rejected(code);
    }
    if (200..=299).contains(&status)
        && serde_json::from_slice::<AddendumReceiptBody>(body)
            .ok()
            .and_then(|r| r.addendum_id)
            .is_some_and(|id| !id.eq_ignore_ascii_case(addendum_id))
    {
        // A receipt for a sibling addendum is not this one's receipt.
        return Outcome::Retry {
            code: "receipt.mismatch".into(),
            retry_after: None,
        };
    }
    classify(referral_id, status, retry_after, body, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
    }

    #[test]
    fn success_with_a_receipt_is_delivered() {
        let body = br#"{"referral_id":"r1","service_reference":"WP-1","received_at":"2026-11-28T12:00:00Z"}"#;
        assert!(
            matches!(classify("r1", 201, None, body, now()), Outcome::Delivered(r) if r.service_reference == "WP-1")
        );
        assert!(matches!(
            classify("r1", 200, None, body, now()),
            Outcome::Delivered(_)
        ));
    }

    #[test]
    fn a_reference_outside_the_strict_form_is_a_protocol_error_and_never_kept() {
        let long = "W".repeat(MAX_SERVICE_REFERENCE_LEN + 1);
        for bad in [
            "WP/2026/000123",
            "//",
            "",
            "WP 2026",
            "Jamie Testperson",
            "WP-2026-\u{e9}",
            long.as_str(),
        ] {
            let body = serde_json::json!({
                "service_reference": bad,
                "received_at": "2026-11-28T12:00:00Z",
            })
            .to_string();
            assert_eq!(
                classify("r1", 201, None, body.as_bytes(), now()),
                Outcome::Retry {
                    code: "receipt.invalid_reference".into(),
                    retry_after: None
                },
                "{bad:?}"
            );
        }
        let fine = "W".repeat(MAX_SERVICE_REFERENCE_LEN);
        let body = serde_json::json!({
            "service_reference": fine,
            "received_at": "2026-11-28T12:00:00Z",
        })
        .to_string();
        assert!(matches!(
            classify("r1", 201, None, body.as_bytes(), now()),
            Outcome::Delivered(r) if r.service_reference == fine
        ));
    }

    #[test]
    fn a_receipt_for_another_referral_is_not_taken() {
        let body = br#"{"referral_id":"r2","service_reference":"WP-1","received_at":"2026-11-28T12:00:00Z"}"#;
        assert!(
            matches!(classify("r1", 201, None, body, now()), Outcome::Retry { code, .. } if code == "receipt.mismatch")
        );
    }

    #[test]
    fn success_without_a_readable_receipt_is_retried_not_lost() {
        assert!(matches!(
            classify("r1", 201, None, b"oops", now()),
            Outcome::Retry { .. }
        ));
    }

    #[test]
    fn client_errors_that_cannot_improve_are_rejected_with_the_service_code() {
        let body = br#"{"code":"referral.invalid","message":"x"}"#;
        assert_eq!(
            classify("r1", 422, None, body, now()),
            Outcome::Rejected("referral.invalid".into())
        );
        assert_eq!(
            classify("r1", 413, None, b"", now()),
            Outcome::Rejected("http.413".into())
        );
        // Free text is never taken as a code.
        let body = br#"{"code":"Jane Doe 07700"}"#;
        assert_eq!(
            classify("r1", 400, None, body, now()),
            Outcome::Rejected("http.400".into())
        );
    }

    #[test]
    fn busy_conflict_and_server_errors_are_retried_honouring_retry_after() {
        for status in [409, 429, 500, 502, 503, 504] {
            assert!(matches!(
                classify("r1", status, None, b"", now()),
                Outcome::Retry { .. }
            ));
        }
        let Outcome::Retry { retry_after, code } = classify("r1", 503, Some("30"), b"", now())
        else {
            panic!("expected a retry")
        };
        assert_eq!(code, "http.503");
        assert_eq!(retry_after, Some(now() + chrono::Duration::seconds(30)));
    }

    #[test]
    fn unauthorised_asks_for_a_token() {
        assert_eq!(classify("r1", 401, None, b"", now()), Outcome::Unauthorised);
    }

    const ADD: &str = "0b7f4c1e-2d3a-4c5b-8e9f-0a1b2c3d4e5f";
    const REF: &str = "5d6e7f80-9a0b-4c1d-8e2f-3a4b5c6d7e8f";

    #[test]
    fn an_addendum_is_refused_for_good_only_by_the_services_own_codes() {
        for (status, body) in [
            (404, &br#"{"code":"referral.not_found"}"#[..]),
            (409, br#"{"code":"referral.withdrawn"}"#),
            (409, br#"{"code":"referral.content_deleted"}"#),
        ] {
            let code = std::str::from_utf8(&body[9..body.len() - 2]).unwrap();
            assert_eq!(
                classify_addendum(ADD, REF, status, None, body, now()),
                Outcome::Rejected(code.into())
            );
        }
    }

    #[test]
    fn a_404_or_409_that_is_not_the_services_answer_is_retried_so_nothing_typed_is_dropped() {
        for (status, body) in [
            // A proxy's page, or a server not yet upgraded to the addenda route.
            (404, &b"<html>Not Found</html>"[..]),
            (404, br#"{"code":"route.not_found"}"#),
            (409, b""),
            (409, br#"{"code":"referral.not_found"}"#),
            (404, br#"{"code":"referral.withdrawn"}"#),
        ] {
            assert!(
                matches!(
                    classify_addendum(ADD, REF, status, None, body, now()),
                    Outcome::Retry { .. }
                ),
                "{status} {:?}",
                std::str::from_utf8(body)
            );
        }
    }

    #[test]
    fn an_addendum_receipt_must_name_this_addendum_and_its_referral() {
        let receipt = |addendum: &str, referral: &str| {
            format!(
                r#"{{"addendum_id":"{addendum}","referral_id":"{referral}","service_reference":"WP-1","received_at":"2026-11-28T12:00:00Z"}}"#
            )
        };
        let ok = receipt(ADD, REF);
        assert!(matches!(
            classify_addendum(ADD, REF, 201, None, ok.as_bytes(), now()),
            Outcome::Delivered(r) if r.service_reference == "WP-1"
        ));
        let sibling = receipt("11111111-2222-4333-8444-555555555555", REF);
        let other_referral = receipt(ADD, "11111111-2222-4333-8444-555555555555");
        for body in [sibling, other_referral] {
            assert_eq!(
                classify_addendum(ADD, REF, 200, None, body.as_bytes(), now()),
                Outcome::Retry {
                    code: "receipt.mismatch".into(),
                    retry_after: None
                }
            );
        }
    }
}
