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
///
/// The rounds decide: the first round after which the library holds a skill of each kind.
/// Within one round, the order of entry (`learned`) decides when the trial recorded it; a
/// trial written without it (older trial files) counts as "at once". The order of entry alone
/// is not enough: a trial file that lacks it would read as "neither" although its rounds show
/// skills of both kinds.
pub fn acquisition_order(trials: &[&TrialSummary]) -> Order {
    use std::cmp::Ordering;

    let mut order = Order::default();
    for trial in trials {
        let kubectl = trial.first_round(SkillKind::Kubectl);
        let prometheus = trial.first_round(SkillKind::Prometheus);
        let within_round = || match (
            trial.first_learned(SkillKind::Kubectl),
            trial.first_learned(SkillKind::Prometheus),
        ) {
            (Some(k), Some(p)) => k.cmp(&p),
            _ => Ordering::Equal,
        };
        let first = match (kubectl, prometheus) {
            (None, None) => {
                order.neither += 1;
                continue;
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(k), Some(p)) => k.cmp(&p).then_with(within_round),
        };
        match first {
            Ordering::Less => order.kubectl_first += 1,
            Ordering::Equal => order.same_round += 1,
            Ordering::Greater => order.prometheus_first += 1,
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
    fn the_order_comes_from_the_rounds_when_the_order_of_entry_is_missing() {
        // Trial files written before the order of entry was recorded have `learned` empty;
        // their rounds still say which kind came first.
        let mut kubectl_first = trial([1, 2, 3, 4, 5, 6], 1, 3);
        kubectl_first.learned.clear();
        let mut prometheus_first = trial([1, 2, 3, 4, 5, 6], 4, 2);
        prometheus_first.learned.clear();
        let mut together = trial([1, 2, 3, 4, 5, 6], 2, 2);
        together.learned.clear();
        let order = acquisition_order(&[&kubectl_first, &prometheus_first, &together]);
        assert_eq!(
            order,
            Order {
                kubectl_first: 1,
                same_round: 1,
                prometheus_first: 1,
                neither: 0,
            }
        );
    }

    #[test]
    fn within_one_round_the_order_of_entry_decides() {
        let mut kubectl_then_prometheus = trial([1, 2, 3, 4, 5, 6], 1, 1);
        kubectl_then_prometheus.learned = vec![SkillKind::Kubectl, SkillKind::Prometheus];
        let mut prometheus_then_kubectl = trial([1, 2, 3, 4, 5, 6], 1, 1);
        prometheus_then_kubectl.learned = vec![SkillKind::Prometheus, SkillKind::Kubectl];
        let order = acquisition_order(&[&kubectl_then_prometheus, &prometheus_then_kubectl]);
        assert_eq!((order.kubectl_first, order.prometheus_first), (1, 1));
        assert_eq!((order.same_round, order.neither), (0, 0));
    }

    #[test]
    fn a_trial_without_command_skills_counts_as_neither() {
        let mut none = trial([1, 1, 1, 1, 1, 1], 9, 9);
        none.learned.clear();
        assert_eq!(acquisition_order(&[&none]).neither, 1);
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
