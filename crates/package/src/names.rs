//! Safe paths inside the zip for names that come from databases and manifests.
//!
//! A table may be called `../../etc/passwd`, `CON` or `a\b`; unzipped naively such a
//! name would write outside the folder, or fail on Windows. Every path segment is
//! therefore reduced to ASCII letters, digits, `-`, `_` and `.`, never starts with a dot
//! (so never `..` and never hidden), never is a reserved Windows device name, and is
//! short. Two names that end up the same (case-insensitively, for file systems that
//! ignore case) get `-2`, `-3`, … The original names stay in the JSON and the HTML.

use std::collections::BTreeSet;

/// Longest segment, in bytes, before a collision suffix.
const SEGMENT_BYTES_MAX: usize = 80;

/// Names Windows reserves for devices, whatever the extension.
const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// One path segment that is safe on every common file system: see the module comment.
pub(crate) fn safe_segment(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(
            |ch| if ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.') { ch } else { '_' },
        )
        .take(SEGMENT_BYTES_MAX)
        .collect();
    // No leading dot: rules out `.`, `..` and hidden files. No trailing dot: Windows
    // drops it, which would make two names the same.
    if out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    if out.ends_with('.') {
        out.pop();
        out.push('_');
    }
    if out.is_empty() {
        out.push('_');
    }
    let stem = out.split('.').next().unwrap_or_default().to_ascii_lowercase();
    if RESERVED.contains(&stem.as_str()) {
        out.insert(0, '_');
    }
    out
}

/// Hands out unique paths: the same safe path twice gets a numbered suffix.
#[derive(Default)]
pub(crate) struct Unique {
    taken: BTreeSet<String>,
}

impl Unique {
    /// `data/<system>/<table>` for these names, unique among the paths given so far.
    pub(crate) fn stem(&mut self, system: &str, table: &str) -> String {
        let folder = format!("data/{}", safe_segment(system));
        let table = safe_segment(table);
        let mut candidate = format!("{folder}/{table}");
        let mut number = 2_u64;
        // Case-insensitively unique, so unzipping on macOS or Windows loses nothing.
        while !self.taken.insert(candidate.to_ascii_lowercase()) {
            candidate = format!("{folder}/{table}-{number}");
            number += 1;
        }
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_one_harmless_segment() {
        assert_eq!(safe_segment("../../etc/passwd"), "_._.._etc_passwd");
        assert_eq!(safe_segment(".."), "__");
        assert_eq!(safe_segment("."), "_");
        assert_eq!(safe_segment(""), "_");
        assert_eq!(safe_segment("a\\b"), "a_b");
        assert_eq!(safe_segment("tab\tnew\nline\0"), "tab_new_line_");
        assert_eq!(safe_segment("CON"), "_CON");
        assert_eq!(safe_segment("nul.txt"), "_nul.txt");
        assert_eq!(safe_segment("console"), "console");
        assert_eq!(safe_segment("kunden_ü"), "kunden__");
        assert_eq!(safe_segment("trailing."), "trailing_");
        assert_eq!(safe_segment(&"x".repeat(500)).len(), SEGMENT_BYTES_MAX);
    }

    #[test]
    fn collisions_get_numbers_case_insensitively() {
        let mut unique = Unique::default();
        assert_eq!(unique.stem("app", "a/b"), "data/app/a_b");
        assert_eq!(unique.stem("app", "a_b"), "data/app/a_b-2");
        assert_eq!(unique.stem("app", "A_B"), "data/app/A_B-3");
        assert_eq!(unique.stem("other", "a_b"), "data/other/a_b");
    }
}
