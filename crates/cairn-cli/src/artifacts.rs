//! `cairn artifact …`: list, download, log and delete artifacts, built on
//! `cairn-client`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};
use cairn_client::{Api, Artifact, NewArtifact, Progress, ProgressFn};
use clap::Subcommand;

use crate::admin::Connection;
use crate::runs::print_table;

/// `cairn artifact …`
#[derive(Debug, Subcommand)]
pub enum ArtifactCommand {
    /// List a project's artifact types and collections, or the versions of
    /// one collection.
    #[command(visible_alias = "list")]
    Ls {
        /// ENTITY/PROJECT (types and collections) or ENTITY/PROJECT/NAME
        /// (its versions).
        path: String,
        /// Only this artifact type.
        #[arg(long = "type", value_name = "TYPE")]
        type_name: Option<String>,
    },
    /// Download an artifact version: in parallel, skipping files already
    /// present with the right MD5, checking every file's digest.
    Get {
        /// ENTITY/PROJECT/NAME[:ALIAS] (ALIAS is an alias or vN; default
        /// latest).
        artifact: String,
        /// Refuse unless the artifact has this type.
        #[arg(long = "type", value_name = "TYPE")]
        type_name: Option<String>,
        /// Folder to download into (default ./artifacts/NAME:vN).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Log files and directories as a new version of an artifact.
    ///
    /// Files keep their file name; a directory's files are named by their
    /// path below it. Bytes the server already stores are not sent again.
    Put {
        /// ENTITY/PROJECT to log into (ENTITY/PROJECT/RUN_ID to record the
        /// run as the artifact's creator).
        project: String,
        /// Files and directories to include.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The artifact (collection) name.
        #[arg(long)]
        name: String,
        /// The artifact type (dataset, model, …).
        #[arg(long = "type", value_name = "TYPE")]
        type_name: String,
        /// An alias for the new version (repeatable; latest is always added).
        #[arg(long = "alias", value_name = "ALIAS")]
        aliases: Vec<String>,
        /// A tag for the new version (repeatable).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        /// Metadata, a JSON object.
        #[arg(long)]
        metadata: Option<String>,
    },
    /// Delete an artifact version.
    #[command(visible_alias = "delete")]
    Rm {
        /// ENTITY/PROJECT/NAME:vN (or :ALIAS).
        artifact: String,
        /// Also delete its aliases (without this, a version holding aliases
        /// other than latest is refused).
        #[arg(long)]
        delete_aliases: bool,
    },
}

/// Run `cairn artifact …`.
pub async fn artifact(conn: &Connection, cmd: ArtifactCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    match cmd {
        ArtifactCommand::Ls { path, type_name } => list(&api, &path, type_name.as_deref()).await,
        ArtifactCommand::Get {
            artifact,
            type_name,
            root,
        } => {
            let artifact = find(&api, &artifact, type_name.as_deref()).await?;
            let root = root.unwrap_or_else(|| {
                PathBuf::from("artifacts").join(artifact.name().replace(':', "_"))
            });
            let bar = progress_bar("downloading");
            let summary = artifact
                .download_with_progress(&root, Some(progress_fn(&bar)))
                .await;
            bar.finish_and_clear();
            let summary =
                summary.with_context(|| format!("downloading {}", artifact.qualified_name()))?;
            println!(
                "{} -> {}: {} files fetched ({}), {} already present",
                artifact.qualified_name(),
                summary.root.display(),
                summary.downloaded,
                human_bytes(summary.bytes_downloaded),
                summary.skipped
            );
            if summary.references > 0 {
                eprintln!(
                    "note: {} reference entries (s3://, https://, …) were not fetched",
                    summary.references
                );
            }
            Ok(())
        }
        ArtifactCommand::Put {
            project,
            paths,
            name,
            type_name,
            aliases,
            tags,
            description,
            metadata,
        } => {
            let mut draft = NewArtifact::new(&name, &type_name);
            if let Some(description) = description {
                draft = draft.description(description);
            }
            if let Some(text) = metadata {
                let value: serde_json::Value = serde_json::from_str(&text)
                    .with_context(|| format!("--metadata is not JSON: {text}"))?;
                let serde_json::Value::Object(map) = value else {
                    bail!("--metadata must be a JSON object, got {text}");
                };
                draft = draft.metadata(map);
            }
            for path in &paths {
                let meta = std::fs::metadata(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                draft = if meta.is_dir() {
                    draft.add_dir(path, None)
                } else {
                    draft.add_file(path, None)
                };
            }
            let aliases: Vec<&str> = aliases.iter().map(String::as_str).collect();
            let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
            let bar = progress_bar("uploading");
            let logged = api
                .log_artifact_with_progress(
                    &project,
                    draft,
                    &aliases,
                    &tags,
                    Some(progress_fn(&bar)),
                )
                .await;
            bar.finish_and_clear();
            let (artifact, summary) =
                logged.with_context(|| format!("logging {name} to {project}"))?;
            if summary.deduplicated {
                println!(
                    "{}: identical to the existing version, nothing uploaded",
                    artifact.qualified_name()
                );
            } else {
                println!(
                    "{}: {} files ({}), {} uploaded ({}), {} already stored",
                    artifact.qualified_name(),
                    summary.files,
                    human_bytes(summary.bytes),
                    summary.uploaded_files,
                    human_bytes(summary.uploaded_bytes),
                    summary.files - summary.uploaded_files
                );
            }
            Ok(())
        }
        ArtifactCommand::Rm {
            artifact,
            delete_aliases,
        } => {
            let found = find(&api, &artifact, None).await?;
            let name = found.qualified_name();
            found
                .delete(delete_aliases)
                .await
                .with_context(|| format!("deleting {name}"))?;
            println!("deleted {name}");
            Ok(())
        }
    }
}

async fn find(api: &Api, name: &str, type_name: Option<&str>) -> anyhow::Result<Artifact> {
    api.artifact(name, type_name)
        .await?
        .with_context(|| format!("no artifact {name:?} (or you may not read it)"))
}

async fn list(api: &Api, path: &str, type_name: Option<&str>) -> anyhow::Result<()> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        [_, _, name] => {
            if name.contains(':') {
                bail!("name a collection without a version: {path:?}");
            }
            let type_name = match type_name {
                Some(t) => t.to_string(),
                None => find(api, path, None).await?.artifact_type().to_string(),
            };
            let mut versions = api.artifacts(&type_name, path, 100, &[]);
            let mut rows = vec![[
                "VERSION".to_string(),
                "ALIASES".into(),
                "FILES".into(),
                "SIZE".into(),
                "CREATED".into(),
            ]];
            while let Some(a) = versions.next().await? {
                rows.push([
                    a.version(),
                    a.aliases().join(","),
                    a.file_count().to_string(),
                    human_bytes(a.size()),
                    a.created_at().unwrap_or("-").to_string(),
                ]);
            }
            print_table(&rows);
        }
        [_, _] | [_] => {
            let mut rows = vec![["TYPE".to_string(), "COLLECTION".into(), "VERSIONS".into()]];
            let types: Vec<String> = match type_name {
                Some(t) => vec![t.to_string()],
                None => api
                    .artifact_types(path, 100)
                    .collect_all()
                    .await?
                    .into_iter()
                    .map(|t| t.name().to_string())
                    .collect(),
            };
            for type_name in types {
                let mut collections = api.artifact_collections(path, &type_name, 100).await?;
                while let Some(c) = collections.next().await? {
                    let count = c.artifacts(1).len().await?;
                    rows.push([type_name.clone(), c.name().to_string(), count.to_string()]);
                }
            }
            print_table(&rows);
        }
        _ => bail!("expected ENTITY/PROJECT or ENTITY/PROJECT/NAME, got {path:?}"),
    }
    Ok(())
}

/// A byte progress bar on stderr, hidden when stderr is not a terminal.
fn progress_bar(verb: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {msg} {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(verb.to_string());
    bar
}

fn progress_fn(bar: &indicatif::ProgressBar) -> ProgressFn {
    let bar = bar.clone();
    // The message changes when a file completes, not with every chunk.
    let shown = AtomicU64::new(u64::MAX);
    Arc::new(move |p: Progress| {
        bar.set_length(p.bytes_total);
        bar.set_position(p.bytes_done);
        if shown.swap(p.files_done, Ordering::Relaxed) != p.files_done {
            bar.set_message(format!("{}/{} files", p.files_done, p.files_total));
        }
    })
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_human() {
        assert_eq!(human_bytes(5), "5 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
    }
}
