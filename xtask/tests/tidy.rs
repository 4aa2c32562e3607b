//! The tidy checks run as a test, so `cargo test --workspace` keeps the habits true.

#[test]
fn the_tree_is_tidy() {
    let problems = xtask::tidy(&xtask::workspace_root());
    assert!(problems.is_empty(), "tidy problems:\n{}", problems.join("\n"));
}
