//! From TensorBoard events to W&B history: values, rows, summary, media.
//!
//! The mapping mirrors what the official client's TensorBoard integration
//! logs (`wandb/integration/tensorboard/log.py` and the media types in
//! `wandb/sdk/data_types/`), so runs imported here look like runs synced by
//! `wandb.init(sync_tensorboard=True)`:
//!
//! * scalars (`simple_value`, or a one-element `tensor` from the `scalars`
//!   plugin) → numbers;
//! * histograms (`histo`, or a `[k, 3]` tensor from the `histograms`
//!   plugin) → `{"_type": "histogram", "bins": [k+1 edges], "values": [k
//!   counts]}`, the edges chosen as the official client chooses them;
//! * text (`tensor` of strings from the `text` plugin) → a string;
//! * images (`image`, or the `images` plugin's tensor) → a run file under
//!   `media/images/` and the `wandb.Image` reference `{"_type":
//!   "image-file", "path", "sha256", "size", "width", "height", "format"}`.
//!
//! Rows are written as JSON text directly (not through `serde_json::Value`):
//! a million scalars must convert in well under a second, and `Value`
//! cannot hold the `NaN` and `Infinity` W&B's relaxed JSON allows.

use std::collections::HashMap;
use std::fmt::Write as _;

use prost::Message as _;
use sha2::{Digest, Sha256};

use super::Damage;
use super::proto::{Event, HistogramProto, Kind, SummaryValue, TensorProto, dtype};
use super::record::{Item, Records};

/// Most bins a W&B histogram may have (`wandb.Histogram.MAX_LENGTH`).
const MAX_HISTOGRAM_BINS: usize = 512;

/// A number as TensorBoard stored it, so it is written back exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    /// A 32-bit float: written in its shortest form (`0.1`, not
    /// `0.10000000149011612`).
    F32(f32),
    /// A 64-bit float.
    F64(f64),
    /// An integer.
    Int(i64),
}

impl Number {
    fn write_json(self, out: &mut String) {
        let _ = match self {
            Number::F32(v) if v.is_finite() => write!(out, "{v:?}"),
            Number::F64(v) if v.is_finite() => write!(out, "{v:?}"),
            Number::Int(v) => write!(out, "{v}"),
            Number::F32(v) => write!(out, "{}", non_finite(f64::from(v))),
            Number::F64(v) => write!(out, "{}", non_finite(v)),
        };
    }
}

/// W&B's relaxed-JSON spelling of a non-finite number.
fn non_finite(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// One logged value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A scalar.
    Scalar(Number),
    /// Anything else, already rendered as JSON (histogram, text, image).
    Json(String),
}

impl Value {
    fn write_json(&self, out: &mut String) {
        match self {
            Value::Scalar(n) => n.write_json(out),
            Value::Json(json) => out.push_str(json),
        }
    }
}

/// A value with its place in time.
#[derive(Debug, Clone)]
struct Point {
    step: i64,
    wall_time: f64,
    key: u32,
    value: Value,
}

/// A media file to upload with the run.
#[derive(Debug, Clone)]
pub(crate) struct Media {
    /// Its run file name (`media/images/…`).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Everything read from one run directory's `tfevents` files.
#[derive(Debug, Default)]
pub(crate) struct RunEvents {
    keys: Vec<String>,
    key_ids: HashMap<String, u32>,
    points: Vec<Point>,
    first_wall_time: Option<f64>,
    /// Media files the values refer to.
    pub media: Vec<Media>,
    /// Damaged records met.
    pub damage: Vec<Damage>,
    /// Values skipped, by reason ("audio value", …), with counts.
    pub skipped: HashMap<String, u64>,
    /// Scalars read.
    pub scalars: u64,
    /// Values read, of every kind.
    pub values: u64,
}

/// The history and summary of one run, as `file_stream` lines.
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct Converted {
    /// `wandb-history.jsonl` lines, by step.
    pub history: Vec<String>,
    /// The `wandb-summary.json` line.
    pub summary: String,
}

impl RunEvents {
    /// Read one whole `tfevents` file (`path` names it in damage reports).
    pub(crate) fn read_file(&mut self, path: &std::path::Path, data: &[u8]) {
        for item in Records::new(data) {
            match item {
                Item::Record { offset, data } => match Event::decode(data) {
                    Ok(event) => self.add_event(event),
                    Err(e) => self.damage.push(Damage {
                        path: path.to_path_buf(),
                        offset,
                        problem: format!("the record is not an Event protobuf ({e}); skipped"),
                    }),
                },
                Item::Damage { offset, problem } => self.damage.push(Damage {
                    path: path.to_path_buf(),
                    offset,
                    problem,
                }),
            }
        }
    }

    fn add_event(&mut self, event: Event) {
        let wall_time = event.wall_time;
        if wall_time.is_finite() {
            self.first_wall_time =
                Some(self.first_wall_time.map_or(wall_time, |t| t.min(wall_time)));
        }
        let Some(summary) = event.summary else {
            return;
        };
        for value in summary.value {
            self.values += 1;
            self.add_value(event.step, wall_time, value);
        }
    }

    fn add_value(&mut self, step: i64, wall_time: f64, value: SummaryValue) {
        let plugin = value
            .metadata
            .as_ref()
            .and_then(|m| m.plugin_data.as_ref())
            .map_or("", |p| p.plugin_name.as_str())
            .to_string();
        let tag = value.tag;
        let converted = match value.kind {
            Some(Kind::SimpleValue(v)) => Ok(Value::Scalar(Number::F32(v))),
            Some(Kind::Histo(histo)) => histogram_from_proto(&histo).map(Value::Json),
            Some(Kind::Image(image)) => self
                .image(&tag, step, image.encoded_image_string)
                .map(Value::Json),
            Some(Kind::Tensor(tensor)) => match plugin.as_str() {
                "scalars" | "" => tensor_scalar(&tensor).map(Value::Scalar),
                "text" => tensor_text(&tensor).map(Value::Json),
                "histograms" => tensor_histogram(&tensor).map(Value::Json),
                "images" => {
                    // `[width, height, image…]` as strings.
                    let mut images = tensor.string_val.into_iter().skip(2);
                    match images.next() {
                        Some(first) => {
                            for (i, more) in images.enumerate() {
                                let key = format!("{tag}/{}", i + 1);
                                match self.image(&key, step, more) {
                                    Ok(json) => self.push(step, wall_time, &key, Value::Json(json)),
                                    Err(why) => self.skip(why),
                                }
                            }
                            self.image(&tag, step, first).map(Value::Json)
                        }
                        None => Err("image tensor without images".to_string()),
                    }
                }
                other => Err(format!("tensor from the {other:?} plugin")),
            },
            None => Err("value of an unsupported kind (audio, …)".to_string()),
        };
        match converted {
            Ok(value) => {
                if matches!(value, Value::Scalar(_)) {
                    self.scalars += 1;
                }
                self.push(step, wall_time, &tag, value);
            }
            Err(why) => self.skip(why),
        }
    }

    fn skip(&mut self, why: String) {
        *self.skipped.entry(why).or_default() += 1;
    }

    fn push(&mut self, step: i64, wall_time: f64, tag: &str, value: Value) {
        let key = match self.key_ids.get(tag) {
            Some(&id) => id,
            None => {
                let id = self.keys.len() as u32;
                self.keys.push(tag.to_string());
                self.key_ids.insert(tag.to_string(), id);
                id
            }
        };
        self.points.push(Point {
            step,
            wall_time,
            key,
            value,
        });
    }

    /// Keep an image as a media file; its `wandb.Image` reference.
    fn image(&mut self, tag: &str, step: i64, bytes: Vec<u8>) -> Result<String, String> {
        let (format, width, height) =
            image_info(&bytes).ok_or_else(|| "image that is neither PNG nor JPEG".to_string())?;
        let sha256: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = format!(
            "media/images/{}_{step}_{}.{format}",
            safe_file_name(tag),
            &sha256[..20]
        );
        let json = serde_json::json!({
            "_type": "image-file",
            "format": format,
            "width": width,
            "height": height,
            "path": name,
            "sha256": sha256,
            "size": bytes.len(),
        })
        .to_string();
        self.media.push(Media { name, bytes });
        Ok(json)
    }

    /// History rows (one per step, by step, then wall time) and summary.
    #[cfg(test)]
    pub(crate) fn convert(self) -> Converted {
        let mut history = Vec::new();
        let summary = self.convert_each(|line| history.push(line));
        Converted { history, summary }
    }

    /// History rows (one per step, by step, then wall time) handed to
    /// `emit` in order as they are built, so they can be sent while the
    /// rest are built; returns the summary line.
    pub(crate) fn convert_each(mut self, mut emit: impl FnMut(String)) -> String {
        // Stable: values of equal step and time keep file order, so the
        // last one written wins in a row.
        self.points.sort_by(|a, b| {
            a.step
                .cmp(&b.step)
                .then(a.wall_time.total_cmp(&b.wall_time))
        });
        let first = self.first_wall_time.unwrap_or(0.0);
        let key_json: Vec<String> = self
            .keys
            .iter()
            .map(|k| serde_json::to_string(k).unwrap_or_default())
            .collect();
        let mut last: Vec<Option<&Value>> = vec![None; self.keys.len()];
        let mut in_row: Vec<usize> = vec![usize::MAX; self.keys.len()];
        let mut rows = 0usize;
        let mut row: Vec<(u32, &Value)> = Vec::new();
        let (mut last_step, mut last_time) = (0, first);
        let mut i = 0;
        while i < self.points.len() {
            let step = self.points[i].step;
            row.clear();
            let mut wall_time = self.points[i].wall_time;
            while i < self.points.len() && self.points[i].step == step {
                let point = &self.points[i];
                wall_time = wall_time.max(point.wall_time);
                let k = point.key as usize;
                if in_row[k] == rows {
                    if let Some(slot) = row.iter_mut().find(|(key, _)| *key == point.key) {
                        slot.1 = &point.value;
                    }
                } else {
                    in_row[k] = rows;
                    row.push((point.key, &point.value));
                }
                i += 1;
            }
            let mut line = String::with_capacity(64 + row.len() * 32);
            write_meta(&mut line, step, wall_time, first);
            for &(key, value) in &row {
                line.push(',');
                line.push_str(&key_json[key as usize]);
                line.push(':');
                value.write_json(&mut line);
                last[key as usize] = Some(value);
            }
            line.push('}');
            emit(line);
            rows += 1;
            (last_step, last_time) = (step, wall_time);
        }
        let mut summary = String::new();
        write_meta(&mut summary, last_step, last_time, first);
        for (key, value) in last.iter().enumerate() {
            if let Some(value) = value {
                summary.push(',');
                summary.push_str(&key_json[key]);
                summary.push(':');
                value.write_json(&mut summary);
            }
        }
        summary.push('}');
        summary
    }
}

/// `{"_step":…,"_runtime":…,"_timestamp":…` (the object left open).
fn write_meta(out: &mut String, step: i64, wall_time: f64, first: f64) {
    let runtime = if wall_time.is_finite() && first.is_finite() {
        (wall_time - first).max(0.0)
    } else {
        0.0
    };
    let _ = write!(out, "{{\"_step\":{step},\"_runtime\":");
    Number::F64(runtime).write_json(out);
    out.push_str(",\"_timestamp\":");
    Number::F64(wall_time).write_json(out);
}

/// The single number of a 0-d (or one-element) numeric tensor.
pub(crate) fn tensor_scalar(t: &TensorProto) -> Result<Number, String> {
    let elements: i64 = t
        .tensor_shape
        .as_ref()
        .map_or(1, |s| s.dim.iter().map(|d| d.size).product());
    if elements != 1 {
        return Err(format!("scalar tensor with {elements} elements"));
    }
    let content = &t.tensor_content;
    let le = |n: usize| content.get(..n);
    let number = match t.dtype {
        dtype::FLOAT => t
            .float_val
            .first()
            .copied()
            .or_else(|| le(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .map(Number::F32),
        dtype::DOUBLE => t
            .double_val
            .first()
            .copied()
            .or_else(|| le(8).map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8]))))
            .map(Number::F64),
        dtype::INT32 => t
            .int_val
            .first()
            .copied()
            .or_else(|| le(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .map(|v| Number::Int(i64::from(v))),
        dtype::INT64 => t
            .int64_val
            .first()
            .copied()
            .or_else(|| le(8).map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8]))))
            .map(Number::Int),
        other => return Err(format!("scalar tensor of data type {other}")),
    };
    number.ok_or_else(|| "scalar tensor without a value".to_string())
}

/// A text tensor's strings, one per line, as a JSON string.
fn tensor_text(t: &TensorProto) -> Result<String, String> {
    if t.dtype != dtype::STRING {
        return Err(format!("text tensor of data type {}", t.dtype));
    }
    let text = t
        .string_val
        .iter()
        .map(|s| String::from_utf8_lossy(s))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(serde_json::Value::String(text).to_string())
}

/// A TF1 histogram, with the edges the official client derives: the
/// outermost edges are extrapolated one bucket width out (TensorFlow's
/// last limit is often `DBL_MAX`). With fewer than three buckets, where
/// the client logs nothing, the recorded min and max are the edges.
pub(crate) fn histogram_from_proto(h: &HistogramProto) -> Result<String, String> {
    let limits = &h.bucket_limit;
    let n = limits.len();
    if n == 0 || h.bucket.len() != n {
        return Err("histogram with no buckets or mismatched counts".to_string());
    }
    let mut bins = Vec::with_capacity(n + 1);
    if n >= 3 {
        bins.push(limits[0] + limits[0] - limits[1]);
        bins.extend_from_slice(&limits[..n - 1]);
        bins.push(limits[n - 2] + limits[n - 2] - limits[n - 3]);
    } else {
        bins.push(h.min);
        bins.extend_from_slice(&limits[..n - 1]);
        bins.push(h.max);
    }
    histogram_json(&bins, &h.bucket)
}

/// A `[k, 3]` tensor of `(left, right, count)` rows, as the `histograms`
/// plugin writes (TF2).
fn tensor_histogram(t: &TensorProto) -> Result<String, String> {
    let values: Vec<f64> = match t.dtype {
        dtype::DOUBLE if !t.double_val.is_empty() => t.double_val.clone(),
        dtype::DOUBLE => t
            .tensor_content
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
            .collect(),
        dtype::FLOAT if !t.float_val.is_empty() => {
            t.float_val.iter().map(|&v| f64::from(v)).collect()
        }
        dtype::FLOAT => t
            .tensor_content
            .chunks_exact(4)
            .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .collect(),
        other => return Err(format!("histogram tensor of data type {other}")),
    };
    if values.is_empty() || !values.len().is_multiple_of(3) {
        return Err("histogram tensor not of shape [k, 3]".to_string());
    }
    let rows: Vec<&[f64]> = values.chunks_exact(3).collect();
    let mut bins = vec![rows[0][0]];
    bins.extend(rows.iter().map(|r| r[1]));
    let counts: Vec<f64> = rows.iter().map(|r| r[2]).collect();
    histogram_json(&bins, &counts)
}

/// `{"_type":"histogram","values":[…],"bins":[…]}` as `wandb.Histogram`
/// serializes it; integral counts are written as integers, as numpy's
/// counts are.
fn histogram_json(bins: &[f64], counts: &[f64]) -> Result<String, String> {
    if counts.len() > MAX_HISTOGRAM_BINS {
        return Err(format!(
            "histogram with more than {MAX_HISTOGRAM_BINS} bins (W&B's limit)"
        ));
    }
    let mut out = String::from("{\"_type\":\"histogram\",\"values\":[");
    for (i, &c) in counts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if c.fract() == 0.0 && c.abs() < 9e15 {
            Number::Int(c as i64).write_json(&mut out);
        } else {
            Number::F64(c).write_json(&mut out);
        }
    }
    out.push_str("],\"bins\":[");
    for (i, &b) in bins.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        Number::F64(b).write_json(&mut out);
    }
    out.push_str("]}");
    Ok(out)
}

/// Format (`png` or `jpg`, as `wandb.Image` names them), width and height
/// of an encoded image, read from its header: PNG's IHDR chunk, or JPEG's
/// first start-of-frame marker.
pub(crate) fn image_info(bytes: &[u8]) -> Option<(&'static str, u32, u32)> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(PNG) {
        // Signature, chunk length, "IHDR", width, height (big-endian).
        if bytes.get(12..16)? != b"IHDR" {
            return None;
        }
        let be = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
        return Some(("png", be(16)?, be(20)?));
    }
    if bytes.starts_with(&[0xff, 0xd8]) {
        let mut at = 2;
        loop {
            // Markers may be padded with 0xff bytes.
            while *bytes.get(at)? == 0xff && *bytes.get(at + 1)? == 0xff {
                at += 1;
            }
            if *bytes.get(at)? != 0xff {
                return None;
            }
            let marker = *bytes.get(at + 1)?;
            let len = usize::from(u16::from_be_bytes([
                *bytes.get(at + 2)?,
                *bytes.get(at + 3)?,
            ]));
            // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
            if (0xc0..=0xcf).contains(&marker) && !matches!(marker, 0xc4 | 0xc8 | 0xcc) {
                let h = u16::from_be_bytes([*bytes.get(at + 5)?, *bytes.get(at + 6)?]);
                let w = u16::from_be_bytes([*bytes.get(at + 7)?, *bytes.get(at + 8)?]);
                return Some(("jpg", u32::from(w), u32::from(h)));
            }
            if len < 2 {
                return None;
            }
            at += 2 + len;
        }
    }
    None
}

/// A tag made safe as part of a file name: characters other than letters,
/// digits, `-`, `_` and `.` become `_`.
fn safe_file_name(tag: &str) -> String {
    tag.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::record::frame;
    use super::*;
    use crate::tensorboard::proto::{self, PluginData, Summary, SummaryMetadata, TensorShape};

    fn value(tag: &str, kind: Kind) -> SummaryValue {
        SummaryValue {
            tag: tag.into(),
            metadata: None,
            kind: Some(kind),
        }
    }

    fn event(step: i64, wall_time: f64, values: Vec<SummaryValue>) -> Vec<u8> {
        frame(
            &Event {
                wall_time,
                step,
                file_version: None,
                summary: Some(Summary { value: values }),
            }
            .encode_to_vec(),
        )
    }

    fn with_plugin(mut v: SummaryValue, plugin: &str) -> SummaryValue {
        v.metadata = Some(SummaryMetadata {
            plugin_data: Some(PluginData {
                plugin_name: plugin.into(),
            }),
        });
        v
    }

    fn tensor(dtype: i32) -> TensorProto {
        TensorProto {
            dtype,
            tensor_shape: Some(TensorShape { dim: vec![] }),
            ..Default::default()
        }
    }

    /// A 3×2 PNG: signature and IHDR are all the reader looks at.
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend(width.to_be_bytes());
        b.extend(height.to_be_bytes());
        b.extend([8, 2, 0, 0, 0]);
        b
    }

    #[test]
    fn decodes_scalars_of_every_encoding() {
        let mut f = tensor(dtype::FLOAT);
        f.float_val = vec![1.5];
        let mut d = tensor(dtype::DOUBLE);
        d.tensor_content = 2.25f64.to_le_bytes().to_vec();
        let mut i = tensor(dtype::INT32);
        i.int_val = vec![-3];
        let mut l = tensor(dtype::INT64);
        l.tensor_content = 7i64.to_le_bytes().to_vec();
        let mut fc = tensor(dtype::FLOAT);
        fc.tensor_content = 0.5f32.to_le_bytes().to_vec();
        assert_eq!(tensor_scalar(&f), Ok(Number::F32(1.5)));
        assert_eq!(tensor_scalar(&d), Ok(Number::F64(2.25)));
        assert_eq!(tensor_scalar(&i), Ok(Number::Int(-3)));
        assert_eq!(tensor_scalar(&l), Ok(Number::Int(7)));
        assert_eq!(tensor_scalar(&fc), Ok(Number::F32(0.5)));
        let mut vector = tensor(dtype::FLOAT);
        vector.tensor_shape = Some(TensorShape {
            dim: vec![proto::TensorDim { size: 2 }],
        });
        vector.float_val = vec![1.0, 2.0];
        assert!(tensor_scalar(&vector).is_err());
        assert!(tensor_scalar(&tensor(dtype::FLOAT)).is_err());
    }

    #[test]
    fn rows_merge_steps_and_the_summary_keeps_last_values() {
        let mut file = frame(
            &Event {
                wall_time: 100.0,
                step: 0,
                file_version: Some("brain.Event:2".into()),
                summary: None,
            }
            .encode_to_vec(),
        );
        file.extend(event(1, 101.0, vec![value("loss", Kind::SimpleValue(0.1))]));
        file.extend(event(0, 100.5, vec![value("loss", Kind::SimpleValue(1.0))]));
        let mut acc = tensor(dtype::DOUBLE);
        acc.double_val = vec![0.75];
        file.extend(event(
            1,
            101.5,
            vec![with_plugin(value("acc", Kind::Tensor(acc)), "scalars")],
        ));
        file.extend(event(
            2,
            102.0,
            vec![value("loss", Kind::SimpleValue(f32::NAN))],
        ));
        let mut text = tensor(dtype::STRING);
        text.string_val = vec![b"hello \"tb\"".to_vec()];
        file.extend(event(
            2,
            102.0,
            vec![with_plugin(value("note", Kind::Tensor(text)), "text")],
        ));
        let mut events = RunEvents::default();
        events.read_file(std::path::Path::new("f"), &file);
        assert!(events.damage.is_empty());
        assert_eq!(events.scalars, 4);
        let out = events.convert();
        assert_eq!(
            out.history,
            vec![
                r#"{"_step":0,"_runtime":0.5,"_timestamp":100.5,"loss":1.0}"#,
                r#"{"_step":1,"_runtime":1.5,"_timestamp":101.5,"loss":0.1,"acc":0.75}"#,
                r#"{"_step":2,"_runtime":2.0,"_timestamp":102.0,"loss":NaN,"note":"hello \"tb\""}"#,
            ]
        );
        assert_eq!(
            out.summary,
            r#"{"_step":2,"_runtime":2.0,"_timestamp":102.0,"loss":NaN,"acc":0.75,"note":"hello \"tb\""}"#
        );
    }

    #[test]
    fn histograms_use_the_official_clients_edges() {
        let h = HistogramProto {
            min: 0.0,
            max: 3.0,
            num: 6.0,
            sum: 9.0,
            sum_squares: 17.0,
            bucket_limit: vec![1.0, 2.0, 3.0, f64::MAX],
            bucket: vec![1.0, 2.0, 3.0, 0.0],
        };
        assert_eq!(
            histogram_from_proto(&h).unwrap(),
            r#"{"_type":"histogram","values":[1,2,3,0],"bins":[0.0,1.0,2.0,3.0,4.0]}"#
        );
        let one = HistogramProto {
            min: 0.5,
            max: 1.5,
            bucket_limit: vec![1.5],
            bucket: vec![4.0],
            ..Default::default()
        };
        assert_eq!(
            histogram_from_proto(&one).unwrap(),
            r#"{"_type":"histogram","values":[4],"bins":[0.5,1.5]}"#
        );
        let too_many = HistogramProto {
            bucket_limit: (0..600).map(f64::from).collect(),
            bucket: vec![1.0; 600],
            ..Default::default()
        };
        assert!(histogram_from_proto(&too_many).is_err());
        let mut t = tensor(dtype::DOUBLE);
        t.double_val = vec![0.0, 1.0, 2.0, 1.0, 2.0, 5.0];
        assert_eq!(
            tensor_histogram(&t).unwrap(),
            r#"{"_type":"histogram","values":[2,5],"bins":[0.0,1.0,2.0]}"#
        );
    }

    #[test]
    fn images_become_media_files() {
        let bytes = png(3, 2);
        let mut events = RunEvents::default();
        let file = event(
            5,
            10.0,
            vec![value(
                "samples/input",
                Kind::Image(proto::Image {
                    height: 2,
                    width: 3,
                    encoded_image_string: bytes.clone(),
                }),
            )],
        );
        events.read_file(std::path::Path::new("f"), &file);
        assert_eq!(events.media.len(), 1);
        let name = events.media[0].name.clone();
        assert!(name.starts_with("media/images/samples_input_5_"), "{name}");
        assert!(name.ends_with(".png"));
        let out = events.convert();
        let row: serde_json::Value = serde_json::from_str(&out.history[0]).unwrap();
        let image = &row["samples/input"];
        assert_eq!(image["_type"], "image-file");
        assert_eq!(image["path"], name.as_str());
        assert_eq!(
            (image["width"].as_u64(), image["height"].as_u64()),
            (Some(3), Some(2))
        );
        assert_eq!(image["size"].as_u64(), Some(bytes.len() as u64));
        assert_eq!(image["format"], "png");
        assert_eq!(image["sha256"].as_str().map(str::len), Some(64));
    }

    #[test]
    fn reads_jpeg_frame_headers() {
        // SOI, an APP0 segment, then SOF0 with height 480, width 640.
        let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0, 0];
        jpeg.extend([0xff, 0xc0, 0x00, 0x11, 8, 0x01, 0xe0, 0x02, 0x80, 3]);
        assert_eq!(image_info(&jpeg), Some(("jpg", 640, 480)));
        assert_eq!(image_info(b"GIF89a"), None);
        assert_eq!(image_info(&jpeg[..9]), None);
    }

    #[test]
    fn undecodable_records_are_damage_not_panics() {
        let mut file = frame(b"\xff\xff\xff");
        file.extend(event(1, 1.0, vec![value("x", Kind::SimpleValue(2.0))]));
        let mut events = RunEvents::default();
        events.read_file(std::path::Path::new("dir/events.out.tfevents.1"), &file);
        assert_eq!(events.damage.len(), 1);
        assert_eq!(events.damage[0].offset, 0);
        assert!(
            events.damage[0]
                .to_string()
                .contains("dir/events.out.tfevents.1")
        );
        assert_eq!(events.convert().history.len(), 1);
    }
}
