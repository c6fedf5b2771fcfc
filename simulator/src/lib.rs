//! The simulated Sock Shop.
