//! One place a test's `ombud` runs: its store (a SQLite file, or a fresh PostgreSQL
//! database when `OMBUD_TEST_POSTGRES_URL` is set), its key, its program and its outbox.
//! Shared by the CLI test binaries that include it (`mod common;`).

#![allow(dead_code)] // Each test binary uses its own part of it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Lossy text of a process's output.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A store, a program and a working directory.
pub(crate) struct Place {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) store: String,
    pub(crate) master_key: String,
    pub(crate) program: PathBuf,
    pub(crate) connect: Vec<String>,
    _pg: Option<ombud_testkit::TestStore>,
}

impl Place {
    /// A SQLite store made by `ombud migrate`, for `program` (a path under examples/).
    pub(crate) fn sqlite(program: &str) -> Place {
        let dir = tempfile::tempdir().unwrap();
        let store = format!("sqlite://{}", dir.path().join("ombud.db").display());
        let place = Place {
            dir,
            store,
            master_key: String::new(),
            program: root().join(program),
            connect: Vec::new(),
            _pg: None,
        };
        place.ok(&["migrate"]);
        place
    }

    /// A fresh PostgreSQL database migrated by the test kit, or `None` (said) when the
    /// environment names no server.
    pub(crate) fn postgres(test: &str, program: &str) -> Option<Place> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let pg = runtime.block_on(ombud_testkit::postgres(test))?;
        let ombud_store::StoreUrl::Postgres { url } = pg.url.clone() else { unreachable!() };
        let master_key = pg.master.to_base64().to_string();
        Some(Place {
            dir: tempfile::tempdir().unwrap(),
            store: url,
            master_key,
            program: root().join(program),
            connect: Vec::new(),
            _pg: Some(pg),
        })
    }

    /// SQLite, and PostgreSQL when configured.
    pub(crate) fn both(test: &str, program: &str) -> Vec<Place> {
        let mut places = vec![Place::sqlite(program)];
        places.extend(Place::postgres(test, program));
        places
    }

    /// A file in the working directory.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The command, configured for this place.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ombud"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("OMBUD_STORE", &self.store)
            .env("OMBUD_PROGRAM", &self.program)
            .env("OMBUD_CALENDARS", root().join("examples/calendars"))
            .env("OMBUD_MAIL", format!("outbox:{}", self.path("outbox").display()))
            .env_remove("OMBUD_MASTER_KEY_FILE");
        if self.master_key.is_empty() {
            command.env_remove("OMBUD_MASTER_KEY");
        } else {
            command.env("OMBUD_MASTER_KEY", &self.master_key);
        }
        for connect in &self.connect {
            command.arg("--connect").arg(connect);
        }
        command
    }

    /// Runs it.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the binary runs")
    }

    /// Runs it, expecting exit 0; its standard output.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        self.expect(args, 0)
    }

    /// Runs it, expecting `code`; its standard output.
    pub(crate) fn expect(&self, args: &[&str], code: i32) -> String {
        let output = self.run(args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "ombud {args:?}\nstdout: {}\nstderr: {}",
            text(&output.stdout),
            text(&output.stderr)
        );
        text(&output.stdout)
    }

    /// Runs it, expecting a failure; its standard error.
    pub(crate) fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert_ne!(output.status.code(), Some(0), "ombud {args:?} should fail");
        text(&output.stderr)
    }

    /// Submits a CCPA request for `email` and attests its verification; returns its id.
    pub(crate) fn verified(&self, kind: &str, email: &str) -> String {
        let out = self.ok(&[
            "request", "submit", "--type", kind, "--law", "ccpa", "--email", email, "--format",
            "json",
        ]);
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        let id = value["id"].as_str().unwrap().to_owned();
        self.ok(&[
            "request",
            "verify",
            &id,
            "--attest",
            "reasonably_high",
            "--method",
            "data_points",
        ]);
        id
    }

    /// A request's status.
    pub(crate) fn status(&self, id: &str) -> String {
        let out = self.ok(&["request", "show", id, "--format", "json"]);
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        value["status"].as_str().unwrap_or_default().to_owned()
    }
}
