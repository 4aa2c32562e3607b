//! Integration tests of ombud-package: packages built from a small fictional program
//! (tests/it/fixture.yaml) and fictional rows, opened again with the zip crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod formats;
mod hostile;
mod snapshots;
mod withheld;

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use ombud_core::{Law, RequestType};
use ombud_package::{Cell, ColumnData, Package, PackageKind, RequestFacts, TableData};
use ombud_program::{CheckOptions, Program};

/// The fixture program; it must load without errors.
pub(crate) fn program() -> Program {
    let (program, _warnings) =
        ombud_program::load(include_bytes!("fixture.yaml"), &CheckOptions::default())
            .unwrap_or_else(|e| panic!("fixture does not load: {e:?}"));
    program
}

/// Index of a category of the fixture.
pub(crate) fn category(program: &Program, id: &str) -> usize {
    program.categories.iter().position(|c| c.id == id).unwrap()
}

pub(crate) fn facts() -> RequestFacts {
    RequestFacts {
        reference: "REQ-2026-0042".into(),
        request_type: RequestType::Access,
        law: Law::Ccpa,
        received_on: "2026-02-27".into(),
        generated_at: "2026-03-02T10:15:00Z".into(),
        generated_at_unix_s: 1_772_446_500,
        searched_systems: vec!["shop".into()],
        not_searched: vec![(
            "mailer_sp".into(),
            "Our email delivery provider was asked to search its records on our behalf.".into(),
        )],
    }
}

pub(crate) fn text(value: &str) -> Cell {
    Cell::Text(value.into())
}

/// Avery Testperson's rows in the fixture's three tables.
pub(crate) fn avery(program: &Program) -> Vec<TableData> {
    let column =
        |name: &str, id: &str| ColumnData { name: name.into(), category: category(program, id) };
    vec![
        TableData {
            system: "shop".into(),
            table: "customer".into(),
            columns: vec![
                column("full_name", "contact"),
                column("email", "contact"),
                column("ssn", "gov_id"),
                column("password_hash", "login"),
            ],
            rows: vec![vec![
                text("Avery Testperson"),
                text("avery@example.com"),
                text("900-00-0001"),
                text("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$SECRETHASHVALUE"),
            ]],
            truncated: false,
        },
        TableData {
            system: "shop".into(),
            table: "page_view".into(),
            columns: vec![column("url", "browsing")],
            rows: vec![
                vec![text("https://shop.example.com/boots")],
                vec![text("https://shop.example.com/boots?size=42")],
            ],
            truncated: false,
        },
        TableData {
            system: "shop".into(),
            table: "order_line".into(),
            columns: vec![column("item", "purchases")],
            rows: vec![],
            truncated: false,
        },
    ]
}

/// Every entry of a zip, by name, in stored order too.
pub(crate) fn unzip(bytes: &[u8]) -> (Vec<String>, BTreeMap<String, Vec<u8>>) {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("the zip opens");
    let mut order = Vec::new();
    let mut files = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().into_owned();
        assert!(entry.enclosed_name().is_some(), "unsafe path {name:?}");
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        order.push(name.clone());
        files.insert(name, content);
    }
    (order, files)
}

pub(crate) fn file(package: &Package, name: &str) -> String {
    let (_, files) = unzip(&package.zip);
    String::from_utf8(files.get(name).unwrap_or_else(|| panic!("no {name}")).clone()).unwrap()
}

pub(crate) fn access(data: &[TableData]) -> Package {
    ombud_package::build(&program(), &facts(), PackageKind::Access, data).unwrap()
}
