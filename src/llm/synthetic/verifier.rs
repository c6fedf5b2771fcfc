//! The synthetic verifier: judges from the execution and the result whether a task succeeded.

use serde_json::Value;

use super::curator::succeeded;
use super::intent::Intent;
use super::{Turn, fenced};
use crate::llm::protocol::{HistoryEntry, Section, Verdict, extract_json};

/// Answers a verifier prompt.
pub(crate) fn answer(turn: &mut Turn<'_>) -> String {
    let task = turn.task();
    let intent = Intent::of(&task);
    let mut execution = HistoryEntry::parse_all(turn.sections.get(Section::Execution));
    if execution.is_empty() {
        execution = turn.sections.history();
    }
    let result = extract_json(turn.sections.get(Section::Results));

    let (mut success, mut reason) = judge(&intent, &execution, result.as_ref());
    let rate = turn.rates().wrong_verdict;
    if turn.chance(rate) {
        success = !success;
        reason = format!("{reason} (on reflection, the opposite)");
        tracing::debug!("synthetic verifier errs");
    }
    fenced(&Verdict { success, reason })
}

fn judge(intent: &Intent, execution: &[HistoryEntry], result: Option<&Value>) -> (bool, String) {
    let Some(last) = execution.last() else {
        return (false, "no command was run".to_owned());
    };
    if !succeeded(last) {
        let first_line = last.output.lines().next().unwrap_or("no output");
        return (false, format!("the last command failed: {first_line}"));
    }
    let Some(Value::Object(fields)) = result else {
        return (false, "no result was reported".to_owned());
    };
    if fields.contains_key("error") || fields.values().any(Value::is_null) {
        return (false, "the result is incomplete".to_owned());
    }
    // A relief task whose measurement already met its bound needed no change.
    let nothing_needed = matches!(intent, Intent::Relieve(_))
        && fields.get("no_action_needed") == Some(&Value::Bool(true));
    if intent.is_action() && !nothing_needed && !execution.iter().any(|e| changed_state(&e.output))
    {
        return (false, "no command changed the deployment".to_owned());
    }
    (
        true,
        format!(
            "`{}` succeeded and the result has every field",
            last.command
        ),
    )
}

fn changed_state(output: &str) -> bool {
    [
        "scaled",
        "restarted",
        "rolled back",
        "image updated",
        "env updated",
        "autoscaled",
    ]
    .iter()
    .any(|w| output.contains(w))
}
