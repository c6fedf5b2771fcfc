//! Command lines that kubectl rejects or answers before contacting a server: the in-process
//! parser must print the same bytes and exit with the same status.

use odyssey_simulator::kubectl::cli::parse;

use crate::oracle;

/// Each line is split on spaces (no quoting needed here).
const CASES: &[&str] = &[
    // Unknown commands, suggestions, plugin lookup.
    "gett pods",
    "gett",
    "a",
    "c",
    "e",
    "p",
    "r",
    "d",
    "t",
    "s",
    "x",
    "o",
    "v",
    "h",
    "ap",
    "lgs",
    "versio",
    "confi",
    "help2",
    "desribe pods",
    "scael deploy carts",
    "rollot status",
    "-n sock-shop gett pods",
    "--context=x foo",
    // Flag syntax and values.
    "get pods --foo",
    "get pods --replicas=3",
    "get pods -z",
    "get pods -wz",
    "get pods -w=x",
    "get pods --watch=maybe",
    "get pods --show-labels=yes",
    "get pods ---x",
    "get pods --=x",
    "get -n",
    "get pods --namespace",
    "get pods -o",
    "get pods -L",
    "get pod -A=false -n",
    "get pods --chunk-size=abc",
    "get pods -v=x",
    "get pods --v=x",
    "get pods --request-timeout",
    "get pods --timeout=x",
    "get pods --dry-run",
    "logs -c",
    "logs --tail=abc x",
    "logs --since=5 x",
    "logs --since=5q x",
    "logs --since=x x",
    "logs --limit-bytes=1.5 x",
    "scale deploy carts --replicas=x",
    "scale deploy carts --replicas=0x1g",
    "scale deploy carts --replicas=99999999999999999999",
    "scale deploy carts --current-replicas=",
    "autoscale deploy carts --cpu-percent=99999999999",
    "autoscale deploy carts --max=x",
    "rollout status deploy/carts --timeout=x",
    "rollout status deploy/carts --watch=no",
    "rollout undo deploy/carts --to-revision=one",
    "delete pod x --grace-period=soon",
    "top pods -w",
    "top node --containers",
    "rollout stat -z",
    "set image -z",
    // (Flags of commands the simulator does not answer, like `cluster-info dump`, are not
    // judged: those commands are reported as unsupported first.)
    "version --short",
    // Required flags.
    "scale",
    "scale deploy",
    "scale deploy carts",
    "scale deploy/carts",
    "autoscale",
    "autoscale deploy/carts",
    // Group commands and subcommand lookup.
    "rollout stat",
    "rollout stat x",
    "set imag deploy/carts",
    "top pds",
    "config current",
    // Pre-flight checks.
    "get",
    "get -n sock-shop",
    "get pods/x svc",
    "get pods x/y",
    "get pod/",
    "get /x",
    "get a/b/c",
    "get deploy,svc/carts",
    "describe",
    "describe pods/x svc",
    "explain",
    "logs",
    "logs a b c",
    "logs -l a=b x",
    "top pod a b",
    "top node a b",
    "top pod -l a x",
    "scale --replicas=-1 deploy/carts",
    "scale --replicas=3",
    "rollout undo",
    "rollout status",
    "rollout history",
    "rollout restart",
    "rollout pause",
    "rollout resume",
    "rollout status --watch=false",
    "rollout restart deploy/x svc",
    "delete",
    "delete --now --grace-period=3 pod x",
    "apply",
    "apply --dry-run=client",
    "create",
    "patch",
    "patch deploy/carts",
    "autoscale --max=3",
    "autoscale deploy/carts --max=1 --min=2",
    "autoscale deploy/carts --max=0",
    "label",
    "label pods",
    "label pods x",
    "label pods a=b x",
    "annotate",
    "annotate pods",
    "set image",
    "set env",
    "set resources",
    "scale deploy/x --replicas=1 --dry-run=x",
    "version -o foo",
    "api-resources extra",
    "api-resources -o foo",
    // Help texts.
    "",
    "-n sock-shop",
    "get -h",
    "get pods --help",
    "describe --help",
    "logs -h",
    "top",
    "top -h",
    "top pod -h",
    "top node -h",
    "set",
    "set image --help",
    "set env -h",
    "set resources -h",
    "rollout",
    "rollout -h",
    "rollout status -h",
    "rollout restart -h",
    "rollout undo -h",
    "rollout history -h",
    "rollout pause -h",
    "rollout resume -h",
    "scale -h",
    "autoscale -h",
    "patch -h",
    "label -h",
    "annotate -h",
    "delete -h",
    "apply -h",
    "create -h",
    "version -h",
    "api-resources -h",
    "config",
    "config -h",
    "config current-context -h",
    "cluster-info -h",
    "explain -h",
    "help",
    "help get",
    "help rollout status",
    // The root command on its own.
    "-n",
    "--foo",
    "-z",
    "--help",
    "-h",
    "--",
    "-- get",
    "help gett",
    "get pods --help=false --foo",
    "rollout -- status",
    "help foo bar",
];

/// Lines with shell quoting, split by the simulator's shell before parsing.
const QUOTED_CASES: &[&str] = &[
    "get pods -l 'app in (a,b)' --foo",
    "get pods -o \"jsonpath={.items[*]}\" -z",
    "scale deploy carts --replicas='3 '",
    "logs --tail \"\" x",
    "rollout status 'deploy/carts' --timeout='1 h'",
    "get pods --namespace='' --bogus=\"a b\"",
    "'gett' pods",
    "get\\ pods",
];

/// Whether the real kubectl got as far as contacting the (closed) server.
fn reached_server(stderr: &str) -> bool {
    stderr.contains("connection to the server") || stderr.contains("memcache.go")
}

#[test]
fn parser_errors_match_kubectl_byte_for_byte() {
    let Some(bin) = oracle::kubectl() else { return };
    let mut failures = Vec::new();
    for line in CASES {
        let args: Vec<&str> = line.split_whitespace().collect();
        let real = oracle::run(&bin, &args);
        if reached_server(&real.stderr) {
            failures.push(format!(
                "`kubectl {line}`: the real kubectl contacted the server:\n{}",
                real.stderr
            ));
            continue;
        }
        let owned: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let ours = match parse(&owned) {
            Ok(inv) => {
                failures.push(format!(
                    "`kubectl {line}`: parsed as {:?}, kubectl says:\n{}",
                    inv.verb, real.stderr
                ));
                continue;
            }
            Err(e) => e.render(),
        };
        if (ours.stdout.as_str(), ours.stderr.as_str(), ours.exit_code)
            != (real.stdout.as_str(), real.stderr.as_str(), real.status)
        {
            failures.push(format!(
                "`kubectl {line}`:\n  kubectl: status {} stderr {:?} stdout {:?}\n  ours:    status {} stderr {:?} stdout {:?}",
                real.status,
                real.stderr,
                real.stdout.chars().take(80).collect::<String>(),
                ours.exit_code,
                ours.stderr,
                ours.stdout.chars().take(80).collect::<String>()
            ));
        }
    }
    for line in QUOTED_CASES {
        let words = odyssey_simulator::kubectl::shell::split(line).unwrap();
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        let real = oracle::run(&bin, &args);
        let ours = parse(&words)
            .map(|inv| format!("{:?}", inv.verb))
            .map_err(|e| e.render());
        let same = ours.as_ref().is_err_and(|r| {
            (r.stdout.as_str(), r.stderr.as_str(), r.exit_code)
                == (real.stdout.as_str(), real.stderr.as_str(), real.status)
        });
        if !same {
            failures.push(format!(
                "`kubectl {line}`: kubectl {} {:?}, ours {ours:?}",
                real.status, real.stderr
            ));
        }
    }
    let total = CASES.len() + QUOTED_CASES.len();
    println!(
        "{} of {total} command lines identical to kubectl v1.32",
        total - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
