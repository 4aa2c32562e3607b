//! Fuzz target: any bytes given to the manifest pipeline — parse, lower, lint and, for a
//! program without errors, render every notice and diff it — must never panic, and every
//! diagnostic must carry a code and a message. Input with a NUL byte is split there into
//! an old and a new program, so the diff of two different programs is fuzzed too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ombud_program::notice::{Format, NoticeLaw};
use ombud_program::{CheckOptions, Date, Program};

fn program(bytes: &[u8]) -> Option<Program> {
    let options = CheckOptions { today: Date::parse("2026-11-22") };
    let checked = ombud_program::check(bytes, &options).ok()?;
    for diagnostic in &checked.diagnostics {
        assert_eq!(diagnostic.code.len(), 4);
        assert!(!diagnostic.message.is_empty());
    }
    let has_errors = checked.has_errors();
    checked.program.filter(|_| !has_errors)
}

fuzz_target!(|bytes: &[u8]| {
    let (old_bytes, new_bytes) = match bytes.iter().position(|&b| b == 0) {
        Some(split) => (&bytes[..split], &bytes[split + 1..]),
        None => (bytes, bytes),
    };
    let Some(old) = program(old_bytes) else { return };
    for law in [NoticeLaw::Ccpa, NoticeLaw::Gdpr] {
        for format in [Format::Markdown, Format::Html] {
            let _ = ombud_program::notice::render(&old, law, format);
        }
    }
    assert!(ombud_program::diff::diff(&old, &old).is_empty());
    if let Some(new) = program(new_bytes) {
        let changes = ombud_program::diff::diff(&old, &new);
        let _ = ombud_program::diff::render_changes(&old, &new, &changes);
    }
});
