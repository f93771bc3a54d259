//! The weekly summary page: the last complete week against the one
//! before, per platform, why time was useful, when it was given most, and
//! the current week to date.

use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::widgets::{chart, own_cpm_legend, site_table, stats, take_mark};
use super::{ask_for, dom, i18n, intl, page_setup, warn, Ask};
use crate::calendar::Date;
use crate::format::Digits;
use crate::ledger::GoalChoices;
use crate::settings::Settings;
use crate::summary::{
    change, citation_pieces, Change, Compared, Comparison, DateSpan, Moves, Period, Piece, Source,
    SourceKind, Weekly, OWN_CPM_MARK,
};

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

/// A period's days as a reader writes them, by `Intl`: "23 November",
/// "23–29 November", "28 November – 4 December" (in the locale's order).
fn range(p: &Period) -> String {
    let mut opts = vec![("day", "numeric"), ("month", "long")];
    match DateSpan::of(p.from, p.to) {
        DateSpan::Day { date } => intl::date(date, &opts),
        DateSpan::Range { from, to, years } => {
            if years {
                opts.push(("year", "numeric"));
            }
            date_range(from, to, &opts).unwrap_or_else(|| {
                i18n::message_with(
                    "dateRange",
                    &[&intl::date(from, &opts), &intl::date(to, &opts)],
                )
            })
        }
    }
}

/// `Intl.DateTimeFormat.formatRange`, in the chosen digits.
fn date_range(from: Date, to: Date, opts: &[(&str, &str)]) -> Option<String> {
    let options = js_sys::Object::new();
    let digits = match i18n::digits() {
        Digits::ArabicIndic => "arab",
        Digits::Latin => "latn",
    };
    for (k, v) in opts
        .iter()
        .chain(&[("timeZone", "UTC"), ("numberingSystem", digits)])
    {
        js_sys::Reflect::set(&options, &(*k).into(), &(*v).into()).ok()?;
    }
    let locales = js_sys::Array::of1(&i18n::locale().into());
    let format = js_sys::Intl::DateTimeFormat::new(&locales, &options);
    let day = |d: Date| js_sys::Date::new(&JsValue::from_f64(d.days() as f64 * 86_400_000.0));
    format
        .format_range(&day(from), &day(to))
        .ok()
        .map(String::from)
}

/// A year in the chosen digits, ungrouped: "2025", "٢٠٢٥".
fn year(y: u16) -> String {
    let mid_year = Date {
        year: i32::from(y),
        month: 7,
        day: 1,
    };
    intl::date(mid_year, &[("year", "numeric")])
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
    compared(&last, &w.compared, settings)?;
    own_cpm_legend(&last, w.last.totals.own_cpm || w.compared.total.own_cpm)?;
    given_most(&last, &w.last)?;
    reasons(&last, &w.last)?;
    goal_line(&last, &w.goal.last)?;

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
    own_cpm_legend(&current, w.current.totals.own_cpm)?;
    goal_line(&current, &w.goal.current)?;

    super::finds::section(main, &w.finds, w.finds.len())?;
    how_estimated(main, &w.sources)?;
    Ok(())
}

/// The last week against the one before, per platform: time given, time
/// sold, viewable ads and the take, each with its change.
fn compared(parent: &Element, c: &Comparison, settings: &Settings) -> Result<(), JsValue> {
    if c.sites.is_empty() {
        return Ok(());
    }
    dom::add(parent, "h3", "", &i18n::message("summaryCompareTitle"))?;
    let table = dom::add(parent, "table", "compare", "")?;
    let tr = dom::add(&dom::add(&table, "thead", "", "")?, "tr", "", "")?;
    for key in ["colPlatform", "colTime", "colSold", "colAds", "colTake"] {
        dom::add(&tr, "th", "", &i18n::message(key))?.set_attribute("scope", "col")?;
    }
    let body = dom::add(&table, "tbody", "", "")?;
    for s in &c.sites {
        let tr = dom::add(&body, "tr", "", "")?;
        tr.set_attribute("data-site", &s.site)?;
        let name = dom::add(&tr, "th", "", "")?;
        name.set_attribute("scope", "row")?;
        dom::add(
            &name,
            "span",
            &format!("swatch site-{}", super::chrome::site_key(&s.site)),
            "",
        )?
        .set_attribute("aria-hidden", "true")?;
        dom::add(&name, "span", "", &i18n::site_name(&s.site))?;
        moves_cells(&tr, &s.moves, settings, s.ads_counted)?;
    }
    let tr = dom::add(&dom::add(&table, "tfoot", "", "")?, "tr", "total", "")?;
    dom::add(&tr, "th", "", &i18n::message("summaryAllPlatforms"))?
        .set_attribute("scope", "row")?;
    moves_cells(&tr, &c.total, settings, true)?;
    Ok(())
}

/// How a cell writes its number.
type Show<'a> = dyn Fn(f64) -> String + 'a;

/// Four cells: each number this week, and beneath it how it moved.
fn moves_cells(
    tr: &Element,
    m: &Moves,
    settings: &Settings,
    ads_counted: bool,
) -> Result<(), JsValue> {
    let money = |usd: f64| intl::cash(usd, &settings.currency, settings.usd_rate);
    let duration = intl::duration;
    let count = |n: f64| intl::count(n as u64);
    let take = |usd: f64| format!("≈ {}", money(usd));
    let cells: [(&str, Option<&Compared>, &Show); 4] = [
        ("time", Some(&m.attention), &duration),
        ("sold", Some(&m.sold), &duration),
        ("ads", Some(&m.ads).filter(|_| ads_counted), &count),
        ("take", m.take.as_ref(), &take),
    ];
    for (class, compared, show) in cells {
        let td = dom::add(tr, "td", class, "")?;
        let Some(c) = compared else {
            td.set_text_content(Some("—"));
            continue;
        };
        td.set_attribute("data-value", &c.now.to_string())?;
        td.set_attribute("data-before", &c.before.to_string())?;
        let now = dom::add(&td, "span", "now", &show(c.now))?;
        if class == "take" && m.own_cpm {
            take_mark(&now)?;
        }
        let (kind, text) = match c.change {
            Change::Nothing => ("nothing", "—".to_string()),
            Change::New => ("new", i18n::message("changeNew")),
            Change::By { share } => ("by", intl::percent(share, true)),
        };
        let moved = dom::add(&td, "span", "move", &text)?;
        moved.set_attribute("data-change", kind)?;
        // The week before's number, one step away.
        moved.set_attribute(
            "title",
            &i18n::message_with("summaryWeekBefore", &[&show(c.before)]),
        )?;
    }
    Ok(())
}

/// "How this is estimated": the method in a few words, each platform's
/// sources by what they are and their year, and the citations as
/// published (in English, with their links) folded away.
fn how_estimated(main: &Element, sources: &[Source]) -> Result<(), JsValue> {
    let notes = dom::add(main, "footer", "notes", "")?;
    notes.set_id("how");
    dom::add(&notes, "h2", "", &i18n::message("summaryHowTitle"))?;
    dom::add(&notes, "p", "", &i18n::message("summaryNoteTake"))?;
    if sources.iter().any(|s| s.kind == SourceKind::Arpu) {
        dom::add(&notes, "p", "", &i18n::message("summaryNoteHour"))?;
    }
    if sources.is_empty() {
        return Ok(());
    }
    let list = dom::add(&notes, "ul", "sources", "")?;
    for s in sources {
        let site = i18n::site_name(&s.site);
        let text = match s.kind {
            SourceKind::Cpm => i18n::message_with("sourceCpm", &[&site, &year(s.year)]),
            SourceKind::Arpu => i18n::message_with("sourceArpu", &[&site, &year(s.year)]),
            SourceKind::Hours => i18n::message_with("sourceHours", &[&site, &year(s.year)]),
            SourceKind::Own => i18n::message_with("sourceOwn", &[&site]),
        };
        dom::add(&list, "li", "", &text)?;
    }
    let mut works: Vec<&str> = Vec::new();
    for s in sources {
        for work in s.citation.split(" | ").map(str::trim) {
            if !work.is_empty() && !works.contains(&work) {
                works.push(work);
            }
        }
    }
    if works.is_empty() {
        return Ok(());
    }
    let details = dom::add(&notes, "details", "citations", "")?;
    dom::add(&details, "summary", "", &i18n::message("summaryCitations"))?;
    // As published: English, left to right, whatever the page's language.
    let list = dom::add(&details, "ul", "", "")?;
    list.set_attribute("lang", "en")?;
    list.set_attribute("dir", "ltr")?;
    for work in works {
        let li = dom::add(&list, "li", "", "")?;
        for piece in citation_pieces(work).into_iter().flatten() {
            match piece {
                Piece::Text(t) => {
                    dom::add(&li, "span", "", t)?;
                }
                Piece::Link(url) => {
                    let a = dom::add(&li, "a", "", url)?;
                    a.set_attribute("href", url)?;
                    a.set_attribute("target", "_blank")?;
                    a.set_attribute("rel", "noreferrer noopener")?;
                }
            }
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
        |v| {
            let mark = if t.own_cpm { OWN_CPM_MARK } else { "" };
            intl::cash(v.typical, &settings.currency, settings.usd_rate) + mark
        },
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

/// "The goal card: continued 3 times, opened the week once, left once",
/// when the card was answered at all in the week.
fn goal_line(parent: &Element, g: &GoalChoices) -> Result<(), JsValue> {
    if g.is_empty() {
        return Ok(());
    }
    let line = i18n::message_with(
        "goalChoices",
        &[
            &intl::counted("goalChoiceContinued", u64::from(g.continued), &[]),
            &intl::counted("goalChoiceWeek", u64::from(g.week), &[]),
            &intl::counted("goalChoiceLeft", u64::from(g.left), &[]),
        ],
    );
    dom::add(parent, "p", "goal-choices", &line)?;
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
