//! The study's outputs: the results table (CSV and Parquet), the figures and `report.md` with
//! the settings, per-ablation tables, differences between ablations and the findings.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::aggregate::{self, Aggregate, AggregateError, Interval, t_975};
use crate::figures::{self, FigureError};
use crate::findings::{self, Finding};
use crate::study::Study;
use crate::summary::{SkillKind, TrialSummary};

/// Why the outputs could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Aggregation or a table failed.
    #[error(transparent)]
    Aggregate(#[from] AggregateError),
    /// A figure failed.
    #[error(transparent)]
    Figure(#[from] FigureError),
    /// The report cannot be written.
    #[error("cannot write {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// What [`analyse`] produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The aggregated figures.
    pub aggregate: Aggregate,
    /// The paper's findings on the first ablation.
    pub findings: Vec<Finding>,
    /// Paired differences of final evaluation success against the first ablation.
    pub differences: Vec<Difference>,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// A paired difference of final evaluation success between an ablation and the reference
/// (the study's first ablation), over the seeds both ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// The ablation.
    pub ablation: String,
    /// The reference ablation.
    pub reference: String,
    /// Seeds paired.
    pub pairs: u32,
    /// The ablation's final success minus the reference's, with its 95% interval.
    pub delta: Interval,
}

impl Difference {
    /// Whether the interval excludes zero.
    pub fn differs(&self) -> bool {
        self.pairs >= 2 && (self.delta.low() > 0.0 || self.delta.high() < 0.0)
    }
}

/// Paired differences of final evaluation success against the first ablation.
pub fn differences(summaries: &[TrialSummary], ablations: &[String]) -> Vec<Difference> {
    let Some(reference) = ablations.first() else {
        return Vec::new();
    };
    let final_success = |ablation: &str, seed: u64| {
        summaries
            .iter()
            .find(|t| t.ablation == ablation && t.seed == seed)
            .and_then(|t| t.rounds.last())
            .map(|r| r.eval_success())
    };
    let seeds: Vec<u64> = summaries
        .iter()
        .filter(|t| &t.ablation == reference)
        .map(|t| t.seed)
        .collect();
    ablations[1..]
        .iter()
        .map(|ablation| {
            let deltas: Vec<f64> = seeds
                .iter()
                .filter_map(|&s| Some(final_success(ablation, s)? - final_success(reference, s)?))
                .collect();
            let n = deltas.len() as f64;
            let mean = if deltas.is_empty() {
                0.0
            } else {
                deltas.iter().sum::<f64>() / n
            };
            let half_width = if deltas.len() >= 2 {
                let var = deltas.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0);
                t_975(n - 1.0) * var.sqrt() / n.sqrt()
            } else {
                0.0
            };
            Difference {
                ablation: ablation.clone(),
                reference: reference.clone(),
                pairs: deltas.len() as u32,
                delta: Interval { mean, half_width },
            }
        })
        .collect()
}

/// Aggregates the summaries and writes `results.csv`, `results.parquet`, the figures (PNG and
/// SVG) and `report.md` into `out`. `date` is printed in the report if given; nothing else in
/// the outputs depends on when or where the study ran.
///
/// # Errors
/// [`ReportError`] naming what failed.
pub fn analyse(
    study: &Study,
    summaries: &[TrialSummary],
    out: &Path,
    date: Option<&str>,
) -> Result<Analysis, ReportError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ReportError::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let ablations: Vec<String> = study.ablations.iter().map(|a| a.name.clone()).collect();
    let table = aggregate::results_table(summaries, &ablations).map_err(AggregateError::from)?;
    aggregate::write_tables(&table, out)?;
    let agg = aggregate::aggregate(&table)?;
    let mut files = vec![out.join("results.csv"), out.join("results.parquet")];
    files.extend(figures::draw_all(&agg, &ablations, out)?);
    let findings = ablations
        .first()
        .map(|a| findings::check(summaries, a))
        .unwrap_or_default();
    let differences = differences(summaries, &ablations);
    let text = render(study, summaries, &agg, &findings, &differences, date);
    let path = out.join("report.md");
    std::fs::write(&path, text).map_err(io(&path))?;
    files.push(path);
    Ok(Analysis {
        aggregate: agg,
        findings,
        differences,
        files,
    })
}

fn ci(i: &Interval, digits: usize) -> String {
    format!(
        "{:.d$} [{:.d$}, {:.d$}]",
        i.mean,
        i.low(),
        i.high(),
        d = digits
    )
}

/// The Markdown report.
fn render(
    study: &Study,
    summaries: &[TrialSummary],
    agg: &Aggregate,
    findings: &[Finding],
    differences: &[Difference],
    date: Option<&str>,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", study.title);
    if let Some(date) = date {
        let _ = writeln!(s, "Date: {date}\n");
    }
    let last_seed = study.first_seed + u64::from(study.trials) - 1;
    let _ = writeln!(
        s,
        "Scenario `{}`; {} ablations, {} trials each (seeds {} to {}); {} trials in all. \
         Intervals are 95% confidence intervals of the mean over trials (Student's t). \
         Round 0 is the evaluation before any learning.\n",
        study.scenario,
        study.ablations.len(),
        study.trials,
        study.first_seed,
        last_seed,
        summaries.len()
    );
    let stopped = summaries.iter().filter(|t| t.stopped.is_some()).count();
    if stopped > 0 {
        let _ = writeln!(s, "{stopped} trials stopped early (spent budget).\n");
    }
    let _ = writeln!(s, "## Settings\n\nShared by every trial:\n\n```toml");
    let _ = write!(
        s,
        "{}",
        toml::to_string(&study.settings).unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "```\n\n| ablation | what changes | overrides |\n| --- | --- | --- |"
    );
    for a in &study.ablations {
        let overrides = crate::study::leaf_keys(&a.overrides)
            .into_iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(s, "| {} | {} | {} |", a.name, a.description, overrides);
    }

    let _ = writeln!(
        s,
        "\n## Final figures per ablation\n\n| ablation | eval success, round 0 | eval success, \
         final | skills | kubectl | Prometheus | Configuration | Reflection | tokens / trial | \
         cost / trial ($) |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for a in &study.ablations {
        let rounds = agg.of(&a.name);
        let (Some(first), Some(last)) = (rounds.first(), rounds.last()) else {
            continue;
        };
        let tokens: f64 = rounds.iter().map(|r| r.tokens).sum();
        let cost: f64 = rounds.iter().map(|r| r.cost_usd).sum();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {:.4} |",
            a.name,
            ci(&first.eval_success, 3),
            ci(&last.eval_success, 3),
            ci(&last.skills_total, 1),
            ci(&last.skills[0], 1),
            ci(&last.skills[1], 1),
            ci(&last.skills[2], 1),
            ci(&last.skills[3], 1),
            tokens,
            cost
        );
    }

    let _ = writeln!(s, "\n## Differences from `{}`\n", study.ablations[0].name);
    let _ = writeln!(
        s,
        "Final evaluation success of each ablation minus that of the reference, paired by \
         seed, with its 95% interval. An interval that contains 0 means this study found no \
         difference.\n"
    );
    for d in differences {
        let verdict = if d.differs() {
            if d.delta.mean > 0.0 {
                "higher than"
            } else {
                "lower than"
            }
        } else {
            "not distinguishable from"
        };
        let _ = writeln!(
            s,
            "- `{}` is {verdict} `{}`: difference {} over {} seeds.",
            d.ablation,
            d.reference,
            ci(&d.delta, 3),
            d.pairs
        );
    }

    let _ = writeln!(
        s,
        "\n## The paper's findings, on `{}`\n",
        study.ablations[0].name
    );
    let _ = writeln!(
        s,
        "| finding | reproduced | evidence |\n| --- | --- | --- |"
    );
    for f in findings {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            f.claim,
            if f.holds { "yes" } else { "**no**" },
            f.evidence
        );
    }
    let disagreements: Vec<&Finding> = findings.iter().filter(|f| !f.holds).collect();
    if disagreements.is_empty() {
        let _ = writeln!(
            s,
            "\nThe reproduction agrees with the paper on every finding above."
        );
    } else {
        let _ = writeln!(s, "\nWhere this reproduction disagrees with the paper:\n");
        for f in disagreements {
            let _ = writeln!(s, "- {}: not reproduced ({}).", f.claim, f.evidence);
        }
    }
    let _ = writeln!(
        s,
        "\nThe language model here is the synthetic model, a model of a language model with \
         documented mistake rates; these results say how the system behaves with it, not with \
         a real model."
    );

    let _ = writeln!(s, "\n## Figures\n");
    let _ = writeln!(
        s,
        "![Evaluation success against accumulated skills](success_vs_skills.png)\n"
    );
    let _ = writeln!(s, "![Evaluation success by round](success_by_round.png)\n");
    let _ = writeln!(s, "![Skills by kind by round](skills_by_kind.png)\n");
    let _ = writeln!(s, "SVG versions sit beside the PNG files.\n");

    let _ = writeln!(
        s,
        "## First appearance of each kind of skill\n\nMean first round over the trials where \
         the kind appears at all.\n\n| ablation | {} |\n| --- | --- | --- | --- | --- |",
        SkillKind::ALL.map(|k| k.label()).join(" | ")
    );
    for a in &study.ablations {
        let cells: Vec<String> = SkillKind::ALL
            .iter()
            .map(|k| {
                match agg
                    .first
                    .iter()
                    .find(|f| f.ablation == a.name && f.kind == *k)
                {
                    Some(f) => match f.mean_round {
                        Some(m) => format!("{m:.2} ({} of {} trials)", f.trials_with, study.trials),
                        None => "never".to_owned(),
                    },
                    None => "never".to_owned(),
                }
            })
            .collect();
        let _ = writeln!(s, "| {} | {} |", a.name, cells.join(" | "));
    }

    let _ = writeln!(s, "\n## By round\n");
    for a in &study.ablations {
        let _ = writeln!(
            s,
            "### {}\n\n| round | trials | eval success | skills | kubectl | Prometheus | \
             Configuration | Reflection | learning successes |\n| --- | --- | --- | --- | --- | \
             --- | --- | --- | --- |",
            a.name
        );
        for r in agg.of(&a.name) {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {:.2} |",
                r.round,
                r.trials,
                ci(&r.eval_success, 3),
                ci(&r.skills_total, 1),
                ci(&r.skills[0], 1),
                ci(&r.skills[1], 1),
                ci(&r.skills[2], 1),
                ci(&r.skills[3], 1),
                r.learn_successes
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(
        s,
        "## Files\n\n`results.csv` and `results.parquet` hold one row per trial and round; \
         `trials/<ablation>/<seed>.json` hold each trial's summary and settings."
    );
    s
}
