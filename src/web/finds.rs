//! "Useful finds" as the popup and the weekly summary show them: per
//! platform, newest first, each with its text, a link that opens it and a
//! delete button.

use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::i18n::site_name;
use super::{ask, dom, i18n, intl, warn, Ask};
use crate::finds::Find;

/// Adds the section: `finds` newest first; `total` finds kept in all (the
/// popup shows a few and says how many more there are).
pub fn section(parent: &Element, finds: &[Find], total: usize) -> Result<(), JsValue> {
    let section = dom::add(parent, "section", "finds", "")?;
    section.set_attribute("aria-labelledby", "finds-h")?;
    dom::add(&section, "h2", "", &i18n::message("findsTitle"))?.set_id("finds-h");
    if finds.is_empty() {
        dom::add(&section, "p", "empty", &i18n::message("findsEmpty"))?;
        return Ok(());
    }
    // Platforms in the order of their newest find.
    let mut sites: Vec<&str> = Vec::new();
    for f in finds {
        if !sites.contains(&f.site.as_str()) {
            sites.push(&f.site);
        }
    }
    for site in sites {
        dom::add(&section, "h3", "", &site_name(site))?;
        let list = dom::add(&section, "ul", "find-list", "")?;
        for f in finds.iter().filter(|f| f.site == site) {
            item(&list, f)?;
        }
    }
    if total > finds.len() {
        dom::add(
            &section,
            "p",
            "more",
            &intl::counted("findsMore", total as u64, &[]),
        )?;
    }
    Ok(())
}

fn item(list: &Element, f: &Find) -> Result<(), JsValue> {
    let li = dom::add(list, "li", "find", "")?;
    li.set_attribute("data-id", &f.id.to_string())?;
    let text = if f.text.is_empty() {
        f.url.as_str()
    } else {
        f.text.as_str()
    };
    let link = dom::add(&li, "a", "find-text", text)?;
    link.set_attribute("href", &f.url)?;
    link.set_attribute("target", "_blank")?;
    link.set_attribute("rel", "noopener noreferrer")?;
    link.set_attribute("dir", "auto")?;
    let meta = if f.author.is_empty() {
        intl::date(f.date, &[("day", "numeric"), ("month", "short")])
    } else {
        i18n::message_with(
            "findBy",
            &[
                &f.author,
                &intl::date(f.date, &[("day", "numeric"), ("month", "short")]),
            ],
        )
    };
    dom::add(&li, "span", "find-meta", &meta)?.set_attribute("dir", "auto")?;
    let delete = dom::add(&li, "button", "find-delete", &i18n::message("findDelete"))?;
    delete.set_attribute("type", "button")?;
    delete.set_attribute(
        "aria-label",
        &i18n::message_with("findDeleteLabel", &[text]),
    )?;
    let (id, li2) = (f.id, li.clone());
    let click = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        if !e.is_trusted() {
            return;
        }
        let li = li2.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match ask(&Ask::DeleteFind { id }).await {
                Ok(_) => li.remove(),
                Err(err) => warn(&format!("delete find {id}: {err:?}")),
            }
        });
    });
    delete.add_event_listener_with_callback("click", click.as_ref().unchecked_ref())?;
    click.forget();
    Ok(())
}
