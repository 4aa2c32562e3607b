//! R-074 (11 CCR §7024(d)): government ID numbers, account credentials and biometric
//! identifiers are never sent; the package says that the business holds them instead.

use ombud_package::{Cell, PackageKind};

use super::{access, avery, facts, file, program, unzip};

const SSN: &str = "900-00-0001";
const HASH: &str = "SECRETHASHVALUE";

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[test]
fn withheld_values_appear_nowhere_in_the_zip() {
    let mut data = avery(&program());
    // Binary too: a biometric template or a hashed password may be bytes.
    data[0].rows.push(vec![
        Cell::Text("Avery Testperson".into()),
        Cell::Null,
        Cell::Bytes(SSN.as_bytes().to_vec()),
        Cell::Bytes(HASH.as_bytes().to_vec()),
    ]);
    let package = access(&data);
    let (_, files) = unzip(&package.zip);
    assert!(files.len() >= 5);
    for (name, content) in &files {
        for secret in [SSN, HASH, "OTAwLTAwLTAwMDE" /* base64 of the SSN */] {
            assert!(!contains(content, secret.as_bytes()), "{secret} is in {name}");
        }
    }
    // The compressed bytes, for stored (uncompressed) entries.
    assert!(!contains(&package.zip, SSN.as_bytes()));
    let withheld: Vec<(&str, &str, &str)> = package
        .withheld_columns
        .iter()
        .map(|(s, t, c)| (s.as_str(), t.as_str(), c.as_str()))
        .collect();
    assert_eq!(withheld, [("shop", "customer", "ssn"), ("shop", "customer", "password_hash")]);
}

#[test]
fn every_format_says_what_is_held_with_particularity() {
    let package = access(&avery(&program()));
    let statement = "We hold your government identification number (such as a Social Security, driver&#39;s license, state ID or passport number), recorded as “Identity document number”; the law does not allow us to send it to you (11 CCR §7024(d)).";
    let html = file(&package, "README.html");
    assert!(html.contains(statement), "{html}");
    let plain = statement.replace("&#39;", "'");
    let csv = file(&package, "data/shop/customer.csv");
    assert!(csv.contains(&plain), "{csv}");
    let json: serde_json::Value =
        serde_json::from_str(&file(&package, "data/shop/customer.json")).unwrap();
    assert_eq!(
        json["rows"][0]["ssn"],
        serde_json::json!({ "type": "withheld", "statement": plain })
    );
    assert_eq!(json["columns"][2]["withheld"], true);
    let whole: serde_json::Value = serde_json::from_str(&file(&package, "package.json")).unwrap();
    assert_eq!(whole["data"][1]["category"]["id"], "gov_id");
    assert_eq!(whole["data"][1]["systems"][0]["tables"][0]["rows"][0]["ssn"]["type"], "withheld");
    assert!(html.contains("recorded as “Account password”"));
}

#[test]
fn a_null_in_a_withheld_column_is_not_claimed_as_held() {
    let mut data = avery(&program());
    data[0].rows[0][2] = Cell::Null;
    let package = access(&data);
    assert_eq!(
        package.withheld_columns,
        vec![("shop".into(), "customer".into(), "password_hash".into())]
    );
    let json: serde_json::Value =
        serde_json::from_str(&file(&package, "data/shop/customer.json")).unwrap();
    assert_eq!(json["rows"][0]["ssn"], serde_json::Value::Null);
}

#[test]
fn a_categories_package_has_no_values_at_all() {
    let program = program();
    let package =
        ombud_package::build(&program, &facts(), PackageKind::Categories, &avery(&program))
            .unwrap();
    assert_eq!(package.files, vec!["README.html", "package.json"]);
    assert!(package.withheld_columns.is_empty());
    let (_, files) = unzip(&package.zip);
    for (name, content) in &files {
        for value in [SSN, HASH, "Avery Testperson", "avery@example.com", "boots"] {
            assert!(!contains(content, value.as_bytes()), "{value} is in {name}");
        }
    }
    let json: serde_json::Value = serde_json::from_str(&file(&package, "package.json")).unwrap();
    assert_eq!(json["kind"], "categories");
    assert!(json.get("data").is_none() && json.get("tables").is_none());
    // The categories found are still listed, with sources, purposes, recipients.
    let found: Vec<&str> =
        json["categories"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(found, ["contact", "gov_id", "login", "browsing"]);
    assert_eq!(package.categories_found, [0, 1, 2, 3]);
    let html = file(&package, "README.html");
    assert!(html.contains("What personal information Example Shop holds about you"));
    assert!(!html.contains("Your information</h2>"));
}
