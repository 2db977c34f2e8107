#![no_main]
//! See docs/fuzzing.md and `okta_iam_fuzz::checks::filter_quote` for what this target asserts.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| okta_iam_fuzz::checks::filter_quote(data));
