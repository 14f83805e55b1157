//! One sweep parameter: W&B's parameter forms, validated, and how each is
//! sampled, enumerated for a grid, and mapped to and from the unit interval
//! for the bayes model.
//!
//! The forms are W&B's: `value`, `values` (+ `probabilities`), `min`/`max`
//! (an int range when both are integers, a float range otherwise), nested
//! `parameters`, and the named distributions. `log_uniform` and
//! `inv_log_uniform` take their bounds as natural-log exponents; the
//! `*_values` forms take the values themselves.

use rand::Rng;
use rand_distr::{Beta, Distribution, Normal};
use serde_json::{Map, Value};

use crate::error::{CoreError, CoreResult};

/// Largest number of points one parameter may contribute to a grid.
pub const MAX_GRID_VALUES: u64 = 100_000;

/// A parameter's distribution, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// Always this value.
    Constant(Value),
    /// One of these values, with these probabilities (uniform when `None`).
    Categorical {
        /// The values.
        values: Vec<Value>,
        /// Their probabilities, summing to 1.
        probabilities: Option<Vec<f64>>,
    },
    /// An integer in `min..=max`.
    IntUniform {
        /// Lowest.
        min: i64,
        /// Highest.
        max: i64,
    },
    /// A number drawn from a continuous distribution, maybe quantised.
    Continuous {
        /// Which distribution.
        dist: Dist,
        /// Quantisation step (`q_*` forms).
        q: Option<f64>,
        /// Whether values are integers (a `q_*` form whose bounds and step
        /// are all integers yields integers, as W&B's does).
        integral: bool,
    },
    /// Nested parameters: the value is an object of their values.
    Nested(Vec<(String, Param)>),
}

/// A continuous distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Uniform on `[min, max]`.
    Uniform(f64, f64),
    /// `exp(U(min, max))`.
    LogUniform(f64, f64),
    /// `exp(-U(min, max))`: `1/x` is log-uniform.
    InvLogUniform(f64, f64),
    /// Normal with mean and standard deviation.
    Normal(f64, f64),
    /// `exp(N(mu, sigma))`.
    LogNormal(f64, f64),
    /// Beta with shape parameters `a`, `b`.
    Beta(f64, f64),
}

impl Dist {
    fn sample(self, rng: &mut impl Rng) -> f64 {
        match self {
            Dist::Uniform(lo, hi) => uniform(rng, lo, hi),
            Dist::LogUniform(lo, hi) => uniform(rng, lo, hi).exp(),
            Dist::InvLogUniform(lo, hi) => (-uniform(rng, lo, hi)).exp(),
            Dist::Normal(mu, sigma) => normal(rng, mu, sigma),
            Dist::LogNormal(mu, sigma) => normal(rng, mu, sigma).exp(),
            Dist::Beta(a, b) => Beta::new(a, b).map_or(0.5, |d| d.sample(rng)),
        }
    }

    /// Where `x` sits in the distribution's natural scale, as a number in
    /// [0, 1] (log scale for the log forms; ±3σ for the normal forms).
    fn to_unit(self, x: f64) -> f64 {
        let (v, lo, hi) = match self {
            Dist::Uniform(lo, hi) => (x, lo, hi),
            Dist::LogUniform(lo, hi) => (x.max(f64::MIN_POSITIVE).ln(), lo, hi),
            Dist::InvLogUniform(lo, hi) => (-(x.max(f64::MIN_POSITIVE).ln()), lo, hi),
            Dist::Normal(mu, s) => (x, mu - 3.0 * s, mu + 3.0 * s),
            Dist::LogNormal(mu, s) => (x.max(f64::MIN_POSITIVE).ln(), mu - 3.0 * s, mu + 3.0 * s),
            Dist::Beta(..) => (x, 0.0, 1.0),
        };
        if hi > lo {
            ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
        } else {
            0.5
        }
    }

    /// The value at `u`: the inverse of [`Dist::to_unit`].
    fn at_unit(self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let lerp = |lo: f64, hi: f64| lo + u * (hi - lo);
        match self {
            Dist::Uniform(lo, hi) => lerp(lo, hi),
            Dist::LogUniform(lo, hi) => lerp(lo, hi).exp(),
            Dist::InvLogUniform(lo, hi) => (-lerp(lo, hi)).exp(),
            Dist::Normal(mu, s) => lerp(mu - 3.0 * s, mu + 3.0 * s),
            Dist::LogNormal(mu, s) => lerp(mu - 3.0 * s, mu + 3.0 * s).exp(),
            Dist::Beta(..) => u,
        }
    }
}

fn uniform(rng: &mut impl Rng, lo: f64, hi: f64) -> f64 {
    if hi > lo { rng.gen_range(lo..=hi) } else { lo }
}

fn normal(rng: &mut impl Rng, mu: f64, sigma: f64) -> f64 {
    Normal::new(mu, sigma).map_or(mu, |d| d.sample(rng))
}

/// Round to a multiple of `q` (W&B's quantisation).
fn quantise(x: f64, q: f64) -> f64 {
    (x / q).round() * q
}

/// A number as JSON: an integer when asked and representable.
fn number(x: f64, integral: bool) -> Value {
    if integral && x.is_finite() && x.abs() < 9.0e15 {
        Value::from(x.round() as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

impl Param {
    /// Parse and check one parameter; `path` names it in errors
    /// (`parameters.lr`).
    pub fn parse(path: &str, spec: &Value) -> CoreResult<Param> {
        let bad = |why: String| CoreError::InvalidInput(format!("{path}: {why}"));
        let Value::Object(spec) = spec else {
            return Err(bad(format!(
                "expected a mapping such as {{values: [...]}} or {{min: 0, max: 1}}, got {spec}"
            )));
        };
        if let Some(nested) = spec.get("parameters") {
            let Value::Object(children) = nested else {
                return Err(bad("parameters: expected a mapping of parameters".into()));
            };
            if children.is_empty() {
                return Err(bad(
                    "parameters: at least one nested parameter is needed".into()
                ));
            }
            return children
                .iter()
                .map(|(k, v)| Ok((k.clone(), Param::parse(&format!("{path}.{k}"), v)?)))
                .collect::<CoreResult<Vec<_>>>()
                .map(Param::Nested);
        }
        let distribution = match spec.get("distribution") {
            None => None,
            Some(Value::String(d)) => Some(d.as_str()),
            Some(other) => return Err(bad(format!("distribution: expected a name, got {other}"))),
        };
        let num = |key: &str| -> CoreResult<Option<f64>> {
            match spec.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_f64()
                    .filter(|f| f.is_finite())
                    .map(Some)
                    .ok_or_else(|| bad(format!("{key}: must be a finite number"))),
                Some(other) => Err(bad(format!("{key}: expected a number, got {other}"))),
            }
        };
        let need = |key: &str| -> CoreResult<f64> {
            num(key)?.ok_or_else(|| {
                bad(format!(
                    "{key}: the {} distribution needs {key}",
                    distribution.unwrap_or("chosen")
                ))
            })
        };
        let is_int = |key: &str| spec.get(key).is_some_and(|v| v.is_i64() || v.is_u64());
        let range = |lo: f64, hi: f64| -> CoreResult<()> {
            if lo < hi {
                Ok(())
            } else {
                Err(bad(format!("min ({lo}) must be less than max ({hi})")))
            }
        };
        let q = || -> CoreResult<f64> {
            let q = num("q")?.unwrap_or(1.0);
            if q > 0.0 {
                Ok(q)
            } else {
                Err(bad(format!("q: must be positive, got {q}")))
            }
        };
        let sigma = || -> CoreResult<(f64, f64)> {
            let mu = num("mu")?.unwrap_or(0.0);
            let sigma = num("sigma")?.unwrap_or(1.0);
            if sigma > 0.0 {
                Ok((mu, sigma))
            } else {
                Err(bad(format!("sigma: must be positive, got {sigma}")))
            }
        };
        let positive_range = || -> CoreResult<(f64, f64)> {
            let (lo, hi) = (need("min")?, need("max")?);
            if lo <= 0.0 {
                return Err(bad(format!(
                    "min ({lo}) must be positive for {} (its bounds are values, not exponents)",
                    distribution.unwrap_or_default()
                )));
            }
            range(lo, hi)?;
            Ok((lo, hi))
        };
        let shapes = || -> CoreResult<(f64, f64)> {
            let (a, b) = (num("a")?.unwrap_or(1.0), num("b")?.unwrap_or(1.0));
            if a > 0.0 && b > 0.0 {
                Ok((a, b))
            } else {
                Err(bad(format!("a and b must be positive, got a={a}, b={b}")))
            }
        };
        let integral_q = |q: f64, keys: &[&str]| q.fract() == 0.0 && keys.iter().all(|k| is_int(k));
        let continuous =
            |dist: Dist, q: Option<f64>, integral: bool| Param::Continuous { dist, q, integral };
        let inferred = match distribution {
            Some(d) => d,
            None if spec.contains_key("value") => "constant",
            None if spec.contains_key("values") => "categorical",
            None if spec.contains_key("min") && spec.contains_key("max") => {
                if is_int("min") && is_int("max") {
                    "int_uniform"
                } else {
                    "uniform"
                }
            }
            None if spec.contains_key("mu") || spec.contains_key("sigma") => "normal",
            None => {
                return Err(bad(
                    "give value, values, min and max, nested parameters, or a distribution".into(),
                ));
            }
        };
        Ok(match inferred {
            "constant" => Param::Constant(
                spec.get("value")
                    .cloned()
                    .ok_or_else(|| bad("value: the constant distribution needs value".into()))?,
            ),
            "categorical" => {
                let Some(Value::Array(values)) = spec.get("values") else {
                    return Err(bad("values: expected a list of values".into()));
                };
                if values.is_empty() {
                    return Err(bad("values: the list is empty".into()));
                }
                let probabilities = match spec.get("probabilities") {
                    None | Some(Value::Null) => None,
                    Some(Value::Array(p)) => {
                        let p: Vec<f64> = p.iter().filter_map(Value::as_f64).collect();
                        if p.len() != values.len() {
                            return Err(bad(format!(
                                "probabilities: {} numbers for {} values",
                                p.len(),
                                values.len()
                            )));
                        }
                        if p.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
                            return Err(bad("probabilities: must not be negative".into()));
                        }
                        let sum: f64 = p.iter().sum();
                        if (sum - 1.0).abs() > 1e-6 {
                            return Err(bad(format!("probabilities: must sum to 1, not {sum}")));
                        }
                        Some(p)
                    }
                    Some(other) => {
                        return Err(bad(format!("probabilities: expected a list, got {other}")));
                    }
                };
                Param::Categorical {
                    values: values.clone(),
                    probabilities,
                }
            }
            "int_uniform" => {
                let (lo, hi) = (need("min")?, need("max")?);
                if !(is_int("min") && is_int("max")) {
                    return Err(bad("int_uniform: min and max must be integers".into()));
                }
                if lo > hi {
                    return Err(bad(format!("min ({lo}) must not be more than max ({hi})")));
                }
                Param::IntUniform {
                    min: lo as i64,
                    max: hi as i64,
                }
            }
            "uniform" => {
                let (lo, hi) = (need("min")?, need("max")?);
                range(lo, hi)?;
                continuous(Dist::Uniform(lo, hi), None, false)
            }
            "q_uniform" => {
                let (lo, hi, q) = (need("min")?, need("max")?, q()?);
                range(lo, hi)?;
                continuous(
                    Dist::Uniform(lo, hi),
                    Some(q),
                    integral_q(q, &["min", "max"]),
                )
            }
            "log_uniform" => {
                let (lo, hi) = (need("min")?, need("max")?);
                range(lo, hi)?;
                continuous(Dist::LogUniform(lo, hi), None, false)
            }
            "log_uniform_values" => {
                let (lo, hi) = positive_range()?;
                continuous(Dist::LogUniform(lo.ln(), hi.ln()), None, false)
            }
            "q_log_uniform" => {
                let (lo, hi, q) = (need("min")?, need("max")?, q()?);
                range(lo, hi)?;
                continuous(Dist::LogUniform(lo, hi), Some(q), q.fract() == 0.0)
            }
            "q_log_uniform_values" => {
                let ((lo, hi), q) = (positive_range()?, q()?);
                continuous(
                    Dist::LogUniform(lo.ln(), hi.ln()),
                    Some(q),
                    integral_q(q, &["min", "max"]),
                )
            }
            "inv_log_uniform" => {
                let (lo, hi) = (need("min")?, need("max")?);
                range(lo, hi)?;
                continuous(Dist::InvLogUniform(lo, hi), None, false)
            }
            "inv_log_uniform_values" => {
                let (lo, hi) = positive_range()?;
                // 1/x log-uniform with x in [lo, hi]: -ln x in [-ln hi, -ln lo].
                continuous(Dist::InvLogUniform(-hi.ln(), -lo.ln()), None, false)
            }
            "normal" => {
                let (mu, s) = sigma()?;
                continuous(Dist::Normal(mu, s), None, false)
            }
            "q_normal" => {
                let ((mu, s), q) = (sigma()?, q()?);
                continuous(Dist::Normal(mu, s), Some(q), q.fract() == 0.0)
            }
            "log_normal" => {
                let (mu, s) = sigma()?;
                continuous(Dist::LogNormal(mu, s), None, false)
            }
            "q_log_normal" => {
                let ((mu, s), q) = (sigma()?, q()?);
                continuous(Dist::LogNormal(mu, s), Some(q), q.fract() == 0.0)
            }
            "beta" => {
                let (a, b) = shapes()?;
                continuous(Dist::Beta(a, b), None, false)
            }
            "q_beta" => {
                let ((a, b), q) = (shapes()?, q()?);
                continuous(Dist::Beta(a, b), Some(q), false)
            }
            other => {
                return Err(bad(format!(
                    "distribution: unknown distribution {other:?} (expected one of constant, \
                     categorical, int_uniform, uniform, q_uniform, log_uniform, \
                     log_uniform_values, q_log_uniform, q_log_uniform_values, inv_log_uniform, \
                     inv_log_uniform_values, normal, q_normal, log_normal, q_log_normal, beta, \
                     q_beta)"
                )));
            }
        })
    }

    /// A random value.
    pub fn sample(&self, rng: &mut impl Rng) -> Value {
        match self {
            Param::Constant(v) => v.clone(),
            Param::Categorical {
                values,
                probabilities,
            } => {
                let index = match probabilities {
                    None => rng.gen_range(0..values.len()),
                    Some(p) => {
                        let mut x: f64 = rng.r#gen();
                        p.iter()
                            .position(|w| {
                                x -= w;
                                x < 0.0
                            })
                            .unwrap_or(values.len() - 1)
                    }
                };
                values[index].clone()
            }
            Param::IntUniform { min, max } => Value::from(rng.gen_range(*min..=*max)),
            Param::Continuous { dist, q, integral } => {
                let x = dist.sample(rng);
                match q {
                    Some(q) => number(quantise(x, *q), *integral),
                    None => number(x, false),
                }
            }
            Param::Nested(children) => Value::Object(
                children
                    .iter()
                    .map(|(k, p)| (k.clone(), p.sample(rng)))
                    .collect(),
            ),
        }
    }

    /// Every value a grid takes this parameter through, or why it has no
    /// finite set. Nested parameters are handled by the caller (their
    /// children are grid axes of their own).
    pub fn grid_values(&self, path: &str) -> CoreResult<Vec<Value>> {
        let too_many = || {
            CoreError::InvalidInput(format!(
                "{path}: more than {MAX_GRID_VALUES} grid values; use random or bayes search"
            ))
        };
        match self {
            Param::Constant(v) => Ok(vec![v.clone()]),
            Param::Categorical { values, .. } => Ok(values.clone()),
            Param::IntUniform { min, max } => {
                let count =
                    u64::try_from(i128::from(*max) - i128::from(*min) + 1).unwrap_or(u64::MAX);
                if count > MAX_GRID_VALUES {
                    return Err(too_many());
                }
                Ok((*min..=*max).map(Value::from).collect())
            }
            Param::Continuous {
                dist: Dist::Uniform(lo, hi),
                q: Some(q),
                integral,
            } => {
                let first = (lo / q).ceil();
                let last = (hi / q).floor();
                if last - first + 1.0 > MAX_GRID_VALUES as f64 {
                    return Err(too_many());
                }
                let mut out = Vec::new();
                let mut k = first;
                while k <= last {
                    out.push(number(k * q, *integral));
                    k += 1.0;
                }
                Ok(out)
            }
            Param::Continuous { .. } => Err(CoreError::InvalidInput(format!(
                "{path}: grid search needs a finite set of values: use value, values, an integer \
                 min/max (int_uniform) or q_uniform with a step q"
            ))),
            Param::Nested(_) => Ok(Vec::new()),
        }
    }

    /// Where a value sits in [0, 1] for the bayes model; `None` for
    /// parameters that are not a model input (constants, nested, a value
    /// the parameter cannot have produced).
    pub fn to_unit(&self, value: &Value) -> Option<f64> {
        match self {
            Param::Constant(_) | Param::Nested(_) => None,
            Param::Categorical { values, .. } => {
                let i = values.iter().position(|v| v == value)?;
                Some(if values.len() > 1 {
                    i as f64 / (values.len() - 1) as f64
                } else {
                    0.5
                })
            }
            Param::IntUniform { min, max } => {
                let x = value.as_f64()?;
                Some(if max > min {
                    (x - *min as f64) / (*max - *min) as f64
                } else {
                    0.5
                })
            }
            Param::Continuous { dist, .. } => Some(dist.to_unit(value.as_f64()?)),
        }
    }

    /// The value at `u` in [0, 1]: the inverse of [`Param::to_unit`], with
    /// integers rounded and steps quantised.
    pub fn at_unit(&self, u: f64) -> Value {
        let u = u.clamp(0.0, 1.0);
        match self {
            Param::Categorical { values, .. } => {
                let i = (u * (values.len() - 1) as f64).round() as usize;
                values[i.min(values.len() - 1)].clone()
            }
            Param::IntUniform { min, max } => {
                Value::from(*min + (u * (*max - *min) as f64).round() as i64)
            }
            Param::Continuous { dist, q, integral } => {
                let x = dist.at_unit(u);
                match q {
                    Some(q) => number(quantise(x, *q), *integral),
                    None => number(x, false),
                }
            }
            Param::Constant(v) => v.clone(),
            Param::Nested(_) => Value::Object(Map::new()),
        }
    }

    /// Whether the bayes model takes this parameter as an input.
    pub fn is_input(&self) -> bool {
        !matches!(self, Param::Constant(_) | Param::Nested(_))
    }
}
