//! The simulated Sock Shop.

pub mod prometheus;
pub mod promql;
