//! A full study offline: the paper's first eight ablations (the full system and the seven
//! ablations of it) over ten seeds each, on two threads, trial files included, as issue 6 asks
//! for (under a minute on two cores). Prints the peak resident memory of the process at the end
//! (Linux only: read from `/proc/self/status`).

use criterion::{Criterion, criterion_group, criterion_main};
use odyssey::study::StudyRunner;
use odyssey_eval::{Study, SweepOptions, sweep, sweep::Silent};

fn study_of_eighty_trials(c: &mut Criterion) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/studies/paper.toml");
    let mut study = Study::load(&path).expect("the paper's study file loads");
    study.ablations.truncate(8);
    study.trials = 10;
    let mut group = c.benchmark_group("study");
    // Criterion's least number of samples; one sample is a whole study of 80 trials.
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(300));
    group.bench_function("8_ablations_x_10_seeds_2_jobs", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let options = SweepOptions {
                jobs: 2,
                out: dir.path().to_owned(),
                resume: false,
            };
            let runner = StudyRunner::new(options.jobs + 1);
            sweep(&study, &options, &Silent, |spec| runner.run(spec)).expect("the study runs")
        });
    });
    group.finish();
    if let Some(peak) = peak_resident_memory() {
        eprintln!("study: peak resident memory of the benchmark process {peak}");
    }
}

/// The `VmHWM` line of `/proc/self/status` (the peak resident set size), where there is one.
fn peak_resident_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map(|v| v.trim().to_owned())
}

criterion_group!(benches, study_of_eighty_trials);
criterion_main!(benches);
