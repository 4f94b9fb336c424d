//! Shared fixtures for the end-to-end and fault tests: a real reference server on loopback,
//! a real device store in a temporary directory, and helpers to fill its outbox.

pub mod rig;
pub mod tls_proxy;
