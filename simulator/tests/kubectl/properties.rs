//! Properties: any input gets an answer and never a panic; a world is a pure function of its
//! seed and inputs.

use proptest::prelude::*;

use crate::world;

/// Command lines built from the vocabulary agents use, mixed with noise.
fn command_line() -> impl Strategy<Value = String> {
    let verbs = prop::sample::select(vec![
        "get pods",
        "get deploy",
        "get svc",
        "get all",
        "get events",
        "describe pod",
        "describe deployment",
        "logs",
        "scale deployment",
        "set image deployment/catalogue",
        "rollout status deployment",
        "rollout undo deployment",
        "rollout restart deployment",
        "delete pod",
        "label pods",
        "patch deployment",
        "top pods",
        "autoscale deployment",
        "get rs",
        "get nodes",
        "version",
    ]);
    let targets = prop::sample::select(vec![
        "",
        "catalogue",
        "front-end",
        "carts",
        "nope",
        "-l name=catalogue",
        "--all",
    ]);
    let flags = prop::sample::select(vec![
        "",
        "-n sock-shop",
        "-A",
        "-o wide",
        "-o yaml",
        "-o json",
        "-o name",
        "--replicas=3",
        "--replicas=x",
        "catalogue=weaveworksdemos/catalogue:0.3.4",
        "tier=a",
        "-p '{\"spec\":{\"replicas\":2}}'",
        "--tail=2",
        "--show-labels",
        "--bogus",
        "-n",
    ]);
    (verbs, targets, flags, flags_tail())
        .prop_map(|(v, t, f, g)| format!("kubectl {v} {t} {f} {g}"))
}

fn flags_tail() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("-n sock-shop".to_string()),
        "[ -~]{0,12}"
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn any_line_gets_an_answer_and_never_a_panic(line in "\\PC{0,80}") {
        let mut w = world(21);
        let out = w.run_line(&line);
        prop_assert!(out.status >= 0);
    }

    #[test]
    fn kubectl_words_in_any_order_never_panic(words in prop::collection::vec("[-a-z=/.0-9]{0,12}", 0..8)) {
        let mut w = world(22);
        let args: Vec<String> = words;
        let out = w.kubectl(&args);
        prop_assert!(out.status >= 0);
    }

    #[test]
    fn a_world_is_a_pure_function_of_its_seed_and_inputs(
        seed in 0u64..1000,
        lines in prop::collection::vec(command_line(), 1..12),
    ) {
        let mut a = world(seed);
        let mut b = world(seed);
        for line in &lines {
            let x = a.run_line(line);
            let y = b.run_line(line);
            prop_assert_eq!(&x, &y, "seed {} diverged at {:?}", seed, line);
            a.advance(odyssey_simulator::clock::Millis(7_000));
            b.advance(odyssey_simulator::clock::Millis(7_000));
        }
        let all = "kubectl get all -A -o yaml";
        prop_assert_eq!(a.run_line(all), b.run_line(all));
    }
}
