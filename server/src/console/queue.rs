//! The queue: open referrals in order of urgency, with the time left to the first-contact target.
//!
//! Triage reads each referral once, when the console first sees it, and keeps only a score and
//! which flags raised it (`console_cases`); listing the queue is then one indexed query, with no
//! referral opened. The order follows what advisors look for first (CONSOLE.md, section 2): a
//! high risk level, non-fatal strangulation, threats to kill, a perpetrator released within 24
//! hours of the referral or due out, and children; then the oldest first.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// Flag bits kept with a case.
pub(crate) const HIGH_RISK: i64 = 1;
pub(crate) const STRANGULATION: i64 = 2;
pub(crate) const THREATS_TO_KILL: i64 = 4;
pub(crate) const RELEASE: i64 = 8;
pub(crate) const CHILDREN: i64 = 16;

/// The flags, each with the words the queue shows.
pub(crate) const FLAG_NAMES: [(i64, &str); 5] = [
    (HIGH_RISK, "High risk"),
    (STRANGULATION, "Strangulation"),
    (THREATS_TO_KILL, "Threats to kill"),
    (RELEASE, "Perpetrator released or due out"),
    (CHILDREN, "Children"),
];

/// What triage keeps of a referral: (urgency score, flag bits, items to follow).
pub(crate) fn triage(referral: &Value, received_at: DateTime<Utc>) -> (i64, i64, i64) {
    let mut flags = 0;
    let risk = &referral["risk"];
    if risk["officer_level"].as_str() == Some("high") {
        flags |= HIGH_RISK;
    }
    let answered_yes = |question: &str| {
        risk["answers"].as_array().is_some_and(|answers| {
            answers
                .iter()
                .any(|a| a["question_id"] == question && a["answer"] == "yes")
        })
    };
    if risk["flags"]["non_fatal_strangulation"] == "yes" || answered_yes("q18_strangulation") {
        flags |= STRANGULATION;
    }
    if risk["flags"]["threats_to_kill"] == "yes" || answered_yes("q17_threats_to_kill") {
        flags |= THREATS_TO_KILL;
    }
    let custody = &referral["perpetrator"]["custody"];
    // In police custody, `released_at` is the expected release: the perpetrator is due out.
    // Otherwise it is when they were released: within the 24 hours before the referral.
    let due_out = custody["status"] == "in_custody";
    let released_recently = !due_out
        && custody["released_at"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|t| (received_at - t.with_timezone(&Utc)) <= Duration::hours(24));
    if released_recently || due_out {
        flags |= RELEASE;
    }
    if referral["children"]
        .as_array()
        .is_some_and(|c| !c.is_empty())
    {
        flags |= CHILDREN;
    }
    // Each flag counts once; a high risk level weighs as much as two flags.
    let urgency =
        i64::from((flags & HIGH_RISK) != 0) * 2 + i64::from((flags & !HIGH_RISK).count_ones());
    let to_follow = referral["to_follow"]
        .as_array()
        .map_or(0, |t| t.len() as i64);
    (urgency, flags, to_follow)
}

/// Time left to the first-contact target (negative when overdue).
pub(crate) fn time_left(
    received_at: DateTime<Utc>,
    target: Duration,
    now: DateTime<Utc>,
) -> Duration {
    received_at + target - now
}

/// "5 h 12 min left" or "overdue by 2 h 3 min".
pub(crate) fn describe_time_left(left: Duration) -> String {
    let minutes = left.num_minutes().abs();
    let text = format!("{} h {} min", minutes / 60, minutes % 60);
    if left < Duration::zero() {
        format!("overdue by {text}")
    } else {
        format!("{text} left")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn red_flags_and_high_risk_raise_a_referral_and_plain_ones_stay_low() {
        let received = Utc::now();
        let plain = json!({"risk": {"officer_level": "standard"}, "children": []});
        assert_eq!(triage(&plain, received), (0, 0, 0));
        let urgent = json!({
            "risk": {"officer_level": "high", "flags": {"non_fatal_strangulation": "yes"},
                     "answers": [{"question_id": "q17_threats_to_kill", "answer": "yes"}]},
            "perpetrator": {"custody": {"status": "released_under_investigation",
                                        "released_at": received.to_rfc3339()}},
            "children": [{}],
            "to_follow": [{"path": "victim.date_of_birth"}]
        });
        let (urgency, flags, to_follow) = triage(&urgent, received);
        assert_eq!(
            flags,
            HIGH_RISK | STRANGULATION | THREATS_TO_KILL | RELEASE | CHILDREN
        );
        assert_eq!(urgency, 6);
        assert_eq!(to_follow, 1);

        // Due out of police custody raises it; released a week before the referral does not.
        let due_out = json!({"perpetrator": {"custody": {"status": "in_custody"}}});
        assert_eq!(triage(&due_out, received).1, RELEASE);
        let week_ago = (received - Duration::days(7)).to_rfc3339();
        let released = json!({"perpetrator": {"custody": {"status": "bail_with_conditions",
                                                          "released_at": week_ago}}});
        assert_eq!(triage(&released, received).1, 0);
    }

    #[test]
    fn time_left_counts_down_to_the_target_and_then_says_overdue() {
        let received = Utc::now();
        let target = Duration::hours(24);
        let left = time_left(received, target, received + Duration::minutes(90));
        assert_eq!(describe_time_left(left), "22 h 30 min left");
        let late = time_left(received, target, received + Duration::hours(26));
        assert_eq!(describe_time_left(late), "overdue by 2 h 0 min");
    }
}
