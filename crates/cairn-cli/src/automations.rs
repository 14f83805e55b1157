//! `cairn automation …`: list, show, turn on and off, delete an entity's
//! automations, and read what their deliveries did, built on
//! `cairn-client`. Automations are made with the official client's
//! `api.create_automation` (or `Api::create_automation` in Rust).

use cairn_client::{Api, Automation, AutomationAction};
use clap::Subcommand;

use crate::admin::Connection;
use crate::runs::print_table;

/// `cairn automation …`
#[derive(Debug, Subcommand)]
pub enum AutomationCommand {
    /// List an entity's automations, oldest first.
    #[command(visible_alias = "list")]
    Ls {
        /// The team or user; your default entity when left out.
        entity: Option<String>,
    },
    /// Show one automation: its scope, event, filter and action.
    Show {
        /// The team or user it belongs to.
        entity: String,
        /// Its name.
        name: String,
    },
    /// Turn an automation on.
    Enable {
        /// The team or user it belongs to.
        entity: String,
        /// Its name.
        name: String,
    },
    /// Turn an automation off (events are no longer acted on).
    Disable {
        /// The team or user it belongs to.
        entity: String,
        /// Its name.
        name: String,
    },
    /// Delete an automation and its delivery log.
    Rm {
        /// The team or user it belongs to.
        entity: String,
        /// Its name.
        name: String,
    },
    /// The newest delivery attempts of an automation, newest first.
    Deliveries {
        /// The team or user it belongs to.
        entity: String,
        /// Its name.
        name: String,
        /// How many attempts to show (at most 200).
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

/// Run `cairn automation …`.
pub async fn automation(conn: &Connection, cmd: AutomationCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    match cmd {
        AutomationCommand::Ls { entity } => {
            let mut rows = vec![[
                "NAME".to_string(),
                "ENABLED".into(),
                "EVENT".into(),
                "SCOPE".into(),
                "ACTION".into(),
            ]];
            for a in api
                .automations(entity.as_deref(), 100)
                .collect_all()
                .await?
            {
                rows.push([
                    a.name.clone(),
                    if a.enabled { "yes" } else { "no" }.into(),
                    a.event.clone(),
                    format!("{} {}", a.scope.kind, a.scope.name),
                    action_name(&a.action).into(),
                ]);
            }
            print_table(&rows);
        }
        AutomationCommand::Show { entity, name } => {
            let a = find(&api, &entity, &name).await?;
            println!("name:        {}", a.name);
            println!("id:          {}", a.id);
            println!("enabled:     {}", a.enabled);
            println!("created:     {}", a.created_at);
            if let Some(description) = &a.description {
                println!("description: {description}");
            }
            println!(
                "scope:       {} {} ({})",
                a.scope.kind, a.scope.name, a.scope.id
            );
            println!("event:       {}", a.event);
            println!("filter:      {}", a.filter);
            match &a.action {
                AutomationAction::Webhook {
                    integration_id,
                    payload,
                } => {
                    println!("action:      webhook {integration_id}");
                    if let Some(payload) = payload {
                        println!("payload:     {payload}");
                    }
                }
                AutomationAction::Notification {
                    integration_id,
                    title,
                    message,
                    severity,
                } => println!(
                    "action:      notification {integration_id} [{severity}] {title}: {message}"
                ),
                AutomationAction::NoOp => println!("action:      none"),
            }
        }
        AutomationCommand::Enable { entity, name } => {
            let a = find(&api, &entity, &name).await?;
            api.set_automation_enabled(&a.id, true).await?;
            println!("Enabled automation {name:?}");
        }
        AutomationCommand::Disable { entity, name } => {
            let a = find(&api, &entity, &name).await?;
            api.set_automation_enabled(&a.id, false).await?;
            println!("Disabled automation {name:?}");
        }
        AutomationCommand::Rm { entity, name } => {
            let a = find(&api, &entity, &name).await?;
            api.delete_automation(&a.id).await?;
            println!("Deleted automation {name:?}");
        }
        AutomationCommand::Deliveries {
            entity,
            name,
            limit,
        } => {
            let mut rows = vec![[
                "WHEN".to_string(),
                "EVENT".into(),
                "OUTCOME".into(),
                "STATUS".into(),
                "MS".into(),
                "KEY".into(),
                "ERROR".into(),
            ]];
            for d in api.automation_deliveries(&entity, &name, limit).await? {
                rows.push([
                    d.attempted_at,
                    d.event_type,
                    d.outcome,
                    d.status
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "-".into()),
                    d.elapsed_ms.to_string(),
                    d.idempotency_key,
                    d.error.unwrap_or_default(),
                ]);
            }
            print_table(&rows);
        }
    }
    Ok(())
}

/// The automation of `entity` named `name`, or an error saying there is none.
async fn find(api: &Api, entity: &str, name: &str) -> anyhow::Result<Automation> {
    api.automation(entity, name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("{entity} has no automation named {name:?}"))
}

fn action_name(action: &AutomationAction) -> &'static str {
    match action {
        AutomationAction::Webhook { .. } => "webhook",
        AutomationAction::Notification { .. } => "notification",
        AutomationAction::NoOp => "none",
    }
}
