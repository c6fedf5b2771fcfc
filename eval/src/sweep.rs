//! Running every trial of a study on a pool of threads, each result written to its own file as
//! it finishes, so that an interrupted study resumes where it stopped.
//!
//! # Guarantees
//! The summaries returned are read back from the trial files, in study order, whether a trial
//! ran now or in an earlier, interrupted sweep; with a runner that depends only on its
//! [`TrialSpec`], the results are the same for any number of jobs and any interruption.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::study::{Study, TrialSpec};
use crate::summary::TrialSummary;

/// How to sweep.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Trials run at once (at least 1).
    pub jobs: usize,
    /// The study's output directory; trial files go to `trials/<ablation>/<seed>.json`.
    pub out: PathBuf,
    /// Keep the trial files already there and run only the missing trials.
    pub resume: bool,
}

/// Why a sweep failed.
#[derive(Debug, thiserror::Error)]
pub enum SweepError<E: std::error::Error + 'static> {
    /// The output directory already holds trial files and `resume` is off.
    #[error(
        "{path} already holds trial files: pass --resume to continue it, or choose a new --out"
    )]
    Exists {
        /// The trials directory.
        path: PathBuf,
    },
    /// A trial file cannot be read, written or parsed.
    #[error("trial file {path}")]
    File {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A trial file on disk was made with other settings than the study now gives.
    #[error(
        "trial file {path} was made with other settings than the study now gives; choose a new --out"
    )]
    Stale {
        /// The file.
        path: PathBuf,
    },
    /// A trial failed.
    #[error("trial {ablation} seed {seed} failed")]
    Trial {
        /// The ablation.
        ablation: String,
        /// The seed.
        seed: u64,
        /// The runner's error.
        #[source]
        source: E,
    },
}

/// What a trial file holds: the settings it ran with and its summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TrialFile {
    settings: toml::Table,
    summary: TrialSummary,
}

/// Told of each trial as it finishes (or is found already done), for a progress bar.
pub trait SweepObserver: Sync {
    /// The number of trials in the study and how many were already done.
    fn start(&self, _total: usize, _done: usize) {}
    /// A trial finished.
    fn finished(&self, _spec: &TrialSpec) {}
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl SweepObserver for Silent {}

/// The file of one trial under a study's output directory.
pub fn trial_path(out: &Path, spec: &TrialSpec) -> PathBuf {
    out.join("trials")
        .join(&spec.ablation)
        .join(format!("{}.json", spec.seed))
}

/// Runs every trial of `study` not yet on disk with `run`, on `options.jobs` threads.
///
/// Trials start in order of seed, then ablation (the ablations of one seed run together);
/// results come back in study order.
///
/// # Errors
/// [`SweepError`]: existing files without `resume`, stale or unreadable files, a file that
/// cannot be written, or the first failing trial in study order (trials already running are
/// finished and written; no new ones start).
pub fn sweep<E, F>(
    study: &Study,
    options: &SweepOptions,
    observer: &dyn SweepObserver,
    run: F,
) -> Result<Vec<TrialSummary>, SweepError<E>>
where
    E: std::error::Error + Send + 'static,
    F: Fn(&TrialSpec) -> Result<TrialSummary, E> + Sync,
{
    let specs = study.specs();
    let trials_dir = options.out.join("trials");
    if !options.resume && trials_dir.exists() {
        return Err(SweepError::Exists { path: trials_dir });
    }

    // A trial is done when its file exists and was made with the same settings.
    let mut pending = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let path = trial_path(&options.out, spec);
        match read_trial(&path)? {
            Some(file) if file.settings == spec.settings => {}
            Some(_) => return Err(SweepError::Stale { path }),
            None => pending.push(i),
        }
    }
    // Trials start seed by seed, each seed's ablations together, so that a runner that
    // shares what trials of one seed have in common (their starting world) needs to keep it
    // for a short while only. The order trials run in changes nothing else: results are read
    // back in study order, and the error reported is the first in study order.
    pending.sort_by_key(|&i| (specs[i].seed, specs[i].ablation_index, i));
    observer.start(specs.len(), specs.len() - pending.len());
    tracing::info!(
        total = specs.len(),
        pending = pending.len(),
        jobs = options.jobs,
        "sweep"
    );

    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let errors: Mutex<Vec<(usize, SweepError<E>)>> = Mutex::new(Vec::new());
    let worker = || {
        loop {
            if failed.load(Ordering::SeqCst) {
                break;
            }
            let Some(&i) = pending.get(next.fetch_add(1, Ordering::SeqCst)) else {
                break;
            };
            let spec = &specs[i];
            let _span =
                tracing::info_span!("trial", ablation = %spec.ablation, seed = spec.seed).entered();
            let outcome = run(spec)
                .map_err(|source| SweepError::Trial {
                    ablation: spec.ablation.clone(),
                    seed: spec.seed,
                    source,
                })
                .and_then(|summary| {
                    let file = TrialFile {
                        settings: spec.settings.clone(),
                        summary,
                    };
                    write_trial(&trial_path(&options.out, spec), &file)
                });
            match outcome {
                Ok(()) => observer.finished(spec),
                Err(error) => {
                    failed.store(true, Ordering::SeqCst);
                    if let Ok(mut errors) = errors.lock() {
                        errors.push((i, error));
                    }
                }
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1).min(pending.len().max(1)) {
            scope.spawn(worker);
        }
    });
    let mut errors = errors
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    errors.sort_by_key(|(i, _)| *i);
    if let Some((_, error)) = errors.into_iter().next() {
        return Err(error);
    }

    // Read every result back from disk, so a resumed sweep and a fresh one give the same bytes.
    let mut summaries = Vec::with_capacity(specs.len());
    for spec in &specs {
        let path = trial_path(&options.out, spec);
        let file = read_trial(&path)?.ok_or_else(|| SweepError::File {
            path: path.clone(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "written but missing"),
        })?;
        summaries.push(file.summary);
    }
    Ok(summaries)
}

fn read_trial<E: std::error::Error>(path: &Path) -> Result<Option<TrialFile>, SweepError<E>> {
    let io = |source| SweepError::File {
        path: path.to_owned(),
        source,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// Writes a trial file atomically: a temporary file in the same directory, then a rename, so an
/// interrupted sweep never leaves a half-written trial behind.
fn write_trial<E: std::error::Error>(path: &Path, file: &TrialFile) -> Result<(), SweepError<E>> {
    let io = |source| SweepError::File {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let text = serde_json::to_string_pretty(file)
        .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;
    use crate::summary::{RoundSummary, SkillsByKind};

    fn study() -> Study {
        let text = "scenario = \"sock-shop\"\ntrials = 3\n[[ablation]]\nname = \"a\"\n\
                    [[ablation]]\nname = \"b\"\noverrides = { x = 1 }\n";
        Study::from_toml(text, Path::new("t.toml")).unwrap()
    }

    fn fake(spec: &TrialSpec) -> Result<TrialSummary, std::io::Error> {
        let n = spec.seed as u32 + spec.ablation_index as u32;
        let rounds = (0..3)
            .map(|round| RoundSummary {
                round,
                eval_passed: n % 3 + round,
                eval_tasks: 7,
                skills: SkillsByKind {
                    kubectl: round * n,
                    ..SkillsByKind::default()
                },
                learn_tasks: 3,
                learn_successes: 2,
                calls: 10,
                prompt_tokens: 100,
                completion_tokens: 10,
                cost_usd: 0.1 / f64::from(n + 1),
            })
            .collect();
        Ok(TrialSummary {
            ablation: spec.ablation.clone(),
            seed: spec.seed,
            rounds,
            stopped: None,
            learned: Vec::new(),
        })
    }

    #[test]
    fn results_do_not_depend_on_jobs_or_interruption() {
        let dir = tempfile::tempdir().unwrap();
        let options = |name: &str, jobs, resume| SweepOptions {
            jobs,
            out: dir.path().join(name),
            resume,
        };
        let one = sweep(&study(), &options("one", 1, false), &Silent, fake).unwrap();
        let four = sweep(&study(), &options("four", 4, false), &Silent, fake).unwrap();
        assert_eq!(one, four);

        // Interrupt after two trials, then resume.
        let count = AtomicUsize::new(0);
        let interrupted = sweep(&study(), &options("cut", 2, false), &Silent, |spec| {
            if count.fetch_add(1, Ordering::SeqCst) >= 2 {
                return Err(std::io::Error::other("interrupted"));
            }
            fake(spec)
        });
        assert!(interrupted.is_err());
        let resumed = sweep(&study(), &options("cut", 2, true), &Silent, fake).unwrap();
        assert_eq!(one, resumed);
    }

    #[test]
    fn an_existing_study_is_not_overwritten_without_resume() {
        let dir = tempfile::tempdir().unwrap();
        let options = SweepOptions {
            jobs: 1,
            out: dir.path().to_owned(),
            resume: false,
        };
        sweep(&study(), &options, &Silent, fake).unwrap();
        let again = sweep(&study(), &options, &Silent, fake).unwrap_err();
        assert!(matches!(again, SweepError::Exists { .. }), "{again}");
    }
}
