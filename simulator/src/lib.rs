//! A deterministic simulated Sock Shop on Kubernetes.
//!
//! The crate knows nothing of agents. It holds a [`World`] (cluster state, controllers, virtual
//! clock, seeded generator), built from a [`Scenario`], and the interfaces real tools would
//! offer over it.

pub mod clock;
pub mod curl;
pub mod fault;
pub mod kubectl;
pub mod manifest;
pub mod metrics;
pub mod prometheus;
pub mod promql;
pub mod quantity;
pub mod scenario;
pub mod server;
pub mod session;
pub mod setup;
pub mod world;

pub use clock::{Clock, Millis};
pub use scenario::Scenario;
pub use world::World;
