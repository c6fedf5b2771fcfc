//! cobra's "Did you mean this?" suggestions for a mistyped command.

/// Commands cobra would suggest for `typed`, in the order given: those within Levenshtein
/// distance 2 (case-insensitive) or of which `typed` is a prefix.
pub(crate) fn suggestions<'a>(
    typed: &str,
    commands: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let typed_lower = typed.to_lowercase();
    commands
        .into_iter()
        .filter(|name| {
            let lower = name.to_lowercase();
            levenshtein(&typed_lower, &lower) <= 2 || lower.starts_with(&typed_lower)
        })
        .collect()
}

/// Edit distance over bytes, as cobra computes it.
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            row[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(row[j] + 1);
        }
        prev = row;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(levenshtein("gett", "get"), 1);
        assert_eq!(levenshtein("gett", "set"), 2);
        assert_eq!(levenshtein("", "abc"), 3);
    }

    #[test]
    fn suggests_near_names_and_prefixes_in_order() {
        let names = ["create", "set", "get", "apply", "api-resources"];
        assert_eq!(suggestions("gett", names), ["set", "get"]);
        assert_eq!(suggestions("ap", names), ["apply", "api-resources"]);
        assert_eq!(suggestions("GET", names), ["set", "get"]);
    }
}
