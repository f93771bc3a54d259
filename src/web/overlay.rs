//! The counter's extension frame: the prompt card, the price card past the
//! daily goal, the panel (today on this site, and the site's choices) and
//! the note under them ("saved as useful", "your click was not taken").
//! The page's sensor
//! draws the pill itself and opens this frame above it, in its closed
//! shadow root, only while one of these is up: here trusted clicks land in
//! an extension page the site cannot script. The frame asks for exactly
//! the room it draws, and to be closed when nothing is left.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use super::chrome::{self, Port};
use super::i18n;
use super::{dom, intl, to_js, warn};
use crate::choice::{refusal_shown, Awaited, Panel};
use crate::prompt::{Answer, Reason};
use crate::protocol::{
    Click, OverlayCall, OverlayRequest, OverlayState, OverlayUpdate, PauseSpan, Seen,
};
use crate::settings::{Language, Settings};
use crate::summary::OWN_CPM_MARK;
use crate::tracker::{GoalChoice, CONTINUE_MS};

/// The room between the sections the frame stacks (overlay.css `gap`).
const GAP_PX: f64 = 8.0;
const REASONS: [(Reason, &str); 4] = [
    (Reason::Learned, "reasonLearned"),
    (Reason::Work, "reasonWork"),
    (Reason::People, "reasonPeople"),
    (Reason::Reach, "reasonReach"),
];

/// The overlay's elements; built once, updated in place.
pub struct View {
    card: Element,
    question: Element,
    reasons: Vec<(Reason, Element)>,
    answers: Vec<(Answer, Element)>,
    /// The price card past the daily goal, and its three choices.
    goal: Element,
    goal_text: Element,
    goal_choices: Vec<(GoalChoice, Element)>,
    /// Today on this site, opened by a click on the pill.
    panel: Element,
    panel_title: Element,
    /// attention, useful, sold, ads
    panel_values: [Element; 4],
    actions: Vec<(Action, Element)>,
    /// "Saved as useful — undo", for a few seconds after marking a post.
    saved: Element,
    saved_text: Element,
    undo: Element,
    /// The state last rendered, with the site's name: a tick (which moves
    /// only the panel's clock) does not format the name again.
    last: std::cell::RefCell<Option<(OverlayState, String)>>,
}

/// What the expanded overlay's buttons ask.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Action {
    MarkPost,
    MarkUseful,
    PauseHour,
    PauseToday,
    Hide,
    Options,
}

impl View {
    pub fn mount(doc: &Document, parent: &Element) -> Result<View, JsValue> {
        // The card, above the pill: "Were these N minutes useful?"
        let card = dom::element(doc, "section", "card", "")?;
        card.set_attribute("role", "dialog")?;
        card.set_attribute("aria-labelledby", "prompt-question")?;
        card.set_attribute("hidden", "")?;
        let question = dom::element(doc, "p", "question", "")?;
        question.set_id("prompt-question");
        card.append_child(&question)?;
        let reason_row = dom::element(doc, "div", "reasons", "")?;
        reason_row.set_attribute("role", "group")?;
        reason_row.set_attribute("aria-label", &i18n::message("promptWhy"))?;
        let mut reasons = Vec::new();
        for (reason, key) in REASONS {
            let b = dom::element(doc, "button", "reason", &i18n::message(key))?;
            b.set_attribute("type", "button")?;
            b.set_attribute("aria-pressed", "false")?;
            reason_row.append_child(&b)?;
            reasons.push((reason, b));
        }
        card.append_child(&reason_row)?;
        let answer_row = dom::element(doc, "div", "answers", "")?;
        let mut answers = Vec::new();
        for (answer, class, key) in [
            (Answer::Useful, "useful", "promptUseful"),
            (Answer::NotUseful, "not-useful", "promptNotUseful"),
            (Answer::Later, "later", "promptLater"),
        ] {
            let b = dom::element(doc, "button", class, &i18n::message(key))?;
            b.set_attribute("type", "button")?;
            answer_row.append_child(&b)?;
            answers.push((answer, b));
        }
        card.append_child(&answer_row)?;
        parent.append_child(&card)?;

        // The price card past the daily goal: what today cost, and a choice.
        let goal = dom::element(doc, "section", "card goal", "")?;
        goal.set_attribute("role", "dialog")?;
        goal.set_attribute("aria-labelledby", "goal-text")?;
        goal.set_attribute("hidden", "")?;
        let goal_text = dom::add(&goal, "p", "question", "")?;
        goal_text.set_id("goal-text");
        let goal_row = dom::add(&goal, "div", "answers", "")?;
        let continue_min = (CONTINUE_MS / 60_000.0) as u64;
        let mut goal_choices = Vec::new();
        for (choice, class, text) in [
            (
                GoalChoice::Continue,
                "goal-continue",
                intl::counted("goalContinue", continue_min, &[]),
            ),
            (GoalChoice::Week, "goal-week", i18n::message("goalWeek")),
            (GoalChoice::Leave, "goal-leave", i18n::message("goalLeave")),
        ] {
            let b = dom::add(&goal_row, "button", class, &text)?;
            b.set_attribute("type", "button")?;
            goal_choices.push((choice, b));
        }
        parent.append_child(&goal)?;

        // The panel: today on this site, and what the person can do.
        let panel = dom::element(doc, "section", "panel", "")?;
        panel.set_id("panel");
        panel.set_attribute("hidden", "")?;
        panel.set_attribute("aria-labelledby", "panel-title")?;
        let panel_title = dom::add(&panel, "h2", "", "")?;
        panel_title.set_id("panel-title");
        let dl = dom::add(&panel, "dl", "today", "")?;
        let mut values = Vec::new();
        for (class, key) in [
            ("stat-attention", "statAttention"),
            ("stat-useful", "statUseful"),
            ("stat-sold", "statSold"),
            ("stat-ads", "statAds"),
        ] {
            let row = dom::add(&dl, "div", class, "")?;
            dom::add(&row, "dt", "", &i18n::message(key))?;
            values.push(dom::add(&row, "dd", "", "")?);
        }
        let row = dom::add(&panel, "div", "actions", "")?;
        let mut actions = Vec::new();
        for (action, class, key) in [
            (Action::MarkPost, "mark-post", "panelMarkPost"),
            (Action::MarkUseful, "mark", "panelMarkUseful"),
            (Action::PauseHour, "pause-hour", "panelPauseHour"),
            (Action::PauseToday, "pause-today", "panelPauseToday"),
            (Action::Hide, "hide", "panelHide"),
            (Action::Options, "options", "panelOptions"),
        ] {
            let b = dom::add(&row, "button", class, &i18n::message(key))?;
            b.set_attribute("type", "button")?;
            actions.push((action, b));
        }
        parent.append_child(&panel)?;
        let panel_values: [Element; 4] = values.try_into().map_err(|_| "four values")?;

        let saved = dom::element(doc, "section", "saved", "")?;
        saved.set_attribute("role", "status")?;
        saved.set_attribute("hidden", "")?;
        let saved_text = dom::add(&saved, "span", "saved-text", "")?;
        let undo = dom::add(&saved, "button", "undo", &i18n::message("savedUndo"))?;
        undo.set_attribute("type", "button")?;
        parent.append_child(&saved)?;

        Ok(View {
            card,
            question,
            reasons,
            answers,
            goal,
            goal_text,
            goal_choices,
            panel,
            panel_title,
            panel_values,
            actions,
            saved,
            saved_text,
            undo,
            last: Default::default(),
        })
    }

    /// Shows `state`, `elapsed_s` seconds after it was received: the
    /// panel's time ticks only while counting, and stops by itself when
    /// `stops_in` runs out.
    pub fn render(&self, state: &OverlayState, elapsed_s: f64) {
        let ticked = if state.counting {
            elapsed_s.clamp(0.0, state.stops_in.unwrap_or(f64::INFINITY))
        } else {
            0.0
        };
        let name = match self.last.borrow().as_ref() {
            Some((last, name)) if last == state => Some(name.clone()),
            _ => None,
        };
        let name = name.unwrap_or_else(|| {
            let name = i18n::site_name(&state.site);
            *self.last.borrow_mut() = Some((state.clone(), name.clone()));
            name
        });
        // Folded to a dot, the counter shows no panel.
        if state.minimized {
            self.toggle_panel(false);
        }
        self.render_card(state, &name);
        self.render_goal(state);
        self.render_note(state, elapsed_s);
        if self.panel_shown() {
            self.render_panel(state, state.seconds + ticked, &name);
        }
    }

    /// Whether anything is shown: else the frame may go.
    pub fn shows_anything(&self) -> bool {
        self.card_shown() || self.goal_shown() || self.panel_shown() || self.note_shown()
    }

    /// The room the shown sections take, stacked (px, rounded up): exactly
    /// what the frame draws.
    pub fn drawn_size(&self) -> (u32, u32) {
        let (mut width, mut height, mut shown) = (0.0f64, 0.0f64, 0u32);
        for section in [&self.card, &self.goal, &self.panel, &self.saved] {
            if section.has_attribute("hidden") {
                continue;
            }
            let (w, h) = box_size(section);
            width = width.max(w);
            height += h;
            shown += 1;
        }
        height += GAP_PX * f64::from(shown.saturating_sub(1));
        (width.ceil() as u32, height.ceil() as u32)
    }

    fn render_panel(&self, state: &OverlayState, attention: f64, site_name: &str) {
        let set = |el: &Element, text: String| {
            if el.text_content().as_deref() != Some(text.as_str()) {
                el.set_text_content(Some(&text));
            }
        };
        set(
            &self.panel_title,
            i18n::message_with("panelTitle", &[site_name]),
        );
        let [a, u, s, n] = &self.panel_values;
        set(a, intl::duration(attention));
        set(u, intl::duration(state.useful));
        set(s, intl::duration((attention - state.useful).max(0.0)));
        set(
            n,
            if state.ads_counted {
                intl::count(state.ads)
            } else {
                "—".into()
            },
        );
        if let Some((_, mark)) = self.actions.iter().find(|(a, _)| *a == Action::MarkUseful) {
            // The core offers "the last N minutes" only once N were counted.
            if state.mark_minutes == 0 {
                let _ = mark.set_attribute("hidden", "");
            } else {
                let _ = mark.remove_attribute("hidden");
                set(
                    mark,
                    intl::counted("panelMarkUseful", u64::from(state.mark_minutes), &[]),
                );
            }
        }
    }

    /// The note under the counter, while it lasts: a click just refused
    /// (the newest news, first), else a post just marked useful.
    fn render_note(&self, state: &OverlayState, elapsed_s: f64) {
        let refused = refusal_shown(state, elapsed_s);
        let saved = state.saved.as_ref().filter(|s| elapsed_s < s.shown_s);
        let (text, undo) = match (refused, saved) {
            (true, _) => (i18n::message("refusedClick"), false),
            (false, Some(saved)) => (
                match saved.id {
                    None if saved.no_post => i18n::message("savedNoPost"),
                    None => i18n::message("savedFailed"),
                    Some(_) if saved.dropped > 0 => {
                        intl::counted("savedDropped", u64::from(saved.dropped), &[])
                    }
                    Some(_) => i18n::message("savedUseful"),
                },
                saved.id.is_some(),
            ),
            (false, None) => {
                let _ = self.saved.set_attribute("hidden", "");
                return;
            }
        };
        if self.saved_text.text_content().as_deref() != Some(text.as_str()) {
            self.saved_text.set_text_content(Some(&text));
        }
        let _ = if undo {
            self.undo.remove_attribute("hidden")
        } else {
            self.undo.set_attribute("hidden", "")
        };
        let _ = self.saved.remove_attribute("hidden");
    }

    pub fn note_shown(&self) -> bool {
        !self.saved.has_attribute("hidden")
    }

    pub fn panel_shown(&self) -> bool {
        !self.panel.has_attribute("hidden")
    }

    /// Opens or closes the panel (the prompt card, when up, comes first).
    fn toggle_panel(&self, open: bool) {
        let _ = if open {
            self.panel.remove_attribute("hidden")
        } else {
            self.panel.set_attribute("hidden", "")
        };
    }

    fn render_card(&self, state: &OverlayState, site_name: &str) {
        match &state.prompt {
            Some(p) => {
                let text = intl::counted(
                    &format!("promptQuestion{}", p.variant % 3),
                    u64::from(p.minutes),
                    &[site_name],
                );
                if self.question.text_content().as_deref() != Some(text.as_str()) {
                    self.question.set_text_content(Some(&text));
                }
                let _ = self.card.remove_attribute("hidden");
                if self.panel_shown() {
                    self.toggle_panel(false);
                }
            }
            None if !self.card.has_attribute("hidden") => {
                let _ = self.card.set_attribute("hidden", "");
                for (_, b) in &self.reasons {
                    let _ = b.set_attribute("aria-pressed", "false");
                }
            }
            None => {}
        }
    }

    /// The price card past the daily goal: "You have sold 1 h 12 min
    /// today — ≈ $0.41 to the platforms" (without a take, no money).
    fn render_goal(&self, state: &OverlayState) {
        let Some(g) = &state.goal else {
            if self.goal_shown() {
                let _ = self.goal.set_attribute("hidden", "");
            }
            return;
        };
        let sold = intl::duration(g.sold_s);
        let text = match g.take {
            Some(usd) => {
                let mut money = intl::cash(usd, &state.currency, state.usd_rate);
                // The person's own price, marked as elsewhere.
                if g.own_cpm {
                    money.push_str(OWN_CPM_MARK);
                }
                i18n::message_with("goalCardPrice", &[&sold, &money])
            }
            None => i18n::message_with("goalCardSold", &[&sold]),
        };
        if self.goal_text.text_content().as_deref() != Some(text.as_str()) {
            self.goal_text.set_text_content(Some(&text));
        }
        if !self.goal_shown() {
            let _ = self.goal.remove_attribute("hidden");
            if self.panel_shown() {
                self.toggle_panel(false);
            }
        }
    }

    /// Whether the goal's card is up.
    pub fn goal_shown(&self) -> bool {
        !self.goal.has_attribute("hidden")
    }

    /// Whether the card is up.
    pub fn card_shown(&self) -> bool {
        !self.card.has_attribute("hidden")
    }

    /// The reasons the person pressed.
    fn pressed(&self) -> Vec<Reason> {
        self.reasons
            .iter()
            .filter(|(_, b)| b.get_attribute("aria-pressed").as_deref() == Some("true"))
            .map(|(r, _)| *r)
            .collect()
    }
}

struct Overlay {
    view: View,
    /// What the browser says of the frame's visibility in the page.
    sight: Rc<RefCell<Sight>>,
    /// The language and digits the view was built with.
    prefs: (Language, bool),
    latest: Option<(OverlayState, f64)>,
    port: Option<Port>,
    /// The frame size last asked for; none once it asked to be closed.
    size: Option<(u32, u32)>,
    /// A choice made in the panel, waiting for the core's answer.
    awaited: Option<Awaited>,
    /// The core's last state held a card or note (whatever the view has
    /// done with it since): closing then does not ask for a frame again.
    had_card: bool,
    /// A person's choice waits for the browser's word on its click.
    looking: bool,
}

impl Overlay {
    fn render(&mut self) {
        if let Some((state, received_at)) = &self.latest {
            self.view
                .render(state, (performance_now() - received_at) / 1000.0);
        }
        // Before the core's first state there is nothing to judge by.
        if self.latest.is_none() {
            return;
        }
        if let Some(awaited) = self.awaited {
            self.after_answer(awaited);
        }
        let want = self.view.shows_anything().then(|| self.view.drawn_size());
        if want == self.size {
            return;
        }
        self.size = want;
        match want {
            Some((width, height)) => self.send(&OverlayRequest::Size {
                width: width.into(),
                height: height.into(),
            }),
            None => self.send(&OverlayRequest::Close {
                seen_card: self.had_card,
            }),
        }
    }

    /// The panel closes once the core has answered its choice (or
    /// `ANSWER_WAIT_MS` passed without an answer), unless the answer was a
    /// refusal: then it stays open beside the note, for another try.
    fn after_answer(&mut self, awaited: Awaited) {
        let Some((state, received_at)) = &self.latest else {
            return;
        };
        match awaited.panel(
            state,
            *received_at,
            self.view.note_shown(),
            performance_now(),
        ) {
            Panel::Wait => return,
            Panel::Close => self.view.toggle_panel(false),
            Panel::Stay => {}
        }
        self.awaited = None;
    }

    fn send(&self, request: &OverlayRequest) {
        let Some(port) = &self.port else { return };
        let Ok(message) = to_js(request) else {
            return warn("overlay could not encode its request");
        };
        if port.post_message(&message).is_err() {
            warn("overlay could not reach the background");
        }
    }

    /// The card answered: it stays until the core's next state, which
    /// drops it once the answer is taken (not if its click was refused).
    fn answer(&mut self, answer: Answer, click: Click) {
        let reasons = self.view.pressed();
        self.send(&OverlayRequest::Answer {
            answer,
            reasons,
            click,
        });
        self.view.toggle_panel(false);
        self.render();
    }

    /// A choice on the goal's card: the card goes with the core's next state.
    fn goal_choice(&mut self, choice: GoalChoice, click: Click) {
        self.send(&OverlayRequest::Goal { choice, click });
    }
}

/// How long a person's choice waits after its click: the input finishes
/// before the frame goes, and the browser has reported (at most every
/// 100 ms) whether anything covered the frame meanwhile.
const LOOK_AFTER_MS: u32 = 300;

/// What the browser says of the frame's own visibility, from
/// `IntersectionObserver` v2 (`trackVisibility`), where it has it.
struct Sight {
    /// The browser tracks it (not Firefox).
    tracked: bool,
    visible: bool,
    /// `performance.now()` when it was last reported not visible.
    obscured_at: f64,
    /// The frame's body, asked again after each click ([`sight_now`]).
    target: Element,
}

impl Sight {
    /// Whether the frame was seen whole from the click (`clicked_at`, when
    /// it was `visible_then`) until now, where `now` is the browser's word
    /// asked after the click (`None`: not given in time).
    ///
    /// ```text
    /// untracked -> Unknown                   now None -> Unknown (the sensor looks)
    /// visible then, since, and now -> Visible    anything else -> Obscured
    /// ```
    fn since(&self, clicked_at: f64, visible_then: bool, now: Option<bool>) -> Seen {
        match now {
            _ if !self.tracked => Seen::Unknown,
            None => Seen::Unknown,
            Some(now) if now && visible_then && self.visible && self.obscured_at < clicked_at => {
                Seen::Visible
            }
            Some(_) => Seen::Obscured,
        }
    }
}

/// An `IntersectionObserver` v2 on `target`, telling `report` each time
/// whether it is visible and unobscured (and the observer); `None` where
/// the browser cannot tell (no v2: Firefox).
fn observe_visibility(
    target: &Element,
    mut report: impl FnMut(bool, &JsValue) + 'static,
) -> Option<Closure<dyn FnMut(js_sys::Array, JsValue)>> {
    let get =
        |o: &JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).unwrap_or(JsValue::UNDEFINED);
    let observer_class = get(&js_sys::global(), "IntersectionObserver")
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let on_entries = Closure::<dyn FnMut(js_sys::Array, JsValue)>::new(
        move |entries: js_sys::Array, observer: JsValue| {
            for entry in entries.iter() {
                let visible = get(&entry, "isVisible").as_bool().unwrap_or(false);
                report(visible, &observer);
            }
        },
    );
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"trackVisibility".into(), &true.into());
    let _ = js_sys::Reflect::set(&options, &"delay".into(), &100.into());
    let args = js_sys::Array::of2(on_entries.as_ref(), &options);
    let observer = js_sys::Reflect::construct(&observer_class, &args).ok()?;
    // A browser without v2 ignores the option: it cannot tell.
    if get(&observer, "trackVisibility").as_bool() != Some(true) {
        return None;
    }
    get(&observer, "observe")
        .dyn_into::<js_sys::Function>()
        .and_then(|observe| observe.call1(&observer, target))
        .ok()?;
    Some(on_entries)
}

/// Starts following whether `target` is visible and unobscured in the
/// page, as far as the browser can say.
fn watch_sight(target: &Element) -> Rc<RefCell<Sight>> {
    let sight = Rc::new(RefCell::new(Sight {
        tracked: false,
        visible: false,
        obscured_at: f64::NEG_INFINITY,
        target: target.clone(),
    }));
    let s = sight.clone();
    let watching = observe_visibility(target, move |visible, _| {
        let mut s = s.borrow_mut();
        s.visible = visible;
        if !visible {
            s.obscured_at = performance_now();
        }
    });
    if let Some(on_entries) = watching {
        sight.borrow_mut().tracked = true;
        on_entries.forget(); // lives as long as the frame
    }
    sight
}

/// Asks the browser once whether `target` is visible and unobscured: a new
/// observer's first report is computed after this moment, where the
/// frame's lasting one reports at most every 100 ms, and later under load,
/// so it may not yet have seen a decoy laid just before a click.
fn sight_now(target: &Element) -> Rc<std::cell::Cell<Option<bool>>> {
    let answer = Rc::new(std::cell::Cell::new(None));
    let a = answer.clone();
    let asked = observe_visibility(target, move |visible, observer| {
        if a.get().is_none() {
            a.set(Some(visible));
        }
        let disconnect = js_sys::Reflect::get(observer, &"disconnect".into())
            .and_then(|d| d.dyn_into::<js_sys::Function>());
        if let Ok(disconnect) = disconnect {
            let _ = disconnect.call0(observer);
        }
    });
    // Called once, then disconnected: a few bytes a click, kept.
    if let Some(on_entries) = asked {
        on_entries.forget();
    }
    answer
}

/// How long a choice waits at most for the browser's word after its click
/// before the sensor is asked to look instead.
const LOOK_GIVE_UP_MS: f64 = 2_000.0;

/// A person's choice clicked on `button`: made once the browser has
/// reported on the frame through the click, with what it saw. Every choice
/// that changes what Thaman keeps goes this way, so that a page cannot steer
/// a click into one through a decoy laid over the counter; one at a time.
fn after_look(
    overlay: &Rc<RefCell<Overlay>>,
    button: &Element,
    choose: impl FnOnce(&mut Overlay, Click) + 'static,
) {
    if std::mem::replace(&mut overlay.borrow_mut().looking, true) {
        return;
    }
    let clicked_at = performance_now();
    let (visible_then, now) = {
        let o = overlay.borrow();
        let sight = o.sight.borrow();
        (
            sight.visible,
            sight.tracked.then(|| sight_now(&sight.target)),
        )
    };
    let (x, y) = box_center(button);
    // The click was heard: the button says so while the choice waits.
    let _ = button.set_attribute("aria-busy", "true");
    let asked = now.clone();
    let decide = {
        let (o, b) = (overlay.clone(), button.clone());
        move || {
            let _ = b.remove_attribute("aria-busy");
            let said = now.as_ref().and_then(|n| n.get());
            let seen = o
                .borrow()
                .sight
                .borrow()
                .since(clicked_at, visible_then, said);
            let mut o = o.borrow_mut();
            o.looking = false;
            choose(&mut o, Click { seen, x, y });
        }
    };
    wait_for_word(asked, clicked_at, LOOK_AFTER_MS, decide);
}

/// Runs `decide` after `wait` ms once the browser has answered `now` (if
/// it was asked), looking again every 100 ms, or `LOOK_GIVE_UP_MS` after
/// the click.
fn wait_for_word(
    now: Option<Rc<std::cell::Cell<Option<bool>>>>,
    clicked_at: f64,
    wait: u32,
    decide: impl FnOnce() + 'static,
) {
    Timeout::new(wait, move || {
        let answered = now.as_ref().is_none_or(|n| n.get().is_some());
        if answered || performance_now() - clicked_at > LOOK_GIVE_UP_MS {
            decide();
        } else {
            wait_for_word(now, clicked_at, 100, decide);
        }
    })
    .forget();
}

/// Acts on a click on the panel: opening the options at once, the rest
/// after a look (`after_look`).
fn act_soon(overlay: &Rc<RefCell<Overlay>>, action: Action, button: &Element) {
    match action {
        Action::Options => overlay.borrow_mut().act(action, Click::default()),
        _ => after_look(overlay, button, move |o, click| o.act(action, click)),
    }
}

impl Overlay {
    fn act(&mut self, action: Action, click: Click) {
        let minutes = self
            .latest
            .as_ref()
            .map_or(10, |(s, _)| s.mark_minutes.max(1));
        let request = match action {
            Action::MarkPost => OverlayRequest::MarkPost { click },
            Action::MarkUseful => OverlayRequest::MarkUseful { minutes, click },
            Action::PauseHour => OverlayRequest::Pause {
                span: PauseSpan::Hour,
                click,
            },
            Action::PauseToday => OverlayRequest::Pause {
                span: PauseSpan::Today,
                click,
            },
            Action::Hide => OverlayRequest::Hide { click },
            Action::Options => {
                self.send(&OverlayRequest::OpenOptions);
                self.view.toggle_panel(false);
                return self.render();
            }
        };
        self.send(&request);
        self.awaited = Some(Awaited::sent(
            performance_now(),
            action == Action::MarkPost,
            self.latest.as_ref().map_or(0, |(s, _)| s.decided),
            self.awaited,
        ));
        self.render();
    }

    /// Takes back the find just saved.
    fn undo(&mut self) {
        let Some(id) = self.latest.as_ref().and_then(|(s, _)| s.saved.as_ref()?.id) else {
            return;
        };
        self.send(&OverlayRequest::UndoFind { id });
        if let Some((state, _)) = self.latest.as_mut() {
            state.saved = None;
        }
        self.render();
    }

    /// The panel closes (Esc); with nothing else shown, the frame goes.
    fn close_panel(&mut self) {
        self.view.toggle_panel(false);
        self.render();
    }
}

/// Clicks (trusted only) and Esc on the card.
fn wire_card(overlay: &Rc<RefCell<Overlay>>) {
    let view = &overlay.borrow().view;
    for (answer, button) in &view.answers {
        let (answer, o, b) = (*answer, overlay.clone(), button.clone());
        let click = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            if e.is_trusted() {
                after_look(&o, &b, move |o, click| o.answer(answer, click));
            }
        });
        let _ = button.add_event_listener_with_callback("click", click.as_ref().unchecked_ref());
        click.forget();
    }
    for (choice, button) in &view.goal_choices {
        let (choice, o, b) = (*choice, overlay.clone(), button.clone());
        let click = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            if e.is_trusted() {
                after_look(&o, &b, move |o, click| o.goal_choice(choice, click));
            }
        });
        let _ = button.add_event_listener_with_callback("click", click.as_ref().unchecked_ref());
        click.forget();
    }
    for (_, button) in &view.reasons {
        let b = button.clone();
        let click = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            if e.is_trusted() {
                let on = b.get_attribute("aria-pressed").as_deref() == Some("true");
                let _ = b.set_attribute("aria-pressed", if on { "false" } else { "true" });
            }
        });
        let _ = button.add_event_listener_with_callback("click", click.as_ref().unchecked_ref());
        click.forget();
    }
    let o = overlay.clone();
    let key =
        Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            if e.is_trusted() && e.key() == "Escape" && o.borrow().view.card_shown() {
                let card = o.borrow().view.card.clone();
                after_look(&o, &card, |o, click| o.answer(Answer::Later, click));
            }
        });
    let _ = view
        .card
        .add_event_listener_with_callback("keydown", key.as_ref().unchecked_ref());
    key.forget();
    // Only trusted input acts: nothing the page could script reaches here
    // (the frame is cross-origin), and synthetic events are refused too.
    for (action, button) in &view.actions {
        let (action, o, b) = (*action, overlay.clone(), button.clone());
        let click = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            if e.is_trusted() {
                act_soon(&o, action, &b);
            }
        });
        let _ = button.add_event_listener_with_callback("click", click.as_ref().unchecked_ref());
        click.forget();
    }
    let o = overlay.clone();
    let undo = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        if e.is_trusted() {
            o.borrow_mut().undo();
        }
    });
    let _ = view
        .undo
        .add_event_listener_with_callback("click", undo.as_ref().unchecked_ref());
    undo.forget();
    let o = overlay.clone();
    let esc =
        Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            if e.is_trusted() && e.key() == "Escape" && o.borrow().view.panel_shown() {
                o.borrow_mut().close_panel();
            }
        });
    let _ = view
        .panel
        .add_event_listener_with_callback("keydown", esc.as_ref().unchecked_ref());
    esc.forget();
}

/// Entry point for `overlay.html`.
#[wasm_bindgen]
pub fn start_overlay() -> Result<(), JsValue> {
    let doc = dom::document()?;
    dom::apply_locale(&doc)?;
    let body = doc.body().ok_or("no body")?;
    // The sensor says which edge of the page the frame sits at.
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    if search.contains("edge=left") {
        body.class_list().add_1("edge-left")?;
    }
    let prefs = (Language::Auto, false);
    let view = View::mount(&doc, &body)?;
    // Opened by a press on the pill: with the panel (else for the card).
    if search.contains("panel=1") {
        view.toggle_panel(true);
    }
    let sight = watch_sight(&body);
    let overlay = Rc::new(RefCell::new(Overlay {
        view,
        sight,
        prefs,
        latest: None,
        port: None,
        size: None,
        awaited: None,
        had_card: false,
        looking: false,
    }));
    wire_card(&overlay);
    connect(overlay.clone());
    reconnect_when_asked(&overlay);
    let ticking = overlay.clone();
    // Once a second is all the panel's clock of seconds needs.
    Interval::new(1000, move || ticking.borrow_mut().render()).forget();
    Ok(())
}

/// The person chose another language or digits: load them, then build
/// the view again in them.
fn relocalize(overlay: Rc<RefCell<Overlay>>, (language, arabic_digits): (Language, bool)) {
    wasm_bindgen_futures::spawn_local(async move {
        i18n::follow(&Settings {
            language,
            arabic_digits,
            ..Settings::default()
        })
        .await;
        let Ok(doc) = dom::document() else { return };
        let Some(body) = doc.body() else { return };
        let _ = dom::apply_locale(&doc);
        // An open panel stays open in the new words.
        let open = overlay.borrow().view.panel_shown();
        body.set_text_content(None);
        match View::mount(&doc, &body) {
            Ok(view) => {
                view.toggle_panel(open);
                overlay.borrow_mut().view = view;
                wire_card(&overlay);
                overlay.borrow_mut().render();
            }
            Err(e) => warn(&format!("overlay could not rebuild: {e:?}")),
        }
    });
}

/// Connects to the core, and again whenever the worker restarts.
fn connect(overlay: Rc<RefCell<Overlay>>) {
    let info = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&info, &"name".into(), &"overlay".into());
    let port: Port = match chrome::runtime_connect(&info) {
        Ok(port) => port,
        Err(_) => return warn("overlay could not reach the background"),
    };
    let receiving = overlay.clone();
    let receiving_port = overlay.clone();
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        match serde_wasm_bindgen::from_value::<OverlayUpdate>(message) {
            Ok(OverlayUpdate::State(state)) => {
                let prefs = (state.language, state.arabic_digits);
                let mut overlay = receiving.borrow_mut();
                overlay.had_card = state.needs_frame();
                overlay.latest = Some((state, performance_now()));
                if prefs != overlay.prefs {
                    overlay.prefs = prefs;
                    relocalize(receiving.clone(), prefs);
                }
                overlay.render();
            }
            Err(err) => warn(&format!("overlay refused an update: {err}")),
        }
    });
    // The worker stopped: the port is not opened again until the core asks
    // (a sensor came back to it) or the person touches the counter, so an
    // idle page never starts the worker again.
    let on_disconnect = Closure::<dyn FnMut()>::new(move || {
        overlay.borrow_mut().port = None;
    });
    port.on_message()
        .add_listener(on_message.as_ref().unchecked_ref());
    port.on_disconnect()
        .add_listener(on_disconnect.as_ref().unchecked_ref());
    {
        let mut o = receiving_port.borrow_mut();
        o.port = Some(port.clone());
        // A new worker knows nothing of the frame: say the size again.
        o.size = Some((0, 0));
    }
    // Both live as long as the port; a reconnect is rare (worker restart).
    on_message.forget();
    on_disconnect.forget();
}

/// Opens the port again, if it closed, when a restarted core asks for it
/// (`overlay_reconnect`) or the person presses on the counter.
fn reconnect_when_asked(overlay: &Rc<RefCell<Overlay>>) {
    let again = |overlay: &Rc<RefCell<Overlay>>| {
        let closed = overlay.try_borrow().is_ok_and(|o| o.port.is_none());
        if closed {
            connect(overlay.clone());
        }
    };
    let asked = overlay.clone();
    let on_call = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        if serde_wasm_bindgen::from_value::<OverlayCall>(message).is_ok() {
            again(&asked);
        }
    });
    let on_message = js_sys::Reflect::get(&js_sys::global(), &"chrome".into())
        .and_then(|c| js_sys::Reflect::get(&c, &"runtime".into()))
        .and_then(|r| js_sys::Reflect::get(&r, &"onMessage".into()));
    if let Ok(event) = on_message {
        let event: chrome::ChromeEvent = event.unchecked_into();
        event.add_listener(on_call.as_ref().unchecked_ref());
    }
    on_call.forget();
    let pressed = overlay.clone();
    let on_press = Closure::<dyn FnMut()>::new(move || again(&pressed));
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback_and_bool(
            "pointerdown",
            on_press.as_ref().unchecked_ref(),
            true,
        );
    }
    on_press.forget();
}

/// The centre of an element's box, in the frame (px).
fn box_center(el: &Element) -> (f64, f64) {
    let [left, top, width, height] = rect(el);
    (left + width / 2.0, top + height / 2.0)
}

/// An element's laid-out size, fractions kept (`offsetWidth` rounds).
fn box_size(el: &Element) -> (f64, f64) {
    let [_, _, width, height] = rect(el);
    (width, height)
}

/// `getBoundingClientRect()`: left, top, width, height.
fn rect(el: &Element) -> [f64; 4] {
    let rect = js_sys::Reflect::get(el, &"getBoundingClientRect".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(el).ok());
    let read = |key: &str| {
        rect.as_ref()
            .and_then(|r| js_sys::Reflect::get(r, &key.into()).ok())
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0)
    };
    [read("left"), read("top"), read("width"), read("height")]
}

fn performance_now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}
