//! A referral as an advisor reads it: opened on the server at view time, grouped and ordered
//! as the officer's form is, with the safe-contact instruction on top.
//!
//! The groups and labels are the core's form definition (`weprotect_core::form`), the same
//! sections, order and words the officer saw when filling it in: a choice shows its option's
//! label ("Ex-partner", not `ex_partner`), a yes/no "Yes" or "No", a time in the service's
//! zone with the zone named, a risk answer its question. Nothing in the referral is hidden
//! because the form does not know it (a referral from a newer app, say): whatever no field
//! showed is listed at the end under its raw name. Nothing is kept after the page is rendered.
//! A confidential address is marked as such wherever it shows.

use std::sync::OnceLock;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::Value;
use weprotect_core::form::{ChoiceOption, Field, FieldKind, FormDefinition, form_definition};

use super::clock;

/// One group of the form, with its rows.
pub(crate) struct Group {
    pub title: String,
    pub rows: Vec<Row>,
    /// Shown above the rows (e.g. "Confidential address: never share").
    pub warning: Option<&'static str>,
}

/// One field: its label and value as text.
pub(crate) struct Row {
    pub label: String,
    pub value: String,
}

/// The form, built once.
fn form() -> &'static FormDefinition {
    static FORM: OnceLock<FormDefinition> = OnceLock::new();
    FORM.get_or_init(form_definition)
}

/// Parts of a referral that are not the officer's answers: not shown as fields.
const NOT_FIELDS: [&str; 2] = ["schema_version", "to_follow"];

const CONFIDENTIAL_WARNING: &str =
    "CONFIDENTIAL ADDRESS: never share the address, not even with the referrer.";

/// The value at a dotted path (`victim.address.line1`) of `value`.
fn at<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(value, |v, key| &v[key])
}

fn option_label(options: &[ChoiceOption], value: &str) -> String {
    options
        .iter()
        .find(|o| o.value == value)
        .map_or_else(|| value.replace('_', " "), |o| o.label.clone())
}

/// A field's value as the advisor reads it, or `None` when it is empty.
fn show(field: &Field, value: &Value, zone: Tz) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(if *b { "Yes" } else { "No" }.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(match &field.kind {
            FieldKind::Choice { options } | FieldKind::MultiChoice { options } => {
                option_label(options, s)
            }
            FieldKind::DateTime => clock::from_rfc3339(zone, s).unwrap_or_else(|| s.clone()),
            FieldKind::Date => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(clock::date)
                .unwrap_or_else(|_| s.clone()),
            _ if !field.suggestions.is_empty() => option_label(&field.suggestions, s),
            _ => s.clone(),
        }),
        Value::Array(items) => {
            let shown: Vec<String> = items
                .iter()
                .filter_map(|item| show(field, item, zone))
                .collect();
            (!shown.is_empty()).then(|| shown.join(", "))
        }
        // The instrument is stored as {id, version}; its choice value is `id:version`.
        Value::Object(map) => match (&field.kind, map.get("id"), map.get("version")) {
            (FieldKind::Choice { options }, Some(Value::String(id)), Some(Value::String(v))) => {
                Some(option_label(options, &format!("{id}:{v}")))
            }
            _ => None,
        },
    }
}

/// The form's sections with what the referral holds for each field, in the form's order,
/// then anything no field showed.
pub(crate) fn groups(referral: &Value, zone: Tz) -> Vec<Group> {
    let confidential = referral["victim"]["address_confidential"] == true;
    let form = form();
    let mut shown_paths: Vec<&str> = Vec::new();
    let mut groups = Vec::new();
    for section in &form.sections {
        let mut rows = Vec::new();
        let mut has_address = false;
        for field in section.fields.iter().filter(|f| f.group.is_none()) {
            shown_paths.push(&field.path);
            match &field.kind {
                FieldKind::RepeatableGroup { item_fields, .. } => {
                    let items = at(referral, &field.path).as_array().cloned();
                    for (i, item) in items.unwrap_or_default().iter().enumerate() {
                        let prefix = format!("{}[].", field.path);
                        for item_path in item_fields {
                            let Some(item_field) = form.field(item_path) else {
                                continue;
                            };
                            let key = item_path.strip_prefix(&prefix).unwrap_or(item_path);
                            if let Some(value) = show(item_field, at(item, key), zone) {
                                rows.push(Row {
                                    label: format!(
                                        "{} {}: {}",
                                        field.label,
                                        i + 1,
                                        item_field.label
                                    ),
                                    value,
                                });
                            }
                        }
                    }
                }
                FieldKind::RiskChecklist {
                    answer_options,
                    instruments,
                } => {
                    let instrument = &referral["risk"]["instrument"];
                    let chosen = format!(
                        "{}:{}",
                        instrument["id"].as_str().unwrap_or_default(),
                        instrument["version"].as_str().unwrap_or_default()
                    );
                    let questions = instruments
                        .iter()
                        .find(|i| i.value == chosen)
                        .map(|i| i.questions.as_slice())
                        .unwrap_or_default();
                    let answers = at(referral, &field.path).as_array().cloned();
                    for answer in answers.unwrap_or_default() {
                        let id = answer["question_id"].as_str().unwrap_or_default();
                        let label = questions
                            .iter()
                            .find(|q| q.id == id)
                            .map_or_else(|| id.replace('_', " "), |q| q.label.clone());
                        let mut value = option_label(
                            answer_options,
                            answer["answer"].as_str().unwrap_or_default(),
                        );
                        if let Some(comment) = answer["comment"].as_str().filter(|c| !c.is_empty())
                        {
                            value = format!("{value} ({comment})");
                        }
                        rows.push(Row { label, value });
                    }
                }
                _ => {
                    if let Some(value) = show(field, at(referral, &field.path), zone) {
                        let address = field.path.starts_with("victim.address.");
                        has_address |= address;
                        let label = if address && confidential {
                            format!("{} (confidential)", field.label)
                        } else {
                            field.label.clone()
                        };
                        rows.push(Row { label, value });
                    }
                }
            }
        }
        if !rows.is_empty() {
            groups.push(Group {
                title: section.label.clone(),
                rows,
                warning: (confidential && has_address).then_some(CONFIDENTIAL_WARNING),
            });
        }
    }
    let mut rest = Vec::new();
    flatten("", referral, &mut rest);
    let rest: Vec<Row> = rest
        .into_iter()
        .filter(|(path, _)| {
            let template = weprotect_core::form::path_template(path);
            !NOT_FIELDS.iter().any(|p| covers(p, &template))
                && !shown_paths.iter().any(|p| covers(p, &template))
        })
        .map(|(path, value)| Row {
            label: path.replace(['_', '.'], " "),
            value,
        })
        .collect();
    if !rest.is_empty() {
        groups.push(Group {
            title: "Other details (not on this version of the form)".to_string(),
            rows: rest,
            warning: None,
        });
    }
    groups
}

/// Whether the field at `shown` showed the leaf at `template` (itself, a part of it, or an
/// item of it).
fn covers(shown: &str, template: &str) -> bool {
    weprotect_core::form::path_under(template, shown)
}

/// The items the officer marked to follow: the field's label on the form, and the reason.
pub(crate) fn to_follow(referral: &Value) -> Vec<Row> {
    referral["to_follow"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    let path = item["path"].as_str().unwrap_or("(field)");
                    Row {
                        label: form()
                            .field_for_path(path)
                            .map_or_else(|| path.replace('_', " "), |f| f.label.clone()),
                        value: item["reason"]
                            .as_str()
                            .or(item["note"].as_str())
                            .unwrap_or("to follow")
                            .replace('_', " "),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Information that followed the referral (issue 23): one group per addendum, headed by when
/// it arrived, with each field's form label and its value shown as the referral's are.
pub(crate) fn added_information(addenda: &[crate::Addendum], zone: Tz) -> Vec<Group> {
    addenda
        .iter()
        .filter_map(|a| {
            let information = a.information.as_ref()?;
            let rows = information
                .iter()
                .map(|(path, value)| {
                    let field = form().field_for_path(path);
                    Row {
                        label: field.map_or_else(|| path.replace('_', " "), |f| f.label.clone()),
                        value: field
                            .and_then(|f| show(f, value, zone))
                            .unwrap_or_else(|| value.to_string()),
                    }
                })
                .collect();
            Some(Group {
                title: format!("Received {}", clock::short(zone, a.received_at)),
                rows,
                warning: None,
            })
        })
        .collect()
}

/// The referral's to-follow items less those added information has given since.
pub(crate) fn still_to_follow(referral: &Value, addenda: &[crate::Addendum]) -> Vec<Row> {
    let given: Vec<&str> = addenda
        .iter()
        .filter_map(|a| a.information.as_ref())
        .flat_map(|i| i.keys().map(String::as_str))
        .collect();
    let mut remaining = referral.clone();
    if let Some(items) = remaining["to_follow"].as_array_mut() {
        items.retain(|item| {
            let path = item["path"].as_str().unwrap_or("");
            !given.iter().any(|g| {
                g.strip_prefix(path)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            })
        });
    }
    to_follow(&remaining)
}

/// Every non-empty leaf of `value` as (path, text): `children[0].name`.
fn flatten(prefix: &str, value: &Value, rows: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (key, v) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, v, rows);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, rows);
            }
        }
        Value::Bool(b) => rows.push((prefix.to_string(), if *b { "Yes" } else { "No" }.into())),
        Value::Number(n) => rows.push((prefix.to_string(), n.to_string())),
        Value::String(s) => rows.push((prefix.to_string(), s.clone())),
    }
}

/// The instruction shown on top: "now 14:05 GMT (Europe/London), outside the safe windows; no
/// voicemail". The safe windows are wall-clock times in the service's zone.
pub(crate) fn safe_contact_instruction(referral: &Value, now: DateTime<Utc>, zone: Tz) -> String {
    let contact = &referral["safe_contact"];
    let local = now.with_timezone(&zone);
    let time = format!(
        "now {} {} ({})",
        local.format("%H:%M"),
        clock::abbreviation(zone, now),
        zone.name()
    );
    if contact["no_safe_phone"] == true || contact["safe_to_call"] == false {
        return format!("{time}: do not call; no safe phone. Check the referral for another way.");
    }
    let windows = contact["safe_times"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let window_text = if windows.is_empty() {
        "no safe times given".to_string()
    } else if windows.iter().any(|w| in_window(w, local.naive_local())) {
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

fn in_window(window: &Value, now: chrono::NaiveDateTime) -> bool {
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
    use crate::console::DEFAULT_TIME_ZONE as LONDON;
    use serde_json::json;

    #[test]
    fn the_instruction_says_the_local_time_and_zone_whether_it_is_a_safe_window_and_no_voicemail() {
        let referral = json!({"safe_contact": {
            "safe_to_call": true, "voicemail_safe": false, "text_message_safe": true,
            "safe_times": [{"day": "weekdays", "from": "09:00", "to": "12:00"}]}});
        // 2026-12-07 is a Monday, in GMT.
        let monday_1405: DateTime<Utc> = "2026-12-07T14:05:00Z".parse().unwrap();
        assert_eq!(
            safe_contact_instruction(&referral, monday_1405, LONDON),
            "now 14:05 GMT (Europe/London), outside the safe windows; no voicemail; texts are safe"
        );
        let monday_1000: DateTime<Utc> = "2026-12-07T10:00:00Z".parse().unwrap();
        assert!(
            safe_contact_instruction(&referral, monday_1000, LONDON)
                .contains("inside a safe window")
        );
        let no_phone = json!({"safe_contact": {"no_safe_phone": true}});
        assert!(safe_contact_instruction(&no_phone, monday_1000, LONDON).contains("do not call"));
    }

    #[test]
    fn in_summer_the_safe_windows_are_compared_with_london_time_not_utc() {
        let referral = json!({"safe_contact": {
            "safe_to_call": true,
            "safe_times": [{"day": "weekdays", "from": "09:00", "to": "12:00"}]}});
        // Monday 6 July 2026, 11:30 UTC is 12:30 BST: past the window that ends at noon.
        let at: DateTime<Utc> = "2026-07-06T11:30:00Z".parse().unwrap();
        let text = safe_contact_instruction(&referral, at, LONDON);
        assert!(
            text.starts_with("now 12:30 BST (Europe/London), outside"),
            "{text}"
        );
        // 08:30 UTC is 09:30 BST: inside.
        let at: DateTime<Utc> = "2026-07-06T08:30:00Z".parse().unwrap();
        assert!(safe_contact_instruction(&referral, at, LONDON).contains("inside a safe window"));
    }

    #[test]
    fn a_confidential_address_is_marked_as_such() {
        let referral = json!({"victim": {"address_confidential": true,
                              "address": {"line1": "1 Example Street"}}});
        let groups = groups(&referral, LONDON);
        let victim = groups.iter().find(|g| g.title == "Victim").unwrap();
        assert!(victim.warning.is_some());
        assert!(
            victim
                .rows
                .iter()
                .any(|r| r.label == "Address line 1 (confidential)")
        );
    }

    #[test]
    fn the_example_referral_shows_in_the_forms_sections_and_order_with_plain_labels_and_values() {
        let referral: Value =
            serde_json::from_str(weprotect_core::example::EXAMPLE_REFERRAL_JSON).unwrap();
        let groups = groups(&referral, LONDON);
        let titles: Vec<&str> = groups.iter().map(|g| g.title.as_str()).collect();
        let form_order: Vec<&str> = form()
            .sections
            .iter()
            .map(|s| s.label.as_str())
            .filter(|t| titles.contains(t))
            .collect();
        assert_eq!(titles, form_order, "the form's sections, in its order");
        assert!(
            !titles.iter().any(|t| t.starts_with("Other details")),
            "{titles:?}"
        );
        let row = |title: &str, label: &str| {
            groups
                .iter()
                .find(|g| g.title == title)
                .and_then(|g| g.rows.iter().find(|r| r.label == label))
                .map(|r| r.value.clone())
                .unwrap_or_else(|| panic!("no {label} in {title}"))
        };
        assert_eq!(row("Victim", "First name"), "Jamie");
        assert_eq!(row("Victim", "Date of birth"), "12 Apr 1990");
        assert_eq!(row("Safe contact", "Safe to leave voicemail?"), "No");
        assert_eq!(row("Safe contact", "Safe times to call 1: From"), "09:00");
        assert_eq!(
            row("Perpetrator", "Released (or due for release) at"),
            "21 Nov 2026 09:30 GMT"
        );
        assert_eq!(
            row(
                "Children and household",
                "Children in the household 1: Name"
            ),
            "Robin Testperson"
        );
        // Choices show their labels, never the stored value.
        let perpetrator = groups.iter().find(|g| g.title == "Perpetrator").unwrap();
        assert!(
            perpetrator.rows.iter().all(|r| !r.value.contains('_')),
            "{:?}",
            perpetrator
                .rows
                .iter()
                .map(|r| &r.value)
                .collect::<Vec<_>>()
        );
        // The risk answers are their questions.
        let risk = groups.iter().find(|g| g.title == "Risk").unwrap();
        assert!(risk.rows.iter().all(|r| !r.label.starts_with('q')));
        // The fields are in the form's order within a section.
        let victim = groups.iter().find(|g| g.title == "Victim").unwrap();
        let first = victim.rows.iter().position(|r| r.label == "First name");
        let town = victim.rows.iter().position(|r| r.label == "Town or city");
        assert!(first < town);
    }

    #[test]
    fn what_the_form_does_not_know_is_still_shown_at_the_end() {
        let referral = json!({"victim": {"forename": "Jamie", "new_field_2030": "kept"}});
        let groups = groups(&referral, LONDON);
        let last = groups.last().unwrap();
        assert!(last.title.starts_with("Other details"));
        assert_eq!(last.rows[0].label, "victim new field 2030");
        assert_eq!(last.rows[0].value, "kept");
    }
}
