//! ServiceOdyssey: a self-learning agent system for microservice management.
//!
//! The learning system talks to the world through narrow traits; the simulated Sock Shop lives
//! in the `odyssey-simulator` crate and is re-exported here as [`simulator`].

pub mod cli;
pub mod llm;

pub use odyssey_simulator as simulator;
