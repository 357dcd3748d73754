//! Shared support for the workspace's integration tests and examples (not published).
//!
//! Lives under `tests/` because the repository layout is fixed; the root package exposes
//! it as the `easynet_suite` library.

pub mod protocol;

use std::time::Duration;

/// How long tests *wait* for something that should happen: generous, so that a slow,
/// shared machine never fails a test that is right. Results are asserted exactly.
pub const WAIT: Duration = Duration::from_secs(20);

/// Installs a `tracing` subscriber that writes to the test output (once per process).
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("easynet=debug")),
        )
        .with_test_writer()
        .try_init();
}
