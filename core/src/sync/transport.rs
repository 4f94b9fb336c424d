//! The HTTP client: rustls only (no OpenSSL), web PKI roots, optional SPKI pins, strict URLs.
//!
//! - Plain HTTP is refused unless the service is on loopback (the reference server in tests
//!   and the demo); everything else must be HTTPS.
//! - Trust: the platform's store on phones, bundled web PKI roots elsewhere ([`trust_verifier`]).
//! - Pins are SHA-256 hashes of a certificate's SubjectPublicKeyInfo, checked after normal
//!   web PKI verification, inside the TLS handshake: on a mismatch the handshake fails, so not
//!   one byte of a referral leaves the device.
//! - Redirects are followed only to the same scheme, host and port: a referral is never
//!   re-posted to another host.

use std::sync::Arc;

use reqwest::Url;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

use super::SyncError;
use super::policy::SyncPolicy;
use crate::config::ServiceConfig;

/// Marker error inside the TLS handshake when no certificate of the chain matches a pin.
#[derive(Debug)]
pub(crate) struct PinMismatch;

impl std::fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("weprotect: certificate public key pin mismatch")
    }
}
impl std::error::Error for PinMismatch {}

/// The configured client and the service's base URL.
pub(crate) struct Transport {
    pub client: reqwest::Client,
    pub base: Url,
}

impl Transport {
    /// The URL of a path below the service's base URL (`v1/referrals`).
    pub fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}/{}", url.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        url
    }
}

/// Checks a service description as sync would before sending anything: the endpoint is
/// `https`, or `http` to a loopback address only (tests and the demo), has a host and no
/// credentials, and every pin is a SHA-256 in hex. `weprotect configure` and the apps call it
/// when the description is installed, so a bad one is refused then, not at the first sync.
///
/// # Errors
///
/// [`SyncError::InsecureEndpoint`] for plain HTTP to another host, [`SyncError::InvalidEndpoint`]
/// for anything else wrong with the endpoint, [`SyncError::InvalidPin`] for a malformed pin.
pub fn check_service(service: &ServiceConfig) -> Result<(), SyncError> {
    checked_service(service).map(|_| ())
}

fn checked_service(service: &ServiceConfig) -> Result<(Url, Vec<[u8; 32]>), SyncError> {
    let base = Url::parse(&service.endpoint).map_err(|_| SyncError::InvalidEndpoint)?;
    match base.scheme() {
        "https" => {}
        "http" if is_loopback(&base) => {}
        "http" => return Err(SyncError::InsecureEndpoint),
        _ => return Err(SyncError::InvalidEndpoint),
    }
    if base.host().is_none() || !base.username().is_empty() || base.password().is_some() {
        return Err(SyncError::InvalidEndpoint);
    }
    let pins = service
        .spki_pins
        .iter()
        .map(|p| parse_pin(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((base, pins))
}

/// Checks the endpoint and pins, and builds the client.
pub(crate) fn build(
    service: &ServiceConfig,
    policy: &SyncPolicy,
    extra_roots_der: &[Vec<u8>],
) -> Result<Transport, SyncError> {
    let (base, pins) = checked_service(service)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let trust = trust_verifier(&provider, extra_roots_der)?;
    let verifier: Arc<dyn ServerCertVerifier> = if pins.is_empty() {
        trust
    } else {
        Arc::new(PinningVerifier { inner: trust, pins })
    };
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| SyncError::InvalidRootCertificate)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // HTTP/2 where the service offers it (ALPN): every request of a pass shares one
    // connection and one handshake, which is what matters on a slow mobile link.
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

    let origin = base.origin();
    let redirects = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 3 || attempt.url().origin() != origin {
            attempt.stop()
        } else {
            attempt.follow()
        }
    });
    const POOL_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .https_only(base.scheme() == "https")
        .redirect(redirects)
        .connect_timeout(policy.connect_timeout)
        .timeout(policy.request_timeout)
        .pool_max_idle_per_host(policy.concurrency.max(1))
        // Below the reference server's head deadline (30 s), which closes idle connections:
        // the device lets go first rather than reuse a connection as the server closes it.
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .user_agent(concat!("weprotect-core/", env!("CARGO_PKG_VERSION")))
        .no_proxy()
        .build()
        .map_err(|_| SyncError::InvalidEndpoint)?;
    Ok(Transport { client, base })
}

/// The verifier of the service's certificate chain (pins are checked on top of it).
///
/// Phones (Android, iOS) use the platform's trust store through rustls-platform-verifier: it
/// includes the certificate authorities a force's device management installs, and follows the
/// platform's revocation and distrust decisions. On Android the app must first initialise the
/// verifier with a JNI context (docs/bindings.md). Desktop builds (the CLI, tests) use the
/// bundled web PKI roots. A deployment that names extra roots explicitly gets the bundled roots
/// plus those, on every platform.
fn trust_verifier(
    provider: &Arc<rustls::crypto::CryptoProvider>,
    extra_roots_der: &[Vec<u8>],
) -> Result<Arc<dyn ServerCertVerifier>, SyncError> {
    #[cfg(any(target_os = "android", target_os = "ios"))]
    if extra_roots_der.is_empty() {
        let platform = rustls_platform_verifier::Verifier::new(provider.clone())
            .map_err(|_| SyncError::InvalidRootCertificate)?;
        return Ok(Arc::new(platform));
    }
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in extra_roots_der {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|_| SyncError::InvalidRootCertificate)?;
    }
    let webpki: Arc<WebPkiServerVerifier> =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|_| SyncError::InvalidRootCertificate)?;
    Ok(webpki)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A pin is 64 hex characters: SHA-256 of the DER SubjectPublicKeyInfo.
fn parse_pin(pin: &str) -> Result<[u8; 32], SyncError> {
    let bytes = hex::decode(pin.trim()).map_err(|_| SyncError::InvalidPin)?;
    bytes.try_into().map_err(|_| SyncError::InvalidPin)
}

/// SHA-256 of the SubjectPublicKeyInfo of a DER certificate, as hex (the pin format).
pub fn spki_sha256_hex(certificate_der: &[u8]) -> Option<String> {
    spki_sha256(&CertificateDer::from(certificate_der.to_vec())).map(hex::encode)
}

fn spki_sha256(cert: &CertificateDer<'_>) -> Option<[u8; 32]> {
    let parsed = webpki::EndEntityCert::try_from(cert).ok()?;
    let spki = parsed.subject_public_key_info();
    Some(Sha256::digest(spki.as_ref()).into())
}

#[derive(Debug)]
struct PinningVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    pins: Vec<[u8; 32]>,
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        let pinned = std::iter::once(end_entity)
            .chain(intermediates)
            .filter_map(spki_sha256)
            .any(|hash| self.pins.contains(&hash));
        if pinned {
            Ok(verified)
        } else {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                OtherError(Arc::new(PinMismatch)),
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The code of a request that failed because the service's certificate was refused (other
/// than by a pin): `tls.untrusted_certificate` (no trusted authority issued it: a private CA
/// the device does not trust, a self-signed certificate, an interception proxy),
/// `tls.expired_certificate`, `tls.wrong_host` (issued for another name), or
/// `tls.bad_certificate` for any other refusal. These are not "no signal": the network is
/// there, and retrying will not help until the service or the device's trust changes.
pub(crate) fn certificate_refusal(error: &reqwest::Error) -> Option<&'static str> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(rustls::Error::InvalidCertificate(c)) = e.downcast_ref::<rustls::Error>() {
            return Some(match c {
                CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                    "tls.untrusted_certificate"
                }
                CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. } => "tls.expired_certificate",
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => "tls.wrong_host",
                _ => "tls.bad_certificate",
            });
        }
        current = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

/// True when a request error was caused by a pin mismatch in the TLS handshake. The rustls
/// error sits inside `io::Error`s, whose `source()` skips the error they wrap, so each one is
/// opened with `get_ref()`.
pub(crate) fn is_pin_mismatch(error: &reqwest::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(rustls::Error::InvalidCertificate(CertificateError::Other(other))) =
            e.downcast_ref::<rustls::Error>()
        {
            return other.0.downcast_ref::<PinMismatch>().is_some();
        }
        current = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(endpoint: &str) -> ServiceConfig {
        ServiceConfig {
            endpoint: endpoint.into(),
            key_id: "k1".into(),
            public_key: "00".repeat(32),
            spki_pins: vec![],
            jurisdictions: Vec::new(),
        }
    }

    #[test]
    fn plain_http_is_refused_except_to_loopback() {
        let p = SyncPolicy::default();
        for ok in [
            "https://intake.example.org",
            "http://127.0.0.1:8080",
            "http://[::1]:9",
            "http://localhost:1",
        ] {
            assert!(build(&service(ok), &p, &[]).is_ok(), "{ok}");
        }
        assert!(matches!(
            build(&service("http://intake.example.org"), &p, &[]),
            Err(SyncError::InsecureEndpoint)
        ));
        assert!(matches!(
            build(&service("ftp://intake.example.org"), &p, &[]),
            Err(SyncError::InvalidEndpoint)
        ));
        assert!(matches!(
            build(&service("https://user:pw@intake.example.org"), &p, &[]),
            Err(SyncError::InvalidEndpoint)
        ));
    }

    #[test]
    fn malformed_pins_are_refused_up_front() {
        let mut s = service("https://intake.example.org");
        s.spki_pins = vec!["abcd".into()];
        assert!(matches!(
            build(&s, &SyncPolicy::default(), &[]),
            Err(SyncError::InvalidPin)
        ));
    }

    #[test]
    fn paths_are_joined_below_the_base_url() {
        let t = build(
            &service("https://intake.example.org/api/"),
            &SyncPolicy::default(),
            &[],
        )
        .unwrap();
        assert_eq!(
            t.url("v1/referrals").as_str(),
            "https://intake.example.org/api/v1/referrals"
        );
    }
}
