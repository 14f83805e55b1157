//! Run search on a small schema in memory: a fixture of runs with one
//! property each worth searching for, and helpers that run a search's page
//! and count statements and compare the runs found. The filters' own
//! messages are tested where they are made (`cairn_core::filter`).

mod filters;
mod order;

use cairn_core::run::{RunQuery, RunSearch};
use serde_json::{Map, Value, json};
use sqlx::sqlite::{SqlitePoolOptions, SqliteRow};
use sqlx::{Row, SqlitePool};

use super::{count_sql, page_sql};
use crate::filter::cursor::cursor_of;
use crate::filter::{Sql, bind_each};

const SCHEMA: &str = "
    CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, name TEXT NOT NULL,
        display_name TEXT, description TEXT, notes TEXT, group_name TEXT, job_type TEXT,
        state TEXT NOT NULL DEFAULT 'running', host TEXT, program TEXT, commit_hash TEXT,
        repo TEXT, sweep_name TEXT, user_id INTEGER REFERENCES users(id),
        config TEXT NOT NULL DEFAULT '{}', summary TEXT NOT NULL DEFAULT '{}',
        system_metrics TEXT NOT NULL DEFAULT '{}', tags TEXT NOT NULL DEFAULT '[]',
        history_line_count INTEGER NOT NULL DEFAULT 0,
        events_line_count INTEGER NOT NULL DEFAULT 0,
        log_line_count INTEGER NOT NULL DEFAULT 0,
        last_step INTEGER, exitcode INTEGER, stop_requested INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL,
        UNIQUE (project_id, name)
    );
    -- The index the default order walks, as migration 0002 makes it.
    CREATE INDEX runs_by_created ON runs(project_id, created_at, id);
    CREATE TABLE run_fields (
        run_id INTEGER NOT NULL, path TEXT NOT NULL, project_id INTEGER NOT NULL, val,
        PRIMARY KEY (run_id, path)
    ) WITHOUT ROWID;
    CREATE INDEX run_fields_by_value ON run_fields(project_id, path, val);
    INSERT INTO users (id, username) VALUES (1, 'alice'), (2, 'bob');";

/// 2024-05-01T00:00:00Z, in UNIX seconds.
const T0: i64 = 1_714_521_600;

/// A run to insert. `config` holds plain values, stored the W&B way
/// (`{"lr": {"value": 0.1}}`) unless `raw_config` is given; `summary`
/// and `system_metrics` are stored as written.
#[derive(Default)]
struct Seed<'a> {
    /// 0 means project 1.
    project: i64,
    name: &'a str,
    display_name: Option<&'a str>,
    state: &'a str,
    config: Value,
    raw_config: Option<&'a str>,
    summary: &'a str,
    system_metrics: &'a str,
    tags: &'a [&'a str],
    created_minute: i64,
    seconds: i64,
    sweep: Option<&'a str>,
    user: Option<i64>,
    group: Option<&'a str>,
    job_type: Option<&'a str>,
    host: Option<&'a str>,
    notes: Option<&'a str>,
    description: Option<&'a str>,
}

fn wandb_config(plain: &Value) -> String {
    let mut doc = Map::new();
    doc.insert("_wandb".into(), json!({"value": {"cli_version": "0.19.0"}}));
    for (key, value) in plain.as_object().into_iter().flatten() {
        doc.insert(key.clone(), json!({"value": value, "desc": null}));
    }
    Value::Object(doc).to_string()
}

fn or<'a>(text: &'a str, default: &'a str) -> &'a str {
    if text.is_empty() { default } else { text }
}

async fn insert(pool: &SqlitePool, seed: Seed<'_>) {
    let created = (T0 + seed.created_minute * 60) * 1000;
    let heartbeat = created + seed.seconds * 1000;
    let config = match seed.raw_config {
        Some(raw) => raw.to_owned(),
        None => wandb_config(&seed.config),
    };
    sqlx::query(
        "INSERT INTO runs (project_id, name, display_name, state, config, summary, \
         system_metrics, tags, sweep_name, user_id, group_name, job_type, host, notes, \
         description, created_at, updated_at, heartbeat_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(if seed.project == 0 { 1 } else { seed.project })
    .bind(seed.name)
    .bind(seed.display_name)
    .bind(or(seed.state, "finished"))
    .bind(&config)
    .bind(or(seed.summary, "{}"))
    .bind(or(seed.system_metrics, "{}"))
    .bind(json!(seed.tags).to_string())
    .bind(seed.sweep)
    .bind(seed.user)
    .bind(seed.group)
    .bind(seed.job_type)
    .bind(seed.host)
    .bind(seed.notes)
    .bind(seed.description)
    .bind(created)
    .bind(heartbeat)
    .bind(heartbeat)
    .execute(pool)
    .await
    .unwrap();
    index_fields(pool, seed.name, &config, or(seed.summary, "{}")).await;
}

/// Fill `run_fields` for a run the way the store does.
async fn index_fields(pool: &SqlitePool, name: &str, config: &str, summary: &str) {
    use crate::runs::fields::{Leaf, Source, leaves};
    let (id, project): (i64, i64) =
        sqlx::query_as("SELECT id, project_id FROM runs WHERE name = ? ORDER BY id DESC")
            .bind(name)
            .fetch_one(pool)
            .await
            .unwrap();
    let all = leaves(Source::Config, config)
        .into_iter()
        .chain(leaves(Source::Summary, summary));
    for (path, leaf) in all {
        let query = sqlx::query("INSERT INTO run_fields VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(path)
            .bind(project);
        let query = match leaf {
            Leaf::Null => query.bind(None::<i64>),
            Leaf::Bool(b) => query.bind(vec![u8::from(b)]),
            Leaf::Int(i) => query.bind(i),
            Leaf::Real(f) => query.bind(f),
            Leaf::Text(t) => query.bind(t),
        };
        query.execute(pool).await.unwrap();
    }
}

/// Project 1: nine runs with one property each worth searching for (ids
/// follow this order; creation order is beta, delta, alpha, zeta,
/// epsilon, eta, gamma, theta, iota). Project 2: one more. Project 3:
/// twenty plain runs with ties, for paging.
async fn fixture() -> SqlitePool {
    // As the store opens its pool: `$regex` may compile to REGEXP.
    let options: sqlx::sqlite::SqliteConnectOptions = "sqlite::memory:".parse().unwrap();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options.with_regexp())
        .await
        .unwrap();
    sqlx::raw_sql(SCHEMA).execute(&pool).await.unwrap();
    let hour = 60;
    let seeds = [
        Seed {
            name: "alpha",
            display_name: Some("Alpha"),
            config: json!({"lr": 0.1, "batch": 32, "model": {"layers": 4, "act": "relu"},
                           "opt": "adam", "use_bn": true}),
            summary: r#"{"loss": 0.5, "acc": {"top1": 0.9}, "_step": 100}"#,
            system_metrics: r#"{"cpu": 12.5}"#,
            tags: &["baseline", "gpu"],
            created_minute: 3 * hour,
            seconds: 3600,
            user: Some(1),
            group: Some("g1"),
            job_type: Some("train"),
            host: Some("node-1"),
            ..Seed::default()
        },
        Seed {
            name: "beta",
            display_name: Some("Beta"),
            state: "running",
            config: json!({"lr": 0.01, "batch": 64, "model": {"layers": 8, "act": "gelu"},
                           "opt": "sgd", "use_bn": false}),
            summary: r#"{"loss": 0.25, "acc": {"top1": 0.95}}"#,
            system_metrics: r#"{"cpu": 80}"#,
            tags: &["gpu"],
            created_minute: hour,
            seconds: 120,
            user: Some(2),
            group: Some("g1"),
            job_type: Some("eval"),
            ..Seed::default()
        },
        Seed {
            name: "gamma",
            display_name: Some("Gamma ray"),
            state: "crashed",
            config: json!({"lr": "0.1", "batch": 32}),
            summary: r#"{"loss": "diverged"}"#,
            created_minute: 7 * hour,
            seconds: 10,
            group: Some("g2"),
            notes: Some("exploded at step 3"),
            ..Seed::default()
        },
        Seed {
            name: "delta",
            state: "failed",
            config: json!({"lr": null, "model": {"act": "relu", "layers": 4}}),
            tags: &["debug"],
            created_minute: 2 * hour,
            seconds: 60,
            description: Some("first try"),
            ..Seed::default()
        },
        Seed {
            name: "epsilon",
            display_name: Some("eps.test"),
            config: json!({"lr": 0.001, "lr_schedule": [1, 2, 3],
                           "model": {"act": "relu", "layers": 4}}),
            summary: r#"{"loss": 0.5, "acc": {"top1": 0.8}}"#,
            tags: &["baseline"],
            created_minute: 5 * hour,
            seconds: 600,
            host: Some("node-2"),
            ..Seed::default()
        },
        Seed {
            name: "zeta",
            display_name: Some("Zeta"),
            config: json!({"lr": 0.05}),
            summary: r#"{"loss": 0.1}"#,
            tags: &["sweep"],
            created_minute: 4 * hour,
            seconds: 30,
            sweep: Some("sw1"),
            ..Seed::default()
        },
        Seed {
            name: "eta",
            display_name: Some("ETA caps"),
            config: json!({"lr": 1}),
            summary: r#"{"loss": 2, "flag": true}"#,
            tags: &["a*b", "gpu"],
            created_minute: 6 * hour,
            seconds: 90,
            ..Seed::default()
        },
        Seed {
            name: "theta",
            display_name: Some("Theta"),
            config: json!({"lr": 0.1}),
            summary: r#"{"loss": Infinity, "acc": {"top1": NaN}}"#,
            created_minute: 8 * hour,
            seconds: 45,
            ..Seed::default()
        },
        Seed {
            name: "iota",
            display_name: Some("Iota"),
            state: "running",
            raw_config: Some(r#"{"lr": {"value": 0.1}"#),
            summary: r#"{"loss": 0.3,"#,
            created_minute: 9 * hour,
            seconds: 5,
            ..Seed::default()
        },
        Seed {
            project: 2,
            name: "kappa",
            display_name: Some("Kappa"),
            config: json!({"lr": 0.1}),
            summary: r#"{"loss": 0.5}"#,
            ..Seed::default()
        },
    ];
    for seed in seeds {
        insert(&pool, seed).await;
    }
    insert_fillers(&pool).await;
    pool
}

/// Project 3: f00…f19, inserted last first (so ids fall as names rise),
/// created in pairs at the same minute, with repeated losses, display
/// names and durations, some missing, and one loss that is text.
async fn insert_fillers(pool: &SqlitePool) {
    for i in (0..20_i64).rev() {
        let name = format!("f{i:02}");
        let display_name = format!("filler {}", i % 4);
        let loss = match i {
            _ if i % 5 == 0 => json!({}),
            7 => json!({"loss": "n/a"}),
            _ => json!({"loss": ((i * 3) % 7) as f64 / 2.0}),
        };
        let summary = loss.to_string();
        let lr = [json!(0.1), json!(0.01), json!("high"), Value::Null][(i % 4) as usize].clone();
        insert(
            pool,
            Seed {
                project: 3,
                name: &name,
                display_name: (i % 3 != 0).then_some(display_name.as_str()),
                state: ["finished", "running", "crashed"][(i % 3) as usize],
                config: json!({"i": i, "lr": lr}),
                summary: &summary,
                created_minute: 600 + i / 2,
                seconds: (i % 4) * 30,
                ..Seed::default()
            },
        )
        .await;
    }
}

fn search(filters: &Value, order: &str) -> RunSearch {
    let query = RunQuery {
        filters: Some(filters.to_string()),
        order: Some(order.to_owned()),
        include_sweeps: false,
    };
    RunSearch::parse(&query).unwrap_or_else(|e| panic!("{filters} {order}: {e}"))
}

/// The names of the runs in project 1 (no sweeps) matching `filters`, in
/// `order`; also checks that `count_sql` agrees.
async fn names(pool: &SqlitePool, filters: Value, order: &str) -> Vec<String> {
    search_names(pool, 1, &search(&filters, order)).await
}

async fn search_names(pool: &SqlitePool, project: i64, search: &RunSearch) -> Vec<String> {
    let page = page_sql(project, search, "r.name", None, 10_000).unwrap();
    let rows = fetch(pool, &page).await;
    let names: Vec<String> = rows.iter().map(|row| row.get("name")).collect();
    let count = count_sql(project, search).unwrap();
    let counted: i64 = fetch(pool, &count).await[0].get(0);
    assert_eq!(counted as usize, names.len(), "count of {search:?}");
    names
}

async fn fetch(pool: &SqlitePool, sql: &Sql) -> Vec<SqliteRow> {
    assert_eq!(sql.text.matches('?').count(), sql.binds.len(), "{sql:?}");
    bind_each!(sqlx::query(&sql.text), &sql.binds)
        .fetch_all(pool)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql:?}"))
}

/// Every page of `search`, `page` runs at a time, following cursors.
async fn walk(pool: &SqlitePool, project: i64, search: &RunSearch, page: i64) -> Vec<String> {
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sql = page_sql(project, search, "r.name", cursor.as_deref(), page).unwrap();
        let rows = fetch(pool, &sql).await;
        names.extend(rows.iter().map(|row| row.get::<String, _>("name")));
        match rows.last() {
            Some(last) if rows.len() as i64 == page => cursor = Some(cursor_of(last).unwrap()),
            _ => return names,
        }
        assert!(names.len() < 1000, "paging does not end: {names:?}");
    }
}

/// Project 1 without the sweep run, oldest first.
const ALL: &str = "beta delta alpha epsilon eta gamma theta iota";

/// A table of cases, one a line: `given => expected`. Blank lines and
/// lines starting with `#` are skipped; `(all)` stands for [`ALL`] and
/// `(none)` for no runs.
fn table(cases: &str) -> Vec<(&str, String)> {
    let rows = cases.lines().map(str::trim);
    rows.filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (given, expected) = line
                .split_once(" => ")
                .unwrap_or_else(|| panic!("no ` => ` in {line:?}"));
            let expected = match expected.trim() {
                "(all)" => ALL.to_owned(),
                "(none)" => String::new(),
                names => names.to_owned(),
            };
            (given.trim(), expected)
        })
        .collect()
}

fn parse(filter: &str) -> Value {
    serde_json::from_str(filter).unwrap_or_else(|e| panic!("{filter}: {e}"))
}

/// Each filter of the table finds the runs named, oldest first.
async fn expect_filters(cases: &str) {
    let pool = fixture().await;
    for (filter, expected) in table(cases) {
        let found = names(&pool, parse(filter), "").await;
        assert_eq!(found.join(" "), expected, "filter {filter}");
    }
}

/// Each order of the table lists the runs named.
async fn expect_orders(cases: &str) {
    let pool = fixture().await;
    for (order, expected) in table(cases) {
        let found = names(&pool, json!({}), order).await;
        assert_eq!(found.join(" "), expected, "order {order}");
    }
}
