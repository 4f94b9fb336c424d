//! Strict validation of the example referral next to plain JSON deserialisation of the same
//! document. Target: validation costs at most 2x parsing.
//!
//! Criterion prints its usual figures; the ratios are then measured again in the same run with
//! interleaved batches (so machine noise hits both sides alike) and printed as
//! `ratio ... = x.xx (target <= 2.0)`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{Criterion, criterion_group};
use weprotect_core::example::EXAMPLE_REFERRAL_JSON;
use weprotect_core::{Referral, parse_referral, validate_for_submission};

fn plain_parse() {
    let v: serde_json::Value = serde_json::from_str(black_box(EXAMPLE_REFERRAL_JSON)).unwrap();
    black_box(v);
}

fn typed_parse() -> Referral {
    serde_json::from_str(black_box(EXAMPLE_REFERRAL_JSON)).unwrap()
}

fn validate(referral: &Referral) {
    black_box(validate_for_submission(black_box(referral), Utc::now())).unwrap();
}

fn parse_and_validate() {
    let referral = parse_referral(black_box(EXAMPLE_REFERRAL_JSON)).unwrap();
    validate(&referral);
}

fn benches(c: &mut Criterion) {
    let referral = typed_parse();
    c.bench_function("json_to_value", |b| b.iter(plain_parse));
    c.bench_function("json_to_referral", |b| b.iter(typed_parse));
    c.bench_function("strict_validation", |b| b.iter(|| validate(&referral)));
    c.bench_function("read_and_validate", |b| b.iter(parse_and_validate));
}

criterion_group! {
    name = group;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = benches
}

/// Median time per call of `f`, over interleaved rounds.
fn per_call(rounds: usize, iters: u32, fs: &mut [&mut dyn FnMut()]) -> Vec<f64> {
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
            s[s.len() / 2]
        })
        .collect()
}

fn ratios() {
    let referral = typed_parse();
    let t = per_call(
        31,
        200,
        &mut [
            &mut plain_parse,
            &mut || {
                black_box(typed_parse());
            },
            &mut || validate(&referral),
            &mut parse_and_validate,
        ],
    );
    let us = |s: f64| s * 1e6;
    println!(
        "per call: json_to_value {:.1} us, json_to_referral {:.1} us, strict_validation {:.1} us, read_and_validate {:.1} us",
        us(t[0]),
        us(t[1]),
        us(t[2]),
        us(t[3])
    );
    println!(
        "ratio strict_validation/json_to_referral = {:.2} (target <= 2.0)",
        t[2] / t[1]
    );
    println!(
        "ratio strict_validation/json_to_value = {:.2} (target <= 2.0)",
        t[2] / t[0]
    );
    println!(
        "ratio read_and_validate/json_to_value = {:.2} (typed values parse phone numbers with libphonenumber)",
        t[3] / t[0]
    );
}

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();
    ratios();
}
