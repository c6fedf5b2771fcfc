//! Benchmarks of the simulated kubectl: one `get pods` answer, and a 20-command session, both
//! in-process on the Sock Shop world.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use odyssey::simulator::{Scenario, World};

/// The session an agent typically runs while learning: observation, then action.
const SESSION: &[&str] = &[
    "kubectl get ns",
    "kubectl get pods -n sock-shop",
    "kubectl get deploy -n sock-shop -o wide",
    "kubectl get svc -n sock-shop",
    "kubectl describe deployment catalogue -n sock-shop",
    "kubectl get pods -n sock-shop -l name=catalogue -o name",
    "kubectl logs -n sock-shop deploy/catalogue --tail=20",
    "kubectl get events -n sock-shop --field-selector involvedObject.kind=Deployment",
    "kubectl scale deployment catalogue --replicas=3 -n sock-shop",
    "kubectl get pods -n sock-shop -l name=catalogue",
    "sleep 30s",
    "kubectl get deploy catalogue -n sock-shop",
    "kubectl set image deployment/catalogue catalogue=weaveworksdemos/catalogue:0.3.4 -n sock-shop",
    "kubectl rollout status deployment/catalogue -n sock-shop",
    "kubectl rollout history deployment/catalogue -n sock-shop",
    "kubectl rollout undo deployment/catalogue -n sock-shop",
    "kubectl get rs -n sock-shop -l name=catalogue",
    "kubectl get deploy catalogue -n sock-shop -o yaml",
    "kubectl describe pod -n sock-shop -l name=catalogue",
    "kubectl get pods -A -o wide",
];

fn bench(c: &mut Criterion) {
    let scenario = Arc::new(Scenario::embedded_sock_shop());
    let warm = World::new(scenario.clone(), 1).expect("the reference scenario builds");
    let args: Vec<String> = ["get", "pods", "-n", "sock-shop"]
        .map(String::from)
        .to_vec();

    let mut world = warm.clone();
    c.bench_function("kubectl get pods -n sock-shop (in-process)", |b| {
        b.iter(|| black_box(world.kubectl(black_box(&args))))
    });

    c.bench_function("20-command session on a warm world", |b| {
        b.iter_batched(
            || warm.clone(),
            |mut w| {
                for line in SESSION {
                    black_box(w.run_line(line));
                }
            },
            BatchSize::LargeInput,
        )
    });

    c.bench_function("new world with 65 minutes of warm-up", |b| {
        b.iter(|| black_box(World::new(scenario.clone(), 1).expect("builds")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
