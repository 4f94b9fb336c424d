//! The form editor's two calls an app makes most: one `set` (with the problems of every field
//! it affects) and one `snapshot` of the example referral. The bindings run the same calls from
//! Kotlin and compare.
//!
//! Baselines measured in the same run, interleaved: `validate_draft` of the example (the rule
//! walk every `set` must include) and `parse_referral` of its JSON. Printed as median and range
//! per call, and as ratios against the baseline. `set_with_autosave` adds the encrypted SQLite
//! autosave (WAL, one commit with synchronous = NORMAL) that a store-backed editor does on every
//! change.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group};
use weprotect_core::crypto::DataKey;
use weprotect_core::example::{EXAMPLE_REFERRAL_JSON, example_referral};
use weprotect_core::form::{DraftEditor, FormValue};
use weprotect_core::{Store, StoreSettings, parse_referral, validate_draft};

fn editor() -> std::sync::Arc<DraftEditor> {
    let e = DraftEditor::open_json(EXAMPLE_REFERRAL_JSON.to_string(), None).unwrap();
    e.pin_clock(Some(Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()));
    e
}

/// Alternates between two valid phone numbers, so every call really changes the draft.
fn set_phone(e: &DraftEditor, flip: &mut bool) {
    *flip = !*flip;
    let typed = if *flip {
        "020 7946 0123"
    } else {
        "020 7946 0124"
    };
    let out = e
        .set(
            "referrer.contact_phone".into(),
            FormValue::Text { text: typed.into() },
        )
        .unwrap();
    black_box(out);
}

fn benches(c: &mut Criterion) {
    let e = editor();
    let referral = example_referral();
    let now = Utc::now();
    let mut flip = false;
    c.bench_function("form_set_phone", |b| b.iter(|| set_phone(&e, &mut flip)));
    c.bench_function("form_snapshot_example", |b| {
        b.iter(|| black_box(e.snapshot()))
    });
    c.bench_function("baseline_validate_draft", |b| {
        b.iter(|| black_box(validate_draft(black_box(&referral), now)))
    });
}

criterion_group! {
    name = group;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = benches
}

/// Per-call (median, min, max) of each `f`, over interleaved rounds.
fn per_call(rounds: usize, iters: u32, fs: &mut [&mut dyn FnMut()]) -> Vec<(f64, f64, f64)> {
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); fs.len()];
    for _ in 0..rounds {
        for (i, f) in fs.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            samples[i].push(start.elapsed().as_secs_f64() / f64::from(iters));
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            (s[s.len() / 2], s[0], s[s.len() - 1])
        })
        .collect()
}

fn figures() {
    let e = editor();
    let referral = example_referral();
    let now = Utc::now();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        dir.path().into(),
        DataKey::generate(),
        StoreSettings::default(),
        now,
    )
    .unwrap();
    let saving = DraftEditor::open_json(EXAMPLE_REFERRAL_JSON.to_string(), Some(store)).unwrap();
    let (mut f1, mut f2) = (false, false);
    let t = per_call(
        21,
        50,
        &mut [
            &mut || set_phone(&e, &mut f1),
            &mut || {
                black_box(e.snapshot());
            },
            &mut || {
                black_box(validate_draft(black_box(&referral), now));
            },
            &mut || {
                black_box(parse_referral(black_box(EXAMPLE_REFERRAL_JSON)).unwrap());
            },
            &mut || set_phone(&saving, &mut f2),
        ],
    );
    let names = [
        "set (phone, with problems)",
        "snapshot (example)",
        "baseline validate_draft",
        "baseline parse_referral",
        "set_with_autosave",
    ];
    for (name, (median, min, max)) in names.iter().zip(&t) {
        println!(
            "per call: {name}: median {:.1} us (range {:.1} to {:.1} us)",
            median * 1e6,
            min * 1e6,
            max * 1e6
        );
    }
    println!(
        "ratio set/validate_draft = {:.2}; snapshot/validate_draft = {:.2}; set/parse_referral = {:.2}",
        t[0].0 / t[2].0,
        t[1].0 / t[2].0,
        t[0].0 / t[3].0
    );
    println!(
        "set {:.3} ms (target from Kotlin: < 0.5 ms); set with autosave {:.3} ms",
        t[0].0 * 1e3,
        t[4].0 * 1e3
    );
}

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();
    figures();
}
