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
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds.floor() as u64
    } else {
        0
    };
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    with_digits(&format!("{h}:{m:02}:{s:02}"), digits)
}

/// The toolbar badge: a day's attention in at most 4 characters.
///
/// ```text
/// 0..59 s -> ""     47 min -> "47m"    65 min -> "1h5"
/// 105 min -> "1h45" 12 h 3 m -> "12h"  NaN -> ""
/// ```
pub fn badge(seconds: f64) -> String {
    let minutes = if seconds.is_finite() && seconds > 0.0 {
        (seconds / 60.0).floor() as u64
    } else {
        0
    };
    match (minutes / 60, minutes % 60) {
        (0, 0) => String::new(),
        (0, m) => format!("{m}m"),
        (h, 0) if h < 10 => format!("{h}h"),
        (h, m) if h < 10 => format!("{h}h{m}"),
        (h, _) => format!("{}h", h.min(99)),
    }
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

/// A number as the person typed it, in either digits: Arabic-Indic
/// (and Persian) digits read as Latin ones, `٫` as the decimal point;
/// spaces and bidi marks around it ignored. Anything else is not a number.
///
/// ```text
/// "١٥" -> 15   "٠٫٩٢" -> 0.92   "۳۰" -> 30   " 30 " -> 30   "1.5" -> 1.5
/// "" -> none   "1,5" -> none   "١٥ث" -> none
/// ```
pub fn read_number(text: &str) -> Option<f64> {
    let latin: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}'))
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => {
                char::from_u32(u32::from('0') + (c as u32 - 0x0660)).unwrap_or(c)
            }
            '\u{06F0}'..='\u{06F9}' => {
                char::from_u32(u32::from('0') + (c as u32 - 0x06F0)).unwrap_or(c)
            }
            '\u{066B}' => '.',
            _ => c,
        })
        .collect();
    // Only plain decimals: Rust would also read "inf", "NaN" and "1e3".
    let plain = !latin.is_empty()
        && latin
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && latin.chars().any(|c| c.is_ascii_digit());
    plain.then(|| latin.parse::<f64>().ok()).flatten()
}

/// Decimal places for an amount of money: three under a dime, so a few
/// ads do not round to nothing.
///
/// ```text
/// 0.4213 -> 2   0.0227 -> 3   0 -> 2
/// ```
pub fn money_places(amount: f64) -> u32 {
    if amount != 0.0 && amount.abs() < 0.1 {
        3
    } else {
        2
    }
}

/// How a currency is named (`Intl.NumberFormat`'s `currencyDisplay`) in a
/// language. Arabic gets the currency's Arabic name: a Latin symbol such as
/// `US$` or `UK£` breaks apart in right-to-left text (it showed as
/// "$US ٤٫٥٨"), and the name is what an Arabic reader writes. Where room is
/// short (the pill), Arabic gets the ISO code: all letters, so it keeps
/// its order too.
///
/// ```text
/// ("ar", false) -> "name"  ("٤٫٥٨ دولار أمريكي")   ("en-US", _) -> "symbol" ("$4.58")
/// ("ar", true)  -> "code"  ("٤٫٥٨ USD")
/// ```
pub fn currency_display(locale: &str, short: bool) -> &'static str {
    match (crate::i18n::shipped(locale), short) {
        ("ar", false) => "name",
        ("ar", true) => "code",
        _ => "symbol",
    }
}

/// `text` as a bidi isolate (FSI … PDI), so an amount keeps its own order
/// inside a sentence of either direction.
///
/// ```text
/// "$4.58" -> "\u{2068}$4.58\u{2069}"
/// ```
pub fn isolate(text: &str) -> String {
    format!("\u{2068}{text}\u{2069}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_in_either_digits() {
        assert_eq!(read_number("١٥"), Some(15.0));
        assert_eq!(read_number("٠٫٩٢"), Some(0.92));
        assert_eq!(read_number("۳۰"), Some(30.0));
        assert_eq!(read_number(" 30 "), Some(30.0));
        assert_eq!(read_number("\u{200F}١٢٠"), Some(120.0));
        assert_eq!(read_number("1.5"), Some(1.5));
        assert_eq!(
            read_number(&with_digits("3650", Digits::ArabicIndic)),
            Some(3650.0)
        );
        for bad in ["", "1,5", "١٥ث", "inf", "NaN", "1e3", ".", "1.2.3", "-"] {
            assert_eq!(read_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn money_shapes() {
        assert_eq!(money_places(0.4213), 2);
        assert_eq!(money_places(0.0227), 3);
        assert_eq!(money_places(-0.05), 3);
        assert_eq!(money_places(0.0), 2);
        assert_eq!(money_places(12.0), 2);
        assert_eq!(currency_display("ar", false), "name");
        assert_eq!(currency_display("ar-SA", false), "name");
        assert_eq!(currency_display("ar", true), "code");
        assert_eq!(currency_display("en-US", false), "symbol");
        assert_eq!(currency_display("en-US", true), "symbol");
        assert_eq!(isolate("$4.58"), "\u{2068}$4.58\u{2069}");
    }

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
    fn badge_fits_four_characters() {
        assert_eq!(badge(59.0), "");
        assert_eq!(badge(47.0 * 60.0), "47m");
        assert_eq!(badge(65.0 * 60.0), "1h5");
        assert_eq!(badge(105.0 * 60.0), "1h45");
        assert_eq!(badge(120.0 * 60.0), "2h");
        assert_eq!(badge(12.0 * 3600.0 + 180.0), "12h");
        assert_eq!(badge(f64::NAN), "");
        for s in (0..200_000).step_by(37) {
            assert!(badge(f64::from(s) * 3.0).chars().count() <= 4);
        }
    }

    #[test]
    fn arabic_indic_digits() {
        assert_eq!(clock(62.0, Digits::ArabicIndic), "٠:٠١:٠٢");
        assert_eq!(with_digits("a9", Digits::ArabicIndic), "a٩");
    }
}
