//! Okapi BM25 ranking over short documents, small enough to rebuild per query.

use std::collections::BTreeMap;

/// The usual BM25 term-frequency saturation.
const K1: f64 = 1.2;
/// The usual BM25 length normalisation.
const B: f64 = 0.75;

/// Words too common in task sentences and skills to tell them apart.
const STOPWORDS: &[&str] = &[
    "a", "all", "an", "and", "any", "are", "as", "at", "be", "by", "for", "from", "in", "into",
    "is", "it", "its", "my", "of", "on", "or", "that", "the", "this", "to", "when", "with", "you",
    "your",
];

/// Lower-case words of letters, digits and `_`, without stopwords; other characters separate
/// words.
pub fn tokenize(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .collect()
}

/// The BM25 score of every document for `query`, in document order. Documents that share no
/// word with the query score 0.
pub fn scores(documents: &[String], query: &str) -> Vec<f64> {
    let docs: Vec<Vec<String>> = documents.iter().map(|d| tokenize(d)).collect();
    let n = docs.len() as f64;
    if docs.is_empty() {
        return Vec::new();
    }
    let average = docs.iter().map(Vec::len).sum::<usize>() as f64 / n;
    let mut document_frequency: BTreeMap<&str, usize> = BTreeMap::new();
    for doc in &docs {
        let mut seen: Vec<&str> = doc.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for word in seen {
            *document_frequency.entry(word).or_default() += 1;
        }
    }
    let mut terms = tokenize(query);
    terms.sort_unstable();
    terms.dedup();

    docs.iter()
        .map(|doc| {
            let length = doc.len() as f64;
            terms
                .iter()
                .map(|term| {
                    let tf = doc.iter().filter(|w| *w == term).count() as f64;
                    if tf == 0.0 {
                        return 0.0;
                    }
                    let df = document_frequency.get(term.as_str()).copied().unwrap_or(0) as f64;
                    let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                    idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * length / average.max(1.0)))
                })
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_sharing_rare_words_ranks_first() {
        let docs = vec![
            "scale the catalogue deployment".to_owned(),
            "p99 latency of catalogue from prometheus histogram".to_owned(),
            "namespace of front-end".to_owned(),
        ];
        let s = scores(&docs, "Report the P99 latency of catalogue");
        assert!(s[1] > s[0] && s[0] > 0.0, "{s:?}");
        assert!(s[1] > s[2]);
        assert_eq!(scores(&docs, "nothing shared")[0], 0.0);
        assert_eq!(
            scores(&docs, "of the")[0],
            0.0,
            "stopwords alone match nothing"
        );
        assert!(scores(&[], "x").is_empty());
    }

    #[test]
    fn repeated_words_saturate() {
        let docs = vec![
            "cpu".to_owned(),
            "cpu cpu cpu cpu".to_owned(),
            "memory".to_owned(),
        ];
        let s = scores(&docs, "cpu");
        assert!(s[1] > s[0] && s[1] < 4.0 * s[0], "{s:?}");
    }
}
