//! Size and speed figures, printed. Run in release mode:
//! `cargo test --release -p cairn-history --test measure -- --ignored --nocapture`

use std::time::Instant;

use bytes::Bytes;
use cairn_history::{
    HistoryFile, Selection, encode_parquet_with, for_each_row, rows_to_batch, to_rows,
};

const ROWS: usize = 100_000;
const METRICS: usize = 10;

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn gauss(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

fn num(f: f64) -> String {
    serde_json::to_string(&f).unwrap()
}

/// 100,000 rows of `_step`, `_runtime`, `_timestamp` and 10 metrics.
fn dataset(smooth: bool) -> Vec<(i64, String)> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut runtime = 0.0f64;
    let start = 1_700_000_000.123_f64;
    let mut ema = 2.1;
    (0..ROWS)
        .map(|i| {
            let step = i as f64;
            runtime += 0.01 + (rng.uniform() - 0.5) * 0.004;
            let metrics: [f64; METRICS] = if smooth {
                let loss = 2.0 * (-step / 20_000.0).exp() + 0.1 + 0.01 * rng.gauss();
                ema = 0.99 * ema + 0.01 * loss;
                [
                    loss,
                    1.0 - 0.9 * (-step / 15_000.0).exp() + 0.005 * rng.gauss(),
                    1e-3 * 0.5 * (1.0 + (std::f64::consts::PI * step / ROWS as f64).cos()),
                    (0.5 + 0.2 * rng.gauss()).abs() * (-step / 50_000.0).exp() + 0.05,
                    2.1 * (-step / 25_000.0).exp() + 0.15 + 0.02 * rng.gauss(),
                    step / 1_000.0,
                    1_000.0 + 20.0 * rng.gauss(),
                    0.8 + 0.001 * rng.gauss(),
                    ema,
                    loss.exp(),
                ]
            } else {
                std::array::from_fn(|_| rng.uniform())
            };
            let mut text = format!(
                r#"{{"_step":{i},"_runtime":{},"_timestamp":{}"#,
                num(runtime),
                num(start + runtime)
            );
            let names = [
                "train/loss",
                "train/acc",
                "lr",
                "grad_norm",
                "val/loss",
                "epoch",
                "samples_per_sec",
                "gpu_mem",
                "loss_ema",
                "perplexity",
            ];
            for (name, v) in names.iter().zip(metrics) {
                text.push_str(&format!(r#","{name}":{}"#, num(v)));
            }
            text.push('}');
            (i as i64, text)
        })
        .collect()
}

#[test]
#[ignore = "measurement; run in release with --nocapture"]
fn bytes_per_point_and_speed() {
    for (name, smooth) in [("uniform random", false), ("smooth curves", true)] {
        let rows = dataset(smooth);
        let text_bytes: usize = rows.iter().map(|r| r.1.len()).sum();
        let t = Instant::now();
        let batch = rows_to_batch(rows.iter().map(|(s, t)| (*s, t.as_str()))).unwrap();
        let build = t.elapsed();
        println!(
            "\n{name}: {ROWS} rows, {:.1} MB of row text; rows_to_batch {:.0} ms ({:.2} M rows/s)",
            text_bytes as f64 / 1e6,
            build.as_secs_f64() * 1e3,
            ROWS as f64 / build.as_secs_f64() / 1e6
        );
        for group in [16_384, 32_768, 65_536] {
            for level in 1..=6 {
                let t = Instant::now();
                let bytes = encode_parquet_with(&batch, level, group).unwrap();
                let encode = t.elapsed();
                let file = HistoryFile::open(Bytes::from(bytes.clone())).unwrap();
                let t = Instant::now();
                let read = file.read(&Selection::ALL).unwrap().unwrap();
                let decode = t.elapsed();
                assert_eq!(read.num_rows(), ROWS);
                println!(
                    "  group {group:>6} zstd {level}: {:>9} bytes, {:.2} bytes/point, encode {:>4.0} ms, Parquet decode {:>3.0} ms",
                    bytes.len(),
                    bytes.len() as f64 / (ROWS * METRICS) as f64,
                    encode.as_secs_f64() * 1e3,
                    decode.as_secs_f64() * 1e3,
                );
            }
        }
        {
            use parquet::file::reader::{FileReader, SerializedFileReader};
            let bytes = Bytes::from(cairn_history::encode_parquet(&batch).unwrap());
            let reader = SerializedFileReader::new(bytes.clone()).unwrap();
            let meta = reader.metadata();
            let mut per_column = vec![0i64; batch.num_columns()];
            for g in meta.row_groups() {
                for (i, c) in g.columns().iter().enumerate() {
                    per_column[i] += c.compressed_size();
                }
            }
            let names = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect::<Vec<_>>();
            let listed: Vec<String> = names
                .iter()
                .zip(&per_column)
                .map(|(n, b)| format!("{n} {:.2}", *b as f64 / ROWS as f64))
                .collect();
            println!(
                "  chosen settings: {} bytes; bytes per row by column: {}",
                bytes.len(),
                listed.join(", ")
            );
            let file = HistoryFile::open(bytes).unwrap();
            let keys = vec!["train/loss".to_string()];
            let sel = Selection {
                min_step: 50_000,
                max_step: 50_500,
                keys: &keys,
                require_all: true,
            };
            let t = Instant::now();
            let page = file.read(&sel).unwrap().unwrap();
            println!(
                "  paged read of 500 rows x 1 key: {:.2} ms ({} rows)",
                t.elapsed().as_secs_f64() * 1e3,
                page.num_rows()
            );
        }
        // Best of 5 runs (the first run also pays for page faults on fresh memory).
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            let out = to_rows(&batch).unwrap();
            best = best.min(t.elapsed().as_secs_f64());
            assert_eq!(out.len(), ROWS);
        }
        println!(
            "  to_rows (_step + 12 floats): best {:.0} ms, {:.2} M rows/s",
            best * 1e3,
            ROWS as f64 / best / 1e6
        );
        let mut best = f64::MAX;
        let mut total = 0usize;
        for _ in 0..5 {
            total = 0;
            let t = Instant::now();
            for_each_row(&batch, |_, text| total += text.len()).unwrap();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "  for_each_row (one reused buffer): best {:.0} ms, {:.2} M rows/s, {:.1} MB written",
            best * 1e3,
            ROWS as f64 / best / 1e6,
            total as f64 / 1e6
        );
    }
}

#[test]
#[ignore = "measurement; run in release with --nocapture"]
fn float_format_cost() {
    let rows = dataset(false);
    let batch = rows_to_batch(rows.iter().map(|(s, t)| (*s, t.as_str()))).unwrap();
    let mut values = Vec::new();
    for c in 1..batch.num_columns() {
        use arrow_array::cast::AsArray;
        values.extend_from_slice(
            batch
                .column(c)
                .as_primitive::<arrow_array::types::Float64Type>()
                .values(),
        );
    }
    let mut best = f64::MAX;
    let mut total = 0usize;
    for _ in 0..5 {
        let mut b = zmij_buffer();
        let t = Instant::now();
        total = 0;
        for &v in &values {
            total += b.format_finite(v).len();
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{} floats: best {:.1} ms, {:.1} ns each ({total} bytes)",
        values.len(),
        best * 1e3,
        best * 1e9 / values.len() as f64
    );
}

fn zmij_buffer() -> zmij::Buffer {
    zmij::Buffer::new()
}

#[test]
#[ignore = "for profiling: many rounds of for_each_row"]
fn profile_for_each_row() {
    let rows = dataset(false);
    let batch = rows_to_batch(rows.iter().map(|(s, t)| (*s, t.as_str()))).unwrap();
    let mut total = 0usize;
    let rounds: usize = std::env::var("ROUNDS").map_or(20, |r| r.parse().unwrap());
    for _ in 0..rounds {
        for_each_row(&batch, |_, text| total += text.len()).unwrap();
    }
    println!("{total}");
}

#[test]
#[ignore = "writes $TMPDIR/cairn-history-sample.parquet for checking with other readers"]
fn write_sample_file() {
    let mut rows = dataset(true);
    rows.truncate(40_000);
    rows.push((
        40_000,
        r#"{"s":"quote \" é","o":{"a":[1,NaN]},"n":null,"b":true,"i":7,"x":-Infinity}"#.into(),
    ));
    let batch = rows_to_batch(rows.iter().map(|(s, t)| (*s, t.as_str()))).unwrap();
    let path = std::env::temp_dir().join("cairn-history-sample.parquet");
    std::fs::write(&path, cairn_history::encode_parquet(&batch).unwrap()).unwrap();
    println!("wrote {}", path.display());
}
