//! `-o json`, `-o yaml` and `-o name` against the real printers, on the Sock Shop manifests.

use odyssey_simulator::kubectl::printers::{print_json, print_names, print_yaml};
use serde_json::Value;

use crate::oracle;

/// The objects kubectl prints for `label --local -f FILE` as JSON, one per document.
fn objects(json_stream: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(json_stream)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

fn local_label(bin: &std::path::Path, file: &str, output: &str) -> String {
    let out = oracle::run(
        bin,
        &["label", "--local", "-f", file, "oracle=yes", "-o", output],
    );
    assert_eq!(
        out.status, 0,
        "kubectl label --local -f {file}: {}",
        out.stderr
    );
    out.stdout
}

#[test]
fn json_yaml_and_name_printers_match_kubectl_on_sock_shop_manifests() {
    let Some(bin) = oracle::kubectl() else { return };
    let files = oracle::manifests();
    assert!(!files.is_empty(), "no Sock Shop manifests found");
    let mut compared = 0;
    for file in &files {
        let file = file.to_str().unwrap();
        let json = local_label(&bin, file, "json");
        let objects = objects(&json);

        let ours_json: String = objects.iter().map(print_json).collect();
        assert_eq!(ours_json, json, "-o json of {file}");

        let ours_yaml: String = objects.iter().map(print_yaml).collect();
        assert_eq!(
            ours_yaml,
            local_label(&bin, file, "yaml"),
            "-o yaml of {file}"
        );

        assert_eq!(
            print_names(&objects),
            local_label(&bin, file, "name"),
            "-o name of {file}"
        );
        compared += 3;
    }
    println!("{compared} printer outputs identical to kubectl v1.32");
}

#[test]
fn yaml_printer_matches_kubectl_on_tricky_strings() {
    let Some(bin) = oracle::kubectl() else { return };
    let strings = [
        "true",
        "123",
        "",
        "2025-12-01T10:00:00Z",
        "2025-1-2 3:04:05",
        "2025-02-30",
        "<b>&",
        "multi\nline\n",
        "multi\nline",
        "- x",
        "*star",
        "x: y",
        "1:20",
        "yes",
        "0x1F",
        "1e5",
        " lead",
        "tab\there",
        "it's",
        "trail \nx",
        "\n\nfoo\n\n",
        "émoji 😀",
        "null",
        "~",
        ".5",
        "a #b",
        "a#b",
        "2025-12-01",
        "@x",
        "%x",
        "a,b",
        "[x]",
        "x]",
        "on",
        "1_000",
        "+1",
        "-",
        "0b101",
        "-0b1",
        "1.",
        "+.5",
        ".inf",
        "Inf",
        "NaN",
        "0o17",
        "017",
        "09",
        "-1:30",
        "12:75",
        "x\u{2028}y",
        "a\u{85}b",
        "---",
        "...x",
        "?x",
        "? x",
        ":x",
        "x:",
        "x :y",
        "a\u{a0}b",
        "back\\slash",
        "quote\"d",
        "12e",
        "1_2.5",
        "0x",
        "y",
        "N",
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
        "a very long value with spaces that must fold somewhere past the eightieth column ok",
        "a very long value with 'quotes' and * stars that must fold past the eightieth column",
        "- a very long value that is single quoted and must fold past the eightieth column",
        "a very long value with a tab\tthat is double quoted and folds past the eightieth col",
        "lines\nwith a very long second line that goes on and on and on past the eighty limit",
    ];
    let mut data = serde_json::Map::new();
    for (i, s) in strings.iter().enumerate() {
        data.insert(format!("k{i}"), Value::String((*s).to_owned()));
        // kubectl cannot read a key holding U+0085 back from its own JSON, and go-yaml's key
        // order is not transitive for keys with leading zeros (kubectl's own order then depends
        // on Go's map iteration): keep those values only.
        if !s.contains('\u{85}') && !s.starts_with('0') {
            data.insert((*s).to_owned(), Value::String(format!("key{i}")));
        }
    }
    let cm = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "tricky"}, "data": data,
        "numbers": {"f": 0.5, "g": 1.5e-7, "h": 1e21, "i": -7, "j": 1234567.5, "k": 1e-5},
    });
    let dir = std::env::temp_dir().join("odyssey-kubectl-oracle-home");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tricky.json");
    // kubectl reads the file as YAML, where some raw characters end a line: escape them all.
    let mut text = String::new();
    for c in serde_json::to_string(&cm).unwrap().chars() {
        if c.is_ascii() {
            text.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                text.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    std::fs::write(&path, text).unwrap();
    let file = path.to_str().unwrap();

    let json = local_label(&bin, file, "json");
    let objects = objects(&json);
    assert_eq!(print_json(&objects[0]), json, "-o json");
    assert_eq!(
        print_yaml(&objects[0]),
        local_label(&bin, file, "yaml"),
        "-o yaml"
    );
}

#[test]
fn yaml_printer_matches_kubectl_on_nested_structures() {
    let Some(bin) = oracle::kubectl() else { return };
    let long_key = "k".repeat(130);
    let mut spec = serde_json::json!({
        "lists": [[1, 2], [], [[3]], [{"a": 1, "b": [{}]}], {"x": []}],
        "empty": {"m": {}, "l": [], "s": ""},
        "unicode": {"ключ": "значение", "键": "值"},
        "indented": "  two leading spaces\n  and more\n",
        "crlf": "a\r\nb",
        "spacebreak": "a \nb",
        "tabbed": "a\tb\nc",
        "nospace": "x".repeat(120),
        "edge79": format!("{} {}", "y".repeat(70), "z".repeat(20)),
        "doublespace": format!("{}  {}", "w".repeat(78), "v".repeat(10)),
        "trailingnl": "line\n\n",
        "onlynl": "\n",
    });
    spec[long_key.as_str()] = Value::from("long key");
    spec["multi\nline key"] = Value::from(1);
    let object = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "nested"}, "spec": spec,
    });
    let dir = std::env::temp_dir().join("odyssey-kubectl-oracle-home");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("nested.json");
    std::fs::write(&path, serde_json::to_string(&object).unwrap()).unwrap();
    let file = path.to_str().unwrap();
    let json = local_label(&bin, file, "json");
    let objects = objects(&json);
    assert_eq!(print_json(&objects[0]), json, "-o json");
    assert_eq!(
        print_yaml(&objects[0]),
        local_label(&bin, file, "yaml"),
        "-o yaml"
    );
}
