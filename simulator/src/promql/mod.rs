//! A PromQL engine over an in-memory time-series store, with Prometheus's evaluation rules.
//!
//! Queries are parsed with `promql-parser` and evaluated one timestamp at a time; a range query
//! is the instant evaluation repeated at every step. See [`Engine`].

mod aggregate;
mod binary;
mod engine;
mod error;
pub(crate) mod functions;
mod histogram;
pub mod labels;
mod math;
mod range_functions;
pub mod storage;
pub mod testscript;
mod value;

pub use engine::{Engine, EngineOptions, Semantics, parse};
pub use error::EngineError;
pub use labels::Labels;
pub use math::format_float;
pub use storage::Store;
pub use value::{RangeSeries, Sample, Value};
