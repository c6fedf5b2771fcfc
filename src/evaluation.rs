//! Evaluation inside a trial: every evaluation task in a fresh copy of the trial's starting
//! world, with the library read-only, judged by its oracle beside the model's own verdict.

use crate::config::TrialConfig;
use crate::eval_tasks::{self, Baseline, EvalTask, SetupError};
use crate::llm::LanguageModel;
use crate::llm::protocol::{TaskKind, Verdict};
use crate::ops::SimulatorOps;
use crate::planner::{self, TaskSpec};
use crate::run::{Run, RunError, Tokens};
use crate::running_state;
use crate::simulator::{Millis, World};
use crate::skills::SkillLibrary;
use crate::trace::{Event, Stage, Trace};
use crate::trial::{EvalResult, Observer, RoundRecord, TrialError};

/// Virtual time an action task's world is given before its oracle judges it, so that
/// rollouts the agents started can finish.
const SETTLE_BEFORE_JUDGING: Millis = Millis(90_000);

/// Runs every evaluation task in a fresh copy of `base` with `library` read-only, and adds
/// the results, tokens and cost to `record`.
#[allow(clippy::too_many_arguments)] // The trial's shared pieces, passed apart to keep borrows simple.
pub(crate) fn evaluate(
    config: &TrialConfig,
    model: &dyn LanguageModel,
    runtime: &tokio::runtime::Runtime,
    trace: &mut Trace,
    base: &World,
    tasks: &[EvalTask],
    library: &SkillLibrary,
    record: &mut RoundRecord,
    observer: &mut dyn Observer,
) -> Result<(), TrialError> {
    let round = record.round;
    for task in tasks {
        let mut world = base.clone();
        if let Err(error) = eval_tasks::apply(task, &mut world) {
            record_setup_failure(trace, round, task, &error, &mut record.eval);
            continue;
        }
        let baseline = Baseline::take(&world);
        let mut ops = SimulatorOps::new(world);
        let state = running_state::gather(
            &mut ops,
            &config.policy,
            &config.services,
            config.share_namespaces,
        )
        .map_err(RunError::from)?;
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
            world.advance(SETTLE_BEFORE_JUDGING);
        }
        let report = execution
            .answer
            .as_ref()
            .map(|a| a.result.clone())
            .unwrap_or_default();
        let oracle = eval_tasks::judge(task, world, &baseline, &report);
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
