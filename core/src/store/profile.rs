//! The referrer's own details, typed once and filled into every new draft, and the
//! organisation's deployment settings the app passes at start.
//!
//! An officer's name, collar number, station, phone and email are the same on every referral;
//! typing them again at 3 am is time taken from the victim. They are kept once, encrypted with
//! the data key like every other personal value (a `meta` row, re-encrypted by `rekey`, gone
//! with `wipe`), and copied into each new draft, where they stay editable. What the
//! organisation decides (its id, the consent wording's version, the risk checklist in use, the
//! route to take when consent is refused) is never typed by an officer: the app receives it
//! from its organisation and passes it with [`Store::set_deployment`] each time it starts.

use rusqlite::params;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::Store;
use super::cipher::{self, Column};
use super::error::{Result, StoreError};
use crate::config::DeploymentSettings;
use crate::model::{InstrumentRef, Referral, Referrer};
use crate::validation::Problem;
use crate::values::{CollarNumber, PhoneNumber};

/// Where the profile is kept: one `meta` row, sealed.
pub(crate) const PROFILE: Column = Column {
    table: "meta",
    column: "value",
};
/// The `meta` row's name.
pub(crate) const PROFILE_ROW: &str = "referrer_profile";
/// The version of the profile's JSON shape, bound into the encryption's associated data.
pub(crate) const PROFILE_VERSION: u32 = 1;

/// The referrer's own details. Every field is optional; what is given is checked for shape
/// (a phone number, an email, a collar number) when it is saved.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferrerProfile {
    /// The referrer's name.
    pub officer_name: Option<String>,
    /// Collar or shoulder number (police).
    pub collar_number: Option<String>,
    /// Rank (police).
    pub rank: Option<String>,
    /// Role or job title (everyone else: a nurse, an IDVA).
    pub role: Option<String>,
    /// Station, unit or team.
    pub station: Option<String>,
    /// The referrer's contact phone.
    pub contact_phone: Option<String>,
    /// The referrer's email.
    pub email: Option<String>,
}
crate::model::redacted_debug!(ReferrerProfile);

impl ReferrerProfile {
    /// The profile's fields as the referrer group of a referral (typed values parsed).
    fn fill(&self, r: &mut Referrer) {
        let text = |t: &Option<String>| {
            t.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        r.officer_name = text(&self.officer_name);
        r.collar_number = text(&self.collar_number).map(|t| CollarNumber::parse(&t));
        r.rank = text(&self.rank);
        r.role = text(&self.role);
        r.station = text(&self.station);
        r.contact_phone = text(&self.contact_phone).map(|t| PhoneNumber::parse(&t));
        r.email = text(&self.email);
    }
}

impl Store {
    /// Saves the referrer's profile (replacing any earlier one), encrypted.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] with each problem (path `referrer.*`, as in a referral) when a
    /// given value has the wrong shape; nothing is saved then.
    pub fn set_profile(&self, profile: ReferrerProfile) -> Result<()> {
        let mut referrer = Referrer::default();
        profile.fill(&mut referrer);
        let problems: Vec<Problem> = crate::validation::check_referrer_details(&referrer);
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let json = Zeroizing::new(
            serde_json::to_vec(&profile).map_err(|_| StoreError::InvalidState("profile"))?,
        );
        self.with(|inner| {
            let sealed = cipher::seal(&inner.key, PROFILE, PROFILE_ROW, PROFILE_VERSION, &json);
            inner.conn.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)",
                params![PROFILE_ROW, sealed],
            )?;
            Ok(())
        })
    }

    /// The saved profile, if any.
    pub fn profile(&self) -> Result<Option<ReferrerProfile>> {
        self.with(|inner| {
            let sealed: Option<Vec<u8>> = match inner.conn.query_row(
                "SELECT value FROM meta WHERE name = ?1",
                [PROFILE_ROW],
                |r| r.get(0),
            ) {
                Ok(v) => Some(v),
                Err(rusqlite::Error::QueryReturnedNoRows) => None,
                Err(e) => return Err(e.into()),
            };
            let Some(sealed) = sealed else {
                return Ok(None);
            };
            let plain = Zeroizing::new(cipher::open(
                &inner.key,
                PROFILE,
                PROFILE_ROW,
                PROFILE_VERSION,
                &sealed,
            )?);
            serde_json::from_slice(&plain)
                .map(Some)
                .map_err(|_| StoreError::CorruptStore("unreadable profile"))
        })
    }

    /// Forgets the profile (for example when the phone passes to another officer).
    pub fn clear_profile(&self) -> Result<()> {
        self.with(|inner| {
            inner
                .conn
                .execute("DELETE FROM meta WHERE name = ?1", [PROFILE_ROW])?;
            Ok(())
        })
    }

    /// Sets the organisation's deployment settings for this run of the app (kept in memory:
    /// the app passes them at every start). New drafts are filled from them.
    pub fn set_deployment(&self, settings: DeploymentSettings) {
        *self.deployment.lock().unwrap_or_else(|e| e.into_inner()) = Some(settings);
    }

    /// The deployment settings passed at start, if any.
    pub fn deployment(&self) -> Option<DeploymentSettings> {
        self.deployment
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A new referral as a new draft starts: the organisation's settings and the referrer's
    /// profile filled in, everything else empty. A profile that cannot be read is left out
    /// (the referrer types the details), never a reason not to start a referral.
    pub fn new_referral(&self) -> Referral {
        let mut referral = Referral::default();
        if let Ok(Some(profile)) = self.profile() {
            profile.fill(&mut referral.referrer);
        }
        if let Some(d) = self.deployment() {
            d.fill(&mut referral);
        }
        referral
    }
}

impl DeploymentSettings {
    /// Fills what the organisation decides into a new referral.
    pub(crate) fn fill(&self, referral: &mut Referral) {
        if let Some(t) = self.organisation_type {
            referral.referrer.organisation_type = Some(t);
        }
        if let Some(id) = &self.organisation_id {
            referral.referrer.organisation_id = Some(crate::values::OrganisationId::parse(id));
        }
        if let Some(v) = &self.consent_script_version {
            referral.consent.script_version = Some(v.clone());
        }
        if let Some((id, version)) = self
            .risk_instrument
            .as_deref()
            .and_then(|i| i.split_once(':'))
        {
            referral.risk.instrument = Some(InstrumentRef {
                id: id.to_string(),
                version: version.to_string(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::form::{DraftEditor, FormValue};
    use crate::model::OrganisationType;

    fn profile() -> ReferrerProfile {
        ReferrerProfile {
            officer_name: Some("PC Alex Example".into()),
            collar_number: Some("4321 SE".into()),
            rank: Some("Police Constable".into()),
            role: None,
            station: Some("Exampleton Response Team".into()),
            contact_phone: Some("020 7946 0123".into()),
            email: Some("alex.example@police.example".into()),
        }
    }

    fn deployment() -> DeploymentSettings {
        DeploymentSettings {
            organisation_type: Some(OrganisationType::Police),
            organisation_id: Some("West Yorkshire Police".into()),
            consent_script_version: Some("consent-script-2026-01".into()),
            risk_instrument: Some("dash:2009".into()),
            consent_refused_route: Some(
                "Refer to MARAC if high risk; call the duty sergeant.".into(),
            ),
        }
    }

    #[test]
    fn a_profile_is_kept_encrypted_and_fills_every_new_draft() {
        let (dir, store) = open_store();
        assert!(store.profile().unwrap().is_none());
        store.set_profile(profile()).unwrap();
        assert!(store.profile().unwrap() == Some(profile()));
        let bytes = std::fs::read(dir.path().join(crate::store::DB_FILE_NAME)).unwrap();
        let wal = std::fs::read(dir.path().join("weprotect.db-wal")).unwrap_or_default();
        for raw in [&bytes, &wal] {
            assert!(!String::from_utf8_lossy(raw).contains("Alex Example"));
        }
        let editor = DraftEditor::open_new(store.clone());
        let r = editor.referral();
        assert_eq!(r.referrer.officer_name.as_deref(), Some("PC Alex Example"));
        assert_eq!(
            r.referrer.collar_number.as_ref().map(|c| c.as_str()),
            Some("4321SE")
        );
        // Editable on each draft, and the profile itself is unchanged.
        editor
            .set("referrer.station".into(), FormValue::text("CID"))
            .unwrap();
        assert_eq!(
            store.profile().unwrap().unwrap().station.as_deref(),
            Some("Exampleton Response Team")
        );
        store.clear_profile().unwrap();
        assert!(store.profile().unwrap().is_none());
        assert!(
            DraftEditor::open_new(store)
                .referral()
                .referrer
                .officer_name
                .is_none()
        );
    }

    #[test]
    fn a_profile_with_a_malformed_value_is_refused_and_nothing_changes() {
        let (_dir, store) = open_store();
        store.set_profile(profile()).unwrap();
        let mut bad = profile();
        bad.contact_phone = Some("0207 CANARY".into());
        bad.email = Some("not an email".into());
        let Err(StoreError::Invalid(problems)) = store.set_profile(bad) else {
            panic!("accepted")
        };
        let codes: Vec<&str> = problems.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["phone.letters", "email.invalid"]);
        assert!(!format!("{problems:?}").contains("CANARY"));
        assert!(store.profile().unwrap() == Some(profile()));
    }

    #[test]
    fn rekey_re_encrypts_the_profile() {
        let (dir, store) = open_store();
        store.set_profile(profile()).unwrap();
        let new_key = crate::crypto::DataKey::generate();
        let new_hex = new_key.to_hex();
        store.rekey(new_key).unwrap();
        drop(store);
        let again = Store::open(
            dir.path().to_path_buf(),
            crate::crypto::DataKey::from_hex(new_hex.as_str()).unwrap(),
            crate::StoreSettings::default(),
            t0(),
        )
        .unwrap();
        assert!(again.profile().unwrap() == Some(profile()));
    }

    #[test]
    fn deployment_settings_fill_what_the_organisation_decides_in_new_drafts() {
        let (_dir, store) = open_store();
        store.set_deployment(deployment());
        let r = DraftEditor::open_new(store.clone()).referral();
        assert_eq!(r.referrer.organisation_type, Some(OrganisationType::Police));
        assert_eq!(
            r.referrer.organisation_id.as_ref().map(|o| o.as_str()),
            Some("west-yorkshire")
        );
        assert_eq!(
            r.consent.script_version.as_deref(),
            Some("consent-script-2026-01")
        );
        assert_eq!(
            r.risk.instrument.as_ref().map(|i| i.id.as_str()),
            Some("dash")
        );
    }

    #[test]
    fn consent_refused_shows_the_organisations_route_and_the_draft_can_be_deleted() {
        let (_dir, store) = open_store();
        store.set_deployment(deployment());
        let editor = DraftEditor::open_new(store.clone());
        let out = editor
            .set("consent.given".into(), FormValue::YesNo { yes: false })
            .unwrap();
        assert_eq!(
            out.consent_refused_route.as_deref(),
            Some("Refer to MARAC if high risk; call the duty sergeant.")
        );
        assert!(editor.snapshot().consent_refused_route.is_some());
        assert_eq!(store.list_drafts().unwrap().len(), 1);
        editor.discard().unwrap();
        assert!(store.list_drafts().unwrap().is_empty());
        assert!(
            editor
                .set("victim.forename".into(), FormValue::text("Jamie"))
                .is_err()
        );
        // Without the organisation's words, ours.
        let detached = DraftEditor::open_detached();
        let out = detached
            .set("consent.given".into(), FormValue::YesNo { yes: false })
            .unwrap();
        assert_eq!(
            out.consent_refused_route.as_deref(),
            Some(crate::config::DEFAULT_CONSENT_REFUSED_ROUTE)
        );
        let out = detached
            .set("consent.given".into(), FormValue::YesNo { yes: true })
            .unwrap();
        assert!(out.consent_refused_route.is_none());
    }
}
