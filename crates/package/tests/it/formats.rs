//! The zip and its formats: every listed file is there, the bytes are reproducible, CSV
//! and JSON read back, and limits, cuts, binary values and incomplete tables show in
//! every format.

use ombud_package::{Cell, ColumnData, Limits, PackageError, PackageKind, TableData};

use super::{access, avery, category, facts, file, program, text, unzip};

#[test]
fn the_zip_holds_exactly_the_listed_files_in_sorted_order() {
    let package = access(&avery(&program()));
    let (order, _) = unzip(&package.zip);
    assert_eq!(order, package.files);
    assert_eq!(
        package.files,
        [
            "README.html",
            "data/shop/customer.csv",
            "data/shop/customer.json",
            "data/shop/page_view.csv",
            "data/shop/page_view.json",
            "package.json",
        ]
    );
    assert_eq!(package.rows, 3);
    // order_line had no row: its category is reported as not found.
    assert_eq!(package.categories_found, [0, 1, 2, 3]);
}

#[test]
fn the_same_input_gives_the_same_bytes_whatever_the_order_of_tables() {
    let program = program();
    let data = avery(&program);
    let first = ombud_package::build(&program, &facts(), PackageKind::Access, &data).unwrap();
    let second = ombud_package::build(&program, &facts(), PackageKind::Access, &data).unwrap();
    assert_eq!(first.zip, second.zip);
    let mut reversed = data.clone();
    reversed.reverse();
    let third = ombud_package::build(&program, &facts(), PackageKind::Access, &reversed).unwrap();
    assert_eq!(first.zip, third.zip);
    // And the time is part of the input: another generated_at gives other bytes.
    let mut later = facts();
    later.generated_at_unix_s += 3600;
    let fourth = ombud_package::build(&program, &later, PackageKind::Access, &data).unwrap();
    assert_ne!(first.zip, fourth.zip);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&first.zip)).unwrap();
    let modified = archive.by_index(0).unwrap().last_modified().unwrap();
    // 2026-03-02T10:15:00Z
    assert_eq!(
        (modified.year(), modified.month(), modified.day(), modified.hour(), modified.minute()),
        (2026, 3, 2, 10, 15)
    );
}

#[test]
fn csv_and_json_read_back_the_exact_values() {
    let program = program();
    let awkward = [
        "comma, inside",
        "quote \" inside",
        "\"fully quoted\"",
        "line\nbreak",
        "crlf\r\nbreak",
        "trailing space ",
        "",
        "ünïcødé ✓",
    ];
    let table = TableData {
        system: "shop".into(),
        table: "page_view".into(),
        columns: vec![ColumnData { name: "url".into(), category: category(&program, "browsing") }],
        rows: awkward.iter().map(|value| vec![text(value)]).collect(),
        truncated: false,
    };
    let package = access(&[table]);
    let csv = file(&package, "data/shop/page_view.csv");
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(csv.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["url"]);
    let read: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(read, awkward);
    let json: serde_json::Value =
        serde_json::from_str(&file(&package, "data/shop/page_view.json")).unwrap();
    let read: Vec<&str> =
        json["rows"].as_array().unwrap().iter().map(|r| r["url"].as_str().unwrap()).collect();
    assert_eq!(read, awkward);
}

#[test]
fn typed_values_keep_their_types_in_json() {
    let program = program();
    let table = TableData {
        system: "shop".into(),
        table: "order_line".into(),
        columns: vec![
            ColumnData { name: "flag".into(), category: category(&program, "purchases") },
            ColumnData { name: "count".into(), category: category(&program, "purchases") },
            ColumnData { name: "price".into(), category: category(&program, "purchases") },
            ColumnData { name: "nothing".into(), category: category(&program, "purchases") },
            ColumnData { name: "odd".into(), category: category(&program, "purchases") },
        ],
        rows: vec![vec![
            Cell::Bool(true),
            Cell::Int(-9_007_199_254_740_993),
            Cell::Float(19.99),
            Cell::Null,
            Cell::Float(f64::NAN),
        ]],
        truncated: false,
    };
    let package = access(&[table]);
    let json: serde_json::Value =
        serde_json::from_str(&file(&package, "data/shop/order_line.json")).unwrap();
    assert_eq!(
        json["rows"][0],
        serde_json::json!({ "flag": true, "count": -9_007_199_254_740_993_i64, "price": 19.99, "nothing": null, "odd": { "type": "number", "text": "NaN" } })
    );
    let csv = file(&package, "data/shop/order_line.csv");
    assert_eq!(csv, "flag,count,price,nothing,odd\ntrue,-9007199254740993,19.99,,NaN\n");
}

#[test]
fn an_empty_package_says_so_plainly() {
    let program = program();
    let mut data = avery(&program);
    for table in &mut data {
        table.rows.clear();
    }
    for kind in [PackageKind::Access, PackageKind::Categories] {
        let package = ombud_package::build(&program, &facts(), kind, &data).unwrap();
        assert_eq!(package.files, ["README.html", "package.json"]);
        assert_eq!(package.rows, 0);
        assert!(package.categories_found.is_empty());
        let sentence =
            "We found no personal information about you in Shop database, searched on 2026-03-02.";
        let html = file(&package, "README.html");
        assert!(html.contains(sentence), "{html}");
        let json: serde_json::Value =
            serde_json::from_str(&file(&package, "package.json")).unwrap();
        assert_eq!(json["nothing_found"], sentence);
        assert_eq!(json["categories"], serde_json::json!([]));
        assert_eq!(
            json["categories_not_found"].as_array().unwrap().len(),
            program.categories.len()
        );
    }
    // With nothing searched at all, the sentence still reads.
    let mut nowhere = facts();
    nowhere.searched_systems.clear();
    let package = ombud_package::build(&program, &nowhere, PackageKind::Access, &[]).unwrap();
    assert!(file(&package, "README.html").contains(
        "We found no personal information about you in any of our systems, searched on 2026-03-02."
    ));
}

#[test]
fn long_values_are_cut_and_binary_values_described() {
    let program = program();
    let limits = Limits { value_bytes_max: 10, ..Limits::default() };
    let table = TableData {
        system: "shop".into(),
        table: "page_view".into(),
        columns: vec![ColumnData { name: "url".into(), category: category(&program, "browsing") }],
        rows: vec![
            vec![text("https://shop.example.com/a-very-long-path")],
            vec![Cell::Bytes((0_u8..=20).collect())],
            vec![text("short")],
        ],
        truncated: false,
    };
    let package =
        ombud_package::build_with_limits(&program, &facts(), PackageKind::Access, &[table], limits)
            .unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&file(&package, "data/shop/page_view.json")).unwrap();
    assert_eq!(
        json["rows"][0]["url"],
        serde_json::json!({ "type": "cut", "text": "https://sh", "bytes": 41 })
    );
    assert_eq!(
        json["rows"][1]["url"],
        serde_json::json!({ "type": "binary", "base64": "AAECAwQFBgcICQ==", "bytes": 21, "cut": true })
    );
    assert_eq!(json["rows"][2]["url"], "short");
    let csv = file(&package, "data/shop/page_view.csv");
    assert!(
        csv.contains(
            "https://sh [cut: this value is 41 bytes long; only the first 10 are included]"
        ),
        "{csv}"
    );
    assert!(csv.contains("[binary data, 21 bytes]"));
    let html = file(&package, "README.html");
    assert!(html.contains("https://sh <span class=\"mark\">[cut: this value is 41 bytes long; only the first 10 are included]</span>"));
    assert!(html.contains("[binary data, 21 bytes]"));
    assert!(!html.contains("a-very-long-path"));
}

#[test]
fn a_truncated_table_is_marked_incomplete_everywhere() {
    let program = program();
    let mut data = avery(&program);
    data[1].truncated = true;
    // A table cut short before its first row still gets files carrying the mark.
    data[2].truncated = true;
    let package = ombud_package::build(&program, &facts(), PackageKind::Access, &data).unwrap();
    assert!(package.files.contains(&"data/shop/order_line.csv".to_owned()));
    let whole: serde_json::Value = serde_json::from_str(&file(&package, "package.json")).unwrap();
    assert_eq!(whole["complete"], false);
    let tables = whole["tables"].as_array().unwrap();
    let complete: Vec<(&str, bool)> = tables
        .iter()
        .map(|t| (t["table"].as_str().unwrap(), t["complete"].as_bool().unwrap()))
        .collect();
    assert_eq!(complete, [("customer", true), ("order_line", false), ("page_view", false)]);
    let table: serde_json::Value =
        serde_json::from_str(&file(&package, "data/shop/page_view.json")).unwrap();
    assert_eq!(table["complete"], false);
    let csv = file(&package, "data/shop/page_view.csv");
    assert!(csv.ends_with("\n[INCOMPLETE: this table had more rows than we could include; the 2 rows above are the first ones]\n"), "{csv}");
    let html = file(&package, "README.html");
    assert!(html.contains("This package is incomplete"));
    assert!(html.contains(
        "Incomplete: this table had more rows than we could include; these are the first 2."
    ));
    assert!(html.contains("Shop database: order_line is incomplete"));
    // A complete package says nothing of the kind.
    let complete = super::access(&avery(&program));
    assert!(!file(&complete, "README.html").contains("incomplete"));
    assert!(!file(&complete, "data/shop/page_view.csv").contains("INCOMPLETE"));
}

#[test]
fn a_package_past_the_limit_is_refused() {
    let program = program();
    let limits = Limits { package_bytes_max: 4_000, ..Limits::default() };
    let rows = (0..2_000)
        .map(|i| vec![text(&format!("https://shop.example.com/item/{i}/{}", i * 7919 % 10_007))])
        .collect();
    let table = TableData {
        system: "shop".into(),
        table: "page_view".into(),
        columns: vec![ColumnData { name: "url".into(), category: category(&program, "browsing") }],
        rows,
        truncated: false,
    };
    let error =
        ombud_package::build_with_limits(&program, &facts(), PackageKind::Access, &[table], limits)
            .unwrap_err();
    let PackageError::TooLarge { bytes } = error else { panic!("{error:?}") };
    assert!(bytes > 4_000);
    assert!(error.to_string().contains("deliver the data in parts"));
}

#[test]
fn bad_input_is_an_error_that_names_the_column_not_the_value() {
    let program = program();
    let mut data = avery(&program);
    data[0].columns[0].category = 99;
    let error = ombud_package::build(&program, &facts(), PackageKind::Access, &data).unwrap_err();
    assert_eq!(
        error.to_string(),
        "column \"full_name\" of table \"customer\" in system \"shop\" names category #99, which the program does not have; pass an index into Program::categories"
    );
    let mut data = avery(&program);
    data[0].rows[0].pop();
    let error = ombud_package::build(&program, &facts(), PackageKind::Access, &data).unwrap_err();
    assert!(
        matches!(error, PackageError::RowWidth { row: 0, expected: 4, found: 3, .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains("Avery"));
    let mut data = avery(&program);
    data[0].columns[1].name = "full_name".into();
    let error = ombud_package::build(&program, &facts(), PackageKind::Access, &data).unwrap_err();
    assert!(
        matches!(error, PackageError::DuplicateColumn { ref column, .. } if column == "full_name")
    );
}

#[test]
fn r071_lists_are_separate_and_only_for_categories_found() {
    let package = access(&avery(&program()));
    let json: serde_json::Value = serde_json::from_str(&file(&package, "package.json")).unwrap();
    assert_eq!(
        json["sold_or_shared"],
        serde_json::json!([{ "category": "browsing", "third_parties": [{ "id": "adnet", "name": "Advertising networks", "sold": true, "shared": true }] }])
    );
    assert_eq!(json["disclosed_for_business_purpose"][0]["category"], "contact");
    assert_eq!(json["disclosed_for_business_purpose"].as_array().unwrap().len(), 1);
    // Without browsing rows, nothing found was sold or shared, and the page says so.
    let mut data = avery(&program());
    data[1].rows.clear();
    let package = access(&data);
    let html = file(&package, "README.html");
    assert!(
        html.contains("We do not sell or share any of the personal information we hold about you.")
    );
    assert!(html.contains("<li>Browsing activity</li>"), "not-found categories are listed");
}

#[test]
fn a_gdpr_package_names_the_right_to_complain_and_not_the_ccpa_categories() {
    let program = program();
    let mut gdpr = facts();
    gdpr.law = ombud_core::Law::Gdpr;
    let package =
        ombud_package::build(&program, &gdpr, PackageKind::Access, &avery(&program)).unwrap();
    let html = file(&package, "README.html");
    assert!(
        html.contains("you can complain to the data protection authority where you live or work")
    );
    assert!(!html.contains("Category under the CCPA"));
    let ccpa = file(&super::access(&avery(&program)), "README.html");
    assert!(ccpa.contains("Category under the CCPA") && !ccpa.contains("complain to"));
}
