//! The widgets the popup and the weekly summary share: a period's four
//! numbers, its chart by day, and its table per platform.

use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::i18n::site_name;
use super::{chrome, dom, i18n, intl};
use crate::settings::Settings;
use crate::summary::{Period, Totals, OWN_CPM_MARK};

/// Marks the take in `parent` as priced at the person's own CPM; the
/// legend beneath says what the mark means.
pub fn take_mark(parent: &Element) -> Result<(), JsValue> {
    let mark = dom::add(parent, "span", "own-cpm", OWN_CPM_MARK)?;
    mark.set_attribute("title", &i18n::message("takeOwnCpm"))?;
    Ok(())
}

/// The legend of [`take_mark`], when a marked take was `shown`.
pub fn own_cpm_legend(parent: &Element, shown: bool) -> Result<(), JsValue> {
    if shown {
        let text = format!("{OWN_CPM_MARK} {}", i18n::message("ownCpmLegend"));
        dom::add(parent, "p", "own-cpm-legend", &text)?;
    }
    Ok(())
}

/// The four numbers of a day or a week: sold, useful, ads, take.
pub fn stats(parent: &Element, t: &Totals, settings: &Settings) -> Result<(), JsValue> {
    let dl = dom::add(parent, "dl", "stats", "")?;
    let take = match &t.take {
        Some(take) => format!(
            "≈ {}",
            intl::cash(take.typical, &settings.currency, settings.usd_rate)
        ),
        None => i18n::message("takeUnknown"),
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
            intl::duration(t.sold_s),
            t.sold_s.to_string(),
        ),
        (
            "useful",
            "statUseful",
            intl::duration(t.useful_s),
            t.useful_s.to_string(),
        ),
        (
            "ads",
            "statAds",
            intl::count(t.ads_viewable),
            t.ads_viewable.to_string(),
        ),
        ("take", "statTake", take, typical),
    ];
    for (class, key, value, raw) in rows {
        let row = dom::add(&dl, "div", class, "")?;
        dom::add(&row, "dt", "", &i18n::message(key))?;
        let dd = dom::add(&row, "dd", "", &value)?;
        dd.set_attribute("data-value", &raw)?;
        if class == "take" {
            if t.own_cpm && t.take.is_some() {
                take_mark(&dd)?;
            }
            if let Some(take) = &t.take {
                let range = i18n::message_with(
                    "takeRange",
                    &[
                        &intl::cash(take.low, &settings.currency, settings.usd_rate),
                        &intl::cash(take.high, &settings.currency, settings.usd_rate),
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
    let summary = i18n::message_with("chartLabel", &[&intl::duration(period.totals.attention_s)]);
    svg.set_attribute("aria-label", &summary)?;
    let slot = W / period.days.len().max(1) as f64;
    let bar_w = (slot * 0.6).min(28.0);
    let rtl = i18n::rtl();
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
            .map(|(site, s)| format!("{} {}", site_name(site), intl::duration(*s)))
            .collect();
        let title = if names.is_empty() {
            format!(
                "{}: {}",
                intl::date(day.date, &[("weekday", "long")]),
                i18n::message("nothing")
            )
        } else {
            // Arabic lists with its own comma.
            let comma = if rtl { "، " } else { ", " };
            format!(
                "{}: {}",
                intl::date(day.date, &[("weekday", "long")]),
                names.join(comma)
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
        label.set_text_content(Some(&intl::date(day.date, &[("weekday", "short")])));
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
        dom::add(parent, "p", "empty", &i18n::message("nothingYet"))?;
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
        dom::add(&tr, "th", "", &i18n::message(key))?.set_attribute("scope", "col")?;
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
        dom::add(&tr, "td", "time", &intl::duration(t.attention_s))?
            .set_attribute("data-value", &t.attention_s.to_string())?;
        let useful = if t.attention_s > 0.0 {
            intl::percent(t.useful_s / t.attention_s, false)
        } else {
            "—".into()
        };
        dom::add(&tr, "td", "useful", &useful)?;
        dom::add(&tr, "td", "sold", &intl::duration(t.sold_s))?
            .set_attribute("data-value", &t.sold_s.to_string())?;
        let ads = if s.ads_counted {
            intl::count(t.ads_viewable)
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
                    intl::cash(v.typical, &settings.currency, settings.usd_rate)
                )));
                if t.own_cpm {
                    take_mark(&take)?;
                }
                // The person's own CPM is marked as theirs wherever it shows.
                let source = match source.as_deref() {
                    Some("own") => i18n::message("takeOwnCpm"),
                    other => other.unwrap_or("").to_string(),
                };
                let range = i18n::message_with(
                    "takeDetail",
                    &[
                        &intl::cash(v.low, &settings.currency, settings.usd_rate),
                        &intl::cash(v.high, &settings.currency, settings.usd_rate),
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
                td.set_text_content(Some(&i18n::message_with(
                    key,
                    &[&intl::cash(h.usd, &settings.currency, settings.usd_rate)],
                )));
                // From the ads counted, at the person's own price.
                if h.from_ads && t.own_cpm {
                    take_mark(&td)?;
                }
                td.set_attribute("title", &h.source)?;
            } else {
                td.set_text_content(Some("—"));
            }
        }
    }
    Ok(())
}
