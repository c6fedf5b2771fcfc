//! The command line of the `odyssey` binary: argument definitions and dispatch.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod eval;
pub mod learn;
pub mod policy;
pub mod sim;

/// ServiceOdyssey: a self-learning operations agent and its simulated Sock Shop.
#[derive(Debug, Parser)]
#[command(name = "odyssey", version, about)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `odyssey`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The simulated Sock Shop: kubectl against a fresh world, or a script in one world.
    #[command(subcommand)]
    Sim(sim::SimCommand),
    /// Runs one learning trial and writes its run directory.
    Learn(learn::LearnArgs),
    /// Runs a study (ablations over seeds) and writes its tables, figures and report.
    Eval(eval::EvalArgs),
    /// The command policy: check whether a command line would be allowed.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
}

/// Installs the diagnostics subscriber: human-readable events on stderr, filtered by `RUST_LOG`
/// (default `warn`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Runs a parsed command line and returns the process exit status.
///
/// # Errors
/// Harness failures (an unreadable scenario or script, an I/O error on the output); a failing
/// simulated command is not an error but a non-zero exit status.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Sim(cmd) => sim::run(cmd),
        Command::Learn(args) => learn::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Policy(cmd) => policy::run(cmd),
    }
}
