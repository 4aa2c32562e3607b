//! `ombud staff`: the first admin made from the command line (a generated password
//! printed once, or one read from standard input), listed, reset, disabled; on SQLite
//! and on PostgreSQL when configured.

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write as _;
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
