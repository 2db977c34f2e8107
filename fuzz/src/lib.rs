//! Shared by the fuzz targets and by the main crate's `tests/it/dispatcher/regressions.rs`
//! (which includes `checks.rs` by path), so a crash input kept as a regression test runs the same assertions.

pub mod checks;
