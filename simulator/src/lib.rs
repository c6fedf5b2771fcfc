//! The simulated Sock Shop.

pub mod kubectl;
