//! Multi-run exports: one or more metrics of many runs in one stream, as
//! Arrow IPC, Parquet or JSON lines.
//!
//! Runs differ: one logged `loss` as floats, another as ints, a third
//! never. An export's schema is therefore fixed before the first run is
//! read, from what the runs' key counts say: a key whose values are all
//! numbers travels as Float64 (ints become floats, which is what a chart
//! or a data frame wants), any other as its JSON text (json-encoded Utf8,
//! as in history files). Each run's rows are then reshaped to that schema
//! by [`export_batch`], with the run's name in the `run` column.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, new_null_array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;

use crate::text::json_texts;
use crate::{ENCODING_JSON, ENCODING_KEY, Error, ROW_GROUP_ROWS, STEP, ZSTD_LEVEL};

/// The column naming each row's run.
pub const RUN: &str = "run";

/// How a key travels in an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// Every value is a number: Float64.
    Number,
    /// Anything else: the value's JSON text.
    Json,
}

/// The schema of an export of `keys`: `run` (Utf8), `_step` (Int64), then
/// the keys in the order given.
pub fn export_schema(keys: &[(String, ExportKind)]) -> SchemaRef {
    let mut fields = vec![
        Field::new(RUN, DataType::Utf8, false),
        Field::new(STEP, DataType::Int64, false),
    ];
    for (key, kind) in keys {
        fields.push(match kind {
            ExportKind::Number => Field::new(key, DataType::Float64, true),
            ExportKind::Json => Field::new(key, DataType::Utf8, true)
                .with_metadata([(ENCODING_KEY.to_owned(), ENCODING_JSON.to_owned())]),
        });
    }
    Arc::new(Schema::new(fields))
}

/// One run's history rows (a batch of [`crate::rows_to_batch`] or
/// [`crate::HistoryFile::read`]) in the export `schema`. A key the batch
/// lacks is all null; a number key whose values in this run are not
/// numbers is null where they are not.
pub fn export_batch(
    run: &str,
    batch: &RecordBatch,
    schema: &SchemaRef,
) -> Result<RecordBatch, Error> {
    let rows = batch.num_rows();
    let source = batch.schema();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    columns.push(Arc::new(StringArray::from(vec![run; rows])));
    let step = source.index_of(STEP)?;
    columns.push(batch.column(step).clone());
    for field in schema.fields().iter().skip(2) {
        let Ok(i) = source.index_of(field.name()) else {
            columns.push(new_null_array(field.data_type(), rows));
            continue;
        };
        let (have, array) = (source.field(i), batch.column(i));
        let column: ArrayRef = match field.data_type() {
            DataType::Float64 => match have.data_type() {
                DataType::Float64 => array.clone(),
                DataType::Int64 => Arc::new(
                    array
                        .as_primitive::<Int64Type>()
                        .unary::<_, Float64Type>(|v| v as f64),
                ),
                _ => Arc::new(Float64Array::new_null(rows)),
            },
            _ => Arc::new(json_texts(array.as_ref(), have)?),
        };
        columns.push(column);
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// `batches` (all of `schema`) as one batch.
pub fn concat(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<RecordBatch, Error> {
    Ok(arrow_select::concat::concat_batches(schema, batches)?)
}

/// An export written as Parquet a batch at a time; the bytes written so
/// far can be taken out between batches, so an export streams without
/// being held whole.
pub struct ParquetExport {
    inner: ArrowWriter<Vec<u8>>,
}

impl ParquetExport {
    /// A file whose batches all have `schema` (from [`export_schema`]).
    pub fn new(schema: &SchemaRef) -> Result<Self, Error> {
        let props = crate::file::writer_properties(schema, ZSTD_LEVEL, ROW_GROUP_ROWS, None)?;
        Ok(ParquetExport {
            inner: ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props))?,
        })
    }

    /// Append one batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), Error> {
        Ok(self.inner.write(batch)?)
    }

    /// The bytes of the row groups finished so far (taken out).
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(self.inner.inner_mut())
    }

    /// End the file: the bytes not taken out before, footer included.
    pub fn finish(self) -> Result<Vec<u8>, Error> {
        Ok(self.inner.into_inner()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows_to_batch;

    #[test]
    fn runs_of_different_types_share_one_schema() {
        let schema = export_schema(&[
            ("loss".into(), ExportKind::Number),
            ("note".into(), ExportKind::Json),
        ]);
        let ints =
            rows_to_batch([(0, r#"{"loss": 3, "note": "a"}"#), (1, r#"{"loss": 4}"#)]).unwrap();
        let floats = rows_to_batch([(0, r#"{"loss": 0.5, "note": {"x": 1}}"#)]).unwrap();
        let a = export_batch("a", &ints, &schema).unwrap();
        let b = export_batch("b", &floats, &schema).unwrap();
        assert_eq!(a.schema(), schema);
        let loss = a.column(2).as_primitive::<Float64Type>();
        assert_eq!((loss.value(0), loss.value(1)), (3.0, 4.0));
        assert_eq!(a.column(3).as_string::<i32>().value(0), "\"a\"");
        assert!(a.column(3).is_null(1));
        assert_eq!(b.column(3).as_string::<i32>().value(0), r#"{"x": 1}"#);
        assert_eq!(b.column(0).as_string::<i32>().value(0), "b");
    }

    #[test]
    fn a_parquet_export_streams_and_reads_back() {
        let schema = export_schema(&[("loss".into(), ExportKind::Number)]);
        let mut out = ParquetExport::new(&schema).unwrap();
        let mut bytes = Vec::new();
        for run in ["a", "b"] {
            let rows: Vec<String> = (0..100).map(|s| format!(r#"{{"loss": {s}.5}}"#)).collect();
            let batch = rows_to_batch(rows.iter().enumerate().map(|(s, r)| (s as i64, r.as_str())))
                .unwrap();
            out.write(&export_batch(run, &batch, &schema).unwrap())
                .unwrap();
            bytes.extend(out.take());
        }
        bytes.extend(out.finish().unwrap());
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(
            bytes::Bytes::from(bytes),
            1024,
        )
        .unwrap();
        let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(rows, 200);
    }
}
