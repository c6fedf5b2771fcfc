//! Property tests: the parsers and printers never panic, whatever they are given.

use odyssey_simulator::kubectl::cli::parse;
use odyssey_simulator::kubectl::jsonpath::JsonPath;
use odyssey_simulator::kubectl::printers::{print_json, print_yaml};
use odyssey_simulator::kubectl::shell::split;
use proptest::prelude::*;
use serde_json::Value;

/// Words that steer the parser into its interesting corners.
const VOCAB: &[&str] = &[
    "get",
    "describe",
    "logs",
    "top",
    "pod",
    "pods",
    "node",
    "scale",
    "set",
    "image",
    "env",
    "resources",
    "rollout",
    "status",
    "restart",
    "undo",
    "history",
    "pause",
    "resume",
    "autoscale",
    "patch",
    "label",
    "annotate",
    "delete",
    "apply",
    "create",
    "version",
    "api-resources",
    "config",
    "current-context",
    "cluster-info",
    "explain",
    "help",
    "gett",
    "-n",
    "-nfoo",
    "-n=x",
    "--namespace",
    "--namespace=sock-shop",
    "-A",
    "-Aw",
    "-w=x",
    "-o",
    "-ojson",
    "-o=yaml",
    "--output=jsonpath={.items[*]}",
    "-l",
    "app=x",
    "--replicas",
    "3",
    "--replicas=x",
    "--replicas=-1",
    "--tail=-1",
    "--since=5m",
    "--timeout=1q",
    "-f",
    "x.yaml",
    "-R",
    "--dry-run",
    "--dry-run=client",
    "--",
    "-",
    "---x",
    "--=",
    "-h",
    "--help",
    "-z",
    "deploy/carts",
    "deploy,svc",
    "pod/",
    "/x",
    "a/b/c",
    "all",
    "x=y",
    "x-",
    "-v=9",
    "-v",
    "",
    "--max=1",
    "--min=2",
    "--grace-period=0",
    "--now",
    "--all",
    "-p",
    "{}",
    "-c",
    "--containers",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(VOCAB).prop_map(str::to_owned),
        1 => "[-a-z=,/.{}\\[\\]@'\"*:0-9 ]{0,12}",
        1 => any::<String>(),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z0-9:#\\-'\" \n]{0,90}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics(args in prop::collection::vec(word(), 0..8)) {
        if let Err(e) = parse(&args) {
            let _ = e.render();
        }
    }

    #[test]
    fn split_never_panics(line in any::<String>()) {
        let _ = split(&line);
    }

    #[test]
    fn split_never_panics_on_shell_syntax(line in "[a-z '\"\\\\|&;<>()$`#{}\\n\\t*~]{0,40}") {
        let _ = split(&line);
    }

    #[test]
    fn jsonpath_never_panics(template in "[a-z0-9{}\\[\\]().,*@$?=!<>:'\" \\\\+-]{0,30}", object in json_value()) {
        if let Ok(jp) = JsonPath::parse(&template) {
            let _ = jp.execute(&object, true);
            let _ = jp.execute(&object, false);
            let _ = jp.execute_as_json(&object, true);
        }
    }

    #[test]
    fn jsonpath_parser_never_panics_on_any_text(template in any::<String>()) {
        let _ = JsonPath::parse(&template);
    }

    #[test]
    fn printers_never_panic(object in json_value()) {
        let _ = print_json(&object);
        let _ = print_yaml(&object);
    }
}
