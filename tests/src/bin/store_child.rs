//! A child process for the crash and canary tests: submits referrals in an endless loop until
//! it is killed (SIGKILL) by the parent test at a random moment.
//!
//! Usage: `store_child DIR KEY_HEX SERVICE_JSON TEMPLATE_JSON`
//!
//! Each referral gets incident number `<template's>-<n>`, where `n` is the number of drafts and
//! outbox entries already committed, so the parent can check that every submit is wholly present
//! or wholly absent: the numbers found must be exactly `0..count`, each once. On start it first
//! submits any draft a previous run left behind. It prints `ready` once the store is open.

use std::io::Write;
use std::path::PathBuf;

use chrono::Utc;
use weprotect_core::config::ServiceConfig;
use weprotect_core::crypto::DataKey;
use weprotect_core::{Referral, Store, StoreSettings, parse_referral};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: store_child DIR KEY_HEX SERVICE_JSON TEMPLATE_JSON");
        std::process::exit(2);
    }
    let dir = PathBuf::from(&args[1]);
    let key = DataKey::from_hex(&args[2]).unwrap_or_else(|_| fail("bad key"));
    let service: ServiceConfig = serde_json::from_str(
        &std::fs::read_to_string(&args[3]).unwrap_or_else(|_| fail("no service file")),
    )
    .unwrap_or_else(|_| fail("bad service file"));
    let template =
        parse_referral(&std::fs::read_to_string(&args[4]).unwrap_or_else(|_| fail("no template")))
            .unwrap_or_else(|_| fail("bad template"));
    let prefix = template
        .incident
        .incident_number
        .clone()
        .unwrap_or_default();

    let store = Store::open(dir, key, StoreSettings::default(), Utc::now())
        .unwrap_or_else(|e| fail(&format!("open: {e}")));
    println!("ready");
    let _ = std::io::stdout().flush();

    for draft in store.list_drafts().unwrap_or_else(|e| fail(&e.to_string())) {
        store
            .submit(draft.id, service.clone(), Utc::now())
            .unwrap_or_else(|e| fail(&format!("resubmit: {e}")));
    }
    loop {
        let c = store.counts().unwrap_or_else(|e| fail(&e.to_string()));
        let n = c.drafts + c.queued + c.delivered + c.rejected;
        let mut referral: Referral = template.clone();
        referral.incident.incident_number = Some(format!("{prefix}-{n}"));
        let id = store
            .save_draft(None, referral.clone(), Utc::now())
            .unwrap_or_else(|e| fail(&format!("save: {e}")));
        store
            .save_draft(Some(id.clone()), referral, Utc::now())
            .unwrap_or_else(|e| fail(&format!("autosave: {e}")));
        store
            .submit(id, service.clone(), Utc::now())
            .unwrap_or_else(|e| fail(&format!("submit: {e}")));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("store_child: {message}");
    std::process::exit(3)
}
