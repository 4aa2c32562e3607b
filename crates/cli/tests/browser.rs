//! The browser tests (issue 6): real headless Chromium, driven by playwright-core from
//! `tests/browser/run.mjs`, against `ombud demo` run from this build's binary. They need
//! Node.js, `npm ci --prefix tests/browser` and Debian's `chromium`, so they run when
//! `OMBUD_TEST_BROWSER=1` (set by `.ci/run`, which installs what is missing) and say
//! they were skipped otherwise. Screenshots land in `target/tmp/screenshots/`.

// The shared set-up unwraps: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use common::{root, text};

#[test]
fn a_real_browser_walks_the_privacy_center_and_the_staff_pages() {
    if std::env::var_os("OMBUD_TEST_BROWSER").is_none() {
        eprintln!(
            "skipped: set OMBUD_TEST_BROWSER=1 (and run `npm ci --prefix tests/browser`) to run the browser tests"
        );
        return;
    }
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    let output = std::process::Command::new("node")
        .arg(root().join("tests/browser/run.mjs"))
        .env("OMBUD_BIN", env!("CARGO_BIN_EXE_ombud"))
        .env("OMBUD_SHOTS", &shots)
        .output()
        .expect("node runs (install Node.js)");
    println!("{}", text(&output.stdout));
    assert!(
        output.status.success(),
        "the browser tests failed:\n{}\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}
