//! Project tooling. `tidy` holds the checks that keep the habits of STYLE.md true:
//! a `//!` header on every file, no debugging or skipped tests left behind, pure crates
//! free of I/O dependencies, and an ARCHITECTURE.md that covers every crate.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Every tidy problem found, as `path: message` lines.
pub fn tidy(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut rust_files = Vec::new();
    for folder in ["crates", "xtask", "fuzz/fuzz_targets"] {
        collect_rust_files(&root.join(folder), &mut rust_files);
    }
    for path in &rust_files {
        let Ok(text) = std::fs::read_to_string(path) else {
            problems.push(format!("{}: not readable as UTF-8", path.display()));
            continue;
        };
        let relative = path.strip_prefix(root).unwrap_or(path).display().to_string();
        let first = text.lines().find(|line| !line.trim().is_empty()).unwrap_or("");
        if !first.starts_with("//!") {
            problems.push(format!(
                "{relative}: the file must start with a `//!` comment saying what it is"
            ));
        }
        for (pattern, why) in FORBIDDEN {
            if text.contains(pattern) {
                problems.push(format!("{relative}: contains `{pattern}`: {why}"));
            }
        }
    }
    for krate in ["core", "program", "policy", "package", "scan"] {
        let manifest = std::fs::read_to_string(root.join("crates").join(krate).join("Cargo.toml"))
            .unwrap_or_default();
        for io_crate in ["tokio", "sqlx", "axum", "reqwest", "hyper"] {
            if manifest.lines().any(|line| line.trim_start().starts_with(io_crate)) {
                problems.push(format!(
                    "crates/{krate}/Cargo.toml: a pure crate depends on `{io_crate}`"
                ));
            }
        }
    }
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap_or_default();
    if let Ok(entries) = std::fs::read_dir(root.join("crates")) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !architecture.contains(&format!("### crates/{name}")) {
                problems.push(format!("ARCHITECTURE.md: no `### crates/{name}` section"));
            }
        }
    }
    problems.sort();
    problems
}

// Each pattern is spelled in two halves so that this file, and the before-stop hook
// that greps added lines for the same patterns, never see them whole here.
const FORBIDDEN: &[(&str, &str)] = &[
    (concat!("dbg", "!("), "remove debugging output"),
    (concat!("todo", "!("), "finish it or leave it out"),
    (concat!("unimplemented", "!("), "finish it or leave it out"),
    (concat!("#[", "ignore]"), "assert the real behaviour instead of skipping the test"),
    (concat!("#[", "should_panic]"), "check the `Err` instead of expecting a panic"),
];

fn collect_rust_files(folder: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            collect_rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
