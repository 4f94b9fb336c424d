//! A referral as an advisor reads it: opened on the server at view time, grouped as the form
//! is, with the safe-contact instruction on top.
//!
//! The groups are built from the referral's JSON in the order of the form (and of the case
//! summary in CONSOLE.md: safety first), each field as a label and a value; nothing is kept
//! after the page is rendered. A confidential address is marked as such wherever it shows.

use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc, Weekday};
use serde_json::Value;

/// One group of the form, with its rows.
pub(crate) struct Group {
    pub title: &'static str,
    pub rows: Vec<Row>,
    /// Shown above the rows (e.g. "Confidential address: never share").
    pub warning: Option<&'static str>,
}

/// One field: its label and value as text.
pub(crate) struct Row {
    pub label: String,
    pub value: String,
}

/// The groups in the form's order: (JSON key, title).
const GROUPS: [(&str, &str); 9] = [
    ("safe_contact", "Safe contact"),
    ("victim", "Victim"),
    ("perpetrator", "Perpetrator"),
    ("children", "Children"),
    ("childrens_social_care", "Children's social care"),
    ("incident", "Incident"),
    ("risk", "Risk"),
    ("consent", "Consent"),
    ("referrer", "Referring officer"),
];

pub(crate) fn groups(referral: &Value) -> Vec<Group> {
    let confidential = referral["victim"]["address_confidential"] == true;
    GROUPS
        .iter()
        .filter_map(|(key, title)| {
            let value = referral.get(*key)?;
            let mut rows = Vec::new();
            flatten("", value, &mut rows);
            if rows.is_empty() {
                return None;
            }
            let warning = (*key == "victim" && confidential).then_some(
                "CONFIDENTIAL ADDRESS: never share the address, not even with the referrer.",
            );
            if *key == "victim" && confidential {
                for row in rows.iter_mut().filter(|r| r.label.starts_with("address")) {
                    row.label = format!("{} (confidential)", row.label);
                }
            }
            Some(Group {
                title,
                rows,
                warning,
            })
        })
        .collect()
}

/// The items the officer marked to follow: (field path, reason).
pub(crate) fn to_follow(referral: &Value) -> Vec<Row> {
    referral["to_follow"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| Row {
                    label: item["path"].as_str().unwrap_or("(field)").replace('_', " "),
                    value: item["reason"]
                        .as_str()
                        .or(item["note"].as_str())
                        .unwrap_or("to follow")
                        .to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn flatten(prefix: &str, value: &Value, rows: &mut Vec<Row>) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (key, v) in map {
                let label = if prefix.is_empty() {
                    key.replace('_', " ")
                } else {
                    format!("{prefix} {}", key.replace('_', " "))
                };
                flatten(&label, v, rows);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix} {}", i + 1), v, rows);
            }
        }
        Value::Bool(b) => rows.push(Row {
            label: prefix.trim().to_string(),
            value: if *b { "yes" } else { "no" }.to_string(),
        }),
        Value::Number(n) => rows.push(Row {
            label: prefix.trim().to_string(),
            value: n.to_string(),
        }),
        Value::String(s) => rows.push(Row {
            label: prefix.trim().to_string(),
            value: s.replace('_', " "),
        }),
    }
}

/// The instruction shown on top: "now 14:05 (UTC), outside the safe windows; no voicemail".
pub(crate) fn safe_contact_instruction(referral: &Value, now: DateTime<Utc>) -> String {
    let contact = &referral["safe_contact"];
    let time = format!("now {:02}:{:02} (UTC)", now.hour(), now.minute());
    if contact["no_safe_phone"] == true || contact["safe_to_call"] == false {
        return format!("{time}: do not call; no safe phone. Check the referral for another way.");
    }
    let windows = contact["safe_times"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let window_text = if windows.is_empty() {
        "no safe times given".to_string()
    } else if windows.iter().any(|w| in_window(w, now)) {
        "inside a safe window".to_string()
    } else {
        "outside the safe windows".to_string()
    };
    let voicemail = if contact["voicemail_safe"] == true {
        "voicemail is safe"
    } else {
        "no voicemail"
    };
    let text = if contact["text_message_safe"] == true {
        "texts are safe"
    } else {
        "no texts"
    };
    let withheld = if contact["withheld_number_acceptable"] == false {
        "; do not withhold the number"
    } else {
        ""
    };
    format!("{time}, {window_text}; {voicemail}; {text}{withheld}")
}

fn in_window(window: &Value, now: DateTime<Utc>) -> bool {
    let day_ok = match window["day"].as_str().unwrap_or("any") {
        "weekdays" => !matches!(now.weekday(), Weekday::Sat | Weekday::Sun),
        "weekends" => matches!(now.weekday(), Weekday::Sat | Weekday::Sun),
        "any" | "every_day" | "daily" => true,
        day => now.weekday().to_string().to_lowercase() == day.get(..3).unwrap_or(day),
    };
    let parse = |key: &str| {
        window[key]
            .as_str()
            .and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok())
    };
    let (Some(from), Some(to)) = (parse("from"), parse("to")) else {
        return false;
    };
    let t = now.time();
    day_ok
        && if from <= to {
            from <= t && t < to
        } else {
            // A window past midnight (22:00 to 01:00).
            t >= from || t < to
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_instruction_says_the_time_whether_it_is_a_safe_window_and_no_voicemail() {
        let referral = json!({"safe_contact": {
            "safe_to_call": true, "voicemail_safe": false, "text_message_safe": true,
            "safe_times": [{"day": "weekdays", "from": "09:00", "to": "12:00"}]}});
        // 2026-12-07 is a Monday.
        let monday_1405: DateTime<Utc> = "2026-12-07T14:05:00Z".parse().unwrap();
        assert_eq!(
            safe_contact_instruction(&referral, monday_1405),
            "now 14:05 (UTC), outside the safe windows; no voicemail; texts are safe"
        );
        let monday_1000: DateTime<Utc> = "2026-12-07T10:00:00Z".parse().unwrap();
        assert!(safe_contact_instruction(&referral, monday_1000).contains("inside a safe window"));
        let no_phone = json!({"safe_contact": {"no_safe_phone": true}});
        assert!(safe_contact_instruction(&no_phone, monday_1000).contains("do not call"));
    }

    #[test]
    fn a_confidential_address_is_marked_as_such() {
        let referral = json!({"victim": {"address_confidential": true,
                              "address": {"line1": "1 Example Street"}}});
        let groups = groups(&referral);
        let victim = &groups[0];
        assert!(victim.warning.is_some());
        assert!(
            victim
                .rows
                .iter()
                .any(|r| r.label == "address line1 (confidential)")
        );
    }
}
