//! Line differences between two texts, for replay errors that say what changed.

/// The line-level edit distance between `a` and `b`: lines only in `a` plus lines only in `b`.
pub(crate) fn line_distance(a: &str, b: &str) -> usize {
    let left: Vec<&str> = a.lines().collect();
    let right: Vec<&str> = b.lines().collect();
    let common = lcs_table(&left, &right)[0][0];
    left.len() + right.len() - 2 * common
}

/// A unified-style line diff from `old` to `new`: unchanged lines start with two spaces,
/// removed lines with `- `, added lines with `+ `. Runs of more than `context` unchanged lines
/// are elided to `  ...`.
pub(crate) fn line_diff(old: &str, new: &str, context: usize) -> String {
    let left: Vec<&str> = old.lines().collect();
    let right: Vec<&str> = new.lines().collect();
    let table = lcs_table(&left, &right);

    // Walk the table once, producing tagged lines in order.
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < left.len() || j < right.len() {
        if i < left.len() && j < right.len() && left[i] == right[j] {
            ops.push((' ', left[i]));
            i += 1;
            j += 1;
        } else if i < left.len() && (j == right.len() || table[i + 1][j] >= table[i][j + 1]) {
            ops.push(('-', left[i]));
            i += 1;
        } else {
            ops.push(('+', right[j]));
            j += 1;
        }
    }

    // Keep changed lines and `context` unchanged lines around each of them.
    let near_change = |k: usize| {
        let lo = k.saturating_sub(context);
        let hi = (k + context + 1).min(ops.len());
        ops[lo..hi].iter().any(|(tag, _)| *tag != ' ')
    };
    let mut out = String::new();
    let mut elided = false;
    for (k, (tag, line)) in ops.iter().enumerate() {
        if *tag != ' ' || near_change(k) {
            out.push_str(&format!("{tag} {line}\n"));
            elided = false;
        } else if !elided {
            out.push_str("  ...\n");
            elided = true;
        }
    }
    out
}

/// `table[i][j]` is the length of the longest common subsequence of `a[i..]` and `b[j..]`.
fn lcs_table(a: &[&str], b: &[&str]) -> Vec<Vec<usize>> {
    let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i][j] = if a[i] == b[j] {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_marks_changed_lines_and_elides_far_context() {
        let old = "a\nb\nc\nd\ne\nf\ng";
        let new = "a\nb\nc\nD\ne\nf\ng";
        let diff = line_diff(old, new, 1);
        assert_eq!(diff, "  ...\n  c\n- d\n+ D\n  e\n  ...\n");
        assert_eq!(line_distance(old, new), 2);
        assert_eq!(line_distance(old, old), 0);
    }
}
