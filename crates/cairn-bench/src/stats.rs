//! Latency summaries and the deterministic numbers the workloads log.
//!
//! A fixed-seed generator keeps every run of the benchmark sending the same
//! data, so figures from different machines or commits compare like for
//! like (and the expected filter matches can be counted client-side).

use std::time::Duration;

/// Median, 95th percentile and extremes of a set of timings, in ms.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Latency {
    /// Number of timings.
    pub n: usize,
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile (nearest rank).
    pub p95_ms: f64,
    /// Fastest.
    pub min_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// The warm-up request before them (not among them), if any: the
    /// cold-cache cost (e.g. a run count not yet remembered).
    pub warmup_ms: Option<f64>,
}

impl Latency {
    /// Summarize `samples` (must not be empty).
    pub fn of(samples: &[Duration]) -> Self {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let n = ms.len();
        let rank = |q: f64| ms[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
        let p50 = if n % 2 == 1 {
            ms[n / 2]
        } else {
            (ms[n / 2 - 1] + ms[n / 2]) / 2.0
        };
        Self {
            n,
            p50_ms: p50,
            p95_ms: rank(0.95),
            min_ms: ms[0],
            max_ms: ms[n - 1],
            warmup_ms: None,
        }
    }

    /// Summarize `samples`, noting the warm-up request's time apart.
    pub fn with_warmup(warmup: Duration, samples: &[Duration]) -> Self {
        Self {
            warmup_ms: Some(warmup.as_secs_f64() * 1e3),
            ..Self::of(samples)
        }
    }
}

/// xorshift64*: small, fast and reproducible; not for secrets.
pub struct Rng(u64);

impl Rng {
    /// A generator with a fixed, non-zero seed.
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let samples: Vec<Duration> = (1..=20).map(Duration::from_millis).collect();
        let l = Latency::of(&samples);
        assert_eq!(l.n, 20);
        assert!((l.p50_ms - 10.5).abs() < 1e-9);
        assert!((l.p95_ms - 19.0).abs() < 1e-9);
        assert!((l.min_ms - 1.0).abs() < 1e-9);
        assert!((l.max_ms - 20.0).abs() < 1e-9);
    }

    #[test]
    fn rng_is_uniform_enough_and_reproducible() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<f64> = (0..10_000).map(|_| a.unit()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.02);
        assert_eq!(xs[0].to_bits(), b.unit().to_bits());
    }
}
