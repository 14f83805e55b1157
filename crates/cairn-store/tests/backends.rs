//! What every storage backend must do alike, written once against the
//! `cairn_core::store` traits and run once per backend.
//!
//! [`backend_tests!`] expands each test body into one `#[tokio::test]` per
//! backend module: `sqlite` today. A PostgreSQL backend adds one arm (a
//! module that opens a fresh database) and inherits every test here, so the
//! two cannot drift apart unnoticed. Tests reach storage only through
//! `Arc<dyn Store>`, never through SQL.

use std::sync::Arc;

use cairn_core::launch::records::{ItemState, NewQueueItem, NewRunQueue, Prioritization};
use cairn_core::model::{AccountType, NewProject, NewUser};
use cairn_core::run::{RunPatch, RunQuery, RunSearch};
use cairn_core::session::StoredSession;
use cairn_core::store::{Store, StoreError};
use cairn_core::stream::{Chunk, StreamBatch, history_line};
use cairn_core::sweep::records::{Assignment, NewSweep, SweepState};
use cairn_core::view::{NewView, ViewChange, ViewQuery};
use time::OffsetDateTime;

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

    async fn forks_copy_and_rewinds_truncate_history(store) {
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
            .unwrap()
            .id;
        let named = &cairn_core::run_names::fresh_display_name;
        let log = |run: i64, offset: i64, rows: Vec<String>| {
            let store = store.clone();
            async move {
                let lines = rows
                    .into_iter()
                    .enumerate()
                    .map(|(i, raw)| history_line(offset + i as i64, raw).unwrap())
                    .collect();
                let batch = StreamBatch {
                    history: Some(Chunk { offset, lines }),
                    summary: Some(r#"{"x": 9, "late": "z", "best": 1}"#.into()),
                    ..StreamBatch::default()
                };
                store.append_stream(run, &batch, &[]).await.unwrap();
            }
        };
        let rows = |steps: std::ops::Range<i64>| -> Vec<String> {
            steps
                .map(|s| format!(r#"{{"_step": {s}, "x": {s}, "nan": NaN}}"#))
                .collect()
        };
        let steps = |store: Arc<dyn Store>, run: i64| async move {
            let rows = store.history(run, i64::MIN, i64::MAX, 100).await.unwrap();
            rows.into_iter().map(|(step, _)| step).collect::<Vec<_>>()
        };
        let (src, _) = store.upsert_run(project, "src", &RunPatch::default(), ada.id, named).await.unwrap();
        let mut src_rows = rows(0..10);
        src_rows.push(r#"{"_step": 10, "late": "z"}"#.into());
        log(src.id, 0, src_rows).await;

        // A fork takes steps 0..=4 below line 0 and logs its own from line 0.
        let (fork, _) = store.upsert_run(project, "fork", &RunPatch::default(), ada.id, named).await.unwrap();
        store.fork_history(fork.id, src.id, 4).await.unwrap();
        log(fork.id, 0, rows(5..7)).await;
        assert_eq!(steps(store.clone(), fork.id).await, vec![0, 1, 2, 3, 4, 5, 6]);
        let fork = store.run_by_id(fork.id).await.unwrap().unwrap();
        assert_eq!((fork.history_line_count, fork.last_step), (2, Some(6)));
        let keys = store.history_keys(fork.id).await.unwrap();
        let count = |key: &str, ty: &str| {
            keys.iter()
                .find(|k| k.key == key && k.value_type == ty)
                .map(|k| k.count)
        };
        assert_eq!(count("x", "number"), Some(7));
        assert_eq!(count("nan", "number"), Some(7), "bare NaN counts as a number");
        assert_eq!(count("late", "string"), None);
        assert_eq!(steps(store.clone(), src.id).await, (0..=10).collect::<Vec<_>>());

        // Rewinding the parent to step 6: lines 0..=6 stay, the client
        // continues at offset 7; keys and summary follow.
        let rewound = store.rewind_history(src.id, 6).await.unwrap().unwrap();
        assert_eq!(steps(store.clone(), src.id).await, (0..=6).collect::<Vec<_>>());
        assert_eq!((rewound.history_line_count, rewound.last_step), (7, Some(6)));
        let summary: serde_json::Value = serde_json::from_str(&rewound.summary).unwrap();
        assert_eq!(summary["x"], 6);
        assert_eq!(summary["best"], 1, "entries not from history stay");
        assert!(summary.get("late").is_none(), "{summary}");
        let keys = store.history_keys(src.id).await.unwrap();
        assert!(keys.iter().all(|k| k.key != "late"), "{keys:?}");
        assert!(keys.iter().any(|k| k.key == "x" && k.count == 7), "{keys:?}");

        // Rewinding a fork into its copied part leaves the client at 0.
        let fork = store.rewind_history(fork.id, 2).await.unwrap().unwrap();
        assert_eq!(steps(store.clone(), fork.id).await, vec![0, 1, 2]);
        assert_eq!((fork.history_line_count, fork.last_step), (0, Some(2)));
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
        let (run, created) = store.upsert_run(project.id, "r1", &patch, ada.id, &cairn_core::run_names::fresh_display_name).await.unwrap();
        assert!(created);
        let (same, created) = store
            .upsert_run(
                project.id,
                "r1",
                &RunPatch::default(),
                ada.id,
                &cairn_core::run_names::fresh_display_name,
            )
            .await
            .unwrap();
        assert_eq!((same.id, created), (run.id, false));
        // The first run of the project, unnamed, is numbered 1; a resume keeps it.
        let generated = run.display_name.clone().unwrap();
        assert!(generated.ends_with("-1"), "{generated}");
        assert_eq!(same.display_name.as_deref(), Some(generated.as_str()));
        // Names drawn again while taken: a rule that always draws the same
        // words still gives the second run its own number.
        let (second, _) = store
            .upsert_run(project.id, "r2", &RunPatch::default(), ada.id, &|n| {
                format!("{generated}-{n}")
            })
            .await
            .unwrap();
        assert_eq!(second.display_name, Some(format!("{generated}-2")));
        // A name the client gives is kept.
        let named = RunPatch {
            display_name: Some("mine".into()),
            ..RunPatch::default()
        };
        let (third, _) = store
            .upsert_run(project.id, "r3", &named, ada.id, &|_| unreachable!())
            .await
            .unwrap();
        assert_eq!(third.display_name.as_deref(), Some("mine"));
        store.delete_run(second.id).await.unwrap();
        store.delete_run(third.id).await.unwrap();
        let query = RunSearch::parse(&RunQuery::default()).unwrap();
        assert_eq!(store.count_runs(project.id, &query).await.unwrap(), 1);
        let page = store.search_runs(project.id, &query, None, 10).await.unwrap();
        assert_eq!(page.runs.len(), 1);
        assert!(!page.has_next_page);
        assert!(store.delete_run(run.id).await.unwrap());
        assert_eq!(store.count_runs(project.id, &query).await.unwrap(), 0);
        assert!(!store.delete_run(run.id).await.unwrap());
    }

    async fn sweep_grid_points_and_run_caps_hold_under_concurrency(store) {
        let (project, ada) = project_of_ada(&store).await;
        let sweep = store.create_sweep(&new_sweep(project, ada, Some(3))).await.unwrap();
        let again = store.create_sweep(&new_sweep(project, ada, Some(3))).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        let agent = store.create_agent(sweep.id, "ag1", "host", ada).await.unwrap();
        // Eight attempts at grid point 0 at once: one wins.
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.assign_run(&assignment(sweep.id, agent.id, i, Some(0)), Some(3)).await.unwrap()
            }));
        }
        let mut won = 0;
        for task in tasks {
            won += usize::from(task.await.unwrap());
        }
        assert_eq!(won, 1);
        // The cap: two more fit, the next does not.
        assert!(store.assign_run(&assignment(sweep.id, agent.id, 10, Some(1)), Some(3)).await.unwrap());
        assert!(store.assign_run(&assignment(sweep.id, agent.id, 11, Some(2)), Some(3)).await.unwrap());
        assert!(!store.assign_run(&assignment(sweep.id, agent.id, 12, None), Some(3)).await.unwrap());
        let trials = store.sweep_trials(sweep.id, 100).await.unwrap();
        let mut points: Vec<_> = trials.iter().map(|t| t.grid_index).collect();
        points.sort();
        assert_eq!(points, [Some(0), Some(1), Some(2)]);
        assert!(trials.iter().all(|t| !t.finished && t.metric.is_none()));
        let found = store.sweep_by_name(project, "sw1").await.unwrap().unwrap();
        assert_eq!((found.run_count, found.exhausted), (0, false));
    }

    async fn sweep_runs_that_never_start_expire_and_free_their_point(store) {
        let (project, ada) = project_of_ada(&store).await;
        let sweep = store.create_sweep(&new_sweep(project, ada, None)).await.unwrap();
        let agent = store.create_agent(sweep.id, "ag1", "host", ada).await.unwrap();
        assert!(store.assign_run(&assignment(sweep.id, agent.id, 0, Some(0)), None).await.unwrap());
        assert!(store.assign_run(&assignment(sweep.id, agent.id, 1, Some(1)), None).await.unwrap());
        // Run 1 starts (its run exists); run 0 never does.
        store.upsert_run(project, "run1", &RunPatch::default(), ada, &cairn_core::run_names::fresh_display_name).await.unwrap();
        store.agent_heartbeat(agent.id, &[], i64::MAX).await.unwrap();
        assert_eq!(store.sweep_trials(sweep.id, 10).await.unwrap().len(), 1);
        assert!(store.assign_run(&assignment(sweep.id, agent.id, 2, Some(0)), None).await.unwrap());
        assert!(!store.assign_run(&assignment(sweep.id, agent.id, 3, Some(1)), None).await.unwrap());
        // A run the agent reports is started, even before its run exists.
        store.agent_heartbeat(agent.id, &["run2".into()], i64::MAX).await.unwrap();
        assert_eq!(store.sweep_trials(sweep.id, 10).await.unwrap().len(), 2);
    }

    async fn queue_items_pop_once_in_priority_order_and_leases_expire(store) {
        let (project, ada) = project_of_ada(&store).await;
        let new_queue = |name: &str, prioritization| NewRunQueue {
            project_id: project,
            name: name.into(),
            access: "PROJECT".into(),
            prioritization,
            resource_config_id: None,
            external_links: "{}".into(),
            created_by: ada,
        };
        let queue = store.create_run_queue(&new_queue("q", Prioritization::V0)).await.unwrap();
        let again = store.create_run_queue(&new_queue("q", Prioritization::V0)).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        let mut pushed = Vec::new();
        for priority in [3, 1, 2, 1, 0] {
            let item = NewQueueItem {
                queue_id: queue.id,
                run_spec: "{}".into(),
                template_variable_values: None,
                priority,
                run_entity: Some("ada".into()),
                run_project: Some("p".into()),
                created_by: ada,
            };
            pushed.push((store.push_item(&item).await.unwrap().id, priority));
        }
        pushed.sort_by_key(|&(id, priority)| (priority, id));
        // Eight poppers at once: each item goes to exactly one of them.
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.pop_item(queue.id, Prioritization::V0, None, 0).await.unwrap().map(|i| i.id)
            }));
        }
        let mut popped: Vec<i64> = Vec::new();
        for task in tasks {
            popped.extend(task.await.unwrap());
        }
        popped.sort();
        let mut expected: Vec<i64> = pushed.iter().map(|p| p.0).collect();
        expected.sort();
        assert_eq!(popped, expected);
        // In order, one at a time, after letting every lease expire.
        assert_eq!(store.expire_leases(queue.id, i64::MAX).await.unwrap(), 5);
        let mut order = Vec::new();
        while let Some(item) = store.pop_item(queue.id, Prioritization::V0, None, 0).await.unwrap() {
            assert_eq!(item.state, ItemState::Leased);
            order.push(item.id);
        }
        assert_eq!(order, pushed.iter().map(|p| p.0).collect::<Vec<_>>());
        // A claimed item reads as its run: claimed, then finished.
        assert!(store.ack_item(order[0], "run1").await.unwrap());
        assert!(!store.ack_item(order[0], "run2").await.unwrap());
        assert_eq!(store.queue_item(order[0]).await.unwrap().unwrap().state, ItemState::Claimed);
        let finished = RunPatch { state: Some("finished".into()), ..RunPatch::default() };
        store.upsert_run(project, "run1", &finished, ada, &cairn_core::run_names::fresh_display_name).await.unwrap();
        assert_eq!(store.queue_item(order[0]).await.unwrap().unwrap().state, ItemState::Finished);
        assert!(store.delete_run_queue(queue.id).await.unwrap());
        assert!(store.queue_item(order[1]).await.unwrap().is_none());
    }

    async fn views_keep_their_spec_page_newest_first_and_hide_others_drafts(store) {
        let (project, ada) = project_of_ada(&store).await;
        let org = store.ensure_default_organization("org").await.unwrap();
        let bob = store.create_user(person("bob"), org).await.unwrap();
        let view = |kind: &str, name: &str, user_id, parent_id| NewView {
            project_id: project,
            user_id,
            kind: kind.into(),
            name: name.into(),
            display_name: name.to_uppercase(),
            description: String::new(),
            spec: format!("{{ \"name\" :  \"{name}\" }}"),
            parent_id,
            created_using: Some("WANDB_SDK".into()),
        };
        let a = store.create_view(&view("runs", "a", ada, None)).await.unwrap();
        assert_eq!(a.spec, "{ \"name\" :  \"a\" }");
        assert_eq!(a.username.as_deref(), Some("ada"));
        let again = store.create_view(&view("runs", "a", ada, None)).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        let b = store.create_view(&view("runs", "b", bob.id, None)).await.unwrap();
        let draft = store.create_view(&view("runs/draft", "a", bob.id, Some(a.id))).await.unwrap();
        store.create_view(&view("project-view", "w", ada, None)).await.unwrap();

        let list = |kind: Option<&str>, viewer_id, before_id, limit| ViewQuery {
            project_id: project,
            kind: kind.map(str::to_string),
            viewer_id,
            before_id,
            limit,
            ..ViewQuery::default()
        };
        let names = |views: Vec<cairn_core::view::View>| {
            views.into_iter().map(|v| format!("{}:{}", v.kind, v.name)).collect::<Vec<_>>()
        };
        // Newest first; ada does not see bob's draft, bob does.
        assert_eq!(
            names(store.views(&list(None, Some(ada), None, 10)).await.unwrap()),
            ["project-view:w", "runs:b", "runs:a"]
        );
        assert_eq!(
            names(store.views(&list(Some("runs/draft"), Some(bob.id), None, 10)).await.unwrap()),
            ["runs/draft:a"]
        );
        assert_eq!(
            names(store.views(&list(Some("runs"), None, Some(b.id), 10)).await.unwrap()),
            ["runs:a"]
        );

        let change = ViewChange {
            display_name: Some("Renamed".into()),
            spec: Some("[]".into()),
            ..ViewChange::default()
        };
        let changed = store.update_view(a.id, &change).await.unwrap().unwrap();
        assert_eq!((changed.display_name.as_str(), changed.spec.as_str(), changed.name.as_str()), ("Renamed", "[]", "a"));
        let clash = ViewChange { name: Some("b".into()), ..ViewChange::default() };
        assert!(matches!(store.update_view(a.id, &clash).await, Err(StoreError::Conflict(_))));

        // A view goes with its drafts.
        assert_eq!(store.view_draft_count(a.id).await.unwrap(), 1);
        assert!(store.delete_view(a.id).await.unwrap());
        assert!(store.view_by_id(draft.id).await.unwrap().is_none());
        assert!(!store.delete_view(a.id).await.unwrap());
        assert!(store.update_view(a.id, &change).await.unwrap().is_none());
    }

    async fn sessions_are_found_by_token_hash_and_deleted_by_expiry_user_or_token(store) {
        let org = store.ensure_default_organization("org").await.unwrap();
        let ada = store.create_user(person("ada"), org).await.unwrap();
        let bob = store.create_user(person("bob"), org).await.unwrap();
        let at = |secs: i64| OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).unwrap();
        let session = |hash: &str, user_id, expires: i64| StoredSession {
            token_hash: hash.into(),
            user_id,
            csrf: format!("csrf-{hash}"),
            created_at: at(0),
            expires_at: at(expires),
        };
        for s in [
            session("ada-1", ada.id, 100),
            session("ada-2", ada.id, 200),
            session("ada-old", ada.id, 10),
            session("bob-1", bob.id, 100),
        ] {
            store.insert_session(&s).await.unwrap();
        }
        let clash = store.insert_session(&session("ada-1", bob.id, 100)).await;
        assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");

        // Read with its user, expired or not: the domain decides.
        let (user, found) = store.session_by_token_hash("ada-1").await.unwrap().unwrap();
        assert_eq!(user.username, "ada");
        assert_eq!(found, session("ada-1", ada.id, 100));
        assert!(store.session_by_token_hash("ada-old").await.unwrap().is_some());
        assert!(store.session_by_token_hash("nobody").await.unwrap().is_none());

        // Expiry: a session dies at its expiry second.
        assert_eq!(store.delete_expired_sessions(at(9)).await.unwrap(), 0);
        assert_eq!(store.delete_expired_sessions(at(10)).await.unwrap(), 1);
        assert!(store.session_by_token_hash("ada-old").await.unwrap().is_none());

        // One by token, idempotently.
        assert!(store.delete_session("ada-2").await.unwrap());
        assert!(!store.delete_session("ada-2").await.unwrap());

        // All of a user's, leaving others'.
        store.insert_session(&session("ada-3", ada.id, 300)).await.unwrap();
        assert_eq!(store.delete_sessions_of(ada.id).await.unwrap(), 2);
        assert!(store.session_by_token_hash("ada-1").await.unwrap().is_none());
        assert!(store.session_by_token_hash("bob-1").await.unwrap().is_some());
    }

    async fn passwords_and_deactivation_are_kept_apart_from_the_user_record(store) {
        let org = store.ensure_default_organization("org").await.unwrap();
        let ada = store.create_user(person("ada"), org).await.unwrap();
        assert!(ada.is_active());
        assert_eq!(store.password_hash(ada.id).await.unwrap(), None);
        assert!(store.set_password_hash(ada.id, Some("$argon2id$stand-in")).await.unwrap());
        assert_eq!(store.password_hash(ada.id).await.unwrap().as_deref(), Some("$argon2id$stand-in"));
        assert!(store.set_password_hash(ada.id, None).await.unwrap());
        assert_eq!(store.password_hash(ada.id).await.unwrap(), None);
        assert!(!store.set_password_hash(9_999, Some("x")).await.unwrap());

        let first = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let off = store.set_deactivated(ada.id, Some(first)).await.unwrap().unwrap();
        assert_eq!(off.deactivated_at, Some(first));
        // Deactivating again keeps the first date; every lookup sees it.
        let later = first + time::Duration::days(1);
        store.set_deactivated(ada.id, Some(later)).await.unwrap();
        let seen = store.user_by_username("ada").await.unwrap().unwrap();
        assert_eq!(seen.deactivated_at, Some(first));
        let on = store.set_deactivated(ada.id, None).await.unwrap().unwrap();
        assert!(on.is_active());
        assert!(store.set_deactivated(9_999, None).await.unwrap().is_none());
    }

    async fn a_secret_is_created_once(store) {
        let first = store.secret_or_insert("k", vec![1, 2, 3]).await.unwrap();
        let second = store.secret_or_insert("k", vec![9, 9, 9]).await.unwrap();
        assert_eq!(first, vec![1, 2, 3]);
        assert_eq!(second, first);
    }
}

async fn project_of_ada(store: &Arc<dyn Store>) -> (i64, cairn_core::model::UserId) {
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
    (project.id, ada.id)
}

fn new_sweep(project_id: i64, creator: cairn_core::model::UserId, cap: Option<i64>) -> NewSweep {
    NewSweep {
        project_id,
        name: "sw1".into(),
        display_name: None,
        description: None,
        method: "grid".into(),
        state: SweepState::Running,
        config: "method: grid".into(),
        metric_path: Some("summary_metrics.loss".into()),
        maximize: false,
        expected_runs: cap,
        created_by: creator,
    }
}

fn assignment(sweep_id: i64, agent_id: i64, n: usize, grid_index: Option<i64>) -> Assignment {
    Assignment {
        sweep_id,
        run_name: format!("run{n}"),
        agent_id,
        params: "{}".into(),
        grid_index,
    }
}
