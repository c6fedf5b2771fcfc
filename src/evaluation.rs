//! Evaluation inside a trial: every evaluation task in a fresh copy of the trial's starting
//! world, with the library read-only, judged by its oracle beside the model's own verdict.

use crate::config::TrialConfig;
use crate::eval_tasks::{self, Baseline, EvalTask, SetupError, Snapshot};
use crate::llm::LanguageModel;
use crate::llm::protocol::{TaskKind, Verdict};
use crate::ops::SimulatorOps;
use crate::planner::{self, TaskSpec};
use crate::run::{Run, RunError, Tokens};
use crate::running_state::{self, RunningState};
use crate::simulator::{Millis, World};
use crate::skills::SkillLibrary;
use crate::trace::{Event, Stage, Trace};
use crate::trial::{EvalResult, Observer, RoundRecord, TrialError};

/// Virtual time an action task's world is given before its oracle judges it, so that
/// rollouts the agents started can finish: at most this long, and exactly this long when the
/// oracle reads metrics, whose rate windows must cover the state after the change.
const SETTLE_BEFORE_JUDGING: Millis = Millis(90_000);

/// Whether every deployment has finished rolling out: observed, updated, ready.
fn rolled_out(world: &World) -> bool {
    world.state().deployments.values().all(|d| {
        let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        d.status.as_ref().is_some_and(|s| {
            s.observed_generation == d.metadata.generation
                && s.updated_replicas.unwrap_or(0) == want
                && s.ready_replicas.unwrap_or(0) == want
                && s.replicas.unwrap_or(0) == want
        })
    })
}

/// An evaluation task with its world set up, ready to be copied for every evaluation.
pub(crate) struct Prepared {
    task: EvalTask,
    /// The world after setup and running-state gathering, the baseline the oracle compares
    /// with, and the running state; or why the setup failed.
    start: Result<(World, Baseline, RunningState), SetupError>,
}

/// Sets every task up once in its own copy of `base`: the setup is the same for every
/// evaluation of the trial, so each evaluation starts from a copy of the prepared world.
///
/// # Errors
/// [`TrialError`] when the backend fails while the running state is gathered.
pub(crate) fn prepare(
    config: &TrialConfig,
    base: &World,
    tasks: &[EvalTask],
) -> Result<Vec<Prepared>, TrialError> {
    let mut prepared = Vec::new();
    for task in tasks {
        let mut world = base.clone();
        let start = match eval_tasks::apply(task, &mut world) {
            Err(error) => Err(error),
            Ok(()) => {
                let baseline = Baseline::take(&Snapshot::of_world(
                    &world,
                    &task.namespace,
                    &task.component,
                ));
                let mut ops = SimulatorOps::new(world);
                let state = running_state::gather(
                    &mut ops,
                    &config.policy,
                    &config.services,
                    config.share_namespaces,
                )
                .map_err(RunError::from)?;
                Ok((ops.into_world(), baseline, state))
            }
        };
        prepared.push(Prepared {
            task: task.clone(),
            start,
        });
    }
    Ok(prepared)
}

/// Runs every prepared evaluation task in a fresh copy of its world with `library` read-only,
/// and adds the results, tokens and cost to `record`.
#[allow(clippy::too_many_arguments)] // The trial's shared pieces, passed apart to keep borrows simple.
pub(crate) fn evaluate(
    config: &TrialConfig,
    model: &dyn LanguageModel,
    runtime: &tokio::runtime::Runtime,
    trace: &mut Trace,
    prepared: &[Prepared],
    library: &SkillLibrary,
    record: &mut RoundRecord,
    observer: &mut dyn Observer,
) -> Result<(), TrialError> {
    let round = record.round;
    for Prepared { task, start } in prepared {
        let (world, baseline, state) = match start {
            Ok((world, baseline, state)) => (world.clone(), baseline, state.clone()),
            Err(error) => {
                record_setup_failure(trace, round, task, error, &mut record.eval);
                continue;
            }
        };
        let mut ops = SimulatorOps::new(world);
        let spec = TaskSpec {
            id: format!("eval-r{round}-{}", task.name),
            description: task.task.clone(),
            kind: task.kind(),
            service: task.component.clone(),
        };
        let mut run = Run {
            model,
            runtime,
            trace,
            ops: &mut ops,
            config,
            trial: format!("seed-{}", config.seed),
            round,
            stage: Stage::Eval,
            running_state: state,
            tokens: Tokens::default(),
            cost_usd: 0.0,
        };
        let execution = planner::execute(&mut run, &spec, library)?;
        let (tokens, cost) = (run.tokens, run.cost_usd);
        record.tokens.calls += tokens.calls;
        record.tokens.prompt += tokens.prompt;
        record.tokens.completion += tokens.completion;
        record.cost_usd += cost;

        let world = ops.world_mut();
        if task.kind() == TaskKind::Action {
            if task.oracle.reads_metrics() {
                world.advance(SETTLE_BEFORE_JUDGING);
            } else {
                world.advance_until(SETTLE_BEFORE_JUDGING, rolled_out);
            }
        }
        let report = execution
            .answer
            .as_ref()
            .map(|a| a.result.clone())
            .unwrap_or_default();
        let snapshot = Snapshot::of_world(world, &task.namespace, &task.component);
        let oracle = eval_tasks::judge(task, &snapshot, baseline, &report);
        trace.push(
            round,
            Stage::Eval,
            world.clock().elapsed().0,
            Event::EvalJudged {
                round,
                task: task.name.clone(),
                oracle: oracle.clone(),
                model: execution.verdict.clone(),
            },
        );
        record.eval.push(EvalResult {
            task: task.name.clone(),
            oracle,
            model: execution.verdict,
        });
        observer.task_done(&format!("round {round}: evaluation"));
    }
    Ok(())
}

fn record_setup_failure(
    trace: &mut Trace,
    round: u32,
    task: &EvalTask,
    error: &SetupError,
    results: &mut Vec<EvalResult>,
) {
    let oracle = Verdict {
        success: false,
        reason: error.to_string(),
    };
    let model = Verdict {
        success: false,
        reason: "not run: the setup failed".to_owned(),
    };
    trace.push(
        round,
        Stage::Eval,
        0,
        Event::EvalJudged {
            round,
            task: task.name.clone(),
            oracle: oracle.clone(),
            model: model.clone(),
        },
    );
    results.push(EvalResult {
        task: task.name.clone(),
        oracle,
        model,
    });
}
