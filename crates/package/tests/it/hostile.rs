//! Hostile names and values: a table called `../../etc/passwd`, a column called
//! `"&<>`, a value `<script>alert(1)</script>`. Nothing escapes the zip's folder and
//! nothing in the page is markup that the data put there.

use ombud_package::{Cell, ColumnData, PackageKind, TableData};
use proptest::prelude::*;

use super::{access, category, facts, file, program, text, unzip};

fn hostile_table(table: &str, column: &str, value: Cell) -> TableData {
    TableData {
        system: "shop".into(),
        table: table.into(),
        columns: vec![ColumnData {
            name: column.into(),
            category: category(&program(), "contact"),
        }],
        rows: vec![vec![value]],
        truncated: false,
    }
}

#[test]
fn hostile_names_stay_inside_the_zip_and_are_escaped() {
    let package = access(&[
        hostile_table("../../etc/passwd", "\"&<>", text("<script>alert(1)</script>")),
        hostile_table("/absolute", "x", text("a")),
        hostile_table("back\\slash", "x", text("b")),
        hostile_table("ctrl\u{0}\u{7}\n", "x", text("c")),
        hostile_table("..", "x", text("d")),
        hostile_table("CON", "x", text("e")),
    ]);
    assert_eq!(
        package.files,
        [
            "README.html",
            "data/shop/_._.._etc_passwd.csv",
            "data/shop/_._.._etc_passwd.json",
            "data/shop/_CON.csv",
            "data/shop/_CON.json",
            "data/shop/__.csv",
            "data/shop/__.json",
            "data/shop/_absolute.csv",
            "data/shop/_absolute.json",
            "data/shop/back_slash.csv",
            "data/shop/back_slash.json",
            "data/shop/ctrl___.csv",
            "data/shop/ctrl___.json",
            "package.json",
        ]
    );
    // `unzip` checks every entry's enclosed_name.
    let (names, _) = unzip(&package.zip);
    for name in &names {
        assert!(!name.contains("..") || name.contains("_.."), "{name}");
        assert!(name.split('/').all(|part| !part.is_empty() && !part.starts_with('.')), "{name}");
    }
    let html = file(&package, "README.html");
    assert!(!html.contains("<script>"), "a value became markup");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("<th scope=\"col\">&quot;&amp;&lt;&gt;</th>"));
    assert!(html.contains("Shop database: ../../etc/passwd"), "the original name is shown");
    assert!(!html.contains('\u{0}'));
    // The original names are kept in JSON, next to the safe path.
    let json: serde_json::Value = serde_json::from_str(&file(&package, "package.json")).unwrap();
    let entry = json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "../../etc/passwd")
        .unwrap();
    assert_eq!(entry["files"]["csv"], "data/shop/_._.._etc_passwd.csv");
    let table: serde_json::Value =
        serde_json::from_str(&file(&package, "data/shop/_._.._etc_passwd.json")).unwrap();
    assert_eq!(table["rows"][0]["\"&<>"], "<script>alert(1)</script>");
}

#[test]
fn hostile_program_text_is_escaped_too() {
    let mut program = program();
    program.organization.name = "<img src=x onerror=alert(1)>".into();
    program.categories[0].name = "</h3><script>".into();
    let package =
        ombud_package::build(&program, &facts(), PackageKind::Access, &super::avery(&program))
            .unwrap();
    let html = file(&package, "README.html");
    assert!(!html.contains("<img") && !html.contains("<script"), "{html}");
    // The one style element is the only one; no script, no external resource.
    assert_eq!(html.matches("<style>").count(), 1);
    for forbidden in ["<script", "<link", "src=\"", "href=\"http", "@import", "url("] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
}

#[test]
fn two_tables_with_the_same_safe_name_get_two_files() {
    let package = access(&[
        hostile_table("a/b", "x", text("first")),
        hostile_table("a_b", "x", text("second")),
        hostile_table("A_B", "x", text("third")),
    ]);
    let paths: Vec<&str> = package
        .files
        .iter()
        .map(String::as_str)
        .filter(|p| p.ends_with(".json") && p.starts_with("data/"))
        .collect();
    // Tables are taken in sorted order ("A_B" < "a/b" < "a_b"), whatever the caller's.
    assert_eq!(paths, ["data/shop/A_B.json", "data/shop/a_b-2.json", "data/shop/a_b-3.json"]);
    assert!(file(&package, "data/shop/A_B.json").contains("third"));
    assert!(file(&package, "data/shop/a_b-2.json").contains("first"));
    assert!(file(&package, "data/shop/a_b-3.json").contains("second"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever the names and text, the package builds, every path is safe, and the
    /// JSON and CSV give back the exact value (CSV with its formula guard).
    #[test]
    fn any_names_and_text_round_trip(
        system in "\\PC{0,20}",
        table in "(\\PC|[/\\\\.\u{0}-\u{1f}]){0,30}",
        column in "\\PC{1,20}",
        value in "(\\PC|[\u{0}-\u{1f}\"',])*",
    ) {
        let data = [TableData {
            system: system.clone(),
            table: table.clone(),
            columns: vec![ColumnData { name: column.clone(), category: 0 }],
            rows: vec![vec![Cell::Text(value.clone())]],
            truncated: false,
        }];
        let package = ombud_package::build(&program(), &facts(), PackageKind::Access, &data).unwrap();
        let (names, files) = unzip(&package.zip);
        prop_assert_eq!(names.len(), 4);
        let json_path = names.iter().find(|n| n.starts_with("data/") && n.ends_with(".json")).unwrap();
        for part in json_path.split('/') {
            prop_assert!(!part.is_empty() && !part.starts_with('.'));
            prop_assert!(part.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch)), "{}", part);
        }
        let table_json: serde_json::Value = serde_json::from_slice(&files[json_path]).unwrap();
        prop_assert_eq!(table_json["rows"][0][&column].as_str(), Some(value.as_str()));
        prop_assert_eq!(table_json["table"].as_str(), Some(table.as_str()));
        let csv_path = json_path.replace(".json", ".csv");
        let mut reader = csv::ReaderBuilder::new().from_reader(&files[&csv_path][..]);
        let record = reader.records().next().unwrap().unwrap();
        let expected = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.clone() };
        prop_assert_eq!(&record[0], expected.as_str());
        let html = String::from_utf8(files["README.html"].clone()).unwrap();
        prop_assert!(!html.contains("<script"));
    }
}
