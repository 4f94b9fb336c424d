//! A TLS-terminating proxy in front of the reference server, with a self-signed certificate,
//! so that tests can exercise HTTPS and certificate pinning on loopback. It counts the bytes of
//! application data it receives from clients: a failed handshake must leave that at zero.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// A running proxy.
pub struct TlsProxy {
    /// `https://localhost:<port>`.
    pub url: String,
    /// The proxy's certificate (DER), to trust as a root in tests.
    pub certificate_der: Vec<u8>,
    /// Application bytes received from clients after a completed handshake.
    pub bytes_from_clients: Arc<AtomicU64>,
    /// Connections whose handshake completed.
    pub connections: Arc<AtomicU64>,
    /// Connections that agreed on HTTP/2 (ALPN `h2`).
    pub h2_connections: Arc<AtomicU64>,
}

/// Which certificate the proxy presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Certificate {
    /// Valid now, for `localhost`.
    Good,
    /// For another host name (`intake.example.org`), valid now.
    OtherHost,
    /// For `localhost`, but expired (valid only during 2020).
    Expired,
}

impl TlsProxy {
    /// Starts a proxy forwarding to `upstream` (plain TCP) with a good certificate.
    pub async fn start(upstream: SocketAddr) -> TlsProxy {
        Self::start_with(upstream, Certificate::Good).await
    }

    /// Starts a proxy forwarding to `upstream` that presents `certificate`.
    pub async fn start_with(upstream: SocketAddr, certificate: Certificate) -> TlsProxy {
        Self::start_inner(upstream, certificate, false).await
    }

    /// Starts a proxy with a good certificate that offers HTTP/2 by ALPN (`h2`, then
    /// `http/1.1`), as most HTTPS services do. The bytes are passed on as they are, so the
    /// upstream server must speak HTTP/2 too (the reference server does).
    pub async fn start_offering_h2(upstream: SocketAddr) -> TlsProxy {
        Self::start_inner(upstream, Certificate::Good, true).await
    }

    async fn start_inner(upstream: SocketAddr, certificate: Certificate, h2: bool) -> TlsProxy {
        let name = match certificate {
            Certificate::OtherHost => "intake.example.org",
            _ => "localhost",
        };
        let signing_key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap();
        if certificate == Certificate::Expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 12, 31);
        }
        let cert = params.self_signed(&signing_key).unwrap();
        let cert_der: CertificateDer<'static> = cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(signing_key.serialize_der()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert_der.clone()], key)
        .unwrap();
        let mut config = config;
        if h2 {
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        }
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let counter = Arc::new(AtomicU64::new(0));
        let bytes = counter.clone();
        let connections = Arc::new(AtomicU64::new(0));
        let h2_connections = Arc::new(AtomicU64::new(0));
        let (all, h2s) = (connections.clone(), h2_connections.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let _ = socket.set_nodelay(true);
                let acceptor = acceptor.clone();
                let bytes = bytes.clone();
                let (all, h2s) = (all.clone(), h2s.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(socket).await else {
                        return;
                    };
                    all.fetch_add(1, Ordering::SeqCst);
                    if tls.get_ref().1.alpn_protocol() == Some(b"h2") {
                        h2s.fetch_add(1, Ordering::SeqCst);
                    }
                    let Ok(mut up) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = up.set_nodelay(true);
                    let mut from_client = [0u8; 16 * 1024];
                    let mut from_server = [0u8; 16 * 1024];
                    loop {
                        tokio::select! {
                            n = tls.read(&mut from_client) => match n {
                                Ok(0) | Err(_) => return,
                                Ok(n) => {
                                    bytes.fetch_add(n as u64, Ordering::SeqCst);
                                    if up.write_all(&from_client[..n]).await.is_err() { return; }
                                }
                            },
                            n = up.read(&mut from_server) => match n {
                                Ok(0) | Err(_) => return,
                                Ok(n) => if tls.write_all(&from_server[..n]).await.is_err() { return; },
                            },
                        }
                    }
                });
            }
        });
        TlsProxy {
            url: format!("https://localhost:{port}"),
            certificate_der: cert_der.to_vec(),
            bytes_from_clients: counter,
            connections,
            h2_connections,
        }
    }
}
