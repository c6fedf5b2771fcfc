//! Params.
