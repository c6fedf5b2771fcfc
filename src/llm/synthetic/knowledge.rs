//! The synthetic model's general knowledge: priors over facts it cannot know, as data.
//!
//! The built-in knowledge is `knowledge.toml` beside this file, embedded at compile time; its
//! comments explain each prior. A study may load a different file to vary what the model
//! believes.

use std::collections::BTreeMap;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::llm::protocol::TaskKind;

/// The text of the built-in knowledge file.
pub const BUILTIN: &str = include_str!("knowledge.toml");

/// Guesses with relative weights, in a fixed (sorted) order.
pub type Weights = BTreeMap<String, f64>;

/// A prior with no further data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Prior {
    /// The guesses and their weights.
    #[serde(default)]
    pub prior: Weights,
}

/// Knowledge about namespaces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NamespaceKnowledge {
    /// Where an application is guessed to run.
    #[serde(default)]
    pub prior: Weights,
    /// Namespaces of the cluster and its tooling, never the application's.
    #[serde(default)]
    pub system: Vec<String>,
}

/// Knowledge about a kind of metric.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricKnowledge {
    /// Metric names or query templates and their weights.
    #[serde(default)]
    pub prior: Weights,
    /// Names produced when misremembering, at the `wrong_metric` rate.
    #[serde(default)]
    pub misremembered: Vec<String>,
}

/// Knowledge about service names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceKnowledge {
    /// Names recognised in task sentences.
    #[serde(default)]
    pub known: Vec<String>,
    /// Services the curriculum proposes tasks for when its prompt names none.
    #[serde(default)]
    pub default: Vec<String>,
}

/// Rules of thumb for relieving a loaded service by adding replicas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScalingKnowledge {
    /// Replicas wanted per unit of "measured over bound": latency and per-pod CPU fall
    /// roughly with the replica count, and a margin on top covers load that keeps growing.
    pub headroom: f64,
    /// The fewest replicas a scale-out asks for.
    pub min_replicas: u32,
    /// The most replicas a scale-out asks for.
    pub max_replicas: u32,
}

impl Default for ScalingKnowledge {
    fn default() -> Self {
        Self {
            headroom: 2.0,
            min_replicas: 2,
            max_replicas: 8,
        }
    }
}

/// A task sentence the curriculum can propose; `{svc}` stands for the service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskTemplate {
    /// The sentence.
    pub text: String,
    /// Observation or action.
    pub kind: TaskKind,
    /// 1 to 5.
    pub difficulty: u8,
}

/// Everything the synthetic model believes before reading its prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knowledge {
    /// Namespaces.
    pub namespace: NamespaceKnowledge,
    /// Pod label keys.
    pub label_key: Prior,
    /// PromQL selectors of a service's own series; `{ns}` and `{svc}` are substituted.
    pub job_selector: Prior,
    /// Latency histogram names.
    pub latency: MetricKnowledge,
    /// CPU usage queries; `{sel}` stands for a job selector.
    pub cpu: MetricKnowledge,
    /// Memory usage queries; `{sel}` stands for a job selector.
    pub memory: MetricKnowledge,
    /// Prometheus base URLs.
    pub prometheus_url: Prior,
    /// Flag spellings that go wrong: right spelling to wrong spelling.
    #[serde(default)]
    pub malformed_flags: BTreeMap<String, String>,
    /// Service names.
    pub services: ServiceKnowledge,
    /// How far to scale out to relieve a loaded service.
    #[serde(default)]
    pub scaling: ScalingKnowledge,
    /// Curriculum task sentences.
    #[serde(default)]
    pub task_templates: Vec<TaskTemplate>,
}

impl Default for Knowledge {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Knowledge {
    /// The built-in knowledge.
    pub fn builtin() -> Self {
        toml::from_str(BUILTIN)
            .expect("the embedded knowledge file is valid; a unit test checks it")
    }

    /// Knowledge from a TOML text of the same shape as the built-in file.
    ///
    /// # Errors
    /// The TOML error when the text does not have that shape.
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }
}

/// The guesses of `weights` minus `excluded`, in the order a weighted draw without
/// replacement gives (heavier first on average). Deterministic for a given generator state.
pub(crate) fn ranked(
    weights: &Weights,
    excluded: &dyn Fn(&str) -> bool,
    rng: &mut ChaCha8Rng,
) -> Vec<String> {
    let mut pool: Vec<(&String, f64)> = weights
        .iter()
        .filter(|(k, w)| **w > 0.0 && !excluded(k))
        .map(|(k, w)| (k, *w))
        .collect();
    let mut out = Vec::with_capacity(pool.len());
    while !pool.is_empty() {
        let total: f64 = pool.iter().map(|(_, w)| w).sum();
        let mut pick = rng.random::<f64>() * total;
        let mut index = pool.len() - 1;
        for (i, (_, w)) in pool.iter().enumerate() {
            if pick < *w {
                index = i;
                break;
            }
            pick -= w;
        }
        out.push(pool.remove(index).0.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn builtin_knowledge_parses_and_names_every_prior() {
        let k = Knowledge::builtin();
        assert!(k.namespace.prior.contains_key("sock-shop"));
        assert!(k.label_key.prior.contains_key("name"));
        assert!(
            k.job_selector
                .prior
                .keys()
                .any(|s| s.contains("{ns}/{svc}"))
        );
        assert!(
            k.latency
                .prior
                .contains_key("request_duration_seconds_bucket")
        );
        assert!(k.services.known.iter().any(|s| s == "catalogue"));
        assert!(k.task_templates.len() >= 8);
    }

    #[test]
    fn ranking_is_a_permutation_without_the_excluded() {
        let k = Knowledge::builtin();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let ranked = ranked(&k.namespace.prior, &|n| n == "default", &mut rng);
        assert_eq!(ranked.len(), k.namespace.prior.len() - 1);
        assert!(!ranked.iter().any(|n| n == "default"));
    }
}
