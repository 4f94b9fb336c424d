//! The printable summary, laid out in the order of a non-molestation order application (FL401):
//! applicant, respondent, relationship, children, orders sought, why without notice.
//!
//! It is built from the referral at print time, like the referral page, and the print is
//! audited. A confidential address is not printed: FL401 asks for it on form C8, kept from the
//! respondent. The "without notice" part lists the facts from the referral that bear on the
//! test in the Family Law Act 1996 s45(2); the solicitor writes the statement.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::view::Row;

/// One part of the summary.
pub(crate) struct Part {
    pub title: &'static str,
    pub rows: Vec<Row>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.replace('_', " ")),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_string()),
        _ => None,
    }
}

fn row(rows: &mut Vec<Row>, label: &str, value: Option<String>) {
    rows.push(Row {
        label: label.to_string(),
        value: value.unwrap_or_else(|| "not given".to_string()),
    });
}

fn name(person: &Value) -> Option<String> {
    let joined = [&person["forename"], &person["surname"]]
        .iter()
        .filter_map(|v| text(v))
        .collect::<Vec<_>>()
        .join(" ");
    if joined.is_empty() {
        text(&person["name"])
    } else {
        Some(joined)
    }
}

fn address(a: &Value) -> Option<String> {
    let parts: Vec<String> = ["line1", "line2", "town", "postcode"]
        .iter()
        .filter_map(|k| text(&a[*k]))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The summary's parts in FL401 order. `orders` are the orders recorded in the console.
pub(crate) fn parts(
    referral: &Value,
    orders: &[String],
    now: DateTime<Utc>,
    zone: chrono_tz::Tz,
) -> Vec<Part> {
    let victim = &referral["victim"];
    let perpetrator = &referral["perpetrator"];
    let mut applicant = Vec::new();
    row(&mut applicant, "Name", name(victim));
    row(
        &mut applicant,
        "Date of birth",
        text(&victim["date_of_birth"]),
    );
    let confidential = victim["address_confidential"] == true;
    row(
        &mut applicant,
        "Address",
        if confidential {
            Some("CONFIDENTIAL: give it on form C8 only, never on the application".to_string())
        } else {
            address(&victim["address"])
        },
    );
    row(
        &mut applicant,
        "Safe phone",
        text(&referral["safe_contact"]["phone"]),
    );

    let mut respondent = Vec::new();
    row(&mut respondent, "Name", name(perpetrator));
    row(
        &mut respondent,
        "Date of birth (helps police match the order)",
        text(&perpetrator["date_of_birth"]).or_else(|| {
            text(&perpetrator["approximate_age"]).map(|a| format!("about {a} years old"))
        }),
    );
    row(&mut respondent, "Address", address(&perpetrator["address"]));
    row(
        &mut respondent,
        "Custody",
        text(&perpetrator["custody"]["status"]),
    );
    row(
        &mut respondent,
        "Bail conditions",
        text(&perpetrator["custody"]["bail_conditions"]),
    );

    let mut relationship = Vec::new();
    row(
        &mut relationship,
        "Respondent is the applicant's",
        text(&perpetrator["relationship_to_victim"]),
    );
    row(
        &mut relationship,
        "Lives with the applicant",
        text(&perpetrator["lives_with_victim"]),
    );
    row(
        &mut relationship,
        "Applicant's housing",
        text(&victim["housing_tenure"]),
    );

    let mut children = Vec::new();
    for (i, child) in referral["children"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let age = text(&child["date_of_birth"])
            .or_else(|| text(&child["approximate_age"]).map(|a| format!("about {a}")));
        row(
            &mut children,
            &format!("Child {}", i + 1),
            Some(format!(
                "{} ({}); to the respondent: {}",
                name(child).unwrap_or_else(|| "name not given".into()),
                age.unwrap_or_else(|| "age not given".into()),
                text(&child["relationship_to_perpetrator"]).unwrap_or_else(|| "not given".into())
            )),
        );
    }
    if children.is_empty() {
        row(
            &mut children,
            "Children",
            Some("none in the referral".into()),
        );
    }

    let mut sought = Vec::new();
    for order in orders {
        row(&mut sought, "Recorded by the service", Some(order.clone()));
    }
    for existing in referral["incident"]["existing_orders"]
        .as_array()
        .into_iter()
        .flatten()
    {
        row(
            &mut sought,
            "Existing order",
            Some(format!(
                "{} (expires {})",
                text(&existing["order_type"]).unwrap_or_default(),
                text(&existing["expires_on"]).unwrap_or_else(|| "not given".into())
            )),
        );
    }
    if sought.is_empty() {
        row(&mut sought, "Orders", Some("none recorded yet".into()));
    }

    let mut without_notice = Vec::new();
    let flags = &referral["risk"]["flags"];
    for (key, label) in [
        ("non_fatal_strangulation", "Non-fatal strangulation"),
        ("threats_to_kill", "Threats to kill"),
        ("stalking", "Stalking"),
        ("weapons", "Weapons"),
    ] {
        if flags[key] == "yes" {
            row(
                &mut without_notice,
                "Risk of significant harm",
                Some(label.to_string()),
            );
        }
    }
    if let Some(level) = text(&referral["risk"]["officer_level"]) {
        row(&mut without_notice, "Officer's risk level", Some(level));
    }
    if let Some(at) = referral["incident"]["occurred_at"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
    {
        let days = (now - at.with_timezone(&Utc)).num_days();
        row(
            &mut without_notice,
            "Latest incident",
            Some(format!(
                "{days} day(s) ago (an emergency application usually needs one within 10 days)"
            )),
        );
    }
    if let Some(released) = text(&perpetrator["custody"]["released_at"]) {
        let local = super::clock::from_rfc3339(zone, &released).unwrap_or(released);
        row(&mut without_notice, "Respondent released", Some(local));
    }
    row(
        &mut without_notice,
        "Deterred or prevented, or respondent evading service",
        Some("ask the applicant (FLA 1996 s45(2)(b) and (c))".into()),
    );

    vec![
        Part {
            title: "1. Applicant",
            rows: applicant,
        },
        Part {
            title: "2. Respondent",
            rows: respondent,
        },
        Part {
            title: "3. Relationship",
            rows: relationship,
        },
        Part {
            title: "4. Children",
            rows: children,
        },
        Part {
            title: "5. Orders sought",
            rows: sought,
        },
        Part {
            title: "6. Why without notice",
            rows: without_notice,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_follows_the_fl401_order_and_withholds_a_confidential_address() {
        let referral: Value =
            serde_json::from_str(weprotect_core::example::EXAMPLE_REFERRAL_JSON).unwrap();
        let parts = parts(
            &referral,
            &["non-molestation order applied".into()],
            Utc::now(),
            crate::console::DEFAULT_TIME_ZONE,
        );
        let titles: Vec<_> = parts.iter().map(|p| p.title).collect();
        assert_eq!(
            titles,
            [
                "1. Applicant",
                "2. Respondent",
                "3. Relationship",
                "4. Children",
                "5. Orders sought",
                "6. Why without notice"
            ]
        );
        assert!(
            parts[0]
                .rows
                .iter()
                .any(|r| r.value.contains("Example Street"))
        );
        assert!(
            parts[5]
                .rows
                .iter()
                .any(|r| r.value == "Non-fatal strangulation")
        );

        let mut confidential = referral.clone();
        confidential["victim"]["address_confidential"] = Value::Bool(true);
        let parts = super::parts(
            &confidential,
            &[],
            Utc::now(),
            crate::console::DEFAULT_TIME_ZONE,
        );
        assert!(
            parts[0]
                .rows
                .iter()
                .all(|r| !r.value.contains("Example Street"))
        );
        assert!(
            parts[0]
                .rows
                .iter()
                .any(|r| r.value.starts_with("CONFIDENTIAL"))
        );
    }
}
