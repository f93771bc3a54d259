//! The weekly summary page: the last complete week against the one
//! before, per platform, why time was useful, when it was given most, and
//! the current week to date.

use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::popup::{chart, site_table, stats};
use super::{ask_for, chrome, dom, page_setup, warn, Ask};
use crate::settings::Settings;
use crate::summary::{change, Period, Weekly};

/// Entry point for `summary.html`.
#[wasm_bindgen]
pub async fn start_summary() -> Result<(), JsValue> {
    let (doc, settings) = page_setup().await?;
    doc.set_title(&chrome::message("summaryTitle"));
    let body = doc.body().ok_or("no body")?;
    let main = dom::element(&doc, "main", "summary", "")?;
    body.append_child(&main)?;
    match ask_for::<Weekly>(&Ask::Weekly).await {
        Ok(weekly) => render(&main, &weekly, &settings)?,
        Err(err) => {
            warn(&format!("summary: {err:?}"));
            dom::add(&main, "p", "error", &chrome::message("loadFailed"))?;
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

fn range(p: &Period) -> String {
    let opts = [("day", "numeric"), ("month", "long")];
    chrome::message_with(
        "dateRange",
        &[&dom::date(p.from, &opts), &dom::date(p.to, &opts)],
    )
}

fn render(main: &Element, w: &Weekly, settings: &Settings) -> Result<(), JsValue> {
    dom::add(main, "h1", "", &chrome::message("summaryTitle"))?;

    let last = dom::add(main, "section", "last-week", "")?;
    last.set_id("last-week");
    dom::add(
        &last,
        "h2",
        "",
        &chrome::message_with("summaryLastWeek", &[&range(&w.last)]),
    )?;
    headline(&last, &w.last, settings)?;
    stats(&last, &w.last.totals, settings)?;
    let compare = match change(w.last.totals.attention_s, w.before.totals.attention_s) {
        Some(c) => chrome::message_with(
            if c > 0.0 {
                "summaryMore"
            } else {
                "summaryLess"
            },
            &[
                &dom::percent(c.abs(), false),
                &dom::duration(w.before.totals.attention_s),
            ],
        ),
        None => chrome::message("changeNone"),
    };
    dom::add(&last, "p", "change", &compare)?;
    chart(&last, &w.last)?;
    site_table(&last, &w.last, settings, true)?;
    given_most(&last, &w.last)?;
    reasons(&last, &w.last)?;

    let current = dom::add(main, "section", "this-week", "")?;
    current.set_id("this-week");
    dom::add(
        &current,
        "h2",
        "",
        &chrome::message_with("summaryThisWeek", &[&range(&w.current)]),
    )?;
    stats(&current, &w.current.totals, settings)?;
    site_table(&current, &w.current, settings, true)?;

    super::finds::section(main, &w.finds, w.finds.len())?;

    let notes = dom::add(main, "footer", "notes", "")?;
    dom::add(&notes, "p", "", &chrome::message("summaryNoteTake"))?;
    let mut sources: Vec<String> = w
        .last
        .sites
        .iter()
        .chain(&w.current.sites)
        .filter_map(|s| s.take_source.clone())
        .collect();
    sources.extend(
        w.last
            .sites
            .iter()
            .chain(&w.current.sites)
            .filter_map(|s| s.hour_value.as_ref().map(|h| h.source.clone())),
    );
    sources.sort();
    sources.dedup();
    if !sources.is_empty() {
        let list = dom::add(&notes, "ul", "sources", "")?;
        for s in sources {
            let text = if s == "own" {
                chrome::message("takeOwnCpm")
            } else {
                s
            };
            // Sources are in English: each reads in its own direction.
            dom::add(&list, "li", "", &text)?.set_attribute("dir", "auto")?;
        }
    }
    Ok(())
}

/// The week's cost in one sentence.
fn headline(parent: &Element, p: &Period, settings: &Settings) -> Result<(), JsValue> {
    let t = &p.totals;
    if t.attention_s < 1.0 {
        dom::add(parent, "p", "headline", &chrome::message("nothingYet"))?;
        return Ok(());
    }
    let take = t.take.as_ref().map_or_else(
        || chrome::message("takeUnknown"),
        |v| dom::cash(v.typical, &settings.currency, settings.usd_rate),
    );
    let text = chrome::message_with(
        "summaryHeadline",
        &[
            &dom::duration(t.attention_s),
            &dom::duration(t.sold_s),
            &take,
        ],
    );
    dom::add(parent, "p", "headline", &text)?;
    Ok(())
}

fn given_most(parent: &Element, p: &Period) -> Result<(), JsValue> {
    let (Some(day), Some(hour)) = (p.busiest_day(), p.busiest_hour()) else {
        return Ok(());
    };
    let text = chrome::message_with(
        "summaryMost",
        &[
            &dom::date(day.date, &[("weekday", "long")]),
            &dom::duration(day.total_s),
            &dom::hour_range(hour),
        ],
    );
    dom::add(parent, "p", "most", &text)?;
    Ok(())
}

fn reasons(parent: &Element, p: &Period) -> Result<(), JsValue> {
    let r = &p.totals.reasons;
    let counts = [
        ("reasonLearned", r.learned),
        ("reasonWork", r.work),
        ("reasonPeople", r.people),
        ("reasonReach", r.reach),
    ];
    if counts.iter().all(|(_, n)| *n == 0) {
        return Ok(());
    }
    dom::add(parent, "h3", "", &chrome::message("summaryReasons"))?;
    let list = dom::add(parent, "ul", "reasons", "")?;
    for (key, n) in counts.into_iter().filter(|(_, n)| *n > 0) {
        dom::add(
            &list,
            "li",
            "",
            &chrome::message_with(
                "reasonCount",
                &[&chrome::message(key), &dom::count(u64::from(n))],
            ),
        )?;
    }
    Ok(())
}
