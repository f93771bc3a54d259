//! Number and time formatting shared by every view (pure, locale-aware).

/// Which digits numbers are written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Digits {
    #[default]
    Latin,
    /// ٠١٢٣٤٥٦٧٨٩
    ArabicIndic,
}

/// A duration as a clock, `h:mm:ss`.
///
/// ```text
/// 0 -> "0:00:00"   59.9 -> "0:00:59"   3725 -> "1:02:05"
/// negative, NaN -> "0:00:00"
/// ```
pub fn clock(seconds: f64, digits: Digits) -> String {
    let total = if seconds.is_finite() && seconds > 0.0 { seconds.floor() as u64 } else { 0 };
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    with_digits(&format!("{h}:{m:02}:{s:02}"), digits)
}

/// Rewrites ASCII digits in `text` with the chosen digits.
///
/// ```text
/// ("1:02", ArabicIndic) -> "١:٠٢"
/// ```
pub fn with_digits(text: &str, digits: Digits) -> String {
    match digits {
        Digits::Latin => text.to_string(),
        Digits::ArabicIndic => text
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => char::from_u32(0x0660 + d).unwrap_or(c),
                None => c,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_shapes() {
        assert_eq!(clock(0.0, Digits::Latin), "0:00:00");
        assert_eq!(clock(59.9, Digits::Latin), "0:00:59");
        assert_eq!(clock(61.0, Digits::Latin), "0:01:01");
        assert_eq!(clock(3725.0, Digits::Latin), "1:02:05");
        assert_eq!(clock(36_000.0, Digits::Latin), "10:00:00");
        assert_eq!(clock(-5.0, Digits::Latin), "0:00:00");
        assert_eq!(clock(f64::NAN, Digits::Latin), "0:00:00");
    }

    #[test]
    fn arabic_indic_digits() {
        assert_eq!(clock(62.0, Digits::ArabicIndic), "٠:٠١:٠٢");
        assert_eq!(with_digits("a9", Digits::ArabicIndic), "a٩");
    }
}
