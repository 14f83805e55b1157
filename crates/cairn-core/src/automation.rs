//! Automations (W&B's "triggers"): when an event happens in a scope and
//! passes the trigger's filter, do an action. The words are W&B's, because
//! the official client sends and reads them verbatim:
//!
//! - a **scope**: a project (a registry is a project), an artifact
//!   collection, or a team entity;
//! - an **event** ([`EventType`]) and its **filter**, stored as the JSON
//!   text the client sent. Artifact events filter the event's labels
//!   (`alias`, `tag`) with the MongoDB-style language of searches, parsed
//!   by the one filter parser against [`filter::ARTIFACT_EVENTS`]; run
//!   events carry a run filter (the run search's language, [`filter::RUNS`])
//!   and a metric or state condition ([`RunCondition`]);
//! - an **action** ([`Action`]): POST to a webhook integration, send a
//!   notification through one, or nothing (a no-op records the event).
//!
//! Everything here is pure: the rules a trigger must satisfy to be saved.
//! Who may save one and where it applies is `service/automations.rs`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::error::{CoreError, CoreResult};
use crate::filter::{self, Cmp, Filter};

/// Longest automation name.
pub const MAX_NAME_CHARS: usize = 255;
/// Longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 4096;
/// Longest event filter, in bytes.
pub const MAX_FILTER_BYTES: usize = 64 * 1024;
/// Longest webhook payload template, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// Longest notification title.
pub const MAX_TITLE_CHARS: usize = 255;
/// Longest notification message.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Largest metric window (rows a condition looks back over).
pub const MAX_WINDOW: u32 = 100;

/// What a trigger watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopeKind {
    /// A project (registries included).
    Project,
    /// An artifact collection (sequence or portfolio).
    ArtifactCollection,
    /// A team.
    Entity,
}

impl ScopeKind {
    /// W&B's `TriggerScopeType` name.
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Project => "PROJECT",
            ScopeKind::ArtifactCollection => "ARTIFACT_COLLECTION",
            ScopeKind::Entity => "ENTITY",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> CoreResult<ScopeKind> {
        Ok(match name {
            "PROJECT" => ScopeKind::Project,
            "ARTIFACT_COLLECTION" => ScopeKind::ArtifactCollection,
            "ENTITY" => ScopeKind::Entity,
            other => {
                return Err(CoreError::InvalidInput(format!(
                    "scopeType {other:?} is not PROJECT, ARTIFACT_COLLECTION or ENTITY."
                )));
            }
        })
    }
}

/// The scope of a trigger: its kind and the row id of the project,
/// collection or entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scope {
    /// What it is.
    pub kind: ScopeKind,
    /// Which one.
    pub id: i64,
}

/// W&B's `EventTriggeringConditionType`s that Cairn raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// A version is linked into a collection (`OnLinkArtifact`).
    LinkModel,
    /// A version is unlinked from a collection.
    UnlinkArtifact,
    /// A version is committed (`OnCreateArtifact`).
    CreateArtifact,
    /// An alias is added to a version.
    AddArtifactAlias,
    /// A tag is added to a version.
    AddArtifactTag,
    /// A tag is removed from a version.
    RemoveArtifactTag,
    /// A tag is added to a collection.
    AddCollectionTag,
    /// A tag is removed from a collection.
    RemoveCollectionTag,
    /// A run's metric passes a threshold.
    RunMetric,
    /// A run's metric changes by an amount.
    RunMetricChange,
    /// A run's metric moves a number of standard deviations.
    RunMetricZscore,
    /// A run reaches a state.
    RunState,
    /// A run sent an alert (`run.alert`); Cairn's own, not an automation
    /// event: it goes to the user's alert integration.
    RunAlert,
}

impl EventType {
    /// Every event type an automation may watch, in W&B's order.
    pub const ALL: [EventType; 12] = [
        EventType::LinkModel,
        EventType::UnlinkArtifact,
        EventType::CreateArtifact,
        EventType::AddArtifactAlias,
        EventType::AddArtifactTag,
        EventType::RemoveArtifactTag,
        EventType::AddCollectionTag,
        EventType::RemoveCollectionTag,
        EventType::RunMetric,
        EventType::RunMetricChange,
        EventType::RunMetricZscore,
        EventType::RunState,
    ];

    /// W&B's name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::LinkModel => "LINK_MODEL",
            EventType::UnlinkArtifact => "UNLINK_ARTIFACT",
            EventType::CreateArtifact => "CREATE_ARTIFACT",
            EventType::AddArtifactAlias => "ADD_ARTIFACT_ALIAS",
            EventType::AddArtifactTag => "ADD_ARTIFACT_TAG",
            EventType::RemoveArtifactTag => "REMOVE_ARTIFACT_TAG",
            EventType::AddCollectionTag => "ADD_COLLECTION_TAG",
            EventType::RemoveCollectionTag => "REMOVE_COLLECTION_TAG",
            EventType::RunMetric => "RUN_METRIC",
            EventType::RunMetricChange => "RUN_METRIC_CHANGE",
            EventType::RunMetricZscore => "RUN_METRIC_ZSCORE",
            EventType::RunState => "RUN_STATE",
            EventType::RunAlert => "RUN_ALERT",
        }
    }

    /// The event type of a stored event (the automation events and
    /// `RUN_ALERT`).
    pub fn from_stored(name: &str) -> Option<EventType> {
        if name == "RUN_ALERT" {
            return Some(EventType::RunAlert);
        }
        EventType::parse(name).ok()
    }

    /// The event named `name`.
    pub fn parse(name: &str) -> CoreResult<EventType> {
        EventType::ALL
            .into_iter()
            .find(|e| e.as_str() == name)
            .ok_or_else(|| {
                CoreError::InvalidInput(format!(
                    "triggeringEventType {name:?} is not one this server raises; it raises {}.",
                    EventType::ALL.map(EventType::as_str).join(", ")
                ))
            })
    }

    /// Whether this is a run event (its filter is a run filter and a
    /// condition) rather than an artifact event (a label filter).
    pub fn is_run_event(self) -> bool {
        matches!(
            self,
            EventType::RunMetric
                | EventType::RunMetricChange
                | EventType::RunMetricZscore
                | EventType::RunState
        )
    }

    /// Whether a trigger of this event may watch `scope`, as the client
    /// allows: versions are created in collections only; runs live in
    /// projects (and teams); the other artifact events anywhere.
    pub fn check_scope(self, scope: ScopeKind) -> CoreResult<()> {
        let allowed = match self {
            EventType::CreateArtifact => scope == ScopeKind::ArtifactCollection,
            e if e.is_run_event() => scope != ScopeKind::ArtifactCollection,
            _ => true,
        };
        if allowed {
            Ok(())
        } else {
            Err(CoreError::InvalidInput(format!(
                "A {} automation cannot have a {} scope.",
                self.as_str(),
                scope.as_str()
            )))
        }
    }
}

/// A notification's level (W&B's `AlertSeverity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Informational.
    Info,
    /// A warning.
    Warn,
    /// An error.
    Error,
}

impl Severity {
    /// W&B's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warn => "WARN",
            Severity::Error => "ERROR",
        }
    }

    /// The level named `name` (any case).
    pub fn parse(name: &str) -> CoreResult<Severity> {
        Ok(match name.to_ascii_uppercase().as_str() {
            "INFO" => Severity::Info,
            "WARN" | "WARNING" => Severity::Warn,
            "ERROR" => Severity::Error,
            _ => {
                return Err(CoreError::InvalidInput(format!(
                    "severity {name:?} is not INFO, WARN or ERROR."
                )));
            }
        })
    }
}

/// What a trigger does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// POST the payload (a JSON object template; `${…}` variables are
    /// filled in) to a generic webhook integration.
    Webhook {
        /// The integration.
        integration_id: i64,
        /// The payload template, JSON object text; `None` sends the event.
        payload: Option<String>,
    },
    /// Send a notification through a Slack integration.
    Notification {
        /// The integration.
        integration_id: i64,
        /// Its title.
        title: String,
        /// Its text.
        message: String,
        /// Its level.
        severity: Severity,
    },
    /// Do nothing (the event is still recorded in the delivery log).
    NoOp,
}

impl Action {
    /// W&B's `TriggeredActionType` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Action::Webhook { .. } => "GENERIC_WEBHOOK",
            Action::Notification { .. } => "NOTIFICATION",
            Action::NoOp => "NO_OP",
        }
    }

    /// The integration it uses, if any.
    pub fn integration_id(&self) -> Option<i64> {
        match self {
            Action::Webhook { integration_id, .. }
            | Action::Notification { integration_id, .. } => Some(*integration_id),
            Action::NoOp => None,
        }
    }

    /// Check the parts the client sends as text.
    pub fn check(&self) -> CoreResult<()> {
        match self {
            Action::Webhook {
                payload: Some(payload),
                ..
            } => {
                if payload.len() > MAX_PAYLOAD_BYTES {
                    return Err(CoreError::InvalidInput(format!(
                        "requestPayload is longer than {MAX_PAYLOAD_BYTES} bytes."
                    )));
                }
                match serde_json::from_str::<Value>(payload) {
                    Ok(Value::Object(_)) => Ok(()),
                    _ => Err(CoreError::InvalidInput(
                        "requestPayload must be the text of a JSON object.".into(),
                    )),
                }
            }
            Action::Notification { title, message, .. } => {
                if title.chars().count() > MAX_TITLE_CHARS {
                    return Err(CoreError::InvalidInput(format!(
                        "The notification title is longer than {MAX_TITLE_CHARS} characters."
                    )));
                }
                if message.chars().count() > MAX_MESSAGE_CHARS {
                    return Err(CoreError::InvalidInput(format!(
                        "The notification message is longer than {MAX_MESSAGE_CHARS} characters."
                    )));
                }
                Ok(())
            }
            Action::Webhook { payload: None, .. } | Action::NoOp => Ok(()),
        }
    }
}

/// A trigger to save (create, or replace by id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerSpec {
    /// Unique within the entity.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Whether it acts.
    pub enabled: bool,
    /// What it watches.
    pub scope: Scope,
    /// The event.
    pub event: EventType,
    /// The event filter, as the client sent it (checked by
    /// [`EventFilter::parse`]).
    pub filter: String,
    /// What it does.
    pub action: Action,
}

impl TriggerSpec {
    /// Check everything that needs no storage; the name is trimmed.
    pub fn check(mut self) -> CoreResult<TriggerSpec> {
        self.name = self.name.trim().to_string();
        if self.name.is_empty() {
            return Err(CoreError::InvalidInput(
                "An automation needs a name.".into(),
            ));
        }
        if self.name.chars().count() > MAX_NAME_CHARS {
            return Err(CoreError::InvalidInput(format!(
                "The automation name is longer than {MAX_NAME_CHARS} characters."
            )));
        }
        if self
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
        {
            return Err(CoreError::InvalidInput(format!(
                "The automation description is longer than {MAX_DESCRIPTION_CHARS} characters."
            )));
        }
        self.event.check_scope(self.scope.kind)?;
        EventFilter::parse(self.event, &self.filter)?;
        self.action.check()?;
        Ok(self)
    }
}

/// A saved trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    /// Row id.
    pub id: i64,
    /// The entity it belongs to (its scope's).
    pub entity_id: i64,
    /// The project its scope is in; `None` for a team scope.
    pub project_id: Option<i64>,
    /// What it is.
    pub spec: TriggerSpec,
    /// Who made it.
    pub created_by: Option<i64>,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

impl Trigger {
    /// The filter as W&B's server returns it: artifact events' filters
    /// wrapped as `{"filter": …}`, run events' as stored. The client reads
    /// an unwrapped artifact filter as "no filter" and would save that back.
    pub fn saved_filter(&self) -> String {
        if self.spec.event.is_run_event() {
            return self.spec.filter.clone();
        }
        let inner: Value = serde_json::from_str(&self.spec.filter).unwrap_or(Value::Null);
        serde_json::json!({ "filter": inner }).to_string()
    }
}

/// A checked event filter.
#[derive(Debug, Clone, PartialEq)]
pub enum EventFilter {
    /// An artifact event's filter on its labels.
    Labels(Filter),
    /// A run event's filter: which runs, and what must happen.
    Run {
        /// Which runs (`None`: all).
        runs: Option<Filter>,
        /// What must happen.
        condition: RunCondition,
    },
}

/// What must happen to a run.
#[derive(Debug, Clone, PartialEq)]
pub enum RunCondition {
    /// The metric (aggregated over the last `window` values) compares so
    /// with the threshold.
    Threshold {
        /// The metric.
        metric: String,
        /// How the window is combined; `None`: the last value.
        agg: Option<Agg>,
        /// How many values.
        window: u32,
        /// The comparison (`$gt`, `$gte`, `$lt`, `$lte`).
        cmp: Cmp,
        /// The threshold.
        threshold: f64,
    },
    /// The metric (aggregated over the last `current` values) differs from
    /// the `prior` values before them by at least `amount`.
    Change {
        /// The metric.
        metric: String,
        /// How each window is combined; `None`: the last value.
        agg: Option<Agg>,
        /// The recent window.
        current: u32,
        /// The window before it.
        prior: u32,
        /// The least change (a fraction when `relative`).
        amount: f64,
        /// Whether `amount` is a fraction of the prior value.
        relative: bool,
        /// Which way.
        direction: Direction,
    },
    /// The last value is at least `threshold` standard deviations from the
    /// mean of the `window` values before it.
    Zscore {
        /// The metric.
        metric: String,
        /// How many values before it.
        window: u32,
        /// Standard deviations.
        threshold: f64,
        /// Which way.
        direction: Direction,
    },
    /// The run reaches one of these states.
    State(Vec<RunStateName>),
}

/// How a window of values is combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agg {
    /// Largest.
    Max,
    /// Smallest.
    Min,
    /// Mean.
    Average,
}

/// Which way a change counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Up.
    Increase,
    /// Down.
    Decrease,
    /// Either.
    Any,
}

/// The run states a state trigger can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStateName {
    /// Started.
    Running,
    /// Ended well.
    Finished,
    /// Failed or crashed.
    Failed,
}

impl RunStateName {
    /// Whether a run in W&B state `state` (`running`, `finished`, `failed`,
    /// `crashed`, …) is in this one.
    pub fn matches(self, state: &str) -> bool {
        match self {
            RunStateName::Running => state.eq_ignore_ascii_case("running"),
            RunStateName::Finished => state.eq_ignore_ascii_case("finished"),
            RunStateName::Failed => {
                state.eq_ignore_ascii_case("failed") || state.eq_ignore_ascii_case("crashed")
            }
        }
    }
}

impl EventFilter {
    /// Parse and check an event's filter as the client sends it. Artifact
    /// filters may come wrapped (`{"filter": …}`, as they are read back).
    pub fn parse(event: EventType, text: &str) -> CoreResult<EventFilter> {
        let bad = |why: String| CoreError::InvalidInput(format!("eventFilter: {why}"));
        if text.len() > MAX_FILTER_BYTES {
            return Err(bad(format!("longer than {MAX_FILTER_BYTES} bytes")));
        }
        let json: Value = serde_json::from_str(text).map_err(|e| {
            bad(format!(
                "not valid JSON ({e}). It is the text of a JSON object."
            ))
        })?;
        if !event.is_run_event() {
            let json = match json {
                Value::Object(mut o) if o.len() == 1 && o.contains_key("filter") => {
                    o.remove("filter").unwrap_or(Value::Null)
                }
                other => other,
            };
            let json = match json {
                // The inner filter may itself arrive as JSON text.
                Value::String(s) => serde_json::from_str(&s)
                    .map_err(|e| bad(format!("the inner filter is not valid JSON ({e})")))?,
                other => other,
            };
            return Ok(EventFilter::Labels(Filter::parse(
                &json,
                &filter::ARTIFACT_EVENTS,
            )?));
        }
        let Value::Object(obj) = json else {
            return Err(bad(
                "a run event's filter is a JSON object with run_filter".into()
            ));
        };
        let runs = match obj.get("run_filter") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Filter::parse_text(Some(s), &filter::RUNS)?,
            Some(other) => Filter::parse_optional(Some(other), &filter::RUNS)?,
        };
        let condition = if event == EventType::RunState {
            run_state(obj.get("run_state_filter")).map_err(bad)?
        } else {
            run_metric(event, obj.get("run_metric_filter")).map_err(bad)?
        };
        Ok(EventFilter::Run { runs, condition })
    }
}

fn run_state(json: Option<&Value>) -> Result<RunCondition, String> {
    let states = json
        .and_then(|j| j.get("states"))
        .and_then(Value::as_array)
        .ok_or("run_state_filter.states (a list of RUNNING, FINISHED, FAILED) is required")?;
    let mut names = Vec::new();
    for state in states {
        let name = match state.as_str().map(str::to_ascii_uppercase).as_deref() {
            Some("RUNNING") => RunStateName::Running,
            Some("FINISHED") => RunStateName::Finished,
            Some("FAILED" | "CRASHED") => RunStateName::Failed,
            _ => {
                return Err(format!(
                    "run state {state} is not RUNNING, FINISHED or FAILED"
                ));
            }
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        return Err("run_state_filter.states names no state".into());
    }
    Ok(RunCondition::State(names))
}

fn run_metric(event: EventType, json: Option<&Value>) -> Result<RunCondition, String> {
    let member = match event {
        EventType::RunMetric => "threshold_filter",
        EventType::RunMetricChange => "change_filter",
        _ => "zscore_filter",
    };
    let f = json
        .and_then(|j| j.get(member))
        .and_then(Value::as_object)
        .ok_or_else(|| {
            format!(
                "run_metric_filter.{member} is required for {}",
                event.as_str()
            )
        })?;
    let field = |key: &str| f.get(key).filter(|v| !v.is_null());
    let metric = field("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| format!("{member}.name (the metric) is required"))?
        .to_string();
    let window = |key: &str, default: u32| -> Result<u32, String> {
        match field(key) {
            None => Ok(default),
            Some(v) => v
                .as_u64()
                .filter(|n| (1..=u64::from(MAX_WINDOW)).contains(n))
                .map(|n| n as u32)
                .ok_or_else(|| {
                    format!("{member}.{key} must be a whole number from 1 to {MAX_WINDOW}")
                }),
        }
    };
    let number = |key: &str| -> Result<f64, String> {
        field(key)
            .and_then(Value::as_f64)
            .filter(|n| n.is_finite())
            .ok_or_else(|| format!("{member}.{key} must be a number"))
    };
    let agg = match field("agg_op").map(|v| v.as_str().unwrap_or("")) {
        None => None,
        Some("MAX") => Some(Agg::Max),
        Some("MIN") => Some(Agg::Min),
        Some("AVERAGE") => Some(Agg::Average),
        Some(other) => {
            return Err(format!(
                "{member}.agg_op {other:?} is not MAX, MIN or AVERAGE"
            ));
        }
    };
    let direction = || -> Result<Direction, String> {
        Ok(match field("change_dir").and_then(Value::as_str) {
            Some("INCREASE") => Direction::Increase,
            Some("DECREASE") => Direction::Decrease,
            Some("ANY") | None => Direction::Any,
            Some(other) => {
                return Err(format!(
                    "{member}.change_dir {other:?} is not INCREASE, DECREASE or ANY"
                ));
            }
        })
    };
    Ok(match event {
        EventType::RunMetric => {
            let cmp = match field("cmp_op").and_then(Value::as_str) {
                Some("$gt") => Cmp::Gt,
                Some("$gte") => Cmp::Gte,
                Some("$lt") => Cmp::Lt,
                Some("$lte") => Cmp::Lte,
                _ => return Err(format!("{member}.cmp_op must be $gt, $gte, $lt or $lte")),
            };
            RunCondition::Threshold {
                metric,
                agg,
                window: window("window_size", 1)?,
                cmp,
                threshold: number("threshold")?,
            }
        }
        EventType::RunMetricChange => {
            let current = window("current_window_size", 1)?;
            let amount = number("change_amount")?;
            if amount <= 0.0 {
                return Err(format!("{member}.change_amount must be positive"));
            }
            RunCondition::Change {
                metric,
                agg,
                current,
                prior: window("prior_window_size", current)?,
                amount,
                relative: match field("change_type").and_then(Value::as_str) {
                    Some("RELATIVE") => true,
                    Some("ABSOLUTE") | None => false,
                    Some(other) => {
                        return Err(format!(
                            "{member}.change_type {other:?} is not ABSOLUTE or RELATIVE"
                        ));
                    }
                },
                direction: direction()?,
            }
        }
        _ => {
            let threshold = match field("threshold") {
                None => 3.0,
                Some(_) => number("threshold")?,
            };
            if threshold <= 0.0 {
                return Err(format!("{member}.threshold must be positive"));
            }
            RunCondition::Zscore {
                metric,
                window: window("window_size", 30)?,
                threshold,
                direction: direction()?,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(event: EventType, scope: ScopeKind, filter: &str) -> TriggerSpec {
        TriggerSpec {
            name: " on-prod ".into(),
            description: None,
            enabled: true,
            scope: Scope { kind: scope, id: 1 },
            event,
            filter: filter.into(),
            action: Action::NoOp,
        }
    }

    #[test]
    fn the_clients_filters_parse() {
        let link = r#"{"$or":[{"$and":[{"alias":{"$eq":"prod"}}]}]}"#;
        let checked = spec(EventType::LinkModel, ScopeKind::ArtifactCollection, link)
            .check()
            .unwrap();
        assert_eq!(checked.name, "on-prod");
        let metric = r#"{"run_filter":"{\"$and\":[{\"display_name\":{\"$contains\":\"abc\"}}]}","run_metric_filter":{"threshold_filter":{"name":"loss","agg_op":"MAX","window_size":3,"cmp_op":"$lt","threshold":2}},"metric_filter":null}"#;
        let EventFilter::Run { runs, condition } =
            EventFilter::parse(EventType::RunMetric, metric).unwrap()
        else {
            panic!("a run filter");
        };
        assert!(runs.is_some());
        assert_eq!(
            condition,
            RunCondition::Threshold {
                metric: "loss".into(),
                agg: Some(Agg::Max),
                window: 3,
                cmp: Cmp::Lt,
                threshold: 2.0
            }
        );
        let change = r#"{"run_filter":"{\"$and\":[]}","run_metric_filter":{"change_filter":{"name":"loss","agg_op":null,"current_window_size":1,"change_amount":0.25,"prior_window_size":1,"change_type":"RELATIVE","change_dir":"INCREASE"}},"metric_filter":null}"#;
        assert!(EventFilter::parse(EventType::RunMetricChange, change).is_ok());
        let state =
            r#"{"run_filter":"{\"$and\":[]}","run_state_filter":{"states":["FAILED","FINISHED"]}}"#;
        let EventFilter::Run { runs, condition } =
            EventFilter::parse(EventType::RunState, state).unwrap()
        else {
            panic!("a run filter");
        };
        assert!(runs.is_some());
        assert_eq!(
            condition,
            RunCondition::State(vec![RunStateName::Failed, RunStateName::Finished])
        );
    }

    #[test]
    fn bad_filters_and_scopes_name_what_is_wrong() {
        let err = |event, filter: &str| EventFilter::parse(event, filter).unwrap_err().to_string();
        assert!(err(EventType::LinkModel, "{").contains("not valid JSON"));
        assert!(err(EventType::LinkModel, r#"{"version":{"$eq":1}}"#).contains("version"));
        assert!(err(EventType::RunMetric, r#"{"run_filter":"{}"}"#).contains("threshold_filter"));
        let window = r#"{"run_metric_filter":{"threshold_filter":{"name":"l","window_size":1000,"cmp_op":"$gt","threshold":1}}}"#;
        assert!(err(EventType::RunMetric, window).contains("window_size"));
        let scope = spec(EventType::CreateArtifact, ScopeKind::Project, "{}").check();
        assert!(scope.unwrap_err().to_string().contains("scope"));
        let blank = TriggerSpec {
            name: "  ".into(),
            ..spec(EventType::LinkModel, ScopeKind::Project, "{}")
        };
        assert!(blank.check().is_err());
        let payload = Action::Webhook {
            integration_id: 1,
            payload: Some("[1]".into()),
        };
        assert!(payload.check().is_err());
    }

    #[test]
    fn artifact_filters_are_read_back_wrapped_and_run_filters_as_sent() {
        let mut trigger = Trigger {
            id: 1,
            entity_id: 1,
            project_id: Some(1),
            spec: spec(
                EventType::LinkModel,
                ScopeKind::Project,
                r#"{"$or":[{"$and":[]}]}"#,
            ),
            created_by: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        };
        assert_eq!(
            trigger.saved_filter(),
            r#"{"filter":{"$or":[{"$and":[]}]}}"#
        );
        // What is read back parses again, to the same filter.
        assert_eq!(
            EventFilter::parse(EventType::LinkModel, &trigger.saved_filter()).unwrap(),
            EventFilter::parse(EventType::LinkModel, &trigger.spec.filter).unwrap()
        );
        trigger.spec.event = EventType::RunState;
        trigger.spec.filter = r#"{"run_state_filter":{"states":["FAILED"]}}"#.into();
        assert_eq!(trigger.saved_filter(), trigger.spec.filter);
    }
}

/// Something that happened which triggers may act on: a row of the outbox,
/// written in the same transaction as the change.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Row id.
    pub id: i64,
    /// The entity it happened in.
    pub entity_id: i64,
    /// The project, if any.
    pub project_id: Option<i64>,
    /// The collection, for artifact events.
    pub collection_id: Option<i64>,
    /// What happened.
    pub event_type: EventType,
    /// What a payload template can say about it (`entity_name`,
    /// `artifact_version_string`, `aliases`, …), a JSON object.
    pub payload: Value,
    /// When, UNIX milliseconds.
    pub created_at: i64,
}

impl Event {
    /// The labels of an artifact event that its filter tests: `alias` (the
    /// aliases added, or the version's aliases) and `tag`.
    pub fn labels(&self, field: &str) -> Vec<String> {
        let key = match field {
            "alias" => "aliases",
            "tag" => "tags",
            _ => return Vec::new(),
        };
        self.payload
            .get(key)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A delivery claimed by a worker: one trigger acting on one event, or a
/// run alert going to its user's alert integration.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedDelivery {
    /// Row id.
    pub id: i64,
    /// Sent with every attempt, so a receiver can drop repeats.
    pub idempotency_key: String,
    /// Attempts made before this one.
    pub attempts: u32,
    /// Who it is for.
    pub target: Target,
    /// The event.
    pub event: Event,
}

/// Who a delivery is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// An automation's action.
    Trigger(Box<Trigger>),
    /// A user's alert integration.
    Alert {
        /// The integration.
        integration_id: i64,
    },
}

impl ClaimedDelivery {
    /// The trigger, for an automation's delivery.
    pub fn trigger(&self) -> Option<&Trigger> {
        match &self.target {
            Target::Trigger(trigger) => Some(trigger),
            Target::Alert { .. } => None,
        }
    }

    /// What the log calls it: the automation's name, or `run alert`.
    pub fn label(&self) -> &str {
        self.trigger().map_or("run alert", |t| t.spec.name.as_str())
    }
}

/// How an attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver took it (2xx), or a no-op action ran.
    Delivered,
    /// It may work later (no answer, a timeout, 408, 429, 5xx).
    Retry,
    /// It will not work (refused by the allow-list, another 4xx, a redirect,
    /// a missing integration or secret).
    Failed,
}

impl Outcome {
    /// How the log names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Retry => "retry",
            Outcome::Failed => "failed",
        }
    }

    /// The outcome named `name`.
    pub fn parse(name: &str) -> Option<Outcome> {
        Some(match name {
            "delivered" => Outcome::Delivered,
            "retry" => Outcome::Retry,
            "failed" => Outcome::Failed,
            _ => return None,
        })
    }
}

/// One attempt, as the delivery log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// How it went.
    pub outcome: Outcome,
    /// Why it did not work.
    pub error: Option<String>,
    /// How long it took.
    pub elapsed_ms: u64,
    /// The start of the receiver's answer (at most 1 KiB).
    pub response: String,
}

/// A delivery log line: an attempt and what it was for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedAttempt {
    /// Row id.
    pub id: i64,
    /// The delivery's idempotency key.
    pub idempotency_key: String,
    /// The event type.
    pub event_type: EventType,
    /// When, UNIX milliseconds.
    pub attempted_at: i64,
    /// The attempt.
    pub attempt: Attempt,
}

/// What becomes of a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Done.
    Delivered,
    /// Given up.
    Failed,
    /// Try again at this UNIX millisecond.
    RetryAt(i64),
}

/// Most attempts at one delivery.
pub const MAX_ATTEMPTS: u32 = 12;

/// The wait before the attempt after `attempts` failed ones: 1 s, doubling,
/// at most 5 minutes (12 attempts span about 25 minutes).
pub fn retry_delay_ms(attempts: u32) -> i64 {
    let doubled = 1_000i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(20));
    doubled.min(5 * 60 * 1000)
}

/// What to do after an attempt that went `outcome`, the `attempts`-th.
pub fn next_step(outcome: Outcome, attempts: u32, now_ms: i64) -> NextStep {
    match outcome {
        Outcome::Delivered => NextStep::Delivered,
        Outcome::Failed => NextStep::Failed,
        Outcome::Retry if attempts >= MAX_ATTEMPTS => NextStep::Failed,
        Outcome::Retry => NextStep::RetryAt(now_ms + retry_delay_ms(attempts)),
    }
}

/// Fill a payload template: every `${name}` in its strings becomes the
/// event's value of `name` (`vars`); a string that is only `${name}` takes
/// the value itself (a number stays a number). Unknown names stay as
/// written. Without a template the payload is the event's values.
pub fn render_payload(template: Option<&str>, vars: &serde_json::Map<String, Value>) -> Value {
    let Some(template) = template else {
        return Value::Object(vars.clone());
    };
    let template: Value = serde_json::from_str(template).unwrap_or(Value::Null);
    fill(template, vars)
}

fn fill(value: Value, vars: &serde_json::Map<String, Value>) -> Value {
    match value {
        Value::String(text) => {
            if let Some(name) = text.strip_prefix("${").and_then(|t| t.strip_suffix('}'))
                && let Some(value) = vars.get(name)
            {
                return value.clone();
            }
            let mut out = String::with_capacity(text.len());
            let mut rest = text.as_str();
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                let after = &rest[start + 2..];
                match after.find('}') {
                    Some(end) if vars.contains_key(&after[..end]) => {
                        match &vars[&after[..end]] {
                            Value::String(s) => out.push_str(s),
                            other => out.push_str(&other.to_string()),
                        }
                        rest = &after[end + 1..];
                    }
                    _ => {
                        out.push_str("${");
                        rest = after;
                    }
                }
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| fill(v, vars)).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, fill(v, vars))).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod delivery_tests {
    use super::*;

    #[test]
    fn templates_are_filled_from_the_event() {
        let vars = serde_json::json!({"run_name": "r1", "value": 2.5, "aliases": ["prod"]});
        let vars = vars.as_object().unwrap();
        let out = render_payload(
            Some(
                r#"{"text": "run ${run_name} at ${value}", "v": "${value}", "keep": "${nope}", "n": [1, "${aliases}"]}"#,
            ),
            vars,
        );
        assert_eq!(
            out,
            serde_json::json!({"text": "run r1 at 2.5", "v": 2.5, "keep": "${nope}", "n": [1, ["prod"]]})
        );
        assert_eq!(render_payload(None, vars), Value::Object(vars.clone()));
    }

    #[test]
    fn retries_back_off_and_end() {
        assert_eq!(retry_delay_ms(1), 1_000);
        assert_eq!(retry_delay_ms(2), 2_000);
        assert_eq!(retry_delay_ms(30), 300_000);
        assert_eq!(next_step(Outcome::Retry, 1, 10), NextStep::RetryAt(1_010));
        assert_eq!(
            next_step(Outcome::Retry, MAX_ATTEMPTS, 10),
            NextStep::Failed
        );
        assert_eq!(next_step(Outcome::Failed, 1, 10), NextStep::Failed);
    }
}

/// An event decided by the domain before the write that causes it (a run
/// metric crossing its condition), for the store to record in that write's
/// transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The entity it happens in.
    pub entity_id: i64,
    /// The project.
    pub project_id: Option<i64>,
    /// What happened.
    pub event_type: EventType,
    /// What a template can say about it.
    pub payload: Value,
}

impl RunCondition {
    /// The metric a metric condition watches.
    pub fn metric(&self) -> Option<&str> {
        match self {
            RunCondition::Threshold { metric, .. }
            | RunCondition::Change { metric, .. }
            | RunCondition::Zscore { metric, .. } => Some(metric),
            RunCondition::State(_) => None,
        }
    }

    /// How many values before a point the condition looks at, the point
    /// included.
    pub fn span(&self) -> usize {
        match self {
            RunCondition::Threshold { agg: None, .. } => 1,
            RunCondition::Threshold { window, .. } => *window as usize,
            RunCondition::Change {
                agg: None, prior, ..
            } => 1 + *prior as usize,
            RunCondition::Change { current, prior, .. } => (*current + *prior) as usize,
            RunCondition::Zscore { window, .. } => *window as usize + 1,
            RunCondition::State(_) => 0,
        }
    }

    /// The condition's value at the last of `values` (oldest first), when
    /// it holds there; `None` when it does not or there are too few values.
    pub fn holds_at_end(&self, values: &[f64]) -> Option<f64> {
        let span = self.span();
        if span == 0 || values.len() < span {
            return None;
        }
        let window = &values[values.len() - span..];
        match self {
            RunCondition::Threshold {
                agg,
                cmp,
                threshold,
                ..
            } => {
                let value = aggregate(*agg, window);
                let holds = match cmp {
                    Cmp::Gt => value > *threshold,
                    Cmp::Gte => value >= *threshold,
                    Cmp::Lt => value < *threshold,
                    Cmp::Lte => value <= *threshold,
                    Cmp::Eq => value == *threshold,
                };
                holds.then_some(value)
            }
            RunCondition::Change {
                agg,
                prior,
                amount,
                relative,
                direction,
                ..
            } => {
                let (before, now) = window.split_at(*prior as usize);
                let (before, now) = (aggregate(*agg, before), aggregate(*agg, now));
                let mut change = now - before;
                if *relative {
                    if before == 0.0 {
                        return None;
                    }
                    change /= before.abs();
                }
                direction.passes(change, *amount).then_some(now)
            }
            RunCondition::Zscore {
                threshold,
                direction,
                ..
            } => {
                let (before, last) = window.split_at(window.len() - 1);
                let mean = before.iter().sum::<f64>() / before.len() as f64;
                let var =
                    before.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / before.len() as f64;
                if var <= 0.0 {
                    return None;
                }
                let z = (last[0] - mean) / var.sqrt();
                direction.passes(z, *threshold).then_some(last[0])
            }
            RunCondition::State(_) => None,
        }
    }

    /// The first of `new` values at which the condition starts to hold
    /// (it did not hold at the value before), given the values before them
    /// (`prior`, oldest first): the condition's value there. A metric that
    /// stays past its threshold raises one event, not one per step.
    pub fn first_crossing(&self, prior: &[f64], new: &[f64]) -> Option<f64> {
        let mut all: Vec<f64> = prior.to_vec();
        let mut held = self.holds_at_end(&all).is_some();
        for value in new {
            all.push(*value);
            let now = self.holds_at_end(&all);
            if now.is_some() && !held {
                return now;
            }
            held = now.is_some();
        }
        None
    }
}

impl Direction {
    fn passes(self, change: f64, amount: f64) -> bool {
        match self {
            Direction::Increase => change >= amount,
            Direction::Decrease => -change >= amount,
            Direction::Any => change.abs() >= amount,
        }
    }
}

fn aggregate(agg: Option<Agg>, values: &[f64]) -> f64 {
    match agg {
        None => values[values.len() - 1],
        Some(Agg::Max) => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Some(Agg::Min) => values.iter().copied().fold(f64::INFINITY, f64::min),
        Some(Agg::Average) => values.iter().sum::<f64>() / values.len() as f64,
    }
}

#[cfg(test)]
mod metric_tests {
    use super::*;

    fn threshold(agg: Option<Agg>, window: u32, cmp: Cmp, threshold: f64) -> RunCondition {
        RunCondition::Threshold {
            metric: "loss".into(),
            agg,
            window,
            cmp,
            threshold,
        }
    }

    #[test]
    fn a_threshold_fires_when_crossed_not_while_past_it() {
        let over = threshold(None, 1, Cmp::Gt, 10.0);
        assert_eq!(
            over.first_crossing(&[], &[1.0, 2.0, 11.0, 12.0]),
            Some(11.0)
        );
        // Already past it before this batch: nothing new.
        assert_eq!(over.first_crossing(&[11.0], &[12.0, 13.0]), None);
        // Back under, then over again: a new crossing.
        assert_eq!(over.first_crossing(&[11.0], &[5.0, 14.0]), Some(14.0));
        let avg = threshold(Some(Agg::Average), 3, Cmp::Gte, 2.0);
        assert_eq!(avg.first_crossing(&[1.0], &[1.0, 4.0]), Some(2.0));
        assert_eq!(
            avg.first_crossing(&[], &[9.0, 9.0]),
            None,
            "a window needs its values"
        );
    }

    #[test]
    fn changes_and_zscores_compare_with_what_came_before() {
        let rise = RunCondition::Change {
            metric: "loss".into(),
            agg: None,
            current: 1,
            prior: 1,
            amount: 0.25,
            relative: true,
            direction: Direction::Increase,
        };
        assert_eq!(rise.first_crossing(&[4.0], &[4.5, 6.0]), Some(6.0));
        let drop = RunCondition::Change {
            metric: "acc".into(),
            agg: Some(Agg::Average),
            current: 2,
            prior: 2,
            amount: 3.0,
            relative: false,
            direction: Direction::Decrease,
        };
        assert_eq!(drop.first_crossing(&[10.0, 10.0], &[6.0, 6.0]), Some(6.0));
        let z = RunCondition::Zscore {
            metric: "loss".into(),
            window: 4,
            threshold: 2.0,
            direction: Direction::Any,
        };
        assert_eq!(
            z.first_crossing(&[1.0, 2.0, 1.0, 2.0], &[1.5, 9.0]),
            Some(9.0)
        );
    }
}

/// A run alert to record (`run.alert`), already checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RunAlert {
    /// The run.
    pub run_id: i64,
    /// Its project's entity.
    pub entity_id: i64,
    /// Its project.
    pub project_id: i64,
    /// Who sent it: their alert integration receives it.
    pub user_id: i64,
    /// Its title: one per run per `wait_duration`.
    pub title: String,
    /// The wait before this title may alert again, in milliseconds.
    pub wait_ms: i64,
    /// What the delivery says.
    pub payload: Value,
}

/// What became of a run alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertOutcome {
    /// Queued for the user's alert integration.
    Queued,
    /// The same title alerted less than its `wait_duration` ago.
    TooSoon,
    /// The user has no alert integration: logged only.
    NoIntegration,
}

/// Longest alert title.
pub const MAX_ALERT_TITLE_CHARS: usize = 255;
/// Longest alert text.
pub const MAX_ALERT_TEXT_CHARS: usize = 10_000;
/// Longest `wait_duration`: a week.
pub const MAX_ALERT_WAIT_MS: i64 = 7 * 24 * 3600 * 1000;
