//! Starting, running, pausing and stopping a server.
//!
//! The accept loop is our own rather than `axum::serve`, for two testing needs:
//!
//! * **Dropping a connection after the commit.** Each connection gets a [`ConnectionKill`]
//!   in its requests' extensions. The submit handler fires it once its row is committed; the
//!   connection task then drops the hyper connection, so the socket closes without a single
//!   byte of response. A client sees a connection error, never a status line: the lost
//!   response that idempotency keys exist for.
//! * **Losing signal.** [`RunningServer::set_reachable`]`(false)` closes the listening socket
//!   (new connections are refused) and cuts open connections; `(true)` binds the same address
//!   again. The demo uses this for "signal returns".
//!
//! Shutdown is graceful: stop accepting, let in-flight requests finish (up to 5 s), then cut.
//!
//! It also keeps the slots of the connection cap for devices: a connection is refused when the
//! server, or its client address, already holds its cap, and a connection with nothing in
//! progress for the head deadline is closed, whatever state it is in (`idle.rs`).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use sha2::{Digest, Sha256};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;
use weprotect_core::config::ServiceConfig;

use crate::config::ServerConfig;
use crate::error::{Result, ServerError};
use crate::faults::{FaultState, Faults};
use crate::idle::{Activity, Idle};
use crate::json_io::JsonErrors;
use crate::limits::{Limiters, Limits, address_key};
use crate::routes::{self, App, AppState, ClientAddr};
use crate::storage::Storage;
use crate::{files, keys, records};

/// How long shutdown waits for in-flight requests.
const GRACE: Duration = Duration::from_secs(5);
/// How often an HTTP/2 connection with requests in progress is pinged, and how long the answer
/// may take before the connection is closed (a peer that vanished mid-request).
const H2_KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(20);
const H2_KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an idle connection being closed gets to finish its goodbye (HTTP/2 `GOAWAY`).
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// hyper's read buffer per connection, which bounds the request head.
const MAX_HEADER_BUFFER: usize = 16 * 1024;
/// Requests in flight at once on one HTTP/2 connection.
const MAX_STREAMS: u32 = 64;

/// Lets a handler close its own connection without answering.
#[derive(Clone)]
pub(crate) struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    pub(crate) fn fire(&self) {
        self.0.notify_one();
    }
}

enum Command {
    SetReachable(bool, oneshot::Sender<std::io::Result<()>>),
}

/// A server running on the current tokio runtime. Dropping it stops the server (without
/// waiting); [`RunningServer::shutdown`] stops it and waits.
pub struct RunningServer {
    addr: SocketAddr,
    service_config: ServiceConfig,
    data_dir: PathBuf,
    app: AppState,
    commands: mpsc::Sender<Command>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Starts a server: opens (or creates) the data directory, its database and keys, binds the
/// listener, writes `service.json`, and serves on the current tokio runtime until
/// [`RunningServer::shutdown`] or drop.
pub async fn start(config: ServerConfig) -> Result<RunningServer> {
    let ServerConfig {
        data_dir,
        bind,
        public_url,
        faults,
        max_body_bytes,
        data_key,
        admin_token,
        limits,
        log,
        database,
        console,
    } = config;
    let connection_limits = limits.clone();
    files::create_private_dir(&data_dir)?;
    let storage = Storage::open(&database, &data_dir).await?;
    storage.set_log(log.clone());
    let keys = keys::load_or_create(&data_dir, &storage, data_key).await?;

    let listener = listen(bind).map_err(|e| ServerError::io(format!("binding {bind}"), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServerError::io("reading the bound address", e))?;
    let service_config = ServiceConfig {
        endpoint: public_url.unwrap_or_else(|| format!("http://{addr}")),
        key_id: keys.service.key_id().to_string(),
        public_key: keys.service.public_key().to_hex(),
        spki_pins: Vec::new(),
        jurisdictions: Vec::new(),
    };
    write_service_config(&data_dir, &service_config)?;

    if faults.any() {
        log.warn(format!(
            "WARNING: FAULT INJECTION ON ({faults}): this server fails on purpose; never use it for real referrals"
        ));
    }
    let app: AppState = Arc::new(App {
        storage,
        keys,
        faults: FaultState::new(faults),
        admin_token_sha256: admin_token.map(|t| Sha256::digest(t.as_bytes()).to_vec()),
        log: log.clone(),
        limiters: Limiters::new(limits),
        max_body_bytes,
    });
    log.request(format!(
        "listening on {} (data in {}, database: {})",
        service_config.endpoint,
        data_dir.display(),
        app.storage.backend_name()
    ));
    // The advisors' console: its own routes beside the device API's (issue 24), on either
    // backend. A console that cannot be opened leaves the device API served alone.
    let console = match crate::console::Console::open(
        app.storage.clone(),
        app.keys.data.clone(),
        console,
        log.clone(),
    )
    .await
    {
        Ok(console) => Some(console),
        Err(ServerError::Console(why)) => {
            log.warn(format!("console not served: {why}"));
            None
        }
        Err(e) => return Err(e),
    };
    let router = match console {
        Some(console) => routes::router(app.clone()).merge(crate::console::router(console)),
        None => routes::router(app.clone()),
    };
    let (commands, command_rx) = mpsc::channel(4);
    let (stop, stop_rx) = watch::channel(false);
    let task = tokio::spawn(accept_loop(
        listener,
        addr,
        router,
        connection_limits,
        command_rx,
        stop_rx,
    ));
    Ok(RunningServer {
        addr,
        service_config,
        data_dir,
        app,
        commands,
        stop,
        task: Some(task),
    })
}

/// Runs a server until Ctrl-C (SIGINT), then shuts it down gracefully: `weprotect serve`.
/// Prints where it listens and where `service.json` is to stderr.
pub async fn run(config: ServerConfig) -> Result<()> {
    raise_fd_limit(config.limits.max_connections);
    let server = start(config).await?;
    eprintln!(
        "weprotect-server: serving {} (service description: {}); Ctrl-C stops",
        server.url(),
        server.data_dir().join(ServiceConfig::FILE_NAME).display()
    );
    let stopped = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    stopped.map_err(|e| ServerError::io("waiting for Ctrl-C", e))
}

/// Raises the soft limit on open files towards what `max_connections` needs (two per connection
/// at most, plus the database and a margin), within the hard limit. Many systems start a
/// process with 1024, which would make `accept` fail long before the connection cap.
fn raise_fd_limit(max_connections: usize) {
    #[cfg(unix)]
    {
        let wanted = u64::try_from(max_connections)
            .unwrap_or(u64::MAX)
            .saturating_add(256);
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write the local struct.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < wanted {
                limit.rlim_cur = wanted.min(limit.rlim_max);
                let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = max_connections;
}

impl RunningServer {
    /// Base URL, e.g. `http://127.0.0.1:49152` (no trailing slash, no `/v1`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The service description devices need (also written to `data_dir/service.json`).
    pub fn service_config(&self) -> ServiceConfig {
        self.service_config.clone()
    }

    /// The data directory, for the directory-based helpers (`issue_token`, `add_status`, ...).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// `false`: close the listening socket (connections are refused) and cut open connections,
    /// as if the device had lost signal. `true`: listen on the same address again. Returns once
    /// the change is in effect; fails if the address cannot be bound again.
    pub async fn set_reachable(&self, reachable: bool) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::SetReachable(reachable, reply))
            .await
            .map_err(|_| ServerError::Task)?;
        answer
            .await
            .map_err(|_| ServerError::Task)?
            .map_err(|e| ServerError::io(format!("binding {} again", self.addr), e))
    }

    /// Replaces the injected faults (the dice are re-seeded from `faults.seed`).
    pub fn set_faults(&self, faults: Faults) {
        if faults.any() {
            self.app
                .log
                .warn(format!("WARNING: FAULT INJECTION ON ({faults})"));
        }
        self.app.faults.set(faults);
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.app.faults.get()
    }

    /// A stored referral's JSON, decrypted with the running server's data key (works also
    /// when the key was passed in rather than kept in a file).
    pub async fn read_referral(&self, referral_id: &str) -> Result<String> {
        let (sealed, version) = self.app.storage.sealed_referral(referral_id).await?;
        records::open_sealed(&self.app.keys.data, referral_id, &sealed, version)
    }

    /// The server's database (SQLite or PostgreSQL), for the operator's tasks: tokens,
    /// statuses, counts and receipts, whichever backend runs.
    pub fn storage(&self) -> Storage {
        self.app.storage.clone()
    }

    /// Stops accepting, lets in-flight requests finish (at most 5 s), and returns when the
    /// server is down. The database is closed when the last request is done.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn write_service_config(dir: &Path, config: &ServiceConfig) -> Result<()> {
    let json =
        serde_json::to_vec_pretty(config).map_err(|_| ServerError::Corrupt("service.json"))?;
    files::write_atomically(&dir.join(ServiceConfig::FILE_NAME), &json, 0o644)
}

/// Connections the kernel may hold completed for `accept` (Linux caps it at
/// `net.core.somaxconn`, 4096 by default).
const LISTEN_BACKLOG: u32 = 4096;

/// Binds `addr` with a backlog that absorbs a burst of connections while the accept loop
/// catches up (tokio's `TcpListener::bind` uses 1024). A connection that overflows the backlog
/// is neither accepted nor refused: its client believes it connected and waits.
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

async fn accept(listener: &Option<TcpListener>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

async fn accept_loop(
    listener: TcpListener,
    addr: SocketAddr,
    router: axum::Router,
    limits: Limits,
    mut commands: mpsc::Receiver<Command>,
    mut stop: watch::Receiver<bool>,
) {
    let mut listener = Some(listener);
    let mut connections = JoinSet::new();
    let mut refusals = JoinSet::new();
    let per_address = PerAddress::default();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            command = commands.recv() => match command {
                None => break,
                Some(Command::SetReachable(false, reply)) => {
                    listener = None;
                    connections.abort_all();
                    let _ = reply.send(Ok(()));
                }
                Some(Command::SetReachable(true, reply)) => {
                    let result = match listener {
                        Some(_) => Ok(()),
                        None => listen(addr).map(|l| listener = Some(l)),
                    };
                    let _ = reply.send(result);
                }
            },
            accepted = accept(&listener) => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let slot = (connections.len() < limits.max_connections)
                        .then(|| per_address.take(peer.ip(), limits.max_connections_per_address))
                        .flatten();
                    if let Some(slot) = slot {
                        connections.spawn(serve_connection(
                            stream,
                            peer,
                            router.clone(),
                            limits.head_deadline,
                            slot,
                            stop.clone(),
                        ));
                    } else if refusals.len() < MAX_REFUSALS {
                        refusals.spawn(refuse_connection(stream));
                    }
                    // Beyond both caps the socket is dropped (closed) at once.
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    eprintln!("weprotect-server: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            Some(_) = refusals.join_next(), if !refusals.is_empty() => {}
        }
    }
    drop(listener);
    refusals.abort_all();
    let drained = tokio::time::timeout(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

/// Open connections per client address (an IPv6 client by its /64).
#[derive(Default, Clone)]
struct PerAddress(Arc<std::sync::Mutex<HashMap<IpAddr, usize>>>);

impl PerAddress {
    /// A slot for a connection from `ip`, or `None` when the address holds `cap` already.
    fn take(&self, ip: IpAddr, cap: Option<usize>) -> Option<AddressSlot> {
        let key = address_key(ip);
        let mut open = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(key).or_insert(0);
        if cap.is_some_and(|cap| *count >= cap) {
            return None;
        }
        *count += 1;
        Some(AddressSlot {
            addresses: self.clone(),
            key,
        })
    }
}

/// One connection's place in its address's count; given back when dropped (also when the
/// connection's task is aborted).
struct AddressSlot {
    addresses: PerAddress,
    key: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.addresses.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// The answer to a connection beyond the cap, written without reading the request.
const BUSY_RESPONSE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/json\r\n\
retry-after: 1\r\n\
connection: close\r\n\
content-length: 83\r\n\
\r\n\
{\"code\":\"server.busy\",\"message\":\"The service is busy; retry after the time given.\"}";

/// Connections being refused at once; beyond this they are closed without an answer.
const MAX_REFUSALS: usize = 256;

/// Answers `503 server.busy` and closes, without reading the request. The client's request
/// bytes are read and dropped for a moment first, so that closing does not reset the
/// connection before the client has read the answer.
async fn refuse_connection(mut stream: TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        stream.write_all(BUSY_RESPONSE).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        std::io::Result::Ok(())
    })
    .await;
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: axum::Router,
    head_deadline: Duration,
    _slot: AddressSlot,
    mut stop: watch::Receiver<bool>,
) {
    let kill = Arc::new(Notify::new());
    let handle = ConnectionKill(kill.clone());
    let activity = Activity::new();
    let service = {
        let activity = activity.clone();
        tower::service_fn(move |mut request: hyper::Request<Incoming>| {
            // In progress from the complete head until the response body is dropped.
            let in_flight = activity.begin();
            request.extensions_mut().insert(handle.clone());
            request.extensions_mut().insert(ClientAddr(peer));
            let router = router.clone();
            async move {
                let response = router.oneshot(request).await?;
                Ok::<_, Infallible>(response.map(|body| {
                    axum::body::Body::new(body.map_frame(move |frame| {
                        let _ = &in_flight;
                        frame
                    }))
                }))
            }
        })
    };
    // HTTP/1.1, or HTTP/2 when the client opens with its preface (after ALPN `h2` at a TLS
    // terminator in front, or prior knowledge): many requests share one connection.
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(head_deadline)
        // Bounds what one connection's headers may cost (larger headers get 431).
        .max_buf_size(MAX_HEADER_BUFFER);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(H2_KEEP_ALIVE_INTERVAL)
        .keep_alive_timeout(H2_KEEP_ALIVE_TIMEOUT)
        .max_header_list_size(MAX_HEADER_BUFFER as u32)
        .max_concurrent_streams(MAX_STREAMS);
    let connection = builder.serve_connection(
        TokioIo::new(JsonErrors::new(stream)),
        TowerToHyperService::new(service),
    );
    tokio::pin!(connection);
    let mut stopping = *stop.borrow();
    if stopping {
        connection.as_mut().graceful_shutdown();
    }
    let idle = tokio::time::sleep(head_deadline);
    tokio::pin!(idle);
    let mut closing = false;
    loop {
        tokio::select! {
            _ = connection.as_mut() => return,
            // Dropping the connection closes the socket; nothing more is written.
            _ = kill.notified() => return,
            changed = stop.changed(), if !stopping => {
                let _ = changed;
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
            () = idle.as_mut() => {
                if closing {
                    // The goodbye took too long: cut.
                    return;
                }
                match activity.check(head_deadline) {
                    Idle::CheckAt(at) => idle.as_mut().reset(at),
                    Idle::Expired => {
                        // Nothing in progress for the whole deadline: say goodbye (HTTP/2
                        // `GOAWAY`; an HTTP/1.1 or undetected connection just closes), then cut.
                        closing = true;
                        connection.as_mut().graceful_shutdown();
                        idle.as_mut().reset(tokio::time::Instant::now() + CLOSE_GRACE);
                    }
                }
            }
        }
    }
}
