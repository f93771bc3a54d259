//! The toolbar popup: today (time sold, useful time, viewable ads, the
//! platforms' take), this week as a chart by day stacked by platform, the
//! change against the same days of last week, and a table per platform.

use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::chrome::site_name;
use wasm_bindgen_futures::JsFuture;

use super::{answer, chrome, dom, page_setup_with, typed, warn};
use crate::settings::Settings;
use crate::sites::ads_counted;
use crate::summary::{Notice, Period, Popup, Totals};

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

fn render(main: &Element, popup: &Popup, settings: &Settings) -> Result<(), JsValue> {
    let header = dom::add(main, "header", "", "")?;
    dom::add(&header, "h1", "", &chrome::message("extShortName"))?;
    dom::add(
        &header,
        "span",
        "date",
        &dom::date(
            popup.today.from,
            &[("weekday", "long"), ("day", "numeric"), ("month", "long")],
        ),
    )?;

    for notice in &popup.notices {
        let text = match notice {
            Notice::Quarantined { keys } => {
                chrome::message_with("noticeQuarantined", &[&dom::count(keys.len() as u64)])
            }
            Notice::NewerSchema { found } => {
                chrome::message_with("noticeNewerSchema", &[&dom::count(u64::from(*found))])
            }
            Notice::Compacted { through } => chrome::message_with(
                "noticeCompacted",
                &[&dom::date(*through, &[("dateStyle", "medium")])],
            ),
            Notice::FindsDropped { count, cap } => chrome::message_with(
                "noticeFindsDropped",
                &[&dom::count(*count as u64), &dom::count(u64::from(*cap))],
            ),
            Notice::WriteRefused => chrome::message("noticeWriteRefused"),
        };
        let p = dom::add(main, "p", "notice", &text)?;
        p.set_attribute("role", "alert")?;
    }

    let today = dom::add(main, "section", "today", "")?;
    today.set_attribute("aria-labelledby", "today-h")?;
    dom::add(&today, "h2", "", &chrome::message("popupToday"))?.set_id("today-h");
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
            &chrome::message_with(key, &[&dom::duration(goal), &dom::duration(left)]),
        )?;
    }

    let week = dom::add(main, "section", "week", "")?;
    week.set_attribute("aria-labelledby", "week-h")?;
    dom::add(&week, "h2", "", &chrome::message("popupThisWeek"))?.set_id("week-h");
    chart(&week, &popup.week)?;
    let t = &popup.week.totals;
    let line = chrome::message_with(
        "weekLine",
        &[
            &dom::duration(t.attention_s),
            &dom::duration(t.sold_s),
            &dom::count(t.ads_viewable),
        ],
    );
    dom::add(&week, "p", "week-totals", &line)?;
    let change = match popup.change {
        Some(c) => chrome::message_with(
            if c > 0.0 { "changeMore" } else { "changeLess" },
            &[&dom::percent(c.abs(), false)],
        ),
        None => chrome::message("changeNone"),
    };
    dom::add(&week, "p", "change", &change)?;
    site_table(&week, &popup.week, settings, false)?;
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
    let a = dom::add(parent, "a", "", &chrome::message(key))?;
    a.set_attribute("href", &chrome::url(page))?;
    a.set_attribute("target", "_blank")?;
    Ok(a)
}

/// The four numbers of a day or a week: sold, useful, ads, take.
pub fn stats(parent: &Element, t: &Totals, settings: &Settings) -> Result<(), JsValue> {
    let dl = dom::add(parent, "dl", "stats", "")?;
    let take = match &t.take {
        Some(take) => format!(
            "≈ {}",
            dom::cash(take.typical, &settings.currency, settings.usd_rate)
        ),
        None => chrome::message("takeUnknown"),
    };
    let typical = t
        .take
        .as_ref()
        .map_or(String::new(), |v| v.typical.to_string());
    // `data-value`: the number behind the words, in seconds, ads or USD.
    let rows = [
        (
            "sold",
            "statSold",
            dom::duration(t.sold_s),
            t.sold_s.to_string(),
        ),
        (
            "useful",
            "statUseful",
            dom::duration(t.useful_s),
            t.useful_s.to_string(),
        ),
        (
            "ads",
            "statAds",
            dom::count(t.ads_viewable),
            t.ads_viewable.to_string(),
        ),
        ("take", "statTake", take, typical),
    ];
    for (class, key, value, raw) in rows {
        let row = dom::add(&dl, "div", class, "")?;
        dom::add(&row, "dt", "", &chrome::message(key))?;
        let dd = dom::add(&row, "dd", "", &value)?;
        dd.set_attribute("data-value", &raw)?;
        if class == "take" {
            if let Some(take) = &t.take {
                let range = chrome::message_with(
                    "takeRange",
                    &[
                        &dom::cash(take.low, &settings.currency, settings.usd_rate),
                        &dom::cash(take.high, &settings.currency, settings.usd_rate),
                    ],
                );
                dd.set_attribute("title", &range)?;
            }
        }
    }
    Ok(())
}

/// The days of `period` as bars stacked by platform, in inline SVG with a
/// text alternative per bar.
pub fn chart(parent: &Element, period: &Period) -> Result<(), JsValue> {
    const W: f64 = 440.0;
    const H: f64 = 110.0;
    const TOP: f64 = 8.0;
    const LABEL: f64 = 18.0;
    let max = period
        .days
        .iter()
        .map(|d| d.total_s)
        .fold(0.0, f64::max)
        .max(60.0);
    let svg = dom::svg(
        parent,
        "svg",
        &[
            ("class", "chart"),
            ("viewBox", &format!("0 0 {W} {H}")),
            ("role", "img"),
        ],
    )?;
    let summary = chrome::message_with("chartLabel", &[&dom::duration(period.totals.attention_s)]);
    svg.set_attribute("aria-label", &summary)?;
    let slot = W / period.days.len().max(1) as f64;
    let bar_w = (slot * 0.6).min(28.0);
    let rtl = super::i18n::rtl();
    for (i, day) in period.days.iter().enumerate() {
        // Right to left, the week reads from the right.
        let i = if rtl { period.days.len() - 1 - i } else { i };
        let x = i as f64 * slot + (slot - bar_w) / 2.0;
        let g = dom::svg(
            &svg,
            "g",
            &[("class", "day"), ("data-date", &day.date.to_string())],
        )?;
        let names: Vec<String> = day
            .sites
            .iter()
            .map(|(site, s)| format!("{} {}", site_name(site), dom::duration(*s)))
            .collect();
        let title = if names.is_empty() {
            format!(
                "{}: {}",
                dom::date(day.date, &[("weekday", "long")]),
                chrome::message("nothing")
            )
        } else {
            format!(
                "{}: {}",
                dom::date(day.date, &[("weekday", "long")]),
                names.join(", ")
            )
        };
        dom::svg(&g, "title", &[])?.set_text_content(Some(&title));
        let mut y = H - LABEL;
        for (site, secs) in &day.sites {
            let h = secs / max * (H - LABEL - TOP);
            y -= h;
            let class = format!("bar site-{}", chrome::site_key(site));
            dom::svg(
                &g,
                "rect",
                &[
                    ("class", &class),
                    ("x", &fmt(x)),
                    ("y", &fmt(y)),
                    ("width", &fmt(bar_w)),
                    ("height", &fmt(h.max(0.5))),
                ],
            )?;
        }
        let label = dom::svg(
            &g,
            "text",
            &[
                ("x", &fmt(x + bar_w / 2.0)),
                ("y", &fmt(H - 4.0)),
                ("text-anchor", "middle"),
                ("class", "weekday"),
            ],
        )?;
        label.set_text_content(Some(&dom::date(day.date, &[("weekday", "short")])));
    }
    Ok(())
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// Per platform: time, useful, sold, ads, take (and, on the summary page,
/// what an hour was worth to it).
pub fn site_table(
    parent: &Element,
    period: &Period,
    settings: &Settings,
    hour_value: bool,
) -> Result<(), JsValue> {
    if period.sites.is_empty() {
        dom::add(parent, "p", "empty", &chrome::message("nothingYet"))?;
        return Ok(());
    }
    let table = dom::add(parent, "table", "sites", "")?;
    let head = dom::add(&table, "thead", "", "")?;
    let tr = dom::add(&head, "tr", "", "")?;
    let mut cols = vec![
        "colPlatform",
        "colTime",
        "colUseful",
        "colSold",
        "colAds",
        "colTake",
    ];
    if hour_value {
        cols.push("colHour");
    }
    for key in cols {
        dom::add(&tr, "th", "", &chrome::message(key))?.set_attribute("scope", "col")?;
    }
    let body = dom::add(&table, "tbody", "", "")?;
    for s in &period.sites {
        let tr = dom::add(&body, "tr", "", "")?;
        tr.set_attribute("data-site", &s.site)?;
        let t = &s.totals;
        let name = dom::add(&tr, "th", "", "")?;
        name.set_attribute("scope", "row")?;
        dom::add(
            &name,
            "span",
            &format!("swatch site-{}", chrome::site_key(&s.site)),
            "",
        )?
        .set_attribute("aria-hidden", "true")?;
        dom::add(&name, "span", "", &site_name(&s.site))?;
        dom::add(&tr, "td", "time", &dom::duration(t.attention_s))?
            .set_attribute("data-value", &t.attention_s.to_string())?;
        let useful = if t.attention_s > 0.0 {
            dom::percent(t.useful_s / t.attention_s, false)
        } else {
            "—".into()
        };
        dom::add(&tr, "td", "useful", &useful)?;
        dom::add(&tr, "td", "sold", &dom::duration(t.sold_s))?
            .set_attribute("data-value", &t.sold_s.to_string())?;
        let ads = if ads_counted(&s.site) {
            dom::count(t.ads_viewable)
        } else {
            "—".into()
        };
        dom::add(&tr, "td", "ads", &ads)?
            .set_attribute("data-value", &t.ads_viewable.to_string())?;
        let take = dom::add(&tr, "td", "take", "")?;
        match (&t.take, &s.take_source) {
            (Some(v), source) => {
                take.set_text_content(Some(&format!(
                    "≈ {}",
                    dom::cash(v.typical, &settings.currency, settings.usd_rate)
                )));
                // The person's own CPM is marked as theirs wherever it shows.
                let source = match source.as_deref() {
                    Some("own") => chrome::message("takeOwnCpm"),
                    other => other.unwrap_or("").to_string(),
                };
                let range = chrome::message_with(
                    "takeDetail",
                    &[
                        &dom::cash(v.low, &settings.currency, settings.usd_rate),
                        &dom::cash(v.high, &settings.currency, settings.usd_rate),
                        &source,
                    ],
                );
                take.set_attribute("title", &range)?;
            }
            (None, _) => take.set_text_content(Some("—")),
        }
        if hour_value {
            let td = dom::add(&tr, "td", "hour", "")?;
            if let Some(h) = &s.hour_value {
                let key = if h.from_ads {
                    "hourFromAds"
                } else {
                    "hourFromArpu"
                };
                td.set_text_content(Some(&chrome::message_with(
                    key,
                    &[&dom::cash(h.usd, &settings.currency, settings.usd_rate)],
                )));
                td.set_attribute("title", &h.source)?;
            } else {
                td.set_text_content(Some("—"));
            }
        }
    }
    Ok(())
}
