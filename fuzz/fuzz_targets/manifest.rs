//! Fuzz target: any bytes given to the manifest pipeline — parse, lower, lint and, for a
//! program without errors, render every notice and diff it with itself — must never
//! panic, and every diagnostic must carry a code and a message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ombud_program::notice::{Format, NoticeLaw};
use ombud_program::{CheckOptions, Date};

fuzz_target!(|bytes: &[u8]| {
    let options = CheckOptions { today: Date::parse("2026-11-22") };
    let Ok(checked) = ombud_program::check(bytes, &options) else { return };
    for diagnostic in &checked.diagnostics {
        assert_eq!(diagnostic.code.len(), 4);
        assert!(!diagnostic.message.is_empty());
    }
    let has_errors = checked.has_errors();
    if let Some(program) = checked.program
        && !has_errors
    {
        for law in [NoticeLaw::Ccpa, NoticeLaw::Gdpr] {
            for format in [Format::Markdown, Format::Html] {
                let _ = ombud_program::notice::render(&program, law, format);
            }
        }
        assert!(ombud_program::diff::diff(&program, &program).is_empty());
    }
});
