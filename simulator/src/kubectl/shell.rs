//! Splitting a command line into words as a POSIX shell would, without ever running one.
//!
//! Quotes and backslashes work as in `sh`: single quotes keep everything literally, double
//! quotes keep everything but `\` before `$`, `` ` ``, `"`, `\` or a newline, and a backslash
//! outside quotes keeps the next character. A `#` starting a word begins a comment. Nothing
//! is expanded: globs and `~` stay literal, and whatever a shell would run or substitute
//! (pipes, lists, redirections, `$(...)`, backticks, `$VAR`) is an error, because the
//! simulator runs exactly one kubectl command.

/// Why a command line cannot be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShellError {
    /// A `'` without its closing quote.
    #[error("unterminated single quote starting at column {column} of {line:?}")]
    UnterminatedSingleQuote {
        /// 1-based column of the opening quote.
        column: usize,
        /// The command line.
        line: String,
    },
    /// A `"` without its closing quote.
    #[error("unterminated double quote starting at column {column} of {line:?}")]
    UnterminatedDoubleQuote {
        /// 1-based column of the opening quote.
        column: usize,
        /// The command line.
        line: String,
    },
    /// A shell operator outside quotes.
    #[error(
        "the simulated shell cannot run pipelines, lists, redirections or subshells: found `{operator}` at column {column} of {line:?}; run one kubectl command per line and quote the character if it belongs to an argument"
    )]
    Operator {
        /// The operator as written (`|`, `&&`, `>`, ...).
        operator: String,
        /// 1-based column.
        column: usize,
        /// The command line.
        line: String,
    },
    /// `$(...)` or a backtick.
    #[error(
        "the simulated shell does not run command substitution: found `{syntax}` at column {column} of {line:?}; run the inner command on its own and paste its output"
    )]
    CommandSubstitution {
        /// `$(` or `` ` ``.
        syntax: String,
        /// 1-based column.
        column: usize,
        /// The command line.
        line: String,
    },
    /// `$NAME`, `${NAME}` or `$1`.
    #[error(
        "the simulated shell does not expand variables: found `{syntax}` at column {column} of {line:?}; write the value itself, or put it in single quotes if the `$` is literal"
    )]
    Variable {
        /// The expansion as written (`$NS`, `${NS}`).
        syntax: String,
        /// 1-based column.
        column: usize,
        /// The command line.
        line: String,
    },
}

/// Splits `line` into words.
///
/// # Errors
///
/// Unterminated quotes, and any shell syntax the simulator cannot honour (see
/// [`ShellError`]).
pub fn split(line: &str) -> Result<Vec<String>, ShellError> {
    let chars: Vec<char> = line.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut i = 0;

    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                i += 1;
            }
            '#' if !in_word => break,
            '\\' => {
                in_word = true;
                match chars.get(i + 1) {
                    // A backslash-newline joins lines.
                    Some('\n') => {}
                    Some(&next) => word.push(next),
                    // A trailing backslash stays literal, as in sh.
                    None => word.push('\\'),
                }
                i += 2;
            }
            '\'' => {
                in_word = true;
                let close = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '\'')
                    .ok_or_else(|| ShellError::UnterminatedSingleQuote {
                        column,
                        line: line.to_owned(),
                    })?;
                word.extend(&chars[i + 1..i + 1 + close]);
                i += close + 2;
            }
            '"' => {
                in_word = true;
                i = double_quoted(line, &chars, i, &mut word)?;
            }
            '|' | '&' | ';' | '<' | '>' | '(' | ')' => {
                let mut operator = c.to_string();
                if let Some(&next) = chars.get(i + 1)
                    && matches!(
                        (c, next),
                        ('|', '|')
                            | ('&', '&')
                            | ('>', '>')
                            | ('<', '<')
                            | (';', ';')
                            | ('>', '&')
                            | ('&', '>')
                    )
                {
                    operator.push(next);
                }
                return Err(ShellError::Operator {
                    operator,
                    column,
                    line: line.to_owned(),
                });
            }
            '`' => return Err(substitution("`", column, line)),
            '$' => {
                check_dollar(line, &chars, i)?;
                in_word = true;
                word.push('$');
                i += 1;
            }
            _ => {
                in_word = true;
                word.push(c);
                i += 1;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Reads a double-quoted section starting at `start` (the quote); returns the index after the
/// closing quote.
fn double_quoted(
    line: &str,
    chars: &[char],
    start: usize,
    word: &mut String,
) -> Result<usize, ShellError> {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '"' => return Ok(i + 1),
            '\\' => match chars.get(i + 1) {
                Some('\n') => i += 2,
                Some(&next @ ('$' | '`' | '"' | '\\')) => {
                    word.push(next);
                    i += 2;
                }
                _ => {
                    word.push('\\');
                    i += 1;
                }
            },
            '`' => return Err(substitution("`", i + 1, line)),
            '$' => {
                check_dollar(line, chars, i)?;
                word.push('$');
                i += 1;
            }
            c => {
                word.push(c);
                i += 1;
            }
        }
    }
    Err(ShellError::UnterminatedDoubleQuote {
        column: start + 1,
        line: line.to_owned(),
    })
}

/// Rejects a `$` that a shell would expand; a `$` followed by anything else is literal.
fn check_dollar(line: &str, chars: &[char], i: usize) -> Result<(), ShellError> {
    let column = i + 1;
    match chars.get(i + 1) {
        Some('(') => Err(substitution("$(", column, line)),
        Some('{') => {
            let end = chars[i..]
                .iter()
                .position(|&c| c == '}')
                .map_or(chars.len(), |p| i + p + 1);
            Err(variable(chars[i..end].iter().collect(), column, line))
        }
        Some(&c) if c.is_ascii_alphanumeric() || c == '_' || "?#@*!$-".contains(c) => {
            let mut end = i + 2;
            if c.is_ascii_alphabetic() || c == '_' {
                while chars
                    .get(end)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    end += 1;
                }
            }
            Err(variable(chars[i..end].iter().collect(), column, line))
        }
        _ => Ok(()),
    }
}

fn substitution(syntax: &str, column: usize, line: &str) -> ShellError {
    ShellError::CommandSubstitution {
        syntax: syntax.to_owned(),
        column,
        line: line.to_owned(),
    }
}

fn variable(syntax: String, column: usize, line: &str) -> ShellError {
    ShellError::Variable {
        syntax,
        column,
        line: line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn quotes_and_backslashes_follow_sh() {
        assert_eq!(
            split(r#"kubectl get pods -o jsonpath='{.items[*].metadata.name}'"#).unwrap(),
            [
                "kubectl",
                "get",
                "pods",
                "-o",
                "jsonpath={.items[*].metadata.name}"
            ]
        );
        assert_eq!(
            split(r#"a "b c" d\ e 'f"g' "h\"i" "\x""#).unwrap(),
            ["a", "b c", "d e", "f\"g", "h\"i", "\\x"]
        );
        assert_eq!(split("a '' \"\" b").unwrap(), ["a", "", "", "b"]);
        assert_eq!(split("  a\tb\nc  ").unwrap(), ["a", "b", "c"]);
        assert_eq!(split("a\\\nb").unwrap(), ["ab"]);
        assert_eq!(split("x=\"1 2\"'3'").unwrap(), ["x=1 23"]);
        assert_eq!(split("get pods # all of them").unwrap(), ["get", "pods"]);
        assert_eq!(
            split("a#b '$x' $ \"a $\"").unwrap(),
            ["a#b", "$x", "$", "a $"]
        );
        assert_eq!(
            split("-l 'app in (a,b)' *").unwrap(),
            ["-l", "app in (a,b)", "*"]
        );
    }

    #[test]
    fn unterminated_quotes_are_errors() {
        assert!(matches!(
            split("get 'pods"),
            Err(ShellError::UnterminatedSingleQuote { column: 5, .. })
        ));
        assert!(matches!(
            split("get \"pods"),
            Err(ShellError::UnterminatedDoubleQuote { column: 5, .. })
        ));
    }

    #[test]
    fn shell_operators_are_refused_with_their_position() {
        let op = |line: &str| match split(line) {
            Err(ShellError::Operator {
                operator, column, ..
            }) => (operator, column),
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(op("get pods | grep carts"), ("|".into(), 10));
        assert_eq!(op("get pods && echo"), ("&&".into(), 10));
        assert_eq!(op("get pods; ls"), (";".into(), 9));
        assert_eq!(op("get pods > out"), (">".into(), 10));
        assert_eq!(op("get pods 2>&1"), (">&".into(), 11));
        let err = split("get pods | grep x").unwrap_err().to_string();
        assert!(err.contains("cannot run pipelines"), "{err}");
    }

    #[test]
    fn substitutions_and_variables_are_refused() {
        assert!(matches!(
            split("logs $(get pods)"),
            Err(ShellError::CommandSubstitution { .. })
        ));
        assert!(matches!(
            split("logs `x`"),
            Err(ShellError::CommandSubstitution { .. })
        ));
        assert!(matches!(
            split("logs \"$(x)\""),
            Err(ShellError::CommandSubstitution { .. })
        ));
        match split("get pods -n $NS") {
            Err(ShellError::Variable { syntax, .. }) => assert_eq!(syntax, "$NS"),
            other => panic!("{other:?}"),
        }
        match split("get pods -n \"${NS}x\"") {
            Err(ShellError::Variable { syntax, .. }) => assert_eq!(syntax, "${NS}"),
            other => panic!("{other:?}"),
        }
    }
}
