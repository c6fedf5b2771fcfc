//! Studies over ServiceOdyssey trials: a study file of ablations by seeds, a parallel and
//! resumable sweep, aggregation with polars, figures with plotters, and a Markdown report.
//!
//! This crate knows trial records, not agents: the caller supplies a function from a
//! [`TrialSpec`] (an ablation's settings at a seed) to a [`TrialSummary`], and [`sweep()`] runs
//! it for every trial of a [`Study`].

#[cfg(feature = "analysis")]
pub mod aggregate;
#[cfg(feature = "analysis")]
pub mod figures;
pub mod findings;
#[cfg(feature = "analysis")]
pub mod report;
pub mod study;
pub mod summary;
pub mod sweep;

#[cfg(feature = "analysis")]
pub use aggregate::{Aggregate, Interval, RoundStats, aggregate, results_table};
pub use findings::{Finding, check as check_findings};
#[cfg(feature = "analysis")]
pub use report::{Analysis, analyse};
pub use study::{Ablation, Study, StudyError, TrialSpec};
pub use summary::{RoundSummary, SkillKind, SkillsByKind, TrialSummary};
pub use sweep::{SweepError, SweepObserver, SweepOptions, sweep};
