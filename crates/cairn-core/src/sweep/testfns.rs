//! Standard test functions for measuring search quality (the benchmark's
//! bayes-against-random figure, and a unit test).

/// The Branin function on x ∈ [-5, 10], y ∈ [0, 15]; its global minimum,
/// 0.397887, is reached at three points.
pub fn branin(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let a = 1.0;
    let b = 5.1 / (4.0 * PI * PI);
    let c = 5.0 / PI;
    let (r, s, t) = (6.0, 10.0, 1.0 / (8.0 * PI));
    a * (y - b * x * x + c * x - r).powi(2) + s * (1.0 - t) * x.cos() + s
}
