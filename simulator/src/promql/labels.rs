//! Label sets: the identity of a time series, kept sorted by label name.

use std::fmt;
use std::sync::Arc;

/// The label that holds a series' metric name.
pub const METRIC_NAME: &str = "__name__";

/// A set of labels sorted by name, with no empty values and no duplicate names.
///
/// Sorting makes equality, ordering and hashing independent of insertion order, which keeps
/// results deterministic and lets two label sets be compared with a plain slice comparison.
/// The pairs are shared behind an `Arc`: cloning a label set (every selected sample does) is a
/// reference-count increment, and a change copies the list of pairs (not their text) first.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Labels(Arc<Vec<Pair>>);

/// One label: name and value, each shared so that copying a label set copies no text.
type Pair = (Arc<str>, Arc<str>);

impl Labels {
    /// An empty label set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a label set from pairs in any order; empty values are dropped (Prometheus treats
    /// an empty label value as an absent label) and a later duplicate name wins.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut labels = Self::new();
        for (name, value) in pairs {
            labels.set(&name.into(), &value.into());
        }
        labels
    }

    /// The value of `name`, if the label is present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(n, _)| (**n).cmp(name))
            .ok()
            .map(|i| &*self.0[i].1)
    }

    /// The value of `name`, or the empty string when absent (Prometheus's matching rule).
    pub fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// The metric name, if any.
    pub fn metric_name(&self) -> Option<&str> {
        self.get(METRIC_NAME)
    }

    /// Sets `name` to `value`; an empty value removes the label.
    pub fn set(&mut self, name: &str, value: &str) {
        match self.0.binary_search_by(|(n, _)| (**n).cmp(name)) {
            Ok(i) if value.is_empty() => {
                Arc::make_mut(&mut self.0).remove(i);
            }
            Ok(i) if &*self.0[i].1 == value => {}
            Ok(i) => Arc::make_mut(&mut self.0)[i].1 = Arc::from(value),
            Err(_) if value.is_empty() => {}
            Err(i) => Arc::make_mut(&mut self.0).insert(i, (Arc::from(name), Arc::from(value))),
        }
    }

    /// Removes `name` if present.
    pub fn remove(&mut self, name: &str) {
        if let Ok(i) = self.0.binary_search_by(|(n, _)| (**n).cmp(name)) {
            Arc::make_mut(&mut self.0).remove(i);
        }
    }

    /// A copy without the metric name.
    pub fn without_name(&self) -> Self {
        let mut out = self.clone();
        out.remove(METRIC_NAME);
        out
    }

    /// A copy keeping only the listed names.
    pub fn keep_only(&self, names: &[String]) -> Self {
        Self(Arc::new(
            self.0
                .iter()
                .filter(|(n, _)| names.iter().any(|k| **k == **n))
                .cloned()
                .collect(),
        ))
    }

    /// A copy dropping the listed names.
    pub fn drop_names(&self, names: &[String]) -> Self {
        if !self.0.iter().any(|(n, _)| names.iter().any(|k| **k == **n)) {
            return self.clone();
        }
        Self(Arc::new(
            self.0
                .iter()
                .filter(|(n, _)| !names.iter().any(|k| **k == **n))
                .cloned()
                .collect(),
        ))
    }

    /// The pairs in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (&**n, &**v))
    }

    /// The number of labels.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set has no labels.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Heap bytes held by this label set: the shared block, the list of pairs and the text,
    /// counting shared text as if it were owned.
    pub fn heap_bytes(&self) -> usize {
        self.list_bytes()
            + self
                .0
                .iter()
                .map(|(n, v)| text_bytes(n) + text_bytes(v))
                .sum::<usize>()
    }

    /// Heap bytes of the shared block and the list of pairs, without the text.
    pub fn list_bytes(&self) -> usize {
        2 * std::mem::size_of::<usize>()
            + std::mem::size_of::<Vec<Pair>>()
            + self.0.capacity() * std::mem::size_of::<Pair>()
    }

    /// The same labels with every name and value replaced by `intern`'s shared copy, and the
    /// list shrunk to its length.
    pub fn interned(&self, mut intern: impl FnMut(&str) -> Arc<str>) -> Self {
        let mut pairs: Vec<Pair> = self.0.iter().map(|(n, v)| (intern(n), intern(v))).collect();
        pairs.shrink_to_fit();
        Self(Arc::new(pairs))
    }
}

/// Heap bytes of one shared string (reference counts and text).
pub(crate) fn text_bytes(s: &Arc<str>) -> usize {
    2 * std::mem::size_of::<usize>() + s.len()
}

impl Labels {
    /// Formats as Go Prometheus's `labels.String()`: every label, `__name__` included, inside
    /// braces (`{__name__="up", job="x"}`), as its error messages print series.
    pub fn go_string(&self) -> String {
        let parts: Vec<String> = self.iter().map(|(n, v)| format!("{n}={v:?}")).collect();
        format!("{{{}}}", parts.join(", "))
    }
}

impl fmt::Display for Labels {
    /// Formats as `name{a="b", c="d"}` the way Prometheus prints a series.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = self.metric_name() {
            write!(f, "{name}")?;
        }
        write!(f, "{{")?;
        let mut first = true;
        for (n, v) in self.iter().filter(|(n, _)| *n != METRIC_NAME) {
            if !first {
                write!(f, ", ")?;
            }
            first = false;
            write!(f, "{n}={v:?}")?;
        }
        write!(f, "}}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_sorted_and_empty_values_dropped() {
        let l = Labels::from_pairs([("b", "2"), ("a", "1"), ("c", "")]);
        assert_eq!(l.iter().collect::<Vec<_>>(), vec![("a", "1"), ("b", "2")]);
        assert_eq!(l.get("c"), None);
    }

    #[test]
    fn display_puts_the_name_first() {
        let l = Labels::from_pairs([("__name__", "up"), ("job", "x")]);
        assert_eq!(l.to_string(), "up{job=\"x\"}");
    }
}
