//! A PromQL engine over an in-memory time-series store, with Prometheus's evaluation rules.
//!
//! Queries are parsed with `promql-parser` and evaluated one timestamp at a time; a range query
//! is the instant evaluation repeated at every step. See [`Engine`].
//!
//! [`Semantics::V2`] (the default) follows Prometheus 2.x, the deployed server's generation;
//! [`Semantics::V3`] follows the upstream test scripts (Prometheus 3). A differential test
//! compares V2 with a real Prometheus 2.42 over a backfilled copy of a store.
//!
//! # Caveats
//!
//! - Floats only: native histograms, info/warn annotations and the experimental functions
//!   (`sort_by_label`, `mad_over_time`, `limitk`, duration expressions, …) are not evaluated.
//! - `topk`/`bottomk` break ties by label order; Prometheus's choice among tied series depends
//!   on its heap and map order.
//! - Parse errors carry Prometheus's wording for common messages but the position is derived
//!   from the message, since promql-parser 0.11 reports none (see `prometheus::api`).
//!
//! ```
//! use odyssey_simulator::promql::{Engine, Labels, Store, Value};
//!
//! let mut store = Store::new();
//! let up = Labels::from_pairs([("__name__", "up"), ("job", "sock-shop/catalogue")]);
//! for k in 0..8 {
//!     store.append(&up, k * 15_000, 1.0).expect("samples arrive in time order");
//! }
//! let v = Engine::default()
//!     .instant_query(&store, r#"count(up{job="sock-shop/catalogue"})"#, 100_000)
//!     .expect("the query is valid");
//! let Value::Vector(samples) = v else { unreachable!("count returns a vector") };
//! assert_eq!(samples[0].value, 1.0);
//! ```

mod aggregate;
mod binary;
mod engine;
mod error;
pub(crate) mod functions;
mod histogram;
pub mod labels;
mod math;
mod range_functions;
mod selectors;
pub mod storage;
pub mod testscript;
mod value;

pub use engine::{Engine, EngineOptions, Semantics, parse};
pub use error::EngineError;
pub use labels::Labels;
pub use math::format_float;
pub use storage::Store;
pub use value::{RangeSeries, Sample, Value};
