//! Snapshots of what a person and a machine read: README.html and package.json of
//! Avery Testperson's package. `UPDATE_EXPECT=1 cargo test -p ombud-package` rewrites
//! them; review the diff like code.

use expect_test::expect_file;

use super::{access, avery, file, program};

#[test]
fn readme_html() {
    let package = access(&avery(&program()));
    expect_file!["snapshots/README.html"].assert_eq(&file(&package, "README.html"));
}

#[test]
fn package_json() {
    let package = access(&avery(&program()));
    expect_file!["snapshots/package.json"].assert_eq(&file(&package, "package.json"));
}

#[test]
fn table_json_and_csv() {
    let package = access(&avery(&program()));
    expect_file!["snapshots/customer.json"].assert_eq(&file(&package, "data/shop/customer.json"));
    expect_file!["snapshots/customer.csv"].assert_eq(&file(&package, "data/shop/customer.csv"));
}
