//! Errors of parsing and evaluating PromQL.

use crate::promql::storage::StorageError;

/// Why a query failed.
///
/// Execution variants carry Prometheus's own error text so that the HTTP API can return it
/// unchanged with `errorType` `execution`.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The query does not parse; the message is the parser's, position first when known.
    #[error("{message}")]
    Parse {
        /// The parser's message.
        message: String,
    },
    /// Two series of one result would have the same labels.
    #[error("vector cannot contain metrics with the same labelset")]
    DuplicateLabelset,
    /// A one-to-one match found several left-hand series for one right-hand series.
    #[error(
        "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"
    )]
    ManyToOneImplicit,
    /// A group_left/group_right match produced the same output twice.
    #[error("multiple matches for labels: grouping labels must ensure unique matches")]
    GroupingNotUnique,
    /// The "one" side of a match has several series with the same signature.
    #[error(
        "found duplicate series for the match group {group} on the {side} hand-side of the operation: [{first}, {second}];many-to-many matching not allowed: matching labels must be unique on one side"
    )]
    DuplicateMatchGroup {
        /// The match signature.
        group: String,
        /// `left` or `right`.
        side: &'static str,
        /// The first series.
        first: String,
        /// The second series.
        second: String,
    },
    /// A function or aggregation argument is not acceptable.
    #[error("{0}")]
    InvalidArgument(String),
    /// The expression uses something this engine does not evaluate.
    #[error("unsupported expression: {0}")]
    Unsupported(String),
    /// A range query got an expression that is not a scalar or instant vector.
    #[error("invalid expression type {0:?} for range query, must be Scalar or instant Vector")]
    InvalidRangeQueryType(&'static str),
    /// A subquery would take too many steps.
    #[error("query processing would load too many samples into memory in query execution")]
    TooManySamples,
    /// A regex in a matcher or function does not compile.
    #[error("invalid regular expression in query")]
    Storage(#[from] StorageError),
}
