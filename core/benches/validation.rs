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

/// The example with many fields typed wrong, as a hurried officer might: letters in a phone
/// number, an email without `@`, postcodes that do not exist, dates in the future, names left
/// empty.
fn invalid_document() -> String {
    let mut doc: serde_json::Value = serde_json::from_str(EXAMPLE_REFERRAL_JSON).unwrap();
    let mut set = |path: &str, value: serde_json::Value| {
        *doc.pointer_mut(path).unwrap() = value;
    };
    set("/referrer/contact_phone", "07400 CANARY".into());
    set("/referrer/email", "alex.example.police".into());
    set("/referrer/collar_number", "".into());
    set("/referrer/officer_name", "".into());
    set("/incident/occurred_at", "2099-01-01T00:00:00+00:00".into());
    set("/incident/location_postcode", "ZZ99 9ZZZ".into());
    set("/incident/incident_number", "".into());
    set("/victim/surname", "".into());
    set("/victim/forename", "".into());
    set("/victim/date_of_birth", "2099-02-30".into());
    set("/victim/address/postcode", "12345".into());
    set("/victim/address/line1", "".into());
    serde_json::to_string(&doc).unwrap()
}

/// Reads and validates a document; returns how many problems were found.
fn read_and_validate_counting(json: &str) -> usize {
    match parse_referral(black_box(json)) {
        Ok(referral) => validate_for_submission(&referral, Utc::now())
            .err()
            .map_or(0, |p| p.len()),
        Err(_) => 1,
    }
}

/// One table row for `cargo xtask bench`: figure, value, baseline, ratio, target.
fn figure(name: &str, value: &str, baseline: &str, ratio: &str, target: &str) {
    println!("FIGURE\t{name}\t{value}\t{baseline}\t{ratio}\t{target}");
}

/// Median and range of `v`, formatted.
fn spread(mut v: Vec<f64>) -> (f64, String) {
    v.sort_by(f64::total_cmp);
    let m = v[v.len() / 2];
    (m, format!("{m:.2} ({:.2}-{:.2})", v[0], v[v.len() - 1]))
}

/// The valid and the invalid document read and validated, each against plain JSON parsing of
/// the same text, in interleaved batches; five runs, median and range of each run's ratio.
fn figures(runs: usize, rounds: usize, iters: u32) {
    let invalid = invalid_document();
    let problems = read_and_validate_counting(&invalid);
    assert!(
        problems >= 5,
        "the invalid document has {problems} problems"
    );
    let mut rows: Vec<(Vec<f64>, Vec<f64>, Vec<f64>)> = vec![Default::default(); 2];
    for _ in 0..runs {
        for (i, doc) in [EXAMPLE_REFERRAL_JSON.to_string(), invalid.clone()]
            .iter()
            .enumerate()
        {
            let t = per_call(
                rounds,
                iters,
                &mut [
                    &mut || {
                        let v: serde_json::Value =
                            serde_json::from_str(black_box(doc.as_str())).unwrap();
                        black_box(v);
                    },
                    &mut || {
                        black_box(read_and_validate_counting(doc));
                    },
                ],
            );
            rows[i].0.push(t[1] * 1e6);
            rows[i].1.push(t[0] * 1e6);
            rows[i].2.push(t[1] / t[0]);
        }
    }
    for (i, name) in [
        "read and validate the example (valid)".to_string(),
        format!("read and validate an invalid document ({problems} problems)"),
    ]
    .iter()
    .enumerate()
    {
        let (v, b, r) = rows[i].clone();
        figure(
            name,
            &format!("{} µs", spread(v).1),
            &format!("serde_json to Value, same text: {} µs", spread(b).1),
            &spread(r).1,
            "none (for information)",
        );
    }
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
    // Without `--bench` (cargo test --all-targets, cargo xtask bench quick): a quick run.
    if !std::env::args().any(|a| a == "--bench") {
        figures(5, 3, 5);
        return;
    }
    group();
    Criterion::default().configure_from_args().final_summary();
    ratios();
    figures(5, 11, 100);
}
