//! The world-independent parts of the simulated `kubectl`: command-line splitting and parsing,
//! output printers, column alignment and duration formats.

pub mod cli;
pub mod duration;
pub mod jsonpath;
pub mod printers;
pub mod shell;
pub mod tabwriter;
