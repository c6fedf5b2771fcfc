//! A study offline: the paper's first eight ablations (the full system and the seven
//! ablations of it) over two seeds each, on two threads, trial files included. The full study
//! is 8 ablations by 10 seeds, five times as many trials; its time scales with the trial count.

use criterion::{Criterion, criterion_group, criterion_main};
use odyssey::study::StudyRunner;
use odyssey_eval::{Study, SweepOptions, sweep, sweep::Silent};

fn study_of_sixteen_trials(c: &mut Criterion) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/studies/paper.toml");
    let mut study = Study::load(&path).expect("the paper's study file loads");
    study.ablations.truncate(8);
    study.trials = 2;
    let mut group = c.benchmark_group("study");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(60));
    group.bench_function("8_ablations_x_2_seeds_2_jobs", |b| {
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
}

criterion_group!(benches, study_of_sixteen_trials);
criterion_main!(benches);
