//! The background entry: the core's one live instance. Sensors and overlays
//! connect by port; every message is decoded and applied to the pure
//! [`Tracker`]; overlays get the new state; storage gets batched writes.

pub mod wire;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::chrome::{self, Port};
use super::{added_sites, i18n, intl, now_ms, pill, storage, to_js, warn};
use crate::attention::TabId;
use crate::calendar::Date;
use crate::calendar::Zone;
use crate::labels::Labels;
use crate::ports::{self, Caller, PortSender};
use crate::protocol::{
    AskedBy, OverlayCall, OverlayRequest, OverlayState, OverlayUpdate, PageRequest, SensorCommand,
    SensorEvent, Shortcut,
};
use crate::rules::parse_rules;
use crate::settings::Settings;
use crate::store::{self, Export, ImportError};
use crate::summary::Notice;
use crate::tracker::{
    badge_due, worth_sending, Badge, Flush, FlushClock, FlushStep, Reaction, Tracker,
};

/// The browser's time zone, DST included.
pub struct BrowserZone;

impl Zone for BrowserZone {
    fn offset_minutes(&self, utc_ms: f64) -> i32 {
        -(js_sys::Date::new(&JsValue::from_f64(utc_ms)).get_timezone_offset() as i32)
    }
}

struct State {
    tracker: Tracker,
    read_only: bool,
    sensors: BTreeMap<TabId, Port>,
    overlays: BTreeMap<TabId, Vec<Port>>,
    timer: Option<Timeout>,
    /// Fires when the next ad slot may become viewable.
    view_timer: Option<(f64, Timeout)>,
    /// Wakes sleeping pages when a pause runs out.
    wake_timer: Option<(f64, Timeout)>,
    /// The badge as last set, and when it was last looked at.
    badge: (Option<Badge>, f64),
    /// What each tab's overlay was last sent, and when: unchanged states
    /// are not sent again (the overlay ticks on its own).
    pushed: BTreeMap<TabId, (OverlayState, f64)>,
    /// The same for each tab's pill, drawn by its sensor.
    pills: BTreeMap<TabId, (OverlayState, f64)>,
    /// When storage is written next (`timer` follows it).
    flush_clock: FlushClock,
    /// The first day of the last week the notification told.
    told_week: Option<Date>,
    /// The first day kept day by day at the last merge of old days.
    compacted: Option<Date>,
    /// The days older than the recent ones, read on the first need.
    history: History,
    me: Weak<RefCell<State>>,
}

/// Whether the store's older days (and its undo) are read: a starting
/// worker reads only what its first answer needs (`storage::load`).
enum History {
    /// Not yet; the keys read at the start, which are not read again.
    Unread(BTreeSet<String>),
    /// Being read; what waits for it, in the order it came.
    Reading(Vec<AfterHistory>),
    /// All of it (or a newer Thaman's store: nothing to read).
    Read,
}

/// Something that needs the whole history: run once it is read, or with
/// why it could not be.
type AfterHistory = Box<dyn FnOnce(&mut State, Result<(), String>)>;

const WEEK_ALARM: &str = "week-end";
/// The keyboard command in the manifest (default Alt+Shift+U).
const MARK_POST_COMMAND: &str = "mark-post-useful";
const WEEK_NOTIFICATION: &str = "thaman-week";

/// Held by `background.js` for the worker's lifetime.
#[wasm_bindgen]
pub struct Background {
    state: Rc<RefCell<State>>,
    on_message: Closure<dyn FnMut(JsValue, Port)>,
    on_disconnect: Closure<dyn FnMut(Port)>,
}

/// Loads the store and starts the core (`background.js` awaits it).
#[wasm_bindgen(js_name = loadBackground)]
pub async fn load_background() -> Result<Background, JsValue> {
    trusted_storage_only();
    let loaded = storage::load(now_ms()).await?;
    i18n::follow(&loaded.settings).await;
    // build.rs has refused malformed rules, so these parse.
    let rules = parse_rules(include_str!("../../rules/sites.txt")).unwrap_or_default();
    let labels = Labels::parse(include_str!("../../rules/labels.txt")).unwrap_or_default();
    let mut tracker = Tracker::restored(
        loaded.settings,
        loaded.ledger,
        loaded.run,
        loaded.prompted,
        &BrowserZone,
    )
    .with_rules(rules, labels)
    .with_finds(loaded.finds);
    tracker.set_locale(&browser_language());
    tracker.set_shortcut(assigned_shortcut(MARK_POST_COMMAND).await);
    tracker.quarantined(loaded.quarantined);
    if let Some(found) = loaded.newer_schema {
        tracker.notice(Notice::NewerSchema { found });
    }
    let state = Rc::new(RefCell::new(State {
        tracker,
        read_only: loaded.read_only,
        sensors: BTreeMap::new(),
        overlays: BTreeMap::new(),
        timer: None,
        view_timer: None,
        wake_timer: None,
        badge: (None, f64::NEG_INFINITY),
        pushed: BTreeMap::new(),
        pills: BTreeMap::new(),
        flush_clock: FlushClock::default(),
        told_week: loaded.told_week,
        compacted: loaded.compacted,
        history: if loaded.read_only {
            History::Read
        } else {
            History::Unread(loaded.read)
        },
        me: Weak::new(),
    }));
    state.borrow_mut().me = Rc::downgrade(&state);
    // A run recovered from a crash is booked now. (Days past the retention
    // become weekly totals once the history is read.)
    state.borrow_mut().flush_if_due();
    // A week that ended while the browser was closed is told now; the
    // alarm is armed again on every start (alarms can be lost).
    state.borrow_mut().tell_week();
    state.borrow_mut().arm_week_alarm();
    // A week or more since days past the retention were last merged (no
    // week's alarm rang, no page read the history): the history is read
    // once now, and merged, after this start's first answer.
    let due = {
        let s = state.borrow();
        !s.read_only
            && s.tracker
                .compaction_due(s.compacted, now_ms(), &BrowserZone)
    };
    if due {
        state.borrow_mut().with_history(|state, _| state.compact());
    }
    added_sites::sync(state.borrow().tracker.settings().custom_sites.clone());
    let (s1, s2) = (state.clone(), state.clone());
    // One listener pair shared by every port: Chrome passes the port along.
    let on_message =
        Closure::new(move |message: JsValue, port: Port| s1.borrow_mut().receive(message, &port));
    let on_disconnect = Closure::new(move |port: Port| s2.borrow_mut().disconnect(&port));
    Ok(Background {
        state,
        on_message,
        on_disconnect,
    })
}

#[wasm_bindgen]
impl Background {
    /// `chrome.runtime.onConnect`.
    pub fn connect(&self, port: Port) {
        port.on_message()
            .add_listener(self.on_message.as_ref().unchecked_ref());
        port.on_disconnect()
            .add_listener(self.on_disconnect.as_ref().unchecked_ref());
        if let Some(Caller::Overlay { tab }) = caller(&port) {
            let mut state = self.state.borrow_mut();
            state.overlays.entry(tab).or_default().push(port);
            state.pushed.remove(&tab); // a new overlay knows nothing yet
            state.push_overlays(Some(tab));
        }
    }

    /// A message that arrived on `port` before the core was ready.
    pub fn receive(&self, message: JsValue, port: Port) {
        self.state.borrow_mut().receive(message, &port);
    }

    /// `chrome.runtime.onMessage` from the extension's own pages. What
    /// needs the whole history waits for it to be read (see
    /// [`PageRequest::needs_history`]); the popup and the settings are
    /// answered at once.
    pub fn request(&self, message: JsValue, sender: JsValue, respond: js_sys::Function) {
        let recent_enough = serde_wasm_bindgen::from_value::<PageRequest>(message.clone())
            .is_ok_and(|r| !r.needs_history());
        let mut state = self.state.borrow_mut();
        if recent_enough {
            let reply = state.request(message, sender);
            let _ = respond.call1(&JsValue::NULL, &reply);
            return;
        }
        state.with_history(move |state, read| {
            let reply = match read {
                Ok(()) => state.request(message, sender),
                Err(why) => reply_error(&format!("the stored history could not be read: {why}")),
            };
            let _ = respond.call1(&JsValue::NULL, &reply);
        });
    }

    /// `chrome.alarms.onAlarm`.
    pub fn alarm(&self, name: String) {
        if name == WEEK_ALARM {
            let mut state = self.state.borrow_mut();
            state.with_history(|state, _| state.compact());
            state.tell_week();
            state.arm_week_alarm();
        }
    }

    /// `chrome.notifications.onClicked`: the week's notification opens the
    /// weekly summary.
    pub fn notification_clicked(&self, id: String) {
        if id == WEEK_NOTIFICATION {
            open_week();
        }
    }

    /// `chrome.commands.onCommand`: the "mark this post useful" shortcut,
    /// in the tab it was pressed in.
    pub fn command(&self, name: String, tab: Option<f64>) {
        if name == MARK_POST_COMMAND {
            if let Some(tab) = tab.filter(|t| t.is_finite() && *t >= 0.0) {
                self.state
                    .borrow_mut()
                    .ask_post(tab as TabId, AskedBy::Command);
            }
        }
    }

    /// `chrome.permissions.onAdded` / `onRemoved`: the person granted or took
    /// back a host; the sensor's registration follows.
    pub fn permissions_changed(&self) {
        added_sites::sync(self.state.borrow().tracker.settings().custom_sites.clone());
    }

    /// `chrome.idle.onStateChanged`: a locked screen ends presence.
    pub fn idle(&self, idle_state: String) {
        let mut state = self.state.borrow_mut();
        state
            .tracker
            .locked(idle_state == "locked", now_ms(), &BrowserZone);
        state.changed(None);
    }
}

impl State {
    /// Runs `then` once the whole history is read: now, if it is; else
    /// after it, reading it if no one has asked yet.
    fn with_history(&mut self, then: impl FnOnce(&mut State, Result<(), String>) + 'static) {
        match &mut self.history {
            History::Read => then(self, Ok(())),
            History::Reading(waiting) => waiting.push(Box::new(then)),
            History::Unread(read) => {
                let read = std::mem::take(read);
                self.history = History::Reading(vec![Box::new(then)]);
                let me = self.me.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let history = storage::load_history(&read).await;
                    if let Some(state) = me.upgrade() {
                        state.borrow_mut().history_read(history, read);
                    }
                });
            }
        }
    }

    /// The older days came (or could not be read: asked again next time).
    fn history_read(&mut self, history: Result<storage::History, JsValue>, read: BTreeSet<String>) {
        let waiting = match std::mem::replace(&mut self.history, History::Read) {
            History::Reading(waiting) => waiting,
            _ => Vec::new(),
        };
        let result = match history {
            Ok(history) => {
                self.tracker.history_read(history.days, history.undo);
                self.tracker.quarantined(history.quarantined);
                self.compact();
                Ok(())
            }
            Err(e) => {
                warn(&format!("the stored history could not be read: {e:?}"));
                self.history = History::Unread(read);
                Err(format!("{e:?}"))
            }
        };
        for then in waiting {
            then(self, result.clone());
        }
    }

    /// Days past the retention become weekly totals (the whole history
    /// read).
    fn compact(&mut self) {
        let now = now_ms();
        if self.tracker.compact(now, &BrowserZone, &browser_language()) {
            self.flush_if_due();
        }
        self.note_compacted(now);
    }

    /// Notes the first day kept day by day after a merge, so a start knows
    /// when the next is due ([`Tracker::compaction_due`]).
    fn note_compacted(&mut self, now: f64) {
        let noted = self.compacted;
        if let Some(from) = self.tracker.kept_from(now, &BrowserZone) {
            if !self.read_only && noted != Some(from) {
                self.compacted = Some(from);
                storage::write_compacted(from);
            }
        }
    }

    /// A message on a port: from the sensor in a tab's top frame, or from
    /// Thaman's own overlay page; anything else is dropped.
    fn receive(&mut self, message: JsValue, port: &Port) {
        let (tab, page_url) = match caller(port) {
            Some(Caller::Overlay { tab }) => return self.overlay_request(message, tab),
            Some(Caller::Sensor { tab, url }) => (tab, url),
            None => return,
        };
        let event: SensorEvent = match serde_wasm_bindgen::from_value(wire::sensor_event(&message))
        {
            Ok(event) => event,
            Err(err) => return warn(&format!("refused sensor message from tab {tab}: {err}")),
        };
        if let SensorEvent::ClickSeen { clear } = event {
            // The look at a click answers the overlay's choice held for it.
            let reaction = self.tracker.click_seen(tab, clear, now_ms(), &BrowserZone);
            return self.react(tab, reaction);
        }
        if matches!(event, SensorEvent::Hello { .. }) {
            self.sensors.insert(tab, port.clone());
            self.pills.remove(&tab); // a new sensor knows nothing yet
            if !self.overlays.contains_key(&tab) {
                ask_overlay_back(tab);
            }
        }
        match self
            .tracker
            .sensor_at(tab, &page_url, event, now_ms(), &BrowserZone)
        {
            Ok(Some(command)) => post(port, &command),
            Ok(None) => {}
            Err(err) => warn(&err.to_string()),
        }
        self.changed(Some(tab));
    }

    /// A request from the overlay in a tab: the core decides, the answer
    /// goes where it says.
    fn overlay_request(&mut self, message: JsValue, tab: TabId) {
        let request = match serde_wasm_bindgen::from_value::<OverlayRequest>(message) {
            Ok(request) => request,
            Err(err) => return warn(&format!("refused overlay message from tab {tab}: {err}")),
        };
        // No sensor, no one to ask for a post.
        if matches!(request, OverlayRequest::MarkPost { .. }) && !self.sensors.contains_key(&tab) {
            return;
        }
        let reaction = self.tracker.overlay(tab, request, now_ms(), &BrowserZone);
        self.react(tab, reaction);
    }

    /// Carries out what the core decided of an overlay's request in `tab`.
    fn react(&mut self, tab: TabId, reaction: Reaction) {
        match reaction {
            // A choice decided that changed nothing: its panel still waits
            // for the count of decided choices (sent only if it moved).
            Reaction::Nothing => self.push_overlays(Some(tab)),
            Reaction::Changed(only) => self.changed(only),
            Reaction::Settings(commands) => self.settings_changed(commands),
            Reaction::Refused(why) => {
                warn(&format!("overlay request refused: {why}"));
                // Its note, if the core keeps one for it.
                self.push_overlays(Some(tab));
            }
            Reaction::Sensor(command) => self.tell(vec![(tab, command)]),
            Reaction::OpenOptions => {
                let _ = chrome::open_options_page();
            }
            Reaction::OpenWeek => {
                open_week();
                self.changed(None);
            }
            Reaction::CloseTab => {
                self.changed(None);
                // Closing one's own tab needs no permission.
                if let Ok(p) = chrome::tabs_remove(tab as f64) {
                    wasm_bindgen_futures::spawn_local(async move {
                        let _ = wasm_bindgen_futures::JsFuture::from(p).await;
                    });
                }
            }
        }
    }

    /// Asks the sensor in `tab` for the post nearest the viewport's centre
    /// (it answers with a `post` event, which the core keeps).
    fn ask_post(&mut self, tab: TabId, by: AskedBy) {
        let Some(sensor) = self.sensors.get(&tab) else {
            return;
        };
        if let Some(command) = self.tracker.ask_post_by(tab, by, now_ms()) {
            post(sensor, &command);
        }
    }

    fn disconnect(&mut self, port: &Port) {
        let Some(tab) = port.tab_id() else { return };
        if port.name() == "sensor" {
            // Only the tab's current sensor ends its page; a stale port
            // from before a reload must not.
            if self
                .sensors
                .get(&tab)
                .is_some_and(|p| js_sys::Object::is(p, port))
            {
                self.sensors.remove(&tab);
                self.pushed.remove(&tab);
                self.pills.remove(&tab);
                self.tracker.closed(tab, now_ms(), &BrowserZone);
                self.changed(None);
            }
        } else if let Some(ports) = self.overlays.get_mut(&tab) {
            ports.retain(|p| !js_sys::Object::is(p, port));
            if ports.is_empty() {
                self.overlays.remove(&tab);
            }
        }
    }

    fn request(&mut self, message: JsValue, sender: JsValue) -> JsValue {
        let page = serde_wasm_bindgen::from_value::<PortSender>(sender)
            .ok()
            .and_then(|s| ports::page(&s, &chrome::url("")));
        let Some(page) = page else {
            return reply_error("only Thaman's own pages may ask this");
        };
        // Which page may ask what is the core's to say (see `ports::may_ask`).
        if serde_wasm_bindgen::from_value::<PageRequest>(message.clone())
            .is_ok_and(|r| !ports::may_ask(page, &r))
        {
            return reply_error(&format!(
                "only Thaman's options page may ask this, not {page:?}"
            ));
        }
        let data = || js_sys::Reflect::get(&message, &"data".into()).unwrap_or(JsValue::UNDEFINED);
        let decode_export = |data: JsValue| {
            serde_wasm_bindgen::from_value::<Export>(data)
                .map_err(|e| ImportError::Malformed(e.to_string()))
        };
        let now = now_ms();
        let locale = browser_language();
        let reply = |v: Result<JsValue, serde_wasm_bindgen::Error>| {
            v.unwrap_or_else(|e| reply_error(&e.to_string()))
        };
        match serde_wasm_bindgen::from_value::<PageRequest>(message.clone()) {
            Ok(PageRequest::Export) => reply(to_js(&self.tracker.export(now, &BrowserZone))),
            Ok(PageRequest::ExportCsv) => {
                JsValue::from_str(&store::csv(&self.tracker.export(now, &BrowserZone)))
            }
            Ok(PageRequest::ExportFindsCsv) => {
                JsValue::from_str(&crate::finds::csv(self.tracker.finds().all()))
            }
            Ok(PageRequest::DeleteFind { id }) => {
                if self.tracker.delete_find(id) {
                    self.changed(None);
                    reply_ok()
                } else {
                    reply_error("no such find")
                }
            }
            Ok(PageRequest::ImportPreview { .. }) => {
                match decode_export(data()).and_then(|e| self.tracker.preview(&e)) {
                    Ok(preview) => reply(to_js(&preview)),
                    Err(err) => reply_error(&err.to_string()),
                }
            }
            Ok(PageRequest::Import { .. }) => {
                match decode_export(data())
                    .and_then(|e| self.tracker.import_at(&e, now, &BrowserZone, &locale))
                {
                    Ok(()) => {
                        self.note_compacted(now); // the import merged already
                        self.settings_changed(Vec::new());
                        reply_ok()
                    }
                    Err(err) => reply_error(&err.to_string()),
                }
            }
            Ok(PageRequest::ImportUndoable) => match self.tracker.undoable() {
                Ok(at) => {
                    let o = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&o, &"ok".into(), &true.into());
                    let _ = js_sys::Reflect::set(&o, &"at".into(), &at.into());
                    o.into()
                }
                Err(why) => reply_refused(why),
            },
            Ok(PageRequest::UndoImport) => match self.tracker.undo_import() {
                Ok(()) => {
                    self.settings_changed(Vec::new());
                    reply_ok()
                }
                Err(why) => reply_refused(why),
            },
            Ok(PageRequest::Popup) => reply(to_js(&self.tracker.popup(now, &BrowserZone, &locale))),
            Ok(PageRequest::Weekly) => {
                reply(to_js(&self.tracker.weekly(now, &BrowserZone, &locale)))
            }
            Ok(PageRequest::GetSettings) => reply(to_js(self.tracker.settings())),
            Ok(PageRequest::SetSettings { .. }) => {
                let settings = js_sys::Reflect::get(&message, &"settings".into())
                    .unwrap_or(JsValue::UNDEFINED);
                let result = serde_wasm_bindgen::from_value::<Settings>(settings)
                    .map_err(|e| e.to_string())
                    .and_then(|s| {
                        self.tracker
                            .set_settings(s, now, &BrowserZone)
                            .map_err(|e| e.to_string())
                    });
                match result {
                    Ok(commands) => {
                        // A shorter retention holds from now (the whole
                        // history is read for the options' requests).
                        self.compact();
                        self.settings_changed(commands);
                        reply_ok()
                    }
                    Err(err) => reply_error(&err),
                }
            }
            Ok(PageRequest::DeleteEverything) => {
                self.tracker.delete_everything(now);
                let _ = self.tracker.take_writes();
                let me = self.me.clone();
                // Clear, then write the empty state: nothing old survives.
                storage::clear_then(move || {
                    if let Some(state) = me.upgrade() {
                        let mut state = state.borrow_mut();
                        state.tracker.mark_all_dirty();
                        state.settings_changed(Vec::new());
                    }
                });
                reply_ok()
            }
            Err(err) => reply_error(&format!("unknown request: {err}")),
        }
    }

    /// Settings or data changed as a whole: tell sensors what they must
    /// do, refresh every overlay and the badge, write now.
    /// Tells each tab's sensor its command.
    fn tell(&self, commands: Vec<(TabId, SensorCommand)>) {
        for (tab, command) in commands {
            if let Some(sensor) = self.sensors.get(&tab) {
                post(sensor, &command);
            }
        }
    }

    fn settings_changed(&mut self, commands: Vec<(TabId, SensorCommand)>) {
        self.tell(commands);
        wake_sleepers();
        self.pushed.clear();
        self.changed(None);
        self.update_badge(true);
        self.arm_week_alarm();
        let settings = self.tracker.settings().clone();
        added_sites::sync(settings.custom_sites.clone());
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            i18n::follow(&settings).await;
            // The pills' words again, in the language just loaded.
            if let Some(state) = me.upgrade() {
                let mut state = state.borrow_mut();
                state.pills.clear();
                state.push_pills(None, now_ms());
            }
        });
    }

    /// After any change: update overlays (one tab's, or all), write, and
    /// arm the timer for the next ad dwell.
    fn changed(&mut self, tab: Option<TabId>) {
        let commands = self.tracker.take_commands();
        self.tell(commands);
        self.push_overlays(tab);
        let started_or_stopped = self.tracker.flush() == Flush::Now;
        self.flush_if_due();
        self.arm_view_timer();
        self.arm_wake_timer();
        self.update_badge(started_or_stopped);
    }

    /// Arms a timer for the end of the earliest pause over a sleeping page.
    /// (A worker stopped before then wakes them anyway: their sensors say
    /// hello again when it starts.)
    fn arm_wake_timer(&mut self) {
        let Some(at) = self.tracker.next_wake_at(now_ms()) else {
            self.wake_timer = None;
            return;
        };
        if self.wake_timer.as_ref().is_some_and(|(t, _)| *t == at) {
            return;
        }
        let me = self.me.clone();
        let wait = ((at - now_ms()).max(0.0) + 5.0).min(f64::from(i32::MAX));
        let timer = Timeout::new(wait as u32, move || {
            let Some(state) = me.upgrade() else { return };
            let mut state = state.borrow_mut();
            state.wake_timer = None;
            let commands = state.tracker.wake_due(now_ms());
            state.tell(commands);
            state.arm_wake_timer();
        });
        self.wake_timer = Some((at, timer));
    }

    /// Arms the alarm for the end of the current week.
    fn arm_week_alarm(&self) {
        let when = self
            .tracker
            .week_alarm_at(now_ms(), &BrowserZone, &browser_language());
        let info = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&info, &"when".into(), &when.into());
        if chrome::alarms_create(WEEK_ALARM, &info).is_err() {
            warn("could not arm the week's alarm");
        }
    }

    /// Tells the week that ended, once, in one line.
    fn tell_week(&mut self) {
        if self.read_only {
            return; // a newer Thaman's store: not ours to note anything in
        }
        let Some(week) =
            self.tracker
                .week_to_tell(self.told_week, now_ms(), &BrowserZone, &browser_language())
        else {
            return;
        };
        let s = self.tracker.settings();
        let t = &week.totals;
        let take = t.take.as_ref().map_or_else(
            || i18n::message("takeUnknown"),
            |take| intl::cash(take.typical, &s.currency, s.usd_rate),
        );
        let message = intl::counted(
            "notifyWeekBody",
            t.ads_viewable,
            &[
                &intl::duration(t.sold_s),
                &take,
                &intl::duration(t.useful_s),
            ],
        );
        let options = js_sys::Object::new();
        for (k, v) in [
            ("type", "basic"),
            ("iconUrl", "icons/icon-128.png"),
            ("title", &i18n::message("notifyWeekTitle")),
            ("message", &message),
        ] {
            let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
        }
        if chrome::notifications_create(WEEK_NOTIFICATION, &options).is_ok() {
            self.told_week = Some(week.from);
            storage::write_told_week(week.from);
        } else {
            warn("could not show the week's notification");
        }
    }

    /// The toolbar badge, when due ([`badge_due`]).
    fn update_badge(&mut self, at_once: bool) {
        let now = now_ms();
        if !badge_due(self.badge.1, now, at_once) {
            return;
        }
        let badge = self.tracker.badge(now, &BrowserZone);
        self.badge.1 = now;
        if self.badge.0.as_ref() == Some(&badge) {
            return;
        }
        let details = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&details, &"text".into(), &badge.text.as_str().into());
        if chrome::action_set_badge_text(&details).is_ok() {
            let colour = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&colour, &"color".into(), &badge.colour().into());
            let _ = chrome::action_set_badge_background_color(&colour);
            self.badge.0 = Some(badge);
        }
    }

    fn arm_view_timer(&mut self) {
        let Some(deadline) = self.tracker.next_view_deadline() else {
            self.view_timer = None;
            return;
        };
        if self
            .view_timer
            .as_ref()
            .is_some_and(|(at, _)| *at == deadline)
        {
            return;
        }
        let me = self.me.clone();
        // A few ms after the deadline, so the dwell is complete when checked.
        let wait = (deadline - now_ms()).max(0.0) + 5.0;
        let timer = Timeout::new(wait as u32, move || {
            let Some(state) = me.upgrade() else { return };
            let mut state = state.borrow_mut();
            state.view_timer = None;
            state.tracker.tick(now_ms(), &BrowserZone);
            state.changed(None);
        });
        self.view_timer = Some((deadline, timer));
    }

    fn push_overlays(&mut self, only: Option<TabId>) {
        let now = now_ms();
        self.push_pills(only, now);
        for (tab, ports) in &self.overlays {
            if only.is_some_and(|t| t != *tab) {
                continue;
            }
            let Some(state) = self.tracker.overlay_state(*tab, now, &BrowserZone) else {
                continue;
            };
            if self
                .pushed
                .get(tab)
                .is_some_and(|old| !worth_sending(old, &state, now))
            {
                continue;
            }
            let update = OverlayUpdate::State(state.clone());
            for port in ports {
                post(port, &update);
            }
            self.pushed.insert(*tab, (state, now));
        }
    }

    /// Each sensor's pill, in words, when what it shows changed (it ticks
    /// on its own between).
    fn push_pills(&mut self, only: Option<TabId>, now: f64) {
        for (tab, port) in &self.sensors {
            if only.is_some_and(|t| t != *tab) {
                continue;
            }
            let Some(state) = self.tracker.overlay_state(*tab, now, &BrowserZone) else {
                continue;
            };
            if self
                .pills
                .get(tab)
                .is_some_and(|old| !worth_sending(old, &state, now))
            {
                continue;
            }
            post(port, &SensorCommand::Pill(Box::new(pill::view(&state))));
            self.pills.insert(*tab, (state, now));
        }
    }

    /// Writes now, or arms the timer, as the core's [`FlushClock`] says.
    fn flush_if_due(&mut self) {
        let step = self
            .flush_clock
            .after_change(self.tracker.flush(), now_ms());
        self.follow(step);
    }

    fn follow(&mut self, step: FlushStep) {
        match step {
            FlushStep::Write => self.write(now_ms()),
            FlushStep::Arm(after_ms) => self.schedule(after_ms),
            FlushStep::Keep => {}
            FlushStep::Disarm => self.timer = None,
            FlushStep::Refused(after_ms) => {
                warn("storage refuses every write: the person is told");
                self.tracker.writes_refused();
                self.schedule(after_ms);
            }
        }
    }

    fn write(&mut self, now: f64) {
        let writes = self.tracker.take_writes();
        if self.read_only {
            return;
        }
        let me = self.me.clone();
        let booked = writes.booked.clone();
        storage::write(writes, move |result| {
            let Some(state) = me.upgrade() else { return };
            let mut state = state.borrow_mut();
            match result {
                Ok(()) => {
                    state.flush_clock.succeeded();
                    state.tracker.writes_saved(booked);
                    let commands = state.tracker.take_commands();
                    state.tell(commands);
                }
                Err(failed) => {
                    let (writes, full) = match failed {
                        storage::WriteFailed::Full(writes) => (writes, true),
                        storage::WriteFailed::Refused(writes) => (writes, false),
                    };
                    let retry = move |state: &mut State, _| {
                        let step = state.tracker.retry_writes(
                            writes,
                            full,
                            &mut state.flush_clock,
                            now_ms(),
                            &BrowserZone,
                            &browser_language(),
                        );
                        state.follow(step);
                    };
                    // Full: room is made from the oldest days, so they are read first.
                    if full {
                        state.with_history(retry);
                    } else {
                        retry(&mut state, Ok(()));
                    }
                }
            }
        });
        let step = self.flush_clock.wrote(now, self.tracker.counting());
        self.follow(step);
    }

    fn schedule(&mut self, after_ms: f64) {
        let me = self.me.clone();
        self.timer = Some(Timeout::new(after_ms as u32, move || {
            let Some(state) = me.upgrade() else { return };
            let mut state = state.borrow_mut();
            state.timer = None;
            let now = now_ms();
            state.tracker.tick(now, &BrowserZone);
            state.push_overlays(None);
            state.update_badge(false);
            let (flush, counting) = (state.tracker.flush(), state.tracker.counting());
            let step = state.flush_clock.fired(flush, counting, now);
            state.follow(step);
        }));
    }
}

/// Only the extension's own pages may read or write its storage: content
/// scripts are refused (Chromium lets them by default). Firefox has no
/// `setAccessLevel`: its content scripts do not get the extension's storage
/// listeners' area anyway, and this is skipped.
fn trusted_storage_only() {
    let level = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&level, &"accessLevel".into(), &"TRUSTED_CONTEXTS".into());
    for area in ["local", "session"] {
        let set = js_sys::Reflect::get(&js_sys::global(), &"chrome".into())
            .and_then(|c| js_sys::Reflect::get(&c, &"storage".into()))
            .and_then(|s| js_sys::Reflect::get(&s, &area.into()))
            .and_then(|a| Ok((js_sys::Reflect::get(&a, &"setAccessLevel".into())?, a)));
        let Ok((f, this)) = set else { continue };
        let Some(f) = f.dyn_ref::<js_sys::Function>() else {
            continue;
        };
        match f.call1(&this, &level) {
            Ok(p) => {
                if let Ok(p) = p.dyn_into::<js_sys::Promise>() {
                    wasm_bindgen_futures::spawn_local(async move {
                        if wasm_bindgen_futures::JsFuture::from(p).await.is_err() {
                            warn("storage stays open to content scripts");
                        }
                    });
                }
            }
            Err(_) => warn("storage stays open to content scripts"),
        }
    }
}

/// Tells every tab's sleeping sensor to ask the core again: the settings
/// changed, and a sensor asleep since before the worker restarted is not
/// known to this core. Tabs without a sensor refuse; that is fine.
fn wake_sleepers() {
    let Ok(query) = chrome::tabs_query(&js_sys::Object::new()) else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(tabs) = wasm_bindgen_futures::JsFuture::from(query).await else {
            return;
        };
        let Ok(wake) = to_js(&SensorCommand::Wake) else {
            return;
        };
        for tab in js_sys::Array::from(&tabs).iter() {
            let Some(id) = js_sys::Reflect::get(&tab, &"id".into())
                .ok()
                .and_then(|i| i.as_f64())
            else {
                continue;
            };
            if let Ok(p) = chrome::tabs_send_message(id, &wake) {
                // No sensor in that tab: refused, and nothing to do.
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
                });
            }
        }
    });
}

/// A sensor back after a restart: its page's counter frame, if open, which
/// does not reconnect on its own (an idle page must not wake the worker),
/// is asked to. Chromium hands `runtime.sendMessage` to extension frames
/// in pages; Firefox does not (it hands them only `tabs.sendMessage`, so an
/// open card or panel never heard the restarted core): both are sent, and
/// a frame already connected ignores the second. The tab's sensor ignores
/// the call too.
fn ask_overlay_back(tab: TabId) {
    let Ok(call) = to_js(&OverlayCall::OverlayReconnect) else {
        return;
    };
    let sent = [
        chrome::runtime_send_message(&call),
        chrome::tabs_send_message(tab as f64, &call),
    ];
    for p in sent.into_iter().flatten() {
        // No frame open: refused, and nothing to do.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
        });
    }
}

/// Who `port` is, from what the browser says (see [`crate::ports`]).
fn caller(port: &Port) -> Option<Caller> {
    let sender: PortSender = serde_wasm_bindgen::from_value(port.sender()).ok()?;
    ports::caller(&port.name(), &sender, &chrome::url(""))
}

/// The keys the person assigned to `command` (chrome://extensions/shortcuts).
async fn assigned_shortcut(command: &str) -> Option<Shortcut> {
    let all = wasm_bindgen_futures::JsFuture::from(chrome::commands_get_all().ok()?)
        .await
        .ok()?;
    let all: js_sys::Array = all.dyn_into().ok()?;
    all.iter().find_map(|c| {
        let name = js_sys::Reflect::get(&c, &"name".into()).ok()?.as_string()?;
        let keys = js_sys::Reflect::get(&c, &"shortcut".into())
            .ok()?
            .as_string()?;
        (name == command).then(|| Shortcut::parse(&keys)).flatten()
    })
}

/// `navigator.language` of the worker (`en-US`), for the default region.
fn browser_language() -> String {
    js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|nav| js_sys::Reflect::get(&nav, &"language".into()))
        .ok()
        .and_then(|l| l.as_string())
        .unwrap_or_default()
}

fn reply_ok() -> JsValue {
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &"ok".into(), &true.into());
    o.into()
}

fn reply_error(reason: &str) -> JsValue {
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &"ok".into(), &false.into());
    let _ = js_sys::Reflect::set(&o, &"error".into(), &reason.into());
    o.into()
}

/// An undo refused: why, in words and as a code the page words itself.
fn reply_refused(why: store::UndoError) -> JsValue {
    let o = reply_error(&why.to_string());
    if let Ok(code) = to_js(&why) {
        let _ = js_sys::Reflect::set(&o, &"why".into(), &code);
    }
    o
}

fn post<T: serde::Serialize>(port: &Port, message: &T) {
    match to_js(message) {
        Ok(value) => {
            // A port that closed under us is not an error worth more than a note.
            if port.post_message(&value).is_err() {
                warn("posted to a closed port");
            }
        }
        Err(err) => warn(&format!("could not encode a message: {err}")),
    }
}

/// Opens the weekly summary in a new tab (the week's notification, the goal
/// card's "Open my week").
fn open_week() {
    let props = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&props, &"url".into(), &chrome::url("summary.html").into());
    let _ = chrome::tabs_create(&props);
}
