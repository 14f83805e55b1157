//! Admin and day-to-day commands, built on `cairn-client`.

use anyhow::{Context, bail};
use cairn_client::Api;
use clap::{Args, Subcommand};

/// How to reach the server.
#[derive(Debug, Args)]
pub struct Connection {
    /// Server URL.
    #[arg(
        long,
        env = "WANDB_BASE_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    base_url: String,
    /// API key (never printed).
    #[arg(long, env = "WANDB_API_KEY", hide_env_values = true, global = true)]
    api_key: Option<String>,
    /// Default entity.
    #[arg(long, env = "WANDB_ENTITY", global = true)]
    entity: Option<String>,
}

impl Connection {
    /// The API key given (flag or `WANDB_API_KEY`), for child processes.
    pub(crate) fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }

    /// The entity given (flag or `WANDB_ENTITY`).
    pub(crate) fn entity(&self) -> Option<&str> {
        self.entity.as_deref()
    }

    pub(crate) fn api(&self) -> anyhow::Result<Api> {
        let key = self
            .api_key
            .as_deref()
            .context("no API key: pass --api-key or set WANDB_API_KEY")?;
        let mut builder = Api::builder().base_url(&self.base_url).api_key(key);
        if let Some(entity) = &self.entity {
            builder = builder.entity(entity);
        }
        Ok(builder.build()?)
    }
}

/// `cairn user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (instance admins only).
    Create {
        /// The user's email; the username is derived from it.
        email: String,
        /// Make them an instance admin.
        #[arg(long)]
        admin: bool,
    },
    /// Search users by part of their username or email (admins only).
    List {
        /// Text to search for (empty: everyone).
        #[arg(default_value = "")]
        query: String,
    },
    /// Set or clear a person's web UI password (admins only).
    ///
    /// The password is read as one line from standard input (`echo PW |
    /// cairn user set-password NAME`), never from the command line; --clear
    /// removes it instead. Either way, every browser session of theirs
    /// ends; API keys are unaffected.
    SetPassword {
        /// The user's exact username.
        username: String,
        /// Remove the password instead of setting one.
        #[arg(long)]
        clear: bool,
    },
    /// Deactivate a user (admins only).
    ///
    /// Their API keys and browser sessions stop working; their runs,
    /// projects and artifacts stay.
    Deactivate {
        /// The user's exact username.
        username: String,
    },
    /// Reactivate a deactivated user (admins only); their keys work again.
    Activate {
        /// The user's exact username.
        username: String,
    },
}

/// `cairn key …`
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key for yourself, or (admins) for --user. Shown once.
    Create {
        /// What the key is for.
        #[arg(long)]
        description: Option<String>,
        /// Username or email of another user (admins only).
        #[arg(long)]
        user: Option<String>,
    },
    /// Register a key a user already has on another W&B server (admins
    /// only). The key is read from standard input, never from the command
    /// line; only its hash is stored.
    Import {
        /// Username or email of the key's owner.
        #[arg(long)]
        user: String,
        /// What the key is for.
        #[arg(long)]
        description: Option<String>,
    },
    /// List key names (never secrets).
    List {
        /// Username or email of another user (admins only).
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a key by name.
    Delete {
        /// The key's name, as `cairn key list` shows it.
        name: String,
        /// Username or email of another user (admins only).
        #[arg(long)]
        user: Option<String>,
    },
}

/// `cairn team …`
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Create a team.
    Create {
        /// Team name.
        name: String,
        /// Username of the team's admin (default: you).
        #[arg(long)]
        admin_user: Option<String>,
    },
    /// Show a team's members.
    Show {
        /// Team name.
        name: String,
    },
    /// Invite a user (by username or email) into a team.
    Invite {
        /// Team name.
        team: String,
        /// Username, or email (which need not have an account yet).
        username_or_email: String,
        /// Make them a team admin.
        #[arg(long)]
        admin: bool,
    },
    /// Create a service account; prints its key once.
    ServiceAccount {
        /// Team name.
        team: String,
        /// What the account is for.
        description: String,
    },
}

/// `cairn org …`
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create a further organization with its own registries (instance
    /// admins only). Add users with `cairn team invite <NAME>-org USER`.
    Create {
        /// Organization name.
        name: String,
    },
}

/// `cairn project …`
#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Create a project.
    Create {
        /// Project name.
        name: String,
    },
    /// List an entity's projects.
    List,
}

/// Print who the key belongs to.
pub async fn whoami(conn: &Connection) -> anyhow::Result<()> {
    let me = conn.api()?.viewer().await?;
    println!(
        "{} <{}>{}",
        me.username(),
        me.email().unwrap_or("-"),
        if me.admin() { " (admin)" } else { "" }
    );
    Ok(())
}

/// Run `cairn user …`.
pub async fn user(conn: &Connection, cmd: UserCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    match cmd {
        UserCommand::Create { email, admin } => {
            let user = api.create_user(&email, admin).await?;
            println!("created user {} <{}>", user.username(), email);
        }
        UserCommand::List { query } => {
            for u in api.users(&query).await? {
                let status = match (u.admin(), u.deactivated()) {
                    (_, true) => "deactivated",
                    (true, false) => "admin",
                    (false, false) => "",
                };
                println!("{}\t{}\t{status}", u.username(), u.email().unwrap_or("-"),);
            }
        }
        UserCommand::SetPassword { username, clear } => {
            if clear {
                api.set_user_password(&username, None).await?;
                println!("cleared the password of {username}");
            } else {
                let password = read_password(&username)?;
                api.set_user_password(&username, Some(&password)).await?;
                println!("set the password of {username}");
            }
        }
        UserCommand::Deactivate { username } => {
            api.set_user_active(&username, false).await?;
            println!("deactivated {username}");
        }
        UserCommand::Activate { username } => {
            api.set_user_active(&username, true).await?;
            println!("activated {username}");
        }
    }
    Ok(())
}

/// One line of standard input, without its line ending: the password for
/// `cairn user set-password`. Never taken from the command line, where
/// other users of the machine could see it. On a terminal the line is
/// echoed (turning echo off needs a crate of its own); say so first.
fn read_password(username: &str) -> anyhow::Result<String> {
    use std::io::IsTerminal;
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("New password for {username} (shown as you type; pipe it in to avoid that): ");
    }
    let mut line = String::new();
    stdin
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line
        .strip_suffix('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or(&line);
    if password.is_empty() {
        bail!(
            "no password on standard input (pipe it in, e.g. `echo PASSWORD | cairn user set-password {username}`; use --clear to remove one)"
        );
    }
    Ok(password.to_string())
}

async fn target_user(api: &Api, user: Option<&str>) -> anyhow::Result<cairn_client::User> {
    match user {
        None => Ok(api.viewer().await?),
        Some(name) => api
            .user(name)
            .await?
            .with_context(|| format!("no user matches {name:?}")),
    }
}

/// Run `cairn key …`.
pub async fn key(conn: &Connection, cmd: KeyCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    match cmd {
        KeyCommand::Create { description, user } => {
            let mut owner = target_user(&api, user.as_deref()).await?;
            let secret = owner.generate_api_key(description.as_deref()).await?;
            println!("{secret}");
            eprintln!("This is the only time the key is shown; store it now.");
        }
        KeyCommand::Import { user, description } => {
            let mut owner = target_user(&api, Some(&user)).await?;
            let mut key = String::new();
            std::io::stdin()
                .read_line(&mut key)
                .context("reading the key from standard input")?;
            let key = key.trim();
            if key.is_empty() {
                bail!(
                    "no key on standard input (pipe it in, e.g. `cairn key import --user {user} < key.txt`)"
                );
            }
            let name = owner.import_api_key(key, description.as_deref()).await?;
            println!("imported {name} for {}", owner.username());
        }
        KeyCommand::List { user } => {
            for (name, description) in target_user(&api, user.as_deref())
                .await?
                .api_key_descriptions()
            {
                println!("{name}\t{}", description.unwrap_or_default());
            }
        }
        KeyCommand::Delete { name, user } => {
            target_user(&api, user.as_deref())
                .await?
                .delete_api_key(&name)
                .await?;
            println!("revoked {name}");
        }
    }
    Ok(())
}

/// Run `cairn org …`.
pub async fn org(conn: &Connection, cmd: OrgCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    match cmd {
        OrgCommand::Create { name } => {
            let org = api.create_organization(&name).await?;
            let entity = org.org_entity.map(|e| e.name).unwrap_or_default();
            println!("created organization {} (entity {entity})", org.name);
            eprintln!("Add members with `cairn team invite {entity} USERNAME_OR_EMAIL`.");
        }
    }
    Ok(())
}

/// Run `cairn team …`.
pub async fn team(conn: &Connection, cmd: TeamCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    let load = |name: String| {
        let api = api.clone();
        async move {
            api.team(&name)
                .await?
                .with_context(|| format!("no team named {name:?} (or you are not a member)"))
        }
    };
    match cmd {
        TeamCommand::Create { name, admin_user } => {
            api.create_team(&name, admin_user.as_deref()).await?;
            println!("created team {name}");
        }
        TeamCommand::Show { name } => {
            for m in load(name).await?.members() {
                let who = m.username().or(m.email()).unwrap_or(m.name());
                let role = if m.pending() {
                    "invited"
                } else if m.admin() {
                    "admin"
                } else {
                    "member"
                };
                println!("{who}\t{role}\t{}", m.account_type().unwrap_or(""));
            }
        }
        TeamCommand::Invite {
            team,
            username_or_email,
            admin,
        } => {
            load(team.clone())
                .await?
                .invite(&username_or_email, admin)
                .await?;
            println!("invited {username_or_email} to {team}");
        }
        TeamCommand::ServiceAccount { team, description } => {
            let member = load(team)
                .await?
                .create_service_account(&description)
                .await?;
            match member.api_key() {
                Some(key) => {
                    println!("{key}");
                    eprintln!(
                        "Service account {}: this is the only time its key is shown.",
                        member.username().unwrap_or("?")
                    );
                }
                None => bail!("the service account was created but its key was not returned"),
            }
        }
    }
    Ok(())
}

/// Run `cairn project …`.
pub async fn project(conn: &Connection, cmd: ProjectCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    match cmd {
        ProjectCommand::Create { name } => {
            let entity = match &conn.entity {
                Some(e) => e.clone(),
                None => api
                    .default_entity()
                    .await?
                    .context("no entity: pass --entity")?,
            };
            let p = api.create_project(&name, &entity).await?;
            println!("created project {}", p.path());
        }
        ProjectCommand::List => {
            let mut pager = api.projects(conn.entity.as_deref(), 100);
            while let Some(p) = pager.next().await? {
                println!("{}", p.path());
            }
        }
    }
    Ok(())
}
