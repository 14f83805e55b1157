//! The parts of TensorFlow's `Event` and `Summary` protobufs an import
//! reads, declared by hand with `prost`'s derive.
//!
//! Field numbers are those of `tensorflow/core/util/event.proto`,
//! `summary.proto`, `tensor.proto` and `tensor_shape.proto`. Declaring them
//! here keeps the build free of `protoc` and a build script; fields an
//! import does not use (graphs, session logs, audio, …) are simply not
//! declared, and protobuf decoding skips them.

/// `tensorflow.Event`: one record of a `tfevents` file.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Event {
    /// Seconds since the epoch.
    #[prost(double, tag = "1")]
    pub wall_time: f64,
    /// The global step.
    #[prost(int64, tag = "2")]
    pub step: i64,
    /// `brain.Event:2` in a file's first record.
    #[prost(string, optional, tag = "3")]
    pub file_version: Option<String>,
    /// The values logged at this step.
    #[prost(message, optional, tag = "5")]
    pub summary: Option<Summary>,
}

/// `tensorflow.Summary`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Summary {
    /// The values.
    #[prost(message, repeated, tag = "1")]
    pub value: Vec<SummaryValue>,
}

/// `tensorflow.Summary.Value`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SummaryValue {
    /// The tag (the key in W&B).
    #[prost(string, tag = "1")]
    pub tag: String,
    /// Which plugin wrote a `tensor` value.
    #[prost(message, optional, tag = "9")]
    pub metadata: Option<SummaryMetadata>,
    /// The value itself.
    #[prost(oneof = "Kind", tags = "2, 4, 5, 8")]
    pub kind: Option<Kind>,
}

/// The `value` oneof of `Summary.Value`.
#[derive(Clone, PartialEq, prost::Oneof)]
pub(crate) enum Kind {
    /// A TF1 scalar.
    #[prost(float, tag = "2")]
    SimpleValue(f32),
    /// An encoded image.
    #[prost(message, tag = "4")]
    Image(Image),
    /// A TF1 histogram.
    #[prost(message, tag = "5")]
    Histo(HistogramProto),
    /// A TF2 value: scalar, text, …, told apart by the plugin name.
    #[prost(message, tag = "8")]
    Tensor(TensorProto),
}

/// `tensorflow.SummaryMetadata`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SummaryMetadata {
    /// The plugin that wrote the value.
    #[prost(message, optional, tag = "1")]
    pub plugin_data: Option<PluginData>,
}

/// `tensorflow.SummaryMetadata.PluginData`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct PluginData {
    /// `scalars`, `text`, `histograms`, `images`, …
    #[prost(string, tag = "1")]
    pub plugin_name: String,
}

/// `tensorflow.Summary.Image`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Image {
    /// Height in pixels, as the writer declared it.
    #[prost(int32, tag = "1")]
    pub height: i32,
    /// Width in pixels, as the writer declared it.
    #[prost(int32, tag = "2")]
    pub width: i32,
    /// PNG, JPEG or GIF bytes.
    #[prost(bytes = "vec", tag = "4")]
    pub encoded_image_string: Vec<u8>,
}

/// `tensorflow.HistogramProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct HistogramProto {
    /// Smallest value.
    #[prost(double, tag = "1")]
    pub min: f64,
    /// Largest value.
    #[prost(double, tag = "2")]
    pub max: f64,
    /// Number of values.
    #[prost(double, tag = "3")]
    pub num: f64,
    /// Their sum.
    #[prost(double, tag = "4")]
    pub sum: f64,
    /// The sum of their squares.
    #[prost(double, tag = "5")]
    pub sum_squares: f64,
    /// Right edge of each bucket.
    #[prost(double, repeated, tag = "6")]
    pub bucket_limit: Vec<f64>,
    /// Count of each bucket.
    #[prost(double, repeated, tag = "7")]
    pub bucket: Vec<f64>,
}

/// `tensorflow.TensorProto`, the fields scalars and text use.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TensorProto {
    /// `tensorflow.DataType`: see [`dtype`].
    #[prost(int32, tag = "1")]
    pub dtype: i32,
    /// The shape; absent or without dimensions for a scalar.
    #[prost(message, optional, tag = "2")]
    pub tensor_shape: Option<TensorShape>,
    /// The values as raw little-endian bytes (the compact form).
    #[prost(bytes = "vec", tag = "4")]
    pub tensor_content: Vec<u8>,
    /// `DT_FLOAT` values.
    #[prost(float, repeated, tag = "5")]
    pub float_val: Vec<f32>,
    /// `DT_DOUBLE` values.
    #[prost(double, repeated, tag = "6")]
    pub double_val: Vec<f64>,
    /// `DT_INT32` (and narrower) values.
    #[prost(int32, repeated, tag = "7")]
    pub int_val: Vec<i32>,
    /// `DT_STRING` values.
    #[prost(bytes = "vec", repeated, tag = "8")]
    pub string_val: Vec<Vec<u8>>,
    /// `DT_INT64` values.
    #[prost(int64, repeated, tag = "10")]
    pub int64_val: Vec<i64>,
}

/// `tensorflow.TensorShapeProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TensorShape {
    /// The dimensions; none for a scalar.
    #[prost(message, repeated, tag = "2")]
    pub dim: Vec<TensorDim>,
}

/// `tensorflow.TensorShapeProto.Dim`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TensorDim {
    /// Its size.
    #[prost(int64, tag = "1")]
    pub size: i64,
}

/// The `tensorflow.DataType` values an import reads.
pub(crate) mod dtype {
    /// `DT_FLOAT`.
    pub const FLOAT: i32 = 1;
    /// `DT_DOUBLE`.
    pub const DOUBLE: i32 = 2;
    /// `DT_INT32`.
    pub const INT32: i32 = 3;
    /// `DT_STRING`.
    pub const STRING: i32 = 7;
    /// `DT_INT64`.
    pub const INT64: i32 = 9;
}
