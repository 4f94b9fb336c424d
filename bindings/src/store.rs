//! The device store as an object: drafts, submit, the outbox, purge, wipe and rekey.
//!
//! Thin on purpose: each method is one core call with the clock read here (`Utc::now()`). The
//! calls block on SQLite (a commit waits for the disk), so apps call them off the main thread;
//! the Kotlin layer does that for them (`Dispatchers.IO`).
//!
//! The data key crosses only in [`Store::open`] and [`Store::rekey`]: the bytes are copied into
//! the core's key and the vector is wiped before the call returns, whatever the outcome.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use weprotect_core::WeprotectError;
use weprotect_core::config::{DeploymentSettings, ServiceConfig};
use weprotect_core::crypto::DataKey;
use weprotect_core::store::{
    self as core_store, OutboxState, PurgeReport, QueuedReferral, Receipt, StatusUpdate,
    StoreCounts, StoreSettings, WipeReport,
};

use crate::guard::{FfiResult, guard};
use crate::personal::PersonalText;
use crate::types::Timestamp;

/// The encrypted device store. Open it once per data directory and share it.
#[derive(uniffi::Object)]
pub struct Store {
    pub(crate) inner: Arc<core_store::Store>,
}

/// The referrer's own details (each text is personal: redacted when printed).
#[derive(uniffi::Record)]
pub struct ReferrerProfile {
    /// The referrer's name.
    pub officer_name: Option<Arc<PersonalText>>,
    /// Collar or shoulder number (police).
    pub collar_number: Option<Arc<PersonalText>>,
    /// Rank (police).
    pub rank: Option<Arc<PersonalText>>,
    /// Role or job title (a nurse, an IDVA).
    pub role: Option<Arc<PersonalText>>,
    /// Station, unit or team.
    pub station: Option<Arc<PersonalText>>,
    /// Contact phone.
    pub contact_phone: Option<Arc<PersonalText>>,
    /// Email.
    pub email: Option<Arc<PersonalText>>,
}

impl From<ReferrerProfile> for core_store::ReferrerProfile {
    fn from(p: ReferrerProfile) -> core_store::ReferrerProfile {
        let text = |t: Option<Arc<PersonalText>>| t.map(|t| t.as_str().to_string());
        core_store::ReferrerProfile {
            officer_name: text(p.officer_name),
            collar_number: text(p.collar_number),
            rank: text(p.rank),
            role: text(p.role),
            station: text(p.station),
            contact_phone: text(p.contact_phone),
            email: text(p.email),
        }
    }
}

impl From<core_store::ReferrerProfile> for ReferrerProfile {
    fn from(p: core_store::ReferrerProfile) -> ReferrerProfile {
        // Exhaustive: a new core field is a compile error here, not a silent omission.
        let core_store::ReferrerProfile {
            officer_name,
            collar_number,
            rank,
            role,
            station,
            contact_phone,
            email,
        } = p;
        let wrap = |t: Option<String>| t.map(PersonalText::wrap);
        ReferrerProfile {
            officer_name: wrap(officer_name),
            collar_number: wrap(collar_number),
            rank: wrap(rank),
            role: wrap(role),
            station: wrap(station),
            contact_phone: wrap(contact_phone),
            email: wrap(email),
        }
    }
}

/// One draft as a list shows it. Its title (the incident or case reference) is kept private.
#[derive(uniffi::Record)]
pub struct DraftSummary {
    /// The draft id.
    pub id: String,
    /// When it was first saved.
    pub created_at: Timestamp,
    /// When it was last saved.
    pub updated_at: Timestamp,
    /// The incident or case reference, as far as typed, never a name (redacted when printed).
    pub title: Arc<PersonalText>,
    /// Mandatory fields still missing when it was saved.
    pub missing_fields: u32,
    /// Problems in what was filled in when it was saved.
    pub problems: u32,
    /// True when this draft's stored values cannot be read (damaged on disk); only its id and
    /// times are shown, and the other drafts are unaffected.
    pub damaged: bool,
}

impl From<core_store::DraftSummary> for DraftSummary {
    fn from(d: core_store::DraftSummary) -> DraftSummary {
        // Exhaustive: a new core field is a compile error here, not a silent omission.
        let core_store::DraftSummary {
            id,
            created_at,
            updated_at,
            title,
            missing_fields,
            problems,
            damaged,
        } = d;
        DraftSummary {
            id,
            created_at,
            updated_at,
            title: PersonalText::wrap(title),
            missing_fields,
            problems,
            damaged,
        }
    }
}

/// One outbox entry as the "sent" screen shows it. Only the title is personal.
#[derive(uniffi::Record)]
pub struct OutboxEntry {
    /// The referral id (the idempotency key).
    pub referral_id: String,
    /// Queued, delivered or rejected.
    pub state: OutboxState,
    /// The incident or case reference, never a name; none once delivered (redacted when printed).
    pub title: Option<Arc<PersonalText>>,
    /// When it was submitted.
    pub queued_at: Timestamp,
    /// Failed delivery attempts so far.
    pub attempts: u32,
    /// When the sync engine will try next (queued entries).
    pub next_attempt_at: Option<Timestamp>,
    /// Code of the last failed attempt.
    pub last_error_code: Option<String>,
    /// The receipt, once delivered.
    pub receipt: Option<Receipt>,
    /// Why the service refused it, once rejected.
    pub rejection_code: Option<String>,
    /// Status updates after delivery, oldest first.
    pub statuses: Vec<StatusUpdate>,
    /// True when this entry's stored values cannot be read (damaged on disk); the other
    /// entries are unaffected.
    pub damaged: bool,
    /// What is still to follow (paths and codes): offer `openFollowUp` when not empty.
    pub to_follow: Vec<weprotect_core::model::ToFollowItem>,
    /// Information sent after it and withdrawals of consent, oldest first, with their states.
    pub addenda: Vec<core_store::AddendumEntry>,
    /// The victim withdrew consent: nothing more can be added.
    pub consent_withdrawn: bool,
}

impl From<core_store::OutboxEntry> for OutboxEntry {
    fn from(e: core_store::OutboxEntry) -> OutboxEntry {
        let core_store::OutboxEntry {
            referral_id,
            state,
            title,
            queued_at,
            attempts,
            next_attempt_at,
            last_error_code,
            receipt,
            rejection_code,
            statuses,
            damaged,
            to_follow,
            addenda,
            consent_withdrawn,
        } = e;
        OutboxEntry {
            referral_id,
            state,
            title: title.map(PersonalText::wrap),
            queued_at,
            attempts,
            next_attempt_at,
            last_error_code,
            receipt,
            rejection_code,
            statuses,
            damaged,
            to_follow,
            addenda,
            consent_withdrawn,
        }
    }
}

/// The key as the core holds it; the caller's bytes are wiped whatever happens.
pub(crate) fn key_from_bytes(bytes: Vec<u8>) -> FfiResult<DataKey> {
    // `from_bytes` copies the 32 bytes and zeroises the vector, also when the length is wrong.
    DataKey::from_bytes(bytes).map_err(|_| WeprotectError::InvalidArgument)
}

#[uniffi::export]
impl Store {
    /// Opens (or creates) the store in `dir` with the data key (32 bytes from the platform
    /// keystore), with the default retention settings.
    ///
    /// Errors: `WrongKey` (nothing changed), `NotAWeprotectStore`, `CorruptStore`, `TooNew`,
    /// `InvalidArgument` (a key that is not 32 bytes), `Storage`.
    #[uniffi::constructor]
    pub fn open(dir: String, data_key: Vec<u8>) -> FfiResult<Arc<Store>> {
        Store::open_with_settings(dir, data_key, StoreSettings::default())
    }

    /// Like [`Store::open`], with explicit retention settings.
    #[uniffi::constructor]
    pub fn open_with_settings(
        dir: String,
        data_key: Vec<u8>,
        settings: StoreSettings,
    ) -> FfiResult<Arc<Store>> {
        guard(move || {
            let key = key_from_bytes(data_key)?;
            let inner = core_store::Store::open(PathBuf::from(dir), key, settings, Utc::now())?;
            Ok(Arc::new(Store { inner }))
        })
    }

    /// Counts of drafts and outbox entries by state (nothing decrypted).
    pub fn counts(&self) -> FfiResult<StoreCounts> {
        guard(|| Ok(self.inner.counts()?))
    }

    /// Drafts, most recently saved first.
    pub fn list_drafts(&self) -> FfiResult<Vec<DraftSummary>> {
        guard(|| {
            Ok(self
                .inner
                .list_drafts()?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// Saves a draft given as referral JSON: a new one when `id` is none (its id is returned),
    /// else overwrites that draft. The editor (`open_editor`) is the usual way; this is for
    /// integrations and tests. Errors: `Invalid` / `InvalidDocument` for JSON that is not a
    /// referral, `NotFound` for an id that names no draft.
    pub fn save_draft_json(&self, id: Option<String>, json: String) -> FfiResult<String> {
        guard(|| Ok(self.inner.save_draft_json(id, json, Utc::now())?))
    }

    /// A draft as referral JSON (personal: redacted when printed).
    pub fn load_draft_json(&self, id: String) -> FfiResult<Arc<PersonalText>> {
        guard(|| Ok(PersonalText::wrap(self.inner.load_draft_json(id)?)))
    }

    /// Deletes a draft.
    pub fn delete_draft(&self, id: String) -> FfiResult<()> {
        guard(|| Ok(self.inner.delete_draft(id)?))
    }

    /// Saves the referrer's own details, typed once, encrypted; every new draft is filled
    /// from them. Errors: `Invalid` with each malformed value's problem (nothing changed).
    pub fn set_profile(&self, profile: ReferrerProfile) -> FfiResult<()> {
        guard(|| Ok(self.inner.set_profile(profile.into())?))
    }

    /// The referrer's saved details, if any (each text redacted when printed).
    pub fn profile(&self) -> FfiResult<Option<ReferrerProfile>> {
        guard(|| Ok(self.inner.profile()?.map(Into::into)))
    }

    /// Forgets the referrer's details (the phone passes to another officer).
    pub fn clear_profile(&self) -> FfiResult<()> {
        guard(|| Ok(self.inner.clear_profile()?))
    }

    /// What the organisation decides, passed at every start (never typed by an officer):
    /// new drafts are filled from it, and its refused-consent route is shown when needed.
    pub fn set_deployment(&self, settings: DeploymentSettings) -> FfiResult<()> {
        guard(|| {
            self.inner.set_deployment(settings);
            Ok(())
        })
    }

    /// Submits a draft: strict validation, then seal to the service's key and enqueue, in one
    /// transaction. Errors: `Invalid` listing every problem (nothing changed), `NotFound`,
    /// `ServiceConfig`.
    pub fn submit(&self, draft_id: String, service: ServiceConfig) -> FfiResult<QueuedReferral> {
        guard(|| Ok(self.inner.submit(draft_id, service, Utc::now())?))
    }

    /// Every outbox entry (queued, delivered, rejected), oldest first.
    pub fn outbox(&self) -> FfiResult<Vec<OutboxEntry>> {
        guard(|| Ok(self.inner.outbox()?.into_iter().map(Into::into).collect()))
    }

    /// Reopens a rejected referral as a new draft (returned id) so the officer can fix it.
    /// Errors: `InvalidState` unless the entry is rejected, `NotFound`.
    pub fn reopen_rejected(&self, referral_id: String) -> FfiResult<String> {
        guard(|| Ok(self.inner.reopen_rejected(referral_id, Utc::now())?))
    }

    /// Discards a rejected referral for good. Errors: `InvalidState`, `NotFound`.
    pub fn discard_rejected(&self, referral_id: String) -> FfiResult<()> {
        guard(|| Ok(self.inner.discard_rejected(referral_id)?))
    }

    /// Removes idle drafts and old receipts (also done at open).
    pub fn purge_expired(&self) -> FfiResult<PurgeReport> {
        guard(|| Ok(self.inner.purge_expired(Utc::now())?))
    }

    /// Closes the store and removes its files; every later call returns `Closed`.
    pub fn wipe(&self) -> FfiResult<WipeReport> {
        guard(|| Ok(self.inner.wipe()?))
    }

    /// Re-encrypts everything under `new_key` (32 bytes) in one transaction. Keep the new key
    /// as "pending" in the keystore before calling, and make it current once this returns.
    pub fn rekey(&self, new_key: Vec<u8>) -> FfiResult<()> {
        guard(move || {
            let key = key_from_bytes(new_key)?;
            Ok(self.inner.rekey(key)?)
        })
    }

    /// Runs SQLite's integrity check; true when the file is sound.
    pub fn integrity_check(&self) -> FfiResult<bool> {
        guard(|| Ok(self.inner.integrity_check()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_of_the_wrong_length_is_an_error_and_opens_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let err = Store::open(dir.path().to_string_lossy().into(), vec![7; 31]).err();
        assert_eq!(err, Some(WeprotectError::InvalidArgument));
        assert!(!dir.path().join(core_store::DB_FILE_NAME).exists());
    }

    /// A 32-byte key that is not one repeated byte (the core refuses those as keys).
    fn key(seed: u8) -> Vec<u8> {
        (0..32u8).map(|i| seed.wrapping_add(i)).collect()
    }

    #[test]
    fn a_key_of_one_repeated_byte_is_refused_and_opens_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let err = Store::open(dir.path().to_string_lossy().into(), vec![7; 32]).err();
        assert_eq!(err, Some(WeprotectError::InvalidArgument));
        assert!(!dir.path().join(core_store::DB_FILE_NAME).exists());
    }

    #[test]
    fn the_wrong_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path: String = dir.path().to_string_lossy().into();
        drop(Store::open(path.clone(), key(1)).unwrap());
        let err = Store::open(path, key(2)).err();
        assert_eq!(err, Some(WeprotectError::WrongKey));
    }

    #[test]
    fn summaries_carry_the_title_as_personal_text() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().to_string_lossy().into(), key(1)).unwrap();
        let json = weprotect_core::example::EXAMPLE_REFERRAL_JSON.to_string();
        store.save_draft_json(None, json).unwrap();
        let drafts = store.list_drafts().unwrap();
        assert_eq!(drafts[0].title.to_string(), "<redacted>");
        assert!(!drafts[0].title.reveal().unwrap().is_empty());
    }
}
