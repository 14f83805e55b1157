//! The automation delivery worker: a loop that matches new events to
//! triggers, claims due deliveries with a lease, sends them through the
//! [`Sender`] (allow-list, timeout, signature) and records each attempt.
//! What to send and when to retry is decided in `cairn_core`; after a crash
//! the outbox still holds every event, and a delivery whose attempt was cut
//! short is tried again once its lease runs out, with the same idempotency
//! key.

use std::time::Duration;

use cairn_core::automation::{self, ClaimedDelivery};
use cairn_core::{Cairn, DeliveryPlan};
use futures_util::future::join_all;

use crate::webhook::{self, Sender, WebhookRequest};

/// Deliveries attempted at once.
const BATCH: i64 = 16;

/// Events matched per round.
const EVENTS_PER_ROUND: i64 = 200;

/// How often old events are forgotten.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Run the worker until the task is aborted: a round every `period`, and
/// at once again while there is more to do.
pub async fn deliver_automations(
    cairn: Cairn,
    sender: Sender,
    timeout: Duration,
    period: Duration,
) {
    // Nobody else attempts a claimed delivery before the lease ends: longer
    // than one attempt can take.
    let lease_ms =
        i64::try_from((timeout * 2 + Duration::from_secs(5)).as_millis()).unwrap_or(i64::MAX);
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_prune: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            last_prune = Some(tokio::time::Instant::now());
            match cairn.prune_automation_events().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(events = n, "automation events past keeping forgotten"),
                Err(e) => tracing::warn!(error = %e, "automation events: pruning failed"),
            }
        }
        loop {
            match round(&cairn, &sender, lease_ms).await {
                Ok(true) => continue,
                Ok(false) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "automation deliveries: round failed");
                    break;
                }
            }
        }
    }
}

/// One round; whether there may be more to do at once.
async fn round(
    cairn: &Cairn,
    sender: &Sender,
    lease_ms: i64,
) -> Result<bool, cairn_core::CoreError> {
    let matched = cairn.match_automation_events(EVENTS_PER_ROUND).await?;
    let claimed = cairn.claim_deliveries(lease_ms, BATCH).await?;
    let busy = claimed.len() as i64 == BATCH || matched as i64 == EVENTS_PER_ROUND;
    let attempts = join_all(claimed.iter().map(|d| attempt(cairn, sender, d))).await;
    for (delivery, attempt) in claimed.iter().zip(attempts) {
        let attempt = match attempt {
            Ok(attempt) => attempt,
            Err(e) => {
                tracing::warn!(error = %e, delivery = delivery.id, "automation delivery could not be prepared");
                continue;
            }
        };
        if attempt.outcome != automation::Outcome::Delivered {
            tracing::info!(
                automation = %delivery.label(),
                status = ?attempt.status,
                error = attempt.error.as_deref().unwrap_or(""),
                "automation delivery attempt did not succeed"
            );
        }
        cairn.finish_delivery(delivery, &attempt).await?;
    }
    Ok(busy)
}

/// Make one attempt at a delivery.
async fn attempt(
    cairn: &Cairn,
    sender: &Sender,
    delivery: &ClaimedDelivery,
) -> Result<automation::Attempt, cairn_core::CoreError> {
    Ok(match cairn.delivery_plan(delivery).await? {
        DeliveryPlan::Nothing => automation::Attempt {
            status: None,
            outcome: automation::Outcome::Delivered,
            error: None,
            elapsed_ms: 0,
            response: "no-op".into(),
        },
        DeliveryPlan::Impossible(why) => cairn_core::impossible(why),
        DeliveryPlan::Webhook {
            url,
            body,
            signing_secret,
            access_token,
        } => {
            let sent = sender
                .send(&WebhookRequest {
                    url,
                    body,
                    delivery_id: delivery.idempotency_key.clone(),
                    event_type: delivery.event.event_type.as_str().to_string(),
                    signing_secret,
                    access_token,
                })
                .await;
            automation::Attempt {
                status: sent.status,
                outcome: match sent.outcome {
                    webhook::Outcome::Delivered => automation::Outcome::Delivered,
                    webhook::Outcome::Retry => automation::Outcome::Retry,
                    webhook::Outcome::Failed => automation::Outcome::Failed,
                },
                error: sent.error,
                elapsed_ms: sent.elapsed_ms,
                response: sent.response_excerpt,
            }
        }
    })
}
