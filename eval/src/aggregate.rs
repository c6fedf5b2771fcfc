//! Aggregation with polars: the long results table (one row per trial and round), and per
//! ablation and round the mean and 95% confidence interval of evaluation success and of skills
//! by kind, and the round at which each kind of skill first appears.

use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::summary::{SkillKind, TrialSummary};

/// Why aggregation or writing a table failed.
#[derive(Debug, thiserror::Error)]
pub enum AggregateError {
    /// A polars operation failed.
    #[error("aggregation")]
    Polars(#[from] PolarsError),
    /// A table file cannot be written.
    #[error("cannot write {path}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// A mean with its 95% confidence interval (Student's t over the trials).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The mean over trials.
    pub mean: f64,
    /// Half the width of the interval; 0 when fewer than two trials.
    pub half_width: f64,
}

impl Interval {
    /// The lower end.
    pub fn low(&self) -> f64 {
        self.mean - self.half_width
    }

    /// The upper end.
    pub fn high(&self) -> f64 {
        self.mean + self.half_width
    }

    /// Whether the two intervals share no point.
    pub fn disjoint(&self, other: &Interval) -> bool {
        self.high() < other.low() || other.high() < self.low()
    }
}

/// One ablation at one round, over its trials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundStats {
    /// The ablation.
    pub ablation: String,
    /// The round.
    pub round: u32,
    /// Trials that reached the round.
    pub trials: u32,
    /// Evaluation success rate.
    pub eval_success: Interval,
    /// All skills.
    pub skills_total: Interval,
    /// Skills by kind, in [`SkillKind::ALL`] order.
    pub skills: [Interval; 4],
    /// Mean learning successes in the round.
    pub learn_successes: f64,
    /// Mean tokens (prompt and completion) in the round.
    pub tokens: f64,
    /// Mean dollars in the round.
    pub cost_usd: f64,
}

/// When a kind of skill first appears in an ablation's trials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstAppearance {
    /// The ablation.
    pub ablation: String,
    /// The kind.
    pub kind: SkillKind,
    /// Trials in which the kind appears at all.
    pub trials_with: u32,
    /// The mean first round over those trials (`None` when it never appears).
    pub mean_round: Option<f64>,
    /// The earliest first round.
    pub earliest: Option<u32>,
}

/// The aggregated study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    /// Per ablation (in study order) and round.
    pub rounds: Vec<RoundStats>,
    /// Per ablation (in study order) and kind.
    pub first: Vec<FirstAppearance>,
}

impl Aggregate {
    /// The rounds of one ablation.
    pub fn of(&self, ablation: &str) -> Vec<&RoundStats> {
        self.rounds
            .iter()
            .filter(|r| r.ablation == ablation)
            .collect()
    }

    /// The last round of one ablation.
    pub fn last(&self, ablation: &str) -> Option<&RoundStats> {
        self.rounds.iter().rev().find(|r| r.ablation == ablation)
    }
}

const KIND_COLUMNS: [&str; 4] = ["kubectl", "prometheus", "configuration", "reflection"];

/// The long results table: one row per trial and round, in study order.
///
/// # Errors
/// A polars error building the frame.
pub fn results_table(summaries: &[TrialSummary], order: &[String]) -> PolarsResult<DataFrame> {
    let rows = summaries
        .iter()
        .flat_map(|t| t.rounds.iter().map(move |r| (t, r)));
    let index = |name: &str| order.iter().position(|a| a == name).unwrap_or(order.len()) as u32;
    let (mut ablation, mut ablation_index, mut seed, mut round) = (vec![], vec![], vec![], vec![]);
    let (mut passed, mut tasks, mut success) = (vec![], vec![], vec![]);
    let mut kinds: [Vec<u32>; 4] = Default::default();
    let (mut other, mut total, mut learn, mut learned) = (vec![], vec![], vec![], vec![]);
    let (mut calls, mut prompt, mut completion, mut cost) = (vec![], vec![], vec![], vec![]);
    for (trial, r) in rows {
        ablation.push(trial.ablation.clone());
        ablation_index.push(index(&trial.ablation));
        seed.push(trial.seed);
        round.push(r.round);
        passed.push(r.eval_passed);
        tasks.push(r.eval_tasks);
        success.push(r.eval_success());
        for (column, kind) in kinds.iter_mut().zip(SkillKind::ALL) {
            column.push(r.skills.get(kind));
        }
        other.push(r.skills.other_command);
        total.push(r.skills.total());
        learn.push(r.learn_tasks);
        learned.push(r.learn_successes);
        calls.push(r.calls);
        prompt.push(r.prompt_tokens);
        completion.push(r.completion_tokens);
        cost.push(r.cost_usd);
    }
    let [kubectl, prometheus, configuration, reflection] = kinds;
    df!(
        "ablation" => ablation,
        "ablation_index" => ablation_index,
        "seed" => seed,
        "round" => round,
        "eval_passed" => passed,
        "eval_tasks" => tasks,
        "eval_success" => success,
        "skills_total" => total,
        "kubectl" => kubectl,
        "prometheus" => prometheus,
        "configuration" => configuration,
        "reflection" => reflection,
        "other_command" => other,
        "learn_tasks" => learn,
        "learn_successes" => learned,
        "calls" => calls,
        "prompt_tokens" => prompt,
        "completion_tokens" => completion,
        "cost_usd" => cost,
    )
}

/// Aggregates a results table (from [`results_table`]).
///
/// # Errors
/// A polars error.
pub fn aggregate(results: &DataFrame) -> Result<Aggregate, AggregateError> {
    let measured: Vec<&str> = ["eval_success", "skills_total"]
        .into_iter()
        .chain(KIND_COLUMNS)
        .collect();
    let mut aggs = vec![col("seed").len().cast(DataType::Float64).alias("n")];
    for name in &measured {
        let x = col(*name).cast(DataType::Float64);
        aggs.push(x.clone().mean().alias(format!("{name}_mean")));
        aggs.push(x.std(1).alias(format!("{name}_std")));
    }
    aggs.push(
        col("learn_successes")
            .cast(DataType::Float64)
            .mean()
            .alias("learn_mean"),
    );
    aggs.push(
        (col("prompt_tokens") + col("completion_tokens"))
            .cast(DataType::Float64)
            .mean()
            .alias("tokens_mean"),
    );
    aggs.push(col("cost_usd").mean().alias("cost_mean"));
    let by_round = results
        .clone()
        .lazy()
        .group_by([col("ablation_index"), col("ablation"), col("round")])
        .agg(aggs)
        .sort(["ablation_index", "round"], SortMultipleOptions::default())
        .collect()?;

    let names = strings(&by_round, "ablation")?;
    let rounds_col = floats(&by_round, "round")?;
    let n = floats(&by_round, "n")?;
    let stats = |name: &str| -> PolarsResult<Vec<Interval>> {
        let mean = floats(&by_round, &format!("{name}_mean"))?;
        let std = floats(&by_round, &format!("{name}_std"))?;
        Ok(mean
            .iter()
            .zip(&std)
            .zip(&n)
            .map(|((&mean, &std), &n)| interval(mean, std, n))
            .collect())
    };
    let eval = stats("eval_success")?;
    let total = stats("skills_total")?;
    let kinds = KIND_COLUMNS.map(stats);
    let [k0, k1, k2, k3] = kinds;
    let (k0, k1, k2, k3) = (k0?, k1?, k2?, k3?);
    let learn = floats(&by_round, "learn_mean")?;
    let tokens = floats(&by_round, "tokens_mean")?;
    let cost = floats(&by_round, "cost_mean")?;
    let rounds = (0..by_round.height())
        .map(|i| RoundStats {
            ablation: names[i].clone(),
            round: rounds_col[i] as u32,
            trials: n[i] as u32,
            eval_success: eval[i],
            skills_total: total[i],
            skills: [k0[i], k1[i], k2[i], k3[i]],
            learn_successes: learn[i],
            tokens: tokens[i],
            cost_usd: cost[i],
        })
        .collect();

    Ok(Aggregate {
        rounds,
        first: first_appearances(results)?,
    })
}

/// Per ablation and kind: the first round with a skill of that kind in each trial, then over
/// trials the count, mean and minimum.
fn first_appearances(results: &DataFrame) -> PolarsResult<Vec<FirstAppearance>> {
    let ablations = results
        .clone()
        .lazy()
        .group_by([col("ablation_index"), col("ablation")])
        .agg([col("seed")
            .n_unique()
            .cast(DataType::Float64)
            .alias("trials")])
        .sort(["ablation_index"], SortMultipleOptions::default())
        .collect()?;
    let names = strings(&ablations, "ablation")?;

    let mut out = Vec::new();
    for name in &names {
        for (kind, column) in SkillKind::ALL.into_iter().zip(KIND_COLUMNS) {
            let firsts = results
                .clone()
                .lazy()
                .filter(
                    col("ablation")
                        .eq(lit(name.as_str()))
                        .and(col(column).gt(lit(0))),
                )
                .group_by([col("seed")])
                .agg([col("round").min().cast(DataType::Float64).alias("first")])
                .select([
                    col("first").len().cast(DataType::Float64).alias("with"),
                    col("first").mean().alias("mean"),
                    col("first").min().alias("earliest"),
                ])
                .collect()?;
            let with = floats(&firsts, "with")?.first().copied().unwrap_or(0.0) as u32;
            let mean = optional_floats(&firsts, "mean")?.first().copied().flatten();
            let earliest = optional_floats(&firsts, "earliest")?
                .first()
                .copied()
                .flatten();
            out.push(FirstAppearance {
                ablation: name.clone(),
                kind,
                trials_with: with,
                mean_round: if with > 0 { mean } else { None },
                earliest: if with > 0 {
                    earliest.map(|r| r as u32)
                } else {
                    None
                },
            });
        }
    }
    Ok(out)
}

/// Student's t quantile at 0.975 for `df` degrees of freedom.
pub(crate) fn t_975(df: f64) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    let k = df as usize;
    if (1..=30).contains(&k) {
        TABLE[k - 1]
    } else {
        // Beyond the table the quantile approaches 1.96 like 1/df; this is within 0.002.
        1.96 + 2.5 / df
    }
}

fn interval(mean: f64, std: f64, n: f64) -> Interval {
    let half_width = if n >= 2.0 && std.is_finite() {
        t_975(n - 1.0) * std / n.sqrt()
    } else {
        0.0
    };
    Interval { mean, half_width }
}

fn floats(frame: &DataFrame, name: &str) -> PolarsResult<Vec<f64>> {
    Ok(optional_floats(frame, name)?
        .into_iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect())
}

fn optional_floats(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let column = frame.column(name)?.cast(&DataType::Float64)?;
    Ok(column.f64()?.iter().collect())
}

fn strings(frame: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    Ok(frame
        .column(name)?
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_owned())
        .collect())
}

/// Writes the results table as `results.csv` and `results.parquet` under `dir`.
///
/// # Errors
/// A file that cannot be created or written.
pub fn write_tables(results: &DataFrame, dir: &Path) -> Result<(), AggregateError> {
    let create = |name: &str| {
        let path = dir.join(name);
        std::fs::File::create(&path).map_err(|source| AggregateError::Io { path, source })
    };
    let mut frame = results.clone();
    CsvWriter::new(create("results.csv")?)
        .include_header(true)
        .finish(&mut frame)?;
    ParquetWriter::new(create("results.parquet")?).finish(&mut frame)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;
    use crate::summary::{RoundSummary, SkillsByKind};

    fn trial(ablation: &str, seed: u64, passed: [u32; 3], prometheus_from: u32) -> TrialSummary {
        let rounds = (0..3)
            .map(|round| RoundSummary {
                round,
                eval_passed: passed[round as usize],
                eval_tasks: 4,
                skills: SkillsByKind {
                    kubectl: round * 2,
                    prometheus: u32::from(round >= prometheus_from),
                    ..SkillsByKind::default()
                },
                learn_tasks: 3,
                learn_successes: 2,
                calls: 5,
                prompt_tokens: 100,
                completion_tokens: 20,
                cost_usd: 0.0,
            })
            .collect();
        TrialSummary {
            ablation: ablation.to_owned(),
            seed,
            rounds,
            stopped: None,
            learned: Vec::new(),
        }
    }

    #[test]
    fn means_intervals_and_first_rounds_follow_the_trials() {
        let trials = [
            trial("full", 1, [0, 2, 4], 2),
            trial("full", 2, [0, 2, 2], 9),
            trial("none", 1, [0, 0, 0], 9),
        ];
        let order = ["full".to_owned(), "none".to_owned()];
        let table = results_table(&trials, &order).unwrap();
        assert_eq!(table.height(), 9);
        let agg = aggregate(&table).unwrap();

        let last = agg.last("full").unwrap();
        assert_eq!((last.round, last.trials), (2, 2));
        assert!((last.eval_success.mean - 0.75).abs() < 1e-12);
        // Two trials, 1.0 and 0.5: sd = 0.3536, t(1) = 12.706.
        assert!((last.eval_success.half_width - 12.706 * 0.353_553_39 / 2f64.sqrt()).abs() < 1e-6);
        assert_eq!(agg.of("none").len(), 3);
        assert_eq!(agg.rounds[0].ablation, "full");

        let prom = agg
            .first
            .iter()
            .find(|f| f.ablation == "full" && f.kind == SkillKind::Prometheus)
            .unwrap();
        assert_eq!((prom.trials_with, prom.earliest), (1, Some(2)));
        let kubectl_none = agg
            .first
            .iter()
            .find(|f| f.ablation == "none" && f.kind == SkillKind::Kubectl)
            .unwrap();
        assert_eq!(kubectl_none.mean_round, Some(1.0));
    }
}
