//! A real PostgreSQL server for tests: Debian's `postgresql` binaries, a fresh cluster in a
//! temporary directory, listening on a free loopback port, one per test process.
//!
//! `initdb` and `postgres` refuse to run as root, so when the tests run as root (CI machines)
//! the cluster belongs to the `postgres` user (or `nobody`): the child switches user itself
//! before it executes the binary, and asks the kernel to kill it when the thread that started
//! it ends, which is when the test process ends, so no server outlives its tests.
//!
//! Where PostgreSQL cannot be started, [`cluster`] prints a `SKIP` line and returns `None`,
//! unless `WEPROTECT_REQUIRE_POSTGRES=1` (set by `cargo xtask test`, which installs
//! PostgreSQL first): then it panics, so the tests fail instead of passing without it.
//! `WEPROTECT_POSTGRES_BIN` names the directory of `initdb` and `postgres` when they are not
//! in `/usr/lib/postgresql/<version>/bin`.
//!
//! This file is also compiled into the server's own tests (`#[path]`), so it depends only on
//! `tokio`, `tokio-postgres`, `libc` and `std`.

#![allow(dead_code)]

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The environment variable that turns a missing PostgreSQL into a failure.
pub const REQUIRE_ENV: &str = "WEPROTECT_REQUIRE_POSTGRES";
/// The environment variable naming the directory of the PostgreSQL binaries.
pub const BIN_ENV: &str = "WEPROTECT_POSTGRES_BIN";

const ROLE: &str = "weprotect";

/// A running PostgreSQL cluster of this test process.
pub struct Cluster {
    root: PathBuf,
    port: u16,
    password: String,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// The process's cluster, started on first use; `None` (after a printed `SKIP` line) when
/// PostgreSQL cannot run here and it is not required.
pub fn cluster() -> Option<&'static Cluster> {
    match CLUSTER.get_or_init(start) {
        Ok(cluster) => Some(cluster),
        Err(why) if required() => {
            panic!("PostgreSQL is required ({REQUIRE_ENV}=1) but could not be started: {why}")
        }
        Err(why) => {
            eprintln!(
                "SKIP: PostgreSQL tests skipped: {why} (set {REQUIRE_ENV}=1 to fail instead)"
            );
            None
        }
    }
}

/// Whether a missing PostgreSQL must fail the tests.
pub fn required() -> bool {
    std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1")
}

impl Cluster {
    /// The connection URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres://{ROLE}:{}@127.0.0.1:{}/{name}",
            self.password, self.port
        )
    }

    /// The cluster's data directory (to look for personal data in its files).
    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// Creates an empty database and returns its URL. Works inside or outside a runtime.
    pub fn create_database(&self) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "t_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin = self.url("postgres");
        let sql = format!("CREATE DATABASE {name}");
        on_own_runtime(async move {
            let client = connect(&admin).await?;
            client.batch_execute(&sql).await.map_err(|e| e.to_string())
        })
        .unwrap_or_else(|e| panic!("creating a test database: {e}"));
        self.url(&name)
    }

    /// The files of database `url` and the write-ahead log, as (name, bytes).
    pub fn database_files(&self, url: &str) -> Vec<(String, Vec<u8>)> {
        let name = url.rsplit('/').next().unwrap_or_default().to_string();
        let admin = self.url("postgres");
        let oid: u32 = on_own_runtime(async move {
            let client = connect(&admin).await?;
            // Write out dirty pages so the table files hold the rows too.
            client
                .batch_execute("CHECKPOINT")
                .await
                .map_err(|e| e.to_string())?;
            let row = client
                .query_one("SELECT oid FROM pg_database WHERE datname = $1", &[&name])
                .await
                .map_err(|e| e.to_string())?;
            Ok(row.get::<_, u32>(0))
        })
        .unwrap_or_else(|e| panic!("finding the database's files: {e}"));
        let mut out = Vec::new();
        for dir in [
            self.data_dir().join("base").join(oid.to_string()),
            self.data_dir().join("pg_wal"),
        ] {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                if entry.path().is_file() {
                    out.push((
                        entry.path().display().to_string(),
                        std::fs::read(entry.path()).unwrap(),
                    ));
                }
            }
        }
        out
    }
}

async fn connect(url: &str) -> Result<tokio_postgres::Client, String> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Runs `future` to completion on a fresh runtime in a thread of its own, so that it may be
/// called from sync code and from inside another runtime alike.
pub fn on_own_runtime<T: Send + 'static>(
    future: impl std::future::Future<Output = Result<T, String>> + Send + 'static,
) -> Result<T, String> {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?
            .block_on(future)
    })
    .join()
    .map_err(|_| "the runtime thread panicked".to_string())?
}

fn bin_dir() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var(BIN_ENV) {
        return Ok(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| {
            "PostgreSQL is not installed (no /usr/lib/postgresql; apt-get install postgresql)"
                .to_string()
        })?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| "no /usr/lib/postgresql/<version>/bin/postgres".to_string())
}

/// The user the cluster runs as: ourselves, or an unprivileged user when we are root.
struct RunAs {
    uid: libc::uid_t,
    gid: libc::gid_t,
    switch: bool,
}

fn run_as() -> Result<RunAs, String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(RunAs {
            uid: 0,
            gid: 0,
            switch: false,
        });
    }
    for name in [c"postgres", c"nobody"] {
        // SAFETY: getpwnam gets a valid C string; the result is read at once, before any
        // other call that could reuse its static buffer.
        let entry = unsafe { libc::getpwnam(name.as_ptr()) };
        if !entry.is_null() {
            // SAFETY: non-null entries point to a valid passwd struct.
            let (uid, gid) = unsafe { ((*entry).pw_uid, (*entry).pw_gid) };
            return Ok(RunAs {
                uid,
                gid,
                switch: true,
            });
        }
    }
    Err("running as root and neither `postgres` nor `nobody` exists".to_string())
}

impl RunAs {
    fn command(&self, program: &Path, die_with_thread: bool) -> Command {
        use std::os::unix::process::CommandExt;
        let mut command = Command::new(program);
        let (uid, gid, switch) = (self.uid, self.gid, self.switch);
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if switch
                    && (libc::setgroups(0, std::ptr::null()) != 0
                        || libc::setgid(gid) != 0
                        || libc::setuid(uid) != 0)
                {
                    return Err(std::io::Error::last_os_error());
                }
                // After the user switch (which clears it): stop when the starting thread ends.
                if die_with_thread && libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        command
    }

    fn own(&self, path: &Path) -> Result<(), String> {
        if self.switch {
            std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))
                .map_err(|e| format!("chown {}: {e}", path.display()))?;
        }
        Ok(())
    }
}

/// Removes clusters left by test processes that are gone.
fn sweep(parent: &Path) {
    for entry in std::fs::read_dir(parent).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if let Ok(pid) = name.parse::<u32>()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn start() -> Result<Cluster, String> {
    let bin = bin_dir()?;
    let user = run_as()?;
    let parent = std::env::temp_dir().join("weprotect-pg-tests");
    std::fs::create_dir_all(&parent).map_err(|e| e.to_string())?;
    sweep(&parent);
    let root = parent.join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
    user.own(&root)?;

    let mut random = [0u8; 16];
    getrandom_fill(&mut random);
    let password: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let pwfile = root.join("pwfile");
    std::fs::write(&pwfile, &password).map_err(|e| e.to_string())?;
    user.own(&pwfile)?;

    let output = user
        .command(&bin.join("initdb"), false)
        .arg("-D")
        .arg(root.join("data"))
        .args([
            "-U",
            ROLE,
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ])
        .arg(format!("--pwfile={}", pwfile.display()))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run initdb: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let port = {
        let probe = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
        probe.local_addr().map_err(|e| e.to_string())?.port()
    };
    let log = std::fs::File::create(root.join("postgres.log")).map_err(|e| e.to_string())?;
    let mut command = user.command(&bin.join("postgres"), true);
    command
        .arg("-D")
        .arg(root.join("data"))
        .args(["-p", &port.to_string()])
        .args(["-c", "listen_addresses=127.0.0.1"])
        .arg("-c")
        .arg(format!("unix_socket_directories={}", root.display()))
        .args(["-c", "max_connections=300", "-c", "shared_buffers=32MB"])
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log);
    // The parent-death signal fires when the spawning thread ends: spawn from a thread that
    // lives as long as the process.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let child = command.spawn();
        let failed = child.as_ref().err().map(|e| e.to_string());
        let _ = sender.send(failed);
        let _keep = child;
        loop {
            std::thread::park();
        }
    });
    if let Some(e) = receiver.recv().map_err(|e| e.to_string())? {
        return Err(format!("cannot start postgres: {e}"));
    }
    let cluster = Cluster {
        root,
        port,
        password,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
            let url = cluster.url("postgres");
            if on_own_runtime(async move { connect(&url).await.map(|_| ()) }).is_ok() {
                return Ok(cluster);
            }
        }
        if Instant::now() > deadline {
            let log =
                std::fs::read_to_string(cluster.root.join("postgres.log")).unwrap_or_default();
            return Err(format!(
                "postgres did not accept connections within 30 s: {log}"
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn getrandom_fill(buf: &mut [u8]) {
    use std::io::Read;
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = f.read_exact(buf);
    }
}
