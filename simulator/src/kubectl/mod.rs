//! The simulated `kubectl`: command-line splitting and parsing, the verbs over a world, output
//! printers, column alignment and duration formats.
//!
//! A command line goes through [`shell::split`] (quotes as in `sh`, no expansion, no pipes),
//! then [`cli::parse`] (kubectl's command tree, pflag/cobra rules and the checks kubectl makes
//! before contacting a server). An [`cli::Invocation`] names the verb, its positional
//! arguments and typed flags; a [`cli::CliError`] renders the exact bytes and exit status of
//! kubectl v1.32. The verbs ([`run`]) act on a [`crate::World`]; they print through
//! [`printers`], [`jsonpath`], [`tabwriter`] and [`duration`].
//!
//! ```
//! use odyssey_simulator::kubectl::{cli, shell};
//!
//! let words = shell::split("kubectl get pods -n sock-shop -o 'jsonpath={.items[*].metadata.name}'")
//!     .expect("a well-formed line");
//! let inv = cli::parse(&words[1..]).expect("a valid kubectl command");
//! assert_eq!(inv.verb, cli::Verb::Get);
//! assert_eq!(inv.namespace(), Some("sock-shop"));
//! let format = cli::OutputFormat::parse(inv.flags.str("output"), cli::GET_FORMATS).expect("known format");
//! assert_eq!(format, cli::OutputFormat::JsonPath("{.items[*].metadata.name}".to_owned()));
//!
//! let err = cli::parse(&["scale".into(), "deploy/carts".into()]).unwrap_err().render();
//! assert_eq!(err.stderr, "error: required flag(s) \"replicas\" not set\n");
//! assert_eq!(err.exit_code, 1);
//! ```

pub mod apply;
pub mod cli;
pub mod describe;
pub mod duration;
pub mod fields;
pub mod get;
pub mod jsonpath;
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
