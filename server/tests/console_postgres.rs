//! The console suite (`console.rs`) again, with every server on PostgreSQL: a database of its
//! own per data directory, in a cluster this test process starts on loopback
//! (`tests/src/postgres.rs`). Without PostgreSQL it prints SKIP and runs on SQLite, unless
//! `WEPROTECT_REQUIRE_POSTGRES=1` (`cargo xtask test`), when it fails.

#[path = "console.rs"]
mod suite;
