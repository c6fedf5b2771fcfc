//! ServiceOdyssey: a self-learning agent system for microservice management.
//!
//! The learning system talks to the world through narrow traits: [`ops::Operations`] for
//! commands and queries, [`llm::LanguageModel`] for the model. A trial ([`trial::run_trial`])
//! runs rounds of the [`curriculum`], the execution [`planner`] and the [`curator`], which
//! fills the [`skills`] library; the [`eval_tasks`] are judged by oracles before the first
//! round and after every round. The simulated Sock Shop lives in the `odyssey-simulator` crate
//! and is re-exported here as [`simulator`].

pub mod cli;
pub mod config;
pub mod curator;
pub mod curriculum;
pub mod eval_tasks;
mod evaluation;
pub mod llm;
pub mod ops;
pub mod planner;
pub mod policy;
pub mod prompts;
pub mod report;
pub mod run;
pub mod running_state;
pub mod skills;
pub mod study;
pub mod trace;
pub mod trial;

pub use config::TrialConfig;
pub use odyssey_simulator as simulator;
pub use trial::{TrialRecord, run_trial};
