//! The GraphQL schema is a contract with every client: it is committed at
//! `schema/cairn.graphql`, and this test fails when the code drifts from it.
//! After reviewing a deliberate change, refresh it with
//! `CAIRN_UPDATE_SCHEMA=1 cargo test -p cairn-server --test schema`.

use std::path::PathBuf;

#[test]
fn committed_schema_matches_the_code() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/cairn.graphql");
    let current = cairn_server::graphql::sdl();
    if std::env::var_os("CAIRN_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &current).expect("write schema/cairn.graphql");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == current,
        "schema/cairn.graphql is out of date with the code. Review the change, then run \
         `CAIRN_UPDATE_SCHEMA=1 cargo test -p cairn-server --test schema` and commit the file."
    );
}

#[test]
fn schema_declares_the_scalars_the_official_client_uses() {
    let sdl = cairn_server::graphql::sdl();
    for scalar in ["JSONString", "JSON", "Int64", "Duration", "DateTime"] {
        assert!(
            sdl.contains(&format!("scalar {scalar}")),
            "missing scalar {scalar}"
        );
    }
}
