//! Evaluation inside a trial: every evaluation task in its own starting state (a fresh copy
//! of the trial's starting world with the task's setup, or a served simulator reset into
//! it), with the library read-only, judged by its oracle beside the model's own verdict.

use k8s_openapi::api::apps::v1::Deployment;

use crate::config::{Env, TrialConfig};
use crate::eval_tasks::cluster::{self, Step};
use crate::eval_tasks::{self, Baseline, EvalTask, JudgedBy, SetupError, Snapshot};
use crate::llm::LanguageModel;
use crate::llm::protocol::{ResultFields, TaskKind, Verdict};
use crate::ops::{LiveClock, LiveError, LiveOps, Operations, OpsError, SimulatorOps};
use crate::planner::{self, TaskSpec};
use crate::run::{Run, RunError, Tokens};
use crate::running_state::{self, RunningState};
use crate::simulator::setup::Setup;
use crate::simulator::world::ObjectKey;
use crate::simulator::{Millis, World};
use crate::skills::SkillLibrary;
use crate::trace::{Event, Stage, Trace};
use crate::trial::{EvalResult, Observer, RoundRecord, TrialError};

/// Virtual time an action task's world is given before its oracle judges it, so that
/// rollouts the agents started can finish: at most this long, and exactly this long when the
/// oracle reads metrics, whose rate windows must cover the state after the change.
const SETTLE_BEFORE_JUDGING: Millis = Millis(90_000);

/// Whether every deployment has finished rolling out: observed, updated, ready.
fn rolled_out<'a>(mut deployments: impl Iterator<Item = &'a Deployment>) -> bool {
    deployments.all(|d| {
        let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        d.status.as_ref().is_some_and(|s| {
            s.observed_generation == d.metadata.generation
                && s.updated_replicas.unwrap_or(0) == want
                && s.ready_replicas.unwrap_or(0) == want
                && s.replicas.unwrap_or(0) == want
        })
    })
}

/// The evaluation tasks of a trial, each ready to start, and where they run.
pub(crate) enum Evaluation {
    /// In copies of in-process worlds: each task's world after setup and running-state
    /// gathering, the baseline the oracle compares with, and the running state (or why the
    /// setup failed); every evaluation starts from a copy.
    InProcess(Vec<Prepared<(World, Baseline, RunningState)>>),
    /// On a real cluster, reset to the scenario's manifests and set up with the harness's
    /// kubectl and Chaos Mesh steps before every evaluation of a task.
    Cluster {
        /// The target (boxed: it is much larger than the in-process variant).
        ops: Box<LiveOps>,
        /// The scenario's manifests written out for `kubectl apply -f`, and the harness's
        /// fault manifests beside them.
        files: tempfile::TempDir,
        /// The scenario's manifest files in `files`, each with the namespaces of its objects.
        manifests: Vec<(std::path::PathBuf, std::collections::BTreeSet<String>)>,
        /// What the cluster offers: Chaos Mesh for faults, Locust for workloads.
        capabilities: cluster::Capabilities,
        /// The Locust users and spawn rate found before evaluation, put back after it.
        workload: Option<(String, String)>,
        /// Each task's setup steps (after the reset), or why it cannot be set up on a cluster.
        tasks: Vec<Prepared<Vec<Step>>>,
    },
    /// On a served simulator, reset with each task's setup before every evaluation of it.
    Served {
        /// The target (boxed: it is much larger than the in-process variant).
        ops: Box<LiveOps>,
        /// Each task's setup, or why it cannot be set up.
        tasks: Vec<Prepared<Setup>>,
    },
}

/// An evaluation task and its start, or why the setup failed.
pub(crate) struct Prepared<S> {
    task: EvalTask,
    start: Result<S, SetupError>,
}

/// Readies every task: in-process, sets each up once in its own copy of `base` (the setup is
/// the same for every evaluation of the trial, so each evaluation starts from a copy of the
/// prepared world); on a served simulator, connects to it and plans each task's setup on
/// `base`, the world the server must have begun with (same scenario and seed: nothing here
/// checks it); on a real cluster, also writes the scenario's manifests out and finds what the
/// cluster offers (Chaos Mesh, Locust).
///
/// # Errors
/// [`TrialError`] when the backend fails while the running state is gathered, the live target
/// cannot be connected to, or evaluation on a real cluster is not allowed (no
/// `reset_cluster`, or a dry run).
pub(crate) fn prepare(
    config: &TrialConfig,
    base: &World,
    tasks: &[EvalTask],
) -> Result<Evaluation, TrialError> {
    if config.env == Env::Live && !tasks.is_empty() {
        if config.live.clock == LiveClock::Wall {
            return prepare_cluster(config, base, tasks);
        }
        refuse_dry_run(config)?;
        let ops = Box::new(LiveOps::connect(&config.live).map_err(live_error)?);
        let tasks = tasks
            .iter()
            .map(|task| Prepared {
                task: task.clone(),
                start: eval_tasks::plan(task, base),
            })
            .collect();
        return Ok(Evaluation::Served { ops, tasks });
    }
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
                let state = gather(config, &mut ops)?;
                Ok((ops.into_world(), baseline, state))
            }
        };
        prepared.push(Prepared {
            task: task.clone(),
            start,
        });
    }
    Ok(Evaluation::InProcess(prepared))
}

/// A dry run never sends the agents' writes, so its action tasks could not succeed (and on a
/// real cluster the harness's reset and faults must not run either).
fn refuse_dry_run(config: &TrialConfig) -> Result<(), TrialError> {
    if config.live.dry_run {
        return Err(live_error(LiveError::Config(
            "evaluation in a dry run would judge action tasks whose writes never ran, and on a real cluster would reset it and inject faults: pass --no-evaluate with --dry-run".to_owned(),
        )));
    }
    Ok(())
}

/// Readies evaluation on a real cluster: refused unless `[live] reset_cluster` allows the
/// harness to reset the namespace and inject faults, and never in a dry run.
fn prepare_cluster(
    config: &TrialConfig,
    base: &World,
    tasks: &[EvalTask],
) -> Result<Evaluation, TrialError> {
    if !config.live.reset_cluster {
        return Err(TrialError::LiveNeedsNoEvaluation);
    }
    refuse_dry_run(config)?;
    let files = tempfile::Builder::new()
        .prefix("odyssey-eval-")
        .tempdir()
        .map_err(|e| {
            live_error(LiveError::Config(format!(
                "cannot make a directory for the manifests: {e}"
            )))
        })?;
    // The scenario's manifest files, written out as they are, each with the namespaces its
    // objects are in (a Namespace object counts for itself): a reset applies the files of
    // its namespace, in the scenario's order.
    let scenario = base.scenario();
    let mut manifests = Vec::new();
    for entry in &scenario.file.manifests {
        let entry = entry.trim_end_matches('/');
        let under = format!("{entry}/");
        for (rel, text) in scenario
            .files
            .iter()
            .filter(|(p, _)| p.as_str() == entry || p.starts_with(&under))
        {
            let Ok(docs) = crate::simulator::manifest::parse_documents_raw(text, rel) else {
                tracing::warn!(file = %rel, "a manifest that does not parse is left out of the cluster's reset");
                continue;
            };
            let namespaces: std::collections::BTreeSet<String> = docs
                .iter()
                .filter_map(|(doc, _)| {
                    let meta = doc.get("metadata")?;
                    let field = if doc.get("kind")?.as_str()? == "Namespace" {
                        "name"
                    } else {
                        "namespace"
                    };
                    Some(meta.get(field)?.as_str()?.to_owned())
                })
                .collect();
            let path = files.path().join(rel);
            let written = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&path, text));
            written.map_err(|e| {
                live_error(LiveError::Config(format!(
                    "cannot write {}: {e}",
                    path.display()
                )))
            })?;
            manifests.push((path, namespaces));
        }
    }
    let ops = Box::new(LiveOps::connect(&config.live).map_err(live_error)?);
    let capabilities = capabilities(&ops, files.path())?;
    let tasks = tasks
        .iter()
        .map(|task| {
            let steps = eval_tasks::plan(task, base).and_then(|setup| {
                cluster::setup(&setup, scenario, capabilities).map_err(|why| {
                    SetupError::NotOnCluster {
                        task: task.name.clone(),
                        why,
                    }
                })
            });
            Prepared {
                task: task.clone(),
                start: steps,
            }
        })
        .collect();
    let workload = if capabilities.locust {
        let out = ops
            .harness_step(&cluster::read_workload(), files.path())
            .map_err(live_error)?;
        let words: Vec<&str> = out.stdout.split_whitespace().collect();
        match words.as_slice() {
            [users, rate] if out.status == 0 => Some(((*users).to_owned(), (*rate).to_owned())),
            _ => {
                tracing::warn!(stdout = %out.stdout.trim(), stderr = %out.stderr.trim(), "the Locust workload cannot be read: it is not put back after evaluation");
                None
            }
        }
    } else {
        None
    };
    Ok(Evaluation::Cluster {
        ops,
        files,
        manifests,
        capabilities,
        workload,
        tasks,
    })
}

/// The manifest files that hold objects of `namespace`, in order.
fn files_of(
    manifests: &[(std::path::PathBuf, std::collections::BTreeSet<String>)],
    namespace: &str,
) -> Vec<std::path::PathBuf> {
    manifests
        .iter()
        .filter(|(_, namespaces)| namespaces.contains(namespace))
        .map(|(path, _)| path.clone())
        .collect()
}

/// What the cluster offers: Chaos Mesh (it serves `chaos-mesh.org`), the Locust deployment.
fn capabilities(ops: &LiveOps, dir: &std::path::Path) -> Result<cluster::Capabilities, TrialError> {
    let ask = |words: &[&str]| {
        ops.harness_step(&cluster::kubectl(words), dir)
            .map_err(live_error)
    };
    let resources = ask(&["api-resources", "--api-group=chaos-mesh.org", "-o", "name"])?;
    let chaos_mesh = resources.status == 0
        && resources
            .stdout
            .lines()
            .any(|l| l.starts_with("stresschaos"));
    if !chaos_mesh {
        tracing::warn!(
            "the cluster has no Chaos Mesh: evaluation tasks that inject faults are recorded as not set up"
        );
    }
    let (namespace, name) = cluster::LOCUST;
    let locust = ask(&["get", "deployment", name, "-n", namespace, "-o", "name"])?.status == 0;
    if !locust {
        tracing::warn!(
            "the cluster has no Locust deployment {namespace}/{name}: evaluation tasks run under the cluster's own load, not their workloads"
        );
    }
    Ok(cluster::Capabilities { chaos_mesh, locust })
}

fn gather(config: &TrialConfig, ops: &mut dyn Operations) -> Result<RunningState, TrialError> {
    Ok(running_state::gather(
        ops,
        &config.policy,
        &config.services,
        config.share_namespaces,
    )
    .map_err(RunError::from)?)
}

fn live_error(error: LiveError) -> TrialError {
    TrialError::Live(OpsError::Live(Box::new(error)))
}

/// What one evaluation needs besides its world.
struct Context<'a> {
    config: &'a TrialConfig,
    model: &'a dyn LanguageModel,
    runtime: &'a tokio::runtime::Runtime,
    library: &'a SkillLibrary,
}

/// Runs every prepared evaluation task with `library` read-only, and adds the results,
/// tokens and cost to `record`: in-process in a fresh copy of its prepared world; on a served
/// simulator, after saving its world and resetting it into the task's starting state, and
/// restoring the saved world at the end, so learning goes on where it was.
///
/// On a live target the oracles judge the kube-rs snapshot, which has no true metrics: metric
/// oracles judge what Prometheus measures (marked [`JudgedBy::Measured`]), and where it
/// measures nothing the model alone judges (marked [`JudgedBy::Model`]).
#[allow(clippy::too_many_arguments)] // The trial's shared pieces, passed apart to keep borrows simple.
pub(crate) fn evaluate(
    config: &TrialConfig,
    model: &dyn LanguageModel,
    runtime: &tokio::runtime::Runtime,
    trace: &mut Trace,
    evaluation: &mut Evaluation,
    library: &SkillLibrary,
    record: &mut RoundRecord,
    observer: &mut dyn Observer,
) -> Result<(), TrialError> {
    let cx = Context {
        config,
        model,
        runtime,
        library,
    };
    match evaluation {
        Evaluation::InProcess(tasks) => {
            each_task(
                tasks,
                trace,
                record,
                observer,
                |task, start, trace, record| {
                    let (world, baseline, state) = start;
                    let (world, state) = (world.clone(), state.clone());
                    in_process(&cx, trace, record, task, world, baseline, state).map(|()| None)
                },
            )?;
        }
        Evaluation::Cluster {
            ops,
            files,
            manifests,
            capabilities,
            workload,
            tasks,
        } => {
            let dir = files.path();
            // The cluster is reset after the tasks even when one of them stopped the trial,
            // so no fault the harness injected outlives it.
            let result = each_task(
                tasks,
                trace,
                record,
                observer,
                |task, setup, trace, record| {
                    let ns = task.namespace.as_str();
                    let reset = cluster::reset(&files_of(manifests, ns), ns, *capabilities);
                    on_cluster(&cx, trace, record, task, &reset, setup, ops, dir)
                },
            );
            // Learning goes on from the manifests' state, under the workload found before
            // evaluation: a real cluster keeps no copy of the world the agents left.
            let namespaces: std::collections::BTreeSet<&str> =
                tasks.iter().map(|p| p.task.namespace.as_str()).collect();
            let mut after: Vec<Step> = namespaces
                .into_iter()
                .flat_map(|ns| cluster::reset(&files_of(manifests, ns), ns, *capabilities))
                .collect();
            if let Some((users, rate)) = workload {
                after.extend(cluster::workload_steps(users, rate));
            }
            for step in after {
                let out = ops.harness_step(&step, dir).map_err(live_error)?;
                if out.status != 0 {
                    tracing::warn!(%step, stderr = %out.stderr.trim(), "the reset after evaluation failed");
                }
            }
            result?;
        }
        Evaluation::Served { ops, tasks } => {
            ops.save().map_err(live_error)?;
            // The learning world is restored even when a task stopped the trial.
            let result = each_task(
                tasks,
                trace,
                record,
                observer,
                |task, setup, trace, record| served(&cx, trace, record, task, setup, ops),
            );
            ops.restore().map_err(live_error)?;
            result?;
        }
    }
    Ok(())
}

/// Runs `run` for every task whose setup was prepared, records the tasks that could not be
/// set up (before, or when `run` answers why), and reports each task done.
fn each_task<S>(
    tasks: &[Prepared<S>],
    trace: &mut Trace,
    record: &mut RoundRecord,
    observer: &mut dyn Observer,
    mut run: impl FnMut(
        &EvalTask,
        &S,
        &mut Trace,
        &mut RoundRecord,
    ) -> Result<Option<String>, TrialError>,
) -> Result<(), TrialError> {
    let round = record.round;
    for Prepared { task, start } in tasks {
        let refused = match start {
            Ok(start) => run(task, start, trace, record)?,
            Err(error) => Some(error.to_string()),
        };
        if let Some(reason) = refused {
            record_setup_failure(trace, round, task, reason, &mut record.eval);
        }
        observer.task_done(&format!("round {round}: evaluation"));
    }
    Ok(())
}

/// One evaluation in a copy of the task's prepared world.
fn in_process(
    cx: &Context<'_>,
    trace: &mut Trace,
    record: &mut RoundRecord,
    task: &EvalTask,
    world: World,
    baseline: &Baseline,
    state: RunningState,
) -> Result<(), TrialError> {
    let mut ops = SimulatorOps::new(world);
    let answer = execute(cx, trace, record, task, &mut ops, state)?;
    let world = ops.world_mut();
    if task.kind() == TaskKind::Action {
        if task.oracle.reads_metrics() {
            world.advance(SETTLE_BEFORE_JUDGING);
        } else {
            world.advance_until(SETTLE_BEFORE_JUDGING, |w| {
                rolled_out(w.state().deployments.values())
            });
        }
    }
    let snapshot = Snapshot::of_world(world, &task.namespace, &task.component);
    let at = world.clock().elapsed().0;
    judged(trace, record, task, &snapshot, baseline, answer, at);
    Ok(())
}

/// One evaluation on a served simulator: reset into the task's starting state, then as
/// in-process, with the kube-rs snapshot for the oracle. `Ok(Some(reason))` when the server
/// refused the setup.
fn served(
    cx: &Context<'_>,
    trace: &mut Trace,
    record: &mut RoundRecord,
    task: &EvalTask,
    setup: &Setup,
    ops: &mut LiveOps,
) -> Result<Option<String>, TrialError> {
    match ops.reset(setup) {
        Ok(()) => {}
        Err(LiveError::Setup { message }) => return Ok(Some(message)),
        Err(error) => return Err(live_error(error)),
    }
    run_live(cx, trace, record, task, ops)?;
    Ok(None)
}

/// One evaluation on a real cluster: the reset steps, every deployment of the task's
/// namespace rolled out, the setup steps, then as on a served simulator, on the wall clock.
/// `Ok(Some(reason))` when a step failed.
#[allow(clippy::too_many_arguments)] // The trial's shared pieces, as in `evaluate`.
fn on_cluster(
    cx: &Context<'_>,
    trace: &mut Trace,
    record: &mut RoundRecord,
    task: &EvalTask,
    reset: &[Step],
    setup: &[Step],
    ops: &mut LiveOps,
    dir: &std::path::Path,
) -> Result<Option<String>, TrialError> {
    let run = |ops: &mut LiveOps, steps: &[Step]| -> Result<Option<String>, TrialError> {
        for step in steps {
            let out = ops.harness_step(step, dir).map_err(live_error)?;
            if out.status != 0 {
                return Ok(Some(format!(
                    "setup step `{step}` failed (status {}): {}",
                    out.status,
                    out.stderr.trim()
                )));
            }
        }
        Ok(None)
    };
    if let Some(failed) = run(ops, reset)? {
        return Ok(Some(failed));
    }
    // `kubectl wait --for=condition=Available` holds in the middle of a rollout; the task
    // starts when the reset's rollouts are done (`rollout status` watches, so a served
    // simulator lets its virtual time pass as a real cluster lets real time pass).
    let namespace = task.namespace.as_str();
    let rollouts = cluster::rollouts(
        ops.snapshot()
            .map_err(live_error)?
            .deployments
            .keys()
            .filter(|k| k.namespace == namespace)
            .map(|k| k.name.as_str()),
        namespace,
    );
    if let Some(failed) = run(ops, &rollouts)? {
        return Ok(Some(failed));
    }
    if let Some(failed) = run(ops, setup)? {
        return Ok(Some(failed));
    }
    run_live(cx, trace, record, task, ops)?;
    Ok(None)
}

/// One evaluation on a live target already in the task's starting state: the baseline and
/// the running state read from it, the planner's run, then [`settle_and_judge`].
fn run_live(
    cx: &Context<'_>,
    trace: &mut Trace,
    record: &mut RoundRecord,
    task: &EvalTask,
    ops: &mut LiveOps,
) -> Result<(), TrialError> {
    let baseline = Baseline::take(&ops.snapshot().map_err(live_error)?);
    let state = gather(cx.config, ops)?;
    let answer = execute(cx, trace, record, task, ops, state)?;
    settle_and_judge(trace, record, task, ops, &baseline, answer)
}

/// Gives an action task's target time to settle, takes the snapshot with Prometheus's
/// measurements, judges and records. The record's time is 0, as every event of a live
/// trial's is: the backend has no world clock to read.
fn settle_and_judge(
    trace: &mut Trace,
    record: &mut RoundRecord,
    task: &EvalTask,
    ops: &mut LiveOps,
    baseline: &Baseline,
    answer: (ResultFields, Verdict),
) -> Result<(), TrialError> {
    if task.kind() == TaskKind::Action {
        if task.oracle.reads_metrics() {
            ops.let_pass(SETTLE_BEFORE_JUDGING)
        } else {
            ops.settle_until(SETTLE_BEFORE_JUDGING, |s| {
                rolled_out(s.deployments.values())
            })
            .map(drop)
        }
        .map_err(live_error)?;
    }
    let mut snapshot = ops.snapshot().map_err(live_error)?;
    if task.oracle.reads_metrics() {
        // The main container's name, as the simulator's true CPU counts it.
        let key = ObjectKey::new(task.namespace.clone(), task.component.clone());
        let container = snapshot
            .deployments
            .get(&key)
            .and_then(|d| d.spec.as_ref()?.template.spec.as_ref()?.containers.first())
            .map_or_else(|| task.component.clone(), |c| c.name.clone());
        snapshot.truth = Some(
            ops.measure(&task.namespace, &task.component, &container)
                .map_err(live_error)?,
        );
    }
    judged(trace, record, task, &snapshot, baseline, answer, 0);
    Ok(())
}

/// The planner's run of `task` on `ops`; adds its tokens and cost to `record` and answers the
/// manager's report and the model's verdict.
fn execute(
    cx: &Context<'_>,
    trace: &mut Trace,
    record: &mut RoundRecord,
    task: &EvalTask,
    ops: &mut dyn Operations,
    running_state: RunningState,
) -> Result<(ResultFields, Verdict), TrialError> {
    let round = record.round;
    let spec = TaskSpec {
        id: format!("eval-r{round}-{}", task.name),
        description: task.task.clone(),
        kind: task.kind(),
        service: task.component.clone(),
    };
    let mut run = Run {
        model: cx.model,
        runtime: cx.runtime,
        trace,
        ops,
        config: cx.config,
        trial: format!("seed-{}", cx.config.seed),
        round,
        stage: Stage::Eval,
        running_state,
        tokens: Tokens::default(),
        cost_usd: 0.0,
    };
    let execution = planner::execute(&mut run, &spec, cx.library)?;
    let (tokens, cost) = (run.tokens, run.cost_usd);
    record.tokens.calls += tokens.calls;
    record.tokens.prompt += tokens.prompt;
    record.tokens.completion += tokens.completion;
    record.cost_usd += cost;
    let report = execution
        .answer
        .as_ref()
        .map(|a| a.result.clone())
        .unwrap_or_default();
    Ok((report, execution.verdict))
}

/// Judges `task` over `snapshot` and records the verdicts at `at` (virtual milliseconds).
fn judged(
    trace: &mut Trace,
    record: &mut RoundRecord,
    task: &EvalTask,
    snapshot: &Snapshot,
    baseline: &Baseline,
    (report, model): (ResultFields, Verdict),
    at: i64,
) {
    let round = record.round;
    let judgement = eval_tasks::judge(task, snapshot, baseline, &report);
    trace.push(
        round,
        Stage::Eval,
        at,
        Event::EvalJudged {
            round,
            task: task.name.clone(),
            oracle: judgement.verdict.clone(),
            model: model.clone(),
            judged_by: judgement.by,
        },
    );
    record.eval.push(EvalResult {
        task: task.name.clone(),
        oracle: judgement.verdict,
        model,
        judged_by: judgement.by,
    });
}

fn record_setup_failure(
    trace: &mut Trace,
    round: u32,
    task: &EvalTask,
    reason: String,
    results: &mut Vec<EvalResult>,
) {
    let oracle = Verdict {
        success: false,
        reason,
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
            judged_by: JudgedBy::Oracle,
        },
    );
    results.push(EvalResult {
        task: task.name.clone(),
        oracle,
        model,
        judged_by: JudgedBy::Oracle,
    });
}
