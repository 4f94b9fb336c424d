//! Shared fixtures for the end-to-end and fault tests: a real reference server on loopback,
//! a real device store in a temporary directory, helpers to fill its outbox, a TLS proxy, a
//! fault-injecting TCP proxy, and the tally the proof loops print.

pub mod fault_proxy;
pub mod proof;
pub mod rig;
pub mod tls_proxy;
