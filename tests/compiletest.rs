//! Compile-fail tests of easynet's macros: one mistake per file under `tests/ui/<macro>/`.
//!
//! Regenerate the expected `.stderr` files with
//! `TRYBUILD=overwrite cargo test --test compiletest`, then review the diff like code.

#[test]
fn request_handler() {
    trybuild::TestCases::new().compile_fail("tests/ui/request_handler/*.rs");
}
