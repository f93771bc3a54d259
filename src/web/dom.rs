//! Small DOM helpers shared by the extension's pages.

use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

use super::{chrome, i18n};
use crate::calendar::Date;
use crate::format::{with_digits, Digits};

pub fn document() -> Result<Document, JsValue> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))
}

/// `<tag class=…>text</tag>`.
pub fn element(doc: &Document, tag: &str, class: &str, text: &str) -> Result<Element, JsValue> {
    let el = doc.create_element(tag)?;
    if !class.is_empty() {
        el.set_class_name(class);
    }
    if !text.is_empty() {
        el.set_text_content(Some(text));
    }
    Ok(el)
}

/// Sets `lang` and `dir` on `<html>` from the chosen (else the
/// browser's) language.
pub fn apply_locale(doc: &Document) -> Result<(), JsValue> {
    let Some(root) = doc.document_element() else {
        return Ok(());
    };
    root.set_attribute("dir", if i18n::rtl() { "rtl" } else { "ltr" })?;
    root.set_attribute("lang", &i18n::locale())?;
    Ok(())
}

/// The locale numbers and dates are written in.
pub fn ui_locale() -> String {
    i18n::locale()
}

/// `<tag class=…>text</tag>` appended to `parent`.
pub fn add(parent: &Element, tag: &str, class: &str, text: &str) -> Result<Element, JsValue> {
    let doc = parent.owner_document().ok_or("detached")?;
    let el = element(&doc, tag, class, text)?;
    parent.append_child(&el)?;
    Ok(el)
}

/// An SVG element with attributes, appended to `parent`.
pub fn svg(parent: &Element, tag: &str, attrs: &[(&str, &str)]) -> Result<Element, JsValue> {
    let doc = parent.owner_document().ok_or("detached")?;
    let el = doc.create_element_ns(Some("http://www.w3.org/2000/svg"), tag)?;
    for (k, v) in attrs {
        el.set_attribute(k, v)?;
    }
    parent.append_child(&el)?;
    Ok(el)
}

/// A duration in words: `5 h 12 min`, `12 min`, `< 1 min`.
pub fn duration(seconds: f64) -> String {
    let minutes = if seconds.is_finite() && seconds > 0.0 {
        (seconds / 60.0).round() as u64
    } else {
        0
    };
    let text = match (minutes / 60, minutes % 60) {
        (0, 0) if seconds >= 1.0 => chrome::message("durationUnderMinute"),
        (0, m) => chrome::message_with("durationM", &[&m.to_string()]),
        (h, m) => chrome::message_with("durationHM", &[&h.to_string(), &m.to_string()]),
    };
    with_digits(&text, i18n::digits())
}

/// A whole number in the chosen digits.
pub fn count(n: u64) -> String {
    with_digits(&n.to_string(), i18n::digits())
}

/// A share as a percentage (`0.25` → `25%`), per locale.
pub fn percent(share: f64, signed: bool) -> String {
    number_format(
        share,
        &[
            ("style", "percent"),
            ("signDisplay", if signed { "exceptZero" } else { "auto" }),
        ],
        0,
    )
}

/// Money in the chosen digits.
pub fn cash(usd: f64, currency: &str, usd_rate: f64) -> String {
    money(usd * usd_rate, currency, &ui_locale(), i18n::digits())
}

fn number_format(value: f64, opts: &[(&str, &str)], max_fraction: u32) -> String {
    let options = js_sys::Object::new();
    let numbering = if i18n::digits() == Digits::ArabicIndic {
        "arab"
    } else {
        "latn"
    };
    for (k, v) in opts.iter().chain(&[("numberingSystem", numbering)]) {
        let _ = js_sys::Reflect::set(&options, &(*k).into(), &(*v).into());
    }
    let _ = js_sys::Reflect::set(
        &options,
        &"maximumFractionDigits".into(),
        &max_fraction.into(),
    );
    let locales = js_sys::Array::of1(&ui_locale().into());
    let format = js_sys::Intl::NumberFormat::new(&locales, &options).format();
    format
        .call1(&JsValue::NULL, &value.into())
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| format!("{value}"))
}

/// A date per locale, e.g. `{weekday: "short"}` → `Mon` / `الاثنين`.
pub fn date(date: Date, opts: &[(&str, &str)]) -> String {
    let options = js_sys::Object::new();
    let numbering = if i18n::digits() == Digits::ArabicIndic {
        "arab"
    } else {
        "latn"
    };
    for (k, v) in opts
        .iter()
        .chain(&[("timeZone", "UTC"), ("numberingSystem", numbering)])
    {
        let _ = js_sys::Reflect::set(&options, &(*k).into(), &(*v).into());
    }
    let locales = js_sys::Array::of1(&ui_locale().into());
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

/// An amount of money in `locale`, with `Intl.NumberFormat`; three
/// decimals under a dime so a few ads do not round to nothing.
///
/// ```text
/// (0.4213, "USD", "en", Latin)       -> "$0.42"
/// (0.0227, "USD", "en", Latin)       -> "$0.023"
/// (0.42,   "USD", "ar", ArabicIndic) -> "‏٠٫٤٢ US$"
/// ```
pub fn money(amount: f64, currency: &str, locale: &str, digits: Digits) -> String {
    let options = js_sys::Object::new();
    let numbering = if digits == Digits::ArabicIndic {
        "arab"
    } else {
        "latn"
    };
    for (k, v) in [
        ("style", "currency"),
        ("currency", currency),
        ("numberingSystem", numbering),
    ] {
        let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
    }
    let places = if amount != 0.0 && amount.abs() < 0.1 {
        3
    } else {
        2
    };
    let _ = js_sys::Reflect::set(&options, &"maximumFractionDigits".into(), &places.into());
    let locales = js_sys::Array::of1(&locale.into());
    // The currency is validated in settings and the locale is the
    // browser's own, so the constructor does not throw.
    let format = js_sys::Intl::NumberFormat::new(&locales, &options).format();
    format
        .call1(&JsValue::NULL, &amount.into())
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| format!("{amount:.2} {currency}"))
}
