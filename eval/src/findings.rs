//! The paper's qualitative findings, checked against a study's trials without fixed numbers:
//! skills and evaluation success grow over rounds with most of the gain early, and kubectl
//! skills are acquired before Prometheus-query skills in most trials.

use serde::{Deserialize, Serialize};

use crate::summary::{SkillKind, TrialSummary};

/// One finding and whether the study reproduces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// A short identifier.
    pub id: String,
    /// The claim, as the paper makes it.
    pub claim: String,
    /// Whether this study's trials support it.
    pub holds: bool,
    /// The numbers the verdict rests on.
    pub evidence: String,
}

/// The share of the total gain that "most of the gain early" asks of the early rounds.
pub const EARLY_SHARE: f64 = 0.5;

/// The early rounds of `rounds` learning rounds: the first 40%, rounded up (2 of 5).
pub fn early_rounds(rounds: u32) -> u32 {
    (rounds * 2).div_ceil(5).max(1)
}

/// Mean of a per-round value over trials, for every round that all trials reached.
fn mean_curve(trials: &[&TrialSummary], value: impl Fn(&crate::RoundSummary) -> f64) -> Vec<f64> {
    let rounds = trials.iter().map(|t| t.rounds.len()).min().unwrap_or(0);
    (0..rounds)
        .map(|r| trials.iter().map(|t| value(&t.rounds[r])).sum::<f64>() / trials.len() as f64)
        .collect()
}

fn growth(id: &str, what: &str, curve: &[f64]) -> Vec<Finding> {
    let (Some(&first), Some(&last)) = (curve.first(), curve.last()) else {
        return Vec::new();
    };
    let learning_rounds = curve.len().saturating_sub(1) as u32;
    let early = early_rounds(learning_rounds) as usize;
    let gain = last - first;
    let early_gain = curve.get(early).copied().unwrap_or(last) - first;
    let shown: Vec<String> = curve.iter().map(|v| format!("{v:.3}")).collect();
    vec![
        Finding {
            id: format!("{id}-grows"),
            claim: format!("{what} grows over the rounds"),
            holds: gain > 0.0,
            evidence: format!(
                "mean by round {}: from {first:.3} to {last:.3}",
                shown.join(", ")
            ),
        },
        Finding {
            id: format!("{id}-early"),
            claim: format!("most of the gain in {what} comes early"),
            holds: gain > 0.0 && early_gain >= EARLY_SHARE * gain,
            evidence: if gain > 0.0 {
                format!(
                    "rounds 1 to {early} of {learning_rounds} give {:.0}% of the total gain \
                     ({early_gain:.3} of {gain:.3})",
                    100.0 * early_gain / gain
                )
            } else {
                "no gain over the rounds".to_owned()
            },
        },
    ]
}

/// How the first kubectl and the first Prometheus skill compare in each trial.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// kubectl strictly first (including trials with no Prometheus skill at all).
    pub kubectl_first: u32,
    /// Both first appear together (never with an order of entry).
    pub same_round: u32,
    /// Prometheus strictly first (including trials with no kubectl skill at all).
    pub prometheus_first: u32,
    /// Neither appears.
    pub neither: u32,
}

/// Counts the trials by which kind of Command skill enters the library first.
pub fn acquisition_order(trials: &[&TrialSummary]) -> Order {
    let mut order = Order::default();
    for trial in trials {
        let kubectl = trial.first_learned(SkillKind::Kubectl);
        let prometheus = trial.first_learned(SkillKind::Prometheus);
        match (kubectl, prometheus) {
            (None, None) => order.neither += 1,
            (Some(_), None) => order.kubectl_first += 1,
            (None, Some(_)) => order.prometheus_first += 1,
            (Some(k), Some(p)) if k < p => order.kubectl_first += 1,
            (Some(k), Some(p)) if k == p => order.same_round += 1,
            _ => order.prometheus_first += 1,
        }
    }
    order
}

/// Checks the findings on the trials of `ablation` (normally the full system).
pub fn check(summaries: &[TrialSummary], ablation: &str) -> Vec<Finding> {
    let trials: Vec<&TrialSummary> = summaries
        .iter()
        .filter(|t| t.ablation == ablation)
        .collect();
    if trials.is_empty() {
        return Vec::new();
    }
    let mut findings = growth(
        "skills",
        "the skill count",
        &mean_curve(&trials, |r| f64::from(r.skills.total())),
    );
    findings.extend(growth(
        "success",
        "evaluation success",
        &mean_curve(&trials, |r| r.eval_success()),
    ));
    let order = acquisition_order(&trials);
    let n = trials.len() as u32;
    findings.push(Finding {
        id: "kubectl-before-prometheus".to_owned(),
        claim: "kubectl skills are acquired before Prometheus-query skills in most trials"
            .to_owned(),
        holds: 2 * order.kubectl_first > n,
        evidence: format!(
            "of {n} trials: kubectl first in {}, at once in {}, Prometheus first in {}, \
             neither in {}",
            order.kubectl_first, order.same_round, order.prometheus_first, order.neither
        ),
    });
    findings
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;
    use crate::summary::{RoundSummary, SkillsByKind};

    fn trial(passed: [u32; 6], kubectl_from: u32, prometheus_from: u32) -> TrialSummary {
        let rounds = (0..6)
            .map(|round| RoundSummary {
                round,
                eval_passed: passed[round as usize],
                eval_tasks: 10,
                skills: SkillsByKind {
                    kubectl: u32::from(round >= kubectl_from) * (4 + round / 2),
                    prometheus: u32::from(round >= prometheus_from),
                    ..SkillsByKind::default()
                },
                learn_tasks: 3,
                learn_successes: 3,
                calls: 1,
                prompt_tokens: 1,
                completion_tokens: 1,
                cost_usd: 0.0,
            })
            .collect();
        TrialSummary {
            ablation: "full".to_owned(),
            seed: 1,
            rounds,
            stopped: None,
            learned: if kubectl_from < prometheus_from {
                vec![SkillKind::Kubectl, SkillKind::Prometheus]
            } else {
                vec![SkillKind::Prometheus, SkillKind::Kubectl]
            },
        }
    }

    #[test]
    fn early_rounds_are_two_of_five() {
        assert_eq!(early_rounds(5), 2);
        assert_eq!(early_rounds(1), 1);
        assert_eq!(early_rounds(10), 4);
    }

    #[test]
    fn a_concave_curve_with_kubectl_first_reproduces_every_finding() {
        let trials = [
            trial([1, 5, 7, 8, 8, 9], 1, 2),
            trial([2, 6, 7, 7, 8, 8], 1, 3),
        ];
        let findings = check(&trials, "full");
        assert_eq!(findings.len(), 5);
        assert!(findings.iter().all(|f| f.holds), "{findings:#?}");
    }

    #[test]
    fn a_late_gain_and_prometheus_first_are_reported_as_not_holding() {
        let trials = [
            trial([1, 1, 1, 2, 8, 9], 3, 1),
            trial([1, 1, 1, 2, 8, 9], 2, 2),
        ];
        let findings = check(&trials, "full");
        let holds = |id: &str| findings.iter().find(|f| f.id == id).unwrap().holds;
        assert!(holds("success-grows"));
        assert!(!holds("success-early"));
        assert!(!holds("kubectl-before-prometheus"));
    }
}
