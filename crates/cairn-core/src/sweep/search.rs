//! The search methods: the next parameter values for a sweep.
//!
//! Nested parameters are flattened into leaves (`opt.name`, `opt.momentum`)
//! for the grid's axes and the bayes model's inputs, and folded back into
//! objects (`{"opt": {"name": "adam", "momentum": 0.9}}`) in what agents
//! are handed, as W&B hands them.
//!
//! Grid points are numbered: point `i` is `i` written in the mixed radix of
//! the axes' sizes (leaves in key order), so the store only has to keep
//! which numbers are taken, and any agent can compute any point.

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Map, Value};

use super::bayes;
use super::config::{Method, SweepConfig};
use super::params::Param;
use crate::error::{CoreError, CoreResult};

/// Parameter values by name, as handed to an agent.
pub type Params = Map<String, Value>;

/// One run of the sweep as the search sees it: the values it was given and
/// its metric (summary value), when known.
#[derive(Debug, Clone)]
pub struct Trial {
    /// Top-level name → value (nested parameters as objects).
    pub params: Params,
    /// Its metric, when the run has reported one.
    pub metric: Option<f64>,
    /// Whether the run has ended.
    pub finished: bool,
}

/// A leaf parameter: its path from the top and its distribution.
pub(crate) type Leaf<'a> = (Vec<&'a str>, &'a Param);

/// Every non-nested parameter, depth first in key order.
pub(crate) fn leaves(params: &[(String, Param)]) -> Vec<Leaf<'_>> {
    fn walk<'a>(prefix: &[&'a str], params: &'a [(String, Param)], out: &mut Vec<Leaf<'a>>) {
        for (name, param) in params {
            let mut path = prefix.to_vec();
            path.push(name.as_str());
            match param {
                Param::Nested(children) => walk(&path, children, out),
                leaf => out.push((path, leaf)),
            }
        }
    }
    let mut out = Vec::new();
    walk(&[], params, &mut out);
    out
}

/// Put `value` at `path` in `params`, making the objects on the way.
pub(crate) fn set(params: &mut Params, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = params;
    for key in parents {
        let entry = node
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else {
            return;
        };
        node = next;
    }
    node.insert(last.to_string(), value);
}

/// The value at `path` in `params`.
pub(crate) fn get<'a>(params: &'a Params, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter().try_fold(params.get(*first)?, |v, k| v.get(*k))
}

/// How many points a grid over `params` has (saturating); an error naming
/// the first parameter with no finite set of values.
pub(crate) fn grid_size(params: &[(String, Param)]) -> CoreResult<u64> {
    leaves(params).iter().try_fold(1u64, |size, (path, param)| {
        let n = param
            .grid_values(&format!("parameters.{}", path.join(".")))?
            .len() as u64;
        Ok(size.saturating_mul(n))
    })
}

/// Grid point `index`, or `None` past the end.
pub fn grid_point(config: &SweepConfig, index: u64) -> Option<Params> {
    if config.grid_size().is_none_or(|size| index >= size) {
        return None;
    }
    let mut params = Params::new();
    let mut rest = index;
    // The last leaf varies fastest.
    let leaves = leaves(&config.parameters);
    let mut values = Vec::with_capacity(leaves.len());
    for (path, param) in leaves.iter().rev() {
        let choices = param.grid_values("").ok()?;
        let n = choices.len() as u64;
        if n == 0 {
            return None;
        }
        values.push((path, choices[(rest % n) as usize].clone()));
        rest /= n;
    }
    for (path, value) in values.into_iter().rev() {
        set(&mut params, path, value);
    }
    Some(params)
}

/// The next values for a random or bayes sweep (a grid's come from
/// [`grid_point`]). `seed` makes the draw reproducible.
pub fn suggest(config: &SweepConfig, trials: &[Trial], seed: u64) -> CoreResult<Params> {
    let mut rng = StdRng::seed_from_u64(seed);
    match config.method() {
        Method::Random => Ok(random(config, &mut rng)),
        Method::Bayes => {
            let goal = config
                .metric()
                .map(|m| m.goal)
                .ok_or_else(|| CoreError::InvalidInput("metric: bayes needs a metric".into()))?;
            Ok(bayes::suggest(config, trials, goal, &mut rng)
                .unwrap_or_else(|| random(config, &mut rng)))
        }
        Method::Grid => Err(CoreError::Internal(
            "grid sweeps take their points from grid_point".into(),
        )),
    }
}

/// Independent draws for every parameter.
pub(crate) fn random(config: &SweepConfig, rng: &mut StdRng) -> Params {
    config
        .parameters
        .iter()
        .map(|(name, param)| (name.clone(), param.sample(rng)))
        .collect()
}
