//! The skill library: what the system has learned about the deployment, as one typed store.
//!
//! A [`Skill`] is a Command, Reflection or Configuration skill with its provenance. The
//! [`SkillLibrary`] holds them in insertion order, merges duplicates, and retrieves the top-k
//! for a task by BM25 ([`bm25`]) with service and kind filters. [`SkillStore`] keeps a library
//! on disk: saved atomically after every change, snapshotted per round, and never overwriting a
//! file it could not read.

pub mod bm25;
mod library;
mod store;

pub use library::{Added, Provenance, Skill, SkillLibrary, SkillQuery};
pub use store::{SkillStore, StoreError};
