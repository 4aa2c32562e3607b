//! `cargo bench -p ombud-program`: how long the manifest pipeline takes on the three
//! example programs — check (parse, lower, lint), and rendering each notice.
//!
//! A plain harness, not criterion, to keep the build lean: each measurement runs the
//! operation repeatedly for a fixed number of rounds and reports the median and the
//! minimum per operation, which are stable enough on a noisy 2-core machine to compare
//! ratios within one run (docs/BENCHMARKS.md).
#![allow(clippy::print_stdout)] // A bench reports on stdout.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ombud_program::notice::{Format, NoticeLaw};
use ombud_program::{CheckOptions, Date};

#[path = "../tests/it/generate.rs"]
mod generate;

const EXAMPLES: [(&str, &str); 3] = [
    ("instruments", include_str!("../../../examples/instruments.yaml")),
    ("events", include_str!("../../../examples/events.yaml")),
    ("saas", include_str!("../../../examples/saas.yaml")),
];

const ROUNDS: usize = 31;

/// Median and minimum time per call of `operation`, over `ROUNDS` rounds of `iterations`.
fn measure(iterations: usize, mut operation: impl FnMut()) -> (Duration, Duration) {
    let mut per_call = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..iterations {
            operation();
        }
        per_call.push(start.elapsed() / u32::try_from(iterations).unwrap_or(u32::MAX));
    }
    per_call.sort_unstable();
    (per_call[ROUNDS / 2], per_call[0])
}

fn report(name: &str, bytes: usize, (median, min): (Duration, Duration)) {
    let mib_per_s = bytes as f64 / median.as_secs_f64() / (1024.0 * 1024.0);
    println!(
        "{name:<36} {:>10.1} µs median {:>10.1} µs min {:>8.1} MiB/s",
        micros(median),
        micros(min),
        mib_per_s
    );
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

/// A large systems inventory: the minimal program plus one database of `tables`
/// tables with ten personal columns and a reference each, near the size limit's scale.
fn large_inventory(tables: usize) -> String {
    let mut text = include_str!("../tests/it/fixtures/minimal.yaml").to_owned();
    text.push_str("systems:\n  - id: warehouse\n    engine: postgres\n    connection: env:WAREHOUSE_URL\n    tables:\n");
    for table in 0..tables {
        text.push_str(&format!("      - name: table_{table}\n        primary_key: id\n        identity: {{ email: email }}\n        columns: {{"));
        for column in 0..10 {
            text.push_str(&format!(" column_{column}: contact,"));
        }
        text.push_str(" email: contact }\n");
        if table > 0 {
            text.push_str(&format!(
                "        references: {{ parent_id: table_{}.id }}\n",
                table - 1
            ));
        }
    }
    text
}

fn main() {
    let options = CheckOptions { today: Date::parse("2026-11-22") };
    println!("{:<36} {:>21} {:>19} {:>14}", "operation", "", "", "throughput");
    for count in [1_000, 9_000] {
        let text = generate::unknown_references(count);
        let timing = measure(1, || {
            black_box(ombud_program::check_text(black_box(&text), &options));
        });
        report(
            &format!("check {count} unknown ids ({} KiB)", text.len() / 1024),
            text.len(),
            timing,
        );
    }
    for tables in [100, 1_000, 4_000] {
        let text = large_inventory(tables);
        let timing = measure(3, || {
            black_box(ombud_program::check_text(black_box(&text), &options));
        });
        report(&format!("check {tables} tables ({} KiB)", text.len() / 1024), text.len(), timing);
    }
    for (name, text) in EXAMPLES {
        let timing = measure(20, || {
            black_box(ombud_program::check_text(black_box(text), &options));
        });
        report(&format!("check {name}.yaml"), text.len(), timing);
        let Ok((program, _)) = ombud_program::load(text.as_bytes(), &options) else {
            println!("{name}.yaml has errors; run `ombud check examples/{name}.yaml`");
            continue;
        };
        for (law, law_name) in [(NoticeLaw::Ccpa, "ccpa"), (NoticeLaw::Gdpr, "gdpr")] {
            for (format, format_name) in [(Format::Markdown, "md"), (Format::Html, "html")] {
                let rendered = ombud_program::notice::render(&program, law, format);
                let timing = measure(20, || {
                    black_box(ombud_program::notice::render(black_box(&program), law, format));
                });
                report(&format!("notice {name} {law_name} {format_name}"), rendered.len(), timing);
            }
        }
        let timing = measure(20, || {
            black_box(ombud_program::diff::diff(black_box(&program), black_box(&program)));
        });
        report(&format!("diff {name} with itself"), text.len(), timing);
    }
}
