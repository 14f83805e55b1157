//! TEMPORARY stub of the sweep search API (replaced by the real module).
#![allow(missing_docs, dead_code, unused_variables)]

pub mod controller;
pub mod records;

use crate::error::{CoreError, CoreResult};

pub type Params = serde_json::Map<String, serde_json::Value>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method { Grid, Random, Bayes }
impl Method { pub fn as_str(self) -> &'static str { match self { Method::Grid => "grid", Method::Random => "random", Method::Bayes => "bayes" } } }
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal { Minimize, Maximize }
pub struct Metric { pub name: String, pub goal: Goal }
pub struct Hyperband;
impl Hyperband {
    pub fn milestones(&self) -> Vec<u64> { vec![] }
    pub fn to_stop<'a>(&self, goal: Goal, histories: &[(&'a str, &[f64])], running: &[&'a str]) -> Vec<&'a str> { vec![] }
}
pub struct SweepConfig { value: serde_json::Value, method: Method, metric: Option<Metric> }
impl SweepConfig {
    pub fn parse(text: &str) -> CoreResult<(SweepConfig, Vec<String>)> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        let method = match value["method"].as_str() { Some("grid") => Method::Grid, Some("bayes") => Method::Bayes, _ => Method::Random };
        Ok((SweepConfig { value, method, metric: None }, vec![]))
    }
    pub fn method(&self) -> Method { self.method }
    pub fn metric(&self) -> Option<&Metric> { self.metric.as_ref() }
    pub fn run_cap(&self) -> Option<u64> { None }
    pub fn grid_size(&self) -> Option<u64> { None }
    pub fn expected_run_count(&self) -> Option<u64> { None }
    pub fn program(&self) -> Option<&str> { None }
    pub fn hyperband(&self) -> Option<&Hyperband> { None }
    pub fn to_json(&self) -> &serde_json::Value { &self.value }
}
pub struct Trial { pub params: Params, pub metric: Option<f64>, pub finished: bool }
pub fn grid_point(config: &SweepConfig, index: u64) -> Option<Params> { None }
pub fn suggest(config: &SweepConfig, trials: &[Trial], seed: u64) -> CoreResult<Params> { Ok(Params::new()) }
