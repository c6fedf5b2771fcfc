//! One offline trial end to end: the default configuration (simulated Sock Shop, synthetic
//! model, 5 rounds of 3 tasks, evaluation before and after every round).

use criterion::{Criterion, criterion_group, criterion_main};
use odyssey::config::TrialConfig;

fn one_trial(c: &mut Criterion) {
    let config = TrialConfig::with_seed(1);
    let model = config.build_model().expect("the synthetic model builds");
    let mut group = c.benchmark_group("trial");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(10));
    group.bench_function("default_offline_trial", |b| {
        b.iter(|| odyssey::run_trial(&config, model.as_ref()).expect("the trial runs"));
    });
    group.finish();
}

criterion_group!(benches, one_trial);
criterion_main!(benches);
