//! Hyperparameter sweeps, as W&B defines them: the configuration, the
//! search methods (grid, random, bayes), hyperband early termination, and
//! the controller's decisions. All pure: no I/O, no clock, randomness only
//! from a seed the caller passes, so every rule is a unit test. The service
//! (`service/sweeps.rs`) reads and writes around it.

mod bayes;
mod config;
pub mod controller;
mod hyperband;
mod params;
pub mod records;
mod search;
pub mod testfns;

pub use config::{Goal, MAX_CONFIG_BYTES, Method, Metric, SweepConfig};
pub use hyperband::Hyperband;
pub use params::{Dist, MAX_GRID_VALUES, Param};
pub use search::{Params, Trial, grid_point, suggest};

#[cfg(test)]
mod tests;
