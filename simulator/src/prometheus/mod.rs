//! The Prometheus HTTP API, as pure functions from request parameters to status and JSON body.

pub mod api;
pub mod form;
mod params;
