//! Label matchers (`=`, `!=`, `=~`, `!~`) with fully anchored regular expressions.

use regex::Regex;

use super::StorageError;
use crate::promql::labels::Labels;

/// How a matcher compares a label value.
#[derive(Debug, Clone)]
pub enum MatchOp {
    /// The value equals the string.
    Equal(String),
    /// The value differs from the string.
    NotEqual(String),
    /// The whole value matches the regular expression.
    Regex(Regex),
    /// The whole value does not match the regular expression.
    NotRegex(Regex),
}

/// One label matcher; an absent label matches as the empty string, as in Prometheus.
#[derive(Debug, Clone)]
pub struct LabelMatcher {
    /// The label name.
    pub name: String,
    /// The comparison.
    pub op: MatchOp,
}

impl LabelMatcher {
    /// An equality matcher.
    pub fn equal(name: &str, value: &str) -> Self {
        Self {
            name: name.to_string(),
            op: MatchOp::Equal(value.to_string()),
        }
    }

    /// An inequality matcher.
    pub fn not_equal(name: &str, value: &str) -> Self {
        Self {
            name: name.to_string(),
            op: MatchOp::NotEqual(value.to_string()),
        }
    }

    /// A regex matcher; the pattern is anchored at both ends and `.` matches newlines.
    ///
    /// # Errors
    ///
    /// [`StorageError::InvalidRegex`] when the pattern does not compile.
    pub fn regex(name: &str, pattern: &str) -> Result<Self, StorageError> {
        Ok(Self {
            name: name.to_string(),
            op: MatchOp::Regex(compile_anchored(pattern)?),
        })
    }

    /// A negated regex matcher.
    ///
    /// # Errors
    ///
    /// [`StorageError::InvalidRegex`] when the pattern does not compile.
    pub fn not_regex(name: &str, pattern: &str) -> Result<Self, StorageError> {
        Ok(Self {
            name: name.to_string(),
            op: MatchOp::NotRegex(compile_anchored(pattern)?),
        })
    }

    /// Whether `value` (empty for an absent label) satisfies the matcher.
    pub fn matches_value(&self, value: &str) -> bool {
        match &self.op {
            MatchOp::Equal(s) => s == value,
            MatchOp::NotEqual(s) => s != value,
            MatchOp::Regex(r) => r.is_match(value),
            MatchOp::NotRegex(r) => !r.is_match(value),
        }
    }

    /// Whether the label set satisfies the matcher.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.matches_value(labels.value(&self.name))
    }

    /// Whether the matcher accepts the empty string (then it cannot select series alone).
    pub fn matches_empty(&self) -> bool {
        self.matches_value("")
    }

    /// The required value when this is an equality matcher.
    pub fn equal_value(&self) -> Option<&str> {
        match &self.op {
            MatchOp::Equal(s) => Some(s),
            _ => None,
        }
    }
}

/// Compiles `pattern` anchored at both ends, with `.` matching any character.
///
/// # Errors
///
/// [`StorageError::InvalidRegex`] when the pattern does not compile.
pub fn compile_anchored(pattern: &str) -> Result<Regex, StorageError> {
    Regex::new(&format!("(?s:^(?:{pattern})$)")).map_err(|source| StorageError::InvalidRegex {
        pattern: pattern.to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn regex_is_fully_anchored() {
        let m = LabelMatcher::regex("a", "b|c").unwrap();
        assert!(m.matches_value("b"));
        assert!(!m.matches_value("bc"));
        assert!(!m.matches_value("ab"));
    }

    #[test]
    fn absent_label_matches_as_empty() {
        let m = LabelMatcher::equal("x", "");
        assert!(m.matches(&Labels::from_pairs([("a", "1")])));
        assert!(m.matches_empty());
    }
}
