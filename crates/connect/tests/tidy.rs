//! Tidy checks over this crate's own files: rules that reviews would otherwise have
//! to remember.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Text built at run time becomes SQL in one place only, `src/ident.rs`, where it is
/// made of literals, quoted identifiers and placeholders. Any other file that
/// reaches for sqlx's escape hatch is building SQL some other way.
#[test]
fn assert_sql_safe_appears_only_in_ident_rs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 5, "the crate's files were not found");
    let needle = ["Assert", "SqlSafe"].concat();
    let mut offenders = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let relative = file.strip_prefix(root).unwrap();
        if relative != Path::new("src/ident.rs") && text.contains(&needle) {
            offenders.push(relative.display().to_string());
        }
    }
    assert!(offenders.is_empty(), "{needle} outside src/ident.rs: {offenders:?}");
    let ident = std::fs::read_to_string(root.join("src/ident.rs")).unwrap();
    assert_eq!(
        ident.matches(&format!("sqlx::{needle}(")).count(),
        1,
        "one use, in SqlText::finish"
    );
}

/// Every file starts with a `//!` header saying what it is (ARCHITECTURE.md).
#[test]
fn every_file_starts_with_a_header() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches"] {
        rust_files(&root.join(dir), &mut files);
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.starts_with("//!"), "{} has no //! header", file.display());
    }
}
