//! `cargo bench -p ombud-core --bench audit`: how fast `ChainVerifier` walks a log of a
//! million events with realistic (~120-byte JSON) payloads, intact and tampered.
//!
//! `ombud audit verify` must check a million events, database reads included, in under
//! two seconds, so the verifier's share must stay well under one. Building the events
//! (which costs one HMAC each, like the walk) happens before the clock starts; the
//! timed part includes dropping each event's strings, as the real walk does.
//!
//! A plain harness, not criterion, to keep the build lean (as `ombud-program`'s bench):
//! a few rounds per case, reporting the median and the minimum, which are stable enough
//! on a noisy 2-core machine to compare within one run (docs/BENCHMARKS.md).
#![allow(clippy::print_stdout)] // A bench reports on stdout.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ombud_core::audit::{ChainKey, ChainVerifier, GENESIS, Head, Report, StoredEvent};

const EVENTS: u64 = 1_000_000;
const ROUNDS: usize = 5;

fn key() -> ChainKey {
    ChainKey::new([0x5a; 32])
}

/// A valid chain of `len` events as the store would hold it.
fn chain(len: u64) -> Vec<StoredEvent> {
    let key = key();
    let mut events = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    let mut prev_hash = GENESIS;
    for seq in 1..=len {
        let request = seq / 7;
        // About 120 bytes, the size of a typical state change with its reason.
        let payload = format!(
            concat!(
                r#"{{"from":"verifying","to":"in_progress","reason":"identity_verified","#,
                r#""method":"email_link","system":"warehouse","n":{:>10}}}"#,
            ),
            seq
        );
        let mut event = StoredEvent {
            seq,
            at_ms: 1_767_225_600_000 + i64::try_from(seq).unwrap_or(0) * 250,
            actor: if seq.is_multiple_of(3) {
                format!("staff:{}", seq % 40)
            } else {
                "system".to_owned()
            },
            action: "request.transitioned".to_owned(),
            request_id: format!("req_01JD{request:016}"),
            payload,
            prev_hash,
            hash: GENESIS,
        };
        event.hash = key.hash(&prev_hash, &event.body());
        prev_hash = event.hash;
        events.push(event);
    }
    events
}

/// Median and minimum time of `operation` over `ROUNDS` rounds, each given a fresh copy
/// of `events` (the copy is made before the clock starts).
fn measure<T>(
    events: &[StoredEvent],
    mut operation: impl FnMut(Vec<StoredEvent>) -> T,
) -> (Duration, Duration, T) {
    let mut run = || {
        let input = events.to_vec();
        let start = Instant::now();
        let result = black_box(operation(input));
        (start.elapsed(), result)
    };
    let (time, mut outcome) = run();
    let mut times = vec![time];
    for _ in 1..ROUNDS {
        let (time, result) = run();
        times.push(time);
        outcome = result;
    }
    times.sort_unstable();
    (times[ROUNDS / 2], times[0], outcome)
}

fn verify(events: Vec<StoredEvent>, head: Option<Head>) -> Report {
    let mut verifier = ChainVerifier::new(key(), None);
    for event in events {
        verifier.push(event);
    }
    verifier.finish(head)
}

fn print(name: &str, events: usize, (median, min, findings): (Duration, Duration, Option<u64>)) {
    let per_second = events as f64 / median.as_secs_f64();
    let findings = findings.map_or(String::new(), |total| format!("  {total} finding(s)"));
    println!(
        "{name:<48} {:>7.0} ms median {:>7.0} ms min {:>6.2} M events/s{findings}",
        median.as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3,
        per_second / 1e6,
    );
}

fn main() {
    let build_start = Instant::now();
    let events = chain(EVENTS);
    let head = events.last().map(|event| Head { seq: event.seq, hash: event.hash });
    let payload_bytes = events.iter().map(|event| event.payload.len()).sum::<usize>();
    println!(
        "built {} events (payload {} bytes on average) in {:.1} s",
        events.len(),
        payload_bytes / events.len().max(1),
        build_start.elapsed().as_secs_f64()
    );
    let count = events.len();

    // What the walk cannot go below: one HMAC per event, and the freeing of the
    // events it is handed (here all allocated up front, which is harder on the
    // allocator than a reader's row-by-row allocations).
    let key = key();
    let (median, min, ()) = measure(&[], |_| {
        for event in &events {
            black_box(key.hash(&event.prev_hash, &event.body()));
        }
    });
    print("ChainKey::hash of each event alone", count, (median, min, None));
    let (median, min, ()) = measure(&events, |input| {
        for event in input {
            drop(black_box(event));
        }
    });
    print("moving and freeing the events alone", count, (median, min, None));

    let (median, min, report) = measure(&events, |input| verify(input, head));
    print("ChainVerifier, intact", count, (median, min, Some(report.findings_total)));

    // The worst realistic tampering: a row inserted near the start and every later row
    // renumbered, so each costs a second HMAC at its written seq.
    let mut renumbered = events.clone();
    for event in renumbered.iter_mut().skip(10) {
        event.seq += 1;
    }
    let mut inserted = events[10].clone();
    inserted.payload.push(' ');
    renumbered.insert(10, inserted);
    let (median, min, report) = measure(&renumbered, |input| verify(input, head));
    print(
        "ChainVerifier, inserted at 11 and renumbered",
        count,
        (median, min, Some(report.findings_total)),
    );

    // Every other row forged, so that each forged row follows an authentic one and
    // would search widely: the search budget is what bounds this.
    let mut alternating = events.clone();
    for event in alternating.iter_mut().filter(|event| event.seq.is_multiple_of(2)) {
        event.hash[0] ^= 1;
    }
    let (median, min, report) = measure(&alternating, |input| verify(input, head));
    print(
        "ChainVerifier, every other hash forged",
        count,
        (median, min, Some(report.findings_total)),
    );

    // Every row forged.
    let mut forged = events.clone();
    for event in &mut forged {
        event.hash[0] ^= 1;
    }
    let (median, min, report) = measure(&forged, |input| verify(input, head));
    print("ChainVerifier, every hash forged", count, (median, min, Some(report.findings_total)));
}
