//! Recomputing after a change only what the change can affect.
//!
//! # Why
//!
//! A full recompute after each `set` (every field's visibility, value and problems, and the
//! whole referral parsed again) cost about 1.5 ms, three times the budget of a keystroke from
//! Kotlin. Almost all of it is work whose result cannot have changed: a phone typed in the
//! referrer section does not change the 27 risk answers.
//!
//! # How, and why the answer stays exact
//!
//! * The [`Layout`] (every concrete slot, the paths each one reads, a path index) depends only
//!   on the document's shape: the length of each repeatable group and the chosen risk
//!   instrument. It is kept while the shape stays; a change of shape (an item added or removed,
//!   another instrument) takes the full path.
//! * The paths a change touched are found by comparing the document before and after it. A
//!   slot is recomputed when one of the paths it reads (its own value, the paths of its
//!   visibility and requirement conditions and those of its group) is at, under or above a
//!   touched path. Every other slot reads exactly what it read before, so its state is the same.
//! * Hidden values are set aside the same way: only slots whose reads were touched can change
//!   between shown and hidden, and each value moved is itself a touched path for the next slots.
//! * Only the top-level sections of the document that changed are parsed again; the other
//!   sections of the typed referral are the ones parsed before. If a section does not parse, or
//!   items are held back, the whole document is parsed, as before.
//! * Validation (about 10 us) always runs in full, so rules that span fields and sections stay
//!   exact; problems are attached to fields and compared with those they had.
//!
//! The editor's tests run every edit of long random sequences through an editor that
//! recomputes from scratch and compare every answer and snapshot.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{
    ANSWERS, Computed, FieldKind, FieldState, Requirement, Role, Slot, attachments,
    collapse_empty_objects, definition, field_state, parse_doc, problems_of, selected_instrument,
    settle, slots,
};
use crate::form::condition::Condition;
use crate::form::path;
use crate::model::Referral;

use super::FormError;

/// What makes the list of concrete slots: the length of each repeatable group and the chosen
/// instrument.
#[derive(PartialEq)]
pub(super) struct Shape {
    groups: Vec<usize>,
    instrument: Option<String>,
}

impl Shape {
    pub(super) fn of(doc: &Value) -> Shape {
        let groups = definition()
            .fields()
            .filter(|f| f.group.is_none() && matches!(f.kind, FieldKind::RepeatableGroup { .. }))
            .map(|f| {
                path::get_str(doc, &f.path)
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len)
            })
            .collect();
        Shape {
            groups,
            instrument: selected_instrument(doc),
        }
    }
}

/// The concrete slots of a document of one shape, with what each reads.
pub(super) struct Layout {
    pub(super) shape: Shape,
    pub(super) slots: Vec<Slot>,
    /// For each slot, the concrete paths its state depends on.
    reads: Vec<Vec<String>>,
    /// Slot position by concrete path.
    pub(super) index: HashMap<String, usize>,
}

impl Layout {
    pub(super) fn of(doc: &Value) -> Arc<Layout> {
        let slots = slots(definition(), doc);
        let reads = slots.iter().map(reads).collect();
        let index = slots
            .iter()
            .enumerate()
            .map(|(i, s)| (s.path.clone(), i))
            .collect();
        Arc::new(Layout {
            shape: Shape::of(doc),
            slots,
            reads,
            index,
        })
    }

    /// True when slot `i` reads a path at, under or above one of `touched`.
    fn affected(&self, i: usize, touched: &[String]) -> bool {
        self.reads[i]
            .iter()
            .any(|r| touched.iter().any(|t| overlaps(r, t)))
    }
}

/// The concrete paths a slot's value, visibility and requirement read.
fn reads(slot: &Slot) -> Vec<String> {
    let mut out = Vec::new();
    match &slot.role {
        Role::Plain | Role::Group => out.push(slot.path.clone()),
        Role::Answer(_) | Role::Comment(_) => out.push(ANSWERS.to_string()),
        Role::Checklist => {}
    }
    let mut add = |c: &Condition| {
        for p in c.paths() {
            out.push(if p.contains("[]") {
                path::instantiate(p, &slot.indexes)
            } else {
                p.to_string()
            });
        }
    };
    if let Some(c) = &slot.field.visible_when {
        add(c);
    }
    if let Requirement::When { condition } = &slot.field.required {
        add(condition);
    }
    if let Some(c) = slot
        .field
        .group
        .as_deref()
        .and_then(|g| definition().field(g))
        .and_then(|g| g.visible_when.as_ref())
    {
        add(c);
    }
    out.sort();
    out.dedup();
    out
}

/// `a` and `b` are the same path, or one lies under the other.
fn overlaps(a: &str, b: &str) -> bool {
    let under = |inner: &str, outer: &str| {
        inner.starts_with(outer) && matches!(inner.as_bytes().get(outer.len()), Some(b'.' | b'['))
    };
    a == b || under(a, b) || under(b, a)
}

/// The concrete paths where `old` and `new` differ, as deep as both are objects or lists of
/// the same length.
pub(super) fn touched(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = String::new();
    diff(old, new, &mut at, &mut out);
    out
}

fn diff(old: &Value, new: &Value, at: &mut String, out: &mut Vec<String>) {
    // Nearly every subtree is unchanged (one value was written): a plain comparison settles
    // those without building their paths, and only the changed branch is walked.
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let len = at.len();
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(k);
                match b.get(k) {
                    Some(vb) => diff(va, vb, at, out),
                    None => out.push(at.clone()),
                }
                at.truncate(len);
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                });
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                let len = at.len();
                let _ = write!(at, "[{i}]");
                diff(va, vb, at, out);
                at.truncate(len);
            }
        }
        _ => {
            if old != new {
                out.push(at.clone());
            }
        }
    }
}

/// Sets aside and brings back hidden values like `settle` over every slot, but only for the
/// slots whose reads were touched; each value moved is touched in turn.
fn apply_visibility(
    layout: &Layout,
    doc: &mut Value,
    stash: &mut BTreeMap<String, Value>,
    touched: &mut Vec<String>,
) {
    for _ in 0..8 {
        let mut changed = false;
        for (i, slot) in layout.slots.iter().enumerate() {
            if slot.role != Role::Plain || !layout.affected(i, touched) {
                continue;
            }
            if settle(slot, doc, stash) {
                touched.push(slot.path.clone());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    collapse_empty_objects(doc, 0);
}

/// Parses the top-level sections of `doc` listed in `sections` into `referral`. False when a
/// section does not parse (or is not one this knows): the caller parses the whole document.
fn reparse_sections(referral: &mut Referral, doc: &Value, sections: &[&str]) -> bool {
    fn one<T: DeserializeOwned + Default>(doc: &Value, key: &str, into: &mut T) -> bool {
        match doc.get(key) {
            None => {
                *into = T::default();
                true
            }
            Some(v) => match T::deserialize(v) {
                Ok(t) => {
                    *into = t;
                    true
                }
                Err(_) => false,
            },
        }
    }
    sections.iter().all(|&key| {
        let r = &mut *referral;
        match key {
            "referrer" => one(doc, key, &mut r.referrer),
            "incident" => one(doc, key, &mut r.incident),
            "victim" => one(doc, key, &mut r.victim),
            "safe_contact" => one(doc, key, &mut r.safe_contact),
            "perpetrator" => one(doc, key, &mut r.perpetrator),
            "children" => one(doc, key, &mut r.children),
            "other_vulnerable_adults" => one(doc, key, &mut r.other_vulnerable_adults),
            "childrens_social_care" => one(doc, key, &mut r.childrens_social_care),
            "risk" => one(doc, key, &mut r.risk),
            "consent" => one(doc, key, &mut r.consent),
            _ => false,
        }
    })
}

/// The top-level keys whose values differ.
fn changed_sections<'a>(old: &'a Value, new: &'a Value) -> Vec<&'a str> {
    let (Some(a), Some(b)) = (old.as_object(), new.as_object()) else {
        return vec!["referral"];
    };
    let mut out: Vec<&str> = a
        .iter()
        .filter(|(k, v)| b.get(k.as_str()) != Some(v))
        .map(|(k, _)| k.as_str())
        .collect();
    out.extend(
        b.keys()
            .filter(|k| !a.contains_key(k.as_str()))
            .map(String::as_str),
    );
    out
}

/// What an incremental recompute decided.
pub(super) enum Outcome {
    /// `computed` was brought up to date; the slots at these positions (in display order)
    /// changed state.
    Updated(Vec<usize>),
    /// The shape changed: recompute from scratch.
    Reshaped,
}

/// Brings `computed` (made for `old`) up to date with `doc`, a copy of `old` with one value
/// written at `changed_path`. `doc` and `stash` get hidden values set aside as the full
/// recompute would. `computed` is changed only when the answer is `Ok(Updated)`.
///
/// # Errors
///
/// The document does not parse (the change is refused).
pub(super) fn recompute(
    old: &Value,
    doc: &mut Value,
    stash: &mut BTreeMap<String, Value>,
    computed: &mut Computed,
    changed_path: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, FormError> {
    let layout = Arc::clone(&computed.layout);
    if Shape::of(doc) != layout.shape {
        return Ok(Outcome::Reshaped);
    }
    let mut moved = touched(old, doc);
    moved.push(changed_path.to_string());
    apply_visibility(&layout, doc, stash, &mut moved);
    if Shape::of(doc) != layout.shape {
        return Ok(Outcome::Reshaped);
    }
    let sections = changed_sections(old, doc);
    let mut referral = computed.referral.clone();
    let held = if computed.held.is_empty() && reparse_sections(&mut referral, doc, &sections) {
        Vec::new()
    } else {
        let (r, held) = parse_doc(doc)?;
        referral = r;
        held
    };
    // Nothing below can fail: update in place.
    let mut touched_now = touched(old, doc);
    touched_now.push(changed_path.to_string());
    let mut fresh: Vec<Option<FieldState>> = layout
        .slots
        .iter()
        .enumerate()
        .map(|(i, slot)| {
            layout
                .affected(i, &touched_now)
                .then(|| field_state(slot, doc))
        })
        .collect();
    let (problems, missing) = problems_of(&referral, &held, doc, &layout.slots, now);
    let lists = attachments(&problems, &missing, doc, &layout);
    let mut changed = Vec::new();
    for (i, (ps, ms)) in lists.into_iter().enumerate() {
        let current = &mut computed.fields[i];
        match fresh[i].take() {
            Some(mut state) => {
                state.problems = ps;
                state.missing = ms;
                if state != *current {
                    *current = state;
                    changed.push(i);
                }
            }
            None => {
                if current.problems != ps || current.missing != ms {
                    current.problems = ps;
                    current.missing = ms;
                    changed.push(i);
                }
            }
        }
    }
    computed.referral = referral;
    computed.held = held;
    computed.problems = problems;
    computed.missing = missing;
    Ok(Outcome::Updated(changed))
}

/// Validates again (the clock may have moved an age or "in the future" rule) and attaches the
/// problems; visibility and values do not depend on the clock.
pub(super) fn revalidate(doc: &Value, computed: &mut Computed, now: DateTime<Utc>) {
    let layout = Arc::clone(&computed.layout);
    let (problems, missing) =
        problems_of(&computed.referral, &computed.held, doc, &layout.slots, now);
    for (f, (ps, ms)) in computed
        .fields
        .iter_mut()
        .zip(attachments(&problems, &missing, doc, &layout))
    {
        f.problems = ps;
        f.missing = ms;
    }
    computed.problems = problems;
    computed.missing = missing;
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, TimeZone, Utc};

    use super::super::DraftEditor;
    use crate::example::EXAMPLE_REFERRAL_JSON;
    use crate::form::{FieldKind, FormValue, form_definition};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
    }

    /// A small deterministic generator (xorshift), so a failing sequence can be replayed.
    struct Dice(u64);

    impl Dice {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n.max(1) as u64) as usize
        }
        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    /// Values an officer might type into a field of `kind`: valid, half-typed, wrong, empty,
    /// and sometimes a value of another kind.
    fn value_for(kind: &FieldKind, dice: &mut Dice) -> FormValue {
        fn t(s: &&str) -> FormValue {
            FormValue::text(s)
        }
        if dice.below(12) == 0 {
            return FormValue::Clear;
        }
        if dice.below(25) == 0 {
            return FormValue::YesNo { yes: true };
        }
        match kind {
            FieldKind::YesNo => FormValue::YesNo {
                yes: dice.below(2) == 0,
            },
            FieldKind::Choice { options } => {
                if dice.below(15) == 0 {
                    return FormValue::Choice {
                        option: "not_an_option".into(),
                    };
                }
                FormValue::Choice {
                    option: dice.pick(options).value.clone(),
                }
            }
            FieldKind::MultiChoice { options } => FormValue::Choices {
                options: (0..dice.below(3) + 1)
                    .map(|_| dice.pick(options).value.clone())
                    .collect(),
            },
            FieldKind::Integer { min, max } => FormValue::Integer {
                value: *dice.pick(&[*min, *max, (min + max) / 2, max + 1, 30]),
            },
            FieldKind::Date => t(dice.pick(&[
                "1990-05-01",
                "2010-03-04",
                "2031-01-01",
                "1900-01-01",
                "2020-02-30",
                "01/02/1985",
            ])),
            FieldKind::DateTime => t(dice.pick(&[
                "2026-11-28T10:00:00+00:00",
                "2026-11-27T09:30:00Z",
                "2027-01-01T00:00:00Z",
                "1980-01-01T00:00:00Z",
                "yesterday",
            ])),
            FieldKind::TimeOfDay => t(dice.pick(&["09:00", "23:30", "00:15", "25:00"])),
            FieldKind::Phone => t(dice.pick(&[
                "07700 900123",
                "020 7946 0123",
                "07700 9",
                "+44 7700 900456",
                "07400 CANARY",
                "01632 960123",
            ])),
            FieldKind::Postcode => t(dice.pick(&["SW1A 1AA", "bs1 4dj", "XYZ", "GIR 0AA"])),
            FieldKind::Email => t(dice.pick(&["a.b@example.org", "nope", "x@example.net"])),
            FieldKind::Text { .. } => {
                if dice.below(20) == 0 {
                    return FormValue::text(&"long text ".repeat(60));
                }
                t(dice.pick(&["Sam", "Smith", "GB", "IE", "  gb ", "", "None", "5"]))
            }
            FieldKind::RepeatableGroup { .. } | FieldKind::RiskChecklist { .. } => {
                t(&"a value for a group")
            }
        }
    }

    /// Runs `steps` random edits on an incremental editor and a from-scratch one, and checks
    /// that every answer, every snapshot and the state underneath are the same.
    fn edits_agree_with_a_full_recompute(json: Option<&str>, seed: u64, steps: usize) {
        let def = form_definition();
        let incremental = match json {
            Some(j) => DraftEditor::open_json(j.to_string(), None).unwrap(),
            None => DraftEditor::open_detached(),
        };
        let reference: Arc<DraftEditor> = DraftEditor::open_from_scratch(json);
        for e in [&incremental, &reference] {
            e.pin_clock(Some(now()));
        }
        let groups: Vec<(String, u32)> = def
            .sections
            .iter()
            .flat_map(|s| &s.fields)
            .filter_map(|f| match &f.kind {
                FieldKind::RepeatableGroup { max_items, .. } if f.group.is_none() => {
                    Some((f.path.clone(), *max_items))
                }
                _ => None,
            })
            .collect();
        let mut dice = Dice(seed);
        let (mut accepted, mut flips, mut items) = (0, 0, 0);
        for step in 0..steps {
            // The same as the reference's (checked at the end of the previous step).
            let snapshot = incremental.snapshot();
            let roll = dice.below(100);
            let (what, a, b) = if roll < 8 {
                let (g, _) = dice.pick(&groups);
                (
                    format!("add {g}"),
                    incremental.add_item(g.clone()),
                    reference.add_item(g.clone()),
                )
            } else if roll < 13 {
                let (g, max) = dice.pick(&groups);
                let i = dice.below(*max as usize) as u32;
                (
                    format!("remove {g}[{i}]"),
                    incremental.remove_item(g.clone(), i),
                    reference.remove_item(g.clone(), i),
                )
            } else {
                // Mostly fields shown now; sometimes a hidden one (refused unless cleared).
                let shown: Vec<_> = snapshot
                    .fields
                    .iter()
                    .filter(|f| f.visible || dice.below(10) == 0)
                    .collect();
                let f = dice.pick(&shown);
                let field = def.field_for_path(&f.path).expect("a field");
                let kind = if f.path.starts_with("risk.answers.") {
                    match &field.kind {
                        FieldKind::RiskChecklist { answer_options, .. }
                            if !f.path.ends_with(".comment") =>
                        {
                            FieldKind::Choice {
                                options: answer_options.clone(),
                            }
                        }
                        _ => FieldKind::Text { multiline: true },
                    }
                } else {
                    field.kind.clone()
                };
                let value = value_for(&kind, &mut dice);
                (
                    format!("set {} ({})", f.path, value.kind_name()),
                    incremental.set(f.path.clone(), value.clone()),
                    reference.set(f.path.clone(), value),
                )
            };
            match (&a, &b) {
                (Ok(x), Ok(y)) => {
                    assert!(x == y, "step {step}, {what}: answers differ");
                    accepted += 1;
                    items += usize::from(!what.starts_with("set"));
                    flips += usize::from(x.changed.iter().any(|f| {
                        snapshot
                            .fields
                            .iter()
                            .any(|g| g.path == f.path && g.visible != f.visible)
                    }));
                }
                (Err(x), Err(y)) => assert_eq!(
                    format!("{x:?}"),
                    format!("{y:?}"),
                    "step {step}, {what}: refusals differ"
                ),
                _ => panic!("step {step}, {what}: one accepted, one refused"),
            }
            let (doc, stash, referral, fields) = incremental.internals();
            let (rdoc, rstash, rreferral, rfields) = reference.internals();
            assert!(doc == rdoc, "step {step}, {what}: documents differ");
            assert!(
                stash == rstash,
                "step {step}, {what}: values set aside differ"
            );
            assert!(
                referral == rreferral,
                "step {step}, {what}: referrals differ"
            );
            for (x, y) in fields.iter().zip(&rfields) {
                assert!(x == y, "step {step}, {what}: state of {} differs", y.path);
            }
            assert_eq!(fields.len(), rfields.len(), "step {step}, {what}");
            if step % 8 == 0 {
                let (_, _, _, scratch) = incremental.recomputed();
                assert!(
                    fields == scratch,
                    "step {step}, {what}: differs from scratch"
                );
            }
            assert!(
                incremental.snapshot() == reference.snapshot(),
                "step {step}, {what}: snapshots differ"
            );
        }
        // The sequence really exercised changes, items and conditions.
        assert!(accepted > steps / 2, "{accepted} changes accepted");
        assert!(items > steps / 50, "{items} items added or removed");
        assert!(flips > steps / 50, "{flips} changes showed or hid a field");
    }

    #[test]
    fn random_edits_of_the_example_match_a_full_recompute() {
        edits_agree_with_a_full_recompute(Some(EXAMPLE_REFERRAL_JSON), 0x9e37_79b9_7f4a_7c15, 250);
        edits_agree_with_a_full_recompute(Some(EXAMPLE_REFERRAL_JSON), 42, 150);
    }

    #[test]
    fn random_edits_of_a_blank_form_match_a_full_recompute() {
        edits_agree_with_a_full_recompute(None, 0xdead_beef, 250);
    }
}
