//! Writes a finished study's tables, figures and report from its trial files alone, without
//! running anything: `cargo run -p odyssey-eval --example analyse -- STUDY.toml OUT_DIR
//! [ABLATION...]`. Builds without the root package, so it is quick where polars is built.

use std::path::PathBuf;

use odyssey_eval::{Study, SweepOptions, sweep, sweep::Silent};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: analyse STUDY.toml OUT_DIR [ABLATION...]";
    let study_file = PathBuf::from(args.next().ok_or(usage)?);
    let out = PathBuf::from(args.next().ok_or(usage)?);
    let only: Vec<String> = args.collect();
    let mut study = Study::load(&study_file)?;
    if !only.is_empty() {
        study = study.only(&only)?;
    }
    let options = SweepOptions {
        jobs: 1,
        out: out.clone(),
        resume: true,
    };
    // Every trial must already be on disk: a missing one is an error, not a run.
    let summaries = sweep(&study, &options, &Silent, |spec| {
        Err(std::io::Error::other(format!(
            "trial {} seed {} is not in {}",
            spec.ablation,
            spec.seed,
            out.display()
        )))
    })?;
    let analysis = odyssey_eval::analyse(&study, &summaries, &out, None)?;
    for finding in &analysis.findings {
        println!(
            "{}: {} ({})",
            finding.holds, finding.claim, finding.evidence
        );
    }
    Ok(())
}
