//! Cost accounting: a price table, a ledger of calls, and a budget cap per trial.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::{BackendInfo, CallContext, ChatFuture, ChatRequest, LanguageModel, LlmError, Usage};

/// The price of one model in US dollars per million tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// Dollars per million prompt tokens.
    pub input_per_million: f64,
    /// Dollars per million completion tokens.
    pub output_per_million: f64,
}

impl Price {
    /// The cost of `usage` at this price.
    pub fn cost(&self, usage: Usage) -> f64 {
        (f64::from(usage.prompt_tokens) * self.input_per_million
            + f64::from(usage.completion_tokens) * self.output_per_million)
            / 1_000_000.0
    }
}

/// Prices by model name, loadable from TOML:
///
/// ```toml
/// [models."gpt-4o"]
/// input_per_million = 2.5
/// output_per_million = 10.0
/// ```
///
/// A model missing from the table costs nothing (and a warning is logged once per call).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    /// Price per model name.
    #[serde(default)]
    pub models: BTreeMap<String, Price>,
}

impl PriceTable {
    /// Adds or replaces the price of `model`.
    pub fn with(mut self, model: impl Into<String>, price: Price) -> Self {
        self.models.insert(model.into(), price);
        self
    }

    /// Parses a table from TOML.
    ///
    /// # Errors
    /// [`CostError::Toml`] when the text is not a valid price table.
    pub fn from_toml(text: &str) -> Result<Self, CostError> {
        toml::from_str(text).map_err(CostError::Toml)
    }

    /// The cost of `usage` on `model`; zero for an unknown model.
    pub fn cost(&self, model: &str, usage: Usage) -> f64 {
        match self.models.get(model) {
            Some(price) => price.cost(usage),
            None => {
                tracing::warn!(model, "no price for model, counting its calls as free");
                0.0
            }
        }
    }
}

/// Errors of this module other than a spent budget.
#[derive(Debug, thiserror::Error)]
pub enum CostError {
    /// The price table's TOML is invalid.
    #[error("invalid price table")]
    Toml(#[source] toml::de::Error),
}

/// A call refused because its trial has spent its budget.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("budget exceeded for trial {trial}: spent {spent_usd:.6} usd of {budget_usd:.6} usd")]
pub struct BudgetExceeded {
    /// The trial whose budget is spent (`-` for calls without a trial).
    pub trial: String,
    /// Dollars spent so far.
    pub spent_usd: f64,
    /// The cap.
    pub budget_usd: f64,
}

/// One charged call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostEntry {
    /// Trial and task of the call.
    pub context: CallContext,
    /// The model that answered.
    pub model: String,
    /// Its token usage.
    pub usage: Usage,
    /// Its cost in dollars.
    pub usd: f64,
}

/// Sums over a set of calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CostTotals {
    /// Number of calls.
    pub calls: u64,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Dollars.
    pub usd: f64,
}

impl CostTotals {
    fn add(&mut self, entry: &CostEntry) {
        self.calls += 1;
        self.prompt_tokens += u64::from(entry.usage.prompt_tokens);
        self.completion_tokens += u64::from(entry.usage.completion_tokens);
        self.usd += entry.usd;
    }
}

#[derive(Debug, Default)]
struct Ledger {
    prices: PriceTable,
    budget_per_trial: Option<f64>,
    entries: Vec<CostEntry>,
}

/// A shared ledger of calls. Cloning shares the ledger.
#[derive(Debug, Clone, Default)]
pub struct CostMeter {
    ledger: Arc<Mutex<Ledger>>,
}

impl CostMeter {
    /// A meter charging at `prices`, without a budget cap.
    pub fn new(prices: PriceTable) -> Self {
        let ledger = Ledger {
            prices,
            ..Ledger::default()
        };
        Self {
            ledger: Arc::new(Mutex::new(ledger)),
        }
    }

    /// Caps every trial at `usd` dollars: once a trial has spent that much, its further calls
    /// fail with [`BudgetExceeded`]. The call that crosses the cap is still charged.
    pub fn with_budget_per_trial(self, usd: f64) -> Self {
        self.lock().budget_per_trial = Some(usd);
        self
    }

    fn lock(&self) -> MutexGuard<'_, Ledger> {
        // A poisoned ledger still holds consistent entries: each push is a single operation.
        self.ledger
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Fails when the trial of `context` has spent its budget.
    ///
    /// # Errors
    /// [`BudgetExceeded`] naming the trial, what it spent and the cap.
    pub fn check(&self, context: &CallContext) -> Result<(), BudgetExceeded> {
        let ledger = self.lock();
        let Some(budget) = ledger.budget_per_trial else {
            return Ok(());
        };
        let spent: f64 = ledger
            .entries
            .iter()
            .filter(|e| e.context.trial == context.trial)
            .map(|e| e.usd)
            .sum();
        if spent >= budget {
            let trial = context.trial.clone().unwrap_or_else(|| "-".to_owned());
            return Err(BudgetExceeded {
                trial,
                spent_usd: spent,
                budget_usd: budget,
            });
        }
        Ok(())
    }

    /// Charges one call and returns its entry.
    pub fn record(&self, context: &CallContext, model: &str, usage: Usage) -> CostEntry {
        let mut ledger = self.lock();
        let usd = ledger.prices.cost(model, usage);
        let entry = CostEntry {
            context: context.clone(),
            model: model.to_owned(),
            usage,
            usd,
        };
        tracing::debug!(
            trial = ?entry.context.trial,
            task = ?entry.context.task,
            model,
            prompt_tokens = usage.prompt_tokens,
            completion_tokens = usage.completion_tokens,
            usd,
            "charged call"
        );
        ledger.entries.push(entry.clone());
        entry
    }

    /// Every charged call, oldest first.
    pub fn entries(&self) -> Vec<CostEntry> {
        self.lock().entries.clone()
    }

    /// Totals over all calls.
    pub fn total(&self) -> CostTotals {
        self.totals_where(|_| true)
    }

    /// Totals over the calls of `trial`.
    pub fn trial_total(&self, trial: &str) -> CostTotals {
        self.totals_where(|c| c.trial.as_deref() == Some(trial))
    }

    /// Totals over the calls of `task` within `trial`.
    pub fn task_total(&self, trial: &str, task: &str) -> CostTotals {
        self.totals_where(|c| c.trial.as_deref() == Some(trial) && c.task.as_deref() == Some(task))
    }

    /// Totals per task of `trial`, by task name (calls without a task are under `""`).
    pub fn tasks_of_trial(&self, trial: &str) -> BTreeMap<String, CostTotals> {
        let mut out: BTreeMap<String, CostTotals> = BTreeMap::new();
        for entry in self.lock().entries.iter() {
            if entry.context.trial.as_deref() == Some(trial) {
                let task = entry.context.task.clone().unwrap_or_default();
                out.entry(task).or_default().add(entry);
            }
        }
        out
    }

    fn totals_where(&self, keep: impl Fn(&CallContext) -> bool) -> CostTotals {
        let mut totals = CostTotals::default();
        for entry in self.lock().entries.iter().filter(|e| keep(&e.context)) {
            totals.add(entry);
        }
        totals
    }
}

/// A backend whose calls are charged to a [`CostMeter`], refused once the trial's budget is
/// spent.
#[derive(Debug)]
pub struct Metered<M> {
    inner: M,
    meter: CostMeter,
}

impl<M: LanguageModel> Metered<M> {
    /// Wraps `inner`, charging to `meter`.
    pub fn new(inner: M, meter: CostMeter) -> Self {
        Self { inner, meter }
    }

    /// The meter calls are charged to.
    pub fn meter(&self) -> &CostMeter {
        &self.meter
    }
}

impl<M: LanguageModel> LanguageModel for Metered<M> {
    fn chat<'a>(&'a self, request: &'a ChatRequest) -> ChatFuture<'a> {
        Box::pin(async move {
            self.meter.check(&request.context)?;
            let reply = self.inner.chat(request).await?;
            self.meter
                .record(&request.context, &reply.model, reply.usage);
            Ok::<_, LlmError>(reply)
        })
    }

    fn describe(&self) -> BackendInfo {
        self.inner.describe()
    }

    fn secrets(&self) -> Vec<String> {
        self.inner.secrets()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(trial: &str, task: &str) -> CallContext {
        CallContext {
            trial: Some(trial.into()),
            task: Some(task.into()),
        }
    }

    fn usage(prompt: u32, completion: u32) -> Usage {
        Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
        }
    }

    #[test]
    fn totals_are_kept_per_task_and_per_trial() {
        let prices = PriceTable::default().with(
            "big",
            Price {
                input_per_million: 2.0,
                output_per_million: 8.0,
            },
        );
        let meter = CostMeter::new(prices);
        meter.record(&context("t1", "a"), "big", usage(1_000_000, 0));
        meter.record(&context("t1", "b"), "big", usage(0, 500_000));
        meter.record(&context("t2", "a"), "unknown", usage(10, 10));

        assert_eq!(meter.task_total("t1", "a").usd, 2.0);
        assert_eq!(meter.trial_total("t1").usd, 6.0);
        assert_eq!(meter.trial_total("t1").calls, 2);
        assert_eq!(meter.trial_total("t2").usd, 0.0);
        assert_eq!(meter.total().prompt_tokens, 1_000_010);
        assert_eq!(meter.tasks_of_trial("t1").len(), 2);
    }

    #[test]
    fn budget_refuses_calls_after_the_cap_only_for_that_trial() {
        let prices = PriceTable::default().with(
            "m",
            Price {
                input_per_million: 1.0,
                output_per_million: 1.0,
            },
        );
        let meter = CostMeter::new(prices).with_budget_per_trial(1.0);
        assert!(meter.check(&context("t1", "a")).is_ok());
        meter.record(&context("t1", "a"), "m", usage(1_000_000, 0));
        let err = meter
            .check(&context("t1", "b"))
            .expect_err("budget is spent");
        assert_eq!(err.trial, "t1");
        assert!(err.to_string().starts_with("budget exceeded for trial t1"));
        assert!(meter.check(&context("t2", "a")).is_ok());
    }

    #[test]
    fn price_table_loads_from_toml() {
        let table = PriceTable::from_toml(
            "[models.\"gpt-4o\"]\ninput_per_million = 2.5\noutput_per_million = 10.0\n",
        )
        .expect("valid toml");
        assert_eq!(table.cost("gpt-4o", usage(1_000_000, 1_000_000)), 12.5);
    }
}
