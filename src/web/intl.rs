//! Numbers, money, durations, dates and counted messages in the person's
//! language and digits, with `Intl`: the browser side of [`crate::format`]
//! and [`crate::i18n`], which decide the shapes (places, currency display,
//! isolation, plural keys) and are tested natively.

use std::cell::RefCell;

use wasm_bindgen::JsValue;

use super::i18n;
use crate::calendar::Date;
use crate::format::{currency_display, isolate, money_places, with_digits, Digits};
use crate::i18n::Plural;

thread_local! {
    /// `Intl.PluralRules` for the language of the messages, made once.
    static PLURALS: RefCell<Option<(&'static str, js_sys::Intl::PluralRules)>> =
        const { RefCell::new(None) };
}

/// A counted message: `base` in the plural category of `count` in the
/// language of the messages (`panelMarkUseful_few` for 3 in Arabic), its
/// `$1` the count in the chosen digits and `$2`… `values`. A category the
/// language's file lacks falls back to `_other`.
///
/// ```text
/// ("panelMarkUseful", 1,  []) -> "Mark the last minute useful"
/// ("panelMarkUseful", 10, []) -> "اعتبر آخر ١٠ دقائق مفيدة"   (ar)
/// ```
pub fn counted(base: &str, n: u64, values: &[&str]) -> String {
    let shown = count(n);
    let mut all = vec![shown.as_str()];
    all.extend_from_slice(values);
    let key = plural(n as f64).key(base);
    let text = i18n::message_with(&key, &all);
    if text.starts_with(&format!("{key}: ")) {
        return i18n::message_with(&Plural::Other.key(base), &all);
    }
    text
}

/// The plural category of `n` in the language the messages are in (the
/// chosen one, else the browser's if Thaman ships it, else English).
pub fn plural(n: f64) -> Plural {
    let lang = crate::i18n::shipped(&i18n::locale());
    PLURALS.with(|p| {
        let mut p = p.borrow_mut();
        if p.as_ref().is_none_or(|(l, _)| *l != lang) {
            let locales = js_sys::Array::of1(&lang.into());
            let rules = js_sys::Intl::PluralRules::new(&locales, &js_sys::Object::new());
            *p = Some((lang, rules));
        }
        let rules = &p.as_ref().expect("made above").1;
        Plural::from_cldr(&rules.select(n).as_string().unwrap_or_default())
    })
}

/// `numberingSystem` for the chosen digits.
fn numbering(digits: Digits) -> &'static str {
    match digits {
        Digits::ArabicIndic => "arab",
        Digits::Latin => "latn",
    }
}

fn options(pairs: &[(&str, &str)]) -> js_sys::Object {
    let options = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&options, &(*k).into(), &(*v).into());
    }
    options
}

/// `value` through `Intl.NumberFormat(locale, options)`.
fn number_format(value: f64, locale: &str, options: &js_sys::Object) -> Option<String> {
    let locales = js_sys::Array::of1(&locale.into());
    let format = js_sys::Intl::NumberFormat::new(&locales, options).format();
    format
        .call1(&JsValue::NULL, &value.into())
        .ok()
        .and_then(|s| s.as_string())
}

/// A duration in words: `5 h 12 min`, `12 min`, `< 1 min`.
pub fn duration(seconds: f64) -> String {
    let minutes = if seconds.is_finite() && seconds > 0.0 {
        (seconds / 60.0).round() as u64
    } else {
        0
    };
    match (minutes / 60, minutes % 60) {
        // "< 1 min": the one in the chosen digits (Arabic says it in words).
        (0, 0) if seconds >= 1.0 => i18n::message_with("durationUnderMinute", &[&count(1)]),
        (0, m) => i18n::message_with("durationM", &[&count(m)]),
        (h, m) => i18n::message_with("durationHM", &[&count(h), &count(m)]),
    }
}

/// A whole number in the chosen digits, grouped per locale (`1,234`,
/// `١٬٢٣٤`).
pub fn count(n: u64) -> String {
    let digits = i18n::digits();
    let opts = options(&[("numberingSystem", numbering(digits))]);
    number_format(n as f64, &i18n::locale(), &opts)
        .unwrap_or_else(|| with_digits(&n.to_string(), digits))
}

/// A share as a percentage (`0.25` → `25%`), per locale.
pub fn percent(share: f64, signed: bool) -> String {
    let opts = options(&[
        ("style", "percent"),
        ("signDisplay", if signed { "exceptZero" } else { "auto" }),
        ("numberingSystem", numbering(i18n::digits())),
    ]);
    let _ = js_sys::Reflect::set(&opts, &"maximumFractionDigits".into(), &0.into());
    number_format(share, &i18n::locale(), &opts).unwrap_or_else(|| format!("{share}"))
}

/// Money in the chosen language and digits, isolated for bidi.
pub fn cash(usd: f64, currency: &str, usd_rate: f64) -> String {
    let locale = i18n::locale();
    let shown = money(usd * usd_rate, currency, &locale, i18n::digits());
    isolate(&shown)
}

/// As [`cash`], where room is short (the pill): the currency's code, not
/// its name, in Arabic.
pub fn cash_short(usd: f64, currency: &str, usd_rate: f64) -> String {
    let locale = i18n::locale();
    let display = currency_display(&locale, true);
    isolate(&money_as(
        usd * usd_rate,
        currency,
        &locale,
        i18n::digits(),
        display,
    ))
}

/// An amount of money in `locale`, with `Intl.NumberFormat`; three
/// decimals under a dime so a few ads do not round to nothing; the currency
/// by its name in Arabic ([`currency_display`]).
///
/// ```text
/// (0.4213, "USD", "en", Latin)       -> "$0.42"
/// (0.0227, "USD", "en", Latin)       -> "$0.023"
/// (4.58,   "USD", "ar", ArabicIndic) -> "٤٫٥٨ دولار أمريكي"
/// ```
pub fn money(amount: f64, currency: &str, locale: &str, digits: Digits) -> String {
    money_as(
        amount,
        currency,
        locale,
        digits,
        currency_display(locale, false),
    )
}

/// As [`money`], the currency shown as `display` (`currencyDisplay`).
fn money_as(amount: f64, currency: &str, locale: &str, digits: Digits, display: &str) -> String {
    let opts = options(&[
        ("style", "currency"),
        ("currency", currency),
        ("currencyDisplay", display),
        ("numberingSystem", numbering(digits)),
    ]);
    let _ = js_sys::Reflect::set(
        &opts,
        &"maximumFractionDigits".into(),
        &money_places(amount).into(),
    );
    // The currency is validated in settings and the locale is the
    // browser's own, so the constructor does not throw.
    number_format(amount, locale, &opts).unwrap_or_else(|| format!("{amount:.2} {currency}"))
}

/// A date per locale, e.g. `{weekday: "short"}` → `Mon` / `الاثنين`.
pub fn date(date: Date, opts: &[(&str, &str)]) -> String {
    let options = options(opts);
    for (k, v) in [
        ("timeZone", "UTC"),
        ("numberingSystem", numbering(i18n::digits())),
    ] {
        let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
    }
    let locales = js_sys::Array::of1(&i18n::locale().into());
    let format = js_sys::Intl::DateTimeFormat::new(&locales, &options).format();
    let js_date = js_sys::Date::new(&JsValue::from_f64(date.days() as f64 * 86_400_000.0));
    format
        .call1(&JsValue::NULL, &js_date)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| date.to_string())
}

/// A local hour of the day as a range, `21:00–22:00`, per locale.
pub fn hour_range(hour: u8) -> String {
    let h = |h: u8| format!("{:02}:00", h % 24);
    // Isolated left-to-right, so an Arabic sentence does not flip it.
    with_digits(
        &format!("\u{2066}{}–{}\u{2069}", h(hour), h(hour + 1)),
        i18n::digits(),
    )
}
