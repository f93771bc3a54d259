//! `messages.json` substitution, as `chrome.i18n.getMessage` does it, for
//! when the person picks a language other than the browser's: the pages
//! then read that locale's file themselves and fill it here.

/// Fills `message`: a named placeholder `$NAME$` (any case) takes its
/// `content`, in which `$1`…`$9` take `values`; `$$` is a dollar sign.
///
/// ```text
/// ("· ads: $COUNT$", [("count", "$1")], ["3"]) -> "· ads: 3"
/// ("$$5 and $1", [], ["x"])                    -> "$5 and x"
/// ("$MISSING$", [], [])                         -> ""
/// ```
pub fn fill(message: &str, placeholders: &[(String, String)], values: &[&str]) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(d) = rest
            .chars()
            .next()
            .and_then(|c| c.to_digit(10))
            .filter(|d| *d >= 1)
        {
            out.push_str(values.get(d as usize - 1).copied().unwrap_or(""));
            rest = &rest[1..];
        } else if let Some(end) = rest.find('$').filter(|end| {
            rest[..*end]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'@')
                && *end > 0
        }) {
            let name = &rest[..end];
            if let Some((_, content)) = placeholders
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                out.push_str(&fill(content, &[], values));
            }
            rest = &rest[end + 1..];
        } else {
            out.push('$');
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ph(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn fills_like_chrome() {
        assert_eq!(
            fill("· ads: $COUNT$", &ph(&[("count", "$1")]), &["3"]),
            "· ads: 3"
        );
        assert_eq!(
            fill(
                "Estimate: $LOW$ to $HIGH$. Source: $SOURCE$",
                &ph(&[("low", "$1"), ("high", "$2"), ("source", "$3")]),
                &["a", "b", "c"]
            ),
            "Estimate: a to b. Source: c"
        );
        assert_eq!(fill("$$5 and $1", &[], &["x"]), "$5 and x");
        assert_eq!(fill("$MISSING$ end", &[], &[]), " end");
        assert_eq!(fill("cost $ 5", &[], &[]), "cost $ 5");
        assert_eq!(fill("trailing $", &[], &[]), "trailing $");
        assert_eq!(fill("$2 before $1", &[], &["one", "two"]), "two before one");
        assert_eq!(fill("٪$PCT$", &ph(&[("pct", "$1")]), &["٥"]), "٪٥");
    }
}
