//! `cairn secret …`: list, set and delete an entity's secrets (the values
//! its webhooks sign with or send as a token), built on `cairn-client`.
//! A value is read from standard input, never from the command line, where
//! other accounts could see it in the process list and shells keep it in
//! their history.

use std::io::Read;

use anyhow::Context;
use clap::Subcommand;

use crate::admin::Connection;
use crate::runs::print_table;

/// `cairn secret …`
#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// List the names of an entity's secrets (values are never shown).
    #[command(visible_alias = "list")]
    Ls {
        /// The team or user.
        entity: String,
    },
    /// Set a secret, replacing its value if it exists (the entity's admins
    /// may). The value is read from standard input; one trailing newline is
    /// dropped.
    Set {
        /// The team or user it belongs to.
        entity: String,
        /// Its name: letters, digits and '_', not starting with a digit.
        name: String,
    },
    /// Delete a secret.
    Rm {
        /// The team or user it belongs to.
        entity: String,
        /// Its name.
        name: String,
    },
}

/// Run `cairn secret …`.
pub async fn secret(conn: &Connection, cmd: SecretCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    match cmd {
        SecretCommand::Ls { entity } => {
            let mut rows = vec![["NAME".to_string(), "CREATED".into()]];
            for secret in api.secrets(&entity).await? {
                rows.push([secret.name, secret.created_at]);
            }
            print_table(&rows);
        }
        SecretCommand::Set { entity, name } => {
            let mut value = String::new();
            std::io::stdin()
                .read_to_string(&mut value)
                .context("cannot read the secret's value from standard input")?;
            let value = trim_newline(&value);
            api.set_secret(&entity, &name, value).await?;
            println!("Set secret {name} of {entity}");
        }
        SecretCommand::Rm { entity, name } => {
            api.delete_secret(&entity, &name).await?;
            println!("Deleted secret {name} of {entity}");
        }
    }
    Ok(())
}

/// `value` without one trailing newline (`\n` or `\r\n`), as `echo` and
/// files made by editors end.
fn trim_newline(value: &str) -> &str {
    value
        .strip_suffix("\r\n")
        .or_else(|| value.strip_suffix('\n'))
        .unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::trim_newline;

    #[test]
    fn one_trailing_newline_is_dropped() {
        assert_eq!(trim_newline("tok\n"), "tok");
        assert_eq!(trim_newline("tok\r\n"), "tok");
        assert_eq!(trim_newline("tok\n\n"), "tok\n");
        assert_eq!(trim_newline(" tok "), " tok ");
    }
}
