//! `kubectl get`: tables (default, wide, with labels and label columns), `-o
//! json|yaml|name|jsonpath`, lookups by name and by several types at once.

use super::output::CommandOutput;
use super::printers;
use super::resources::ResourceKind;
use super::selector::Selector;
use super::table::{self, format_labels};
use super::tabwriter::{TabConfig, TabWriter};
use crate::world::{Object, World};

/// How `get` prints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum OutputFormat {
    /// The server's table, default columns.
    #[default]
    Table,
    /// The server's table with every column (`-o wide`).
    Wide,
    /// `-o json`.
    Json,
    /// `-o yaml`.
    Yaml,
    /// `-o name`.
    Name,
    /// `-o jsonpath=TEMPLATE`.
    JsonPath(String),
}

/// What to get: one type, and the names asked for (all objects when empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The type.
    pub kind: ResourceKind,
    /// Names, in the order given.
    pub names: Vec<String>,
}

/// A resolved `kubectl get` request.
#[derive(Clone, Debug, Default)]
pub struct GetRequest {
    /// Types and names, in the order given (`all` already expanded).
    pub targets: Vec<Target>,
    /// Whether the request named several types (or `all`): NAME cells become `kind/name`.
    pub with_kind: bool,
    /// The namespace (`-n`, or the context's).
    pub namespace: String,
    /// `-A`.
    pub all_namespaces: bool,
    /// `-l`.
    pub selector: Selector,
    /// `-o`.
    pub output: OutputFormat,
    /// `--show-labels`.
    pub show_labels: bool,
    /// `--no-headers`.
    pub no_headers: bool,
    /// `-L` keys.
    pub label_columns: Vec<String>,
}

/// Runs `get` against the world.
pub fn get(world: &World, req: &GetRequest) -> CommandOutput {
    let mut found: Vec<Object<'_>> = Vec::new();
    let mut blocks: Vec<(ResourceKind, Vec<Object<'_>>)> = Vec::new();
    let mut errors = String::new();
    let ns = (!req.all_namespaces).then_some(req.namespace.as_str());

    for target in &req.targets {
        let namespaced = target.kind.info().namespaced;
        let objects: Vec<Object<'_>> = if target.names.is_empty() {
            world.list(
                target.kind,
                if namespaced { ns } else { None },
                &req.selector,
            )
        } else {
            let mut objs = Vec::new();
            for name in &target.names {
                match world.get(target.kind, &req.namespace, name) {
                    Some(o) => objs.push(o),
                    None => errors.push_str(&format!(
                        "Error from server (NotFound): {} \"{name}\" not found\n",
                        target.kind.qualified_plural()
                    )),
                }
            }
            objs
        };
        if objects.is_empty() {
            continue;
        }
        found.extend(objects.iter().cloned());
        blocks.push((target.kind, objects));
    }

    let by_name = req.targets.iter().any(|t| !t.names.is_empty());
    let mut out = CommandOutput::default();
    out.stdout = match &req.output {
        OutputFormat::Table | OutputFormat::Wide => {
            print_tables(world, req, &blocks, req.output == OutputFormat::Wide)
        }
        OutputFormat::Name => found
            .iter()
            .map(|o| format!("{}/{}\n", o.kind().qualified_kind(), o.name()))
            .collect(),
        OutputFormat::Json | OutputFormat::Yaml | OutputFormat::JsonPath(_) => {
            let single = by_name && found.len() == 1 && req.targets.len() == 1;
            let value = if single {
                found[0].to_json()
            } else {
                printers::list_of(found.iter().map(Object::to_json).collect())
            };
            match &req.output {
                OutputFormat::Json => printers::print_json(&value),
                OutputFormat::Yaml => printers::print_yaml(&value),
                OutputFormat::JsonPath(template) => {
                    let _ = (template, &value);
                    out.stderr
                        .push_str("error: jsonpath output is not supported yet\n");
                    out.status = 1;
                    String::new()
                }
                _ => unreachable!("matched above"),
            }
        }
    };

    if found.is_empty()
        && errors.is_empty()
        && matches!(
            req.output,
            OutputFormat::Table | OutputFormat::Wide | OutputFormat::Name
        )
    {
        out.stderr.push_str(&no_resources_message(req));
    }
    if !errors.is_empty() {
        out.stderr.push_str(&errors);
        out.status = 1;
    }
    out
}

/// kubectl's message for an empty result (printed on stderr, exit status 0).
pub fn no_resources_message(req: &GetRequest) -> String {
    let cluster_scoped = req.targets.iter().all(|t| !t.kind.info().namespaced);
    if req.all_namespaces || cluster_scoped {
        "No resources found\n".to_string()
    } else {
        format!("No resources found in {} namespace.\n", req.namespace)
    }
}

fn print_tables(
    world: &World,
    req: &GetRequest,
    blocks: &[(ResourceKind, Vec<Object<'_>>)],
    wide: bool,
) -> String {
    let now = world.clock().now();
    let mut text = String::new();
    for (i, (kind, objects)) in blocks.iter().enumerate() {
        // Each type is its own table: kubectl flushes and forgets column widths between them.
        let mut w = TabWriter::new(TabConfig::KUBECTL_GET);
        if i > 0 {
            text.push('\n');
        }
        let columns: Vec<(usize, &table::Column)> = table::columns(*kind)
            .iter()
            .enumerate()
            .filter(|(_, c)| wide || c.priority == 0)
            .collect();
        let namespaced = kind.info().namespaced;
        if !req.no_headers {
            let mut header: Vec<String> = Vec::new();
            if req.all_namespaces && namespaced {
                header.push("NAMESPACE".into());
            }
            header.extend(columns.iter().map(|(_, c)| c.name.to_uppercase()));
            header.extend(req.label_columns.iter().map(|k| label_column_header(k)));
            if req.show_labels {
                header.push("LABELS".into());
            }
            w.write_str(&header.join("\t"));
            w.write_str("\n");
        }
        for o in objects {
            let cells = table::cells(o, now);
            let mut row: Vec<String> = Vec::new();
            if req.all_namespaces && namespaced {
                row.push(o.meta().namespace.clone().unwrap_or_default());
            }
            for (idx, _) in &columns {
                let mut cell = cells.get(*idx).cloned().unwrap_or_default();
                if *idx == 0 && req.with_kind && *kind != ResourceKind::Event {
                    cell = format!("{}/{}", kind.qualified_kind(), cell);
                }
                row.push(cell);
            }
            let labels = o.meta().labels.as_ref();
            for key in &req.label_columns {
                row.push(labels.and_then(|l| l.get(key)).cloned().unwrap_or_default());
            }
            if req.show_labels {
                row.push(format_labels(labels));
            }
            w.write_str(&row.join("\t"));
            w.write_str("\n");
        }
        text.push_str(&w.finish());
    }
    text
}

/// The header of a `-L key` column: the last path segment of the key, upper-cased.
fn label_column_header(key: &str) -> String {
    key.rsplit('/').next().unwrap_or(key).to_uppercase()
}
