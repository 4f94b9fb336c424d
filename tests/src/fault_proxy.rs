//! A fault-injecting TCP proxy between the device and the service, because a phone's network
//! fails in the middle of things: the request is cut after some bytes, the response is cut
//! after some bytes (the server has committed, the device never hears it), the line stalls
//! until the client gives up, every chunk arrives late, or the peer resets the connection.
//!
//! Linux `tc netem` is not available on these machines, so the faults are made here, at the
//! TCP level, beneath HTTP: the device's real HTTP client and the real server see real broken
//! connections. Each request draws one [`Fault`] from a generator seeded with `seed` and its
//! connection's number, so a failing seed can be replayed (the connection order of a
//! sequential test is itself deterministic; with concurrency it is nearly so).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::proof::Dice;

/// What happens to one request (and so to its connection, when the fault breaks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forwarded untouched.
    Clean,
    /// Every chunk in either direction waits `ms` first.
    Delay(u64),
    /// The request is cut (both sides closed) after this many bytes reach the server.
    CutRequest(usize),
    /// The response is cut (both sides closed) after this many bytes reach the client.
    CutResponse(usize),
    /// Nothing is forwarded for `ms`, then both sides are closed.
    Stall(u64),
    /// The client gets a TCP reset after this many response bytes (0: at once).
    Reset(usize),
}

/// Shares (0..=1) of connections that get each fault; the rest are clean.
#[derive(Debug, Clone, Copy)]
pub struct FaultMix {
    /// Share delayed (by 1..=`max_delay_ms`).
    pub delay: f64,
    /// Share cut mid-request.
    pub cut_request: f64,
    /// Share cut mid-response.
    pub cut_response: f64,
    /// Share stalled for `stall_ms`.
    pub stall: f64,
    /// Share reset.
    pub reset: f64,
    /// Largest delay per chunk.
    pub max_delay_ms: u64,
    /// How long a stall lasts (set it above the client's request timeout).
    pub stall_ms: u64,
}

impl FaultMix {
    /// A harsh mix: about two connections in three fail in some way.
    pub fn harsh() -> FaultMix {
        FaultMix {
            delay: 0.15,
            cut_request: 0.15,
            cut_response: 0.2,
            stall: 0.05,
            reset: 0.1,
            max_delay_ms: 40,
            stall_ms: 1_500,
        }
    }

    fn draw(&self, dice: &mut Dice) -> Fault {
        let mut roll = dice.unit();
        for (share, fault) in [
            (
                self.delay,
                Fault::Delay(1 + dice.below(self.max_delay_ms.max(1))),
            ),
            (
                self.cut_request,
                Fault::CutRequest(dice.below(600) as usize),
            ),
            (
                self.cut_response,
                Fault::CutResponse(dice.below(400) as usize),
            ),
            (self.stall, Fault::Stall(self.stall_ms)),
            (self.reset, Fault::Reset(dice.below(3) as usize * 50)),
        ] {
            if roll < share {
                return fault;
            }
            roll -= share;
        }
        Fault::Clean
    }
}

/// How many requests got each fault.
#[derive(Debug, Default)]
pub struct ProxyStats {
    /// Connections accepted.
    pub connections: AtomicU64,
    /// Forwarded untouched.
    pub clean: AtomicU64,
    /// Delayed.
    pub delayed: AtomicU64,
    /// Cut mid-request.
    pub cut_request: AtomicU64,
    /// Cut mid-response.
    pub cut_response: AtomicU64,
    /// Stalled.
    pub stalled: AtomicU64,
    /// Reset.
    pub reset: AtomicU64,
}

impl std::fmt::Display for ProxyStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let g = |a: &AtomicU64| a.load(Ordering::SeqCst);
        write!(
            f,
            "connections={} requests_clean={} delayed={} cut_mid_request={} cut_mid_response={} stalled={} reset={}",
            g(&self.connections),
            g(&self.clean),
            g(&self.delayed),
            g(&self.cut_request),
            g(&self.cut_response),
            g(&self.stalled),
            g(&self.reset)
        )
    }
}

/// A running proxy. It stops when the runtime that started it stops.
pub struct FaultProxy {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// What it did so far.
    pub stats: Arc<ProxyStats>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` that draws each request's fault from `mix` and `seed`.
    pub async fn start(upstream: SocketAddr, mix: FaultMix, seed: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let stats = Arc::new(ProxyStats::default());
        let counters = stats.clone();
        tokio::spawn(async move {
            let mut n = 0u64;
            while let Ok((client, _)) = listener.accept().await {
                n += 1;
                let dice = Dice::new(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let stats = counters.clone();
                stats.connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let _ = serve(client, upstream, mix, dice, &stats).await;
                });
            }
        });
        FaultProxy {
            url: format!("http://127.0.0.1:{port}"),
            stats,
        }
    }
}

impl ProxyStats {
    fn count(&self, fault: Fault) {
        let counter = match fault {
            Fault::Clean => &self.clean,
            Fault::Delay(_) => &self.delayed,
            Fault::CutRequest(_) => &self.cut_request,
            Fault::CutResponse(_) => &self.cut_response,
            Fault::Stall(_) => &self.stalled,
            Fault::Reset(_) => &self.reset,
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }
}

/// Forwards one connection. HTTP/1.1 clients reuse connections, so a fault is drawn for each
/// request: the first bytes from the client after the server has answered start a new one.
async fn serve(
    mut client: TcpStream,
    upstream: SocketAddr,
    mix: FaultMix,
    mut dice: Dice,
    stats: &ProxyStats,
) -> std::io::Result<()> {
    let mut server = TcpStream::connect(upstream).await?;
    let mut up = [0u8; 16 * 1024];
    let mut down = [0u8; 16 * 1024];
    let (mut sent_up, mut sent_down) = (0usize, 0usize);
    let mut fault: Option<Fault> = None;
    loop {
        tokio::select! {
            n = client.read(&mut up) => {
                let n = n?;
                if n == 0 { return Ok(()); }
                let fault = match fault {
                    Some(f) if sent_down == 0 => f,
                    _ => {
                        // A new request on this connection.
                        let f = mix.draw(&mut dice);
                        stats.count(f);
                        fault = Some(f);
                        (sent_up, sent_down) = (0, 0);
                        f
                    }
                };
                let mut chunk = &up[..n];
                match fault {
                    Fault::Stall(ms) => {
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                        return Ok(());
                    }
                    Fault::Reset(0) => return reset(client),
                    Fault::CutRequest(at) if chunk.len() >= at.saturating_sub(sent_up) => {
                        chunk = &chunk[..at.saturating_sub(sent_up)];
                        server.write_all(chunk).await?;
                        return Ok(()); // both sides dropped: the request is cut
                    }
                    Fault::Delay(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
                    _ => {}
                }
                server.write_all(chunk).await?;
                sent_up += chunk.len();
            }
            n = server.read(&mut down) => {
                let n = n?;
                if n == 0 { return Ok(()); }
                let mut chunk = &down[..n];
                match fault.unwrap_or(Fault::Clean) {
                    f @ (Fault::CutResponse(at) | Fault::Reset(at)) if chunk.len() >= at.saturating_sub(sent_down) => {
                        chunk = &chunk[..at.saturating_sub(sent_down)];
                        client.write_all(chunk).await?;
                        return if matches!(f, Fault::Reset(_)) { reset(client) } else { Ok(()) };
                    }
                    Fault::Delay(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
                    _ => {}
                }
                client.write_all(chunk).await?;
                sent_down += chunk.len();
            }
        }
    }
}

/// Closes `stream` with a TCP reset (linger zero) instead of an orderly close.
fn reset(stream: TcpStream) -> std::io::Result<()> {
    let std = stream.into_std()?;
    socket2::SockRef::from(&std).set_linger(Some(Duration::ZERO))?;
    drop(std);
    Ok(())
}
