//! Integration tests of the learning system: whole offline trials with the synthetic model.

#![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.

use std::process::Command;

use odyssey::config::TrialConfig;
use odyssey::run_trial;

fn trial(seed: u64) -> odyssey::TrialRecord {
    let config = TrialConfig::with_seed(seed);
    let model = config.build_model().unwrap();
    run_trial(&config, model.as_ref()).unwrap_or_else(|e| panic!("trial with seed {seed}: {e:#}"))
}

#[test]
fn a_seeded_trial_run_twice_gives_identical_traces() {
    let first = trial(3);
    let second = trial(3);
    assert!(!first.trace.entries().is_empty());
    assert_eq!(first.trace.to_jsonl(), second.trace.to_jsonl(), "seed 3");
    assert_eq!(first.rounds, second.rounds, "seed 3");
}

#[test]
fn trials_on_many_threads_give_the_same_records_as_one_by_one() {
    let alone: Vec<_> = [4, 5].iter().map(|s| trial(*s).rounds).collect();
    let together: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = [4, 5]
            .iter()
            .map(|s| scope.spawn(move || trial(*s).rounds))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(alone, together);
}

#[test]
fn a_trial_from_a_shared_starting_world_gives_the_same_record_as_a_fresh_one() {
    let config = TrialConfig::with_seed(6);
    let base = config.starting_world().unwrap();
    let model = config.build_model().unwrap();
    let shared = odyssey::trial::run_trial_on(&config, model.as_ref(), &base).unwrap();
    let fresh = trial(6);
    assert_eq!(shared.trace.to_jsonl(), fresh.trace.to_jsonl(), "seed 6");
    assert_eq!(shared.rounds, fresh.rounds, "seed 6");

    // The world is only shared between trials of its own seed.
    let other = TrialConfig::with_seed(7);
    let model = other.build_model().unwrap();
    let error = odyssey::trial::run_trial_on(&other, model.as_ref(), &base).unwrap_err();
    assert!(error.to_string().contains("seed 6"), "{error}");
}

#[test]
fn the_skill_library_after_a_seeded_trial_matches_its_snapshot() {
    let record = trial(1);
    insta::assert_json_snapshot!("library_seed_1", record.library);
    insta::assert_snapshot!("rounds_seed_1", odyssey::report::rounds_csv(&record));
}

#[test]
fn a_trial_writes_its_run_directory() {
    let dir = tempfile::tempdir().unwrap();
    let config = TrialConfig {
        rounds: 2,
        ..TrialConfig::with_seed(2)
    };
    let model = config.build_model().unwrap();
    let record = odyssey::trial::run_trial_with(
        &config,
        model.as_ref(),
        Some(dir.path()),
        &mut odyssey::trial::Quiet,
    )
    .unwrap();
    for file in [
        "trace.jsonl",
        "rounds.csv",
        "skills/library.json",
        "skills/round-0.json",
        "skills/round-2.json",
    ] {
        assert!(dir.path().join(file).exists(), "{file} is missing");
    }
    let csv = std::fs::read_to_string(dir.path().join("rounds.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 1 + 2);
    let trace = std::fs::read_to_string(dir.path().join("trace.jsonl")).unwrap();
    assert_eq!(trace.lines().count(), record.trace.entries().len());

    // The directory belongs to that trial now.
    let again = odyssey::trial::run_trial_with(
        &config,
        model.as_ref(),
        Some(dir.path()),
        &mut odyssey::trial::Quiet,
    );
    assert!(matches!(
        again,
        Err(odyssey::trial::TrialError::RunExists { .. })
    ));

    // Its last library seeds another trial; a corrupt one is refused and left as it was.
    let seeded = TrialConfig {
        initial_library: Some(dir.path().join("skills/round-2.json")),
        rounds: 0,
        ..config.clone()
    };
    let record0 = run_trial(&seeded, model.as_ref()).unwrap();
    assert_eq!(record0.library, record.library);
    std::fs::write(dir.path().join("bad.json"), "[1, 2").unwrap();
    let corrupt = TrialConfig {
        initial_library: Some(dir.path().join("bad.json")),
        ..seeded
    };
    let error = run_trial(&corrupt, model.as_ref()).unwrap_err();
    assert!(error.to_string().contains("is corrupt"), "{error}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("bad.json")).unwrap(),
        "[1, 2"
    );
}

/// The success criterion of the reference setup: evaluation success after round 5 is above
/// round 0, on average over 10 seeds.
///
/// Measured when written (seeds 1 to 10): 10.5 of 15 tasks at round 0 (0.700), 12.3 after
/// round 5 (0.820); round 5 is above round 0 in 7 seeds, level in 1, below in 2. The gain is
/// in the tasks that need a Prometheus measurement, where a learned query saves the guessing
/// that exhausts the command budget at round 0: the P99 report (5 of 10 seeds at round 0, 10
/// after round 5), the performance check (7, 10), reducing the P99 below 300 ms (6, 9) and
/// keeping it there under rising traffic (6, 9). It is partly given back where a learned CPU
/// query is wrong: its `pod=~"catalogue-.*"` also sums catalogue-db, and the seeds that
/// guessed a right query at round 0 lose the CPU report once they reuse that skill.
/// Creating the deployment and mitigating the pod failure fail in every round.
#[test]
fn evaluation_success_after_round_5_is_above_round_0_over_10_seeds() {
    let (mut before, mut after) = (0.0, 0.0);
    for seed in 1..=10 {
        let record = trial(seed);
        let first = record.rounds.first().unwrap().eval_success_rate();
        let last = record.rounds.last().unwrap().eval_success_rate();
        eprintln!("seed {seed}: round 0 {first:.3}, round 5 {last:.3}");
        before += first / 10.0;
        after += last / 10.0;
    }
    assert!(after > before, "round 0 {before:.3}, round 5 {after:.3}");
}

#[test]
fn policy_check_prints_the_reason_and_exits_one_when_refused() {
    let odyssey = env!("CARGO_BIN_EXE_odyssey");
    let refused = Command::new(odyssey)
        .args([
            "policy",
            "check",
            "--phase",
            "observation",
            "--",
            "kubectl scale deployment catalogue --replicas=3 -n sock-shop",
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stdout = String::from_utf8(refused.stdout).unwrap();
    assert!(
        stdout.contains("reason: kubectl scale changes the deployment"),
        "{stdout}"
    );

    let allowed = Command::new(odyssey)
        .args([
            "policy",
            "check",
            "--phase",
            "action",
            "--",
            "kubectl scale deployment catalogue --replicas=3 -n sock-shop",
        ])
        .output()
        .unwrap();
    assert_eq!(allowed.status.code(), Some(0));
}

fn feedback_kinds(record: &odyssey::TrialRecord) -> std::collections::BTreeSet<String> {
    record
        .trace
        .entries()
        .iter()
        .filter_map(|e| match &e.event {
            odyssey::trace::Event::Feedback { kind, .. } => Some(format!("{kind:?}")),
            _ => None,
        })
        .collect()
}

#[test]
fn each_feedback_loop_can_be_switched_off_alone() {
    use odyssey::config::FeedbackConfig;
    let all = FeedbackConfig::default();
    let cases = [
        (
            "environment only",
            FeedbackConfig {
                peer: false,
                hierarchical: false,
                ..all.clone()
            },
            "Environment",
        ),
        (
            "peer only",
            FeedbackConfig {
                environment: false,
                hierarchical: false,
                ..all.clone()
            },
            "Peer",
        ),
        (
            "hierarchical only",
            FeedbackConfig {
                environment: false,
                peer: false,
                ..all.clone()
            },
            "Hierarchical",
        ),
    ];
    for (name, feedback, kind) in cases {
        let config = TrialConfig {
            rounds: 2,
            feedback,
            ..TrialConfig::with_seed(6)
        };
        let model = config.build_model().unwrap();
        let record = run_trial(&config, model.as_ref()).unwrap();
        let kinds = feedback_kinds(&record);
        assert!(kinds.iter().all(|k| k == kind), "{name}: {kinds:?}");
    }
    let config = TrialConfig {
        rounds: 2,
        feedback: FeedbackConfig::none(),
        ..TrialConfig::with_seed(6)
    };
    let model = config.build_model().unwrap();
    assert!(feedback_kinds(&run_trial(&config, model.as_ref()).unwrap()).is_empty());
}

#[test]
fn recorded_operations_replay_a_learning_run_exactly() {
    use odyssey::config::OpsConfig;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ops.jsonl");
    let recording = TrialConfig {
        rounds: 2,
        evaluate: false,
        ops: OpsConfig {
            record: Some(path.clone()),
            replay: None,
        },
        ..TrialConfig::with_seed(9)
    };
    let model = recording.build_model().unwrap();
    let recorded = run_trial(&recording, model.as_ref()).unwrap();
    let replaying = TrialConfig {
        ops: OpsConfig {
            record: None,
            replay: Some(path),
        },
        ..recording.clone()
    };
    let replayed = run_trial(&replaying, model.as_ref()).unwrap();
    assert_eq!(replayed.rounds, recorded.rounds);
    assert_eq!(replayed.library, recorded.library);

    // Oracles need the true state, which a recording does not have.
    let evaluating = TrialConfig {
        evaluate: true,
        ..replaying
    };
    assert!(matches!(
        run_trial(&evaluating, model.as_ref()),
        Err(odyssey::trial::TrialError::ReplayNeedsNoEvaluation)
    ));
}

#[test]
fn random_and_fixed_curricula_draw_from_the_pool() {
    use odyssey::config::{CurriculumConfig, CurriculumStrategy};
    for strategy in [CurriculumStrategy::Random, CurriculumStrategy::Fixed] {
        let config = TrialConfig {
            rounds: 2,
            evaluate: false,
            curriculum: CurriculumConfig {
                strategy,
                ..CurriculumConfig::default()
            },
            ..TrialConfig::with_seed(8)
        };
        let model = config.build_model().unwrap();
        let record = run_trial(&config, model.as_ref()).unwrap();
        let tasks: Vec<&str> = record
            .rounds
            .iter()
            .flat_map(|r| r.learn.iter().map(|t| t.description.as_str()))
            .collect();
        assert_eq!(tasks.len(), 6, "{strategy:?}");
        let pool: Vec<String> = CurriculumConfig::default()
            .pool
            .iter()
            .flat_map(|t| ["catalogue", "front-end"].map(|s| t.replace("{svc}", s)))
            .collect();
        assert!(
            tasks.iter().all(|t| pool.iter().any(|p| p == t)),
            "{strategy:?}: {tasks:?}"
        );
        assert!(record.trace.entries().iter().all(|e| !matches!(
            &e.event,
            odyssey::trace::Event::ModelCall {
                role: odyssey::llm::Role::Curriculum,
                ..
            }
        )));
    }
}

/// A trial recorded against a real model (llama.cpp's server with SmolLM2-135M-Instruct, see
/// `scenarios/sock-shop/learn-small.toml`) replays strictly: every request the trial makes has
/// its recorded reply, none is left over, and the replies are the real model's.
#[test]
fn a_trial_recorded_against_a_real_model_replays_strictly() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = TrialConfig::load(&root.join("scenarios/sock-shop/learn-small.toml"))
        .expect("the small trial configuration loads");
    let replayer =
        odyssey::llm::replay::Replayer::open(&root.join("recordings/smollm2-trial.jsonl"))
            .expect("the recording is readable");
    assert_eq!(replayer.header().backend, "openai");
    let record = run_trial(&config, &replayer).expect("every request has a recorded reply");
    assert!(
        replayer.unused().is_empty(),
        "unused recordings: {:?}",
        replayer.unused()
    );
    assert_eq!(record.rounds.len(), 2);
    assert_eq!(record.rounds[1].learn.len(), 1);
    // A 135M-parameter model answers badly; the trial must survive it, not succeed.
    assert!(record.trace.entries().len() > 5);
}

#[test]
fn a_study_runner_sharing_starting_worlds_summarises_as_run_spec_does() {
    let text = "scenario = \"sock-shop\"\ntrials = 1\nfirst_seed = 2\n[settings]\nrounds = 2\n\
                [[ablation]]\nname = \"full\"\n\
                [[ablation]]\nname = \"no-feedback\"\noverrides = { feedback = \
                { environment = false, peer = false, hierarchical = false } }\n";
    let study = odyssey_eval::Study::from_toml(text, std::path::Path::new("t.toml")).unwrap();
    let runner = odyssey::study::StudyRunner::new(1);
    for spec in study.specs() {
        let shared = runner.run(&spec).unwrap();
        let alone = odyssey::study::run_spec(&spec).unwrap();
        assert_eq!(shared, alone, "{} seed {}", spec.ablation, spec.seed);
    }
}
