//! A tiny writer of TensorBoard `tfevents` files, for tests of the
//! importer.
//!
//! It encodes the protobufs by hand (varints and length-delimited fields,
//! straight from the field numbers of TensorFlow's `event.proto`,
//! `summary.proto` and `tensor.proto`) rather than with the importer's own
//! message types, so a wrong field number in the importer fails a test
//! instead of agreeing with itself. Records are framed with correct masked
//! CRC32C checksums; tests damage them on purpose.

use std::path::Path;

/// `DT_FLOAT`.
pub const DT_FLOAT: u64 = 1;
/// `DT_DOUBLE`.
pub const DT_DOUBLE: u64 = 2;
/// `DT_INT64`.
pub const DT_INT64: u64 = 9;

/// One protobuf message being written.
#[derive(Default, Clone)]
struct Msg(Vec<u8>);

impl Msg {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }
    fn key(&mut self, field: u64, wire: u64) {
        self.varint(field << 3 | wire);
    }
    fn uint(mut self, field: u64, v: u64) -> Self {
        self.key(field, 0);
        self.varint(v);
        self
    }
    fn double(mut self, field: u64, v: f64) -> Self {
        self.key(field, 1);
        self.0.extend(v.to_le_bytes());
        self
    }
    fn float(mut self, field: u64, v: f32) -> Self {
        self.key(field, 5);
        self.0.extend(v.to_le_bytes());
        self
    }
    fn bytes(mut self, field: u64, v: &[u8]) -> Self {
        self.key(field, 2);
        self.varint(v.len() as u64);
        self.0.extend_from_slice(v);
        self
    }
    fn msg(self, field: u64, m: Msg) -> Self {
        self.bytes(field, &m.0)
    }
    fn packed_doubles(self, field: u64, vs: &[f64]) -> Self {
        let body: Vec<u8> = vs.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.bytes(field, &body)
    }
}

/// The masked CRC32C TFRecord uses.
pub fn masked_crc(data: &[u8]) -> u32 {
    crc32c::crc32c(data)
        .rotate_right(15)
        .wrapping_add(0xa282_ead8)
}

/// `data` framed as a TFRecord.
pub fn frame(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + 16);
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
    out
}

/// A `tfevents` file being built in memory.
#[derive(Default, Clone)]
pub struct EventFile {
    bytes: Vec<u8>,
    /// Byte offset where each record starts.
    offsets: Vec<usize>,
}

impl EventFile {
    /// A file starting with the `brain.Event:2` version record, as every
    /// writer starts one.
    pub fn new(wall_time: f64) -> Self {
        let mut file = EventFile::default();
        file.record(
            &Msg::default()
                .double(1, wall_time)
                .bytes(3, b"brain.Event:2")
                .0,
        );
        file
    }

    /// Append one record holding `data`.
    pub fn record(&mut self, data: &[u8]) -> &mut Self {
        self.offsets.push(self.bytes.len());
        self.bytes.extend(frame(data));
        self
    }

    fn event(&mut self, step: i64, wall_time: f64, value: Msg) -> &mut Self {
        let summary = Msg::default().msg(1, value);
        let event = Msg::default()
            .double(1, wall_time)
            .uint(2, step as u64)
            .msg(5, summary);
        self.record(&event.0)
    }

    fn value(tag: &str) -> Msg {
        Msg::default().bytes(1, tag.as_bytes())
    }

    fn plugin(plugin: &str) -> Msg {
        Msg::default().msg(1, Msg::default().bytes(1, plugin.as_bytes()))
    }

    /// A TF1 scalar (`simple_value`).
    pub fn scalar(&mut self, step: i64, wall_time: f64, tag: &str, v: f32) -> &mut Self {
        self.event(step, wall_time, Self::value(tag).float(2, v))
    }

    /// A TF2 scalar: a 0-d tensor of `dtype` from the `scalars` plugin,
    /// its value in `tensor_content` as little-endian bytes.
    pub fn tensor_scalar(
        &mut self,
        step: i64,
        wall_time: f64,
        tag: &str,
        dtype: u64,
        content: &[u8],
    ) -> &mut Self {
        let tensor = Msg::default()
            .uint(1, dtype)
            .msg(2, Msg::default())
            .bytes(4, content);
        let value = Self::value(tag)
            .msg(9, Self::plugin("scalars"))
            .msg(8, tensor);
        self.event(step, wall_time, value)
    }

    /// A TF2 `DT_DOUBLE` scalar in `double_val`.
    pub fn tensor_double(&mut self, step: i64, wall_time: f64, tag: &str, v: f64) -> &mut Self {
        let tensor = Msg::default()
            .uint(1, DT_DOUBLE)
            .msg(2, Msg::default())
            .packed_doubles(6, &[v]);
        let value = Self::value(tag)
            .msg(9, Self::plugin("scalars"))
            .msg(8, tensor);
        self.event(step, wall_time, value)
    }

    /// A TF1 histogram: bucket right edges and counts.
    pub fn histogram(
        &mut self,
        step: i64,
        wall_time: f64,
        tag: &str,
        min_max: (f64, f64),
        limits: &[f64],
        counts: &[f64],
    ) -> &mut Self {
        let num: f64 = counts.iter().sum();
        let histo = Msg::default()
            .double(1, min_max.0)
            .double(2, min_max.1)
            .double(3, num)
            .double(4, 0.0)
            .double(5, 0.0)
            .packed_doubles(6, limits)
            .packed_doubles(7, counts);
        self.event(step, wall_time, Self::value(tag).msg(5, histo))
    }

    /// Text from the `text` plugin.
    pub fn text(&mut self, step: i64, wall_time: f64, tag: &str, text: &str) -> &mut Self {
        let tensor = Msg::default()
            .uint(1, 7)
            .msg(2, Msg::default().msg(2, Msg::default().uint(1, 1)))
            .bytes(8, text.as_bytes());
        let value = Self::value(tag).msg(9, Self::plugin("text")).msg(8, tensor);
        self.event(step, wall_time, value)
    }

    /// An encoded image (`Summary.Image`).
    pub fn image(
        &mut self,
        step: i64,
        wall_time: f64,
        tag: &str,
        (width, height): (u32, u32),
        encoded: &[u8],
    ) -> &mut Self {
        let image = Msg::default()
            .uint(1, u64::from(height))
            .uint(2, u64::from(width))
            .uint(3, 3)
            .bytes(4, encoded);
        self.event(step, wall_time, Self::value(tag).msg(4, image))
    }

    /// The bytes so far.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The byte offset where record `i` starts (0 is the version record).
    pub fn offset(&self, i: usize) -> usize {
        self.offsets[i]
    }

    /// Write the file as `dir/events.out.tfevents.<stamp>.test`, creating
    /// `dir`; returns its path.
    pub fn write(&self, dir: &Path, stamp: u64) -> std::path::PathBuf {
        std::fs::create_dir_all(dir).expect("create the log directory");
        let path = dir.join(format!("events.out.tfevents.{stamp}.test"));
        std::fs::write(&path, &self.bytes).expect("write the event file");
        path
    }
}

/// The first bytes of a PNG of `width` × `height`: signature and IHDR,
/// all the importer reads (the server stores the bytes as they are).
pub fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend(width.to_be_bytes());
    b.extend(height.to_be_bytes());
    b.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    b
}
