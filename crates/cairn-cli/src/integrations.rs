//! `cairn integration …`: list, create and delete an entity's generic
//! webhook integrations (what automations will deliver to), built on
//! `cairn-client`.

use clap::Subcommand;

use crate::admin::Connection;
use crate::runs::print_table;

/// `cairn integration …`
#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// List an entity's webhook integrations, oldest first.
    #[command(visible_alias = "list")]
    Ls {
        /// The team or user; your default entity when left out.
        entity: Option<String>,
    },
    /// Create a generic webhook (the entity's admins may; the server's
    /// --webhook-allow must allow the URL).
    Create {
        /// The team or user it belongs to.
        entity: String,
        /// Its name, unique in the entity.
        name: String,
        /// Where deliveries are POSTed (http or https).
        url: String,
        /// Make it a Slack incoming webhook posting to this channel:
        /// notification automations (`SendNotification`) use it.
        #[arg(long, value_name = "CHANNEL")]
        slack_channel: Option<String>,
    },
    /// Send your run alerts (`run.alert`) to an integration, by id; with
    /// --clear, nowhere (they are only logged).
    Alerts {
        /// The integration's id, as `ls` prints it.
        #[arg(required_unless_present = "clear")]
        id: Option<String>,
        /// Stop sending run alerts anywhere.
        #[arg(long, conflicts_with = "id")]
        clear: bool,
    },
    /// Delete an integration by id.
    Rm {
        /// The integration's id, as `ls` prints it.
        id: String,
    },
}

/// Run `cairn integration …`.
pub async fn integration(conn: &Connection, cmd: IntegrationCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    match cmd {
        IntegrationCommand::Ls { entity } => {
            let mut rows = vec![["ID".to_string(), "NAME".into(), "URL".into()]];
            for hook in api
                .integrations(entity.as_deref(), 100)
                .collect_all()
                .await?
            {
                rows.push([hook.id, hook.name, hook.url_endpoint]);
            }
            print_table(&rows);
        }
        IntegrationCommand::Create {
            entity,
            name,
            url,
            slack_channel: Some(channel),
        } => {
            let id = api
                .create_slack_integration(&entity, &name, &url, &channel)
                .await?;
            println!("Created Slack webhook {name:?} ({id}) -> {channel}");
        }
        IntegrationCommand::Create {
            entity,
            name,
            url,
            slack_channel: None,
        } => {
            let hook = api.create_webhook_integration(&entity, &name, &url).await?;
            println!(
                "Created webhook {:?} ({}) -> {}",
                hook.name, hook.id, hook.url_endpoint
            );
        }
        IntegrationCommand::Alerts { id, clear: _ } => {
            api.set_alert_integration(id.as_deref()).await?;
            match id {
                Some(id) => println!("Your run alerts go to integration {id}"),
                None => println!("Your run alerts are only logged now"),
            }
        }
        IntegrationCommand::Rm { id } => {
            api.delete_integration(&id).await?;
            println!("Deleted integration {id}");
        }
    }
    Ok(())
}
