//! `odyssey eval`: a study of ablations over seeds, run in parallel and resumable, then the
//! results table, figures and report.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use odyssey_eval::{Study, SweepObserver, SweepOptions, TrialSpec};

use crate::study::{StudyRunner, check_study};

/// Options of `odyssey eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The study file.
    #[arg(long, value_name = "FILE", default_value = "eval/studies/paper.toml")]
    pub study: PathBuf,
    /// Trials (seeds) per ablation, instead of the study file's number.
    #[arg(long, value_name = "N")]
    pub trials: Option<u32>,
    /// Trials run at once; the number of CPUs when absent. Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Run only these ablations (repeatable), in the study's order.
    #[arg(long = "only", value_name = "ABLATION")]
    pub only: Vec<String>,
    /// The study's output directory.
    #[arg(long, value_name = "DIR", default_value = "runs/study")]
    pub out: PathBuf,
    /// Continue a study in DIR: keep its finished trials and run the rest.
    #[arg(long)]
    pub resume: bool,
    /// A date to print in the report (nothing else in the outputs depends on the clock).
    #[arg(long, value_name = "TEXT")]
    pub date: Option<String>,
}

struct Bar(ProgressBar);

impl SweepObserver for Bar {
    fn start(&self, total: usize, done: usize) {
        self.0.set_length(total as u64);
        self.0.set_position(done as u64);
    }

    fn finished(&self, spec: &TrialSpec) {
        self.0
            .set_message(format!("{} seed {}", spec.ablation, spec.seed));
        self.0.inc(1);
    }
}

/// Runs the study and writes its outputs.
///
/// # Errors
/// An unusable study file, a failed trial, or an output that cannot be written.
pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let mut study = Study::load(&args.study)?;
    if let Some(trials) = args.trials {
        anyhow::ensure!(trials > 0, "--trials must be at least 1");
        study.trials = trials;
    }
    if !args.only.is_empty() {
        study = study.only(&args.only)?;
    }
    check_study(&study)?;

    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let options = SweepOptions {
        jobs,
        out: args.out.clone(),
        resume: args.resume,
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} trials {elapsed} {msg}")
            .context("progress bar template")?,
    );
    let runner = StudyRunner::new(jobs + 1);
    let summaries =
        odyssey_eval::sweep(&study, &options, &Bar(bar.clone()), |spec| runner.run(spec))?;
    bar.finish_and_clear();

    let findings = report(&study, &summaries, &args)?;
    for finding in &findings {
        println!(
            "{}: {} ({})",
            if finding.holds {
                "reproduced"
            } else {
                "NOT reproduced"
            },
            finding.claim,
            finding.evidence
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the tables, figures and report, and returns the findings.
#[cfg(feature = "analysis")]
fn report(
    study: &Study,
    summaries: &[odyssey_eval::TrialSummary],
    args: &EvalArgs,
) -> anyhow::Result<Vec<odyssey_eval::Finding>> {
    let analysis = odyssey_eval::analyse(study, summaries, &args.out, args.date.as_deref())
        .context("writing the study's outputs")?;
    println!("report: {}", args.out.join("report.md").display());
    Ok(analysis.findings)
}

/// Without the `analysis` feature only the findings are checked; the trial files are kept, so
/// a build with the feature can write the report later with `--resume`.
#[cfg(not(feature = "analysis"))]
fn report(
    study: &Study,
    summaries: &[odyssey_eval::TrialSummary],
    args: &EvalArgs,
) -> anyhow::Result<Vec<odyssey_eval::Finding>> {
    eprintln!(
        "built without the `analysis` feature: no tables, figures or report; \
         rerun with --resume --out {} in a build with it to write them",
        args.out.display()
    );
    let first = study
        .ablations
        .first()
        .map(|a| a.name.as_str())
        .unwrap_or_default();
    Ok(odyssey_eval::check_findings(summaries, first))
}
