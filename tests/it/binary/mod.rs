//! The binary as people and the XSOAR host run it.

mod call;
mod cli;
mod demo;
mod docs;
mod fake_okta_smoke;
mod faults;
mod logs_fetch;
mod oauth;
mod secrets;
mod soak;
