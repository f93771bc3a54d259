//! `messages.json` substitution, as `chrome.i18n.getMessage` does it, for
//! when the person picks a language other than the browser's: the pages
//! then read that locale's file themselves and fill it here. And plurals,
//! which `chrome.i18n` lacks: a counted message is one key per CLDR plural
//! category (`promptQuestion1_few`), chosen by `Intl.PluralRules` in the
//! glue; here are only the names and which categories each language needs.

/// A CLDR plural category, as `Intl.PluralRules.select` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Plural {
    Zero,
    One,
    Two,
    Few,
    Many,
    Other,
}

impl Plural {
    pub const ALL: [Plural; 6] = [
        Plural::Zero,
        Plural::One,
        Plural::Two,
        Plural::Few,
        Plural::Many,
        Plural::Other,
    ];

    /// The category `Intl.PluralRules.select` returned; anything unknown
    /// is `other`, the category every language has.
    ///
    /// ```text
    /// "few" -> Few   "other" -> Other   "bogus" -> Other
    /// ```
    pub fn from_cldr(name: &str) -> Plural {
        Plural::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .unwrap_or(Plural::Other)
    }

    pub fn name(self) -> &'static str {
        match self {
            Plural::Zero => "zero",
            Plural::One => "one",
            Plural::Two => "two",
            Plural::Few => "few",
            Plural::Many => "many",
            Plural::Other => "other",
        }
    }

    /// The message key for `base` in this category.
    ///
    /// ```text
    /// ("panelMarkUseful", Few) -> "panelMarkUseful_few"
    /// ```
    pub fn key(self, base: &str) -> String {
        format!("{base}_{}", self.name())
    }

    /// The category a key is written for, and its base: `("weekLine",
    /// Few)` for `weekLine_few`; `None` for a key that is not counted.
    pub fn split(key: &str) -> Option<(&str, Plural)> {
        let (base, suffix) = key.rsplit_once('_')?;
        Plural::ALL
            .into_iter()
            .find(|p| p.name() == suffix)
            .map(|p| (base, p))
    }
}

/// The languages Thaman ships messages in; any other locale reads English
/// (`default_locale`), so it counts in English too.
///
/// ```text
/// "ar-EG" -> "ar"   "en-GB" -> "en"   "fr" -> "en"
/// ```
pub fn shipped(locale: &str) -> &'static str {
    if locale == "ar" || locale.starts_with("ar-") || locale.starts_with("ar_") {
        "ar"
    } else {
        "en"
    }
}

/// The plural categories a shipped language's counted messages need: the
/// CLDR list (`Intl.PluralRules(lang).resolvedOptions().pluralCategories`,
/// which the browser tests compare with this).
///
/// ```text
/// "en" -> [One, Other]   "ar" -> [Zero, One, Two, Few, Many, Other]
/// ```
pub fn categories(lang: &str) -> &'static [Plural] {
    match shipped(lang) {
        "ar" => &Plural::ALL,
        _ => &[Plural::One, Plural::Other],
    }
}

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

    #[test]
    fn plural_names_and_keys() {
        assert_eq!(Plural::from_cldr("few"), Plural::Few);
        assert_eq!(Plural::from_cldr("zero"), Plural::Zero);
        assert_eq!(Plural::from_cldr("bogus"), Plural::Other);
        for p in Plural::ALL {
            assert_eq!(Plural::from_cldr(p.name()), p);
            assert_eq!(Plural::split(&p.key("weekLine")), Some(("weekLine", p)));
        }
        assert_eq!(Plural::Few.key("panelMarkUseful"), "panelMarkUseful_few");
        assert_eq!(Plural::split("site_x"), None);
        assert_eq!(Plural::split("plain"), None);
    }

    #[test]
    fn languages_and_their_categories() {
        assert_eq!(shipped("ar-EG"), "ar");
        assert_eq!(shipped("ar"), "ar");
        assert_eq!(shipped("en-GB"), "en");
        assert_eq!(shipped("fr"), "en");
        assert_eq!(shipped("arn"), "en");
        assert_eq!(categories("en"), &[Plural::One, Plural::Other]);
        assert_eq!(categories("ar").len(), 6);
    }

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
