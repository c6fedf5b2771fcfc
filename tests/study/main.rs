//! Reproducing the paper: the study file `eval/studies/paper.toml` offline, with fewer seeds
//! than the file's ten to keep the test quick, checked against the paper's qualitative
//! findings without fixed numbers.

use std::path::{Path, PathBuf};

use odyssey::study::{run_spec, trial_config};
use odyssey_eval::{Study, SweepOptions, sweep, sweep::Silent};

/// Seeds per ablation in the test (the study file has 10).
const TRIALS: u32 = 3;

fn paper() -> Study {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/studies/paper.toml");
    let mut study = Study::load(&path).expect("the paper's study file loads");
    study.trials = TRIALS;
    study
}

fn options(out: PathBuf, jobs: usize) -> SweepOptions {
    SweepOptions {
        jobs,
        out,
        resume: false,
    }
}

#[test]
fn the_paper_study_reproduces_the_qualitative_findings() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let study = paper();
    let summaries = sweep(
        &study,
        &options(dir.path().join("all"), 2),
        &Silent,
        run_spec,
    )
    .expect("the study runs");
    assert_eq!(summaries.len(), study.ablations.len() * TRIALS as usize);

    let analysis = odyssey_eval::analyse(&study, &summaries, &dir.path().join("all"), None)
        .expect("the outputs are written");
    for file in &analysis.files {
        assert!(file.exists(), "{} was not written", file.display());
    }
    let report = std::fs::read_to_string(dir.path().join("all/report.md")).expect("report");
    for ablation in &study.ablations {
        assert!(
            report.contains(&ablation.name),
            "the report leaves out {}",
            ablation.name
        );
    }

    for finding in &analysis.findings {
        eprintln!(
            "{}: {} ({})",
            finding.holds, finding.claim, finding.evidence
        );
    }
    let failed: Vec<_> = analysis.findings.iter().filter(|f| !f.holds).collect();
    assert_eq!(analysis.findings.len(), 5);
    assert!(
        failed.is_empty(),
        "findings not reproduced (seeds 1 to {TRIALS}): {failed:#?}"
    );

    // The same trials on one thread give the same summaries.
    let full = study
        .clone()
        .only(&["full".to_owned()])
        .expect("the full system");
    let alone = sweep(
        &full,
        &options(dir.path().join("one"), 1),
        &Silent,
        run_spec,
    )
    .expect("runs");
    assert_eq!(alone, summaries[..TRIALS as usize]);
}

#[test]
fn an_override_that_is_not_a_trial_setting_names_the_key_and_the_file() {
    let text = "scenario = \"sock-shop\"\ntrials = 1\n[[ablation]]\nname = \"typo\"\n\
                overrides = { skills = { validation = false } }\n";
    let study = Study::from_toml(text, Path::new("studies/typo.toml")).expect("parses");
    let error = trial_config(&study.specs()[0])
        .expect_err("unknown key")
        .to_string();
    assert!(error.contains("skills.validation"), "{error}");
    assert!(error.contains("studies/typo.toml"), "{error}");
}

#[test]
fn every_ablation_of_the_paper_study_is_a_valid_trial_configuration() {
    odyssey::study::check_study(&paper()).expect("every ablation configures");
}
