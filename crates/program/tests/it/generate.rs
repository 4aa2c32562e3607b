//! Generated manifests for hostile-input tests and benchmarks, written once so the test
//! and the benchmark measure the same shape. Shared by `tests/it` and `benches/program.rs`
//! (which includes this file by path).

/// `count` categories with long ids, each naming a purpose that does not exist but
/// looks like many that do: the worst case for "did you mean".
pub(crate) fn unknown_references(count: usize) -> String {
    let mut text = String::from(
        "ombud: 1\norganization: { name: Fictional Co., contact: { email: privacy@fictional.example } }\njurisdictions: [ccpa]\nnotice: { version: \"1\", effective: \"2026-06-01\" }\nsources: [{ id: direct, name: You }]\nretention: [{ categories: [c0], period: One year }]\nrights: []\nminors: { sells_or_shares_under_16: false, sale_under_16: never, collects_under_13: false }\nsignals: { gpc: honor, do_not_track: ignore, third_party_tracking: false }\npurposes:\n",
    );
    let stem = "p".repeat(100);
    for index in 0..count {
        text.push_str(&format!("  - {{ id: {stem}{index:06}, name: Purpose }}\n"));
    }
    text.push_str("categories:\n");
    for index in 0..count {
        text.push_str(&format!(
            "  - {{ id: c{index}, name: Category, ccpa: identifiers, sources: [direct], purposes: [{stem}x{index:05}] }}\n"
        ));
    }
    text
}
