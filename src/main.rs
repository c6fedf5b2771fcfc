//! The `odyssey` command: runs the simulated world, and later learning trials and studies.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = odyssey::cli::Cli::parse();
    odyssey::cli::init_tracing();
    match odyssey::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("odyssey: {err:#}");
            ExitCode::from(2)
        }
    }
}
