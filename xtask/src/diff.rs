//! A small line diff in unified format, to show what a release would change.

/// The unified diff from `old` to `new` for the file `name`, with `context`
/// lines around each change; empty when they are equal.
pub fn unified(name: &str, old: &str, new: &str, context: usize) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = line_ops(&a, &b);
    if ops.iter().all(|op| matches!(op, Op::Same(..))) {
        return String::new();
    }
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    // Group ops into hunks: changes closer than 2 * context lines merge.
    let changed: Vec<usize> = (0..ops.len())
        .filter(|&i| !matches!(ops[i], Op::Same(..)))
        .collect();
    let mut i = 0;
    while i < changed.len() {
        let start = changed[i].saturating_sub(context);
        let mut end = changed[i];
        while i + 1 < changed.len() && changed[i + 1] <= end + 2 * context + 1 {
            i += 1;
            end = changed[i];
        }
        let end = (end + context + 1).min(ops.len());
        let (a0, b0) = ops[start].position();
        let (mut na, mut nb) = (0, 0);
        let mut body = String::new();
        for op in &ops[start..end] {
            match op {
                Op::Same(x, _) => {
                    body.push_str(&format!(" {}\n", a[*x]));
                    na += 1;
                    nb += 1;
                }
                Op::Del(x, _) => {
                    body.push_str(&format!("-{}\n", a[*x]));
                    na += 1;
                }
                Op::Add(_, y) => {
                    body.push_str(&format!("+{}\n", b[*y]));
                    nb += 1;
                }
            }
        }
        out.push_str(&format!("@@ -{},{na} +{},{nb} @@\n{body}", a0 + 1, b0 + 1));
        i += 1;
    }
    out
}

/// One step of the edit script, with the line positions in `a` and `b`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Same(usize, usize),
    Del(usize, usize),
    Add(usize, usize),
}

impl Op {
    fn position(self) -> (usize, usize) {
        match self {
            Op::Same(x, y) | Op::Del(x, y) | Op::Add(x, y) => (x, y),
        }
    }
}

/// The edit script from `a` to `b`: common prefix and suffix, and a longest
/// common subsequence over the (small) middle.
fn line_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    // lcs[i][j]: length of the LCS of ma[i..] and mb[j..].
    let mut lcs = vec![vec![0u32; mb.len() + 1]; ma.len() + 1];
    for i in (0..ma.len()).rev() {
        for j in (0..mb.len()).rev() {
            lcs[i][j] = if ma[i] == mb[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<Op> = (0..pre).map(|i| Op::Same(i, i)).collect();
    let (mut i, mut j) = (0, 0);
    while i < ma.len() || j < mb.len() {
        if i < ma.len() && j < mb.len() && ma[i] == mb[j] {
            ops.push(Op::Same(pre + i, pre + j));
            i += 1;
            j += 1;
        } else if i < ma.len() && (j == mb.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(Op::Del(pre + i, pre + j));
            i += 1;
        } else {
            ops.push(Op::Add(pre + i, pre + j));
            j += 1;
        }
    }
    let (ea, eb) = (a.len() - suf, b.len() - suf);
    ops.extend((0..suf).map(|k| Op::Same(ea + k, eb + k)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_give_no_diff() {
        assert_eq!(unified("f", "a\nb\n", "a\nb\n", 3), "");
    }

    #[test]
    fn a_changed_line_and_an_insertion() {
        let old = "1\n2\n3\nversion = \"0.1.0\"\n5\n6\n7\n8\n9\n10\n";
        let new = "1\n2\n3\nversion = \"0.2.0\"\n5\n6\n7\n8\n9\nnew\n10\n";
        let d = unified("Cargo.toml", old, new, 1);
        assert_eq!(
            d,
            "--- a/Cargo.toml\n+++ b/Cargo.toml\n\
             @@ -3,3 +3,3 @@\n 3\n-version = \"0.1.0\"\n+version = \"0.2.0\"\n 5\n\
             @@ -9,2 +9,3 @@\n 9\n+new\n 10\n"
        );
    }

    #[test]
    fn nearby_changes_share_a_hunk() {
        let d = unified("f", "a\nb\nc\nd\n", "A\nb\nC\nd\n", 1);
        assert_eq!(
            d,
            "--- a/f\n+++ b/f\n@@ -1,4 +1,4 @@\n-a\n+A\n b\n-c\n+C\n d\n"
        );
    }
}
