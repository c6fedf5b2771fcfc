//! `-o jsonpath=...` and `-o jsonpath-as-json=...` against the real kubectl, on a Sock Shop
//! deployment and on an object with every JSON type.

use odyssey_simulator::kubectl::jsonpath::JsonPath;
use serde_json::Value;

use crate::oracle;

const TEMPLATES: &[&str] = &[
    "{.metadata.name}",
    "{.kind}/{.metadata.name}",
    "{.spec.template.spec.containers[*].name}",
    "{.spec.template.spec.containers[0].image}",
    "{.spec.template.spec.containers[-1].ports[0].containerPort}",
    "{.spec.template.spec.containers[0].resources}",
    "{.spec.template.spec.containers[0].resources.limits.cpu}",
    "{.metadata.labels}",
    "{.spec.replicas}",
    // `{..name}` is left out: kubectl walks maps in Go's random order, so its own output varies.
    "{..containerPort}",
    "{.spec.template.spec.containers[*]['name','image']}",
    "{.spec.template.spec.containers[0,0].name}",
    "{.spec.template.spec.containers[?(@.name==\"carts\")].image}",
    "{.spec.template.spec.containers[?(@.name!='carts')].image}",
    "{.spec.template.spec.containers[?(@.ports)].name}",
    "{.spec.template.spec.containers[?(@.ports[0].containerPort>=80)].name}",
    "{.spec.template.spec.containers[?(@.ports[0].containerPort<80)].name}",
    "{range .spec.template.spec.containers[*]}{.name}{\"\\t\"}{.image}{\"\\n\"}{end}",
    "{range .spec.template.spec.containers[*]}[{range .env[*]}{.name}={.value};{end}]{end}",
    "{.nope}",
    "{.nope.deeper}",
    "{.spec.template.spec.containers[5]}",
    "{.spec.template.spec.containers[1:]}",
    "{.spec.template.spec.containers[0:0]}",
    "{.spec.template.spec.containers[::0]}",
    "{.spec.replicas[0]}",
    "{.metadata.name[?(@.x)]}",
    "{.x",
    "{.metadata.name",
    "{.a[0}",
    "{.a[x]}",
    "{#}",
    "{....a}",
    "{end}",
    "{foo}",
    "{.a[?(@.b}",
    "{'unterminated}",
    "plain text",
    ".metadata.name",
    "{.metadata.name}{\"\\n\"}",
    "{@}",
    "{$.kind}",
    "{.metadata.labels.name}",
    "{.metadata['labels']}",
    "{.spec.template.spec.containers[*].securityContext.capabilities.drop[*]}",
    "{true}{1}{2.5}{-3}",
    // `{.spec.*}` is left out for the same reason as `{..name}`.
    "{.spec.template.metadata.labels.*}",
];

fn objects_of(bin: &std::path::Path, file: &str) -> Vec<Value> {
    let out = oracle::run(
        bin,
        &["label", "--local", "-f", file, "oracle=yes", "-o", "json"],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    serde_json::Deserializer::from_str(&out.stdout)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

fn compare(
    bin: &std::path::Path,
    file: &str,
    object: &Value,
    format: &str,
    template: &str,
    strict: bool,
) -> Option<String> {
    let mut args = vec!["label", "--local", "-f", file, "oracle=yes"];
    let output = format!("{format}={template}");
    args.extend(["-o", &output]);
    if strict {
        args.push("--allow-missing-template-keys=false");
    }
    let real = oracle::run(bin, &args);
    let ours = JsonPath::parse(template).and_then(|jp| {
        if format == "jsonpath" {
            jp.execute(object, !strict)
        } else {
            jp.execute_as_json(object, !strict)
        }
    });
    let (stdout, stderr, status) = match ours {
        Ok(out) => (out, String::new(), 0),
        Err(e) => (String::new(), e.to_stderr(), 1),
    };
    ((stdout.as_str(), stderr.as_str(), status) != (real.stdout.as_str(), real.stderr.as_str(), real.status)).then(|| {
        format!(
            "-o {output:?} strict={strict}:\n  kubectl: {} {:?} {:?}\n  ours:    {status} {stdout:?} {stderr:?}",
            real.status, real.stdout, real.stderr
        )
    })
}

#[test]
fn jsonpath_matches_kubectl_on_a_sock_shop_deployment() {
    let Some(bin) = oracle::kubectl() else { return };
    let file = oracle::manifests()
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("01-carts-dep.yaml"))
        .expect("carts deployment manifest");
    let file = file.to_str().unwrap();
    let object = objects_of(&bin, file).remove(0);
    let mut failures = Vec::new();
    let mut count = 0;
    for template in TEMPLATES {
        for (format, strict) in [
            ("jsonpath", false),
            ("jsonpath", true),
            ("jsonpath-as-json", false),
        ] {
            count += 1;
            failures.extend(compare(&bin, file, &object, format, template, strict));
        }
    }
    println!(
        "{} of {count} jsonpath outputs identical to kubectl v1.32",
        count - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn jsonpath_prints_every_json_type_as_kubectl_does() {
    let Some(bin) = oracle::kubectl() else { return };
    let object = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "types"},
        "spec": {"n": null, "i": 80, "f": 0.5, "g": 1234567.5, "h": 1e21, "b": true, "s": "<a&b>",
                 "e": [], "m": {}, "l": [1, "two", {"k": "v"}, null, 2.5]},
    });
    let dir = std::env::temp_dir().join("odyssey-kubectl-oracle-home");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("types.json");
    std::fs::write(&path, serde_json::to_string(&object).unwrap()).unwrap();
    let file = path.to_str().unwrap();
    let object = objects_of(&bin, file).remove(0);
    let templates = [
        "{.spec.n}|{.spec.i}|{.spec.f}|{.spec.g}|{.spec.h}|{.spec.b}|{.spec.s}|{.spec.e}|{.spec.m}",
        "{.spec.l}",
        "{.spec.l[*]}",
        "{.spec}",
        "{.spec.l[?(@==1)]}",
        "{.spec.l[?(@=='two')]}",
        "{.spec.l[?(@.k)]}",
        "{.spec.i[0]}",
        "{.spec.m[0]}",
        "{.spec.s[0]}",
        "{.spec.n[0]}",
        "{.}",
    ];
    let mut failures = Vec::new();
    for template in templates {
        for (format, strict) in [
            ("jsonpath", false),
            ("jsonpath", true),
            ("jsonpath-as-json", false),
        ] {
            failures.extend(compare(&bin, file, &object, format, template, strict));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
