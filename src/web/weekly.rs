//! The weekly summary page: the last complete week against the one
//! before, per platform, why time was useful, when it was given most, and
//! the current week to date.

use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::widgets::{chart, site_table, stats};
use super::{ask_for, dom, i18n, intl, page_setup, warn, Ask};
use crate::settings::Settings;
use crate::summary::{change, Period, Weekly};

/// Entry point for `summary.html`.
#[wasm_bindgen]
pub async fn start_summary() -> Result<(), JsValue> {
    let (doc, settings) = page_setup().await?;
    doc.set_title(&i18n::message("summaryTitle"));
    let body = doc.body().ok_or("no body")?;
    let main = dom::element(&doc, "main", "summary", "")?;
    body.append_child(&main)?;
    match ask_for::<Weekly>(&Ask::Weekly).await {
        Ok(weekly) => render(&main, &weekly, &settings)?,
        Err(err) => {
            warn(&format!("summary: {err:?}"));
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

fn range(p: &Period) -> String {
    let opts = [("day", "numeric"), ("month", "long")];
    i18n::message_with(
        "dateRange",
        &[&intl::date(p.from, &opts), &intl::date(p.to, &opts)],
    )
}

fn render(main: &Element, w: &Weekly, settings: &Settings) -> Result<(), JsValue> {
    dom::add(main, "h1", "", &i18n::message("summaryTitle"))?;

    let last = dom::add(main, "section", "last-week", "")?;
    last.set_id("last-week");
    dom::add(
        &last,
        "h2",
        "",
        &i18n::message_with("summaryLastWeek", &[&range(&w.last)]),
    )?;
    headline(&last, &w.last, settings)?;
    stats(&last, &w.last.totals, settings)?;
    let compare = match change(w.last.totals.attention_s, w.before.totals.attention_s) {
        Some(c) => i18n::message_with(
            if c > 0.0 {
                "summaryMore"
            } else {
                "summaryLess"
            },
            &[
                &intl::percent(c.abs(), false),
                &intl::duration(w.before.totals.attention_s),
            ],
        ),
        None => i18n::message("changeNone"),
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
        &i18n::message_with("summaryThisWeek", &[&range(&w.current)]),
    )?;
    stats(&current, &w.current.totals, settings)?;
    site_table(&current, &w.current, settings, true)?;

    super::finds::section(main, &w.finds, w.finds.len())?;

    let notes = dom::add(main, "footer", "notes", "")?;
    dom::add(&notes, "p", "", &i18n::message("summaryNoteTake"))?;
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
                i18n::message("takeOwnCpm")
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
        dom::add(parent, "p", "headline", &i18n::message("nothingYet"))?;
        return Ok(());
    }
    let take = t.take.as_ref().map_or_else(
        || i18n::message("takeUnknown"),
        |v| intl::cash(v.typical, &settings.currency, settings.usd_rate),
    );
    let text = i18n::message_with(
        "summaryHeadline",
        &[
            &intl::duration(t.attention_s),
            &intl::duration(t.sold_s),
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
    let text = i18n::message_with(
        "summaryMost",
        &[
            &intl::date(day.date, &[("weekday", "long")]),
            &intl::duration(day.total_s),
            &intl::hour_range(hour),
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
    dom::add(parent, "h3", "", &i18n::message("summaryReasons"))?;
    let list = dom::add(parent, "ul", "reasons", "")?;
    for (key, n) in counts.into_iter().filter(|(_, n)| *n > 0) {
        dom::add(
            &list,
            "li",
            "",
            &i18n::message_with(
                "reasonCount",
                &[&i18n::message(key), &intl::count(u64::from(n))],
            ),
        )?;
    }
    Ok(())
}
