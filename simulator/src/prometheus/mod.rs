//! The Prometheus HTTP API, as pure functions from request parameters to status and JSON body.

pub mod api;
pub mod form;
mod json;
mod params;
mod parse_error;
pub mod router;
mod targets;

pub use api::{ApiResponse, BuildInfo, DroppedTarget, ErrorType, Target, TargetHealth};
pub use form::Params;
pub use router::{ApiContext, route};
