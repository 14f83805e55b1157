//! What the sweep controller tells an agent, decided from the sweep's state
//! and what the agent reports. Pure, so every case is a unit test; the
//! service does the reading and writing around it.
//!
//! W&B's agents run one run at a time: an agent that reports a running run
//! gets no new one, only stop commands (early termination, a cancelled
//! sweep); an idle agent gets a run, or `exit` when the sweep has nothing
//! left to hand out. Commands are W&B's JSON shapes, which both the official
//! agents (`wandb agent` and `wandb.agent(function=…)`) and `cairn agent`
//! read:
//! `{"type": "run", "run_id": …, "program": …, "args": {"lr": {"value": 0.1}}}`,
//! `{"type": "stop", "run_id": …}`, `{"type": "exit"}`.

use serde_json::{Map, Value, json};

use super::records::{ControllerView, SweepState};

/// One instruction for an agent.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Start a run with these parameters.
    Run {
        /// The run id to start it under.
        run_id: String,
        /// The sweep's `program`, when it has one.
        program: Option<String>,
        /// Parameter values by name.
        params: Map<String, Value>,
    },
    /// Stop this run.
    Stop {
        /// The run.
        run_id: String,
    },
    /// Stop everything and quit.
    Exit,
}

impl Command {
    /// The command as W&B's agents read it.
    pub fn to_json(&self) -> Value {
        match self {
            Command::Run {
                run_id,
                program,
                params,
            } => {
                let args: Map<String, Value> = params
                    .iter()
                    .map(|(k, v)| (k.clone(), json!({ "value": v })))
                    .collect();
                json!({ "type": "run", "run_id": run_id, "program": program, "args": args })
            }
            Command::Stop { run_id } => json!({ "type": "stop", "run_id": run_id }),
            Command::Exit => json!({ "type": "exit" }),
        }
    }
}

/// What to do for a heartbeat.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Answer these commands (maybe none).
    Commands(Vec<Command>),
    /// The agent is busy: answer with early-termination decisions.
    Judge,
    /// The agent is idle in a running sweep: hand it a run (or `exit`).
    Start,
}

/// Decide what a heartbeat needs, from the sweep's state, the runs the
/// agent reports running and what the store knows.
pub fn plan(state: SweepState, running: &[String], view: &ControllerView) -> Plan {
    let stop_all = || {
        running
            .iter()
            .map(|run_id| Command::Stop {
                run_id: run_id.clone(),
            })
            .collect::<Vec<_>>()
    };
    match state {
        SweepState::Canceled => {
            let mut commands = stop_all();
            commands.push(Command::Exit);
            Plan::Commands(commands)
        }
        // A stopped (or finished) sweep lets its runs end, then lets its
        // agents go.
        SweepState::Finished if running.is_empty() => Plan::Commands(vec![Command::Exit]),
        SweepState::Finished | SweepState::Paused => Plan::Commands(Vec::new()),
        SweepState::Running if !view.stopping.is_empty() => Plan::Commands(
            view.stopping
                .iter()
                .map(|run_id| Command::Stop {
                    run_id: run_id.clone(),
                })
                .collect(),
        ),
        SweepState::Running if running.is_empty() => Plan::Start,
        SweepState::Running => Plan::Judge,
    }
}

/// The lowest grid point not handed out, if any is left. `taken` need not
/// be sorted.
pub fn free_grid_index(taken: &[u64], grid_size: Option<u64>) -> Option<u64> {
    let size = grid_size?;
    let mut taken = taken.to_vec();
    taken.sort_unstable();
    taken.dedup();
    let mut next = 0;
    for index in taken {
        if index > next {
            break;
        }
        if index == next {
            next += 1;
        }
    }
    (next < size).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(stopping: &[&str]) -> ControllerView {
        ControllerView {
            stopping: stopping.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn idle_agents_of_running_sweeps_get_work_busy_ones_are_judged() {
        assert_eq!(plan(SweepState::Running, &[], &view(&[])), Plan::Start);
        assert_eq!(
            plan(SweepState::Running, &names(&["a"]), &view(&[])),
            Plan::Judge
        );
    }

    #[test]
    fn runs_marked_for_stopping_are_stopped_again_until_they_end() {
        assert_eq!(
            plan(SweepState::Running, &names(&["a", "b"]), &view(&["b"])),
            Plan::Commands(vec![Command::Stop { run_id: "b".into() }])
        );
    }

    #[test]
    fn paused_sweeps_hand_out_nothing() {
        assert_eq!(
            plan(SweepState::Paused, &[], &view(&[])),
            Plan::Commands(vec![])
        );
        assert_eq!(
            plan(SweepState::Paused, &names(&["a"]), &view(&[])),
            Plan::Commands(vec![])
        );
    }

    #[test]
    fn stopped_sweeps_let_runs_finish_then_release_agents() {
        assert_eq!(
            plan(SweepState::Finished, &names(&["a"]), &view(&[])),
            Plan::Commands(vec![])
        );
        assert_eq!(
            plan(SweepState::Finished, &[], &view(&[])),
            Plan::Commands(vec![Command::Exit])
        );
    }

    #[test]
    fn cancelled_sweeps_stop_runs_and_release_agents() {
        assert_eq!(
            plan(SweepState::Canceled, &names(&["a"]), &view(&[])),
            Plan::Commands(vec![Command::Stop { run_id: "a".into() }, Command::Exit])
        );
    }

    #[test]
    fn the_lowest_free_grid_point_is_next() {
        assert_eq!(free_grid_index(&[], Some(3)), Some(0));
        assert_eq!(free_grid_index(&[1, 0], Some(3)), Some(2));
        assert_eq!(free_grid_index(&[0, 2], Some(3)), Some(1));
        assert_eq!(free_grid_index(&[0, 1, 2], Some(3)), None);
        assert_eq!(free_grid_index(&[], None), None);
        assert_eq!(free_grid_index(&[], Some(0)), None);
    }

    #[test]
    fn commands_have_wandbs_shapes() {
        let mut params = Map::new();
        params.insert("lr".into(), json!(0.1));
        let run = Command::Run {
            run_id: "r1".into(),
            program: Some("train.py".into()),
            params,
        };
        assert_eq!(
            run.to_json(),
            json!({"type": "run", "run_id": "r1", "program": "train.py",
                   "args": {"lr": {"value": 0.1}}})
        );
        assert_eq!(
            Command::Stop {
                run_id: "r1".into()
            }
            .to_json(),
            json!({"type": "stop", "run_id": "r1"})
        );
        assert_eq!(Command::Exit.to_json(), json!({"type": "exit"}));
    }
}
