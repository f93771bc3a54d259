//! The toolbar popup. A placeholder until the summary views land: it says
//! what Thaman does and where it counts, in the person's language.

use wasm_bindgen::prelude::*;

use super::{chrome, dom};

/// Entry point for `popup.html`.
#[wasm_bindgen]
pub fn start_popup() -> Result<(), JsValue> {
    let doc = dom::document()?;
    dom::apply_locale(&doc)?;
    let body = doc.body().ok_or("no body")?;
    let main = dom::element(&doc, "main", "popup", "")?;
    for (tag, class, key) in [("h1", "", "extName"), ("p", "tagline", "popupTagline"), ("p", "soon", "popupPlaceholder")] {
        let child = dom::element(&doc, tag, class, &chrome::message(key))?;
        main.append_child(&child)?;
    }
    body.append_child(&main)?;
    Ok(())
}
