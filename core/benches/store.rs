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
//! Both sides run interleaved (A, B, A, B...) after a warm-up so machine noise hits both alike;
//! medians are compared. Prints `ratio submit/bare_insert = x.xx (target <= 1.5)` and
//! `ratio open/bare_open_count = x.xx (target <= 3)`. Runs in well under a minute.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use rusqlite::{Connection, params};
use weprotect_core::config::ServiceConfig;
use weprotect_core::crypto::{DataKey, ServicePrivateKey};
use weprotect_core::example::example_referral;
use weprotect_core::{Store, StoreSettings};

const KEY: &str = "2b7e151628aed2a6abf7158809cf4f3c2b7e151628aed2a6abf7158809cf4f3c";
const SUBMITS: usize = 200;
const OPENS: usize = 40;
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
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
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

fn bench_submit() {
    let dir = tempfile::tempdir().unwrap();
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
    let local_copy = vec![0x5a_u8; serde_json::to_vec(&referral).unwrap().len() + 41];
    let summary = vec![0x5a_u8; 100];
    drop(sample);
    std::fs::create_dir_all(dir.path().join("bare")).unwrap();
    let mut bare = bare_connection(&dir.path().join("bare").join("bare.db"));
    bare.execute_batch(
        "CREATE TABLE outbox (referral_id TEXT PRIMARY KEY, queued_at INTEGER, sealed BLOB,
         local_copy BLOB, summary BLOB) STRICT;",
    )
    .unwrap();

    let drafts: Vec<String> = (0..SUBMITS + 20)
        .map(|_| {
            store
                .save_draft(None, referral.clone(), Utc::now())
                .unwrap()
        })
        .collect();
    let mut submit_times = Vec::new();
    let mut bare_times = Vec::new();
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
        if i >= 20 {
            submit_times.push(submit);
            bare_times.push(bare_time);
        }
    }
    let (s, b) = (median(submit_times), median(bare_times));
    println!(
        "submit: median {:.0} us; bare insert of the same bytes: median {:.0} us",
        micros(s),
        micros(b)
    );
    println!(
        "ratio submit/bare_insert = {:.2} (target <= 1.5)",
        s.as_secs_f64() / b.as_secs_f64()
    );
}

fn bench_open() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    {
        let store = Store::open(
            store_dir.clone(),
            key(),
            StoreSettings::default(),
            Utc::now(),
        )
        .unwrap();
        let draft = store
            .save_draft(None, example_referral(), Utc::now())
            .unwrap();
        store.submit(draft, service(), Utc::now()).unwrap();
    }
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
    for i in 0..OPENS + 5 {
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
    let (o, b) = (median(open_times), median(bare_times));
    println!(
        "open with {OUTBOX_ROWS} outbox rows: median {:.0} us; bare open + count: median {:.0} us",
        micros(o),
        micros(b)
    );
    println!(
        "ratio open/bare_open_count = {:.2} (target <= 3)",
        o.as_secs_f64() / b.as_secs_f64()
    );
}

fn main() {
    // `cargo test --benches` runs bench targets with no `--bench` flag: keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    bench_submit();
    bench_open();
}
