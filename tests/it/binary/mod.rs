//! The binary as people and the XSOAR host run it (the XSOAR tests drive it through an
//! XSOAR-style Python loop, `tests/xsoar/`).

mod architecture_doc;
mod call;
mod cli;
mod demo;
mod docs;
mod fake_okta_smoke;
mod faults;
mod glibc;
mod logs_fetch;
mod oauth;
mod scim;
mod scim_demo;
mod scim_faults;
mod scim_lifecycle;
mod secrets;
mod soak;
mod stdin_kinds;
mod user_profiles_local;
mod xsoar_loop;
mod xsoar_pack;
mod xsoar_schemas;
