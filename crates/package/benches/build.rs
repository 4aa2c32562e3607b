//! `cargo bench -p ombud-package`: how long building an access package takes for 10
//! tables × 100 rows and for 1 table × 10,000 rows, and how large the zip is.
//!
//! A plain harness, not criterion, like the other benches of the workspace, to keep the
//! build lean: each measurement runs the build for a fixed number of rounds and reports
//! the median and the minimum, which are stable enough on a noisy 2-core machine
//! (docs/BENCHMARKS.md).
#![allow(clippy::print_stdout)] // A bench reports on stdout.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ombud_core::{Law, RequestType};
use ombud_package::{Cell, ColumnData, PackageKind, RequestFacts, TableData};
use ombud_program::{CheckOptions, Program};

const ROUNDS: usize = 15;

fn measure(mut operation: impl FnMut()) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        operation();
        times.push(start.elapsed());
    }
    times.sort_unstable();
    (times[ROUNDS / 2], times[0])
}

fn facts() -> RequestFacts {
    RequestFacts {
        reference: "REQ-2026-0042".into(),
        request_type: RequestType::Access,
        law: Law::Ccpa,
        received_on: "2026-02-27".into(),
        generated_at: "2026-03-02T10:15:00Z".into(),
        generated_at_unix_s: 1_772_446_500,
        searched_systems: vec!["shop".into()],
        not_searched: vec![],
    }
}

/// A table of `rows` rows with six personal columns of three categories, one of them
/// withheld (a government ID), and values of realistic length.
fn table(program: &Program, name: String, rows: usize) -> TableData {
    let category = |id: &str| program.categories.iter().position(|c| c.id == id).unwrap_or(0);
    let columns = [
        ("full_name", "contact"),
        ("email", "contact"),
        ("ssn", "gov_id"),
        ("url", "browsing"),
        ("visited_at", "browsing"),
        ("quantity", "purchases"),
    ]
    .map(|(name, id)| ColumnData { name: name.into(), category: category(id) })
    .to_vec();
    let rows = (0..rows)
        .map(|i| {
            vec![
                Cell::Text("Avery Testperson".into()),
                Cell::Text("avery@example.com".into()),
                Cell::Text("900-00-0001".into()),
                Cell::Text(format!(
                    "https://shop.example.com/products/{}?ref=search&q=boots",
                    i * 7919 % 100_003
                )),
                Cell::Text(format!("2026-01-{:02}T{:02}:{:02}:00Z", i % 28 + 1, i % 24, i % 60)),
                Cell::Int(i64::try_from(i % 17).unwrap_or_default()),
            ]
        })
        .collect();
    TableData { system: "shop".into(), table: name, columns, rows, truncated: false }
}

fn main() {
    let Ok((program, _)) =
        ombud_program::load(include_bytes!("../tests/it/fixture.yaml"), &CheckOptions::default())
    else {
        println!("the fixture has errors; run `cargo test -p ombud-package`");
        return;
    };
    let facts = facts();
    let cases = [
        (
            "10 tables x 100 rows",
            (0..10).map(|t| table(&program, format!("table_{t}"), 100)).collect::<Vec<_>>(),
        ),
        ("1 table x 10,000 rows", vec![table(&program, "page_view".into(), 10_000)]),
    ];
    println!(
        "{:<24} {:>12} {:>12} {:>12} {:>14}",
        "package", "median", "min", "zip bytes", "rows/s (median)"
    );
    for (name, data) in &cases {
        let Ok(package) = ombud_package::build(&program, &facts, PackageKind::Access, data) else {
            println!("{name}: build failed");
            continue;
        };
        let (median, min) = measure(|| {
            let _ = black_box(ombud_package::build(
                black_box(&program),
                &facts,
                PackageKind::Access,
                black_box(data),
            ));
        });
        let rows = package.rows as f64;
        println!(
            "{name:<24} {:>9.2} ms {:>9.2} ms {:>12} {:>14.0}",
            median.as_secs_f64() * 1e3,
            min.as_secs_f64() * 1e3,
            package.zip.len(),
            rows / median.as_secs_f64()
        );
    }
}
