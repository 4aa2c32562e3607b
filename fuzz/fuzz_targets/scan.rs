//! Fuzz target: the PII scanner over arbitrary bytes (issue 7) — log lines, CSV cells
//! and tickets are whatever their writers put in them. It may not panic, and every
//! finding is a span inside the input, sorted by start, not overlapping the next, with a
//! confidence of at most 100; scanning a prefix never finds a span that runs past it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let findings = ombud_scan::scan(bytes);
    let mut end = 0;
    for finding in &findings {
        assert!(finding.start < finding.end && finding.end <= bytes.len(), "in bounds");
        assert!(finding.start >= end, "sorted and not overlapping");
        assert!(finding.confidence <= 100);
        end = finding.end;
    }
    let half = &bytes[..bytes.len() / 2];
    assert!(ombud_scan::scan(half).iter().all(|f| f.end <= half.len()));
});
