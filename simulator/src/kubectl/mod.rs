//! The simulated `kubectl`: command-line splitting and parsing, the verbs over a world, output
//! printers, column alignment and duration formats.

pub mod cli;
pub mod describe;
pub mod duration;
pub mod get;
pub mod logs;
pub mod output;
pub mod patch;
pub mod printers;
pub mod resources;
pub mod run;
pub mod selector;
pub mod shell;
pub mod table;
pub mod tabwriter;
pub mod top;
