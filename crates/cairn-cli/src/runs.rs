//! `cairn run …`: list, inspect, export and delete runs, and fetch their
//! files, built on `cairn-client`.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use cairn_client::{Filter, HistoryRow, Run};
use clap::{Subcommand, ValueEnum};
use serde_json::Value;

use crate::admin::Connection;

/// `cairn run …`
#[derive(Debug, Subcommand)]
pub enum RunCommand {
    /// List a project's runs, oldest first unless --order says otherwise.
    #[command(visible_alias = "list")]
    Ls {
        /// ENTITY/PROJECT (or PROJECT in --entity / your default entity).
        project: String,
        /// MongoDB-style JSON filter, e.g. '{"config.lr": {"$gt": 0.01}}'.
        #[arg(long)]
        filter: Option<String>,
        /// Sort order, e.g. -created_at, +config.lr, -summary_metrics.loss.
        #[arg(long)]
        order: Option<String>,
        /// Show at most this many runs.
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Show a run: its state, fields, config and summary.
    Show {
        /// ENTITY/PROJECT/RUN_ID.
        run: String,
    },
    /// Export a run's history, every row in step order.
    ///
    /// NaN and infinities are written as NaN, Infinity and -Infinity (in
    /// JSON lines: as those strings).
    History {
        /// ENTITY/PROJECT/RUN_ID.
        run: String,
        /// Only rows having all these keys, holding only them and _step.
        #[arg(long, value_delimiter = ',')]
        keys: Vec<String>,
        /// First step (inclusive).
        #[arg(long)]
        min_step: Option<i64>,
        /// Last step (exclusive).
        #[arg(long)]
        max_step: Option<i64>,
        /// Output format. CSV columns are --keys, else the keys of the
        /// first page of rows.
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Write here instead of to standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Rows per request.
        #[arg(long, default_value_t = 1000)]
        page_size: u32,
    },
    /// List a run's files.
    Files {
        /// ENTITY/PROJECT/RUN_ID.
        run: String,
    },
    /// Download a run file (to DIR/FILE).
    Download {
        /// ENTITY/PROJECT/RUN_ID.
        run: String,
        /// The file's name in the run, as `cairn run files` shows it.
        file: String,
        /// Folder to download into.
        #[arg(long, default_value = ".")]
        to: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        replace: bool,
    },
    /// Delete a run with its history and files.
    #[command(visible_alias = "delete")]
    Rm {
        /// ENTITY/PROJECT/RUN_ID.
        run: String,
    },
}

/// How `cairn run history` writes rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// Run `cairn run …`.
pub async fn run(conn: &Connection, cmd: RunCommand) -> anyhow::Result<()> {
    let api = conn.api()?;
    match cmd {
        RunCommand::Ls {
            project,
            filter,
            order,
            limit,
        } => {
            let filter = match filter {
                Some(text) => Filter::from(
                    serde_json::from_str::<Value>(&text)
                        .with_context(|| format!("--filter is not JSON: {text}"))?,
                ),
                None => Filter::default(),
            };
            let per_page = limit.map_or(100, |l| l.clamp(1, 100) as u32);
            let mut pager = api.runs(&project, filter, order.as_deref(), per_page);
            let mut rows = vec![[
                "ID".to_string(),
                "STATE".into(),
                "CREATED".into(),
                "NAME".into(),
                "TAGS".into(),
            ]];
            while limit.is_none_or(|l| (rows.len() as u64 - 1) < l) {
                let Some(run) = pager.next().await? else {
                    break;
                };
                rows.push([
                    run.id().to_string(),
                    run.state().to_string(),
                    run.created_at().unwrap_or("-").to_string(),
                    run.display_name().unwrap_or("-").to_string(),
                    run.tags().join(","),
                ]);
            }
            print_table(&rows);
            let total = pager.len().await?;
            if rows.len() as u64 - 1 < total {
                eprintln!("showing {} of {total} runs", rows.len() - 1);
            }
        }
        RunCommand::Show { run } => show(&api.run(&run).await?)?,
        RunCommand::History {
            run,
            keys,
            min_step,
            max_step,
            format,
            output,
            page_size,
        } => {
            let run = api.run(&run).await?;
            let out: Box<dyn Write> = match &output {
                Some(path) => Box::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot write {}", path.display()))?,
                ),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut out = std::io::BufWriter::new(out);
            let written =
                export_history(&run, &keys, min_step, max_step, page_size, format, &mut out)
                    .await
                    .and_then(|()| out.flush().map_err(Into::into));
            match written {
                Err(e) if is_broken_pipe(&e) => {}
                other => other?,
            }
        }
        RunCommand::Files { run } => {
            let run = api.run(&run).await?;
            let mut rows = vec![["NAME".to_string(), "SIZE".into(), "UPDATED".into()]];
            let mut files = run.files(&[], 500);
            while let Some(f) = files.next().await? {
                rows.push([
                    f.name().to_string(),
                    f.size().to_string(),
                    f.updated_at().unwrap_or("-").to_string(),
                ]);
            }
            print_table(&rows);
        }
        RunCommand::Download {
            run,
            file,
            to,
            replace,
        } => {
            let run = api.run(&run).await?;
            let file = run.file(&file).await?;
            let bar = indicatif::ProgressBar::new(file.size());
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                )?
                .progress_chars("=> "),
            );
            bar.set_message(file.name().to_string());
            let result = file
                .download_with_progress(&to, replace, |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                })
                .await;
            bar.finish_and_clear();
            println!("{}", result?.display());
        }
        RunCommand::Rm { run } => {
            let run = api.run(&run).await?;
            let path = run.path();
            run.delete().await?;
            println!("deleted {path}");
        }
    }
    Ok(())
}

fn show(run: &Run) -> anyhow::Result<()> {
    let line = |name: &str, value: &str| println!("{name:<10} {value}");
    line("path", &run.path());
    line("name", run.display_name().unwrap_or("-"));
    line("state", run.state());
    line("created", run.created_at().unwrap_or("-"));
    line("heartbeat", run.heartbeat_at().unwrap_or("-"));
    line("user", run.user().unwrap_or("-"));
    line("tags", &run.tags().join(","));
    for (name, value) in [
        ("group", run.group()),
        ("job type", run.job_type()),
        ("sweep", run.sweep_name()),
        ("commit", run.commit()),
        ("notes", run.notes()),
    ] {
        if let Some(value) = value {
            line(name, value);
        }
    }
    let last = run
        .last_history_step()
        .map_or(String::new(), |s| format!(", last step {s}"));
    line(
        "history",
        &format!("{} rows{last}", run.history_line_count()),
    );
    println!(
        "config\n{}",
        serde_json::to_string_pretty(&Value::Object(run.config().clone()))?
    );
    println!(
        "summary\n{}",
        serde_json::to_string_pretty(&Value::Object(run.summary().clone()))?
    );
    Ok(())
}

/// Stream the history to `out`.
async fn export_history(
    run: &Run,
    keys: &[String],
    min_step: Option<i64>,
    max_step: Option<i64>,
    page_size: u32,
    format: Format,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut scan = run.scan_history(&key_refs, min_step, max_step, page_size);
    if format == Format::Jsonl {
        while let Some(row) = scan.next().await? {
            serde_json::to_writer(&mut *out, &row)?;
            out.write_all(b"\n")?;
        }
        return Ok(());
    }
    // The header comes from the keys asked for, else from the first page.
    let mut first_page = Vec::new();
    while first_page.len() < page_size.max(1) as usize {
        match scan.next().await? {
            Some(row) => first_page.push(row),
            None => break,
        }
    }
    let columns = csv_columns(keys, &first_page);
    write_csv_line(out, columns.iter().map(|c| c.as_str()))?;
    let mut dropped = BTreeSet::new();
    let mut write_row = |out: &mut dyn Write, row: &HistoryRow| -> anyhow::Result<()> {
        for key in row.keys() {
            if !columns.contains(key) && dropped.insert(key.clone()) {
                eprintln!(
                    "warning: key {key:?} first appears after the first page and is not in the CSV; name it with --keys"
                );
            }
        }
        let cells: Vec<String> = columns
            .iter()
            .map(|c| row.get(c).map_or(String::new(), csv_cell))
            .collect();
        write_csv_line(out, cells.iter().map(String::as_str))?;
        Ok(())
    };
    for row in &first_page {
        write_row(out, row)?;
    }
    while let Some(row) = scan.next().await? {
        write_row(out, &row)?;
    }
    Ok(())
}

/// `_step` first, then the given keys, or else every key of the first page
/// in sorted order.
fn csv_columns(keys: &[String], first_page: &[HistoryRow]) -> Vec<String> {
    let mut rest: BTreeSet<String> = if keys.is_empty() {
        first_page.iter().flat_map(|r| r.keys().cloned()).collect()
    } else {
        keys.iter().cloned().collect()
    };
    rest.remove("_step");
    let mut columns = vec!["_step".to_string()];
    if keys.is_empty() {
        columns.extend(rest);
    } else {
        columns.extend(keys.iter().filter(|k| *k != "_step").cloned());
    }
    columns
}

/// A value as a CSV cell: strings bare, null empty, structures as JSON.
fn csv_cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn write_csv_line<'a>(
    out: &mut (impl Write + ?Sized),
    cells: impl Iterator<Item = &'a str>,
) -> std::io::Result<()> {
    let mut first = true;
    for cell in cells {
        if !first {
            out.write_all(b",")?;
        }
        first = false;
        if cell.contains([',', '"', '\n', '\r']) {
            write!(out, "\"{}\"", cell.replace('"', "\"\""))?;
        } else {
            out.write_all(cell.as_bytes())?;
        }
    }
    out.write_all(b"\n")
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Columns padded to their widest cell, two spaces apart.
pub(crate) fn print_table<const N: usize>(rows: &[[String; N]]) {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        println!("{}", line.trim_end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_only_when_needed() {
        let mut out = Vec::new();
        write_csv_line(&mut out, ["a", "b,c", "say \"hi\"", ""].into_iter()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\",\n"
        );
        assert_eq!(csv_cell(&serde_json::json!({"x": 1})), "{\"x\":1}");
        assert_eq!(csv_cell(&serde_json::json!("NaN")), "NaN");
        assert_eq!(csv_cell(&Value::Null), "");
    }

    #[test]
    fn columns_put_the_step_first() {
        let keys = vec!["loss".to_string(), "_step".to_string(), "acc".to_string()];
        assert_eq!(csv_columns(&keys, &[]), ["_step", "loss", "acc"]);
    }
}
