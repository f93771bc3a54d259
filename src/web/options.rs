//! The options page: every setting, each saved as it changes (the core
//! validates; a refused value shows why and springs back), and the
//! person's data: export JSON and CSV, import with a preview, delete
//! everything (asked twice).

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

use super::i18n::site_name;
use super::{
    ask, ask_for, chrome, dom, i18n, intl, page_setup, warn, Ask, AskImport, AskSettings, Js,
};
use crate::calendar::Weekday;
use crate::format::Digits;
use crate::settings::{Language, Settings};
use crate::sites::CATALOG;
use crate::store::ImportPreview;
use crate::valuation::Region;

type Shared = Rc<RefCell<Settings>>;
/// Shows settings in one control (or one part of the page).
type Redraw = Rc<dyn Fn(&Settings)>;

thread_local! {
    /// Every control's redraw: after an import or its undo the page shows
    /// what the core now holds ([`refresh`]).
    static REDRAWS: RefCell<Vec<Redraw>> = const { RefCell::new(Vec::new()) };
}
/// Reads a setting as the control's value.
type Get = Rc<dyn Fn(&Settings) -> String>;
/// Writes the control's value into settings; `Err` is a reason to show.
type Set = Box<dyn Fn(&mut Settings, &str) -> Result<(), String>>;

/// One control bound to one setting.
struct Field {
    id: String,
    /// `opt_<label>` names it and `hint_<label>` explains it (if present).
    label: String,
    control: Control,
    get: Get,
    set: Set,
}

enum Control {
    Check,
    Number { min: f64, max: f64, step: f64 },
    Text,
    Choice(Vec<(String, String)>),
}

/// Entry point for `options.html`.
#[wasm_bindgen]
pub async fn start_options() -> Result<(), JsValue> {
    let (doc, settings) = page_setup().await?;
    doc.set_title(&i18n::message("optionsTitle"));
    let body = doc.body().ok_or("no body")?;
    let main = dom::element(&doc, "main", "options", "")?;
    body.append_child(&main)?;
    dom::add(&main, "h1", "", &i18n::message("optionsTitle"))?;
    let status = dom::add(&main, "p", "status", "")?;
    status.set_id("status");
    status.set_attribute("role", "status")?;
    status.set_attribute("aria-live", "polite")?;
    let shared: Shared = Rc::new(RefCell::new(settings));

    for (title, fields) in sections() {
        let section = dom::add(&main, "section", "", "")?;
        dom::add(&section, "h2", "", &i18n::message(title))?;
        for field in fields {
            mount(&section, field, &shared, &status)?;
        }
    }
    sites(&main, &shared, &status)?;
    ad_rules(&main, &shared, &status)?;
    data(&main, &shared, &status)?;
    body.set_attribute("data-ready", "1")?;
    Ok(())
}

fn choice(pairs: &[(&str, &str)]) -> Control {
    Control::Choice(
        pairs
            .iter()
            .map(|(v, key)| (v.to_string(), i18n::message(key)))
            .collect(),
    )
}

/// What explains a field, if anything: `hint_<label>`, a number field's
/// bounds in it as `$1`, `$2` (in the chosen digits, never typed into the
/// words).
fn hint(field: &Field) -> Option<String> {
    if field.label == "finds_cap" {
        // What a find keeps: counted, so the noun agrees.
        let chars = crate::finds::TEXT_CHARS as u64;
        return Some(intl::counted("hintFindsCap", chars, &[]));
    }
    let bounds = match field.control {
        Control::Number { min, max, .. } => vec![intl::count(min as u64), intl::count(max as u64)],
        _ => Vec::new(),
    };
    let bounds: Vec<&str> = bounds.iter().map(String::as_str).collect();
    let key = format!("hint_{}", field.label);
    Some(i18n::message_with(&key, &bounds)).filter(|h| !h.starts_with(&key))
}

/// A number field's value, typed in either digits, within `lo..=hi`.
fn number(v: &str, lo: f64, hi: f64) -> Result<f64, String> {
    match crate::format::read_number(v) {
        Some(n) if n.is_finite() && (lo..=hi).contains(&n) => Ok(n),
        _ => Err(i18n::message_with(
            "errorRange",
            &[&intl::count(lo as u64), &intl::count(hi as u64)],
        )),
    }
}

/// A setting's value (`15`, `0.92`) in the chosen digits and the
/// language's decimal sign (`١٥`, `٠٫٩٢`), as a number field shows it,
/// with at least `places` decimals (`4.00`: `٤٫٠٠`).
fn number_shown(value: &str, places: u32) -> String {
    let digits = i18n::digits();
    let Some(n) = crate::format::read_number(value).filter(|_| digits == Digits::ArabicIndic)
    else {
        return value.to_string();
    };
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"numberingSystem".into(), &"arab".into());
    let _ = js_sys::Reflect::set(&options, &"useGrouping".into(), &false.into());
    let _ = js_sys::Reflect::set(&options, &"minimumFractionDigits".into(), &places.into());
    let _ = js_sys::Reflect::set(&options, &"maximumFractionDigits".into(), &20.into());
    let locales = js_sys::Array::of1(&i18n::locale().into());
    js_sys::Intl::NumberFormat::new(&locales, &options)
        .format()
        .call1(&JsValue::NULL, &n.into())
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| crate::format::with_digits(value, digits))
}

fn field(
    id: &str,
    control: Control,
    get: impl Fn(&Settings) -> String + 'static,
    set: impl Fn(&mut Settings, &str) -> Result<(), String> + 'static,
) -> Field {
    // Per-site controls (`track-x`) share one label (`track`).
    let label = id.split('-').next().unwrap_or(id).to_string();
    Field {
        id: id.into(),
        label,
        control,
        get: Rc::new(get),
        set: Box::new(set),
    }
}

fn sections() -> Vec<(&'static str, Vec<Field>)> {
    let hours: Vec<(String, String)> = (0..=6)
        .map(|h| {
            (
                h.to_string(),
                crate::format::with_digits(&format!("{h:02}:00"), i18n::digits()),
            )
        })
        .collect();
    let weekdays = [
        ("auto", "weekStartAuto"),
        ("saturday", "weekdaySaturday"),
        ("sunday", "weekdaySunday"),
        ("monday", "weekdayMonday"),
    ];
    // "Every 5 minutes": counted, so the noun agrees and the digits follow.
    let every = |n: u64| (n.to_string(), intl::counted("promptEvery", n, &[]));
    let prompt = Control::Choice(
        std::iter::once(("0".to_string(), i18n::message("promptOff")))
            .chain([5, 10, 15, 20, 30, 45].map(every))
            .chain([("60".to_string(), i18n::message("minutes60"))])
            .collect(),
    );
    let regions = [
        ("auto", "regionAuto"),
        ("us_canada", "regionUsCanada"),
        ("europe", "regionEurope"),
        ("asia_pacific", "regionAsiaPacific"),
        ("rest_of_world", "regionRest"),
    ];
    vec![
        (
            "optionsCounting",
            vec![
                field(
                    "idle_threshold_seconds",
                    Control::Number {
                        min: 15.0,
                        max: 600.0,
                        step: 5.0,
                    },
                    |s| s.idle_threshold_seconds.to_string(),
                    |s, v| {
                        s.idle_threshold_seconds = number(v, 15.0, 600.0)? as u32;
                        Ok(())
                    },
                ),
                field(
                    "day_start_hour",
                    Control::Choice(hours),
                    |s| s.day_start_hour.to_string(),
                    |s, v| {
                        s.day_start_hour = number(v, 0.0, 6.0)? as u8;
                        Ok(())
                    },
                ),
                field(
                    "week_start",
                    choice(&weekdays),
                    |s| s.week_start.map_or("auto".into(), weekday_name),
                    |s, v| {
                        s.week_start = Weekday::ALL.into_iter().find(|d| weekday_name(*d) == v);
                        Ok(())
                    },
                ),
                field(
                    "daily_goal_minutes",
                    Control::Number {
                        min: 0.0,
                        max: 1440.0,
                        step: 5.0,
                    },
                    |s| s.daily_goal_minutes.to_string(),
                    |s, v| {
                        s.daily_goal_minutes = number(v, 0.0, 1440.0)? as u32;
                        Ok(())
                    },
                ),
                field(
                    "goal_card",
                    Control::Check,
                    |s| s.goal_card.to_string(),
                    |s, v| {
                        s.goal_card = v == "true";
                        Ok(())
                    },
                ),
            ],
        ),
        (
            "optionsPrompt",
            vec![
                field(
                    "prompt_minutes",
                    prompt,
                    |s| s.prompt_minutes.to_string(),
                    |s, v| {
                        s.prompt_minutes = number(v, 0.0, 60.0)? as u32;
                        Ok(())
                    },
                ),
                field(
                    "prompt_daily_cap",
                    Control::Number {
                        min: 1.0,
                        max: 50.0,
                        step: 1.0,
                    },
                    |s| s.prompt_daily_cap.to_string(),
                    |s, v| {
                        s.prompt_daily_cap = number(v, 1.0, 50.0)? as u32;
                        Ok(())
                    },
                ),
                field(
                    "weekly_notification",
                    Control::Check,
                    |s| s.weekly_notification.to_string(),
                    |s, v| {
                        s.weekly_notification = v == "true";
                        Ok(())
                    },
                ),
                field(
                    "retention_days",
                    // "1 year", "2 years": counted, so the digits follow.
                    Control::Choice(
                        [(365, 1), (730, 2), (1825, 5)]
                            .map(|(days, years)| {
                                (
                                    days.to_string(),
                                    intl::counted("retentionYears", years, &[]),
                                )
                            })
                            .into_iter()
                            .chain([("0".to_string(), i18n::message("retentionAll"))])
                            .collect(),
                    ),
                    |s| s.retention_days.to_string(),
                    |s, v| {
                        s.retention_days = number(v, 0.0, 3650.0)? as u32;
                        Ok(())
                    },
                ),
                field(
                    "finds_cap",
                    Control::Number {
                        min: 10.0,
                        max: 5000.0,
                        step: 10.0,
                    },
                    |s| s.finds_cap.to_string(),
                    |s, v| {
                        s.finds_cap = number(v, 10.0, 5000.0)? as u32;
                        Ok(())
                    },
                ),
            ],
        ),
        (
            "optionsLanguage",
            vec![
                field(
                    "language",
                    choice(&[
                        ("auto", "languageAuto"),
                        ("en", "languageEn"),
                        ("ar", "languageAr"),
                    ]),
                    |s| language_name(s.language).into(),
                    |s, v| {
                        s.language = match v {
                            "en" => Language::En,
                            "ar" => Language::Ar,
                            _ => Language::Auto,
                        };
                        Ok(())
                    },
                ),
                field(
                    "arabic_digits",
                    Control::Check,
                    |s| s.arabic_digits.to_string(),
                    |s, v| {
                        s.arabic_digits = v == "true";
                        Ok(())
                    },
                ),
            ],
        ),
        (
            "optionsMoney",
            vec![
                field(
                    "region",
                    choice(&regions),
                    |s| s.region.map_or("auto".into(), region_name),
                    |s, v| {
                        s.region = [
                            Region::UsCanada,
                            Region::Europe,
                            Region::AsiaPacific,
                            Region::RestOfWorld,
                        ]
                        .into_iter()
                        .find(|r| region_name(*r) == v);
                        Ok(())
                    },
                ),
                field(
                    "currency",
                    Control::Text,
                    |s| s.currency.clone(),
                    |s, v| {
                        s.currency = v.trim().to_ascii_uppercase();
                        if s.currency == "USD" {
                            s.usd_rate = 1.0;
                        }
                        Ok(())
                    },
                ),
                field(
                    "usd_rate",
                    Control::Number {
                        min: 0.0,
                        max: 1e9,
                        step: 0.0001,
                    },
                    |s| s.usd_rate.to_string(),
                    |s, v| {
                        s.usd_rate = number(v, 0.0, 1e9)?;
                        Ok(())
                    },
                ),
            ],
        ),
    ]
}

fn weekday_name(d: Weekday) -> String {
    format!("{d:?}").to_ascii_lowercase()
}

fn language_name(l: Language) -> &'static str {
    match l {
        Language::Auto => "auto",
        Language::En => "en",
        Language::Ar => "ar",
    }
}

fn region_name(r: Region) -> String {
    match r {
        Region::UsCanada => "us_canada",
        Region::Europe => "europe",
        Region::AsiaPacific => "asia_pacific",
        Region::RestOfWorld => "rest_of_world",
        Region::Global => "global",
    }
    .into()
}

/// Builds a labelled control for `field` and saves on change.
fn mount(parent: &Element, field: Field, shared: &Shared, status: &Element) -> Result<(), JsValue> {
    mount_in(parent, field, shared, status, None)
}

/// `compact`: a table cell, named by `aria-label` (the column heading
/// and the row's site) instead of a visible label.
fn mount_in(
    parent: &Element,
    field: Field,
    shared: &Shared,
    status: &Element,
    compact: Option<&str>,
) -> Result<(), JsValue> {
    let doc = parent.owner_document().ok_or("detached")?;
    let name = i18n::message(&format!("opt_{}", field.label));
    let row = match compact {
        Some(_) => parent.clone(),
        None => {
            let row = dom::add(parent, "div", "field", "")?;
            dom::add(&row, "label", "", &name)?.set_attribute("for", &field.id)?;
            row
        }
    };
    // A number field shows (and takes) the chosen digits.
    let shown: Get = match field.control {
        Control::Number { .. } => {
            let get = field.get.clone();
            Rc::new(move |s: &Settings| number_shown(&get(s), 0))
        }
        _ => field.get.clone(),
    };
    let value = shown(&shared.borrow());
    let control: Element = match &field.control {
        Control::Choice(options) => {
            let select = doc.create_element("select")?;
            for (v, text) in options {
                let o = dom::add(&select, "option", "", text)?;
                o.set_attribute("value", v)?;
            }
            select
                .unchecked_ref::<HtmlSelectElement>()
                .set_value(&value);
            select
        }
        Control::Check => {
            let input = doc.create_element("input")?;
            input.set_attribute("type", "checkbox")?;
            input
                .unchecked_ref::<HtmlInputElement>()
                .set_checked(value == "true");
            input
        }
        // A number input holds only Latin digits: with Arabic-Indic ones
        // it is a text field with a number keyboard.
        Control::Number { step, .. } if i18n::digits() == Digits::ArabicIndic => {
            let input = doc.create_element("input")?;
            input.set_attribute("type", "text")?;
            let keys = if *step < 1.0 { "decimal" } else { "numeric" };
            input.set_attribute("inputmode", keys)?;
            input.set_attribute("class", "number")?;
            input.unchecked_ref::<HtmlInputElement>().set_value(&value);
            input
        }
        Control::Number { min, max, step } => {
            let input = doc.create_element("input")?;
            for (k, v) in [
                ("type", "number".to_string()),
                ("min", min.to_string()),
                ("max", max.to_string()),
                ("step", step.to_string()),
            ] {
                input.set_attribute(k, &v)?;
            }
            input.unchecked_ref::<HtmlInputElement>().set_value(&value);
            input
        }
        Control::Text => {
            let input = doc.create_element("input")?;
            input.set_attribute("type", "text")?;
            input.set_attribute("maxlength", "3")?;
            input.set_attribute("size", "4")?;
            input.unchecked_ref::<HtmlInputElement>().set_value(&value);
            input
        }
    };
    control.set_id(&field.id);
    if let Some(site) = compact {
        control.set_attribute("aria-label", &format!("{name}: {site}"))?;
    }
    row.append_child(&control)?;
    if compact.is_some() {
    } else if let Some(hint) = hint(&field) {
        let p = dom::add(&row, "p", "hint", &hint)?;
        p.set_id(&format!("{}-hint", field.id));
        control.set_attribute("aria-describedby", &format!("{}-hint", field.id))?;
    }
    let (el, redrawn) = (control.clone(), shown.clone());
    REDRAWS.with(|r| {
        r.borrow_mut()
            .push(Rc::new(move |s: &Settings| restore(&el, &redrawn(s))))
    });
    let (shared, status, el) = (shared.clone(), status.clone(), control.clone());
    let Field { set, id, .. } = field;
    let get = shown;
    let relabel = id == "language" || id == "arabic_digits";
    let on_change = Closure::<dyn FnMut()>::new(move || {
        let raw = match el.dyn_ref::<HtmlInputElement>() {
            Some(i) if i.type_() == "checkbox" => i.checked().to_string(),
            Some(i) => i.value(),
            None => el.unchecked_ref::<HtmlSelectElement>().value(),
        };
        let mut next = shared.borrow().clone();
        match set(&mut next, &raw) {
            Ok(()) => {
                // Shown as it is kept (`8` typed: `٨` in Arabic-Indic digits).
                restore(&el, &get(&next));
                save(next, &shared, &status, relabel, {
                    let (el, get, shared) = (el.clone(), get.clone(), shared.clone());
                    move || restore(&el, &get(&shared.borrow()))
                })
            }
            Err(why) => {
                status.set_text_content(Some(&why));
                status.set_class_name("status error");
                restore(&el, &get(&shared.borrow()));
            }
        }
    });
    control.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref())?;
    on_change.forget();
    Ok(())
}

fn restore(el: &Element, value: &str) {
    match el.dyn_ref::<HtmlInputElement>() {
        Some(i) if i.type_() == "checkbox" => i.set_checked(value == "true"),
        Some(i) => i.set_value(value),
        None => el.unchecked_ref::<HtmlSelectElement>().set_value(value),
    }
}

/// Sends the whole settings to the core; the page's copy follows only
/// when the core accepts them.
fn save(
    next: Settings,
    shared: &Shared,
    status: &Element,
    reload: bool,
    revert: impl FnOnce() + 'static,
) {
    let (shared, status) = (shared.clone(), status.clone());
    spawn_local(async move {
        let request = AskSettings::SetSettings {
            settings: next.clone(),
        };
        match ask(&request).await {
            Ok(_) => {
                *shared.borrow_mut() = next;
                status.set_text_content(Some(&i18n::message("saved")));
                status.set_class_name("status ok");
                if reload {
                    // Language and digits change every string on the page.
                    let _ = web_sys::window().map(|w| w.location().reload());
                }
            }
            Err(why) => {
                status.set_text_content(Some(&i18n::message_with(
                    "notSaved",
                    &[&why.as_string().unwrap_or_default()],
                )));
                status.set_class_name("status error");
                revert();
            }
        }
    });
}

/// Per platform, one row: tracked, counter shown, paused, own CPM; the
/// sites the person added follow, each with a remove button, and a form
/// adds another.
fn sites(main: &Element, shared: &Shared, status: &Element) -> Result<(), JsValue> {
    let section = dom::add(main, "section", "sites", "")?;
    dom::add(&section, "h2", "", &i18n::message("optionsSites"))?;
    dom::add(&section, "p", "hint", &i18n::message("optionsSitesHint"))?;
    let table = dom::add(&section, "table", "site-options", "")?;
    let head = dom::add(&dom::add(&table, "thead", "", "")?, "tr", "", "")?;
    for key in [
        "colPlatform",
        "opt_track",
        "opt_overlay",
        "opt_pause",
        "opt_cpm",
        "",
    ] {
        let th = dom::add(
            &head,
            "th",
            "",
            &if key.is_empty() {
                String::new()
            } else {
                i18n::message(key)
            },
        )?;
        th.set_attribute("scope", "col")?;
    }
    let body = dom::add(&table, "tbody", "", "")?;
    let region = shared
        .borrow()
        .region
        .unwrap_or_else(|| crate::valuation::region_for_locale(&i18n::browser_locale()));
    let added: Vec<String> = shared
        .borrow()
        .custom_sites
        .iter()
        .map(|h| format!("custom:{h}"))
        .collect();
    for id in CATALOG.iter().map(|s| s.id.to_string()).chain(added) {
        site_row(&body, &id, region, shared, status)?;
    }
    add_site_form(&section, shared, status)
}

/// One site's row of controls.
fn site_row(
    body: &Element,
    id: &str,
    region: Region,
    shared: &Shared,
    status: &Element,
) -> Result<(), JsValue> {
    let name = site_name(id);
    let key = chrome::site_key(id);
    let tr = dom::add(body, "tr", "", "")?;
    tr.set_attribute("data-site", id)?;
    let th = dom::add(&tr, "th", "", "")?;
    th.set_attribute("scope", "row")?;
    dom::add(&th, "span", &format!("swatch site-{key}"), "")?
        .set_attribute("aria-hidden", "true")?;
    dom::add(&th, "span", "", &name)?;
    let site = Rc::<str>::from(id);
    let (paused, pause) = (site.clone(), site.clone());
    let (own_cpm, set_cpm) = (site.clone(), site.clone());
    let fields = [
        Some(site_check(
            &format!("track-{key}"),
            &site,
            (|s| &s.sites_off, |s| &mut s.sites_off),
        )),
        Some(site_check(
            &format!("overlay-{key}"),
            &site,
            (|s| &s.overlay_hidden, |s| &mut s.overlay_hidden),
        )),
        Some(field(
            &format!("pause-{key}"),
            choice(&[
                ("none", "pauseNone"),
                ("hour", "pauseHour"),
                ("day", "pauseDay"),
            ]),
            move |s| match s.paused_until.get(&*paused) {
                Some(until) if *until > js_sys::Date::now() => "paused".into(),
                _ => "none".into(),
            },
            move |s, v| {
                let now = js_sys::Date::now();
                match v {
                    "hour" => s.paused_until.insert(pause.to_string(), now + 3_600_000.0),
                    "day" => s.paused_until.insert(pause.to_string(), end_of_today(now)),
                    _ => s.paused_until.remove(&*pause),
                };
                Ok(())
            },
        )),
        // No ads are counted on a site the person added: no price for them.
        crate::sites::ads_counted(id).then(|| {
            field(
                &format!("cpm-{key}"),
                Control::Number {
                    min: 0.0,
                    max: 1000.0,
                    step: 0.01,
                },
                move |s| {
                    s.cpm_overrides
                        .get(&*own_cpm)
                        .map_or(String::new(), |v| v.to_string())
                },
                move |s, v| {
                    if v.trim().is_empty() || v.trim() == "0" {
                        s.cpm_overrides.remove(&*set_cpm);
                    } else {
                        s.cpm_overrides
                            .insert(set_cpm.to_string(), number(v, 0.01, 1000.0)?);
                    }
                    Ok(())
                },
            )
        }),
    ];
    for f in fields {
        let td = dom::add(&tr, "td", "", "")?;
        if let Some(f) = f {
            mount_in(&td, f, shared, status, Some(&name))?;
        }
    }
    // The table's CPM shows where the person has none of their own.
    if let (Some(input), Some(cpm)) = (
        tr.query_selector(&format!("#cpm-{key}"))?,
        crate::valuation::cpm(id, region, None),
    ) {
        let typical = format!("{:.2}", cpm.typical);
        input.set_attribute("placeholder", &number_shown(&typical, 2))?;
    }
    // A pause that is on shows until when.
    if let Some(until) = shared
        .borrow()
        .paused_until
        .get(id)
        .filter(|u| **u > js_sys::Date::now())
    {
        let select = tr
            .query_selector(&format!("#pause-{key}"))?
            .ok_or("no pause control")?;
        let o = dom::add(
            &select,
            "option",
            "",
            &i18n::message_with("pausedUntil", &[&time_of(*until)]),
        )?;
        o.set_attribute("value", "paused")?;
        select
            .unchecked_ref::<HtmlSelectElement>()
            .set_value("paused");
    }
    let td = dom::add(&tr, "td", "", "")?;
    if let Some(host) = id.strip_prefix("custom:") {
        let remove = button(&td, &format!("remove-{key}"), "removeSite")?;
        remove.set_attribute(
            "aria-label",
            &i18n::message_with("removeSiteNamed", &[host]),
        )?;
        let (host, shared, status) = (host.to_string(), shared.clone(), status.clone());
        let origins = crate::sites::custom_origins(&host);
        on_click(&remove, move || remove_site(&host, &shared, &status))?;
        spawn_local(offer_allow(th, key, origins));
    }
    Ok(())
}

/// A site in the list the browser does not let Thaman read (an imported
/// list, or the permission taken back in the browser) is not counted: its
/// row says so and offers to ask again.
async fn offer_allow(th: Element, key: String, origins: Vec<String>) {
    let Ok(asked) = chrome::permissions_contains(&chrome::origins(&origins)) else {
        return;
    };
    if JsFuture::from(asked).await.ok().and_then(|v| v.as_bool()) != Some(false) {
        return;
    }
    let note = || -> Result<(), JsValue> {
        dom::add(
            &th,
            "p",
            "hint not-allowed",
            &i18n::message("siteNotAllowed"),
        )?;
        let allow = button(&th, &format!("allow-{key}"), "allowSite")?;
        on_click(&allow, move || {
            // Inside the click: the browser asks only for a person's gesture.
            let Ok(asked) = chrome::permissions_request(&chrome::origins(&origins)) else {
                return;
            };
            spawn_local(async move {
                if JsFuture::from(asked).await.ok().and_then(|v| v.as_bool()) == Some(true) {
                    let _ = web_sys::window().map(|w| w.location().reload());
                }
            });
        })
    };
    if let Err(err) = note() {
        warn(&format!("{err:?}"));
    }
}

/// The set of sites a per-site checkbox is the opposite of.
type SiteSet = (
    fn(&Settings) -> &BTreeSet<String>,
    fn(&mut Settings) -> &mut BTreeSet<String>,
);

/// A per-site checkbox, checked while the site is not in the set (sites
/// off, counters hidden).
fn site_check(id: &str, site: &Rc<str>, (set, set_mut): SiteSet) -> Field {
    let (get, put) = (site.clone(), site.clone());
    field(
        id,
        Control::Check,
        move |s| (!set(s).contains(&*get)).to_string(),
        move |s, v| {
            if v == "true" {
                set_mut(s).remove(&*put);
            } else {
                set_mut(s).insert(put.to_string());
            }
            Ok(())
        },
    )
}

/// "Add a site": the host is checked here, then the browser asks the person
/// to let Thaman read that site; only if they allow it is the site added.
fn add_site_form(section: &Element, shared: &Shared, status: &Element) -> Result<(), JsValue> {
    let form = dom::add(section, "div", "field add-site", "")?;
    dom::add(&form, "label", "", &i18n::message("opt_add_site"))?
        .set_attribute("for", "add-site")?;
    let input = dom::add(&form, "input", "", "")?;
    input.set_id("add-site");
    for (k, v) in [
        ("type", "text"),
        ("inputmode", "url"),
        ("autocomplete", "off"),
        ("spellcheck", "false"),
        ("dir", "ltr"),
        ("placeholder", "news.example.org"),
        ("aria-describedby", "add-site-hint"),
    ] {
        input.set_attribute(k, v)?;
    }
    let add = button(&form, "add-site-button", "addSite")?;
    dom::add(&form, "p", "hint", &i18n::message("hint_add_site"))?.set_id("add-site-hint");
    let (shared, status) = (shared.clone(), status.clone());
    on_click(&add, move || {
        let typed = input.unchecked_ref::<HtmlInputElement>().value();
        let host = match crate::sites::custom_host(&typed) {
            Ok(host) => host,
            Err(err) => return fail(&status, &host_error(&err)),
        };
        if shared.borrow().custom_sites.contains(&host) {
            return fail(&status, &i18n::message_with("siteAlreadyAdded", &[&host]));
        }
        let mut next = shared.borrow().clone();
        next.custom_sites.insert(host.clone());
        if next.custom_sites.len() > crate::sites::MAX_CUSTOM_SITES {
            return fail(
                &status,
                &intl::counted("siteTooMany", crate::sites::MAX_CUSTOM_SITES as u64, &[]),
            );
        }
        // Asked now, inside the click: the browser shows its prompt only
        // for a person's gesture.
        let asked = match chrome::permissions_request(&chrome::origins(
            &crate::sites::custom_origins(&host),
        )) {
            Ok(asked) => asked,
            Err(err) => return fail(&status, &format!("{err:?}")),
        };
        let (shared, status) = (shared.clone(), status.clone());
        spawn_local(async move {
            match JsFuture::from(asked)
                .await
                .map(|v| v.as_bool() == Some(true))
            {
                Ok(true) => save(next, &shared, &status, true, || {}),
                Ok(false) => fail(
                    &status,
                    &i18n::message_with("sitePermissionRefused", &[&host]),
                ),
                Err(err) => fail(
                    &status,
                    &err.as_string().unwrap_or_else(|| format!("{err:?}")),
                ),
            }
        });
    })
}

/// Why a typed host was refused, in the person's language.
fn host_error(err: &crate::sites::HostError) -> String {
    use crate::sites::HostError;
    match err {
        HostError::Empty => i18n::message("siteEmpty"),
        HostError::Invalid(typed) => i18n::message_with("siteInvalid", &[typed]),
        HostError::Catalog(_, id) => i18n::message_with("siteInCatalog", &[&site_name(id)]),
    }
}

/// Takes a site off the list (its days stay in the history), then gives
/// back the browser's permission for it.
fn remove_site(host: &str, shared: &Shared, status: &Element) {
    let mut next = shared.borrow().clone();
    next.remove_custom_site(host);
    let (origins, status) = (crate::sites::custom_origins(host), status.clone());
    spawn_local(async move {
        if let Err(why) = ask(&AskSettings::SetSettings { settings: next }).await {
            return fail(
                &status,
                &i18n::message_with("notSaved", &[&why.as_string().unwrap_or_default()]),
            );
        }
        if let Ok(asked) = chrome::permissions_remove(&chrome::origins(&origins)) {
            let _ = JsFuture::from(asked).await;
        }
        let _ = web_sys::window().map(|w| w.location().reload());
    });
}

/// "My ad rules": the person's own rules in the syntax of
/// `rules/sites.txt`, checked as they type by the core's parser (and the
/// browser, for selectors and regexes); saved only when every line is.
fn ad_rules(main: &Element, shared: &Shared, status: &Element) -> Result<(), JsValue> {
    let section = dom::add(main, "section", "ad-rules", "")?;
    dom::add(&section, "h2", "", &i18n::message("optionsAdRules"))?;
    let label = dom::add(&section, "label", "", &i18n::message("opt_ad_rules"))?;
    label.set_attribute("for", "ad-rules")?;
    let area = dom::add(&section, "textarea", "", "")?;
    area.set_id("ad-rules");
    // Rules are code: written left to right in every language.
    for (k, v) in [
        ("dir", "ltr"),
        ("rows", "8"),
        ("spellcheck", "false"),
        ("autocomplete", "off"),
        (
            "placeholder",
            "facebook.com##div[role=\"feed\"] > div:has(a[href*=\"/ads/\"])",
        ),
        ("aria-describedby", "ad-rules-hint ad-rules-errors"),
    ] {
        area.set_attribute(k, v)?;
    }
    let _ = js_sys::Reflect::set(
        &area,
        &"value".into(),
        &shared.borrow().ad_rules.as_str().into(),
    );
    let a = area.clone();
    REDRAWS.with(|r| {
        r.borrow_mut().push(Rc::new(move |s: &Settings| {
            let _ = js_sys::Reflect::set(&a, &"value".into(), &s.ad_rules.as_str().into());
        }))
    });
    dom::add(&section, "p", "hint", &i18n::message("hint_ad_rules"))?.set_id("ad-rules-hint");
    let errors = dom::add(&section, "ul", "rule-errors", "")?;
    errors.set_id("ad-rules-errors");
    errors.set_attribute("aria-live", "polite")?;
    let row = dom::add(&section, "div", "buttons", "")?;
    let save_button = button(&row, "ad-rules-save", "adRulesSave")?;
    let text = {
        let area = area.clone();
        move || {
            js_sys::Reflect::get(&area, &"value".into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default()
        }
    };
    // Shows every bad line; answers the rules' text when all are good.
    let check = {
        let (shared, errors, save_button, text) = (
            shared.clone(),
            errors.clone(),
            save_button.clone(),
            text.clone(),
        );
        move || -> Option<String> {
            let typed = text();
            let custom = shared.borrow().custom_sites.clone();
            let found = crate::rules::check_own_rules(
                &typed,
                |d| crate::sites::site_id_for_host(d, &custom).is_some(),
                browser_accepts,
            );
            errors.set_text_content(None);
            let bad = found.err().unwrap_or_default();
            for e in &bad {
                let line = i18n::message_with(
                    "ruleLine",
                    &[&intl::count(e.line as u64), &rule_error(&e.error)],
                );
                let _ = dom::add(&errors, "li", "", &line);
            }
            let same = typed == shared.borrow().ad_rules;
            let _ = if bad.is_empty() && !same {
                save_button.remove_attribute("disabled")
            } else {
                save_button.set_attribute("disabled", "")
            };
            bad.is_empty().then_some(typed)
        }
    };
    check();
    let on_input = Closure::<dyn FnMut()>::new({
        let check = check.clone();
        move || {
            check();
        }
    });
    area.add_event_listener_with_callback("input", on_input.as_ref().unchecked_ref())?;
    on_input.forget();
    let (shared, status, button) = (shared.clone(), status.clone(), save_button.clone());
    on_click(&save_button, move || {
        // Nothing is saved while a line is bad.
        let Some(typed) = check() else {
            return fail(&status, &i18n::message("adRulesNotSaved"));
        };
        let mut next = shared.borrow().clone();
        next.ad_rules = typed;
        save(next, &shared, &status, false, || {});
        let _ = button.set_attribute("disabled", "");
    })
}

/// Whether the browser accepts a rule's selectors and regexes, as the
/// page's sensor will give them to it.
fn browser_accepts(rule: &crate::rules::Rule) -> Result<(), crate::rules::RuleError> {
    use crate::rules::RuleError;
    let Ok(doc) = dom::document() else {
        return Ok(());
    };
    for css in rule.selectors() {
        if doc.query_selector(css).is_err() {
            return Err(RuleError::BadSelector(css.to_string()));
        }
    }
    let regexp = js_sys::Reflect::get(&js_sys::global(), &"RegExp".into())
        .ok()
        .and_then(|c| c.dyn_into::<js_sys::Function>().ok());
    for (source, flags) in rule.regexes() {
        let args = js_sys::Array::of2(&source.into(), &flags.into());
        if let Some(regexp) = &regexp {
            if js_sys::Reflect::construct(regexp, &args).is_err() {
                return Err(RuleError::BadRegex(source.to_string()));
            }
        }
    }
    Ok(())
}

/// Why a rule line was refused, in the person's language.
fn rule_error(e: &crate::rules::RuleError) -> String {
    use crate::rules::{Reason, RuleError, MAX_OWN_CHARS, MAX_OWN_LINE_CHARS, MAX_OWN_RULES};
    let n = |n: usize| intl::count(n as u64);
    match e {
        RuleError::NoSeparator => i18n::message("ruleNoSeparator"),
        RuleError::BadDomain(d) => i18n::message_with("ruleBadDomain", &[d]),
        RuleError::EmptySelector => i18n::message("ruleEmptySelector"),
        RuleError::Unbalanced => i18n::message("ruleUnbalanced"),
        RuleError::UnknownOperator(op) => i18n::message_with("ruleUnknownOperator", &[op]),
        RuleError::BadArgument {
            op,
            reason: Reason::UpwardRange,
        } => i18n::message_with(
            "ruleBadArgument",
            &[
                &format!(":{op}()"),
                &i18n::message_with("ruleReasonUpwardRange", &[&n(1), &n(64)]),
            ],
        ),
        RuleError::BadArgument { op, reason } => {
            let why = i18n::message(match reason {
                Reason::NameValue => "ruleReasonNameValue",
                Reason::AttributeName => "ruleReasonAttributeName",
                Reason::UpwardRange => "ruleReasonUpwardRange",
                Reason::UpwardEmpty => "ruleReasonUpwardEmpty",
                Reason::NoLabelSelector => "ruleReasonNoLabelSelector",
                Reason::OneClass => "ruleReasonOneClass",
                Reason::NoTextSelector => "ruleReasonNoTextSelector",
                Reason::EmptySelector => "ruleReasonEmptySelector",
                Reason::AttributeAfterAt => "ruleReasonAttributeAfterAt",
                Reason::UnterminatedRegex => "ruleReasonUnterminatedRegex",
                Reason::EmptyRegex => "ruleReasonEmptyRegex",
                Reason::RegexFlags => "ruleReasonRegexFlags",
                Reason::EmptyText => "ruleReasonEmptyText",
            });
            i18n::message_with("ruleBadArgument", &[&format!(":{op}()"), &why])
        }
        RuleError::LabelNotLast => i18n::message("ruleLabelNotLast"),
        RuleError::PostMixed => i18n::message("rulePostMixed"),
        RuleError::UnknownSite(d) => i18n::message_with("ruleUnknownSite", &[d]),
        RuleError::PostRule => i18n::message("rulePostRule"),
        RuleError::LineTooLong => i18n::message_with("ruleLineTooLong", &[&n(MAX_OWN_LINE_CHARS)]),
        RuleError::TooManyRules => i18n::message_with("ruleTooMany", &[&n(MAX_OWN_RULES)]),
        RuleError::TooLong => i18n::message_with("ruleTooLong", &[&n(MAX_OWN_CHARS)]),
        RuleError::BadSelector(css) => i18n::message_with("ruleBadSelector", &[css]),
        RuleError::BadRegex(re) => i18n::message_with("ruleBadRegex", &[&format!("/{re}/")]),
    }
}

/// Local midnight after `now`.
fn end_of_today(now: f64) -> f64 {
    let d = js_sys::Date::new(&JsValue::from_f64(now));
    d.set_hours(24);
    d.set_minutes(0);
    d.set_seconds(0);
    d.set_milliseconds(0);
    d.get_time()
}

fn time_of(ms: f64) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(ms));
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"hour".into(), &"numeric".into());
    let _ = js_sys::Reflect::set(&opts, &"minute".into(), &"2-digit".into());
    d.to_locale_time_string_with_options(&i18n::locale(), &opts)
        .into()
}

/// Export, import with a preview, and delete everything.
fn data(main: &Element, shared: &Shared, status: &Element) -> Result<(), JsValue> {
    let section = dom::add(main, "section", "data", "")?;
    dom::add(&section, "h2", "", &i18n::message("optionsData"))?;
    dom::add(&section, "p", "hint", &i18n::message("optionsDataHint"))?;
    let row = dom::add(&section, "div", "buttons", "")?;
    let json = button(&row, "export-json", "exportJson")?;
    let csv = button(&row, "export-csv", "exportCsv")?;
    let finds_csv = button(&row, "export-finds-csv", "exportFindsCsv")?;
    on_click(&json, move || {
        spawn_local(async move {
            if let Ok(value) = ask(&Ask::Export).await {
                let text = js_sys::JSON::stringify_with_replacer_and_space(
                    &value,
                    &JsValue::NULL,
                    &1.into(),
                )
                .map(String::from)
                .unwrap_or_default();
                download(
                    &text,
                    "application/json",
                    &format!("thaman-{}.json", today()),
                );
            }
        })
    })?;
    on_click(&csv, move || {
        spawn_local(async move {
            if let Ok(value) = ask(&Ask::ExportCsv).await {
                download(
                    &value.as_string().unwrap_or_default(),
                    "text/csv",
                    &format!("thaman-{}.csv", today()),
                );
            }
        })
    })?;

    on_click(&finds_csv, move || {
        spawn_local(async move {
            if let Ok(value) = ask(&Ask::ExportFindsCsv).await {
                download(
                    &value.as_string().unwrap_or_default(),
                    "text/csv",
                    &format!("thaman-finds-{}.csv", today()),
                );
            }
        })
    })?;

    // Import: pick a file, see what it changes, confirm.
    let import = dom::add(&section, "div", "import", "")?;
    let label = dom::add(&import, "label", "", &i18n::message("importJson"))?;
    label.set_attribute("for", "import-file")?;
    let doc = main.owner_document().ok_or("detached")?;
    let file = doc.create_element("input")?;
    file.set_id("import-file");
    file.set_attribute("type", "file")?;
    file.set_attribute("accept", "application/json,.json")?;
    import.append_child(&file)?;
    let preview = dom::add(&import, "div", "preview", "")?;
    preview.set_id("import-preview");
    let undo = undo_import(&import, shared, status)?;
    let (file_el, preview_el, status_el) = (file.clone(), preview.clone(), status.clone());
    let shared_el = shared.clone();
    let on_file = Closure::<dyn FnMut()>::new(move || {
        let Some(f) = file_el
            .unchecked_ref::<HtmlInputElement>()
            .files()
            .and_then(|l| l.get(0))
        else {
            return;
        };
        let (preview, status, undo) = (preview_el.clone(), status_el.clone(), undo.clone());
        let shared = shared_el.clone();
        spawn_local(async move {
            preview.set_text_content(None);
            // Too large a file is refused before it is read at all.
            if crate::store::import_size(f.size()).is_err() {
                let mb = |bytes: f64| intl::count((bytes / 1e6).ceil() as u64);
                let why = i18n::message_with(
                    "importTooLarge",
                    &[&mb(f.size()), &mb(crate::store::MAX_IMPORT_BYTES)],
                );
                return refuse(&status, &why);
            }
            let text = JsFuture::from(f.text())
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default();
            let data = match js_sys::JSON::parse(&text) {
                Ok(d) => d,
                Err(_) => return refuse(&status, &i18n::message("importNotJson")),
            };
            match ask(&AskImport::ImportPreview {
                data: Js(data.clone()),
            })
            .await
            {
                Ok(reply) => match serde_wasm_bindgen::from_value::<ImportPreview>(reply) {
                    Ok(p) => {
                        let _ = show_preview(&preview, &p, data, &shared, &status, &undo);
                    }
                    Err(e) => refuse(&status, &e.to_string()),
                },
                Err(why) => refuse(&status, &why.as_string().unwrap_or_default()),
            }
        });
    });
    file.add_event_listener_with_callback("change", on_file.as_ref().unchecked_ref())?;
    on_file.forget();

    // Delete everything: asked twice.
    let delete = dom::add(&section, "div", "delete", "")?;
    let first = button(&delete, "delete-1", "deleteEverything")?;
    let confirm = dom::add(&delete, "div", "confirm", "")?;
    confirm.set_attribute("hidden", "")?;
    dom::add(&confirm, "p", "", &i18n::message("deleteSure"))?;
    let second = button(&confirm, "delete-2", "deleteForGood")?;
    let cancel = button(&confirm, "delete-cancel", "cancel")?;
    let c = confirm.clone();
    on_click(&first, move || {
        let _ = c.remove_attribute("hidden");
    })?;
    let c = confirm.clone();
    on_click(&cancel, move || {
        let _ = c.set_attribute("hidden", "");
    })?;
    let (c, status, shared) = (confirm.clone(), status.clone(), shared.clone());
    on_click(&second, move || {
        let (c, status) = (c.clone(), status.clone());
        // The sites the person added go too, with the browser's permissions.
        let origins: Vec<String> = shared
            .borrow()
            .custom_sites
            .iter()
            .flat_map(|h| crate::sites::custom_origins(h))
            .collect();
        spawn_local(async move {
            let text = match ask(&Ask::DeleteEverything).await {
                Ok(_) => {
                    if let Ok(gone) = chrome::permissions_remove(&chrome::origins(&origins)) {
                        let _ = JsFuture::from(gone).await;
                    }
                    i18n::message("deleted")
                }
                Err(why) => why.as_string().unwrap_or_default(),
            };
            let _ = c.set_attribute("hidden", "");
            status.set_text_content(Some(&text));
            let _ = web_sys::window().map(|w| w.location().reload());
        });
    })?;
    Ok(())
}

/// After an import or its undo: the page's settings and every control
/// follow what the core now holds, so a later edit cannot send the old
/// ones back. A change that lays the page out anew (language, digits, the
/// sites the person added) reloads it.
async fn refresh(shared: &Shared) {
    let settings: Settings = match ask_for(&Ask::GetSettings).await {
        Ok(settings) => settings,
        // Not read: the page is read again instead.
        Err(_) => return reload(),
    };
    let relaid = {
        let old = shared.borrow();
        old.language != settings.language
            || old.arabic_digits != settings.arabic_digits
            || old.custom_sites != settings.custom_sites
    };
    if relaid {
        return reload();
    }
    *shared.borrow_mut() = settings.clone();
    let redraws = REDRAWS.with(|r| r.borrow().clone());
    for redraw in redraws {
        redraw(&settings);
    }
}

fn reload() {
    let _ = web_sys::window().map(|w| w.location().reload());
}

fn refuse(status: &Element, why: &str) {
    fail(status, &i18n::message_with("importRefused", &[why]));
}

/// Shows what went wrong in the page's status line.
fn fail(status: &Element, text: &str) {
    status.set_text_content(Some(text));
    status.set_class_name("status error");
}

/// "Undo import": shown while the core can still put back the store as
/// it was before the last import; hidden once it cannot. Returns its row.
fn undo_import(parent: &Element, shared: &Shared, status: &Element) -> Result<Element, JsValue> {
    let row = dom::add(parent, "div", "undo-import", "")?;
    row.set_attribute("hidden", "")?;
    let hint = dom::add(&row, "p", "hint", "")?;
    let undo = button(&row, "import-undo", "importUndo")?;
    let (r, status, shared) = (row.clone(), status.clone(), shared.clone());
    on_click(&undo, move || {
        let (row, status, shared) = (r.clone(), status.clone(), shared.clone());
        spawn_local(async move {
            let reply = match super::ask_now(&Ask::UndoImport) {
                Ok(asked) => asked.await.unwrap_or(JsValue::UNDEFINED),
                Err(e) => e,
            };
            let _ = row.set_attribute("hidden", "");
            match super::answer(reply.clone()) {
                Ok(_) => {
                    status.set_text_content(Some(&i18n::message("importUndone")));
                    status.set_class_name("status ok");
                    refresh(&shared).await;
                }
                Err(why) => {
                    let why =
                        undo_refusal(&reply).unwrap_or_else(|| why.as_string().unwrap_or_default());
                    fail(&status, &i18n::message_with("undoRefused", &[&why]));
                }
            }
        });
    })?;
    show_undo(&row, &hint);
    Ok(row)
}

/// Asks the core whether the last import can be undone; shows the row
/// (with when it was made) if so.
fn show_undo(row: &Element, hint: &Element) {
    let (row, hint) = (row.clone(), hint.clone());
    spawn_local(async move {
        let Ok(reply) = ask(&Ask::ImportUndoable).await else {
            let _ = row.set_attribute("hidden", "");
            return;
        };
        let at = js_sys::Reflect::get(&reply, &"at".into())
            .ok()
            .and_then(|a| a.as_f64())
            .unwrap_or_default();
        let opts = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
        let _ = js_sys::Reflect::set(&opts, &"timeStyle".into(), &"short".into());
        let when: String = js_sys::Date::new(&JsValue::from_f64(at))
            .to_locale_string(&i18n::locale(), &opts)
            .into();
        hint.set_text_content(Some(&i18n::message_with("importUndoHint", &[&when])));
        let _ = row.remove_attribute("hidden");
    });
}

/// Why an undo was refused, in the person's words (the core's code).
fn undo_refusal(reply: &JsValue) -> Option<String> {
    let why = js_sys::Reflect::get(reply, &"why".into()).ok()?;
    let key = match serde_wasm_bindgen::from_value::<crate::store::UndoError>(why).ok()? {
        crate::store::UndoError::NothingToUndo => "undoNothing",
        crate::store::UndoError::ChangedSince => "undoChanged",
    };
    Some(i18n::message(key))
}

fn show_preview(
    preview: &Element,
    p: &ImportPreview,
    data: JsValue,
    shared: &Shared,
    status: &Element,
    undo: &Element,
) -> Result<(), JsValue> {
    let range = match (p.first, p.last) {
        (Some(a), Some(b)) => i18n::message_with(
            "dateRange",
            &[
                &intl::date(a, &[("dateStyle", "medium")]),
                &intl::date(b, &[("dateStyle", "medium")]),
            ],
        ),
        _ => String::new(),
    };
    let text = i18n::message_with(
        "importWillChange",
        &[
            &intl::counted("importDays", p.days_added as u64, &[]),
            &intl::counted("importDays", p.days_replaced as u64, &[]),
            &range,
        ],
    );
    dom::add(preview, "p", "", &text)?;
    if p.finds > 0 {
        dom::add(
            preview,
            "p",
            "",
            &intl::counted("importFinds", p.finds as u64, &[]),
        )?;
    }
    if !p.settings_changed.is_empty() {
        let names: Vec<String> = p
            .settings_changed
            .iter()
            .map(|f| i18n::message(&format!("opt_{f}")))
            .collect();
        dom::add(
            preview,
            "p",
            "",
            &i18n::message_with("importSettings", &[&names.join(", ")]),
        )?;
    }
    let go = button(preview, "import-confirm", "importConfirm")?;
    let cancel = button(preview, "import-cancel", "cancel")?;
    let (pv, status, undo, shared) = (
        preview.clone(),
        status.clone(),
        undo.clone(),
        shared.clone(),
    );
    on_click(&go, move || {
        let (data, pv, status, undo) = (data.clone(), pv.clone(), status.clone(), undo.clone());
        let shared = shared.clone();
        spawn_local(async move {
            match ask(&AskImport::Import { data: Js(data) }).await {
                Ok(_) => {
                    status.set_text_content(Some(&i18n::message("imported")));
                    status.set_class_name("status ok");
                    pv.set_text_content(None);
                    if let Some(hint) = undo.query_selector(".hint").ok().flatten() {
                        show_undo(&undo, &hint);
                    }
                    refresh(&shared).await;
                }
                Err(why) => refuse(&status, &why.as_string().unwrap_or_default()),
            }
        });
    })?;
    let pv = preview.clone();
    on_click(&cancel, move || pv.set_text_content(None))?;
    Ok(())
}

fn button(parent: &Element, id: &str, key: &str) -> Result<Element, JsValue> {
    let b = dom::add(parent, "button", "", &i18n::message(key))?;
    b.set_id(id);
    b.set_attribute("type", "button")?;
    Ok(b)
}

fn on_click(el: &Element, f: impl FnMut() + 'static) -> Result<(), JsValue> {
    let c = Closure::<dyn FnMut()>::new(f);
    el.add_event_listener_with_callback("click", c.as_ref().unchecked_ref())?;
    c.forget();
    Ok(())
}

fn today() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

/// Saves `text` as a file through a temporary link.
fn download(text: &str, mime: &str, name: &str) {
    let run = || -> Result<(), JsValue> {
        let parts = js_sys::Array::of1(&text.into());
        let bag = web_sys::BlobPropertyBag::new();
        bag.set_type(mime);
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob)?;
        let doc = dom::document()?;
        let a: web_sys::HtmlAnchorElement = doc.create_element("a")?.unchecked_into();
        a.set_href(&url);
        a.set_download(name);
        a.click();
        web_sys::Url::revoke_object_url(&url)?;
        Ok(())
    };
    if let Err(e) = run() {
        warn(&format!("download failed: {e:?}"));
    }
}
