//! Delivering what automations do: the steps the server's worker takes, in
//! order — match new events to the triggers watching them, claim due
//! deliveries, turn each into a request ([`DeliveryPlan`]), and record how
//! the attempt went. The rules (filters, templates, backoff) are in
//! [`crate::automation`]; the worker only sends.

use serde_json::Value;

use crate::Cairn;
use crate::authz::Actor;
use crate::automation::{
    self, Action, Attempt, ClaimedDelivery, Event, EventFilter, LoggedAttempt, NewEvent, Outcome,
    RunCondition, Target,
};
use crate::error::{CoreError, CoreResult};
use crate::run::Run;
use crate::stream::StreamBatch;

/// Log lines kept per automation.
pub const KEEP_ATTEMPTS: i64 = 200;

/// Most log lines one listing returns.
pub const MAX_LOG_LINES: i64 = 200;

/// What one delivery attempt must do.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryPlan {
    /// POST `body` to `url`.
    Webhook {
        /// Where.
        url: String,
        /// The JSON body.
        body: Vec<u8>,
        /// Signs the body (`X-Cairn-Signature`), from the integration's
        /// `secretRef`.
        signing_secret: Option<String>,
        /// Sent as a bearer token, from its `accessTokenRef`.
        access_token: Option<String>,
    },
    /// Nothing to send: the action is a no-op.
    Nothing,
    /// It cannot be done (the integration or a secret is gone).
    Impossible(String),
}

impl Cairn {
    /// Match up to `limit` new events to the triggers watching them; how
    /// many events were matched.
    pub async fn match_automation_events(&self, limit: i64) -> CoreResult<usize> {
        let events = self.store.unmatched_events(limit).await?;
        for event in &events {
            let mut matched = Vec::new();
            for trigger in self.store.triggers_for_event(event).await? {
                if self.event_passes(event, &trigger).await? {
                    matched.push(trigger.id);
                }
            }
            self.store
                .make_deliveries(event.id, &matched, now_ms())
                .await?;
        }
        Ok(events.len())
    }

    /// The run-metric events a stream request causes: for each enabled
    /// metric automation watching the run's project or entity whose metric
    /// the request logs, whether the condition starts to hold at one of the
    /// new values (given the run's values before them). One indexed query
    /// when nothing watches; the run's recent values are read only for a
    /// metric that is logged and watched.
    pub(crate) async fn metric_events(
        &self,
        run: &Run,
        batch: &StreamBatch,
    ) -> CoreResult<Vec<NewEvent>> {
        let Some(history) = batch.history.as_ref().filter(|h| !h.lines.is_empty()) else {
            return Ok(Vec::new());
        };
        let mut events = Vec::new();
        for trigger in self
            .store
            .run_metric_triggers(run.project_id, run.entity_id)
            .await?
        {
            let Ok(EventFilter::Run { runs, condition }) =
                EventFilter::parse(trigger.spec.event, &trigger.spec.filter)
            else {
                continue;
            };
            let Some(metric) = condition.metric() else {
                continue;
            };
            let mut new = Vec::new();
            let mut last_step = None;
            for line in &history.lines {
                if !line.keys.iter().any(|(k, _)| k == metric) {
                    continue;
                }
                let value = cairn_types::relaxed::parse(&line.raw)
                    .ok()
                    .and_then(|row| row.get(metric).and_then(cairn_types::relaxed::number));
                if let Some(value) = value.filter(|v| v.is_finite()) {
                    new.push(value);
                    last_step = Some(line.step);
                }
            }
            if new.is_empty() {
                continue;
            }
            let mut prior = self
                .store
                .recent_metric_values(run.id, metric, condition.span() as i64 + 1)
                .await?;
            prior.reverse();
            let Some(value) = condition.first_crossing(&prior, &new) else {
                continue;
            };
            if let Some(filter) = &runs
                && !self.store.run_matches(run.id, filter).await?
            {
                continue;
            }
            events.push(NewEvent {
                entity_id: run.entity_id,
                project_id: Some(run.project_id),
                event_type: trigger.spec.event,
                payload: serde_json::json!({
                    "event_type": trigger.spec.event.as_str(),
                    "trigger_id": trigger.id,
                    "entity_name": run.entity_name,
                    "project_name": run.project_name,
                    "run_id": run.name,
                    "run_name": run.display_name.clone().unwrap_or_else(|| run.name.clone()),
                    "run_row_id": run.id,
                    "event_author": run.username,
                    "metric_name": metric,
                    "metric_value": number_value(value),
                    "step": last_step,
                }),
            });
        }
        Ok(events)
    }

    /// Whether an event passes a trigger's filter. A filter that no longer
    /// parses (it was checked when saved) passes nothing.
    async fn event_passes(&self, event: &Event, trigger: &automation::Trigger) -> CoreResult<bool> {
        let Ok(filter) = EventFilter::parse(trigger.spec.event, &trigger.spec.filter) else {
            return Ok(false);
        };
        Ok(match filter {
            EventFilter::Labels(filter) => {
                let aliases = event.labels("alias");
                let tags = event.labels("tag");
                filter.matches_labels(&|field: &str| match field {
                    "alias" => &aliases[..],
                    "tag" => &tags[..],
                    _ => &[],
                })
            }
            EventFilter::Run { runs, condition } => {
                let state_ok = match &condition {
                    RunCondition::State(states) => event
                        .payload
                        .get("run_state")
                        .and_then(Value::as_str)
                        .is_some_and(|s| states.iter().any(|st| st.matches(s))),
                    // A metric condition was decided when the event was
                    // recorded (the values were at hand then), for one
                    // trigger.
                    _ => {
                        event.payload.get("trigger_id").and_then(Value::as_i64) == Some(trigger.id)
                    }
                };
                let run_id = event.payload.get("run_row_id").and_then(Value::as_i64);
                state_ok
                    && match (runs, run_id) {
                        (None, _) => true,
                        (Some(filter), Some(run_id)) => {
                            self.store.run_matches(run_id, &filter).await?
                        }
                        (Some(_), None) => false,
                    }
            }
        })
    }

    /// Claim up to `limit` due deliveries for `lease_ms`.
    pub async fn claim_deliveries(
        &self,
        lease_ms: i64,
        limit: i64,
    ) -> CoreResult<Vec<ClaimedDelivery>> {
        Ok(self
            .store
            .claim_deliveries(now_ms(), lease_ms, limit)
            .await?)
    }

    /// What an attempt at `delivery` must send.
    pub async fn delivery_plan(&self, delivery: &ClaimedDelivery) -> CoreResult<DeliveryPlan> {
        let vars = self.payload_vars(delivery);
        let (integration_id, body) = match &delivery.target {
            Target::Alert { integration_id } => {
                let text = |key: &str| vars.get(key).map(value_text).unwrap_or_default();
                let severity = automation::Severity::parse(&text("severity"))
                    .unwrap_or(automation::Severity::Info);
                let body = match self.store.integration_by_id(*integration_id).await? {
                    Some(i) if i.slack_channel.is_some() => slack_text(
                        severity,
                        &text("title"),
                        &format!(
                            "{}\n_{}/{}/{}_",
                            text("text"),
                            text("entity_name"),
                            text("project_name"),
                            text("run_name")
                        ),
                    ),
                    _ => Value::Object(vars.clone()),
                };
                (*integration_id, body)
            }
            Target::Trigger(trigger) => match &trigger.spec.action {
                Action::NoOp => return Ok(DeliveryPlan::Nothing),
                Action::Webhook {
                    integration_id,
                    payload,
                } => (*integration_id, self.payload(delivery, payload.as_deref())),
                Action::Notification {
                    integration_id,
                    title,
                    message,
                    severity,
                } => {
                    let fill = |text: &str| {
                        value_text(&automation::render_payload(
                            Some(&Value::String(text.to_string()).to_string()),
                            &vars,
                        ))
                    };
                    (
                        *integration_id,
                        slack_text(*severity, &fill(title), &fill(message)),
                    )
                }
            },
        };
        let Some(integration) = self.store.integration_by_id(integration_id).await? else {
            return Ok(DeliveryPlan::Impossible(format!(
                "The integration {integration_id} no longer exists."
            )));
        };
        let mut secrets = Vec::new();
        for name in [&integration.secret_ref, &integration.access_token_ref] {
            match name {
                None => secrets.push(None),
                Some(name) => match self
                    .entity_secret_value(integration.entity_id, name)
                    .await?
                {
                    Some(value) => secrets.push(Some(value)),
                    None => {
                        return Ok(DeliveryPlan::Impossible(format!(
                            "The secret {name:?} of integration {:?} is not set.",
                            integration.name
                        )));
                    }
                },
            }
        }
        let access_token = secrets.pop().flatten();
        let signing_secret = secrets.pop().flatten();
        Ok(DeliveryPlan::Webhook {
            url: integration.url,
            body: body.to_string().into_bytes(),
            signing_secret,
            access_token,
        })
    }

    /// Record how an attempt went and what comes next.
    pub async fn finish_delivery(
        &self,
        delivery: &ClaimedDelivery,
        attempt: &Attempt,
    ) -> CoreResult<()> {
        let now = now_ms();
        let next = automation::next_step(attempt.outcome, delivery.attempts + 1, now);
        Ok(self
            .store
            .finish_delivery(delivery, attempt, next, now, KEEP_ATTEMPTS)
            .await?)
    }

    /// An automation's delivery log, newest first, for whoever may change
    /// the automation.
    pub async fn automation_log(
        &self,
        actor: &Actor,
        trigger_id: i64,
        limit: i64,
    ) -> CoreResult<Vec<LoggedAttempt>> {
        if !(1..=MAX_LOG_LINES).contains(&limit) {
            return Err(CoreError::InvalidInput(format!(
                "A delivery log page holds 1 to {MAX_LOG_LINES} attempts."
            )));
        }
        self.trigger_to_change(actor, trigger_id).await?;
        Ok(self.store.trigger_attempts(trigger_id, limit).await?)
    }

    /// The variables a template may use: the event's, and the delivery's
    /// `idempotency_key`, `automation_name` and `event_type`.
    fn payload_vars(&self, delivery: &ClaimedDelivery) -> serde_json::Map<String, Value> {
        let name = delivery.trigger().map(|t| t.spec.name.clone());
        let mut vars = delivery
            .event
            .payload
            .as_object()
            .cloned()
            .unwrap_or_default();
        vars.insert(
            "event_type".into(),
            Value::String(delivery.event.event_type.as_str().into()),
        );
        if let Some(name) = name {
            vars.insert("automation_name".into(), Value::String(name));
        }
        vars.insert(
            "idempotency_key".into(),
            Value::String(delivery.idempotency_key.clone()),
        );
        vars.remove("run_row_id");
        vars.remove("trigger_id");
        vars
    }

    /// A webhook's body: its template filled, or the event's values; the
    /// idempotency key is always in it.
    fn payload(&self, delivery: &ClaimedDelivery, template: Option<&str>) -> Value {
        let vars = self.payload_vars(delivery);
        let mut body = automation::render_payload(template, &vars);
        if let Value::Object(map) = &mut body {
            map.entry("idempotency_key")
                .or_insert_with(|| Value::String(delivery.idempotency_key.clone()));
        }
        body
    }
}

/// Slack's incoming-webhook payload: one mrkdwn text, its level marked.
fn slack_text(severity: automation::Severity, title: &str, text: &str) -> Value {
    let marker = match severity {
        automation::Severity::Info => ":information_source:",
        automation::Severity::Warn => ":warning:",
        automation::Severity::Error => ":rotating_light:",
    };
    serde_json::json!({ "text": format!("{marker} *{title}*\n{text}") })
}

/// A metric value as JSON: whole numbers as integers (`11`, as logged),
/// others as they are.
fn number_value(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
        Value::from(value as i64)
    } else {
        Value::from(value)
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// What the worker reports when an attempt could not even start.
pub fn impossible(why: String) -> Attempt {
    Attempt {
        status: None,
        outcome: Outcome::Failed,
        error: Some(why),
        elapsed_ms: 0,
        response: String::new(),
    }
}

/// How long delivered and failed events are kept (their delivery log with
/// them): 30 days.
pub const KEEP_EVENTS_MS: i64 = 30 * 24 * 3600 * 1000;

impl Cairn {
    /// A run's alert (`run.alert`), sent by whoever logs to it: at most one
    /// per title per `wait_ms`, delivered to the sender's alert integration
    /// if they chose one.
    pub async fn run_alert(
        &self,
        actor: &Actor,
        run: &crate::authz::Writable<Run>,
        title: &str,
        text: &str,
        severity: automation::Severity,
        wait_ms: i64,
    ) -> CoreResult<automation::AlertOutcome> {
        if title.trim().is_empty() || title.chars().count() > automation::MAX_ALERT_TITLE_CHARS {
            return Err(CoreError::InvalidInput(format!(
                "An alert's title has 1 to {} characters.",
                automation::MAX_ALERT_TITLE_CHARS
            )));
        }
        if text.chars().count() > automation::MAX_ALERT_TEXT_CHARS {
            return Err(CoreError::InvalidInput(format!(
                "An alert's text has at most {} characters.",
                automation::MAX_ALERT_TEXT_CHARS
            )));
        }
        if !(0..=automation::MAX_ALERT_WAIT_MS).contains(&wait_ms) {
            return Err(CoreError::InvalidInput(
                "An alert's waitDuration is 0 ms to a week.".into(),
            ));
        }
        let alert = automation::RunAlert {
            run_id: run.id,
            entity_id: run.entity_id,
            project_id: run.project_id,
            user_id: actor.user().id,
            title: title.to_string(),
            wait_ms,
            payload: serde_json::json!({
                "event_type": "RUN_ALERT",
                "title": title,
                "text": text,
                "severity": severity.as_str(),
                "entity_name": run.entity_name,
                "project_name": run.project_name,
                "run_id": run.name,
                "run_name": run.display_name.clone().unwrap_or_else(|| run.name.clone()),
                "event_author": actor.user().username,
            }),
        };
        Ok(self.store.record_run_alert(&alert, now_ms()).await?)
    }

    /// Send the caller's run alerts to an integration (of an entity they
    /// belong to), or nowhere.
    pub async fn set_alert_integration(
        &self,
        actor: &Actor,
        integration_id: Option<i64>,
    ) -> CoreResult<()> {
        if let Some(id) = integration_id {
            self.member_integration(actor, id).await?;
        }
        Ok(self
            .store
            .set_alert_integration(actor.user().id, integration_id)
            .await?)
    }

    /// The integration the caller's run alerts go to.
    pub async fn alert_integration(
        &self,
        actor: &Actor,
    ) -> CoreResult<Option<crate::integration::Integration>> {
        match self.store.alert_integration(actor.user().id).await? {
            Some(id) => Ok(self.store.integration_by_id(id).await?),
            None => Ok(None),
        }
    }

    /// Forget events older than [`KEEP_EVENTS_MS`] with nothing left to
    /// deliver.
    pub async fn prune_automation_events(&self) -> CoreResult<u64> {
        Ok(self
            .store
            .prune_automation_events(now_ms() - KEEP_EVENTS_MS)
            .await?)
    }
}
