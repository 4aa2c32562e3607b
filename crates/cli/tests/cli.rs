//! End-to-end tests: the `ombud` binary run as a person or a CI job would run it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use expect_test::{expect, expect_file};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ombud(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ombud-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn the_examples_pass_check_with_exit_0() {
    let output = ombud(&[
        "check",
        "--today",
        "2026-11-22",
        "examples/instruments.yaml",
        "examples/events.yaml",
        "examples/saas.yaml",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    assert!(stderr(&output).starts_with("checked 3 files: 0 errors"), "{}", stderr(&output));
}

#[test]
fn errors_exit_1_and_name_file_line_and_column() {
    let dir = temp_dir("errors");
    let path = dir.join("broken.yaml");
    let text =
        std::fs::read_to_string(root().join("crates/program/tests/it/fixtures/minimal.yaml"))
            .expect("fixture")
            .replace("ccpa: identifiers", "ccpa: identifier");
    std::fs::write(&path, text).expect("write");
    let output = ombud(&["check", path.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(1));
    let printed = stdout(&output).replace(path.to_str().expect("utf-8 path"), "broken.yaml");
    expect![[r#"
        broken.yaml:11:11: error[V003]: unknown CCPA category `identifier`
          = help: did you mean `identifiers`?
    "#]]
    .assert_eq(&printed);
}

#[test]
fn unreadable_input_exits_2_and_says_why() {
    let dir = temp_dir("unreadable");
    let binary = dir.join("binary.yaml");
    std::fs::write(&binary, b"ombud: 1\n\xff\n").expect("write");
    let output = ombud(&["check", "no-such-file.yaml", binary.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(2));
    let printed = stdout(&output);
    assert!(
        printed.contains("no-such-file.yaml: error: cannot open no-such-file.yaml"),
        "{printed}"
    );
    assert!(printed.contains("is not UTF-8 text (invalid byte at offset 9, line 2)"), "{printed}");
    let directory = ombud(&["check", "examples"]);
    assert_eq!(directory.status.code(), Some(2));
    assert!(stdout(&directory).contains("is a directory"), "{}", stdout(&directory));
}

#[test]
fn json_output_is_one_document() {
    let output =
        ombud(&["check", "--format", "json", "--today", "2026-11-22", "examples/events.yaml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let document: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(document["errors"], 0);
    assert_eq!(document["files"][0]["file"], "examples/events.yaml");
    assert_eq!(document["files"][0]["readable"], true);
}

#[test]
fn usage_errors_are_explained() {
    let output = ombud(&["check", "--today", "22/11/2026", "examples/events.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`22/11/2026` is not a date; write YYYY-MM-DD"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_committed_schema_matches_the_code() {
    let output = ombud(&["schema"]);
    assert_eq!(output.status.code(), Some(0));
    let schema = stdout(&output);
    let _: serde_json::Value = serde_json::from_str(&schema).expect("the schema is JSON");
    // Update with UPDATE_EXPECT=1 after changing the manifest types, and review the diff.
    expect_file!["../../../docs/manifest-v1.schema.json"].assert_eq(&schema);
}

#[test]
fn the_lint_reference_matches_the_registry() {
    let output = ombud(&["lints"]);
    assert_eq!(output.status.code(), Some(0));
    expect_file!["../../../docs/lints.txt"].assert_eq(&stdout(&output));
}

#[test]
fn notice_writes_a_self_contained_page_to_out() {
    let dir = temp_dir("notice-out");
    let out = dir.join("events.html");
    let output = ombud(&[
        "notice",
        "examples/events.yaml",
        "--law",
        "ccpa",
        "--format",
        "html",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let page = std::fs::read_to_string(&out).expect("the page was written");
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("Do Not Sell or Share My Personal Information"));
    assert!(
        !page.contains("<script") && !page.contains("<link"),
        "the page loads nothing from elsewhere"
    );
    let leftovers: Vec<_> =
        std::fs::read_dir(&dir).expect("dir").flatten().map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind: {leftovers:?}");
}

#[test]
fn notice_refuses_a_law_the_program_is_not_written_for() {
    let output = ombud(&["notice", "examples/events.yaml", "--law", "gdpr"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());
    assert!(stderr(&output).contains("is not written for `gdpr`"), "{}", stderr(&output));
}

#[test]
fn notice_refuses_a_program_with_errors() {
    let dir = temp_dir("notice-errors");
    let path = dir.join("broken.yaml");
    let text = std::fs::read_to_string(root().join("examples/events.yaml"))
        .expect("example")
        .replacen("ccpa: identifiers", "ccpa: identifier", 1);
    std::fs::write(&path, text).expect("write");
    let output = ombud(&["notice", path.to_str().expect("utf-8 path"), "--law", "ccpa"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty(), "no half-valid notice is printed");
    assert!(
        stderr(&output).contains("error[V003]: unknown CCPA category `identifier`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn notice_diff_says_what_changed_in_plain_words() {
    let dir = temp_dir("diff");
    let new = dir.join("events-v2.yaml");
    let text = std::fs::read_to_string(root().join("examples/events.yaml")).expect("example");
    assert!(text.contains("sold: true"));
    std::fs::write(&new, text.replacen("sold: true", "sold: false", 1)).expect("write");
    let output =
        ombud(&["notice", "diff", "examples/events.yaml", new.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(report.to_lowercase().contains("no longer sold"), "{report}");
    let same = ombud(&["notice", "diff", "examples/events.yaml", "examples/events.yaml"]);
    assert!(stdout(&same).contains("There are no changes"), "{}", stdout(&same));
}

#[test]
fn a_full_disk_is_an_error_not_a_panic() {
    let Ok(full) = std::fs::File::create("/dev/full") else { return };
    let output = Command::new(env!("CARGO_BIN_EXE_ombud"))
        .arg("schema")
        .stdout(full)
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot write to standard output"), "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"));
}

#[test]
fn too_many_files_at_once_are_refused() {
    let mut args = vec!["check"];
    args.extend(std::iter::repeat_n(
        "examples/events.yaml",
        ombud_core::limits::CHECK_FILES_MAX + 1,
    ));
    let output = ombud(&args);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("check at most 1000 at a time"), "{}", stderr(&output));
}
