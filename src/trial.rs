//! One trial: rounds of curriculum, execution and curation in a learning world, with the
//! evaluation set run before the first round and after every round in fresh worlds.
//!
//! [`run_trial`] is a plain function of a configuration and a language model, and returns a
//! typed [`TrialRecord`]; it owns its own single-threaded runtime, so many trials can run on
//! many threads and each result depends on its inputs only.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::{Env, TrialConfig};
use crate::curator;
use crate::curriculum::{self, Outcome};
use crate::eval_tasks::{self, EvalTask, EvalTaskError, JudgedBy};
use crate::llm::protocol::{SkillKind, TaskKind, Verdict};
use crate::llm::{BackendSpec, CostMeter, LanguageModel, LlmError, Metered, SpecError};
use crate::ops::{LiveOps, Operations, OpsError, OpsRecorder, OpsReplayer, SimulatorOps};
use crate::planner::{self, TaskSpec};
use crate::run::{Run, RunError, Tokens};
use crate::running_state;
use crate::simulator::{Scenario, World};
use crate::skills::{SkillLibrary, SkillStore, StoreError};
use crate::trace::{Event, Stage, Trace};

/// Why a trial could not run.
#[derive(Debug, thiserror::Error)]
pub enum TrialError {
    /// The scenario cannot be loaded or built.
    #[error("scenario {0}")]
    Scenario(String),
    /// The evaluation tasks cannot be loaded.
    #[error(transparent)]
    EvalTasks(#[from] EvalTaskError),
    /// The language-model backend cannot be chosen or built.
    #[error("language model backend")]
    Spec(#[from] SpecError),
    /// Building the backend failed.
    #[error("language model backend")]
    Llm(#[from] LlmError),
    /// A stage failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The skill library or a run file cannot be written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A run file cannot be written.
    #[error("cannot write {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The run directory already holds another trial's library.
    #[error("{path} exists: the run directory holds another trial; choose a new --out")]
    RunExists {
        /// The library file found.
        path: PathBuf,
    },
    /// Replayed operations have no true state for oracles to judge.
    #[error(
        "operations replay needs evaluation off (evaluate = false): oracles judge the true state of a simulated world"
    )]
    ReplayNeedsNoEvaluation,
    /// Evaluation on a real cluster was not allowed to reset it.
    #[error(
        "evaluation on a real cluster resets sock-shop to the scenario's manifests and injects Chaos Mesh faults before every task: pass --reset-cluster ([live] reset_cluster = true) to allow it, or --no-evaluate (evaluate = false); a served simulator ([live] clock = \"simulator\") needs neither"
    )]
    LiveNeedsNoEvaluation,
    /// The live backend cannot reach its cluster or Prometheus.
    #[error("cannot connect to the live cluster")]
    Live(#[source] OpsError),
    /// A trial was given a starting world built for another seed.
    #[error("the starting world was built with seed {world}, the trial has seed {trial}")]
    WorldMismatch {
        /// The world's seed.
        world: u64,
        /// The trial's seed.
        trial: u64,
    },
    /// The async runtime cannot be started.
    #[error("cannot start the trial's runtime")]
    Runtime(#[source] std::io::Error),
}

/// Skills by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillCounts {
    /// Command skills.
    pub command: u32,
    /// Reflection skills.
    pub reflection: u32,
    /// Configuration skills.
    pub configuration: u32,
}

impl SkillCounts {
    fn of(library: &SkillLibrary) -> Self {
        let n = |k| library.count(k) as u32;
        Self {
            command: n(SkillKind::Command),
            reflection: n(SkillKind::Reflection),
            configuration: n(SkillKind::Configuration),
        }
    }

    /// All skills.
    pub fn total(&self) -> u32 {
        self.command + self.reflection + self.configuration
    }
}

/// A learning task and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnRecord {
    /// The task's id.
    pub id: String,
    /// The sentence.
    pub description: String,
    /// Observation or action.
    pub kind: TaskKind,
    /// 1 to 5.
    pub difficulty: u8,
    /// The service.
    pub service: String,
    /// The verifier's verdict.
    pub success: bool,
}

/// An evaluation task's judgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalResult {
    /// The task's name.
    pub task: String,
    /// The oracle's verdict over the true state.
    pub oracle: Verdict,
    /// The model's own verdict.
    pub model: Verdict,
    /// Who decides [`EvalResult::success`]: the oracle over true metrics, the oracle over
    /// Prometheus measurements (a live cluster), or the model alone where nothing measured the
    /// metric the oracle needs. Left out of records when it is the oracle over true metrics.
    #[serde(default, skip_serializing_if = "JudgedBy::is_oracle")]
    pub judged_by: JudgedBy,
}

impl EvalResult {
    /// Whether the task succeeded, by whoever judges it.
    pub fn success(&self) -> bool {
        match self.judged_by {
            JudgedBy::Oracle | JudgedBy::Measured => self.oracle.success,
            JudgedBy::Model => self.model.success,
        }
    }
}

/// One round: its learning tasks, the library after it, and the evaluation after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundRecord {
    /// The round (0 is the evaluation before learning).
    pub round: u32,
    /// The learning tasks.
    pub learn: Vec<LearnRecord>,
    /// Skills by kind after the round.
    pub skills: SkillCounts,
    /// Evaluation results after the round (empty when evaluation is off).
    pub eval: Vec<EvalResult>,
    /// Tokens spent in the round (learning and evaluation).
    pub tokens: Tokens,
    /// Dollars spent in the round, by the configured prices.
    pub cost_usd: f64,
}

impl RoundRecord {
    /// Learning tasks judged successful.
    pub fn learn_successes(&self) -> u32 {
        self.learn.iter().filter(|t| t.success).count() as u32
    }

    /// The oracle's success rate over the evaluation set (0 when there is none).
    pub fn eval_success_rate(&self) -> f64 {
        if self.eval.is_empty() {
            return 0.0;
        }
        self.eval.iter().filter(|e| e.success()).count() as f64 / self.eval.len() as f64
    }
}

/// Everything a trial produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// The configuration it ran with.
    pub config: TrialConfig,
    /// Round 0 (evaluation only) then every learning round.
    pub rounds: Vec<RoundRecord>,
    /// The library at the end.
    pub library: SkillLibrary,
    /// Why the trial stopped early (a spent budget), if it did.
    pub stopped: Option<String>,
    /// The trace, in memory.
    #[serde(skip)]
    pub trace: Trace,
}

/// Told of progress, for a progress bar.
pub trait Observer {
    /// The number of tasks (learning and evaluation) the trial will run.
    fn start(&mut self, _total: u64) {}
    /// A task finished.
    fn task_done(&mut self, _label: &str) {}
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Observer for Quiet {}

impl TrialConfig {
    /// Builds the configured language model; the synthetic model takes the trial's seed, and
    /// a budget wraps the model in a [`Metered`] backend that stops the trial once it is spent.
    ///
    /// # Errors
    /// An unknown backend, or one that cannot be built.
    pub fn build_model(&self) -> Result<Box<dyn LanguageModel>, TrialError> {
        let spec: BackendSpec = self.llm.parse()?;
        let mut settings = self.llm_settings.clone();
        settings.synthetic.seed = self.seed;
        let model = spec.build(&settings)?;
        Ok(match self.budget_usd {
            Some(usd) => {
                let meter = CostMeter::new(settings.prices.clone()).with_budget_per_trial(usd);
                Box::new(Metered::new(model, meter))
            }
            None => model,
        })
    }

    /// The world every trial of this scenario and seed starts from: the scenario's manifests
    /// and faults after its warm-up.
    ///
    /// # Errors
    /// [`TrialError::Scenario`] when the scenario cannot be loaded or built.
    pub fn starting_world(&self) -> Result<World, TrialError> {
        let scenario = Arc::new(self.load_scenario()?);
        World::new(scenario, self.seed).map_err(|e| TrialError::Scenario(e.to_string()))
    }

    fn load_scenario(&self) -> Result<Scenario, TrialError> {
        match &self.scenario {
            Some(dir) => Scenario::load(dir)
                .map_err(|e| TrialError::Scenario(format!("{}: {e}", dir.display()))),
            None => Ok(Scenario::embedded_sock_shop()),
        }
    }

    fn load_eval_tasks(&self) -> Result<Vec<EvalTask>, TrialError> {
        Ok(match &self.eval_tasks {
            Some(dir) => eval_tasks::load_dir(dir)?,
            None => eval_tasks::embedded_sock_shop(),
        })
    }
}

/// Runs one trial in memory.
///
/// # Errors
/// [`TrialError`] when the scenario, the tasks or a backend fail; a spent budget ends the
/// trial early with [`TrialRecord::stopped`] set instead.
pub fn run_trial(
    config: &TrialConfig,
    model: &dyn LanguageModel,
) -> Result<TrialRecord, TrialError> {
    run_trial_with(config, model, None, &mut Quiet)
}

/// Runs one trial; with `out`, writes `skills/library.json` after every change,
/// `skills/round-N.json` per round, and `trace.jsonl` and `rounds.csv` at the end.
///
/// # Errors
/// As [`run_trial`], and when a run file cannot be written.
pub fn run_trial_with(
    config: &TrialConfig,
    model: &dyn LanguageModel,
    out: Option<&Path>,
    observer: &mut dyn Observer,
) -> Result<TrialRecord, TrialError> {
    run(config, model, None, out, observer)
}

/// Runs one trial in memory from `base`, the world of the trial's scenario and seed as
/// [`TrialConfig::starting_world`] builds it, instead of building it again: trials that
/// differ in everything but scenario and seed (the ablations of a study) share it. The
/// record is the same as [`run_trial`]'s.
///
/// # Errors
/// As [`run_trial`]; [`TrialError::WorldMismatch`] when `base` was built with another seed.
pub fn run_trial_on(
    config: &TrialConfig,
    model: &dyn LanguageModel,
    base: &World,
) -> Result<TrialRecord, TrialError> {
    if base.seed() != config.seed {
        return Err(TrialError::WorldMismatch {
            world: base.seed(),
            trial: config.seed,
        });
    }
    run(config, model, Some(base), None, &mut Quiet)
}

fn run(
    config: &TrialConfig,
    model: &dyn LanguageModel,
    base: Option<&World>,
    out: Option<&Path>,
    observer: &mut dyn Observer,
) -> Result<TrialRecord, TrialError> {
    let _trial = tracing::info_span!("trial", seed = config.seed).entered();
    // The policy a run checks against is the effective one (narrowed on a live cluster), and
    // the record says so.
    let resolved = TrialConfig {
        policy: config.effective_policy(),
        ..config.clone()
    };
    let config = &resolved;
    let built;
    let base = match base {
        Some(base) => base,
        None => {
            built = config.starting_world()?;
            &built
        }
    };
    let tasks = if config.evaluate {
        config.load_eval_tasks()?
    } else {
        Vec::new()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(TrialError::Runtime)?;
    let initial = match &config.initial_library {
        Some(path) => SkillStore::open(path)?.library().clone(),
        None => SkillLibrary::new(),
    };
    let mut store = match out {
        Some(dir) => {
            // A run directory belongs to one trial: never continue or overwrite another's.
            let path = dir.join("skills").join("library.json");
            if path.exists() {
                return Err(TrialError::RunExists { path });
            }
            let store = SkillStore::bind(&path, initial);
            store.save()?;
            store
        }
        None => SkillStore::in_memory(initial),
    };
    observer.start(
        u64::from(config.rounds) * u64::from(config.tasks_per_round)
            + u64::from(config.rounds + 1) * tasks.len() as u64,
    );

    let mut trace = Trace::new();
    let mut learn_ops = learning_ops(config, base)?;
    trace.push(
        0,
        Stage::Learn,
        0,
        Event::TrialStarted {
            seed: config.seed,
            rounds: config.rounds,
            tasks_per_round: config.tasks_per_round,
            llm: model.describe().backend,
            ops: learn_ops.describe(),
        },
    );
    let mut rounds = Vec::new();
    let mut stopped = None;

    let outcome = (|| -> Result<(), TrialError> {
        let state = running_state::gather(
            learn_ops.as_mut(),
            &config.policy,
            &config.services,
            config.share_namespaces,
        )
        .map_err(RunError::from)?;
        let at = learn_ops.world().map_or(0, |w| w.clock().elapsed().0);
        trace.push(
            0,
            Stage::Learn,
            at,
            Event::RunningState {
                summary: state.full.clone(),
            },
        );

        let mut prepared = crate::evaluation::prepare(config, base, &tasks)?;
        let mut round0 = RoundRecord {
            round: 0,
            learn: Vec::new(),
            skills: SkillCounts::default(),
            eval: Vec::new(),
            tokens: Tokens::default(),
            cost_usd: 0.0,
        };
        crate::evaluation::evaluate(
            config,
            model,
            &runtime,
            &mut trace,
            &mut prepared,
            store.library(),
            &mut round0,
            observer,
        )?;
        snapshot(out, 0, &store)?;
        rounds.push(round0);

        let mut history: Vec<Outcome> = Vec::new();
        for round in 1..=config.rounds {
            let _round = tracing::info_span!("round", round).entered();
            let mut record = RoundRecord {
                round,
                learn: Vec::new(),
                skills: SkillCounts::default(),
                eval: Vec::new(),
                tokens: Tokens::default(),
                cost_usd: 0.0,
            };
            let mut run = Run {
                model,
                runtime: &runtime,
                trace: &mut trace,
                ops: learn_ops.as_mut(),
                config,
                trial: format!("seed-{}", config.seed),
                round,
                stage: Stage::Learn,
                running_state: state.clone(),
                tokens: Tokens::default(),
                cost_usd: 0.0,
            };
            run.record(Event::RoundStarted { round });
            let proposed = curriculum::propose(&mut run, &history, store.library())?;
            for (j, task) in proposed.into_iter().enumerate() {
                let spec = TaskSpec {
                    id: format!("r{round}-t{}", j + 1),
                    description: task.description.clone(),
                    kind: task.kind,
                    service: task.service.clone(),
                };
                run.record(Event::TaskProposed {
                    task_id: spec.id.clone(),
                    description: spec.description.clone(),
                    kind: spec.kind,
                    difficulty: task.difficulty,
                    service: spec.service.clone(),
                });
                let execution = planner::execute(&mut run, &spec, store.library())?;
                let success = execution.verdict.success;
                if success && config.skills.enabled {
                    curator::curate(&mut run, &execution, &mut store)?;
                }
                history.push(Outcome {
                    description: spec.description.clone(),
                    success,
                });
                record.learn.push(LearnRecord {
                    id: spec.id,
                    description: spec.description,
                    kind: spec.kind,
                    difficulty: task.difficulty,
                    service: spec.service,
                    success,
                });
                observer.task_done(&format!("round {round}: learning"));
            }
            record.skills = SkillCounts::of(store.library());
            record.tokens = run.tokens;
            record.cost_usd = run.cost_usd;
            let successes = record.learn_successes();
            run.record(Event::RoundFinished {
                round,
                learn_successes: successes,
                skills: record.skills.total(),
            });
            snapshot(out, round, &store)?;
            crate::evaluation::evaluate(
                config,
                model,
                &runtime,
                &mut trace,
                &mut prepared,
                store.library(),
                &mut record,
                observer,
            )?;
            tracing::info!(
                round,
                successes,
                skills = record.skills.total(),
                eval = record.eval_success_rate(),
                "round finished"
            );
            rounds.push(record);
        }
        Ok(())
    })();
    match outcome {
        Ok(()) => {}
        Err(TrialError::Run(RunError::Llm(error))) if error.is_budget_exceeded() => {
            stopped = Some(error.to_string());
        }
        Err(error) => {
            // The trace so far is what explains the failure: keep it.
            if let Some(dir) = out {
                write_file(&dir.join("trace.jsonl"), &trace.to_jsonl())?;
            }
            return Err(error);
        }
    }

    let record = TrialRecord {
        config: config.clone(),
        rounds,
        library: store.library().clone(),
        stopped,
        trace,
    };
    if let Some(dir) = out {
        write_file(&dir.join("trace.jsonl"), &record.trace.to_jsonl())?;
        write_file(&dir.join("rounds.csv"), &crate::report::rounds_csv(&record))?;
    }
    Ok(record)
}

/// The learning world's backend: the simulator or a live cluster, recorded when the
/// configuration says so, or a strict replay of a recording.
fn learning_ops(config: &TrialConfig, base: &World) -> Result<Box<dyn Operations>, TrialError> {
    let ops = &config.ops;
    if let Some(path) = &ops.replay {
        if config.evaluate {
            return Err(TrialError::ReplayNeedsNoEvaluation);
        }
        return Ok(Box::new(OpsReplayer::open(path).map_err(RunError::from)?));
    }
    let backend: Box<dyn Operations> = match config.env {
        Env::Sim => Box::new(SimulatorOps::new(base.clone())),
        Env::Live => {
            // Evaluation resets the target into each task's starting state
            // (`crate::evaluation`): a served simulator resets itself; a real cluster is
            // reset by the harness only when the configuration allows it. Refused here,
            // before anything runs.
            if config.evaluate
                && config.live.clock != crate::ops::LiveClock::Simulator
                && !config.live.reset_cluster
            {
                return Err(TrialError::LiveNeedsNoEvaluation);
            }
            let live = LiveOps::connect(&config.live)
                .map_err(|e| TrialError::Live(OpsError::Live(Box::new(e))))?;
            Box::new(live)
        }
    };
    Ok(match &ops.record {
        Some(path) => Box::new(OpsRecorder::create(backend, path).map_err(RunError::from)?),
        None => backend,
    })
}

fn write_file(path: &Path, text: &str) -> Result<(), TrialError> {
    let io = |source| TrialError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, text).map_err(io)
}

fn snapshot(out: Option<&Path>, round: u32, store: &SkillStore) -> Result<(), TrialError> {
    if let Some(dir) = out {
        store.snapshot(&dir.join("skills").join(format!("round-{round}.json")))?;
    }
    Ok(())
}
