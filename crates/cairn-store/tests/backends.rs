//! What every storage backend must do alike, written once against the
//! `cairn_core::store` traits and run once per backend.
//!
//! [`backend_tests!`] expands each test body into one `#[tokio::test]` per
//! backend module: `sqlite` today. A PostgreSQL backend adds one arm (a
//! module that opens a fresh database) and inherits every test here, so the
//! two cannot drift apart unnoticed. Tests reach storage only through
//! `Arc<dyn Store>`, never through SQL.

use std::sync::Arc;

use cairn_core::model::{AccountType, NewProject, NewUser};
use cairn_core::run::{RunPatch, RunQuery, RunSearch};
use cairn_core::store::{Store, StoreError};

/// One `#[tokio::test]` per backend for each `async fn name(store) { … }`.
macro_rules! backend_tests {
    ($(async fn $name:ident($store:ident) $body:block)*) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let dir = tempfile::tempdir().expect("temp dir");
                    let store = cairn_store::SqliteStore::open(&dir.path().join("cairn.db"))
                        .await
                        .expect("open SQLite");
                    let $store: Arc<dyn Store> = Arc::new(store);
                    $body
                }
            )*
        }
    };
}

fn person(username: &str) -> NewUser {
    NewUser {
        username: username.into(),
        email: Some(format!("{username}@example.com")),
        name: username.into(),
        admin: false,
        account_type: AccountType::User,
    }
}

backend_tests! {
    async fn users_are_unique_by_name_and_email(store) {
        let org = store.ensure_default_organization("org").await.unwrap();
        let ada = store.create_user(person("ada"), org).await.unwrap();
        assert_eq!(store.user_by_username("ada").await.unwrap().unwrap().id, ada.id);
        assert_eq!(
            store.user_by_email("ada@example.com").await.unwrap().unwrap().id,
            ada.id
        );
        let again = store.create_user(person("ada"), org).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        assert!(store.user_by_username("nobody").await.unwrap().is_none());
    }

    async fn projects_are_unique_within_an_entity(store) {
        let org = store.ensure_default_organization("org").await.unwrap();
        let ada = store.create_user(person("ada"), org).await.unwrap();
        let entity = store.entity_by_name("ada").await.unwrap().expect("personal entity");
        let new = || NewProject {
            entity_id: entity.id,
            name: "mnist".into(),
            description: Some("digits".into()),
            access: "PRIVATE".into(),
            created_by: ada.id,
        };
        let project = store.create_project(new()).await.unwrap();
        let found = store.project_by_name(entity.id, "mnist").await.unwrap().unwrap();
        assert_eq!((found.id, found.description.as_deref()), (project.id, Some("digits")));
        let again = store.create_project(new()).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    }

    async fn runs_upsert_count_and_delete(store) {
        let org = store.ensure_default_organization("org").await.unwrap();
        let ada = store.create_user(person("ada"), org).await.unwrap();
        let entity = store.entity_by_name("ada").await.unwrap().unwrap();
        let project = store
            .create_project(NewProject {
                entity_id: entity.id,
                name: "p".into(),
                description: None,
                access: "PRIVATE".into(),
                created_by: ada.id,
            })
            .await
            .unwrap();
        let patch = RunPatch {
            config: Some(r#"{"lr": 0.1}"#.into()),
            ..RunPatch::default()
        };
        let (run, created) = store.upsert_run(project.id, "r1", &patch, ada.id).await.unwrap();
        assert!(created);
        let (same, created) = store
            .upsert_run(project.id, "r1", &RunPatch::default(), ada.id)
            .await
            .unwrap();
        assert_eq!((same.id, created), (run.id, false));
        let query = RunSearch::parse(&RunQuery::default()).unwrap();
        assert_eq!(store.count_runs(project.id, &query).await.unwrap(), 1);
        let page = store.search_runs(project.id, &query, None, 10).await.unwrap();
        assert_eq!(page.runs.len(), 1);
        assert!(!page.has_next_page);
        assert!(store.delete_run(run.id).await.unwrap());
        assert_eq!(store.count_runs(project.id, &query).await.unwrap(), 0);
        assert!(!store.delete_run(run.id).await.unwrap());
    }

    async fn a_secret_is_created_once(store) {
        let first = store.secret_or_insert("k", vec![1, 2, 3]).await.unwrap();
        let second = store.secret_or_insert("k", vec![9, 9, 9]).await.unwrap();
        assert_eq!(first, vec![1, 2, 3]);
        assert_eq!(second, first);
    }
}
