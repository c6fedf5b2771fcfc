//! Per-round figures of a trial: `rounds.csv` and the summary table printed at the end.

use crate::eval_tasks::JudgedBy;
use crate::trial::TrialRecord;

/// The header of `rounds.csv`; `verdict_agreement` counts evaluation tasks judged by their
/// oracle on which the model's verdict agreed with the oracle's, and `eval_model_judged` the
/// evaluation tasks whose success only the model judged (metric tasks on a live cluster whose
/// metric Prometheus did not measure).
pub const CSV_HEADER: &str = "round,command_skills,reflection_skills,configuration_skills,learn_tasks,learn_successes,eval_tasks,eval_successes,eval_success_rate,verdict_agreement,calls,prompt_tokens,completion_tokens,cost_usd,eval_model_judged";

/// `rounds.csv`: one line per round, round 0 being the evaluation before learning.
pub fn rounds_csv(record: &TrialRecord) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    for r in &record.rounds {
        let eval_successes = r.eval.iter().filter(|e| e.success()).count();
        // How often the model's own verdict agreed with the oracle's, where the oracle judged.
        let agreement = r
            .eval
            .iter()
            .filter(|e| e.judged_by != JudgedBy::Model && e.oracle.success == e.model.success)
            .count();
        let model_judged = r
            .eval
            .iter()
            .filter(|e| e.judged_by == JudgedBy::Model)
            .count();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{:.4},{},{},{},{},{:.6},{}\n",
            r.round,
            r.skills.command,
            r.skills.reflection,
            r.skills.configuration,
            r.learn.len(),
            r.learn_successes(),
            r.eval.len(),
            eval_successes,
            r.eval_success_rate(),
            agreement,
            r.tokens.calls,
            r.tokens.prompt,
            r.tokens.completion,
            r.cost_usd,
            model_judged
        ));
    }
    out
}

/// A fixed-width table of the rounds for a terminal.
pub fn summary_table(record: &TrialRecord) -> String {
    let mut out = format!(
        "{:>5}  {:>7} {:>10} {:>13}  {:>8}  {:>9}  {:>9}  {:>9}\n",
        "round", "command", "reflection", "configuration", "learned", "eval", "tokens", "cost $"
    );
    for r in &record.rounds {
        let eval_successes = r.eval.iter().filter(|e| e.success()).count();
        out.push_str(&format!(
            "{:>5}  {:>7} {:>10} {:>13}  {:>8}  {:>9}  {:>9}  {:>9.4}\n",
            r.round,
            r.skills.command,
            r.skills.reflection,
            r.skills.configuration,
            format!("{}/{}", r.learn_successes(), r.learn.len()),
            format!("{eval_successes}/{}", r.eval.len()),
            r.tokens.prompt + r.tokens.completion,
            r.cost_usd
        ));
    }
    if let Some(why) = &record.stopped {
        out.push_str(&format!("stopped early: {why}\n"));
    }
    out
}
