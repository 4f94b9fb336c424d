//! Drafts: what the officer has typed so far, autosaved, encrypted, and purged when idle.
//!
//! A draft is saved as often as the form likes (autosave overwrites the same row). Its body is
//! the referral JSON; its summary (a short title plus counts of missing fields and problems)
//! is encrypted separately so a list of drafts decrypts a few bytes per row, not whole forms.
//!
//! A draft saved by the form editor also keeps the editor's document, exactly as typed
//! (`020 7946 0123`, `12/04/1990`, an incomplete item of a group), sealed in its own column
//! (`typed`): the body stays the normalised referral that validation, submit and the lists
//! read, and a reopened draft shows what the officer typed (docs/form.md). A save from a
//! referral (JSON, a reopened rejection) clears it, so a stale typed copy never hides a newer
//! body; the editor also ignores a typed copy that does not read back as the body.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::Store;
use super::cipher::{self, DRAFT_BODY, DRAFT_SUMMARY, DRAFT_TYPED};
use super::error::{Result, StoreError};
use crate::crypto::DataKey;
use crate::model::{Referral, SCHEMA_VERSION};
use crate::validation::{DocumentError, parse_referral, validate_draft};

/// One draft as a list shows it. `title` is the incident (or case) reference, never a name;
/// it is kept encrypted and decrypted for display, and `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftSummary {
    /// The draft id (uuid v4).
    pub id: String,
    /// When the draft was first saved.
    pub created_at: DateTime<Utc>,
    /// When the draft was last saved.
    pub updated_at: DateTime<Utc>,
    /// A short title for the list: the incident or case reference, as far as typed, or
    /// "Untitled draft". Never a name or initials.
    pub title: String,
    /// Mandatory fields still missing when it was saved.
    pub missing_fields: u32,
    /// Problems in what was filled in when it was saved.
    pub problems: u32,
    /// Its row cannot be read whole (damaged on disk: its encrypted summary, its id, which is
    /// then shown as far as it reads, or its times, then shown as 1970-01-01): listed by its id
    /// only (empty title, zero counts); the other drafts are unaffected.
    pub damaged: bool,
}

impl std::fmt::Debug for DraftSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DraftSummary")
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("missing_fields", &self.missing_fields)
            .field("problems", &self.problems)
            .finish_non_exhaustive()
    }
}

/// The encrypted summary's plaintext.
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct Summary {
    pub title: String,
    pub missing: u32,
    pub problems: u32,
}

impl Summary {
    pub(crate) fn of(referral: &Referral, now: DateTime<Utc>) -> Summary {
        let report = validate_draft(referral, now);
        Summary {
            title: title_of(referral),
            missing: super::count_u32(report.missing.len()),
            problems: super::count_u32(report.problems.len()),
        }
    }

    /// The summary of a referral that passed [`crate::validation::validate_for_submission`]:
    /// nothing missing and no problems, by definition, so no second validation.
    pub(crate) fn of_submittable(referral: &Referral) -> Summary {
        Summary {
            title: title_of(referral),
            missing: 0,
            problems: 0,
        }
    }

    pub(crate) fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(serde_json::to_vec(self).unwrap_or_default())
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Summary> {
        serde_json::from_slice(bytes).map_err(|_| StoreError::CorruptStore("unreadable summary"))
    }
}

/// "CAD-2026-000123": the incident (or the referrer's case) reference, enough for the officer
/// to tell drafts apart. Never a name, initials or the subject: a list, a notification or the
/// recents screen is seen over a shoulder or on a lock screen.
fn title_of(referral: &Referral) -> String {
    let reference = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    reference(&referral.incident.incident_number)
        .or_else(|| reference(&referral.incident.case_reference))
        .unwrap_or_else(|| "Untitled draft".to_string())
}

/// Serialises a referral for storage; the buffer is wiped when dropped.
pub(crate) fn referral_bytes(referral: &Referral) -> Result<Zeroizing<Vec<u8>>> {
    serde_json::to_vec(referral)
        .map(Zeroizing::new)
        .map_err(|_| StoreError::InvalidArgument("the referral cannot be serialised"))
}

/// Reads a stored referral back.
pub(crate) fn referral_from_bytes(bytes: &[u8]) -> Result<Referral> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| StoreError::CorruptStore("stored referral is not text"))?;
    parse_referral(text).map_err(|_| StoreError::CorruptStore("stored referral does not parse"))
}

/// Inserts or overwrites a draft's row (sealed body and summary) in one commit.
fn write_draft_row(
    inner: &mut super::Inner,
    id: Option<String>,
    version: u32,
    body: &[u8],
    summary: &[u8],
    typed: Option<&[u8]>,
    now: DateTime<Utc>,
) -> Result<String> {
    let is_new = id.is_none();
    let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let sealed_body = cipher::seal(&inner.key, DRAFT_BODY, &id, version, body);
    let sealed_summary = cipher::seal(&inner.key, DRAFT_SUMMARY, &id, version, summary);
    let sealed_typed = typed.map(|t| cipher::seal(&inner.key, DRAFT_TYPED, &id, version, t));
    let t = cipher::to_millis(now);
    if is_new {
        inner
            .conn
            .prepare_cached(
                "INSERT INTO drafts (id, schema_version, created_at, updated_at, body, summary,
                 typed) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                id,
                version,
                t,
                sealed_body,
                sealed_summary,
                sealed_typed
            ])?;
    } else {
        let n = inner
            .conn
            .prepare_cached(
                "UPDATE drafts SET schema_version = ?2, updated_at = ?3, body = ?4,
                 summary = ?5, typed = ?6 WHERE id = ?1",
            )?
            .execute(params![
                id,
                version,
                t,
                sealed_body,
                sealed_summary,
                sealed_typed
            ])?;
        if n == 0 {
            // Purged, submitted or never existed: never resurrect it under that id.
            return Err(StoreError::NotFound("draft"));
        }
    }
    Ok(id)
}

impl Store {
    /// Saves a draft. With `id: None` a new draft is created and its id returned; with an id,
    /// that draft is overwritten (autosave) and the same id returned.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] if `id` names no draft (it may have been purged or submitted).
    pub fn save_draft(
        &self,
        id: Option<String>,
        referral: Referral,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let summary = Summary::of(&referral, now);
        self.write_draft(id, &referral, &summary, None, now, true)
    }

    /// Saves a draft as [`Store::save_draft`] does, but commits without waiting for the disk
    /// (`synchronous = NORMAL` for this one commit): the save survives the app being killed
    /// (the commit is in the write-ahead log, in the operating system's hands, when this
    /// returns) but the last autosaves before a power cut or kernel crash may be lost. The
    /// next fully synced commit (an explicit save, a submit, any other store write) makes every
    /// earlier one durable too, since the log is written in order. For the form editor's
    /// autosave after each change; see docs/storage.md, "Durability of drafts".
    ///
    /// # Errors
    ///
    /// As [`Store::save_draft`].
    pub fn autosave_draft(
        &self,
        id: Option<String>,
        referral: Referral,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let summary = Summary::of(&referral, now);
        self.write_draft(id, &referral, &summary, None, now, false)
    }

    /// Saves the draft a form editor holds, with the counts of missing fields and problems the
    /// editor has just computed (so the summary needs no second validation) and the editor's
    /// document as typed (`typed`, sealed in its own column). `synced` as
    /// [`Store::save_draft`] when true, as [`Store::autosave_draft`] when false.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn save_from_editor(
        &self,
        id: Option<String>,
        referral: &Referral,
        typed: &[u8],
        now: DateTime<Utc>,
        synced: bool,
        missing: usize,
        problems: usize,
    ) -> Result<String> {
        let summary = Summary {
            title: title_of(referral),
            missing: super::count_u32(missing),
            problems: super::count_u32(problems),
        };
        self.write_draft(id, referral, &summary, Some(typed), now, synced)
    }

    /// The draft's referral and, when the form editor saved it, the editor's document as typed
    /// (JSON bytes, wiped when dropped).
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] if there is no such draft.
    pub(crate) fn load_draft_as_typed(
        &self,
        id: String,
    ) -> Result<(Referral, Option<Zeroizing<Vec<u8>>>)> {
        self.with(|inner| {
            let referral = load_draft_in(&inner.conn, &inner.key, &id)?;
            let row: Option<(i64, Option<Vec<u8>>)> = inner
                .conn
                .prepare_cached("SELECT schema_version, typed FROM drafts WHERE id = ?1")?
                .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let typed = match row {
                Some((version, Some(sealed))) => {
                    let version = cipher::version_from_sql(version)?;
                    // A damaged typed copy loses only the typing: the body still opens.
                    cipher::open(&inner.key, DRAFT_TYPED, &id, version, &sealed)
                        .ok()
                        .map(Zeroizing::new)
                }
                _ => None,
            };
            Ok((referral, typed))
        })
    }

    fn write_draft(
        &self,
        id: Option<String>,
        referral: &Referral,
        summary: &Summary,
        typed: Option<&[u8]>,
        now: DateTime<Utc>,
        synced: bool,
    ) -> Result<String> {
        if referral.schema_version != SCHEMA_VERSION {
            return Err(StoreError::InvalidArgument(
                "the referral's schema version is not the one this build writes",
            ));
        }
        let body = referral_bytes(referral)?;
        let summary = summary.to_bytes();
        let version = referral.schema_version;
        self.with(|inner| {
            if !synced {
                inner
                    .conn
                    .prepare_cached("PRAGMA synchronous = NORMAL")?
                    .execute([])?;
            }
            let written = write_draft_row(inner, id, version, &body, &summary, typed, now);
            if !synced {
                // Every other commit of this connection stays fully synced.
                inner
                    .conn
                    .prepare_cached("PRAGMA synchronous = FULL")?
                    .execute([])?;
            }
            written
        })
    }

    /// Saves a draft given as referral JSON (the form's own representation).
    ///
    /// # Errors
    ///
    /// [`StoreError::Document`] if the JSON is not a referral document; otherwise as
    /// [`Store::save_draft`].
    pub fn save_draft_json(
        &self,
        id: Option<String>,
        json: String,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let json = Zeroizing::new(json);
        let referral = parse_referral(&json).map_err(StoreError::Document)?;
        self.save_draft(id, referral, now)
    }

    /// Every draft's summary, most recently saved first. Decrypts only the summaries.
    pub fn list_drafts(&self) -> Result<Vec<DraftSummary>> {
        self.with(|inner| {
            let mut stmt = inner.conn.prepare(
                "SELECT id, schema_version, created_at, updated_at, summary FROM drafts
                 ORDER BY updated_at DESC, id",
            )?;
            // Each column is read leniently: damage to one row (an id that is not UTF-8, a time
            // or version out of range) marks that draft damaged and hides nothing else, and no
            // database text reaches the caller.
            let rows = stmt.query_map([], |r| {
                let id = match r.get_ref(0)? {
                    rusqlite::types::ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                        .map(str::to_string)
                        .map_err(|_| String::from_utf8_lossy(bytes).into_owned()),
                    other => Err(format!("{other:?}")),
                };
                Ok((
                    id,
                    r.get::<_, i64>(1).ok(),
                    r.get::<_, i64>(2).ok(),
                    r.get::<_, i64>(3).ok(),
                    r.get::<_, Vec<u8>>(4).ok(),
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, version, created, updated, sealed) = row?;
                let time = |ms: Option<i64>| ms.and_then(|ms| cipher::from_millis(ms).ok());
                let (created_at, updated_at) = (time(created), time(updated));
                let opened = match (
                    &id,
                    version.and_then(|v| cipher::version_from_sql(v).ok()),
                    &sealed,
                ) {
                    (Ok(id), Some(version), Some(sealed)) => {
                        cipher::open(&inner.key, DRAFT_SUMMARY, id, version, sealed)
                            .map(Zeroizing::new)
                            .and_then(|plain| Summary::from_bytes(&plain))
                            .ok()
                    }
                    _ => None,
                };
                let damaged = opened.is_none() || created_at.is_none() || updated_at.is_none();
                // Damage to one value hides only its own draft.
                let summary = opened.unwrap_or_default();
                out.push(DraftSummary {
                    id: id.unwrap_or_else(|lossy| lossy),
                    created_at: created_at.unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
                    updated_at: updated_at.unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
                    title: summary.title,
                    missing_fields: summary.missing,
                    problems: summary.problems,
                    damaged,
                });
            }
            Ok(out)
        })
    }

    /// The draft's referral.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] if there is no such draft.
    pub fn load_draft(&self, id: String) -> Result<Referral> {
        self.with(|inner| load_draft_in(&inner.conn, &inner.key, &id))
    }

    /// The draft's referral as JSON (pretty-printed).
    pub fn load_draft_json(&self, id: String) -> Result<String> {
        let referral = self.load_draft(id)?;
        serde_json::to_string_pretty(&referral)
            .map_err(|_| StoreError::InvalidArgument("the referral cannot be serialised"))
    }

    /// Deletes a draft (its pages are zeroed: `secure_delete` is on).
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] if there is no such draft.
    pub fn delete_draft(&self, id: String) -> Result<()> {
        self.with(|inner| {
            let n = inner
                .conn
                .execute("DELETE FROM drafts WHERE id = ?1", [&id])?;
            if n == 0 {
                Err(StoreError::NotFound("draft"))
            } else {
                Ok(())
            }
        })
    }
}

/// Loads and decrypts a draft using an open connection (also used inside submit's transaction).
pub(crate) fn load_draft_in(
    conn: &rusqlite::Connection,
    key: &DataKey,
    id: &str,
) -> Result<Referral> {
    let row: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT schema_version, body FROM drafts WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (version, sealed) = row.ok_or(StoreError::NotFound("draft"))?;
    let version = cipher::version_from_sql(version)?;
    let plain = Zeroizing::new(cipher::open(key, DRAFT_BODY, id, version, &sealed)?);
    stored_referral(&plain, version)
}

/// Reads back a referral that [`referral_bytes`] wrote under `version`. The bytes opened
/// with the data key, so they are the store's own serialisation: at the current schema
/// version they are read straight into the model (one pass, about a fifth of the time of the
/// document path, which builds a JSON tree, scans it for duplicate keys and reads it with
/// paths for error messages). Anything else (an older version, anything that does not read
/// that way) takes [`referral_from_bytes`], so nothing is read more leniently than before.
pub(crate) fn stored_referral(bytes: &[u8], version: u32) -> Result<Referral> {
    if version == SCHEMA_VERSION
        && let Ok(referral) = serde_json::from_slice::<Referral>(bytes)
        && referral.schema_version == SCHEMA_VERSION
    {
        return Ok(referral);
    }
    referral_from_bytes(bytes)
}

impl From<DocumentError> for StoreError {
    fn from(e: DocumentError) -> StoreError {
        StoreError::Document(e)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn a_stored_referral_reads_back_as_the_document_path_reads_it() {
        let referral = crate::example::example_referral();
        let bytes = referral_bytes(&referral).unwrap();
        let fast = stored_referral(&bytes, SCHEMA_VERSION).unwrap();
        assert!(fast == referral);
        assert!(fast == referral_from_bytes(&bytes).unwrap());
        // A version 1 document stored under version 1 is migrated, as before.
        let v1 = include_str!("../../fixtures/v1-store/draft-v1.json");
        assert!(
            stored_referral(v1.as_bytes(), 1).unwrap()
                == referral_from_bytes(v1.as_bytes()).unwrap()
        );
        // Bytes that are not the store's own serialisation get the document path's answer.
        let twice = br#"{"schema_version": 2, "schema_version": 2}"#;
        assert!(stored_referral(twice, SCHEMA_VERSION).is_err());
    }

    #[test]
    fn a_submittable_referrals_summary_is_what_validation_would_count() {
        let referral = crate::example::example_referral();
        crate::validation::validate_for_submission(&referral, t0()).unwrap();
        let validated = Summary::of(&referral, t0());
        let submittable = Summary::of_submittable(&referral);
        assert_eq!(
            (validated.title, validated.missing, validated.problems),
            (submittable.title, submittable.missing, submittable.problems)
        );
    }

    #[test]
    fn a_saved_draft_lists_with_a_decrypted_title_and_loads_back_equal() {
        let (_dir, store) = open_store();
        let referral = crate::example::example_referral();
        let id = store.save_draft(None, referral.clone(), t0()).unwrap();
        let list = store.list_drafts().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].id, id);
        assert_eq!(list[0].title, "CAD-2026-000123");
        assert_eq!((list[0].missing_fields, list[0].problems), (0, 0));
        assert!(store.load_draft(id).unwrap() == referral);
        assert!(!format!("{:?}", list[0]).contains("CAD-2026"));
    }

    #[test]
    fn autosave_overwrites_the_same_draft_and_keeps_its_creation_time() {
        let (_dir, store) = open_store();
        let id = store
            .save_draft_json(None, r#"{"schema_version":1}"#.into(), t0())
            .unwrap();
        let mut referral = crate::example::example_referral();
        referral.incident.incident_number = Some("CAD-2026-000999".into());
        let later = t0() + chrono::Duration::minutes(5);
        let again = store.save_draft(Some(id.clone()), referral, later).unwrap();
        assert_eq!(again, id);
        let list = store.list_drafts().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].created_at, t0());
        assert_eq!(list[0].updated_at, later);
        assert_eq!(list[0].title, "CAD-2026-000999");
        let empty = store
            .save_draft_json(None, r#"{"schema_version":1}"#.into(), t0())
            .unwrap();
        let list = store.list_drafts().unwrap();
        let e = list.iter().find(|d| d.id == empty).unwrap();
        assert_eq!(e.title, "Untitled draft");
        assert!(e.missing_fields > 0);
    }

    #[test]
    fn an_autosave_skips_only_its_own_fsync_and_reads_back_after_reopening() {
        let (dir, store) = open_store();
        let synchronous = |store: &Store| {
            store
                .with(|inner| {
                    Ok(inner
                        .conn
                        .query_row("PRAGMA synchronous", [], |r| r.get::<_, i64>(0))?)
                })
                .unwrap()
        };
        let referral = crate::example::example_referral();
        let id = store.autosave_draft(None, referral.clone(), t0()).unwrap();
        assert_eq!(synchronous(&store), 2, "FULL again after the autosave");
        let mut changed = referral.clone();
        changed.victim.forename = Some("Zed".into());
        assert_eq!(
            store
                .autosave_draft(Some(id.clone()), changed.clone(), t0())
                .unwrap(),
            id
        );
        // An unknown id is refused as by save_draft, and the setting is restored all the same.
        assert!(matches!(
            store.autosave_draft(Some("nope".into()), referral, t0()),
            Err(StoreError::NotFound("draft"))
        ));
        assert_eq!(synchronous(&store), 2);
        drop(store);
        let store = Store::open(
            dir.path().into(),
            key(),
            super::super::StoreSettings::default(),
            t0(),
        )
        .unwrap();
        assert!(store.load_draft(id).unwrap() == changed);
    }

    #[test]
    fn saving_to_an_unknown_id_is_not_found_and_creates_nothing() {
        let (_dir, store) = open_store();
        let err = store
            .save_draft(
                Some("nope".into()),
                crate::example::example_referral(),
                t0(),
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound("draft")));
        assert_eq!(store.counts().unwrap().drafts, 0);
    }

    #[test]
    fn a_draft_that_is_not_a_referral_document_is_refused() {
        let (_dir, store) = open_store();
        let err = store
            .save_draft_json(
                None,
                r#"{"schema_version":1,"victim":{"x":1}}"#.into(),
                t0(),
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::Document(DocumentError::Shape(_))));
        assert_eq!(store.counts().unwrap().drafts, 0);
    }

    #[test]
    fn a_referral_of_another_schema_version_is_refused() {
        let (_dir, store) = open_store();
        let mut referral = crate::example::example_referral();
        referral.schema_version = 99;
        assert!(matches!(
            store.save_draft(None, referral, t0()),
            Err(StoreError::InvalidArgument(_))
        ));
    }

    #[test]
    fn deleting_a_draft_removes_it_and_a_second_delete_is_not_found() {
        let (_dir, store) = open_store();
        let id = store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        store.delete_draft(id.clone()).unwrap();
        assert!(matches!(
            store.load_draft(id.clone()),
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store.delete_draft(id),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn drafts_idle_longer_than_the_maximum_age_are_purged() {
        let (_dir, store) = open_store();
        let old = store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        let recent_time = t0() + chrono::Duration::hours(48);
        let recent = store
            .save_draft(None, crate::example::example_referral(), recent_time)
            .unwrap();
        let report = store
            .purge_expired(t0() + chrono::Duration::hours(73))
            .unwrap();
        assert_eq!(report.drafts_purged, 1);
        let ids: Vec<_> = store
            .list_drafts()
            .unwrap()
            .into_iter()
            .map(|d| d.id)
            .collect();
        assert_eq!(ids, vec![recent]);
        assert!(matches!(
            store.load_draft(old),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_does_not_open() {
        let (_dir, store) = open_store();
        let a = store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        let b = store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        store
            .with(|inner| {
                inner.conn.execute(
                    "UPDATE drafts SET body = (SELECT body FROM drafts WHERE id = ?1) WHERE id = ?2",
                    [&a, &b],
                )?;
                Ok(())
            })
            .unwrap();
        assert!(store.load_draft(a).is_ok());
        assert!(matches!(
            store.load_draft(b),
            Err(StoreError::CorruptStore(_))
        ));
    }
}
