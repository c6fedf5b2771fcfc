//! Integration tests of the PromQL engine: the upstream conformance scripts, properties, and a
//! differential comparison with a real Prometheus.

mod conformance;
mod differential;
mod fixture;
mod properties;
mod store_size;
