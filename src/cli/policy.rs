//! `odyssey policy check`: whether the command policy allows a line, and why not.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::policy::{Phase, Policy};

/// The `policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Prints whether a command line is allowed; exit status 0 when it is, 1 when not.
    Check(CheckArgs),
}

/// Options of `odyssey policy check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The phase of the task: observation (read-only) or action.
    #[arg(long, default_value = "observation")]
    pub phase: Phase,
    /// Allow destructive verbs (delete, drain, ...) in action tasks.
    #[arg(long)]
    pub allow_destructive: bool,
    /// The command line, after `--`, as one argument or as words.
    #[arg(
        last = true,
        required = true,
        allow_hyphen_values = true,
        value_name = "LINE"
    )]
    pub line: Vec<String>,
}

/// Runs a `policy` subcommand.
///
/// # Errors
/// None today; the signature matches the other subcommands.
pub fn run(cmd: PolicyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PolicyCommand::Check(args) => {
            let policy = Policy {
                allow_destructive: args.allow_destructive,
                ..Policy::default()
            };
            let line = args.line.join(" ");
            match policy.check(&line, args.phase) {
                Ok(_) => {
                    println!("allowed: {line}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(refusal) => {
                    println!("refused: {line}\nreason: {}", refusal.reason);
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
