//! The world-independent parts of the simulated `kubectl`: command-line splitting and parsing,
//! output printers, column alignment and duration formats.

pub mod describe;
pub mod duration;
pub mod get;
pub mod logs;
pub mod output;
pub mod patch;
pub mod printers;
pub mod resources;
pub mod selector;
pub mod table;
pub mod tabwriter;
