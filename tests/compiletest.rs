//! Compile-fail tests of the macros: one mistake per file under `tests/ui/<macro>/`, each
//! with the expected compiler output (`.stderr`) beside it.
//!
//! Regenerate the expected output after an intended change with
//! `TRYBUILD=overwrite cargo test --test compiletest`, then review the diff like code.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/protocol/*.rs");
    t.compile_fail("tests/ui/request_handler/*.rs");
    // A format whose cargo feature is off: only meaningful when the feature *is* off, so
    // this case runs in `cargo test` without `--all-features` (CI runs with all features;
    // run `cargo test --test compiletest` to check it).
    #[cfg(not(feature = "cbor"))]
    t.compile_fail("tests/ui/protocol_cbor_off/*.rs");
}
