//! End-to-end tests of the foundation through `cairn-client`, against a real
//! server per test. Modules mirror the API.

mod artifact_client;
mod artifact_filters;
mod artifact_wire;
mod auth;
mod authz_table;
mod automations;
mod columnar_history;
mod concurrent_writes;
mod data_dir;
mod digest_access;
mod digests;
mod graphql_bounds;
mod integrations;
mod keys;
mod launch;
mod organizations;
mod projects;
mod registry_access;
mod reports;
mod run_logging;
mod runs;
mod secrets;
mod sessions;
mod sweeps;
mod teams;
mod tensorboard;
mod users;
mod web;
