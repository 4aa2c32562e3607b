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
