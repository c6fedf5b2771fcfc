//! `odyssey learn`: one learning trial, with its run directory, a progress bar and a summary.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::{Env, TrialConfig};
use crate::llm::{LanguageModel, Recorder, RecordingHeader};
use crate::ops::LiveClock;
use crate::report;
use crate::trial::{Observer, run_trial_with};

/// Options of `odyssey learn`; each one given overrides the configuration file.
#[derive(Debug, Args)]
pub struct LearnArgs {
    /// A TOML trial configuration; the defaults when absent.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Scenario directory; the built-in Sock Shop when absent.
    #[arg(long, value_name = "DIR")]
    pub scenario: Option<PathBuf>,
    /// Seed of the world and the synthetic model.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Learning rounds.
    #[arg(long, value_name = "N")]
    pub rounds: Option<u32>,
    /// Learning tasks per round.
    #[arg(long, value_name = "N")]
    pub tasks_per_round: Option<u32>,
    /// Language model: synthetic, openai, replay:FILE, replay-lenient:FILE.
    #[arg(long, value_name = "SPEC")]
    pub llm: Option<String>,
    /// Record every model exchange to FILE (a new file).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Directory of evaluation tasks; the built-in Sock Shop tasks when absent.
    #[arg(long, value_name = "DIR")]
    pub eval_tasks: Option<PathBuf>,
    /// Start from this skill library (e.g. another run's skills/round-5.json).
    #[arg(long, value_name = "FILE")]
    pub library: Option<PathBuf>,
    /// Skip the evaluation set (on a real cluster, unless --reset-cluster allows the harness
    /// to reset it before every evaluation task; a served simulator resets itself).
    #[arg(long)]
    pub no_evaluate: bool,
    /// The world: sim (the simulated Sock Shop in process) or live (a cluster through
    /// kubectl and Prometheus over HTTP).
    #[arg(long, value_name = "ENV")]
    pub env: Option<Env>,
    /// The live cluster's kubeconfig.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context; its current context when absent.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// The live cluster's Prometheus, as this machine reaches it (e.g. a port-forward).
    #[arg(long, value_name = "URL")]
    pub prometheus_url: Option<String>,
    /// On a live cluster, print state-changing kubectl commands instead of running them.
    #[arg(long)]
    pub dry_run: bool,
    /// On a real cluster, let evaluation reset sock-shop to the scenario's manifests and
    /// inject the tasks' faults with Chaos Mesh before every task.
    #[arg(long)]
    pub reset_cluster: bool,
    /// How time passes on the live target: wall (a real cluster) or simulator (a served
    /// simulator, `odyssey sim serve`, whose clock the backend moves).
    #[arg(long, value_name = "CLOCK", value_parser = parse_clock)]
    pub clock: Option<LiveClock>,
    /// Where to write the run (trace.jsonl, skills/, rounds.csv); must not hold another run.
    #[arg(long, value_name = "DIR", default_value = "runs/latest")]
    pub out: PathBuf,
}

impl LearnArgs {
    /// The configuration: the file (or defaults), then the options given.
    ///
    /// # Errors
    /// An unreadable or invalid configuration file.
    pub fn resolve(&self) -> anyhow::Result<TrialConfig> {
        let mut config = match &self.config {
            Some(path) => TrialConfig::load(path)?,
            None => TrialConfig::default(),
        };
        if let Some(dir) = &self.scenario {
            config.scenario = Some(dir.clone());
        }
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        if let Some(rounds) = self.rounds {
            config.rounds = rounds;
        }
        if let Some(n) = self.tasks_per_round {
            config.tasks_per_round = n;
        }
        if let Some(llm) = &self.llm {
            config.llm = llm.clone();
        }
        if let Some(path) = &self.library {
            config.initial_library = Some(path.clone());
        }
        if let Some(dir) = &self.eval_tasks {
            config.eval_tasks = Some(dir.clone());
        }
        if self.no_evaluate {
            config.evaluate = false;
        }
        if let Some(env) = self.env {
            config.env = env;
        }
        if let Some(path) = &self.kubeconfig {
            config.live.kubeconfig = Some(path.clone());
        }
        if let Some(context) = &self.context {
            config.live.context = Some(context.clone());
        }
        if let Some(url) = &self.prometheus_url {
            config.live.prometheus_url = Some(url.clone());
        }
        if self.dry_run {
            config.live.dry_run = true;
        }
        if let Some(clock) = self.clock {
            config.live.clock = clock;
        }
        if self.reset_cluster {
            config.live.reset_cluster = true;
        }
        let live_options = self.kubeconfig.is_some()
            || self.context.is_some()
            || self.prometheus_url.is_some()
            || self.dry_run
            || self.clock.is_some()
            || self.reset_cluster;
        if live_options && config.env != Env::Live {
            anyhow::bail!(
                "--kubeconfig, --context, --prometheus-url, --dry-run, --clock and --reset-cluster apply to a live cluster: add --env live"
            );
        }
        Ok(config)
    }
}

fn parse_clock(text: &str) -> Result<LiveClock, String> {
    match text {
        "wall" => Ok(LiveClock::Wall),
        "simulator" => Ok(LiveClock::Simulator),
        other => Err(format!("{other:?} is not a clock: wall or simulator")),
    }
}

struct Bar(ProgressBar);

impl Observer for Bar {
    fn start(&mut self, total: u64) {
        self.0.set_length(total);
    }

    fn task_done(&mut self, label: &str) {
        self.0.set_message(label.to_owned());
        self.0.inc(1);
    }
}

/// Today's date (UTC) for a recording header: the one place the wall clock is read, at the
/// binary's edge, never inside a trial.
fn today() -> String {
    k8s_openapi::jiff::Timestamp::now()
        .strftime("%Y-%m-%d")
        .to_string()
}

/// Runs `odyssey learn`.
///
/// # Errors
/// Harness failures: configuration, scenario, backend, run directory.
pub fn run(args: LearnArgs) -> anyhow::Result<ExitCode> {
    let config = args.resolve()?;
    let mut model: Box<dyn LanguageModel> = config
        .build_model()
        .context("cannot build the language model")?;
    if let Some(path) = &args.record {
        let header = RecordingHeader::builder(&model.describe())
            .date(today())
            .scenario(config.scenario.as_ref().map_or_else(
                || "sock-shop (built in)".to_owned(),
                |p| p.display().to_string(),
            ))
            .seed(config.seed)
            .build();
        model = Box::new(
            Recorder::create(model, path, &header)
                .with_context(|| format!("cannot record to {}", path.display()))?,
        );
    }

    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .expect("the progress template is valid"),
    );
    let mut observer = Bar(bar);
    let record = run_trial_with(&config, model.as_ref(), Some(&args.out), &mut observer)
        .with_context(|| format!("trial with seed {} failed", config.seed))?;
    observer.0.finish_and_clear();

    print!("{}", report::summary_table(&record));
    println!("run written to {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
