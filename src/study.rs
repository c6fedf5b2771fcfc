//! The root side of a study: a [`TrialSpec`] from the `odyssey-eval` crate becomes a
//! [`TrialConfig`] (its settings merged onto the serialised defaults), runs as a trial, and the
//! [`TrialRecord`] becomes the eval crate's [`TrialSummary`].

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use odyssey_eval::study::{BUILTIN_SCENARIO, leaf_keys, merge};
use odyssey_eval::{RoundSummary, SkillsByKind, Study, TrialSpec, TrialSummary};

use crate::config::TrialConfig;
use crate::llm::protocol::SkillKind;
use crate::simulator::World;
use crate::skills::Skill;
use crate::trial::{TrialError, TrialRecord, run_trial, run_trial_on};

/// Why a study trial could not be configured or run.
#[derive(Debug, thiserror::Error)]
pub enum StudyRunError {
    /// A key of the study's settings or of an ablation's overrides is not a trial setting.
    #[error("unknown trial setting `{key}` in {place} of study file {file}")]
    UnknownKey {
        /// The dotted key.
        key: String,
        /// `settings` or `ablation NAME`.
        place: String,
        /// The study file.
        file: PathBuf,
    },
    /// The merged settings do not form a trial configuration (a value of the wrong type).
    #[error("settings of ablation `{ablation}` in study file {file} are not a trial configuration")]
    Invalid {
        /// The ablation.
        ablation: String,
        /// The study file.
        file: PathBuf,
        /// The cause, naming the key.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// The default configuration cannot be serialised (a bug).
    #[error("cannot serialise the default trial configuration")]
    Serialise(#[source] toml::ser::Error),
    /// The trial failed.
    #[error(transparent)]
    Trial(#[from] Box<TrialError>),
}

/// The trial configuration of a spec: the defaults, serialised to TOML, with the spec's
/// settings merged on, then its scenario and seed.
///
/// # Errors
/// [`StudyRunError::UnknownKey`] naming a key that is not a trial setting (and where it was
/// given), [`StudyRunError::Invalid`] for a value of the wrong type.
pub fn trial_config(spec: &TrialSpec) -> Result<TrialConfig, StudyRunError> {
    let file = spec.study_file.clone().unwrap_or_default();
    let defaults =
        toml::Table::try_from(TrialConfig::default()).map_err(StudyRunError::Serialise)?;

    // A key the defaults do not hold is either an optional setting left unset (`budget_usd`)
    // or not a setting at all; the configuration's own parser, which refuses unknown fields,
    // tells the two apart when given that key alone.
    for key in leaf_keys(&spec.settings) {
        if has_key(&defaults, &key) {
            continue;
        }
        let Some(value) = lookup(&spec.settings, &key) else {
            continue;
        };
        let mut alone = defaults.clone();
        merge(&mut alone, &single(&key, value.clone()));
        if let Err(error) = alone.try_into::<TrialConfig>()
            && error.to_string().contains("unknown field")
        {
            let place = if has_key(&spec.overrides, &key) {
                format!("ablation `{}`", spec.ablation)
            } else {
                "settings".to_owned()
            };
            return Err(StudyRunError::UnknownKey { key, place, file });
        }
    }

    let mut table = defaults;
    merge(&mut table, &spec.settings);
    let mut config: TrialConfig = table.try_into().map_err(|source| StudyRunError::Invalid {
        ablation: spec.ablation.clone(),
        file: file.clone(),
        source: Box::new(source),
    })?;
    config.seed = spec.seed;
    config.scenario = (spec.scenario != BUILTIN_SCENARIO).then(|| PathBuf::from(&spec.scenario));
    Ok(config)
}

/// A table holding one dotted key.
fn single(key: &str, value: toml::Value) -> toml::Table {
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().unwrap_or(key);
    let mut table = toml::Table::new();
    table.insert(last.to_owned(), value);
    for part in parts.into_iter().rev() {
        let mut outer = toml::Table::new();
        outer.insert(part.to_owned(), toml::Value::Table(table));
        table = outer;
    }
    table
}

fn lookup<'a>(table: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut parts = key.split('.');
    let mut value = table.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

fn has_key(table: &toml::Table, key: &str) -> bool {
    lookup(table, key).is_some()
}

/// Checks that every ablation of a study gives a usable trial configuration, before anything
/// runs.
///
/// # Errors
/// As [`trial_config`], for the first ablation that fails.
pub fn check_study(study: &Study) -> Result<(), StudyRunError> {
    let specs = study.specs();
    let trials = study.trials as usize;
    for spec in specs.iter().step_by(trials.max(1)) {
        trial_config(spec)?;
    }
    Ok(())
}

/// Runs one study trial offline with the configured model and summarises it.
///
/// # Errors
/// [`StudyRunError`] from the configuration or the trial.
pub fn run_spec(spec: &TrialSpec) -> Result<TrialSummary, StudyRunError> {
    let config = trial_config(spec)?;
    let model = config.build_model().map_err(Box::new)?;
    let record = run_trial(&config, model.as_ref()).map_err(Box::new)?;
    Ok(summarize(&spec.ablation, &record))
}

/// Runs study trials like [`run_spec`], sharing each starting world between the trials that
/// start from it.
///
/// A trial's starting world (the scenario after its warm-up) depends on the scenario and the
/// seed only, so the ablations of one seed start from the same world: the runner builds it
/// once and every such trial starts from a copy of it. The summaries are the same as
/// [`run_spec`]'s whichever trial builds a world, in any order and on any number of threads.
/// The runner keeps the `capacity` most recently built worlds; a sweep runs the trials of a
/// seed together (see `odyssey_eval::sweep`), so a capacity of the number of jobs and one
/// more builds every world once.
///
/// TODO: the evaluation tasks' prepared worlds (`evaluation::prepare`, about 8% of a trial)
/// depend only on the starting world, the tasks, the policy, the managed services and
/// `share_namespaces`, which the paper's ablations leave alone; they could be shared the
/// same way, keyed by those settings.
#[derive(Debug)]
pub struct StudyRunner {
    capacity: usize,
    /// Worlds by (scenario, seed), oldest first.
    worlds: Mutex<VecDeque<(WorldKey, WorldSlot)>>,
}

/// A starting world, filled by the first trial that needs it while the others that need it
/// wait.
type WorldSlot = Arc<Mutex<Option<Arc<World>>>>;

/// A starting world's identity: the scenario directory (`None` for the built-in one) and the
/// seed.
type WorldKey = (Option<PathBuf>, u64);

impl StudyRunner {
    /// A runner keeping at most `capacity` (at least one) starting worlds.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            worlds: Mutex::new(VecDeque::new()),
        }
    }

    /// Runs one study trial offline with the configured model and summarises it.
    ///
    /// # Errors
    /// [`StudyRunError`] from the configuration or the trial.
    pub fn run(&self, spec: &TrialSpec) -> Result<TrialSummary, StudyRunError> {
        let config = trial_config(spec)?;
        let model = config.build_model().map_err(Box::new)?;
        let base = self.starting_world(&config).map_err(Box::new)?;
        let record = run_trial_on(&config, model.as_ref(), &base).map_err(Box::new)?;
        Ok(summarize(&spec.ablation, &record))
    }

    fn starting_world(&self, config: &TrialConfig) -> Result<Arc<World>, TrialError> {
        let key: WorldKey = (config.scenario.clone(), config.seed);
        let slot = {
            // A poisoned lock only means another trial panicked; the cache is still sound.
            let mut worlds = self.worlds.lock().unwrap_or_else(PoisonError::into_inner);
            match worlds.iter().find(|(k, _)| *k == key) {
                Some((_, slot)) => slot.clone(),
                None => {
                    let slot = Arc::new(Mutex::new(None));
                    worlds.push_back((key, slot.clone()));
                    while worlds.len() > self.capacity {
                        worlds.pop_front();
                    }
                    slot
                }
            }
        };
        let mut world = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(world) = world.as_ref() {
            return Ok(world.clone());
        }
        let built = Arc::new(config.starting_world()?);
        *world = Some(built.clone());
        Ok(built)
    }
}

/// What a Command skill runs.
fn command_kind(skill: &Skill) -> CommandKind {
    let command = skill.command.as_deref().unwrap_or_default().trim_start();
    if command.starts_with("kubectl") {
        CommandKind::Kubectl
    } else if command.contains("/api/v1/query") {
        CommandKind::Prometheus
    } else {
        CommandKind::Other
    }
}

fn kind_of(skill: &Skill) -> odyssey_eval::SkillKind {
    use odyssey_eval::SkillKind as K;
    match (skill.kind, command_kind(skill)) {
        (SkillKind::Configuration, _) => K::Configuration,
        (SkillKind::Reflection, _) => K::Reflection,
        (SkillKind::Command, CommandKind::Prometheus) => K::Prometheus,
        // Other Command skills are too few to report apart; they count with kubectl here.
        (SkillKind::Command, _) => K::Kubectl,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CommandKind {
    Kubectl,
    Prometheus,
    Other,
}

/// A trial record as the eval crate sees it. Counts by kind come from each round's record;
/// Command skills are split into kubectl and Prometheus ones by the final library, where each
/// skill carries the round it was first learned in (a library only grows within a trial).
pub fn summarize(ablation: &str, record: &TrialRecord) -> TrialSummary {
    let learned_by = |round: u32, kind: CommandKind| {
        record
            .library
            .skills
            .iter()
            .filter(|s| s.kind == SkillKind::Command && command_kind(s) == kind)
            .filter(|s| s.provenance.first().is_none_or(|p| p.round <= round))
            .count() as u32
    };
    let rounds = record
        .rounds
        .iter()
        .map(|r| {
            let kubectl = learned_by(r.round, CommandKind::Kubectl);
            let prometheus = learned_by(r.round, CommandKind::Prometheus);
            RoundSummary {
                round: r.round,
                eval_passed: r.eval.iter().filter(|e| e.success()).count() as u32,
                eval_tasks: r.eval.len() as u32,
                skills: SkillsByKind {
                    kubectl,
                    prometheus,
                    other_command: r.skills.command.saturating_sub(kubectl + prometheus),
                    configuration: r.skills.configuration,
                    reflection: r.skills.reflection,
                },
                learn_tasks: r.learn.len() as u32,
                learn_successes: r.learn_successes(),
                calls: r.tokens.calls,
                prompt_tokens: r.tokens.prompt,
                completion_tokens: r.tokens.completion,
                cost_usd: r.cost_usd,
            }
        })
        .collect();
    TrialSummary {
        ablation: ablation.to_owned(),
        seed: record.config.seed,
        rounds,
        stopped: record.stopped.clone(),
        learned: record.library.skills.iter().map(kind_of).collect(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;
    use std::path::Path;

    fn study(overrides: &str) -> Study {
        let text = format!(
            "scenario = \"sock-shop\"\ntrials = 1\n[settings]\nrounds = 2\n\
             [[ablation]]\nname = \"x\"\noverrides = {overrides}\n"
        );
        Study::from_toml(&text, Path::new("studies/x.toml")).unwrap()
    }

    #[test]
    fn overrides_reach_the_trial_configuration() {
        let spec =
            &study("{ feedback = { peer = false }, skills = { validate = false } }").specs()[0];
        let config = trial_config(spec).unwrap();
        assert_eq!(config.rounds, 2);
        assert!(!config.feedback.peer && config.feedback.environment);
        assert!(!config.skills.validate);
        assert_eq!(config.seed, 1);
        assert_eq!(config.scenario, None);
    }

    #[test]
    fn an_unknown_override_names_the_key_the_ablation_and_the_file() {
        let spec = &study("{ feedback = { peers = false } }").specs()[0];
        let error = trial_config(spec).unwrap_err().to_string();
        assert!(error.contains("feedback.peers"), "{error}");
        assert!(error.contains("ablation `x`"), "{error}");
        assert!(error.contains("studies/x.toml"), "{error}");
    }

    #[test]
    fn an_optional_setting_left_unset_by_default_can_be_overridden() {
        let spec = &study("{ budget_usd = 2.5 }").specs()[0];
        assert_eq!(trial_config(spec).unwrap().budget_usd, Some(2.5));
    }

    #[test]
    fn a_value_of_the_wrong_type_is_refused() {
        let spec = &study("{ rounds = \"five\" }").specs()[0];
        assert!(matches!(
            trial_config(spec),
            Err(StudyRunError::Invalid { .. })
        ));
    }
}
