//! Small DOM helpers shared by the extension's pages.

use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

use super::chrome;
use crate::format::Digits;

pub fn document() -> Result<Document, JsValue> {
    web_sys::window().and_then(|w| w.document()).ok_or_else(|| JsValue::from_str("no document"))
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

/// Sets `lang` and `dir` on `<html>` from the browser's UI language.
pub fn apply_locale(doc: &Document) -> Result<(), JsValue> {
    let Some(root) = doc.document_element() else { return Ok(()) };
    let dir = chrome::message("@@bidi_dir");
    root.set_attribute("dir", if dir == "rtl" { "rtl" } else { "ltr" })?;
    let lang = chrome::message("@@ui_locale");
    if !lang.starts_with('@') {
        root.set_attribute("lang", &lang.replace('_', "-"))?;
    }
    Ok(())
}

/// The browser's UI language as a BCP 47 tag (`en-US`), `en` outside an
/// extension.
pub fn ui_locale() -> String {
    let l = chrome::message("@@ui_locale");
    if l.starts_with('@') { "en".into() } else { l.replace('_', "-") }
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
    let numbering = if digits == Digits::ArabicIndic { "arab" } else { "latn" };
    for (k, v) in [("style", "currency"), ("currency", currency), ("numberingSystem", numbering)] {
        let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
    }
    let places = if amount != 0.0 && amount.abs() < 0.1 { 3 } else { 2 };
    let _ = js_sys::Reflect::set(&options, &"maximumFractionDigits".into(), &places.into());
    let locales = js_sys::Array::of1(&locale.into());
    // The currency is validated in settings and the locale is the
    // browser's own, so the constructor does not throw.
    let format = js_sys::Intl::NumberFormat::new(&locales, &options).format();
    format.call1(&JsValue::NULL, &amount.into()).ok().and_then(|s| s.as_string()).unwrap_or_else(|| format!("{amount:.2} {currency}"))
}
