//! Conformance of the simulated kubectl's world-independent parts with the real kubectl v1.32.
//!
//! Each test runs the real binary where it can work without a cluster (`--local -f`, or a
//! closed server port for errors raised before any request) and compares bytes with the
//! in-process implementation. Tests print a message and pass when the binary is absent.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod cli;
mod jsonpath;
mod oracle;
mod printers;
mod props;
mod tabwriter;
