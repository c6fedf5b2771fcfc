//! The study file: which scenario, how many seeds, the settings shared by every trial, and the
//! ablations as named overrides of those settings.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A study file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// The file cannot be read.
    #[error("cannot read study file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or has a key the study format does not know.
    #[error("study file {path} is not valid")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The cause, which names the unknown or malformed key.
        #[source]
        source: toml::de::Error,
    },
    /// The study is well formed but cannot be run.
    #[error("study file {path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// One ablation: a name and the overrides it applies to the study's trial settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ablation {
    /// A short name, used in file names, tables and legends (`[a-z0-9-]`).
    pub name: String,
    /// One sentence saying what is changed.
    #[serde(default)]
    pub description: String,
    /// Trial settings merged over the study's `settings`, table by table. Their meaning
    /// belongs to whoever runs the trials; keys it does not know are errors there.
    #[serde(default)]
    pub overrides: toml::Table,
}

/// A study: a matrix of ablations by seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Study {
    /// A title for the report.
    #[serde(default = "default_title")]
    pub title: String,
    /// The scenario: `sock-shop` for the built-in Sock Shop, otherwise a scenario directory
    /// (relative paths are resolved against the study file's directory by [`Study::load`]).
    pub scenario: String,
    /// Trials (seeds) per ablation.
    pub trials: u32,
    /// The seed of the first trial; trial `i` has seed `first_seed + i`.
    #[serde(default = "default_first_seed")]
    pub first_seed: u64,
    /// Trial settings shared by every ablation.
    #[serde(default)]
    pub settings: toml::Table,
    /// The ablations, in the order of tables and legends.
    #[serde(rename = "ablation")]
    pub ablations: Vec<Ablation>,
    /// The file the study was read from, for error messages (not part of the file).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

fn default_title() -> String {
    "Ablation study".to_owned()
}

fn default_first_seed() -> u64 {
    1
}

/// The scenario name that stands for the built-in Sock Shop.
pub const BUILTIN_SCENARIO: &str = "sock-shop";

/// One trial of a study: an ablation at a seed, with the settings it runs with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialSpec {
    /// The ablation's name.
    pub ablation: String,
    /// The ablation's position in the study.
    pub ablation_index: usize,
    /// The trial's seed.
    pub seed: u64,
    /// The scenario, as in [`Study::scenario`].
    pub scenario: String,
    /// The study's settings with the ablation's overrides merged in.
    pub settings: toml::Table,
    /// The ablation's overrides alone, so a runner can name the keys it does not know.
    pub overrides: toml::Table,
    /// The study file, for error messages.
    pub study_file: Option<PathBuf>,
}

impl Study {
    /// Parses a study from TOML text; `source` names the file in errors.
    ///
    /// # Errors
    /// [`StudyError::Parse`] naming an unknown or malformed key, [`StudyError::Invalid`] for
    /// no ablations, no trials, a duplicate or unusable ablation name.
    pub fn from_toml(text: &str, source: &Path) -> Result<Self, StudyError> {
        let mut study: Study = toml::from_str(text).map_err(|e| StudyError::Parse {
            path: source.to_owned(),
            source: e,
        })?;
        study.source = Some(source.to_owned());
        study.check()?;
        Ok(study)
    }

    /// Reads a study file; a relative scenario directory is resolved against the file's
    /// directory.
    ///
    /// # Errors
    /// As [`Study::from_toml`], and [`StudyError::Read`].
    pub fn load(path: &Path) -> Result<Self, StudyError> {
        let text = std::fs::read_to_string(path).map_err(|source| StudyError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut study = Self::from_toml(&text, path)?;
        if study.scenario != BUILTIN_SCENARIO && Path::new(&study.scenario).is_relative() {
            let dir = path.parent().unwrap_or(Path::new("."));
            study.scenario = dir.join(&study.scenario).display().to_string();
        }
        Ok(study)
    }

    fn check(&self) -> Result<(), StudyError> {
        let invalid = |reason: String| StudyError::Invalid {
            path: self.source.clone().unwrap_or_default(),
            reason,
        };
        if self.trials == 0 {
            return Err(invalid("`trials` must be at least 1".to_owned()));
        }
        if self.ablations.is_empty() {
            return Err(invalid("no `[[ablation]]` tables".to_owned()));
        }
        for (i, ablation) in self.ablations.iter().enumerate() {
            let name = &ablation.name;
            let usable = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !usable {
                return Err(invalid(format!(
                    "ablation name `{name}` must be non-empty lower-case letters, digits and `-`"
                )));
            }
            if self.ablations[..i].iter().any(|a| &a.name == name) {
                return Err(invalid(format!("ablation `{name}` is defined twice")));
            }
        }
        Ok(())
    }

    /// Every trial of the study, ablation by ablation, seed by seed.
    pub fn specs(&self) -> Vec<TrialSpec> {
        let mut specs = Vec::new();
        for (ablation_index, ablation) in self.ablations.iter().enumerate() {
            let mut settings = self.settings.clone();
            merge(&mut settings, &ablation.overrides);
            for i in 0..u64::from(self.trials) {
                specs.push(TrialSpec {
                    ablation: ablation.name.clone(),
                    ablation_index,
                    seed: self.first_seed + i,
                    scenario: self.scenario.clone(),
                    settings: settings.clone(),
                    overrides: ablation.overrides.clone(),
                    study_file: self.source.clone(),
                });
            }
        }
        specs
    }

    /// The study keeping only the named ablations, in the study's order.
    ///
    /// # Errors
    /// [`StudyError::Invalid`] naming an ablation the study does not have.
    pub fn only(mut self, names: &[String]) -> Result<Self, StudyError> {
        for name in names {
            if !self.ablations.iter().any(|a| &a.name == name) {
                return Err(StudyError::Invalid {
                    path: self.source.clone().unwrap_or_default(),
                    reason: format!("no ablation named `{name}`"),
                });
            }
        }
        self.ablations.retain(|a| names.contains(&a.name));
        Ok(self)
    }
}

/// Merges `over` into `base`: tables merge key by key, any other value replaces.
pub fn merge(base: &mut toml::Table, over: &toml::Table) {
    for (key, value) in over {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(over_inner)) => {
                merge(inner, over_inner);
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The dotted paths of every leaf value in `table` (`feedback.peer`), in key order.
pub fn leaf_keys(table: &toml::Table) -> Vec<String> {
    let mut keys = Vec::new();
    for (key, value) in table {
        match value {
            toml::Value::Table(inner) if !inner.is_empty() => {
                keys.extend(leaf_keys(inner).into_iter().map(|k| format!("{key}.{k}")));
            }
            _ => keys.push(key.clone()),
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;

    const SMALL: &str = r#"
scenario = "sock-shop"
trials = 2
[settings]
rounds = 2
[[ablation]]
name = "full"
[[ablation]]
name = "no-peer"
overrides = { feedback = { peer = false } }
"#;

    #[test]
    fn specs_cover_every_ablation_and_seed_with_merged_settings() {
        let study = Study::from_toml(SMALL, Path::new("small.toml")).unwrap();
        let specs = study.specs();
        assert_eq!(specs.len(), 4);
        assert_eq!((specs[3].ablation.as_str(), specs[3].seed), ("no-peer", 2));
        assert_eq!(specs[3].settings["rounds"].as_integer(), Some(2));
        assert_eq!(specs[3].settings["feedback"]["peer"].as_bool(), Some(false));
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_the_key_and_the_file() {
        let text = SMALL.replace("trials = 2", "trials = 2\nseeds = 3");
        let error = Study::from_toml(&text, Path::new("dir/small.toml")).unwrap_err();
        let shown = format!("{error}: {}", std::error::Error::source(&error).unwrap());
        assert!(shown.contains("dir/small.toml"), "{shown}");
        assert!(shown.contains("seeds"), "{shown}");
    }

    #[test]
    fn a_duplicate_ablation_is_refused() {
        let text = SMALL.replace("no-peer", "full");
        let error = Study::from_toml(&text, Path::new("s.toml")).unwrap_err();
        assert!(error.to_string().contains("defined twice"), "{error}");
    }

    #[test]
    fn leaf_keys_are_dotted_paths() {
        let table: toml::Table = toml::from_str("a = 1\n[b]\nc = 2\n[b.d]\ne = 3\n").unwrap();
        assert_eq!(leaf_keys(&table), ["a", "b.c", "b.d.e"]);
    }
}
