//! The configuration, the samplers and the search methods.

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::*;

fn config(yaml: &str) -> SweepConfig {
    SweepConfig::parse(yaml)
        .unwrap_or_else(|e| panic!("{yaml}: {e}"))
        .0
}

fn param(spec: Value) -> Param {
    Param::parse("parameters.p", &spec).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn samples(p: &Param, n: usize) -> Vec<Value> {
    let mut rng = StdRng::seed_from_u64(7);
    (0..n).map(|_| p.sample(&mut rng)).collect()
}

fn floats(values: &[Value]) -> Vec<f64> {
    values
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

#[test]
fn every_distribution_stays_in_its_bounds() {
    let within = |spec: Value, lo: f64, hi: f64| {
        for x in floats(&samples(&param(spec.clone()), 2000)) {
            assert!((lo..=hi).contains(&x), "{spec}: {x}");
        }
    };
    within(
        json!({"distribution": "uniform", "min": -1.0, "max": 2.0}),
        -1.0,
        2.0,
    );
    within(json!({"min": 0.0, "max": 0.5}), 0.0, 0.5);
    within(
        json!({"distribution": "log_uniform", "min": -3.0, "max": 1.0}),
        (-3f64).exp(),
        1f64.exp(),
    );
    within(
        json!({"distribution": "log_uniform_values", "min": 1e-5, "max": 0.1}),
        1e-5,
        0.1,
    );
    within(
        json!({"distribution": "inv_log_uniform", "min": 0.0, "max": 2.0}),
        (-2f64).exp(),
        1.0,
    );
    within(
        json!({"distribution": "inv_log_uniform_values", "min": 0.01, "max": 1.0}),
        0.01,
        1.0,
    );
    within(json!({"distribution": "beta", "a": 2, "b": 5}), 0.0, 1.0);
    within(
        json!({"distribution": "q_beta", "a": 2, "b": 5, "q": 0.1}),
        0.0,
        1.0,
    );
    within(
        json!({"distribution": "log_normal", "mu": 0, "sigma": 1}),
        0.0,
        f64::INFINITY,
    );
    within(
        json!({"distribution": "q_log_uniform_values", "min": 1, "max": 100, "q": 1}),
        1.0,
        100.0,
    );
    within(
        json!({"distribution": "q_log_uniform", "min": 0, "max": 3, "q": 1}),
        1.0,
        21.0,
    );
    // Normals: the sample mean and spread are near mu and sigma.
    let normal = floats(&samples(
        &param(json!({"distribution": "normal", "mu": 3, "sigma": 2})),
        4000,
    ));
    let mean = normal.iter().sum::<f64>() / normal.len() as f64;
    assert!((mean - 3.0).abs() < 0.15, "{mean}");
}

#[test]
fn integers_stay_integers_and_quantised_values_sit_on_their_step() {
    let ints = samples(&param(json!({"min": 1, "max": 4})), 500);
    assert!(
        ints.iter()
            .all(|v| v.is_i64() && (1..=4).contains(&v.as_i64().unwrap()))
    );
    for k in 1..=4 {
        assert!(ints.iter().any(|v| v.as_i64() == Some(k)), "never drew {k}");
    }
    let q = samples(
        &param(json!({"distribution": "q_uniform", "min": 0, "max": 10, "q": 2})),
        500,
    );
    assert!(q.iter().all(|v| v.is_i64() && v.as_i64().unwrap() % 2 == 0));
    let q = floats(&samples(
        &param(json!({"distribution": "q_uniform", "min": 0.0, "max": 1.0, "q": 0.25})),
        500,
    ));
    assert!(
        q.iter()
            .all(|x| (x / 0.25 - (x / 0.25).round()).abs() < 1e-9 && (0.0..=1.0).contains(x))
    );
    let q = floats(&samples(
        &param(json!({"distribution": "q_normal", "mu": 0, "sigma": 5, "q": 3})),
        500,
    ));
    assert!(q.iter().all(|x| x.rem_euclid(3.0) == 0.0));
    let q = floats(&samples(
        &param(json!({"distribution": "q_log_normal", "mu": 1, "sigma": 1, "q": 0.5})),
        500,
    ));
    assert!(q.iter().all(|x| (x * 2.0).fract() == 0.0 && *x >= 0.0));
    // A float bound makes a float range.
    let f = samples(&param(json!({"min": 1, "max": 4.0})), 50);
    assert!(f.iter().any(|v| v.is_f64()));
}

#[test]
fn categorical_values_follow_their_probabilities() {
    let p = param(json!({"values": ["a", "b", "c"], "probabilities": [0.8, 0.2, 0.0]}));
    let drawn = samples(&p, 2000);
    let a = drawn.iter().filter(|v| *v == "a").count();
    assert!((1450..1750).contains(&a), "{a}");
    assert!(!drawn.iter().any(|v| v == "c"));
    assert_eq!(
        samples(&param(json!({"value": 0.9})), 3),
        vec![json!(0.9), json!(0.9), json!(0.9)]
    );
    assert_eq!(
        samples(&param(json!({"distribution": "constant", "value": "x"})), 1),
        [json!("x")]
    );
}

#[test]
fn bad_parameters_and_configs_name_the_field() {
    for (yaml, expected) in [
        (
            "method: foo\nparameters: {a: {value: 1}}",
            "method: unknown search method \"foo\"",
        ),
        ("parameters: {a: {value: 1}}", "method: missing"),
        (
            "method: bayes\nparameters: {a: {min: 0.0, max: 1.0}}",
            "metric: bayes",
        ),
        (
            "method: random\nparameters: {}",
            "parameters: a sweep needs",
        ),
        (
            "method: random\nparameters: {lr: {min: 0.5, max: 0.1}}",
            "parameters.lr: min (0.5) must be less than max (0.1)",
        ),
        (
            "method: random\nparameters: {lr: {distribution: log_uniform_values, min: 0, max: 1}}",
            "parameters.lr: min (0) must be positive",
        ),
        (
            "method: random\nparameters: {lr: {distribution: gaussian}}",
            "parameters.lr: distribution: unknown distribution \"gaussian\"",
        ),
        (
            "method: random\nparameters: {lr: {distribution: uniform, min: 0}}",
            "parameters.lr: max",
        ),
        (
            "method: random\nparameters: {lr: {distribution: normal, sigma: 0}}",
            "parameters.lr: sigma",
        ),
        (
            "method: random\nparameters: {lr: {distribution: q_uniform, min: 0, max: 1, q: 0}}",
            "parameters.lr: q",
        ),
        (
            "method: random\nparameters: {lr: {distribution: beta, a: -1}}",
            "parameters.lr: a and b",
        ),
        (
            "method: random\nparameters: {a: {values: []}}",
            "parameters.a: values: the list is empty",
        ),
        (
            "method: random\nparameters: {a: {values: [1, 2], probabilities: [0.5]}}",
            "parameters.a: probabilities: 1 numbers for 2 values",
        ),
        (
            "method: random\nparameters: {a: {values: [1, 2], probabilities: [0.5, 0.6]}}",
            "parameters.a: probabilities: must sum to 1",
        ),
        (
            "method: random\nparameters: {a: 3}",
            "parameters.a: expected a mapping",
        ),
        (
            "method: random\nparameters: {a: {foo: 1}}",
            "parameters.a: give value",
        ),
        (
            "method: random\nparameters: {o: {parameters: {x: {min: 2, max: 1}}}}",
            "parameters.o.x: min (2) must not be more than max (1)",
        ),
        (
            "method: grid\nparameters: {lr: {min: 0.1, max: 0.5}}",
            "parameters.lr: grid search needs a finite set",
        ),
        (
            "method: grid\nparameters: {lr: {distribution: normal}}",
            "parameters.lr: grid search",
        ),
        (
            "method: random\nrun_cap: 0\nparameters: {a: {value: 1}}",
            "run_cap: expected a positive integer",
        ),
        (
            "method: random\nparameters: {a: {value: 1}}\nearly_terminate: {type: hyperband, min_iter: 3}",
            "metric: early_terminate",
        ),
        (
            "method: random\nmetric: {goal: minimize}\nparameters: {a: {value: 1}}",
            "metric: name",
        ),
        (
            "method: random\nmetric: {name: l, goal: lowest}\nparameters: {a: {value: 1}}",
            "metric: goal",
        ),
        (
            "method: grid\nparameters: [unclosed",
            "config: not valid YAML",
        ),
        ("- just\n- a list", "config: expected a mapping"),
    ] {
        let err = SweepConfig::parse(yaml).unwrap_err().to_string();
        assert!(err.contains(expected), "{yaml:?}: {err}");
    }
    let err = SweepConfig::parse("method: grid\nparameters: [unclosed")
        .unwrap_err()
        .to_string();
    assert!(err.contains("line"), "{err}");
}

#[test]
fn pyyaml_output_and_json_both_parse() {
    // What `yaml.dump` writes for the issue's example.
    let (c, warnings) = SweepConfig::parse(
        "early_terminate:\n  eta: 3\n  min_iter: 3\n  type: hyperband\nmethod: bayes\nmetric:\n  goal: minimize\n  name: val_loss\nparameters:\n  batch:\n    values:\n    - 16\n    - 32\n  dropout:\n    distribution: uniform\n    max: 0.5\n    min: 0.0\n  lr:\n    distribution: log_uniform_values\n    max: 0.1\n    min: 1.0e-05\n  opt:\n    parameters:\n      momentum:\n        value: 0.9\n      name:\n        values:\n        - adam\n        - sgd\nrun_cap: 50\nfavourite: 1\n",
    )
    .unwrap();
    assert_eq!(c.method(), Method::Bayes);
    assert_eq!(c.metric().unwrap().name, "val_loss");
    assert_eq!(c.run_cap(), Some(50));
    assert_eq!(c.expected_run_count(), Some(50));
    assert_eq!(c.hyperband().unwrap().milestones(), [3, 9, 27]);
    assert_eq!(warnings, ["favourite: unknown key, kept but not used"]);
    let (j, _) = SweepConfig::parse(
        r#"{"method": "random", "program": "t.py", "parameters": {"a": {"values": [1]}}}"#,
    )
    .unwrap();
    assert_eq!(j.program(), Some("t.py"));
    assert_eq!(j.expected_run_count(), None);
}

#[test]
fn a_grid_visits_every_combination_once_with_nested_parameters() {
    let c = config(
        "method: grid\nrun_cap: 100\nparameters:\n  batch: {values: [16, 32]}\n  layers: {min: 1, max: 3}\n  q: {distribution: q_uniform, min: 0, max: 1, q: 0.5}\n  opt:\n    parameters:\n      name: {values: [adam, sgd]}\n      momentum: {value: 0.9}\n",
    );
    assert_eq!(c.grid_size(), Some(2 * 3 * 3 * 2));
    assert_eq!(c.expected_run_count(), Some(36));
    let points: Vec<Params> = (0..36).map(|i| grid_point(&c, i).unwrap()).collect();
    let mut seen: Vec<String> = points
        .iter()
        .map(|p| Value::Object(p.clone()).to_string())
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 36);
    assert!(grid_point(&c, 36).is_none());
    assert!(points.iter().all(|p| p["opt"]["momentum"] == 0.9));
    assert!(points.iter().any(|p| p["opt"]["name"] == "sgd"
        && p["batch"] == 32
        && p["layers"] == 3
        && p["q"] == 1.0));
    assert_eq!(points[0]["q"], json!(0.0));
    // A run cap below the grid caps the expected count.
    let small = config("method: grid\nrun_cap: 2\nparameters: {a: {values: [1, 2, 3]}}");
    assert_eq!(
        (small.grid_size(), small.expected_run_count()),
        (Some(3), Some(2))
    );
}

#[test]
fn random_suggestions_fill_every_parameter() {
    let c = config(
        "method: random\nparameters:\n  lr: {distribution: log_uniform_values, min: 1.0e-05, max: 0.1}\n  opt:\n    parameters:\n      name: {values: [adam, sgd]}\n      momentum: {value: 0.9}\n",
    );
    let a = suggest(&c, &[], 1).unwrap();
    let b = suggest(&c, &[], 2).unwrap();
    assert_ne!(a, b);
    assert_eq!(
        a,
        suggest(&c, &[], 1).unwrap(),
        "a seed gives the same draw"
    );
    let lr = a["lr"].as_f64().unwrap();
    assert!((1e-5..=0.1).contains(&lr));
    assert_eq!(a["opt"]["momentum"], 0.9);
    assert!(a["opt"]["name"] == "adam" || a["opt"]["name"] == "sgd");
}

fn run_search(method: &str, seed: u64, budget: usize) -> f64 {
    let c = config(&format!(
        "method: {method}\nmetric: {{name: v, goal: minimize}}\nparameters:\n  x: {{min: -5.0, max: 10.0}}\n  y: {{min: 0.0, max: 15.0}}\n"
    ));
    let mut trials: Vec<Trial> = Vec::new();
    for i in 0..budget {
        let p = suggest(&c, &trials, seed * 1000 + i as u64).unwrap();
        let (x, y) = (p["x"].as_f64().unwrap(), p["y"].as_f64().unwrap());
        assert!((-5.0..=10.0).contains(&x) && (0.0..=15.0).contains(&y));
        trials.push(Trial {
            params: p,
            metric: Some(testfns::branin(x, y)),
            finished: true,
        });
    }
    trials
        .iter()
        .filter_map(|t| t.metric)
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn bayes_beats_random_on_branin() {
    let median = |method: &str| {
        let mut bests: Vec<f64> = (0..7).map(|s| run_search(method, s, 25)).collect();
        bests.sort_by(f64::total_cmp);
        bests[3]
    };
    let (bayes, random) = (median("bayes"), median("random"));
    assert!(bayes < random, "bayes {bayes} vs random {random}");
    assert!(bayes < 2.0, "bayes {bayes}");
}

#[test]
fn bayes_handles_maximising_categoricals_pending_runs_and_junk() {
    let c = config(
        "method: bayes\nmetric: {name: acc, goal: maximize}\nparameters:\n  act: {values: [relu, gelu, tanh]}\n  n: {min: 1, max: 8}\n  k: {value: 3}\n",
    );
    let mut trials = Vec::new();
    for i in 0..12u64 {
        let p = suggest(&c, &trials, i).unwrap();
        assert!(["relu", "gelu", "tanh"].contains(&p["act"].as_str().unwrap()));
        let n = p["n"].as_i64().unwrap();
        assert!((1..=8).contains(&n));
        assert_eq!(p["k"], 3);
        let metric = if i == 3 {
            Some(f64::NAN)
        } else {
            Some(n as f64)
        };
        trials.push(Trial {
            params: p,
            metric,
            finished: i % 4 != 0,
        });
    }
    // Trials with parameters it does not know are left out, not a panic.
    trials.push(Trial {
        params: Params::new(),
        metric: Some(1.0),
        finished: true,
    });
    suggest(&c, &trials, 99).unwrap();
}
