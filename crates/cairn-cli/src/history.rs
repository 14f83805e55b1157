//! `cairn history export`: history keys of many runs in one file (Cairn's
//! multi-run export). The server writes the file's bytes (Parquet, Arrow
//! IPC or JSON lines, from the output's extension or `--format`); this
//! command copies them to the output as they arrive.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use cairn_client::{Filter, HistoryQuery};
use clap::Subcommand;
use serde_json::Value;

use crate::admin::Connection;

/// `cairn history …`.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Export keys of every run a filter selects: one row per run and
    /// step, with the run's id in the `run` column.
    Export {
        /// ENTITY/PROJECT (or PROJECT in --entity / your default entity).
        project: String,
        /// The keys to export, comma-separated (e.g. loss,acc).
        #[arg(long, value_delimiter = ',', required = true)]
        keys: Vec<String>,
        /// MongoDB-style JSON filter, e.g. '{"config.lr": {"$gt": 0.01}}'.
        #[arg(long)]
        filter: Option<String>,
        /// At most this many rows per run, evenly spread; every row if
        /// not given.
        #[arg(long)]
        samples: Option<u32>,
        /// First step (inclusive).
        #[arg(long)]
        min_step: Option<i64>,
        /// Last step (exclusive).
        #[arg(long)]
        max_step: Option<i64>,
        /// parquet, arrow or jsonl; default: from the output's extension
        /// (.parquet, .arrow/.arrows/.ipc, .jsonl/.ndjson), else jsonl.
        #[arg(long)]
        format: Option<String>,
        /// Where to write (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// Run a `cairn history` command.
pub async fn history(conn: &Connection, cmd: HistoryCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    match cmd {
        HistoryCommand::Export {
            project,
            keys,
            filter,
            samples,
            min_step,
            max_step,
            format,
            output,
        } => {
            let format = format.unwrap_or_else(|| format_of(output.as_deref()).to_string());
            let filter = filter
                .map(|text| {
                    serde_json::from_str::<Value>(&text)
                        .map(Filter::from)
                        .with_context(|| format!("--filter is not JSON: {text}"))
                })
                .transpose()?;
            let query = HistoryQuery {
                filter,
                keys,
                samples,
                min_step,
                max_step,
                order: None,
            };
            let mut body = api.history_export(&project, &query, &format).await?;
            let mut out: Box<dyn Write> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot write {}", path.display()))?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            while let Some(chunk) = body.chunk().await.context("the export broke off")? {
                out.write_all(&chunk)?;
            }
            out.flush()?;
            Ok(())
        }
    }
}

/// The format an output file's extension names.
fn format_of(output: Option<&Path>) -> &'static str {
    match output.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
        Some("parquet") => "parquet",
        Some("arrow" | "arrows" | "ipc") => "arrow",
        _ => "jsonl",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_name_formats() {
        assert_eq!(format_of(Some(Path::new("out.parquet"))), "parquet");
        assert_eq!(format_of(Some(Path::new("a/out.arrow"))), "arrow");
        assert_eq!(format_of(Some(Path::new("out.jsonl"))), "jsonl");
        assert_eq!(format_of(None), "jsonl");
    }
}
