//! Each listing's filters parsed by core and compiled here (SQL shape),
//! then run on the real schema in an in-memory database. The messages for
//! bad filters are tested in `cairn_core::filter`.

use std::str::FromStr;

use cairn_core::filter::{COLLECTIONS, REGISTRIES, Schema, VERSIONS};
use serde_json::{Value, json};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::*;

fn schema(scope: Scope) -> &'static Schema {
    match scope {
        Scope::Registry => &REGISTRIES,
        Scope::Collection => &COLLECTIONS,
        Scope::Version => &VERSIONS,
    }
}

fn sql(scope: Scope, filter: Value) -> Condition {
    let parsed = Filter::parse(&filter, schema(scope)).unwrap_or_else(|e| panic!("{filter}: {e}"));
    compile(scope, Some(&parsed)).unwrap_or_else(|e| panic!("{filter}: {e}"))
}

#[test]
fn empty_and_null_filters_match_everything() {
    assert_eq!(compile(Scope::Version, None).unwrap().sql, "1");
    assert_eq!(sql(Scope::Version, json!({})).sql, "1");
    assert_eq!(sql(Scope::Version, Value::Null).sql, "1");
    assert_eq!(sql(Scope::Registry, json!({"$or": []})).sql, "(0)");
}

#[test]
fn values_are_bound_never_spliced() {
    let c = sql(
        Scope::Registry,
        json!({"name": "wandb-registry-x'; DROP TABLE projects; --"}),
    );
    assert_eq!(c.sql, "(p.name = ?)");
    assert_eq!(
        c.binds,
        vec![Bind::Text(
            "wandb-registry-x'; DROP TABLE projects; --".into()
        )]
    );
    let c = sql(Scope::Version, json!({"metadata.a'b": {"$gt": 1}}));
    assert!(!c.sql.contains("a'b"), "{}", c.sql);
    assert_eq!(c.sql.matches('?').count(), c.binds.len());
}

#[test]
fn scopes_use_their_aliases() {
    let c = sql(Scope::Collection, json!({"tag": "prod", "id": 3}));
    assert_eq!(
        c.sql,
        "(c.id = ? AND EXISTS (SELECT 1 FROM collection_tags ft \
         WHERE ft.collection_id = c.id AND ft.name = ?))"
    );
    let c = sql(Scope::Version, json!({"alias": "best"}));
    assert!(c.sql.contains("fa.membership_id = m.id"), "{}", c.sql);
    let c = sql(Scope::Version, json!({"version": "v3"}));
    assert_eq!(c.sql, "(m.version_index = ?)");
    assert_eq!(c.binds, vec![Bind::Int(3)]);
    assert_eq!(
        sql(Scope::Version, json!({"version": 3})).binds,
        vec![Bind::Int(3)]
    );
}

#[test]
fn ids_accept_integers_decimal_text_and_graphql_ids() {
    // base64("Project:42")
    for operand in [json!(42), json!("42"), json!("UHJvamVjdDo0Mg==")] {
        assert_eq!(
            sql(Scope::Registry, json!({ "id": operand })).binds,
            vec![Bind::Int(42)]
        );
    }
}

#[test]
fn times_are_iso_strings_or_unix_seconds() {
    let c = sql(
        Scope::Collection,
        json!({"created_at": {"$gte": "2026-01-01T00:00:00Z", "$lt": 1767225601.5}}),
    );
    assert_eq!(c.sql, "((c.created_at >= ? AND c.created_at < ?))");
    assert_eq!(
        c.binds,
        vec![Bind::Int(1767225600), Bind::Real(1767225601.5)]
    );
    for text in [
        "2026-01-01T00:00:00",
        "2026-01-01",
        "2026-01-01T00:00:00.000Z",
    ] {
        assert_eq!(
            sql(Scope::Version, json!({"updated_at": {"$gt": text}})).binds,
            vec![Bind::Int(1767225600)],
            "{text}"
        );
    }
}

// ---------------------------------------------------------------------------
// On the real schema

async fn database() -> SqlitePool {
    let options = SqliteConnectOptions::from_str("sqlite::memory:")
        .expect("options")
        .foreign_keys(false)
        .with_regexp();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("in-memory database");
    sqlx::migrate!("./migrations/sqlite")
        .run(&pool)
        .await
        .expect("migrations");
    let fixture = r#"
        INSERT INTO projects (id, entity_id, name, description, access, created_at, updated_at)
        VALUES (1, 7, 'wandb-registry-model', 'models', 'PRIVATE', 1700000000, 1700000000),
               (2, 7, 'wandb-registry-dataset', NULL, 'PRIVATE', 1800000000, 1800000000),
               (3, 7, 'wandb-registry-modelzoo', 'zoo', 'PRIVATE', 1900000000, 1900000000);
        INSERT INTO artifact_types (id, project_id, name, created_at) VALUES (1, 1, 'model', 0);
        INSERT INTO artifact_collections
            (id, project_id, type_id, name, kind, description, created_at, updated_at)
        VALUES (10, 1, 1, 'resnet', 'PORTFOLIO', 'conv', 1767225600, 1767225600),
               (11, 1, 1, 'bert', 'PORTFOLIO', NULL, 1767312000, 1767312000),
               (12, 1, 1, 'gpt', 'PORTFOLIO', 'big', 1767398400, 1767398400);
        INSERT INTO collection_tags VALUES (10, 'prod'), (10, 'vision'), (11, 'nlp');
        INSERT INTO artifacts (id, sequence_id, type_id, state, digest, metadata, created_at,
                               updated_at)
        VALUES (100, 10, 1, 'COMMITTED', 'd0', '{"acc": 0.7, "arch": "resnet18", "n": 3}',
                1767225600, 1767225600),
               (101, 10, 1, 'COMMITTED', 'd1', '{"acc": 0.9, "arch": "resnet50", "cfg": {"lr": 1}}',
                1767312000, 1767312000),
               (102, 10, 1, 'PENDING', 'd2', 'not json', 1767398400, 1767398400),
               (103, 10, 1, 'COMMITTED', 'd3', '{"acc": "high"}', 1767484800, 1767484800);
        INSERT INTO artifact_memberships (id, collection_id, artifact_id, version_index, created_at)
        VALUES (1000, 10, 100, 0, 0), (1001, 10, 101, 1, 0), (1002, 10, 102, 2, 0),
               (1003, 10, 103, 3, 0);
        INSERT INTO artifact_aliases (collection_id, membership_id, alias)
        VALUES (10, 1001, 'best'), (10, 1003, 'latest');
        INSERT INTO artifact_tags VALUES (100, 'raw'), (101, 'clean'), (103, 'raw'), (103, 'big');
    "#;
    sqlx::raw_sql(fixture)
        .execute(&pool)
        .await
        .expect("fixture");
    pool
}

async fn ids(pool: &SqlitePool, scope: Scope, filter: Value) -> Vec<i64> {
    let condition = sql(scope, filter.clone());
    let statement = match scope {
        Scope::Registry => "SELECT p.id FROM projects p WHERE",
        Scope::Collection => "SELECT c.id FROM artifact_collections c WHERE",
        Scope::Version => {
            "SELECT m.version_index FROM artifact_memberships m \
             JOIN artifacts a ON a.id = m.artifact_id WHERE"
        }
    };
    let text = format!("{statement} ({}) ORDER BY 1", condition.sql);
    crate::filter::bind_each!(sqlx::query_scalar(&text), &condition.binds)
        .fetch_all(pool)
        .await
        .unwrap_or_else(|e| panic!("{filter}: {e}\n{text}"))
}

#[tokio::test]
async fn registry_filters_find_registries() {
    let db = database().await;
    let r = |f| ids(&db, Scope::Registry, f);
    assert_eq!(r(json!({"name": {"$regex": "model"}})).await, [1, 3]);
    assert_eq!(r(json!({"name": {"$regex": "^model$"}})).await, [1]);
    assert_eq!(
        r(json!({"name": {"$regex": "^MODEL", "$options": "i"}})).await,
        [1, 3]
    );
    assert_eq!(r(json!({"name": "wandb-registry-dataset"})).await, [2]);
    assert_eq!(
        r(json!({"name": {"$in": ["wandb-registry-model", "wandb-registry-dataset"]}})).await,
        [1, 2]
    );
    assert_eq!(
        r(json!({"name": {"$nin": ["wandb-registry-model"]}})).await,
        [2, 3]
    );
    assert_eq!(r(json!({"description": {"$exists": false}})).await, [2]);
    assert_eq!(r(json!({"description": {"$ne": "zoo"}})).await, [1, 2]);
    assert_eq!(r(json!({"description": {"$contains": "o"}})).await, [1, 3]);
    assert_eq!(r(json!({"id": {"$gt": 1}, "entity_id": 7})).await, [2, 3]);
    assert_eq!(
        r(json!({"created_at": {"$gte": "2027-01-01", "$lt": "2030-01-01T00:00:00Z"}})).await,
        [2]
    );
    assert_eq!(
        r(json!({"$or": [{"id": 1}, {"name": {"$regex": "zoo$"}}]})).await,
        [1, 3]
    );
    assert_eq!(r(json!({"$nor": [{"id": 1}, {"id": 3}]})).await, [2]);
    assert_eq!(r(json!({"$not": {"id": 1}})).await, [2, 3]);
    assert_eq!(r(json!({"id": {"$not": {"$lt": 3}}})).await, [3]);
}

#[tokio::test]
async fn collection_filters_use_tags() {
    let db = database().await;
    let c = |f| ids(&db, Scope::Collection, f);
    assert_eq!(c(json!({"tag": "prod"})).await, [10]);
    assert_eq!(
        c(json!({"tag": {"$in": ["nlp", "vision"]}})).await,
        [10, 11]
    );
    assert_eq!(c(json!({"tag": {"$nin": ["prod"]}})).await, [11, 12]);
    assert_eq!(c(json!({"tag": {"$all": ["prod", "vision"]}})).await, [10]);
    assert_eq!(
        c(json!({"tag": {"$all": ["prod", "nlp"]}})).await,
        [] as [i64; 0]
    );
    assert_eq!(c(json!({"tag": {"$exists": false}})).await, [12]);
    assert_eq!(c(json!({"tag": {"$size": 2}})).await, [10]);
    assert_eq!(c(json!({"tag": {"$regex": "^vis"}})).await, [10]);
    assert_eq!(
        c(json!({"name": {"$regex": "^(bert|gpt)$"}})).await,
        [11, 12]
    );
    assert_eq!(c(json!({"collection_id": "11"})).await, [11]);
    assert_eq!(
        c(json!({"created_at": {"$gt": "2026-01-01T00:00:00Z"}})).await,
        [11, 12]
    );
    assert_eq!(
        c(json!({"updated_at": {"$lte": 1767312000}})).await,
        [10, 11]
    );
    assert_eq!(c(json!({"description": null})).await, [11]);
}

#[tokio::test]
async fn version_filters_use_tags_aliases_metadata_and_times() {
    let db = database().await;
    let v = |f| ids(&db, Scope::Version, f);
    assert_eq!(v(json!({"state": "COMMITTED"})).await, [0, 1, 3]);
    assert_eq!(
        v(json!({"$or": [{"tag": "clean"}, {"alias": "latest"}]})).await,
        [1, 3]
    );
    assert_eq!(
        v(json!({"$and": [{"state": "COMMITTED"}, {"tag": {"$in": ["raw"]}}]})).await,
        [0, 3]
    );
    assert_eq!(v(json!({"alias": {"$exists": true}})).await, [1, 3]);
    assert_eq!(v(json!({"alias": {"$ne": "best"}})).await, [0, 2, 3]);
    assert_eq!(v(json!({"metadata.acc": {"$gt": 0.8}})).await, [1]);
    assert_eq!(v(json!({"metadata.acc": {"$gte": 0.7}})).await, [0, 1]);
    // A string never compares with a number, as in MongoDB.
    assert_eq!(v(json!({"metadata.acc": {"$gt": "a"}})).await, [3]);
    assert_eq!(v(json!({"metadata.arch": {"$regex": "50$"}})).await, [1]);
    assert_eq!(v(json!({"metadata.cfg.lr": 1})).await, [1]);
    assert_eq!(v(json!({"metadata.cfg": {"lr": 1}})).await, [1]);
    assert_eq!(v(json!({"metadata.n": {"$in": [3, 4]}})).await, [0]);
    assert_eq!(
        v(json!({"metadata.n": {"$exists": false}})).await,
        [1, 2, 3]
    );
    assert_eq!(v(json!({"version": {"$gte": "v2"}})).await, [2, 3]);
    assert_eq!(v(json!({"version": {"$in": ["v0", 3]}})).await, [0, 3]);
    assert_eq!(v(json!({"version": {"$regex": "^v[13]$"}})).await, [1, 3]);
    assert_eq!(v(json!({"id": 101})).await, [1]);
    assert_eq!(
        v(json!({"created_at": {"$gte": "2026-01-02T00:00:00", "$lt": "2026-01-04"}})).await,
        [1, 2]
    );
    assert_eq!(v(json!({"tag": {"$size": 0}})).await, [2]);
}
