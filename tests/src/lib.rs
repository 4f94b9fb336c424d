//! Shared fixtures for the end-to-end and fault tests: a real reference server on loopback,
//! a real device store in a temporary directory, helpers to fill its outbox, a TLS proxy, a
//! fault-injecting TCP proxy, a round-robin proxy over several server instances, a PostgreSQL
//! cluster on loopback, and the tally the proof loops print.

pub mod fault_proxy;
pub mod postgres;
pub mod proof;
pub mod rig;
pub mod round_robin;
pub mod server_process;
pub mod tls_proxy;
