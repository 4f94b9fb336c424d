//! A small load balancer for tests: each new TCP connection goes to the next of several
//! upstream servers in turn, and a share of responses is dropped.
//!
//! A dropped response is the fault that idempotency keys exist for, here with a twist: the
//! device's retry usually lands on the *other* instance, which must answer from the shared
//! database with the same receipt. The proxy forwards the request untouched; when the dice say
//! drop, it waits for the first bytes of the response (so the upstream has committed), then
//! closes both sides without passing a byte on.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::proof::Dice;

/// What the proxy did, per upstream.
#[derive(Default)]
pub struct Tally {
    /// Connections sent to each upstream, in the order given.
    pub connections: Vec<AtomicU64>,
    /// Responses dropped.
    pub dropped: AtomicU64,
}

/// A running round-robin proxy; dropping it stops accepting.
pub struct RoundRobin {
    addr: SocketAddr,
    tally: Arc<Tally>,
    task: tokio::task::JoinHandle<()>,
}

impl RoundRobin {
    /// Listens on a free loopback port; drops a `drop_share` (0..=1) of responses, with dice
    /// seeded by `seed`.
    pub async fn start(upstreams: Vec<SocketAddr>, drop_share: f64, seed: u64) -> RoundRobin {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let tally = Arc::new(Tally {
            connections: upstreams.iter().map(|_| AtomicU64::new(0)).collect(),
            dropped: AtomicU64::new(0),
        });
        let next = Arc::new(AtomicUsize::new(0));
        let task = {
            let tally = tally.clone();
            tokio::spawn(async move {
                let mut dice = Dice::new(seed);
                while let Ok((client, _)) = listener.accept().await {
                    let index = next.fetch_add(1, Ordering::Relaxed) % upstreams.len();
                    tally.connections[index].fetch_add(1, Ordering::Relaxed);
                    let drop = dice.unit() < drop_share;
                    tokio::spawn(relay(client, upstreams[index], drop, tally.clone()));
                }
            })
        };
        RoundRobin { addr, tally, task }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What happened so far.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }
}

impl Drop for RoundRobin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(client: TcpStream, upstream: SocketAddr, drop: bool, tally: Arc<Tally>) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upward = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
        let _ = server_write.shutdown().await;
    });
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match server_read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if drop {
            // The upstream answered, so it has committed: the device never hears it.
            tally.dropped.fetch_add(1, Ordering::Relaxed);
            break;
        }
        if client_write.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    upward.abort();
}
