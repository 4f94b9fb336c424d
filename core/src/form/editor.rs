//! The draft editor: one open referral, edited field by field, autosaved.
//!
//! # Why it works on a JSON document
//!
//! The editor keeps the draft as the referral's JSON document exactly as typed (a half-typed
//! phone stays "07700 9", a phone typed with spaces stays as typed) and parses it into the typed
//! [`Referral`] after each change, which normalises values and is what validation, the store
//! and submission see. Writing to a path of a JSON document works for every field the model
//! has, so a field added to the model needs no editor code: the definition (tested against the
//! schema) is the only list. Each change is made on a copy and committed only when it parses,
//! so a refused change changes nothing.
//!
//! # Conditions and hidden fields
//!
//! After each change the editor evaluates the `visible_when` and `required` conditions that read
//! what the change touched (see `incremental`: only what a change can affect is recomputed, and
//! tests check the answer is the one a full recompute gives). A field that becomes hidden gives up its value (it is set aside in memory, so it comes back if
//! the field reappears in this session): a hidden field never holds a value that validation
//! would complain about or that would be sent, as ODK does with non-relevant questions.
//!
//! # Autosave
//!
//! With a store, every accepted change is saved (encrypted) before `set` returns, while the
//! editor's lock is held, so saves happen in the order of the changes. There is no debounce: a
//! crash or a killed app loses at most the change being made. An autosave is one SQLite commit
//! into the write-ahead log that does not wait for the disk ([`Store::autosave_draft`]): once
//! `set` returns the change survives the app being killed, which is what typing needs; waiting
//! for the disk (an fsync, about 10 ms on a busy phone and 40 times the rest of a `set`) would
//! only add protection against a power cut or kernel crash in the same instant. That protection
//! comes at the points that need it: [`DraftEditor::save`] (which apps call when the form
//! leaves the screen) and [`DraftEditor::submit`] commit fully synced, and a synced commit
//! makes every earlier autosave durable too. Apps call `set` when a field's text changes or
//! when it loses focus, both are fine. If a save fails (disk full), the change stays in memory,
//! `saved` is false in the answer, and the next change or [`DraftEditor::save`] tries again.
//! The first accepted change creates the draft in the store; an untouched new form leaves
//! nothing behind.
//!
//! An item of a repeatable group whose mandatory choice is still empty (a safe time window
//! without its day) cannot be a typed item yet: it is held back from the typed referral, and
//! so from autosave, until it is complete, and its missing fields are reported under its path.
//!
//! # Typed values across a reopen, and a wiped store
//!
//! Each save also stores the document as typed (sealed, beside the normalised referral:
//! `Store::save_from_editor`), so [`DraftEditor::open_draft`] shows `020 7946 0123` as the
//! officer typed it, not `+442079460123`, and an incomplete group item comes back too. When
//! the store is wiped, every editor opened on it drops its values at once (the store tells it)
//! and every later call is refused with `Closed`.
//!
//! The editor is shaped for uniffi: used behind `Arc`, `&self` methods, one interior mutex,
//! owned arguments and results.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::definition::{Field, FieldKind, FormDefinition, Requirement, definition};
use super::error::{FormError, shown};
use super::path;
use super::snapshot::{FieldState, FormSnapshot, SetOutcome};
use super::value::FormValue;
use crate::config::ServiceConfig;
use crate::model::Referral;
use crate::store::{QueuedReferral, Store, StoreError, WipeListener};
use crate::validation::{DocumentError, Problem, parse_referral, validate_draft};
use crate::values::{
    CountryCode, LanguageCode, OrganisationId, PhoneNumber, Postcode, language_name,
};

mod incremental;
use incremental::{Layout, Outcome};

/// The path of the risk instrument (a choice stored as an object `{id, version}`).
const INSTRUMENT: &str = "risk.instrument";
/// The path of the risk answers (stored as a list, addressed by question id).
const ANSWERS: &str = "risk.answers";
/// Largest text taken into any field. Over a field's own limit, validation says
/// `text.too_long` and the text is kept so the officer can shorten it; this cap only protects
/// memory from a runaway paste.
pub const MAX_INPUT_BYTES: usize = 16 * 1024;

/// An open draft being edited.
pub struct DraftEditor {
    store: Option<Arc<Store>>,
    state: Mutex<State>,
    /// Recompute everything after each change (the reference the incremental path is tested
    /// against); false outside tests.
    from_scratch: bool,
    /// Every field may be set whether or not its condition shows it: the follow-up editor's
    /// form (`addendum::FollowUpEditor`) holds only the fields that were to follow, without the
    /// rest of the referral their conditions read.
    show_all: bool,
}

impl std::fmt::Debug for DraftEditor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DraftEditor").finish_non_exhaustive()
    }
}

struct State {
    doc: Value,
    stash: BTreeMap<String, Value>,
    computed: Computed,
    draft_id: Option<String>,
    saved: bool,
    submitted: bool,
    /// The store was wiped: every value is gone and every call is refused.
    closed: bool,
    pinned_now: Option<DateTime<Utc>>,
}

struct Computed {
    referral: Referral,
    held: Vec<(String, usize)>,
    problems: Vec<Problem>,
    missing: Vec<Problem>,
    /// One state per slot of `layout`, in the same order.
    fields: Vec<FieldState>,
    layout: Arc<Layout>,
}

/// What a concrete slot of the form is.
#[derive(Clone, PartialEq, Debug)]
enum Role {
    Plain,
    Group,
    Checklist,
    Answer(String),
    Comment(String),
}

#[derive(Clone)]
struct Slot {
    path: String,
    field: &'static Field,
    indexes: Vec<usize>,
    role: Role,
}

impl DraftEditor {
    /// A new draft that autosaves into `store` from its first change, filled from the
    /// referrer's profile and the organisation's settings when the store has them
    /// ([`Store::new_referral`]), otherwise empty.
    pub fn open_new(store: Arc<Store>) -> Arc<DraftEditor> {
        // Filled from the referrer's profile and the organisation's settings: a referral
        // starts with the referrer's details and what the organisation decides already there.
        let referral = store.new_referral();
        DraftEditor::build(Some(store), referral, None).unwrap_or_else(|_| unreachable_empty())
    }

    /// A new draft, filled from the referrer's profile and the organisation's settings when
    /// the store has them ([`Store::new_referral`]), otherwise empty with no store (nothing is saved): for tests, benchmarks and
    /// integrations that only want JSON out.
    pub fn open_detached() -> Arc<DraftEditor> {
        DraftEditor::build(None, Referral::default(), None).unwrap_or_else(|_| unreachable_empty())
    }

    /// Opens a saved draft of `store` for editing; changes autosave into the same draft.
    ///
    /// # Errors
    ///
    /// [`FormError::Store`] with `NotFound` if there is no such draft (purged or submitted).
    pub fn open_draft(store: Arc<Store>, draft_id: String) -> Result<Arc<DraftEditor>, FormError> {
        let (referral, typed) = store.load_draft_as_typed(draft_id.clone())?;
        let as_typed = typed.and_then(|bytes| typed_document(&bytes, &referral));
        let editor = match as_typed {
            Some(doc) => DraftEditor::build_from(Some(store), doc, Some(draft_id))?,
            None => DraftEditor::build(Some(store), referral, Some(draft_id))?,
        };
        editor.lock().saved = true;
        Ok(editor)
    }

    /// Opens a referral document (JSON). With a store, the first change (or [`Self::save`])
    /// saves it as a new draft.
    ///
    /// # Errors
    ///
    /// [`FormError::Document`] if the JSON is not a referral document of this schema version.
    pub fn open_json(
        json: String,
        store: Option<Arc<Store>>,
    ) -> Result<Arc<DraftEditor>, FormError> {
        let json = zeroize::Zeroizing::new(json);
        let referral = parse_referral(&json).map_err(FormError::Document)?;
        DraftEditor::build(store, referral, None)
    }

    fn build(
        store: Option<Arc<Store>>,
        referral: Referral,
        draft_id: Option<String>,
    ) -> Result<Arc<DraftEditor>, FormError> {
        let doc = serde_json::to_value(&referral).unwrap_or_else(|_| Value::Object(Map::new()));
        DraftEditor::build_from(store, doc, draft_id)
    }

    /// An editor of the document `doc` (as typed), registered with its store so a wipe
    /// reaches it.
    fn build_from(
        store: Option<Arc<Store>>,
        mut doc: Value,
        draft_id: Option<String>,
    ) -> Result<Arc<DraftEditor>, FormError> {
        let mut stash = BTreeMap::new();
        let computed = compute(&mut doc, &mut stash, Utc::now())?;
        let editor = Arc::new(DraftEditor {
            store: store.clone(),
            from_scratch: false,
            show_all: false,
            state: Mutex::new(State {
                doc,
                stash,
                computed,
                draft_id,
                saved: false,
                submitted: false,
                closed: false,
                pinned_now: None,
            }),
        });
        if let Some(store) = store {
            let weak: Weak<dyn WipeListener> = Arc::downgrade(&editor) as Weak<DraftEditor>;
            store.on_wipe(weak);
            // Wiped before it could hear of it: it starts closed.
            if store.is_closed() {
                editor.store_wiped();
            }
        }
        Ok(editor)
    }

    /// An editor of `doc` with no store, whose every field may be set: the engine behind
    /// [`crate::addendum::FollowUpEditor`].
    pub(crate) fn open_follow_up(doc: Value) -> Result<Arc<DraftEditor>, FormError> {
        let mut doc = doc;
        let mut stash = BTreeMap::new();
        let computed = compute_with(&mut doc, &mut stash, Utc::now(), true)?;
        Ok(Arc::new(DraftEditor {
            store: None,
            from_scratch: false,
            show_all: true,
            state: Mutex::new(State {
                doc,
                stash,
                computed,
                draft_id: None,
                saved: false,
                submitted: false,
                closed: false,
                pinned_now: None,
            }),
        }))
    }

    /// True once the store this editor saves into was wiped: it holds no values any more and
    /// refuses every call with `Closed`.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Fixes the clock used for "in the future" and age rules and for save times (`None`:
    /// the system clock). For tests and benchmarks.
    pub fn pin_clock(&self, now: Option<DateTime<Utc>>) {
        let mut st = self.lock();
        st.pinned_now = now;
        let now = st.now();
        let State {
            doc,
            stash,
            computed,
            ..
        } = &mut *st;
        if let Ok(c) = compute_with(doc, stash, now, self.show_all) {
            *computed = c;
        }
    }

    /// "Now" for this editor: the pinned clock, or the system clock.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.lock().now()
    }

    /// The draft's id in the store, once it has been saved.
    pub fn draft_id(&self) -> Option<String> {
        self.lock().draft_id.clone()
    }

    /// Sets the field at `path` to `value` (`FormValue::Clear` empties it), and answers with
    /// the normalised value and the state of every field the change affected.
    ///
    /// # Errors
    ///
    /// Nothing is changed when the path is not a field of the form
    /// ([`FormError::UnknownField`]), names an item that does not exist
    /// ([`FormError::NoSuchItem`]) or a field not shown now ([`FormError::Hidden`]), or the
    /// value is of the wrong kind ([`FormError::WrongKind`]), not an option
    /// ([`FormError::UnknownOption`]), out of range or too long.
    pub fn set(&self, path: String, value: FormValue) -> Result<SetOutcome, FormError> {
        let mut st = self.lock();
        st.refuse_if_finished()?;
        let slot = find_slot(&st, &path)?;
        let visible = st
            .computed
            .layout
            .index
            .get(&path)
            .is_some_and(|&i| st.computed.fields[i].visible);
        if !visible && value != FormValue::Clear && !self.show_all {
            return Err(FormError::Hidden { path: shown(&path) });
        }
        let encoded = encode(&slot, value)?;
        let mut doc = st.doc.clone();
        write(&mut doc, &slot, encoded)?;
        st.stash.remove(&path);
        self.commit(&mut st, doc, path)
    }

    /// Adds an empty item to the repeatable group at `group_path` (e.g. `children`).
    ///
    /// # Errors
    ///
    /// [`FormError::GroupFull`] at the group's maximum; [`FormError::UnknownField`] or
    /// [`FormError::WrongKind`] if the path is not a repeatable group. Nothing is changed.
    pub fn add_item(&self, group_path: String) -> Result<SetOutcome, FormError> {
        let mut st = self.lock();
        st.refuse_if_finished()?;
        let (field, max, items) = group(&group_path)?;
        let mut doc = st.doc.clone();
        let segs = path::parse(&group_path).ok_or_else(|| unknown(&group_path))?;
        let list = path::get_mut_creating(&mut doc, &segs).ok_or_else(|| unknown(&group_path))?;
        if list.is_null() {
            *list = Value::Array(Vec::new());
        }
        let Value::Array(list) = list else {
            return Err(unknown(&group_path));
        };
        if list.len() >= max as usize {
            return Err(FormError::GroupFull {
                path: field.path.clone(),
                max,
            });
        }
        let mut item = Map::new();
        for p in items {
            if let Some(key) = p.rsplit('.').next() {
                item.insert(key.to_string(), Value::Null);
            }
        }
        list.push(Value::Object(item));
        let new_path = format!("{group_path}[{}]", list.len() - 1);
        self.commit(&mut st, doc, new_path)
    }

    /// Removes item `index` of the repeatable group at `group_path`; later items move up.
    ///
    /// # Errors
    ///
    /// [`FormError::NoSuchItem`] if there is no such item. Nothing is changed.
    pub fn remove_item(&self, group_path: String, index: u32) -> Result<SetOutcome, FormError> {
        let mut st = self.lock();
        st.refuse_if_finished()?;
        group(&group_path)?;
        let mut doc = st.doc.clone();
        let segs = path::parse(&group_path).ok_or_else(|| unknown(&group_path))?;
        let Some(Value::Array(list)) = path::get_mut_creating(&mut doc, &segs) else {
            return Err(FormError::NoSuchItem {
                path: shown(&group_path),
            });
        };
        let index = index as usize;
        if index >= list.len() {
            return Err(FormError::NoSuchItem {
                path: shown(&group_path),
            });
        }
        list.remove(index);
        // Values set aside for this group's items no longer match their positions.
        let prefix = format!("{group_path}[");
        st.stash.retain(|k, _| !k.starts_with(&prefix));
        self.commit(&mut st, doc, group_path)
    }

    /// Every field's value, visibility, requirement and problems, in one call.
    pub fn snapshot(&self) -> FormSnapshot {
        let mut st = self.lock();
        let now = st.now();
        // The document has not changed since the last change was computed: only the clock
        // may have (an age or "in the future" rule), so validate again without re-parsing.
        let State { doc, computed, .. } = &mut *st;
        incremental::revalidate(doc, computed, now);
        FormSnapshot {
            draft_id: st.draft_id.clone(),
            fields: st.computed.fields.clone(),
            problems: st.computed.problems.clone(),
            missing: st.computed.missing.clone(),
            complete: no_errors(&st.computed.problems, &st.computed.missing),
            saved: st.saved,
            consent_refused_route: self.refused_route(&st.computed.referral),
        }
    }

    /// When the victim refused consent: the route that needs no consent, in the organisation's
    /// words (its deployment settings) or ours.
    fn refused_route(&self, referral: &Referral) -> Option<String> {
        (referral.consent.given == Some(false)).then(|| {
            self.store
                .as_ref()
                .and_then(|s| s.deployment())
                .and_then(|d| d.consent_refused_route)
                .unwrap_or_else(|| crate::config::DEFAULT_CONSENT_REFUSED_ROUTE.to_string())
        })
    }

    /// Deletes this draft (when the victim refuses consent, or the officer abandons it): the
    /// saved draft is removed from the store and the editor takes no more changes.
    ///
    /// # Errors
    ///
    /// [`FormError::Store`] if the store cannot delete it (nothing is changed then).
    pub fn discard(&self) -> Result<(), FormError> {
        let mut st = self.lock();
        if let (Some(store), Some(id)) = (&self.store, st.draft_id.clone()) {
            match store.delete_draft(id) {
                Ok(()) | Err(crate::store::StoreError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        st.draft_id = None;
        st.submitted = true;
        st.saved = false;
        Ok(())
    }

    /// The referral as JSON (normalised values; an incomplete held-back item is left out).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.lock().computed.referral).unwrap_or_default()
    }

    /// The typed referral as it stands.
    pub fn referral(&self) -> Referral {
        self.lock().computed.referral.clone()
    }

    /// Saves now, fully synced to disk, and returns the draft id. Autosave already saves each
    /// change so that it survives the app being killed; this commit also survives a power cut
    /// (and makes every earlier autosave do so): call it when the form leaves the screen.
    ///
    /// # Errors
    ///
    /// [`FormError::NoStore`] without a store; [`FormError::Store`] if the save failed.
    pub fn save(&self) -> Result<String, FormError> {
        let store = self.store.clone().ok_or(FormError::NoStore)?;
        let mut st = self.lock();
        st.refuse_if_finished()?;
        let now = st.now();
        let id = st
            .save_into(&store, now, true)
            .map_err(|e| st.closed_by(e))?;
        st.draft_id = Some(id.clone());
        st.saved = true;
        Ok(id)
    }

    /// Submits the draft through the store's submit path (strict validation, seal, enqueue,
    /// delete the draft, in one transaction). Afterwards the editor refuses changes.
    ///
    /// # Errors
    ///
    /// [`FormError::Store`] with `Invalid` listing every problem and missing field when the
    /// referral is not ready (nothing is changed); other store errors as [`Store::submit`].
    pub fn submit(&self, service: ServiceConfig) -> Result<QueuedReferral, FormError> {
        let store = self.store.clone().ok_or(FormError::NoStore)?;
        let mut st = self.lock();
        st.refuse_if_finished()?;
        let now = st.now();
        {
            let State {
                doc,
                stash,
                computed,
                ..
            } = &mut *st;
            *computed = compute(doc, stash, now)?;
        }
        if !st.computed.problems.is_empty() || !st.computed.missing.is_empty() {
            let mut all = st.computed.problems.clone();
            all.extend(st.computed.missing.iter().cloned());
            return Err(FormError::Store(StoreError::Invalid(all)));
        }
        let id = st
            .save_into(&store, now, true)
            .map_err(|e| st.closed_by(e))?;
        st.draft_id = Some(id.clone());
        st.saved = true;
        let queued = store
            .submit(id, service, now)
            .map_err(|e| st.closed_by(e))?;
        st.submitted = true;
        st.draft_id = None;
        Ok(queued)
    }

    fn commit(
        &self,
        st: &mut State,
        mut doc: Value,
        changed_path: String,
    ) -> Result<SetOutcome, FormError> {
        let now = st.now();
        let mut stash = st.stash.clone();
        let outcome = if self.from_scratch || self.show_all {
            Outcome::Reshaped
        } else {
            let State {
                doc: old, computed, ..
            } = &mut *st;
            incremental::recompute(old, &mut doc, &mut stash, computed, &changed_path, now)?
        };
        let changed: Vec<FieldState> = match outcome {
            Outcome::Updated(mut positions) => {
                if let Some(&i) = st.computed.layout.index.get(&changed_path) {
                    positions.push(i);
                    positions.sort_unstable();
                    positions.dedup();
                }
                positions
                    .iter()
                    .map(|&i| st.computed.fields[i].clone())
                    .collect()
            }
            Outcome::Reshaped => {
                let computed = compute_with(&mut doc, &mut stash, now, self.show_all)?;
                let old: HashMap<&str, &FieldState> = st
                    .computed
                    .fields
                    .iter()
                    .map(|f| (f.path.as_str(), f))
                    .collect();
                let changed = computed
                    .fields
                    .iter()
                    .filter(|f| f.path == changed_path || old.get(f.path.as_str()) != Some(f))
                    .cloned()
                    .collect();
                st.computed = computed;
                changed
            }
        };
        let normalised = st
            .computed
            .layout
            .index
            .get(&changed_path)
            .and_then(|&i| st.computed.fields[i].normalised.clone());
        st.doc = doc;
        st.stash = stash;
        st.saved = false;
        if let Some(store) = &self.store {
            match st.save_into(store, now, false) {
                Ok(id) => {
                    st.draft_id = Some(id);
                    st.saved = true;
                }
                // Wiped while this change was made: the change goes with everything else.
                Err(StoreError::Closed) => return Err(st.closed_by(StoreError::Closed)),
                Err(_) => st.saved = false,
            }
        }
        Ok(SetOutcome {
            path: changed_path,
            normalised,
            changed,
            problem_count: count(st.computed.problems.len()),
            missing_count: count(st.computed.missing.len()),
            complete: no_errors(&st.computed.problems, &st.computed.missing),
            saved: st.saved,
            consent_refused_route: self.refused_route(&st.computed.referral),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change is computed on a copy and committed in plain assignments, so a panic
        // cannot leave the state half-changed: a poisoned lock is safe to reuse.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl WipeListener for DraftEditor {
    fn store_wiped(&self) {
        self.lock().close();
    }
}

impl State {
    fn now(&self) -> DateTime<Utc> {
        self.pinned_now.unwrap_or_else(Utc::now)
    }

    /// Refuses a change after a submit or a wipe.
    fn refuse_if_finished(&self) -> Result<(), FormError> {
        if self.closed {
            Err(FormError::Store(StoreError::Closed))
        } else if self.submitted {
            Err(FormError::Submitted)
        } else {
            Ok(())
        }
    }

    /// A store error as the editor reports it; `Closed` (the store was wiped) also drops every
    /// value the editor holds.
    fn closed_by(&mut self, e: StoreError) -> FormError {
        if matches!(e, StoreError::Closed) {
            self.close();
        }
        FormError::Store(e)
    }

    /// Drops every value (the typed texts are overwritten first, as far as the document holds
    /// them) and marks the editor closed.
    fn close(&mut self) {
        wipe_texts(&mut self.doc);
        for v in self.stash.values_mut() {
            wipe_texts(v);
        }
        let empty = Value::Object(Map::new());
        self.computed = Computed {
            referral: Referral::default(),
            held: Vec::new(),
            problems: Vec::new(),
            missing: Vec::new(),
            fields: Vec::new(),
            layout: Layout::of(&empty),
        };
        self.doc = empty;
        self.stash.clear();
        self.draft_id = None;
        self.saved = false;
        self.closed = true;
    }

    /// Saves the draft into `store` (fully synced or as an autosave), with the counts the
    /// editor shows, so the drafts list agrees with the form and no second validation runs.
    fn save_into(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        synced: bool,
    ) -> Result<String, StoreError> {
        let typed = zeroize::Zeroizing::new(serde_json::to_vec(&self.doc).unwrap_or_default());
        store.save_from_editor(
            self.draft_id.clone(),
            &self.computed.referral,
            &typed,
            now,
            synced,
            self.computed.missing.len(),
            self.computed.problems.len(),
        )
    }
}

fn unreachable_empty() -> Arc<DraftEditor> {
    // An empty referral always parses; this keeps the constructor infallible without a panic.
    Arc::new(DraftEditor {
        store: None,
        from_scratch: false,
        show_all: false,
        state: Mutex::new(State {
            doc: Value::Object(Map::new()),
            stash: BTreeMap::new(),
            computed: Computed {
                referral: Referral::default(),
                held: Vec::new(),
                problems: Vec::new(),
                missing: Vec::new(),
                fields: Vec::new(),
                layout: Layout::of(&Value::Object(Map::new())),
            },
            draft_id: None,
            saved: false,
            submitted: false,
            closed: false,
            pinned_now: None,
        }),
    })
}

/// The document a store kept as typed, if it reads back as the stored referral (a copy from
/// an older form or schema, or one out of step with its body, is not used: the body wins).
fn typed_document(bytes: &[u8], referral: &Referral) -> Option<Value> {
    let doc: Value = serde_json::from_slice(bytes).ok()?;
    let (parsed, _held) = parse_doc(&doc).ok()?;
    (parsed == *referral).then_some(doc)
}

/// Overwrites every string in `v` before it is dropped (names, phone numbers as typed).
fn wipe_texts(v: &mut Value) {
    use zeroize::Zeroize;
    match v {
        Value::String(s) => s.zeroize(),
        Value::Array(a) => a.iter_mut().for_each(wipe_texts),
        Value::Object(m) => m.values_mut().for_each(wipe_texts),
        _ => {}
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn unknown(path: &str) -> FormError {
    FormError::UnknownField { path: shown(path) }
}

/// The repeatable group at `group_path`: (field, max items, item field paths).
fn group(group_path: &str) -> Result<(&'static Field, u32, &'static [String]), FormError> {
    let field = definition()
        .field(group_path)
        .ok_or_else(|| unknown(group_path))?;
    match &field.kind {
        FieldKind::RepeatableGroup {
            item_fields,
            max_items,
        } => Ok((field, *max_items, item_fields)),
        other => Err(FormError::WrongKind {
            path: field.path.clone(),
            expected: other.name(),
            given: "repeatable_group",
        }),
    }
}

/// The slot a `set` addresses, or why there is none.
fn find_slot(st: &State, concrete: &str) -> Result<Slot, FormError> {
    let def = definition();
    let segs = path::parse(concrete).ok_or_else(|| unknown(concrete))?;
    if path::render(&segs) != concrete {
        return Err(unknown(concrete));
    }
    let layout = &st.computed.layout;
    if let Some(slot) = layout.index.get(concrete).map(|&i| layout.slots[i].clone()) {
        return match &slot.role {
            Role::Group | Role::Checklist => Err(FormError::WrongKind {
                path: slot.path.clone(),
                expected: slot.field.kind.name(),
                given: "value",
            }),
            _ => Ok(slot),
        };
    }
    let template = path::template(concrete);
    match def.field(&template) {
        Some(f) if f.group.is_some() => Err(FormError::NoSuchItem {
            path: shown(concrete),
        }),
        _ if concrete.starts_with("risk.answers.") && selected_instrument(&st.doc).is_none() => {
            Err(FormError::Hidden {
                path: shown(concrete),
            })
        }
        _ => Err(unknown(concrete)),
    }
}

/// Checks a value against the slot's kind and turns it into JSON (`None`: clear).
fn encode(slot: &Slot, value: FormValue) -> Result<Option<Value>, FormError> {
    let path = || shown(&slot.path);
    let wrong = |value: &FormValue, expected: &'static str| FormError::WrongKind {
        path: shown(&slot.path),
        expected,
        given: value.kind_name(),
    };
    match &value {
        FormValue::Clear => return Ok(None),
        FormValue::Text { text } if text.is_empty() => return Ok(None),
        FormValue::Text { text } if text.len() > MAX_INPUT_BYTES => {
            return Err(FormError::TooLong { path: path() });
        }
        _ => {}
    }
    match &slot.role {
        Role::Answer(_) => {
            let FieldKind::RiskChecklist { answer_options, .. } = &slot.field.kind else {
                return Err(wrong(&value, "choice"));
            };
            return match value {
                FormValue::Choice { option }
                    if answer_options.iter().any(|o| o.value == option) =>
                {
                    Ok(Some(Value::String(option)))
                }
                FormValue::Choice { .. } => Err(FormError::UnknownOption { path: path() }),
                other => Err(wrong(&other, "choice")),
            };
        }
        Role::Comment(_) => {
            return match value {
                FormValue::Text { text } => Ok(Some(Value::String(text))),
                other => Err(wrong(&other, "text")),
            };
        }
        _ => {}
    }
    let kind = &slot.field.kind;
    match (kind, value) {
        (k, FormValue::Text { text }) if k.takes_text() => Ok(Some(Value::String(text))),
        (FieldKind::YesNo, FormValue::YesNo { yes }) => Ok(Some(Value::Bool(yes))),
        (FieldKind::Choice { options }, FormValue::Choice { option }) => {
            if !options.iter().any(|o| o.value == option) {
                return Err(FormError::UnknownOption { path: path() });
            }
            if slot.field.path == INSTRUMENT {
                let (id, version) = option.split_once(':').unwrap_or((option.as_str(), ""));
                let mut m = Map::new();
                m.insert("id".into(), Value::String(id.to_string()));
                m.insert("version".into(), Value::String(version.to_string()));
                return Ok(Some(Value::Object(m)));
            }
            Ok(Some(Value::String(option)))
        }
        (FieldKind::MultiChoice { options }, FormValue::Choices { options: chosen }) => {
            let mut out: Vec<Value> = Vec::new();
            for c in chosen {
                if !options.iter().any(|o| o.value == c) {
                    return Err(FormError::UnknownOption { path: path() });
                }
                if !out.iter().any(|v| v.as_str() == Some(c.as_str())) {
                    out.push(Value::String(c));
                }
            }
            Ok((!out.is_empty()).then_some(Value::Array(out)))
        }
        (FieldKind::Integer { min, max }, FormValue::Integer { value }) => {
            if value < *min || value > *max {
                return Err(FormError::OutOfRange { path: path() });
            }
            Ok(Some(Value::from(value)))
        }
        (k, other) => Err(wrong(&other, k.name())),
    }
}

/// Writes an encoded value into the document at the slot.
fn write(doc: &mut Value, slot: &Slot, value: Option<Value>) -> Result<(), FormError> {
    let unknown_here = || unknown(&slot.path);
    match &slot.role {
        Role::Answer(qid) => {
            let segs = path::parse(ANSWERS).ok_or_else(unknown_here)?;
            let list = path::get_mut_creating(doc, &segs).ok_or_else(unknown_here)?;
            if list.is_null() {
                *list = Value::Array(Vec::new());
            }
            let Value::Array(list) = list else {
                return Err(unknown_here());
            };
            let pos = list
                .iter()
                .position(|a| a.get("question_id").and_then(Value::as_str) == Some(qid));
            match (pos, value) {
                (Some(i), None) => {
                    list.remove(i);
                }
                (Some(i), Some(v)) => {
                    if let Value::Object(m) = &mut list[i] {
                        m.insert("answer".into(), v);
                    }
                }
                (None, Some(v)) => {
                    let mut m = Map::new();
                    m.insert("question_id".into(), Value::String(qid.clone()));
                    m.insert("answer".into(), v);
                    m.insert("comment".into(), Value::Null);
                    list.push(Value::Object(m));
                }
                (None, None) => {}
            }
            Ok(())
        }
        Role::Comment(qid) => {
            let answer = answer_mut(doc, qid).ok_or_else(|| FormError::Hidden {
                path: shown(&slot.path),
            })?;
            answer.insert("comment".into(), value.unwrap_or(Value::Null));
            Ok(())
        }
        Role::Plain => {
            let segs = path::parse(&slot.path).ok_or_else(unknown_here)?;
            let target = path::get_mut_creating(doc, &segs).ok_or_else(unknown_here)?;
            *target = value.unwrap_or(Value::Null);
            Ok(())
        }
        Role::Group | Role::Checklist => Err(unknown_here()),
    }
}

fn answers(doc: &Value) -> &[Value] {
    doc.get("risk")
        .and_then(|r| r.get("answers"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn answer<'a>(doc: &'a Value, qid: &str) -> Option<&'a Value> {
    answers(doc)
        .iter()
        .find(|a| a.get("question_id").and_then(Value::as_str) == Some(qid))
}

fn answer_mut<'a>(doc: &'a mut Value, qid: &str) -> Option<&'a mut Map<String, Value>> {
    doc.get_mut("risk")?
        .get_mut("answers")?
        .as_array_mut()?
        .iter_mut()
        .find(|a| a.get("question_id").and_then(Value::as_str) == Some(qid))?
        .as_object_mut()
}

/// `id:version` of the chosen instrument.
fn selected_instrument(doc: &Value) -> Option<String> {
    let i = doc.get("risk")?.get("instrument")?;
    Some(format!(
        "{}:{}",
        i.get("id")?.as_str()?,
        i.get("version")?.as_str()?
    ))
}

/// Every concrete slot of the form for this document, in display order.
fn slots(def: &'static FormDefinition, doc: &Value) -> Vec<Slot> {
    let mut out = Vec::with_capacity(128);
    for field in def.fields() {
        if field.group.is_some() {
            continue;
        }
        match &field.kind {
            FieldKind::RepeatableGroup { item_fields, .. } => {
                out.push(Slot {
                    path: field.path.clone(),
                    field,
                    indexes: Vec::new(),
                    role: Role::Group,
                });
                let n = path::parse(&field.path)
                    .and_then(|s| path::get(doc, &s).and_then(Value::as_array).map(Vec::len))
                    .unwrap_or(0);
                for i in 0..n {
                    for item_path in item_fields {
                        if let Some(item_field) = def.field(item_path) {
                            out.push(Slot {
                                path: path::instantiate(item_path, &[i]),
                                field: item_field,
                                indexes: vec![i],
                                role: Role::Plain,
                            });
                        }
                    }
                }
            }
            FieldKind::RiskChecklist { instruments, .. } => {
                out.push(Slot {
                    path: field.path.clone(),
                    field,
                    indexes: Vec::new(),
                    role: Role::Checklist,
                });
                let chosen = selected_instrument(doc);
                if let Some(ins) = instruments
                    .iter()
                    .find(|i| Some(&i.value) == chosen.as_ref())
                {
                    for q in &ins.questions {
                        out.push(Slot {
                            path: format!("{}.{}", field.path, q.id),
                            field,
                            indexes: Vec::new(),
                            role: Role::Answer(q.id.clone()),
                        });
                        out.push(Slot {
                            path: format!("{}.{}.comment", field.path, q.id),
                            field,
                            indexes: Vec::new(),
                            role: Role::Comment(q.id.clone()),
                        });
                    }
                }
            }
            _ => out.push(Slot {
                path: field.path.clone(),
                field,
                indexes: Vec::new(),
                role: Role::Plain,
            }),
        }
    }
    out
}

fn visible(slot: &Slot, doc: &Value) -> bool {
    let holds = |f: &Field| {
        f.visible_when
            .as_ref()
            .is_none_or(|c| c.holds(doc, &slot.indexes))
    };
    if !holds(slot.field) {
        return false;
    }
    if let Some(g) = slot
        .field
        .group
        .as_deref()
        .and_then(|g| definition().field(g))
        && !holds(g)
    {
        return false;
    }
    match &slot.role {
        Role::Comment(qid) => answer(doc, qid).is_some(),
        _ => true,
    }
}

fn required(slot: &Slot, doc: &Value, visible: bool) -> bool {
    if !visible {
        return false;
    }
    match &slot.role {
        Role::Answer(_) => true,
        Role::Comment(_) => false,
        _ => match &slot.field.required {
            Requirement::Always => true,
            Requirement::Never => false,
            Requirement::When { condition } => condition.holds(doc, &slot.indexes),
        },
    }
}

fn read<'a>(slot: &Slot, doc: &'a Value) -> Option<&'a Value> {
    match &slot.role {
        Role::Plain => path::get_str(doc, &slot.path),
        Role::Answer(q) => answer(doc, q)?.get("answer"),
        Role::Comment(q) => answer(doc, q)?.get("comment"),
        Role::Group | Role::Checklist => None,
    }
}

fn form_value(v: &Value) -> Option<FormValue> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(FormValue::YesNo { yes: *b }),
        Value::Number(n) => n.as_i64().map(|value| FormValue::Integer { value }),
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(FormValue::Text { text: s.clone() }),
        Value::Array(a) => {
            let options: Vec<String> = a
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            (!options.is_empty()).then_some(FormValue::Choices { options })
        }
        Value::Object(m) => Some(FormValue::Choice {
            option: format!(
                "{}:{}",
                m.get("id").and_then(Value::as_str).unwrap_or_default(),
                m.get("version").and_then(Value::as_str).unwrap_or_default()
            ),
        }),
    }
}

/// The value of a slot as the app sees it (choices as `Choice`, not text).
fn slot_value(slot: &Slot, doc: &Value) -> Option<FormValue> {
    let v = form_value(read(slot, doc)?)?;
    let is_choice = matches!(slot.role, Role::Answer(_))
        || (slot.role == Role::Plain && matches!(slot.field.kind, FieldKind::Choice { .. }));
    match v {
        FormValue::Text { text } if is_choice => Some(FormValue::Choice { option: text }),
        other => Some(other),
    }
}

fn normalised(slot: &Slot, value: Option<&FormValue>) -> Option<String> {
    let Some(FormValue::Text { text }) = value else {
        return None;
    };
    match (&slot.role, &slot.field.kind) {
        (Role::Plain, FieldKind::Phone) => PhoneNumber::parse(text).e164().map(str::to_string),
        (Role::Plain, FieldKind::Postcode) => {
            let p = Postcode::parse(text);
            p.is_valid().then(|| p.as_str().to_string())
        }
        // Fields searched by name: a name typed ("BSL", "West Yorkshire Police") is shown as
        // what it is stored as (the code); a free-text language as its name.
        (Role::Plain, FieldKind::Text { .. }) if !slot.field.suggestions.is_empty() => {
            let path = slot.field.path.as_str();
            if path.ends_with("organisation_id") {
                let id = OrganisationId::parse(text);
                id.is_valid().then(|| id.as_str().to_string())
            } else if path.ends_with(".country") {
                let c = CountryCode::parse(text);
                c.is_valid().then(|| c.as_str().to_string())
            } else if path.ends_with("interpreter_language") {
                let l = LanguageCode::parse(text);
                l.is_valid().then(|| l.as_str().to_string())
            } else {
                language_name(LanguageCode::parse(text).as_str()).map(str::to_string)
            }
        }
        _ => None,
    }
}

/// Sets aside the values of hidden fields and brings back those of fields shown again, until
/// nothing changes (a hidden value can hide or show others); then drops optional objects left
/// empty, so an emptied address is no address.
fn apply_visibility(doc: &mut Value, stash: &mut BTreeMap<String, Value>) {
    let def = definition();
    for _ in 0..8 {
        let mut changed = false;
        for slot in slots(def, doc) {
            if slot.role == Role::Plain && settle(&slot, doc, stash) {
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    collapse_empty_objects(doc, 0);
}

/// Sets aside the value of a plain slot that is hidden, or brings back the value of one
/// shown again. True when a value moved.
fn settle(slot: &Slot, doc: &mut Value, stash: &mut BTreeMap<String, Value>) -> bool {
    let shown_now = visible(slot, doc);
    let Some(segs) = path::parse(&slot.path) else {
        return false;
    };
    let current_set = path::get(doc, &segs).is_some_and(path::is_set);
    if !shown_now && current_set {
        if let Some(v) = path::get_mut_creating(doc, &segs) {
            stash.insert(slot.path.clone(), std::mem::take(v));
            return true;
        }
    } else if shown_now
        && !current_set
        && let Some(v) = stash.remove(&slot.path)
    {
        if let Some(target) = path::get_mut_creating(doc, &segs) {
            *target = v;
            return true;
        }
        stash.insert(slot.path.clone(), v);
    }
    false
}

fn collapse_empty_objects(v: &mut Value, depth: usize) {
    match v {
        Value::Object(m) => {
            for child in m.values_mut() {
                collapse_empty_objects(child, depth + 1);
            }
            if depth >= 2 && !m.values().any(path::is_set) {
                *v = Value::Null;
            }
        }
        Value::Array(a) => {
            // Items are objects at any depth, but an empty item is still an item.
            for item in a.iter_mut() {
                if let Value::Object(m) = item {
                    for child in m.values_mut() {
                        collapse_empty_objects(child, depth + 2);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Parses the document into the typed referral, holding back list items that cannot be typed
/// yet. Returns the referral and the held-back items as (group path, original index).
fn parse_doc(doc: &Value) -> Result<(Referral, Vec<(String, usize)>), FormError> {
    let first = match serde_path_to_error::deserialize::<_, Referral>(doc) {
        Ok(r) => return Ok((r, Vec::new())),
        Err(e) => e,
    };
    let mut work = doc.clone();
    let mut held: Vec<(String, usize)> = Vec::new();
    let mut err = first;
    for _ in 0..64 {
        let at = err.path().to_string();
        let Some((group, index)) = last_item(&at) else {
            return Err(shape_error(&at));
        };
        let Some(segs) = path::parse(&group) else {
            return Err(shape_error(&at));
        };
        let Some(Value::Array(list)) = path::get_mut_creating(&mut work, &segs) else {
            return Err(shape_error(&at));
        };
        if index >= list.len() {
            return Err(shape_error(&at));
        }
        list.remove(index);
        let original = original_index(&held, &group, index);
        held.push((group, original));
        match serde_path_to_error::deserialize::<_, Referral>(&work) {
            Ok(r) => return Ok((r, held)),
            Err(e) => err = e,
        }
    }
    Err(shape_error("referral"))
}

fn shape_error(at: &str) -> FormError {
    FormError::Document(DocumentError::Shape(Problem::new(
        &shown(at),
        "document.invalid_value",
        "This value cannot be read.",
    )))
}

/// `a.b[3].c` gives (`a.b`, 3): the innermost list item of a path.
fn last_item(p: &str) -> Option<(String, usize)> {
    let open = p.rfind('[')?;
    let close = open + p[open..].find(']')?;
    let index = p[open + 1..close].parse().ok()?;
    Some((p[..open].to_string(), index))
}

/// The original position of working index `j` of `group`, given the items already held back.
fn original_index(held: &[(String, usize)], group: &str, j: usize) -> usize {
    let mut gone: Vec<usize> = held
        .iter()
        .filter(|(g, _)| g == group)
        .map(|(_, i)| *i)
        .collect();
    gone.sort_unstable();
    let mut i = 0;
    let mut seen = 0;
    loop {
        if !gone.contains(&i) {
            if seen == j {
                return i;
            }
            seen += 1;
        }
        i += 1;
    }
}

/// Rewrites `group[j]` in a problem path to the item's original index.
fn remap(p: &mut Problem, held: &[(String, usize)]) {
    for (group, _) in held {
        let prefix = format!("{group}[");
        if let Some(rest) = p.path.strip_prefix(&prefix)
            && let Some(close) = rest.find(']')
            && let Ok(j) = rest[..close].parse::<usize>()
        {
            let orig = original_index(held, group, j);
            p.path = format!("{group}[{orig}]{}", &rest[close + 1..]);
            return;
        }
    }
}

fn compute(
    doc: &mut Value,
    stash: &mut BTreeMap<String, Value>,
    now: DateTime<Utc>,
) -> Result<Computed, FormError> {
    compute_with(doc, stash, now, false)
}

/// As [`compute`]; with `all_shown`, no value is set aside for being hidden (the follow-up
/// editor's form, whose conditions would read parts of the referral it does not have).
fn compute_with(
    doc: &mut Value,
    stash: &mut BTreeMap<String, Value>,
    now: DateTime<Utc>,
    all_shown: bool,
) -> Result<Computed, FormError> {
    if !all_shown {
        apply_visibility(doc, stash);
    }
    let (referral, held) = parse_doc(doc)?;
    Ok(derive(doc, referral, held, now))
}

/// Validation, held-back items and field states for a parsed document, from scratch.
fn derive(
    doc: &Value,
    referral: Referral,
    held: Vec<(String, usize)>,
    now: DateTime<Utc>,
) -> Computed {
    let layout = Layout::of(doc);
    let (problems, missing) = problems_of(&referral, &held, doc, &layout.slots, now);
    let mut fields: Vec<FieldState> = layout.slots.iter().map(|s| field_state(s, doc)).collect();
    for (f, (p, m)) in fields
        .iter_mut()
        .zip(attachments(&problems, &missing, doc, &layout))
    {
        f.problems = p;
        f.missing = m;
    }
    Computed {
        referral,
        held,
        problems,
        missing,
        fields,
        layout,
    }
}

/// Validation's problems and missing fields, with the paths of held-back items restored and
/// their own missing fields added.
fn problems_of(
    referral: &Referral,
    held: &[(String, usize)],
    doc: &Value,
    all_slots: &[Slot],
    now: DateTime<Utc>,
) -> (Vec<Problem>, Vec<Problem>) {
    let report = validate_draft(referral, now);
    let mut problems = report.problems;
    let mut missing = report.missing;
    if !held.is_empty() {
        for p in problems.iter_mut().chain(missing.iter_mut()) {
            remap(p, held);
        }
        for (group, index) in held {
            let item = format!("{group}[{index}].");
            for slot in all_slots.iter().filter(|s| s.path.starts_with(&item)) {
                let set = read(slot, doc).is_some_and(path::is_set);
                if !set && required(slot, doc, visible(slot, doc)) {
                    missing.push(Problem::new(
                        &slot.path,
                        "field.required",
                        "This mandatory field is missing.",
                    ));
                }
            }
        }
    }
    (problems, missing)
}

/// A slot's state without its problems.
fn field_state(slot: &Slot, doc: &Value) -> FieldState {
    let visible = visible(slot, doc);
    let value = slot_value(slot, doc);
    let item_count = match slot.role {
        Role::Group => path::get_str(doc, &slot.path)
            .and_then(Value::as_array)
            .map_or(0, |a| count(a.len())),
        _ => 0,
    };
    FieldState {
        path: slot.path.clone(),
        field_path: slot.field.path.clone(),
        visible,
        required: required(slot, doc, visible),
        normalised: normalised(slot, value.as_ref()),
        value,
        item_count,
        problems: Vec::new(),
        missing: Vec::new(),
    }
}

/// The problems and missing fields of each slot of `layout`, in its order.
fn attachments(
    problems: &[Problem],
    missing: &[Problem],
    doc: &Value,
    layout: &Layout,
) -> Vec<(Vec<Problem>, Vec<Problem>)> {
    let mut out: Vec<(Vec<Problem>, Vec<Problem>)> = vec![Default::default(); layout.slots.len()];
    for (is_missing, list) in [(false, problems), (true, missing)] {
        for p in list {
            if let Some(i) = slot_for_problem(&p.path, doc, layout) {
                let (ps, ms) = &mut out[i];
                if is_missing { ms } else { ps }.push(p.clone());
            }
        }
    }
    out
}

/// The concrete field a problem belongs to (see `FormDefinition::field_for_path`).
fn slot_for_problem(p: &str, doc: &Value, layout: &Layout) -> Option<usize> {
    let index = &layout.index;
    if let Some(rest) = p.strip_prefix("risk.answers[") {
        let close = rest.find(']')?;
        let i: usize = rest[..close].parse().ok()?;
        let tail = &rest[close + 1..];
        let qid = answers(doc).get(i)?.get("question_id")?.as_str()?;
        let by_id = format!(
            "{ANSWERS}.{qid}{}",
            if tail == ".comment" { tail } else { "" }
        );
        return index
            .get(by_id.as_str())
            .or_else(|| index.get(ANSWERS))
            .copied();
    }
    if let Some(i) = index.get(p) {
        return Some(*i);
    }
    // One entry of a multi-choice list (`consent.agreed_contact_methods[1]`).
    if let Some(open) = p.rfind('[')
        && p.ends_with(']')
        && let Some(i) = index.get(&p[..open])
    {
        return Some(*i);
    }
    let dot = format!("{p}.");
    let bracket = format!("{p}[");
    layout
        .slots
        .iter()
        .position(|f| f.path.starts_with(&dot) || f.path.starts_with(&bracket))
}

#[cfg(test)]
impl DraftEditor {
    /// An editor of `json` (or an empty one) that recomputes everything after each change: the
    /// reference the incremental path is tested against.
    pub(super) fn open_from_scratch(json: Option<&str>) -> Arc<DraftEditor> {
        let referral = json.map_or_else(Referral::default, |j| {
            parse_referral(j).unwrap_or_else(|e| panic!("test document: {e:?}"))
        });
        let built = DraftEditor::build(None, referral, None)
            .unwrap_or_else(|e| panic!("test document: {e:?}"));
        let st = built
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone_state();
        Arc::new(DraftEditor {
            store: None,
            from_scratch: true,
            show_all: false,
            state: Mutex::new(st),
        })
    }

    /// The document, the values set aside, the typed referral and every field state, as
    /// computed so far (no revalidation).
    pub(super) fn internals(&self) -> (Value, BTreeMap<String, Value>, Referral, Vec<FieldState>) {
        let st = self.lock();
        (
            st.doc.clone(),
            st.stash.clone(),
            st.computed.referral.clone(),
            st.computed.fields.clone(),
        )
    }

    /// The same state recomputed from scratch from this editor's document and values set
    /// aside (the document, values set aside, referral and field states).
    pub(super) fn recomputed(&self) -> (Value, BTreeMap<String, Value>, Referral, Vec<FieldState>) {
        let st = self.lock();
        let (mut doc, mut stash) = (st.doc.clone(), st.stash.clone());
        let c = compute(&mut doc, &mut stash, st.now()).unwrap_or_else(|e| panic!("{e:?}"));
        (doc, stash, c.referral, c.fields)
    }
}

#[cfg(test)]
impl State {
    fn clone_state(&self) -> State {
        State {
            doc: self.doc.clone(),
            stash: self.stash.clone(),
            computed: Computed {
                referral: self.computed.referral.clone(),
                held: self.computed.held.clone(),
                problems: self.computed.problems.clone(),
                missing: self.computed.missing.clone(),
                fields: self.computed.fields.clone(),
                layout: Arc::clone(&self.computed.layout),
            },
            draft_id: self.draft_id.clone(),
            saved: self.saved,
            submitted: self.submitted,
            closed: self.closed,
            pinned_now: self.pinned_now,
        }
    }
}

/// True when nothing stops sending: items to follow and warnings do not.
fn no_errors(problems: &[Problem], missing: &[Problem]) -> bool {
    !problems.iter().chain(missing).any(Problem::is_error)
}
