//! The columnar form of a run's history.
//!
//! Cairn keeps a run's recent history rows as text (each row a JSON object
//! as the W&B client sent it, in relaxed JSON that may hold bare `NaN`,
//! `Infinity` and `-Infinity`) and compacts older rows into Parquet files.
//! Those files are read back by the server (paged reads, sampling,
//! downloads) and by the official W&B client, whose reader (arrow-rs
//! parquet) wants a top-level non-null Int64 `_step`, Utf8 (not LargeUtf8)
//! strings, flat columns and rows sorted by `_step`. This crate converts
//! rows ⇄ Arrow [`RecordBatch`] ⇄ Parquet bytes (and Arrow IPC stream bytes
//! for exports). It does no I/O beyond byte buffers.
//!
//! # Column mapping
//!
//! Decided per batch (so per file) from all of its rows:
//!
//! - `_step`: the first column, Int64, not nullable, from the step given
//!   with each row (a `_step` key in the row text is ignored). Rows are
//!   sorted by step; rows with equal steps keep their input order.
//! - Every other top-level key becomes one column named exactly as the
//!   key, in first-seen order across the rows. A row without the key has
//!   a null cell.
//! - A key's column type comes from its values:
//!   - all JSON integers fitting `i64` → Int64;
//!   - JSON floats (a fraction or exponent, or `-0`, which serde_json
//!     reads as a float) and/or non-finite values (bare `NaN`, `Infinity`,
//!     `-Infinity`, or those words as strings), perhaps with integers of
//!     at most 2^53 among them → Float64, non-finite values as IEEE values
//!     (an integer there reads back as a float: wandb-core writes a whole
//!     float such as `1.0` as `1`, so one metric's values often mix both);
//!   - all booleans → Boolean;
//!   - all strings → Utf8;
//!   - anything else (objects, arrays, integers beyond `i64`, a mix such
//!     as numbers and strings, or any explicit `null`) → Utf8 holding each
//!     value's JSON text as it was sent (so bare `NaN` inside an object
//!     stays bare), with field metadata `{"cairn.encoding": "json"}`; an
//!     explicit `null` is the text `null`, an absent key a null cell.
//! - Columns are flat primitives only: no Struct, List or Map.
//!
//! Reading back ([`to_rows`], [`for_each_row`]) writes each row as a JSON
//! object: `_step` first, then the other columns in order, null cells left
//! out; Int64 as integers, Float64 in the shortest form that parses back
//! to the same bits (non-finite as bare tokens), Boolean as `true`/`false`,
//! Utf8 as an escaped string, json-encoded columns spliced in. For any
//! rows, parsing each text read back with `cairn_types::relaxed::parse`
//! gives the same value as parsing the row sent (after a stable sort by
//! step), with every float's bits kept and every number's int-or-float
//! kind too, except integers in a Float64 column (above).
//!
//! # Parquet encodings
//!
//! [`encode_parquet`] writes zstd level [`ZSTD_LEVEL`] (3), row groups of
//! [`ROW_GROUP_ROWS`] (16384) rows, page statistics, `_step` declared as
//! the sort column. Int64 columns (including `_step`) use
//! DELTA_BINARY_PACKED and Float64 columns BYTE_STREAM_SPLIT, neither with
//! a dictionary; Utf8 columns (json-encoded ones too) use the dictionary.
//!
//! Measured on 100,000 rows of `_step`, `_runtime`, `_timestamp` and 10
//! float metrics, counting the whole file against the 10 metric columns:
//! 7.83 bytes per metric point for uniform random metrics and 6.44 for
//! smooth training curves with noise. zstd levels 1 to 6 differ by under
//! 0.3% in size (BYTE_STREAM_SPLIT leaves little for zstd beyond the
//! exponent bytes), and level 3 encodes as fast as any; 65536-row groups
//! would save 0.3–1.4%, not worth 4× coarser pruning for paged reads. Run
//! `cargo test --release -p cairn-history --test measure -- --ignored --nocapture`
//! for the figures on a machine.
#![deny(missing_docs)]

mod batch;
mod export;
mod file;
mod ipc;
mod scan;
mod text;

pub use arrow_array;
pub use arrow_array::RecordBatch;
pub use arrow_schema;
pub use batch::{number_values, retain_steps, rows_to_batch, step_values};
pub use export::{ExportKind, ParquetExport, RUN, concat, export_batch, export_schema};
pub use file::{
    HistoryFile, ROW_GROUP_ROWS, Selection, ZSTD_LEVEL, encode_parquet, encode_parquet_with,
};
pub use ipc::{IpcDecoder, IpcWriter, conform, read_ipc, unify_schemas};
pub use text::{for_each_row, to_rows};

/// The step column's name.
pub const STEP: &str = "_step";
/// The field metadata key that marks a column's encoding.
pub const ENCODING_KEY: &str = "cairn.encoding";
/// [`ENCODING_KEY`]'s value for a Utf8 column of JSON texts.
pub const ENCODING_JSON: &str = "json";

/// Whether `field` is a Utf8 column of JSON texts.
pub fn is_json_field(field: &arrow_schema::Field) -> bool {
    field.metadata().get(ENCODING_KEY).map(String::as_str) == Some(ENCODING_JSON)
}

/// What went wrong converting history.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A row text is not a relaxed-JSON object.
    #[error("History row {row} (counting from 0) is not a JSON object: {reason}.")]
    Row {
        /// The row's position in the input.
        row: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A batch or file does not have the shape of history.
    #[error("{0}")]
    Invalid(String),
    /// Parquet could not be read or written.
    #[error("The Parquet data could not be read or written: {0}.")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// Arrow data could not be built or read.
    #[error("The Arrow data could not be built or read: {0}.")]
    Arrow(#[from] arrow_schema::ArrowError),
}

impl Error {
    fn invalid(message: &str) -> Self {
        Error::Invalid(message.to_owned())
    }
}
