//! End-to-end tests of the request workflow through the `ombud` binary: a store
//! created by `ombud migrate`, a request walked from submission to denial, the records
//! and the audit chain; and durability — a burst of submissions killed with SIGKILL
//! loses no request it acknowledged, and the chain still verifies.
//!
//! Each test runs on a SQLite file and, when `OMBUD_TEST_POSTGRES_URL` is set, on a
//! fresh PostgreSQL database.

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};

use std::process::Stdio;

mod common;

use common::{Place, text};

/// The program these tests' requests are under.
const PROGRAM: &str = "examples/instruments.yaml";

fn places(test: &str) -> Vec<Place> {
    Place::both(test, PROGRAM)
}

#[test]
fn a_request_walks_from_submission_to_denial_and_leaves_its_records() {
    for place in places("a_request_walks_from_submission_to_denial") {
        let id = place.ok(&[
            "request",
            "submit",
            "--type",
            "delete",
            "--law",
            "ccpa",
            "--channel",
            "toll_free_phone",
            "--received-at",
            "2026-11-25T09:00:00-08:00",
            "--name",
            "Ada Example",
            "--email",
            "ada@example.com",
        ]);
        let id = id.trim().to_owned();
        assert_eq!(id.len(), 26, "{id}");
        let shown: serde_json::Value =
            serde_json::from_str(&place.ok(&["request", "show", &id, "--format", "json"])).unwrap();
        assert_eq!(shown["status"], "received");
        assert_eq!(shown["due"]["received_on"], "2026-11-25");
        assert_eq!(shown["due"]["acknowledge_by"], "2026-12-11");
        assert_eq!(shown["due"]["respond_by"], "2027-01-09");
        assert_eq!(shown["due"]["extended_respond_by"], "2027-02-23");
        assert_eq!(
            shown["verification"]["required"], "reasonably_high",
            "the example program marks deletions high risk (R-051)"
        );
        assert_eq!(shown["subject"], serde_json::Value::Null, "personal data only with --reveal");
        assert_eq!(shown["timeline"][0]["action"], "request.submitted");

        // The list marks it overdue: its acknowledgement was due on 11 December 2026.
        let listed: serde_json::Value =
            serde_json::from_str(&place.ok(&["request", "list", "--format", "json"])).unwrap();
        assert_eq!(listed[0]["id"], id.as_str());

        let attested = place.ok(&[
            "request",
            "verify",
            &id,
            "--attest",
            "reasonably_high",
            "--method",
            "data_points",
        ]);
        assert!(attested.starts_with("verified"), "{attested}");
        let refused = place.run(&["request", "deny", &id, "--exception", "G-e"]);
        assert_eq!(refused.status.code(), Some(2));
        assert!(
            text(&refused.stderr).contains("outside the GDPR, cite a §1798.105(d) code"),
            "{}",
            text(&refused.stderr)
        );
        place.ok(&[
            "request",
            "deny",
            &id,
            "--exception",
            "D8",
            "--explanation",
            "Tax law requires us to keep the invoices for seven years.",
        ]);

        let revealed: serde_json::Value = serde_json::from_str(
            &place.ok(&["request", "show", &id, "--format", "json", "--reveal"]),
        )
        .unwrap();
        assert_eq!(revealed["subject"]["email"], "ada@example.com");
        let actions: Vec<&str> = revealed["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert!(actions.ends_with(&["request.denied", "request.subject_viewed"]), "{actions:?}");

        let csv =
            place.ok(&["report", "requests", "--since", "2026-11-01", "--until", "2027-01-01"]);
        assert!(csv.lines().nth(1).unwrap().contains(",toll_free_phone,denied,"), "{csv}");
        let verified = place.ok(&["audit", "verify"]);
        assert!(verified.starts_with("audit chain intact"), "{verified}");
        let outbox: Vec<_> = std::fs::read_dir(place.dir.path().join("outbox")).unwrap().collect();
        assert_eq!(outbox.len(), 2, "the acknowledgement and the denial");
    }
}

#[test]
fn bad_input_is_refused_with_a_way_to_fix_it() {
    let place = Place::sqlite(PROGRAM);
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "request",
                "submit",
                "--type",
                "delete",
                "--law",
                "california",
                "--email",
                "ada@example.com",
            ],
            "is not a law; use one of: ccpa",
        ),
        (
            &[
                "request",
                "submit",
                "--type",
                "restrict",
                "--law",
                "ccpa",
                "--email",
                "ada@example.com",
            ],
            "gives no `restrict` right",
        ),
        (
            &["request", "submit", "--type", "delete", "--law", "ccpa"],
            "give at least one of email, phone",
        ),
        (
            &[
                "request",
                "submit",
                "--type",
                "delete",
                "--law",
                "ccpa",
                "--email",
                "x",
                "--received-at",
                "yesterday",
            ],
            "is not a time",
        ),
        (&["request", "show", "not-an-id"], "is not a request id"),
        (
            &["request", "show", "01M8SGWQSNWJ2HMT3G4YQ8N0CK"],
            "no request 01M8SGWQSNWJ2HMT3G4YQ8N0CK",
        ),
        (&["report", "metrics", "--year", "99999"], "invalid value"),
    ];
    for (args, expected) in cases {
        let output = place.run(args);
        assert_ne!(output.status.code(), Some(0), "{args:?}");
        assert!(text(&output.stderr).contains(expected), "{args:?}: {}", text(&output.stderr));
        assert!(!text(&output.stderr).contains("panicked"), "{args:?}");
    }
    // An import line that is refused is reported without repeating its values.
    let file = place.dir.path().join("bad.jsonl");
    std::fs::write(&file, "{\"type\":\"delete\",\"law\":\"ccpa\",\"phone\":15551234567}\nnot json at all: ada@example.com\n").unwrap();
    let imported = place.run(&["request", "import", file.to_str().unwrap()]);
    assert_eq!(imported.status.code(), Some(1));
    let stderr = text(&imported.stderr);
    assert!(stderr.contains(":1: not a request: a field has the wrong type"), "{stderr}");
    assert!(stderr.contains(":2: not a request: the line is not one JSON object"), "{stderr}");
    assert!(!stderr.contains("15551234567") && !stderr.contains("ada@"), "{stderr}");
    let wrong_key = place
        .command(&["request", "list"])
        .env("OMBUD_MASTER_KEY", "A".repeat(43) + "=")
        .output()
        .unwrap();
    assert!(
        text(&wrong_key.stderr).contains("not the one the store was created with"),
        "{}",
        text(&wrong_key.stderr)
    );
}

/// Submits a burst of requests through `ombud request import`, kills the process with
/// SIGKILL after `kill_after` acknowledgements, and checks that every acknowledged id is
/// in the store after a restart and that the audit chain verifies.
fn kill_in_the_middle_of_a_burst(place: &Place, kill_after: usize) {
    let lines: String = (0..5_000)
        .map(|n| format!("{{\"type\":\"delete\",\"law\":\"ccpa\",\"channel\":\"email\",\"email\":\"person{n}@example.com\",\"name\":\"Person {n} Example\"}}\n"))
        .collect();
    let file = place.dir.path().join("burst.jsonl");
    std::fs::write(&file, lines).unwrap();
    let mut child = place
        .command(&["request", "import", file.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut acknowledged = Vec::new();
    let mut line = String::new();
    while acknowledged.len() < kill_after {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        acknowledged.push(line.trim().to_owned());
    }
    // SIGKILL: no destructor, no flush, no checkpoint runs.
    child.kill().unwrap();
    // Whatever the process printed before it died was acknowledged too.
    for rest in reader.lines() {
        match rest {
            Ok(id) if !id.trim().is_empty() => acknowledged.push(id.trim().to_owned()),
            _ => break,
        }
    }
    let status = child.wait().unwrap();
    assert!(!status.success(), "the import finished before it was killed; make the burst longer");
    assert!(acknowledged.len() >= kill_after.min(5_000), "{} acknowledged", acknowledged.len());

    // "Restart": a new process opens the store.
    let listed: serde_json::Value = serde_json::from_str(
        &place.ok(&["request", "list", "--all", "--format", "json", "--limit", "10000"]),
    )
    .unwrap();
    let stored: std::collections::HashSet<&str> =
        listed.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let missing: Vec<&String> =
        acknowledged.iter().filter(|id| !stored.contains(id.as_str())).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged requests are missing after the kill: {missing:?}",
        missing.len()
    );
    assert!(stored.len() >= acknowledged.len());
    let verified = place.ok(&["audit", "verify"]);
    assert!(verified.starts_with("audit chain intact"), "{verified}");
}

#[test]
fn a_burst_killed_with_sigkill_loses_no_acknowledged_request_on_sqlite() {
    kill_in_the_middle_of_a_burst(&Place::sqlite(PROGRAM), 150);
}

#[test]
fn a_burst_killed_with_sigkill_loses_no_acknowledged_request_on_postgres() {
    if let Some(place) = Place::postgres(
        "a_burst_killed_with_sigkill_loses_no_acknowledged_request_on_postgres",
        PROGRAM,
    ) {
        kill_in_the_middle_of_a_burst(&place, 150);
    }
}
