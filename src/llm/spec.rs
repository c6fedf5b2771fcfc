//! Choosing a backend from a short specification (`synthetic`, `openai`, `replay:FILE`) and
//! one typed settings file for all of them.

use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{
    LanguageModel, LlmError, OpenAiBackend, OpenAiConfig, PriceTable, Replayer, SyntheticConfig,
    SyntheticModel,
};

/// Which backend to use, as a command line names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendSpec {
    /// `synthetic`: the offline synthetic model.
    Synthetic,
    /// `openai`: the OpenAI-compatible HTTP backend.
    OpenAi,
    /// `replay:FILE`: strict replay of a recording.
    Replay(PathBuf),
    /// `replay-lenient:FILE`: replay, asking the synthetic model for what is missing and
    /// appending it to the recording.
    ReplayLenient(PathBuf),
}

/// A specification that names no backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown language model backend {0:?}: expected synthetic, openai, replay:FILE or \
     replay-lenient:FILE"
)]
pub struct SpecError(pub String);

impl FromStr for BackendSpec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "synthetic" => Ok(BackendSpec::Synthetic),
            "openai" => Ok(BackendSpec::OpenAi),
            _ => {
                if let Some(path) = text.strip_prefix("replay:").filter(|p| !p.is_empty()) {
                    Ok(BackendSpec::Replay(PathBuf::from(path)))
                } else if let Some(path) = text
                    .strip_prefix("replay-lenient:")
                    .filter(|p| !p.is_empty())
                {
                    Ok(BackendSpec::ReplayLenient(PathBuf::from(path)))
                } else {
                    Err(SpecError(text.to_owned()))
                }
            }
        }
    }
}

/// Settings of every backend, loadable from one TOML file with `[synthetic]`, `[openai]` and
/// `[prices]` tables; every field has a default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmSettings {
    /// The synthetic model.
    pub synthetic: SyntheticConfig,
    /// The OpenAI-compatible backend (the API key comes from the environment).
    pub openai: OpenAiConfig,
    /// Prices for cost accounting.
    pub prices: PriceTable,
}

impl LlmSettings {
    /// Parses settings from TOML.
    ///
    /// # Errors
    /// The TOML error when the text is not valid settings.
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }
}

impl BackendSpec {
    /// Builds the backend.
    ///
    /// # Errors
    /// What building the backend reports: an HTTP client that cannot be built, a recording
    /// that cannot be read.
    pub fn build(&self, settings: &LlmSettings) -> Result<Box<dyn LanguageModel>, LlmError> {
        let synthetic = || SyntheticModel::new(settings.synthetic.clone());
        Ok(match self {
            BackendSpec::Synthetic => Box::new(synthetic()),
            BackendSpec::OpenAi => Box::new(OpenAiBackend::new(settings.openai.clone())?),
            BackendSpec::Replay(path) => Box::new(Replayer::open(path)?),
            BackendSpec::ReplayLenient(path) => {
                Box::new(Replayer::lenient(path, Box::new(synthetic()))?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;

    #[test]
    fn specs_parse_and_unknown_ones_are_named() {
        assert_eq!(
            "synthetic".parse::<BackendSpec>().unwrap(),
            BackendSpec::Synthetic
        );
        assert_eq!(
            "replay:recordings/x.jsonl".parse::<BackendSpec>().unwrap(),
            BackendSpec::Replay("recordings/x.jsonl".into())
        );
        let error = "gpt".parse::<BackendSpec>().unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("unknown language model backend \"gpt\"")
        );
        assert!("replay:".parse::<BackendSpec>().is_err());
    }

    #[test]
    fn settings_load_from_one_toml_file() {
        let settings = LlmSettings::from_toml(
            "[synthetic]\nseed = 9\nskill_adoption = 0.5\n[synthetic.rates]\nwrong_namespace = 0.3\n\
             [openai]\nbase_url = \"http://127.0.0.1:8080/v1\"\n\
             [prices.models.\"gpt-4o\"]\ninput_per_million = 2.5\noutput_per_million = 10.0\n",
        )
        .unwrap();
        assert_eq!(settings.synthetic.seed, 9);
        assert_eq!(settings.synthetic.rates.wrong_namespace, 0.3);
        assert_eq!(settings.synthetic.rates.wrong_label, 0.10);
        assert!(
            settings
                .synthetic
                .knowledge
                .namespace
                .prior
                .contains_key("sock-shop")
        );
        assert_eq!(settings.openai.base_url, "http://127.0.0.1:8080/v1");
        assert!(settings.prices.models.contains_key("gpt-4o"));
        let model = BackendSpec::Synthetic.build(&settings).unwrap();
        assert_eq!(model.describe().backend, "synthetic");
    }
}
