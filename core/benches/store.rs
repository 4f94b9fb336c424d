//! What durability and encryption cost, against bare SQLite doing the same I/O.
//!
//! * submit (strict validation + HPKE seal + encrypted local copy + one durable transaction that
//!   inserts the outbox row and deletes the draft) against a bare rusqlite insert of the same
//!   bytes (sealed envelope and local copy) in one transaction with the same pragmas (WAL,
//!   `synchronous = FULL`, `secure_delete`). Target: at most 1.5x.
//! * opening a store holding 10,000 outbox rows (identity and key checks, migrations check,
//!   retention purge) against a bare open of the same file plus `SELECT count(*)`. Target: at
//!   most 3x.
//!
//! * submit again with the store and the bare database on a RAM-backed directory (`/dev/shm`),
//!   where fsync costs nothing: what a submit costs over the bare insert is then its own CPU.
//!   Target: under 150 µs. Beside it, the HPKE seal of the same referral alone (interleaved in
//!   the same loop): the part of every submit that no store work can remove.
//! * opening a store whose 10,000 receipts have all expired (they are purged on open) against a
//!   bare open plus the same `DELETE` in one transaction. Target: at most 3x.
//!
//! Both sides run interleaved (A, B, A, B...) after a warm-up so machine noise hits both alike,
//! in five runs; each run's medians are compared, and the median and range over the runs are
//! printed (`FIGURE` lines, which `cargo xtask bench` puts into docs/PERFORMANCE.md). Without
//! `--bench` (cargo test, `cargo xtask bench quick`) a small quick run checks it still works.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use rusqlite::{Connection, params};
use weprotect_core::config::ServiceConfig;
use weprotect_core::crypto::{DataKey, ServicePrivateKey, ServicePublicKey, envelope};
use weprotect_core::example::example_referral;
use weprotect_core::store::QueuedReferral;
use weprotect_core::{SCHEMA_VERSION, Store, StoreSettings};

const KEY: &str = "2b7e151628aed2a6abf7158809cf4f3c2b7e151628aed2a6abf7158809cf4f3c";
const RUNS: usize = 5;
const OUTBOX_ROWS: i64 = 10_000;

fn key() -> DataKey {
    DataKey::from_hex(KEY).unwrap()
}

fn service() -> ServiceConfig {
    let (_sk, pk) = ServicePrivateKey::generate("bench-key".into()).unwrap();
    ServiceConfig {
        endpoint: "https://intake.example.org".into(),
        key_id: "bench-key".into(),
        public_key: pk.to_hex(),
        spki_pins: Vec::new(),
        jurisdictions: Vec::new(),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Median and range of `v`, formatted with `digits` decimals.
fn spread(mut v: Vec<f64>, digits: usize) -> String {
    v.sort_by(f64::total_cmp);
    format!(
        "{:.digits$} ({:.digits$}-{:.digits$})",
        v[v.len() / 2],
        v[0],
        v[v.len() - 1]
    )
}

/// One table row for `cargo xtask bench`: figure, value, baseline, ratio, target.
fn figure(name: &str, value: &str, baseline: &str, ratio: &str, target: &str) {
    println!("FIGURE\t{name}\t{value}\t{baseline}\t{ratio}\t{target}");
}

/// A temporary directory on RAM (`/dev/shm`) when there is one.
fn ram_tempdir() -> Option<tempfile::TempDir> {
    tempfile::tempdir_in("/dev/shm").ok()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn bare_connection(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;
         PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;",
    )
    .unwrap();
    conn
}

/// Per run: (median submit, median bare insert, median HPKE seal alone).
fn bench_submit(dir: tempfile::TempDir, per_run: usize) -> Vec<(Duration, Duration, Duration)> {
    let store = Store::open(
        dir.path().join("store"),
        key(),
        StoreSettings::default(),
        Utc::now(),
    )
    .unwrap();
    let service = service();
    let referral = example_referral();

    // The bare side inserts bytes of the same sizes a submit writes.
    let sample_draft = store
        .save_draft(None, referral.clone(), Utc::now())
        .unwrap();
    let sample = store
        .submit(sample_draft, service.clone(), Utc::now())
        .unwrap();
    let sealed = store.due_for_delivery(Utc::now(), 1).unwrap()[0]
        .sealed
        .clone();
    let plaintext = serde_json::to_vec(&referral).unwrap();
    let public_key = ServicePublicKey::new(service.key_id.clone(), &service.public_key).unwrap();
    let local_copy = vec![0x5a_u8; plaintext.len() + 41];
    let summary = vec![0x5a_u8; 100];
    drop(sample);
    std::fs::create_dir_all(dir.path().join("bare")).unwrap();
    let mut bare = bare_connection(&dir.path().join("bare").join("bare.db"));
    bare.execute_batch(
        "CREATE TABLE outbox (referral_id TEXT PRIMARY KEY, queued_at INTEGER, sealed BLOB,
         local_copy BLOB, summary BLOB) STRICT;",
    )
    .unwrap();

    let drafts: Vec<String> = (0..RUNS * per_run + 20)
        .map(|_| {
            store
                .save_draft(None, referral.clone(), Utc::now())
                .unwrap()
        })
        .collect();
    let mut submit_times = Vec::new();
    let mut bare_times = Vec::new();
    let mut seal_times = Vec::new();
    for (i, draft) in drafts.into_iter().enumerate() {
        let t = Instant::now();
        black_box(store.submit(draft, service.clone(), Utc::now()).unwrap());
        let submit = t.elapsed();

        let t = Instant::now();
        let tx = bare.transaction().unwrap();
        tx.execute(
            "INSERT INTO outbox VALUES (?1, ?2, ?3, ?4, ?5)",
            params![format!("bare-{i}"), i as i64, sealed, local_copy, summary],
        )
        .unwrap();
        tx.commit().unwrap();
        let bare_time = t.elapsed();

        // The part of a submit no store work can remove: sealing the referral for the service.
        let t = Instant::now();
        black_box(envelope::seal(&public_key, "bench-seal", SCHEMA_VERSION, &plaintext).unwrap());
        let seal_time = t.elapsed();
        if i >= 20 {
            submit_times.push(submit);
            bare_times.push(bare_time);
            seal_times.push(seal_time);
        }
    }
    (0..submit_times.len() / per_run)
        .map(|run| {
            let chunk = |v: &[Duration]| median(v[run * per_run..(run + 1) * per_run].to_vec());
            (chunk(&submit_times), chunk(&bare_times), chunk(&seal_times))
        })
        .collect()
}

fn submit_figures(per_run: usize) {
    let disk = bench_submit(tempfile::tempdir().unwrap(), per_run);
    let us = |d: &Duration| micros(*d);
    figure(
        "submit (fsync'd, on disk)",
        &format!("{} µs", spread(disk.iter().map(|r| us(&r.0)).collect(), 0)),
        &format!(
            "bare insert of the same bytes, same pragmas: {} µs",
            spread(disk.iter().map(|r| us(&r.1)).collect(), 0)
        ),
        &spread(disk.iter().map(|(s, b, _)| us(s) / us(b)).collect(), 2),
        "≤ 1.5",
    );
    let Some(ram) = ram_tempdir() else {
        println!("no /dev/shm: the RAM-backed submit figure is skipped");
        return;
    };
    let ram = bench_submit(ram, per_run);
    figure(
        "submit on a RAM-backed dir: cost over the bare insert",
        &format!(
            "{} µs",
            spread(ram.iter().map(|(s, b, _)| us(s) - us(b)).collect(), 0)
        ),
        &format!(
            "bare insert on the same dir: {} µs (submit {} µs)",
            spread(ram.iter().map(|r| us(&r.1)).collect(), 0),
            spread(ram.iter().map(|r| us(&r.0)).collect(), 0)
        ),
        &spread(ram.iter().map(|(s, b, _)| us(s) / us(b)).collect(), 2),
        "< 150 µs over",
    );
    figure(
        "of which the HPKE seal for the service (two X25519 operations), measured alone",
        &format!("{} µs", spread(ram.iter().map(|r| us(&r.2)).collect(), 0)),
        "none: it is part of every submit",
        "",
        "for information: the floor under the 150 µs above",
    );
}

/// A new store in `dir` holding one submitted referral (the example, sealed: real sizes).
fn store_with_one_submitted(dir: &Path) -> (std::sync::Arc<Store>, QueuedReferral) {
    let store = Store::open(
        dir.to_path_buf(),
        key(),
        StoreSettings::default(),
        Utc::now(),
    )
    .unwrap();
    let draft = store
        .save_draft(None, example_referral(), Utc::now())
        .unwrap();
    let queued = store.submit(draft, service(), Utc::now()).unwrap();
    (store, queued)
}

fn bench_open(per_run: usize) {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    store_with_one_submitted(&store_dir);
    // Fill the outbox with copies of that row (real sizes) in one bare transaction.
    {
        let conn = bare_connection(&store_dir.join(weprotect_core::store::DB_FILE_NAME));
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
             INSERT INTO outbox (referral_id, source_draft_id, schema_version, state, queued_at,
                attempts, next_attempt_at, sealed, local_copy, summary)
             SELECT 'bench-' || i, 'draft-' || i, o.schema_version, o.state, o.queued_at + i,
                0, o.next_attempt_at + i, o.sealed, o.local_copy, o.summary
             FROM n, (SELECT * FROM outbox LIMIT 1) AS o",
            [OUTBOX_ROWS - 1],
        )
        .unwrap();
    }
    let path = store_dir.join(weprotect_core::store::DB_FILE_NAME);
    let mut open_times = Vec::new();
    let mut bare_times = Vec::new();
    for i in 0..RUNS * per_run + 5 {
        let t = Instant::now();
        let store = Store::open(
            store_dir.clone(),
            key(),
            StoreSettings::default(),
            Utc::now(),
        )
        .unwrap();
        black_box(&store);
        drop(store);
        let open = t.elapsed();

        let t = Instant::now();
        let conn = Connection::open(&path).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, OUTBOX_ROWS);
        drop(conn);
        let bare = t.elapsed();
        if i >= 5 {
            open_times.push(open);
            bare_times.push(bare);
        }
    }
    let runs: Vec<(f64, f64)> = open_times
        .chunks(per_run)
        .zip(bare_times.chunks(per_run))
        .map(|(o, b)| (micros(median(o.to_vec())), micros(median(b.to_vec()))))
        .collect();
    figure(
        &format!("open a store with {OUTBOX_ROWS} queued referrals"),
        &format!("{} µs", spread(runs.iter().map(|r| r.0).collect(), 0)),
        &format!(
            "bare open + count(*): {} µs",
            spread(runs.iter().map(|r| r.1).collect(), 0)
        ),
        &spread(runs.iter().map(|(o, b)| o / b).collect(), 2),
        "≤ 3",
    );
}

/// Opening a store whose receipts have all expired: the open purges them.
fn bench_open_expiring(per_run: usize) {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template");
    {
        let (store, queued) = store_with_one_submitted(&template);
        store
            .mark_delivered(
                queued.referral_id,
                weprotect_core::store::Receipt {
                    service_reference: "WP-2026-000001".into(),
                    received_at: Utc::now(),
                },
                Utc::now(),
            )
            .unwrap();
    }
    let db = weprotect_core::store::DB_FILE_NAME;
    {
        // 10,000 receipts delivered 40 days ago (the default keeps 30).
        let conn = bare_connection(&template.join(db));
        let old = Utc::now().timestamp_millis() - 40 * 24 * 3600 * 1000;
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
             INSERT INTO outbox (referral_id, source_draft_id, schema_version, state, queued_at,
                attempts, service_reference, received_at, delivered_at)
             SELECT 'bench-' || i, 'draft-' || i, o.schema_version, 'delivered', ?2 + i,
                0, o.service_reference, ?2 + i, ?2 + i
             FROM n, (SELECT * FROM outbox LIMIT 1) AS o",
            rusqlite::params![OUTBOX_ROWS, old],
        )
        .unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
    }
    let fresh_copy = |name: &str| {
        let to = dir.path().join(name);
        let _ = std::fs::remove_dir_all(&to);
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(&template).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
        to
    };
    let cutoff = Utc::now().timestamp_millis() - 30 * 24 * 3600 * 1000;
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let (mut opens, mut bares) = (Vec::new(), Vec::new());
        for _ in 0..per_run {
            let store_dir = fresh_copy("store");
            let t = Instant::now();
            let store =
                Store::open(store_dir, key(), StoreSettings::default(), Utc::now()).unwrap();
            black_box(&store);
            drop(store);
            opens.push(t.elapsed());

            let bare_dir = fresh_copy("bare");
            let t = Instant::now();
            let mut conn = bare_connection(&bare_dir.join(db));
            let tx = conn.transaction().unwrap();
            let purged = tx
                .execute(
                    "DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < ?1",
                    [cutoff],
                )
                .unwrap();
            tx.commit().unwrap();
            drop(conn);
            bares.push(t.elapsed());
            assert!(purged as i64 >= OUTBOX_ROWS);
        }
        runs.push((micros(median(opens)), micros(median(bares))));
    }
    figure(
        &format!("open a store whose {OUTBOX_ROWS} receipts expired (purged on open)"),
        &format!("{} µs", spread(runs.iter().map(|r| r.0).collect(), 0)),
        &format!(
            "bare open + the same DELETE, one transaction: {} µs",
            spread(runs.iter().map(|r| r.1).collect(), 0)
        ),
        &spread(runs.iter().map(|(o, b)| o / b).collect(), 2),
        "≤ 3",
    );
}

fn main() {
    // `cargo test --benches` and `cargo xtask bench quick` run bench targets with no `--bench`
    // flag: then a quick run with few samples.
    let full = std::env::args().any(|a| a == "--bench");
    let per_run = if full { 40 } else { 2 };
    submit_figures(per_run);
    bench_open(if full { 8 } else { 1 });
    bench_open_expiring(if full { 4 } else { 1 });
}
