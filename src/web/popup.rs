//! The toolbar popup: today (time sold, useful time, viewable ads, the
//! platforms' take), this week as a chart by day stacked by platform, the
//! change against the same days of last week, and a table per platform.

use wasm_bindgen::prelude::*;
use web_sys::Element;

use wasm_bindgen_futures::JsFuture;

use super::widgets::{chart, own_cpm_legend, site_table, stats};
use super::{answer, chrome, dom, i18n, intl, page_setup_with, typed, warn};
use crate::settings::Settings;
use crate::summary::{Notice, Popup};

/// Entry point for `popup.html`: `popup.js` asked the core for the popup's
/// view and the settings before this module loaded (one round trip,
/// overlapping the wasm's compile); these are those two answers.
#[wasm_bindgen]
pub async fn start_popup(popup: js_sys::Promise, settings: js_sys::Promise) -> Result<(), JsValue> {
    let (doc, settings) = page_setup_with(JsFuture::from(settings)).await?;
    let body = doc.body().ok_or("no body")?;
    let main = dom::element(&doc, "main", "popup", "")?;
    body.append_child(&main)?;
    match JsFuture::from(popup)
        .await
        .and_then(answer)
        .and_then(typed::<Popup>)
    {
        Ok(popup) => render(&main, &popup, &settings)?,
        Err(err) => {
            warn(&format!("popup: {err:?}"));
            dom::add(&main, "p", "error", &i18n::message("loadFailed"))?;
        }
    }
    body.set_attribute("data-ready", "1")?;
    // For the bench: ms from navigation to rendered.
    let ms = web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now());
    body.set_attribute("data-ready-ms", &format!("{ms:.1}"))?;
    Ok(())
}

fn render(main: &Element, popup: &Popup, settings: &Settings) -> Result<(), JsValue> {
    let header = dom::add(main, "header", "", "")?;
    dom::add(&header, "h1", "", &i18n::message("extShortName"))?;
    dom::add(
        &header,
        "span",
        "date",
        &intl::date(
            popup.today.from,
            &[("weekday", "long"), ("day", "numeric"), ("month", "long")],
        ),
    )?;

    for notice in &popup.notices {
        let text = match notice {
            Notice::Quarantined { keys } => {
                intl::counted("noticeQuarantined", keys.len() as u64, &[])
            }
            Notice::NewerSchema { found } => {
                i18n::message_with("noticeNewerSchema", &[&intl::count(u64::from(*found))])
            }
            Notice::Compacted { through } => i18n::message_with(
                "noticeCompacted",
                &[&intl::date(*through, &[("dateStyle", "medium")])],
            ),
            Notice::FindsDropped { count, cap } => intl::counted(
                "noticeFindsDropped",
                *count as u64,
                &[&intl::count(u64::from(*cap))],
            ),
            Notice::WriteRefused => i18n::message("noticeWriteRefused"),
        };
        let p = dom::add(main, "p", "notice", &text)?;
        p.set_attribute("role", "alert")?;
    }

    let today = dom::add(main, "section", "today", "")?;
    today.set_attribute("aria-labelledby", "today-h")?;
    dom::add(&today, "h2", "", &i18n::message("popupToday"))?.set_id("today-h");
    stats(&today, &popup.today.totals, settings)?;
    if popup.goal_minutes > 0 {
        let goal = f64::from(popup.goal_minutes) * 60.0;
        let key = if popup.today.totals.attention_s >= goal {
            "goalPassed"
        } else {
            "goalLeft"
        };
        let left = (goal - popup.today.totals.attention_s).abs();
        dom::add(
            &today,
            "p",
            "goal",
            &i18n::message_with(key, &[&intl::duration(goal), &intl::duration(left)]),
        )?;
    }

    let week = dom::add(main, "section", "week", "")?;
    week.set_attribute("aria-labelledby", "week-h")?;
    dom::add(&week, "h2", "", &i18n::message("popupThisWeek"))?.set_id("week-h");
    chart(&week, &popup.week)?;
    let t = &popup.week.totals;
    let line = intl::counted(
        "weekLine",
        t.ads_viewable,
        &[&intl::duration(t.attention_s), &intl::duration(t.sold_s)],
    );
    dom::add(&week, "p", "week-totals", &line)?;
    let change = match popup.change {
        Some(c) => i18n::message_with(
            if c > 0.0 { "changeMore" } else { "changeLess" },
            &[&intl::percent(c.abs(), false)],
        ),
        None => i18n::message("changeNone"),
    };
    dom::add(&week, "p", "change", &change)?;
    site_table(&week, &popup.week, settings, false)?;
    own_cpm_legend(
        &week,
        popup.week.totals.own_cpm || popup.today.totals.own_cpm,
    )?;
    super::finds::section(main, &popup.finds, popup.finds_total)?;

    let nav = dom::add(main, "nav", "links", "")?;
    let summary = link(&nav, "popupOpenSummary", "summary.html")?;
    summary.set_id("open-summary");
    let options = link(&nav, "popupOpenOptions", "options.html")?;
    options.set_id("open-options");
    Ok(())
}

/// A link to one of Thaman's pages, opened in a tab.
fn link(parent: &Element, key: &str, page: &str) -> Result<Element, JsValue> {
    let a = dom::add(parent, "a", "", &i18n::message(key))?;
    a.set_attribute("href", &chrome::url(page))?;
    a.set_attribute("target", "_blank")?;
    Ok(a)
}
