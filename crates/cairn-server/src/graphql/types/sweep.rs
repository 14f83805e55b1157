//! `Sweep` and `Agent`: W&B's hyperparameter search and the agents that run
//! it, under W&B's field names.
//!
//! A sweep's runs are ordinary runs whose `sweepName` is the sweep's name,
//! so `Sweep.runs` is the project's run search with that filter added (the
//! same search `api.runs(path, filters={"sweep": id})` uses). Fields the
//! official client selects but Cairn has no use for (`controller`,
//! `scheduler`, `earlyStopJobRunning`) answer what W&B answers for a sweep
//! run by its own server-side controller.

use async_graphql::{Context, ID, Object, SimpleObject};
use cairn_core::authz::Readable;
use cairn_core::model::Project;
use cairn_core::run::RunQuery;
use cairn_core::sweep::records::{Sweep, SweepAgent};
use serde_json::json;

use crate::error::GqlResultExt;
use crate::graphql::scalars::{DateTime, JsonString};
use crate::graphql::types::page::{PageInfo, cursor};
use crate::graphql::types::project::{ProjectObject, run_connection};
use crate::graphql::types::run::RunConnection;
use crate::graphql::{cairn, ids};

/// One sweep.
pub struct SweepObject {
    /// The sweep.
    pub sweep: Readable<Sweep>,
    /// Its project.
    pub project: Readable<Project>,
}

#[Object(name = "Sweep")]
impl SweepObject {
    /// `base64("Sweep:<n>")`; `upsertSweep(id:)` takes it back.
    async fn id(&self) -> ID {
        ids::encode("Sweep", self.sweep.id)
    }

    /// The sweep id (`ab12cd34`), unique in its project.
    async fn name(&self) -> &str {
        &self.sweep.name
    }

    /// The name shown for it.
    async fn display_name(&self) -> Option<&str> {
        self.sweep.display_name.as_deref()
    }

    /// Search method: `grid`, `random`, `bayes`.
    async fn method(&self) -> &str {
        &self.sweep.method
    }

    /// `RUNNING`, `PAUSED`, `FINISHED` or `CANCELED`.
    async fn state(&self) -> &str {
        self.sweep.state.as_str()
    }

    /// Free text.
    async fn description(&self) -> Option<&str> {
        self.sweep.description.as_deref()
    }

    /// The best value of the sweep's metric among its runs so far.
    async fn best_loss(&self) -> Option<f64> {
        self.sweep.best_loss
    }

    /// The configuration, as sent (YAML; JSON is YAML too).
    async fn config(&self) -> &str {
        &self.sweep.config
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.sweep.created_at)
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.sweep.updated_at)
    }

    /// The latest heartbeat of any of its agents.
    async fn heartbeat_at(&self) -> Option<DateTime> {
        self.sweep.heartbeat_at.map(DateTime)
    }

    /// Runs that belong to it.
    async fn run_count(&self) -> i64 {
        self.sweep.run_count
    }

    /// Runs it will start in all (run cap, grid size), when bounded.
    async fn run_count_expected(&self) -> Option<i64> {
        self.sweep.expected_runs
    }

    /// Always false: early termination runs inside the controller.
    async fn early_stop_job_running(&self) -> bool {
        false
    }

    /// The controller's own state: the server's controller keeps none
    /// outside the database.
    async fn controller(&self) -> Option<JsonString> {
        None
    }

    /// A launch scheduler's settings: none.
    async fn scheduler(&self) -> Option<JsonString> {
        None
    }

    /// The project its runs go to.
    async fn project(&self) -> ProjectObject {
        ProjectObject(self.project.clone())
    }

    /// Its runs, as `Project.runs` with the sweep added to the filter.
    async fn runs(
        &self,
        ctx: &Context<'_>,
        filters: Option<JsonString>,
        order: Option<String>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<RunConnection> {
        let mut scope = vec![json!({"sweep": self.sweep.name})];
        if let Some(filters) = filters {
            let extra: serde_json::Value = serde_json::from_str(&filters.0)
                .map_err(|e| async_graphql::Error::new(format!("filters: not JSON: {e}")))?;
            scope.push(extra);
        }
        let query = RunQuery {
            filters: Some(json!({ "$and": scope }).to_string()),
            order: order.filter(|o| !o.is_empty()),
            include_sweeps: true,
        };
        run_connection(ctx, &self.project, &query, after, first).await
    }

    /// Its agents, oldest first.
    async fn agents(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<AgentConnection> {
        let _ = (first, after);
        let agents = cairn(ctx).sweep_agents(&self.sweep).await.gql()?;
        Ok(AgentConnection {
            page_info: PageInfo::default(),
            edges: agents
                .into_iter()
                .map(|agent| AgentEdge {
                    cursor: cursor(agent.id),
                    node: self.agent_object(agent),
                })
                .collect(),
        })
    }

    /// One of its agents, by name.
    async fn agent(
        &self,
        ctx: &Context<'_>,
        agent_name: String,
    ) -> async_graphql::Result<Option<AgentObject>> {
        let agent = cairn(ctx)
            .sweep_agent(&self.sweep, &agent_name)
            .await
            .gql()?;
        Ok(agent.map(|a| self.agent_object(a)))
    }
}

impl SweepObject {
    fn agent_object(&self, agent: SweepAgent) -> AgentObject {
        AgentObject {
            agent,
            sweep: self.sweep.clone(),
            project: self.project.clone(),
        }
    }
}

/// A sweep agent.
pub struct AgentObject {
    /// The agent.
    pub agent: SweepAgent,
    /// Its sweep.
    pub sweep: Readable<Sweep>,
    /// The sweep's project.
    pub project: Readable<Project>,
}

#[Object(name = "Agent")]
impl AgentObject {
    /// `base64("Agent:<n>")`; heartbeats send it back.
    async fn id(&self) -> ID {
        ids::encode("Agent", self.agent.id)
    }

    /// Short id, unique in the sweep.
    async fn name(&self) -> &str {
        &self.agent.name
    }

    /// The machine it runs on.
    async fn host(&self) -> &str {
        &self.agent.host
    }

    /// `RUNNING`, or `FINISHED` once told to exit.
    async fn state(&self) -> &str {
        &self.agent.state
    }

    /// Runs it was handed.
    async fn total_runs(&self) -> i64 {
        self.agent.total_runs
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.agent.created_at)
    }

    async fn heartbeat_at(&self) -> DateTime {
        DateTime(self.agent.heartbeat_at)
    }

    /// Always false: agents here live as long as their process.
    async fn persistent(&self) -> bool {
        false
    }

    /// The runs it was handed, as `Project.runs`.
    #[allow(clippy::too_many_arguments)]
    async fn runs(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        order: Option<String>,
    ) -> async_graphql::Result<RunConnection> {
        let _ = (before, last);
        let names = cairn(ctx)
            .agent_run_names(&self.sweep, &self.agent)
            .await
            .gql()?;
        let query = RunQuery {
            filters: Some(
                json!({"$and": [{"sweep": self.sweep.name}, {"name": {"$in": names}}]}).to_string(),
            ),
            order: order.filter(|o| !o.is_empty()),
            include_sweeps: true,
        };
        run_connection(ctx, &self.project, &query, after, first).await
    }
}

/// A page of sweeps.
#[derive(SimpleObject, Default)]
pub struct SweepConnection {
    /// The sweeps.
    pub edges: Vec<SweepEdge>,
    /// Where the page ends.
    pub page_info: PageInfo,
}

/// One sweep of a page.
#[derive(SimpleObject)]
pub struct SweepEdge {
    /// The sweep.
    pub node: SweepObject,
    /// Its cursor.
    pub cursor: String,
}

/// A sweep's agents.
#[derive(SimpleObject, Default)]
pub struct AgentConnection {
    /// The agents.
    pub edges: Vec<AgentEdge>,
    /// Always one page.
    pub page_info: PageInfo,
}

/// One agent of a sweep.
#[derive(SimpleObject)]
pub struct AgentEdge {
    /// The agent.
    pub node: AgentObject,
    /// Its cursor.
    pub cursor: String,
}
