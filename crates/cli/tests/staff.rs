//! `ombud staff`: the first admin made from the command line (a generated password
//! printed once, or one read from standard input), listed, reset, disabled; on SQLite
//! and on PostgreSQL when configured. And `ombud demo`'s kept staff login: owner-only
//! whenever it is written, and never printed once it has stopped working.

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::Stdio;

use common::{Place, text};

/// Runs `ombud` with `input` on standard input; exit code, stdout, stderr.
fn with_stdin(place: &Place, args: &[&str], input: &str) -> (Option<i32>, String, String) {
    let mut child = place
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    (output.status.code(), text(&output.stdout), text(&output.stderr))
}

#[test]
fn staff_add_makes_the_first_admin_and_shows_a_generated_password_once() {
    for place in Place::both("cli_staff_add", "examples/events.yaml") {
        let out = place.ok(&["staff", "add", "--username", "Admin", "--role", "admin"]);
        let password = out.trim();
        assert_eq!(password.len(), 24, "{out}");
        assert!(password.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        // Shown once: never listed.
        let list = place.ok(&["staff", "list"]);
        assert!(list.starts_with("admin  admin  made "), "{list}");
        assert!(!list.contains(password));

        // The username is taken; a role must exist; a short password is refused.
        let taken = place.fails(&["staff", "add", "--username", "admin", "--role", "agent"]);
        assert!(taken.contains("that username is taken"), "{taken}");
        let role = place.fails(&["staff", "add", "--username", "bob", "--role", "root"]);
        assert!(role.contains("the roles are admin, agent and auditor"), "{role}");
        let args = ["staff", "add", "--username", "bob", "--role", "agent", "--password-stdin"];
        let (code, _, err) = with_stdin(&place, &args, "too short\n");
        assert_ne!(code, Some(0));
        assert!(err.contains("at least 12 characters"), "{err}");
        assert!(!err.contains("too short"), "the password is not echoed");
        let (code, out, err) = with_stdin(&place, &args, "a password read from stdin\n");
        assert_eq!(code, Some(0), "{err}");
        assert!(out.is_empty(), "a given password is not printed: {out}");

        // A reset prints a new one; disabling is said once.
        let new = place.ok(&["staff", "password", "bob"]);
        assert_eq!(new.trim().len(), 24);
        assert_eq!(place.ok(&["staff", "disable", "bob"]).trim(), "disabled");
        assert_eq!(place.ok(&["staff", "disable", "bob"]).trim(), "disabled already");
        let list = place.ok(&["staff", "list"]);
        assert!(
            list.lines().any(|l| l.starts_with("bob  agent  made ") && l.contains(" disabled ")),
            "{list}"
        );
        let missing = place.fails(&["staff", "disable", "nobody"]);
        assert!(missing.contains("no staff user with that username"), "{missing}");
    }
}

/// Runs `ombud demo` in `dir` until it prints its staff line; that line. The server is
/// stopped before returning.
fn demo_staff_line(dir: &std::path::Path) -> String {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["demo", "--customers", "20", "--listen", "127.0.0.1:0"])
        .current_dir(dir)
        .env_remove("OMBUD_STORE")
        .env_remove("OMBUD_PROGRAM")
        .env_remove("OMBUD_MASTER_KEY")
        .env_remove("OMBUD_MASTER_KEY_FILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.map(Result::unwrap).find(|l| l.starts_with("staff pages:"));
    // Killed outright: a SIGTERM this early can arrive before the server listens for
    // it, and a clean stop is serve.rs's test, not this one's.
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    line.unwrap_or_else(|| panic!("no staff line: {}", text(&output.stderr)))
}

#[test]
fn demo_keeps_its_login_owner_only_and_says_when_it_was_changed_instead_of_printing_it() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("ombud-demo");
    std::fs::create_dir_all(&demo).unwrap();
    // A login file that is there but holds no password, readable by anyone: the demo
    // writes a new login into it, and the file becomes its owner's only.
    let file = demo.join("staff-login.txt");
    std::fs::write(&file, "nothing useful\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let first = demo_staff_line(dir.path());
    let password = first.split("password ").nth(1).unwrap().split(' ').next().unwrap();
    assert_eq!(password.len(), 24, "{first}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "rewritten, and its owner's only");
    }

    // The admin's password is reset behind the demo's back: the kept one is stale.
    let store = format!("sqlite://{}", demo.join("ombud.db").display());
    let program = demo.join("shop.yaml").display().to_string();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["staff", "password", "admin", "--store", &store, "--program", &program])
        .current_dir(dir.path())
        .env_remove("OMBUD_MASTER_KEY")
        .env_remove("OMBUD_MASTER_KEY_FILE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let new = text(&output.stdout);
    let second = demo_staff_line(dir.path());
    assert!(!second.contains(password), "the stale password is not printed: {second}");
    assert!(!second.contains(new.trim()), "nor the new one: {second}");
    // It says how to set a new one, with a command that works as printed.
    assert!(second.contains("no longer works"), "{second}");
    assert!(
        second
            .contains(&format!("ombud staff password admin --store {store} --program {program}`")),
        "{second}"
    );
}
