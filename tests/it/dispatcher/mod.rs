//! Commands end to end through the dispatcher: argument checks, params, handler, entry.

mod apps_groups;
mod config_commands;
mod fetch_repair;
mod iam_users;
mod logs_fetch;
mod regressions;
mod spool_files;
mod test_module;
