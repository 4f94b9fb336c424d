//! `weprotect demo` tells the whole story, and what it keeps holds no personal data in clear.

use std::process::Command;

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn the_demo_delivers_one_referral_with_a_receipt_a_status_update_and_the_crime_number_that_followed()
 {
    let keep = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_weprotect"))
        .args(["demo", "--keep"])
        .arg(keep.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "[4/10] Signal lost",
        "to follow: incident.crime_reference",
        "network.connect",
        "next attempt at",
        "delivered 1 (still waiting: 0)",
        "receipt: service reference WP-",
        "the service holds 1 referral(s)",
        "advisor_assigned at",
        "delivered 1 (still waiting: 0); still to follow on the device: 0",
        "the service holds incident.crime_reference, received",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }

    // The kept device store shows the delivered referral through the device commands.
    let key = stdout
        .split("WEPROTECT_DATA_KEY=")
        .nth(1)
        .and_then(|rest| rest.get(..64))
        .unwrap();
    let outbox = Command::new(env!("CARGO_BIN_EXE_weprotect"))
        .arg("--data-dir")
        .arg(keep.path().join("device"))
        .args(["outbox", "--json"])
        .env("WEPROTECT_DATA_KEY", key)
        .output()
        .unwrap();
    assert!(outbox.status.success());
    let entries: serde_json::Value = serde_json::from_slice(&outbox.stdout).unwrap();
    assert_eq!(entries[0]["state"], "delivered");
    assert_eq!(entries[0]["addenda"][0]["kind"], "information");
    assert_eq!(entries[0]["addenda"][0]["state"], "delivered");
    assert_eq!(entries[0]["to_follow"], serde_json::json!([]));
    assert!(
        entries[0]["receipt"]["service_reference"]
            .as_str()
            .unwrap()
            .starts_with("WP-")
    );

    // Neither the device nor the service keeps the example's personal data in clear.
    let mut files = Vec::new();
    files_under(keep.path(), &mut files);
    assert!(files.len() >= 4);
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for canary in [
            "Testperson",
            "Chris Sample",
            "Example Street",
            "+447700900123",
            "CAD-2026-000123",
            "CR/0012345/26",
        ] {
            assert!(
                !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
                "{canary} in clear in {}",
                file.display()
            );
        }
    }
}
