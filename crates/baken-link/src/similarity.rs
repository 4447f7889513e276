//! String similarity measures on normalised (ASCII) values: Jaro-Winkler,
//! Damerau-Levenshtein (optimal string alignment) and a token-set ratio.

/// Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, prefix up to 4). Symmetric.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    // Work on (shorter, longer) so the result is symmetric by construction.
    let (s, l) = if a.len() < b.len() || (a.len() == b.len() && a <= b) {
        (a, b)
    } else {
        (b, a)
    };
    let window = (l.len() / 2).saturating_sub(1);
    let mut l_used = [false; 64];
    let mut l_used_vec;
    let l_used: &mut [bool] = if l.len() <= 64 {
        &mut l_used[..l.len()]
    } else {
        l_used_vec = vec![false; l.len()];
        &mut l_used_vec
    };
    let mut s_match = [0u8; 64];
    let mut s_match_vec;
    let s_match: &mut [u8] = if s.len() <= 64 {
        &mut s_match[..]
    } else {
        s_match_vec = vec![0u8; s.len()];
        &mut s_match_vec
    };
    let mut m = 0usize;
    for (i, &c) in s.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(l.len());
        for j in lo..hi {
            if !l_used[j] && l[j] == c {
                l_used[j] = true;
                s_match[m] = c;
                m += 1;
                break;
            }
        }
    }
    if m == 0 {
        return 0.0;
    }
    let mut t = 0usize;
    let mut k = 0usize;
    for (j, &used) in l_used.iter().enumerate() {
        if used {
            if l[j] != s_match[k] {
                t += 1;
            }
            k += 1;
        }
    }
    let m_f = m as f64;
    let jaro = (m_f / s.len() as f64 + m_f / l.len() as f64 + (m_f - (t / 2) as f64) / m_f) / 3.0;
    let prefix = s
        .iter()
        .zip(l.iter())
        .take(4)
        .take_while(|(x, y)| x == y)
        .count();
    jaro + prefix as f64 * 0.1 * (1.0 - jaro)
}

/// Damerau-Levenshtein distance (optimal string alignment: adjacent transpositions
/// count one), giving up early: returns `max + 1` once the distance exceeds `max`.
pub fn damerau_levenshtein(a: &str, b: &str, max: usize) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return 0;
    }
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[n].min(max + 1)
}

/// Share of the words of the shorter value that also occur in the longer one, in
/// [0, 1]; word order and duplicates are ignored. Symmetric.
pub fn token_set(a: &str, b: &str) -> f64 {
    let mut ta: Vec<&str> = a.split(' ').filter(|t| !t.is_empty()).collect();
    let mut tb: Vec<&str> = b.split(' ').filter(|t| !t.is_empty()).collect();
    ta.sort_unstable();
    ta.dedup();
    tb.sort_unstable();
    tb.dedup();
    if ta.is_empty() || tb.is_empty() {
        return 0.0;
    }
    let common = ta.iter().filter(|t| tb.binary_search(t).is_ok()).count();
    common as f64 / ta.len().min(tb.len()) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert!((jaro_winkler("martha", "marhta") - 0.9611).abs() < 1e-3);
        assert!((jaro_winkler("dixon", "dicksonx") - 0.8133).abs() < 1e-3);
        assert_eq!(jaro_winkler("abc", "abc"), 1.0);
        assert_eq!(jaro_winkler("", "abc"), 0.0);
        assert_eq!(damerau_levenshtein("berg", "bregh", 3), 2);
        assert_eq!(damerau_levenshtein("19850731", "19850713", 3), 1);
        assert_eq!(damerau_levenshtein("kitten", "sitting", 1), 2);
        assert_eq!(token_set("jansen vries", "vries"), 1.0);
        assert_eq!(token_set("a b", "c d"), 0.0);
    }

    proptest! {
        #[test]
        fn prop_symmetric(a in "[a-e]{0,12}", b in "[a-e]{0,12}") {
            prop_assert_eq!(jaro_winkler(&a, &b).to_bits(), jaro_winkler(&b, &a).to_bits());
            prop_assert_eq!(damerau_levenshtein(&a, &b, 3), damerau_levenshtein(&b, &a, 3));
            prop_assert_eq!(token_set(&a, &b).to_bits(), token_set(&b, &a).to_bits());
            let jw = jaro_winkler(&a, &b);
            prop_assert!((0.0..=1.0).contains(&jw));
        }
    }
}
