//! Ad labels: the shared dictionary ("Sponsored", "مُموَّل", …) and the
//! normalisation that makes a label match however the page writes it.
//!
//! The sensor applies Unicode NFKC (the browser's own `normalize`) before
//! sending label text; everything else happens here:
//! zero-width and bidi marks removed, Arabic diacritics (harakat) and
//! tatweel removed, case folded, whitespace collapsed.

/// Normalises label text for comparison.
///
/// ```text
/// "  Spon\u{200B}sored " -> "sponsored"
/// "مُموَّل"               -> "ممول"
/// "مـمـول"               -> "ممول"
/// ```
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if is_invisible(c) || is_arabic_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Harakat, Quranic marks, superscript alef, and tatweel.
fn is_arabic_mark(c: char) -> bool {
    matches!(c, '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{0640}')
}

/// The ad-label dictionary, normalised, from `rules/labels.txt`.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    entries: Vec<String>,
}

/// A bad line in the labels file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("labels line {line}: {reason}")]
pub struct LabelsError {
    pub line: usize,
    pub reason: &'static str,
}

impl Labels {
    /// Parses `lang: label` lines (`!` comments).
    pub fn parse(text: &str) -> Result<Labels, LabelsError> {
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('!') {
                continue;
            }
            let (lang, label) = line.split_once(':').ok_or(LabelsError {
                line: i + 1,
                reason: "expected `lang: label`",
            })?;
            if lang.trim().len() < 2
                || !lang
                    .trim()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-')
            {
                return Err(LabelsError {
                    line: i + 1,
                    reason: "language must be a code like en or ar",
                });
            }
            let label = normalize(label);
            if label.is_empty() {
                return Err(LabelsError {
                    line: i + 1,
                    reason: "empty label",
                });
            }
            entries.push(label);
        }
        Ok(Labels { entries })
    }

    /// Whether `text` is an ad label: it is a dictionary entry, or starts
    /// with one followed by a separator ("Sponsored · Paid for by …"), or
    /// with a several-word entry followed by a name ("Promoted by Acme").
    /// A sentence that merely begins with the word ("Ad hoc meetup…",
    /// "Promoted to team lead!") is not a label.
    pub fn is_ad_label(&self, text: &str) -> bool {
        let text = normalize(text);
        self.entries.iter().any(|entry| {
            let Some(rest) = text.strip_prefix(entry.as_str()) else {
                return false;
            };
            rest.is_empty()
                || rest.trim_start().starts_with(['·', '•', '|', ':', '،'])
                || (entry.contains(' ') && rest.starts_with(' '))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict() -> Labels {
        Labels::parse(
            "! test\nen: Sponsored\nen: Promoted by\nar: مُموَّل\nar: إعلان\nfr: Sponsorisé\n",
        )
        .unwrap()
    }

    #[test]
    fn normalisation_strips_tricks() {
        assert_eq!(normalize("  Spon\u{200B}sored "), "sponsored");
        assert_eq!(normalize("مُموَّل"), "ممول");
        assert_eq!(normalize("مـمـول"), "ممول");
        assert_eq!(normalize("\u{202B}إعلان\u{202C}"), "إعلان");
        assert_eq!(normalize("Promoted\n  by"), "promoted by");
    }

    #[test]
    fn labels_match_whole_labels_only() {
        let d = dict();
        assert!(d.is_ad_label("Sponsored"));
        assert!(d.is_ad_label("SPONSORED · Paid for by Acme"));
        assert!(d.is_ad_label("ممول"));
        assert!(d.is_ad_label("مُمَوَّل"));
        assert!(d.is_ad_label("Promoted by Acme Shoes"));
        assert!(d.is_ad_label("Sponsorisé"));
        assert!(!d.is_ad_label("Sponsoredly yours"));
        assert!(!d.is_ad_label("This post is not sponsored"));
        assert!(!d.is_ad_label("Ad hoc meetup tonight"));
        assert!(!d.is_ad_label("Ad-free weekend"));
        assert!(!d.is_ad_label("Sponsored by my own wallet"));
        assert!(!d.is_ad_label("مُموَّل؟ لا. اشتريته بنفسي"));
        assert!(!d.is_ad_label(""));
    }

    #[test]
    fn bad_label_lines_are_refused() {
        assert_eq!(Labels::parse("Sponsored").unwrap_err().line, 1);
        assert_eq!(Labels::parse("en: ok\nEN: x").unwrap_err().line, 2);
        assert!(Labels::parse("en: \u{200B}").is_err());
    }
}
