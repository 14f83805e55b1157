//! Arrow IPC streams: the multi-run export writes batches with one common
//! schema into a stream, and readers take them back.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, new_null_array};
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::text::json_texts;
use crate::{ENCODING_JSON, ENCODING_KEY, Error, STEP, is_json_field};

/// Writes record batches of one schema as Arrow IPC stream bytes.
pub struct IpcWriter {
    inner: StreamWriter<Vec<u8>>,
}

impl IpcWriter {
    /// A stream whose batches all have `schema`.
    pub fn new(schema: &Schema) -> Result<Self, Error> {
        Ok(IpcWriter {
            inner: StreamWriter::try_new(Vec::new(), schema)?,
        })
    }

    /// Append one batch; its schema must be the stream's.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), Error> {
        Ok(self.inner.write(batch)?)
    }

    /// The bytes written so far; the caller may send and `clear` them
    /// between batches to stream without holding the whole export.
    pub fn buffer_mut(&mut self) -> &mut Vec<u8> {
        self.inner.get_mut()
    }

    /// End the stream and return its bytes (those not taken out before).
    pub fn finish(mut self) -> Result<Vec<u8>, Error> {
        self.inner.finish()?;
        Ok(self.inner.into_inner()?)
    }
}

/// Reads an Arrow IPC stream as its bytes arrive (a streamed HTTP body):
/// each [`IpcDecoder::push`] returns the batches completed by those bytes.
#[derive(Default)]
pub struct IpcDecoder {
    inner: arrow_ipc::reader::StreamDecoder,
}

impl IpcDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        IpcDecoder::default()
    }

    /// Decode `bytes`, the stream's next bytes.
    pub fn push(&mut self, bytes: bytes::Bytes) -> Result<Vec<RecordBatch>, Error> {
        let mut buffer = arrow_buffer::Buffer::from(bytes);
        let mut batches = Vec::new();
        while !buffer.is_empty() {
            if let Some(batch) = self.inner.decode(&mut buffer)? {
                batches.push(batch);
            }
        }
        Ok(batches)
    }

    /// The stream's schema, once its first message arrived.
    pub fn schema(&self) -> Option<SchemaRef> {
        self.inner.schema()
    }

    /// Check the stream ended whole (not cut off mid-message).
    pub fn finish(&mut self) -> Result<(), Error> {
        Ok(self.inner.finish()?)
    }
}

/// Read Arrow IPC stream bytes back: the schema and every batch.
pub fn read_ipc(bytes: &[u8]) -> Result<(SchemaRef, Vec<RecordBatch>), Error> {
    let reader = StreamReader::try_new(bytes, None)?;
    let schema = reader.schema();
    let batches = reader.collect::<Result<Vec<_>, _>>()?;
    Ok((schema, batches))
}

/// One schema for batches of several runs (for an export stream): `_step`
/// first, then every other column in first-seen order; a key whose type
/// differs between schemas becomes a json-encoded Utf8 column.
pub fn unify_schemas<'s>(schemas: impl IntoIterator<Item = &'s Schema>) -> Schema {
    let mut fields: Vec<Field> = vec![Field::new(STEP, DataType::Int64, false)];
    let mut index: HashMap<String, usize> = HashMap::new();
    for schema in schemas {
        for field in schema.fields() {
            if field.name() == STEP {
                continue;
            }
            match index.get(field.name()) {
                None => {
                    index.insert(field.name().clone(), fields.len());
                    fields.push(field.as_ref().clone().with_nullable(true));
                }
                Some(&i) => {
                    let seen = &fields[i];
                    if seen.data_type() != field.data_type()
                        || is_json_field(seen) != is_json_field(field)
                    {
                        fields[i] = json_field(field.name());
                    }
                }
            }
        }
    }
    Schema::new(fields)
}

fn json_field(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true).with_metadata(HashMap::from([(
        ENCODING_KEY.to_owned(),
        ENCODING_JSON.to_owned(),
    )]))
}

/// `batch` reshaped to `schema` (from [`unify_schemas`]): columns it lacks
/// are all null, columns `schema` holds as json-encoded but `batch` holds
/// typed are turned into JSON texts. Fails when a column's type would have
/// to change otherwise.
pub fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, Error> {
    let source = batch.schema();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let column = match source.index_of(field.name()) {
            Err(_) => new_null_array(field.data_type(), batch.num_rows()),
            Ok(i) => {
                let have = source.field(i);
                let array = batch.column(i);
                if have.data_type() == field.data_type()
                    && is_json_field(have) == is_json_field(field)
                {
                    array.clone()
                } else if is_json_field(field) {
                    Arc::new(json_texts(array.as_ref(), have)?)
                } else {
                    return Err(Error::Invalid(format!(
                        "The column {:?} is {} in the batch but {} in the schema.",
                        field.name(),
                        have.data_type(),
                        field.data_type()
                    )));
                }
            }
        };
        columns.push(column);
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}
