//! `kubectl get`: tables (default, wide, with labels and label columns), `-o
//! json|yaml|name|jsonpath`, lookups by name and by several types at once.

use super::jsonpath::JsonPath;
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
    /// `-o jsonpath-as-json=TEMPLATE`.
    JsonPathAsJson(String),
    /// `-o custom-columns=SPEC`.
    CustomColumns(String),
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
    /// `--field-selector` terms.
    pub field_selector: Vec<super::fields::FieldTerm>,
    /// `--sort-by` path.
    pub sort_by: Option<String>,
    /// `--allow-missing-template-keys` (default true).
    pub allow_missing_keys: bool,
}

/// Runs `get` against the world.
pub fn get(world: &World, req: &GetRequest) -> CommandOutput {
    let mut found: Vec<Object<'_>> = Vec::new();
    let mut blocks: Vec<(ResourceKind, Vec<Object<'_>>)> = Vec::new();
    let mut errors = String::new();
    let ns = (!req.all_namespaces).then_some(req.namespace.as_str());

    for target in &req.targets {
        let namespaced = target.kind.info().namespaced;
        if let Err(e) = super::fields::check(target.kind, &req.field_selector) {
            return field_error(target.kind, &req.field_selector, &e);
        }
        let objects: Vec<Object<'_>> = if target.names.is_empty() {
            world
                .list(
                    target.kind,
                    if namespaced { ns } else { None },
                    &req.selector,
                )
                .into_iter()
                .filter(|o| super::fields::matches(o, &req.field_selector))
                .collect()
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

    if let Some(path) = &req.sort_by {
        match sort_objects(&mut found, path) {
            Ok(()) => {
                for (_, objects) in &mut blocks {
                    let _ = sort_objects(objects, path);
                }
            }
            Err(e) => return CommandOutput::error(format!("error: {e}\n")),
        }
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
        OutputFormat::CustomColumns(spec) => {
            let values: Vec<serde_json::Value> = found.iter().map(Object::to_json).collect();
            match printers::CustomColumns::parse(spec)
                .map_err(|e| e.to_string())
                .and_then(|c| c.print(&values, req.no_headers))
            {
                Ok(s) => s,
                Err(e) => {
                    out.stderr.push_str(&format!("error: {e}\n"));
                    out.status = 1;
                    String::new()
                }
            }
        }
        OutputFormat::Json
        | OutputFormat::Yaml
        | OutputFormat::JsonPath(_)
        | OutputFormat::JsonPathAsJson(_) => {
            let single = by_name && found.len() == 1 && req.targets.len() == 1;
            let value = if single {
                found[0].to_json()
            } else {
                printers::list_of(found.iter().map(Object::to_json).collect())
            };
            match &req.output {
                OutputFormat::Json => printers::print_json(&value),
                OutputFormat::Yaml => printers::print_yaml(&value),
                OutputFormat::JsonPath(template) | OutputFormat::JsonPathAsJson(template) => {
                    let as_json = matches!(req.output, OutputFormat::JsonPathAsJson(_));
                    let result = JsonPath::parse(template).and_then(|p| {
                        if as_json {
                            p.execute_as_json(&value, req.allow_missing_keys)
                        } else {
                            p.execute(&value, req.allow_missing_keys)
                        }
                    });
                    match result {
                        Ok(s) => s,
                        Err(e) => {
                            out.stderr.push_str(&e.to_stderr());
                            if !out.stderr.ends_with('\n') {
                                out.stderr.push('\n');
                            }
                            out.status = 1;
                            String::new()
                        }
                    }
                }
                // Tables, names and custom columns were printed by the arms above.
                _ => String::new(),
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

/// The API server's refusal of a field selector naming an unsupported field.
fn field_error(
    kind: ResourceKind,
    terms: &[super::fields::FieldTerm],
    reason: &str,
) -> CommandOutput {
    let info = kind.info();
    // A group-version-resource prints as `group/version`, so the core group reads `/v1`.
    let gv = format!("{}/{}", info.group, info.version);
    let text = terms
        .iter()
        .map(|t| format!("{}{}{}", t.field, if t.equal { "=" } else { "!=" }, t.value))
        .collect::<Vec<_>>()
        .join(",");
    CommandOutput::error(format!(
        "Error from server (BadRequest): Unable to find \"{gv}, Resource={}\" that match label selector \"\", field selector \"{text}\": {reason}\n",
        info.plural
    ))
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

/// Orders objects by the value at a `--sort-by` path: numbers numerically, everything else
/// by its text; objects without the field come first, as kubectl orders them.
fn sort_objects(objects: &mut [Object<'_>], path: &str) -> Result<(), String> {
    let template = printers::relaxed_jsonpath(path).map_err(|e| e.to_string())?;
    let parsed = JsonPath::parse(&template).map_err(|e| e.to_string())?;
    let mut keyed: Vec<(SortKey, usize)> = Vec::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        let json = o.to_json();
        let key = match parsed.find_results(&json, true) {
            Ok(sets) => match sets
                .first()
                .and_then(|s| s.first())
                .map(super::jsonpath::to_json)
            {
                Some(serde_json::Value::Number(n)) => SortKey::Number(n.as_f64().unwrap_or(0.0)),
                Some(serde_json::Value::String(s)) => SortKey::Text(s),
                Some(other) => SortKey::Text(other.to_string()),
                None => SortKey::Missing,
            },
            Err(e) => return Err(e),
        };
        keyed.push((key, i));
    }
    keyed.sort_by(|a, b| {
        a.0.partial_cmp(&b.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(&b.1))
    });
    let order: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
    let sorted: Vec<Object<'_>> = order.iter().map(|i| objects[*i].clone()).collect();
    for (slot, o) in objects.iter_mut().zip(sorted) {
        *slot = o;
    }
    Ok(())
}

#[derive(PartialEq, PartialOrd)]
enum SortKey {
    Missing,
    Number(f64),
    Text(String),
}
