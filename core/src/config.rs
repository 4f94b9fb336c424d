//! How a device knows where to send referrals and whom to seal them for.
//!
//! A deployment gives each device a small service description (a JSON file, `service.json`):
//! the intake endpoint, the id and X25519 public key of the service's current sealing key, and
//! optional SHA-256 pins of the service's TLS public key (SPKI). It holds no secrets and no
//! personal data, so it may sit in clear next to the store. The reference server writes one when
//! it starts (`weprotect serve`), and `weprotect configure --service FILE` installs it on a device.

use serde::{Deserialize, Serialize};

/// The receiving service as a device sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Base URL of the intake API, e.g. `https://intake.example.org` (no trailing `/v1`).
    pub endpoint: String,
    /// Id of the service's sealing key; sent inside every envelope so the service can rotate keys.
    pub key_id: String,
    /// The service's X25519 public key, 64 hex characters.
    pub public_key: String,
    /// Optional SHA-256 pins of the service's TLS SubjectPublicKeyInfo, hex. Empty: web PKI only.
    #[serde(default)]
    pub spki_pins: Vec<String>,
    /// Where the service can act (its orders are made under that jurisdiction's law). Empty:
    /// England and Wales, where Family Law Act 1996 orders are made. A referral from a force of
    /// another jurisdiction, or about an incident there, is refused (`jurisdiction.not_served`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jurisdictions: Vec<crate::values::Jurisdiction>,
}

impl ServiceConfig {
    /// The jurisdictions the service acts in ([`ServiceConfig::jurisdictions`], or England and
    /// Wales when it names none).
    pub fn served(&self) -> &[crate::values::Jurisdiction] {
        if self.jurisdictions.is_empty() {
            crate::validation::DEFAULT_JURISDICTIONS
        } else {
            &self.jurisdictions
        }
    }
}

impl ServiceConfig {
    /// The file name of the service description inside a device's data directory.
    pub const FILE_NAME: &'static str = "service.json";
}

/// What the deploying organisation decides, passed by the app at every start
/// ([`Store::set_deployment`](crate::Store::set_deployment)): never typed by an officer. New
/// drafts are filled from it; every field stays editable in the draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSettings {
    /// The kind of organisation (police, health, IDVA, charity, other).
    #[serde(default)]
    pub organisation_type: Option<crate::model::OrganisationType>,
    /// The organisation's id (for police, the force's slug; a name is understood too).
    #[serde(default)]
    pub organisation_id: Option<String>,
    /// The version of the consent wording the organisation's officers read out.
    #[serde(default)]
    pub consent_script_version: Option<String>,
    /// The risk checklist in use, `id:version` (`dash:2009`).
    #[serde(default)]
    pub risk_instrument: Option<String>,
    /// What to do when the victim refuses consent: the route that needs no consent (a MARAC
    /// referral when the risk is high, a safeguarding referral), in the organisation's words.
    /// The form shows it when consent is refused; [`DEFAULT_CONSENT_REFUSED_ROUTE`] otherwise.
    #[serde(default)]
    pub consent_refused_route: Option<String>,
}

/// What the form shows when consent is refused and the organisation gave no words of its own.
pub const DEFAULT_CONSENT_REFUSED_ROUTE: &str = "The victim did not agree: this referral cannot be sent. If the risk is high, refer to MARAC, which needs no consent, and follow your safeguarding procedure. You can delete this draft.";
