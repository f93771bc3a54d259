//! Messages between the page's sensor, the overlay and the background core.
//!
//! Everything from a page is decoded here into typed values; anything that
//! does not decode is refused before it reaches the core. Every message is
//! typed both ways: the Rust senders (the overlay, the extension's pages)
//! encode the same types the receiver decodes, and the sensor's messages
//! are checked against them by `tests/sensor_messages.rs`.

use serde::{Deserialize, Serialize};

/// The sensor's files, in the order a page runs them: the numbers it shares
/// with the core (generated from `limits.rs`), then the sensor.
pub const SENSOR_SCRIPTS: [&str; 2] = ["constants.js", "content.js"];

/// What the content-script sensor reports (port name `sensor`). The core
/// dates each on arrival, or a batch's from when it left (`sent_at`,
/// believed up to 10 s back and never ahead).
///
/// Externally tagged (`{"view": {"id": 3}}`); the sensor posts the kind
/// inside (`{"type": "view", "id": 3}`), and `web::background::wire` moves it before
/// decoding (why: there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SensorEvent {
    /// First message on a port: where the sensor is and what it sees.
    Hello {
        url: String,
        visible: bool,
        focused: bool,
        #[serde(default)]
        media: bool,
        /// Milliseconds since the last input the sensor saw, if any.
        #[serde(default)]
        idle_ms: Option<f64>,
        /// The sensor's line to an earlier worker went away (it stopped or
        /// was killed) and this page stayed open: not a page just loaded.
        #[serde(default)]
        reconnected: bool,
    },
    /// `visibilitychange`.
    Visibility { visible: bool },
    /// `document.hasFocus()` changed.
    Focus { focused: bool },
    /// Scroll, wheel, key, pointer or touch; at most one a second.
    /// `typing`: a key went to a text field (the prompt then waits).
    Input {
        #[serde(default)]
        typing: bool,
    },
    /// Whether any media element on the page is playing.
    Media { playing: bool },
    /// Every few seconds while visible: the page is alive.
    Heartbeat {},
    /// An element that rule `rule` (an index into the page's rules) picked
    /// as a possible ad slot, with the rendered text of its labels when the
    /// rule asks for them. The same `id` may come once per rule.
    Slot {
        id: u32,
        rule: u32,
        #[serde(default)]
        labels: Vec<String>,
    },
    /// After the core restarted: a slot the old core had called an ad, as
    /// the sensor last saw it (`KnownAd`).
    Known(KnownAd),
    /// An ad slot's visible ratio and box area (px²) changed.
    View { id: u32, ratio: f64, area: f64 },
    /// A video ad's player started or stopped really playing (not paused,
    /// ended or starved), read from the element, not from the page's events.
    Playing { id: u32, playing: bool },
    /// An ad slot left the page.
    Gone { id: u32 },
    /// The person dragged the counter here (sent once, when they let go):
    /// pixels from the inline-end edge and from the bottom.
    Placed { inline: f64, bottom: f64 },
    /// The person folded the counter to a dot (`on`) or unfolded it, with a
    /// trusted click on the pill the sensor draws.
    Fold { on: bool },
    /// Answering `check_click`: whether the counter's frame was shown, on
    /// top and uncovered by anything of the page's at that point.
    ClickSeen { clear: bool },
    /// Something of the page's covered the counter while its frame was open,
    /// and the sensor raised the counter above it: a choice clicked about
    /// now may have been steered through it, whatever the frame saw (the
    /// browser reports the frame's visibility at most every 100 ms, and a
    /// cover gone before the next report is never reported).
    Covered {},
    /// The person pressed the "mark this post useful" shortcut on the page
    /// (a trusted key event matching [`Shortcut`]).
    Shortcut {},
    /// The post nearest the viewport's centre, answering `find_post`
    /// `ask`: its permalink, author line and the start of its text —
    /// nothing else of the page.
    Post {
        ask: u32,
        url: String,
        #[serde(default)]
        author: String,
        #[serde(default)]
        text: String,
    },
    /// No post was in view when `find_post` `ask` came: nothing of the
    /// page is sent, and nothing is kept.
    NoPost { ask: u32 },
    /// What the sensor saw that could wait, sent together at most once a
    /// second while the person scrolls; the kinds that must go at once
    /// (visibility, focus, a view crossing a threshold) close the batch and
    /// go with it. Each item says how long ago it happened, and the batch
    /// when it left (`sent_at`, the sensor's wall clock, ms since 1970): a
    /// message waits in transit, and while a stopped worker starts, so the
    /// core times each item from when it left, not when it came.
    Batch {
        items: Vec<Batched>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sent_at: Option<f64>,
    },
}

/// After the core restarted: a slot the old core had called an ad (by
/// `rule`, with `labels`), whether it had become viewable, and whether
/// the old core said its render (`saved_ad`) and view (`saved_view`)
/// were in storage (`saved`): the new core watches it again and books
/// again only what storage may not have, so nothing is lost and nothing
/// counted twice. With it, what the sensor last saw of it: `ratio` of
/// `area` in view, playing (video ads), and for how long it has been so
/// while the page was visible and focused (`seen_ms`), so a dwell begun
/// under the old core goes on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownAd {
    pub id: u32,
    pub rule: u32,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub viewable: bool,
    #[serde(default)]
    pub saved_ad: bool,
    #[serde(default)]
    pub saved_view: bool,
    #[serde(default)]
    pub ratio: f64,
    #[serde(default)]
    pub area: f64,
    #[serde(default)]
    pub playing: Option<bool>,
    #[serde(default)]
    pub seen_ms: f64,
}

impl KnownAd {
    /// What the sensor saw of the slot, for the viewability clock to go on.
    pub fn seen(&self) -> crate::viewability::Seen {
        crate::viewability::Seen {
            ratio: self.ratio,
            area: self.area,
            playing: self.playing,
            for_ms: self.seen_ms,
        }
    }
}

/// One event of a [`SensorEvent::Batch`], `ago_ms` before the batch left.
///
/// ```text
/// {"ago_ms": 640, "event": {"type": "input", "typing": false}}
///   -> Batched { ago_ms: 640.0, event: Waited(Input { typing: false }) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batched {
    pub ago_ms: f64,
    pub event: Waited,
}

/// An event a batch may hold: something seen on the page (input, the
/// heartbeat, visibility, focus, media, ad slots and their views), never a
/// `hello`, another batch, or an act or answer of the person's (a fold, a
/// click check, a post), which go alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SensorEvent", into = "SensorEvent")]
pub struct Waited(SensorEvent);

impl Waited {
    pub fn into_event(self) -> SensorEvent {
        self.0
    }
}

/// Why an event may not be in a batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a `{0}` cannot be batched")]
pub struct NotBatched(&'static str);

impl TryFrom<SensorEvent> for Waited {
    type Error = NotBatched;

    /// `input` -> Ok; `hello`, `batch`, `post` … -> Err(NotBatched).
    fn try_from(event: SensorEvent) -> Result<Waited, NotBatched> {
        use SensorEvent::*;
        let alone = match event {
            Visibility { .. } | Focus { .. } | Input { .. } | Media { .. } | Heartbeat {} => None,
            Slot { .. } | View { .. } | Playing { .. } | Gone { .. } => None,
            Hello { .. } => Some("hello"),
            Known(_) => Some("known"),
            Batch { .. } => Some("batch"),
            Placed { .. } => Some("placed"),
            Fold { .. } => Some("fold"),
            ClickSeen { .. } => Some("click_seen"),
            Covered {} => Some("covered"),
            Shortcut {} => Some("shortcut"),
            Post { .. } => Some("post"),
            NoPost { .. } => Some("no_post"),
        };
        match alone {
            Some(kind) => Err(NotBatched(kind)),
            None => Ok(Waited(event)),
        }
    }
}

impl From<Waited> for SensorEvent {
    fn from(w: Waited) -> SensorEvent {
        w.0
    }
}

/// The core's answer to a sensor's `hello`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SensorCommand {
    /// Track this page, show the overlay, and look for ad slots with
    /// these rules (only the ones for this site).
    Track {
        site: String,
        rules: Vec<crate::rules::Rule>,
        /// Show the on-page counter (the person can hide it per site).
        overlay: bool,
        /// How to find this site's posts, for "mark this post useful".
        posts: Vec<crate::rules::Rule>,
        /// The keys of "mark this post useful", as the person set them.
        shortcut: Option<Shortcut>,
        /// Where the person dragged the counter on this site (none: the
        /// corner, clear of the page's own fixed controls).
        position: Option<crate::settings::Position>,
    },
    /// The site's ad rules changed (the person's own were saved): look
    /// for ad slots with these from now on. Slots already called ads stay
    /// watched; the others are judged again.
    Rules { rules: Vec<crate::rules::Rule> },
    /// Show or remove the on-page counter (a setting changed).
    Overlay { show: bool },
    /// The core decided slot `id` is an ad: watch its visibility.
    Ad { id: u32 },
    /// Ad `id` became viewable and was counted: a restarted core is told so
    /// (`known`), and never counts it again.
    Viewable { id: u32 },
    /// The renders of `ads` and the views of `viewable` are in storage: a
    /// restarted core need not book them again (`known`'s `saved_*`).
    Saved { ads: Vec<u32>, viewable: Vec<u32> },
    /// What the pill shows, in words already formatted; the sensor only
    /// draws them, and ticks the clock between two of these.
    Pill(Box<PillView>),
    /// The overlay's frame size, as its content asked (clamped).
    Frame { width: u32, height: u32 },
    /// The frame has nothing left to show (no card, panel or note): the
    /// sensor removes it, and only the pill stays. A card the pill's words
    /// hold opens a new frame only if the closing one never had it
    /// (`seen_card` false: it came while the frame was going).
    CloseFrame {
        #[serde(default)]
        seen_card: bool,
    },
    /// A pause or hide was clicked at (`x`, `y`) in the frame, and the
    /// browser could not say whether the counter was seen: the sensor
    /// answers `click_seen` with whether its frame is on top there.
    CheckClick { x: f64, y: f64 },
    /// The person asked to keep the post in view: answer with `post` (or
    /// `no_post`). `by` says where they asked: a `key` ask the sensor
    /// answers only for a trusted press it saw and reported itself.
    FindPost { ask: u32, by: AskedBy },
    /// Not a tracked page: the sensor stops and removes itself.
    Ignore,
    /// A site the person turned off or paused: the sensor stops watching
    /// and removes its counter, but stays to hear `wake`. If the worker
    /// goes away meanwhile, the sensor does not wake it again: it waits for
    /// the settings to change, or for `until` (ms since the epoch: when a
    /// pause runs out; none for a site turned off).
    Sleep { until: Option<f64> },
    /// The site is on again: the sensor watches again and says `hello`.
    Wake,
    /// The answers to one `batch` of the sensor's, in order (only when
    /// there are two or more: one goes as itself).
    Batch { commands: Vec<SensorCommand> },
}

/// The pill as the sensor draws it in the page: every word formatted by
/// the core, and the clock's base, so the sensor ticks it alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PillView {
    /// The language and direction of Thaman's words (not the page's).
    pub lang: String,
    pub rtl: bool,
    /// The site's name, "sold today", the ads and the take (empty: not shown).
    pub site: String,
    pub label: String,
    pub ads: String,
    pub take: String,
    /// The take's range and source, as its tooltip.
    pub take_detail: String,
    /// Time sold (attention not marked useful) when this was sent, seconds.
    pub sold_s: f64,
    /// Whether it ticks now, and for at most how long (none: until told).
    pub counting: bool,
    pub stops_in: Option<f64>,
    /// How long an input seen on the page after this was sent keeps it
    /// ticking, seconds (as [`OverlayState::presence_s`]).
    pub presence_s: Option<f64>,
    /// The ten digits the clock is written with (`0123456789`, `٠١٢٣٤٥٦٧٨٩`).
    pub digits: String,
    /// Folded to a dot on this site.
    pub minimized: bool,
    /// The pill's accessible name, and the fold button's.
    pub name: String,
    pub fold: String,
    /// The frame's title (for assistive technology), when it opens.
    pub frame_title: String,
    /// The card or the "saved" note is up: the frame must be open.
    pub card: bool,
}

/// Where the person asked to keep a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AskedBy {
    /// The shortcut's keys, seen by the sensor on the page (`shortcut`).
    Key,
    /// The browser's command (`chrome.commands`).
    Command,
    /// The overlay's button, in the extension's own frame.
    Overlay,
}

/// A keyboard shortcut as a `KeyboardEvent` shows it. The browser handles
/// the extension's command itself where it can; the sensor watches for the
/// same keys where the command does not reach the extension (headless
/// browsers, some window managers). The core takes one ask at a time, so a
/// press seen both ways saves once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortcut {
    pub alt: bool,
    pub shift: bool,
    pub ctrl: bool,
    pub meta: bool,
    /// `KeyboardEvent.code`: `KeyU`, `Digit5`, `Comma`, `ArrowUp`.
    pub code: String,
}

impl Shortcut {
    /// Parses Chrome's command format.
    ///
    /// ```text
    /// "Alt+Shift+U"  -> {alt, shift, code: "KeyU"}
    /// "Ctrl+Up"      -> {ctrl, code: "ArrowUp"}
    /// "" / "U"       -> None (unset, or no modifier)
    /// ```
    pub fn parse(text: &str) -> Option<Shortcut> {
        let mut s = Shortcut {
            alt: false,
            shift: false,
            ctrl: false,
            meta: false,
            code: String::new(),
        };
        let parts: Vec<&str> = text.split('+').map(str::trim).collect();
        let (key, mods) = parts.split_last()?;
        for m in mods {
            match *m {
                "Alt" | "Option" => s.alt = true,
                "Shift" => s.shift = true,
                "Ctrl" | "MacCtrl" => s.ctrl = true,
                "Command" | "Search" => s.meta = true,
                _ => return None,
            }
        }
        s.code = match *key {
            k if k.len() == 1 && k.as_bytes()[0].is_ascii_uppercase() => format!("Key{k}"),
            k if k.len() == 1 && k.as_bytes()[0].is_ascii_digit() => format!("Digit{k}"),
            "Up" | "Down" | "Left" | "Right" => format!("Arrow{key}"),
            "Comma" | "Period" | "Home" | "End" | "PageUp" | "PageDown" | "Space" | "Insert"
            | "Delete" => key.to_string(),
            _ => return None,
        };
        (s.alt || s.ctrl || s.meta).then_some(s)
    }
}

/// What the overlay shows; sent on every change, ticked locally between.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverlayState {
    pub site: String,
    /// Attention today on this site, in seconds.
    pub seconds: f64,
    /// Whether `seconds` is advancing right now.
    pub counting: bool,
    /// Viewable ads today on this site.
    #[serde(default)]
    pub ads: u64,
    /// Whether ads are counted on the site at all (none shown when not:
    /// a site the person added, with no rule of theirs for it).
    #[serde(default = "yes")]
    pub ads_counted: bool,
    /// The platform's take from those ads, in USD (none without a CPM).
    #[serde(default)]
    pub take: Option<crate::valuation::Estimate>,
    /// How to show money: ISO currency and units of it per USD.
    #[serde(default = "usd")]
    pub currency: String,
    #[serde(default = "one")]
    pub usd_rate: f64,
    /// Seconds until counting stops by itself for lack of input (none
    /// while media plays).
    #[serde(default)]
    pub stops_in: Option<f64>,
    /// How long one input keeps it counting (the idle threshold), seconds,
    /// whenever `stops_in` is set: the sensor, which sees the inputs, moves
    /// the pill's stop itself, so the core need not send a state per input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_s: Option<f64>,
    /// Attention marked useful today on this site, seconds; the pill shows
    /// time sold = `seconds` − `useful`.
    #[serde(default)]
    pub useful: f64,
    /// The "were these minutes useful?" card, when this tab shows it.
    #[serde(default)]
    pub prompt: Option<PromptView>,
    /// The language the person chose for Thaman, and their digits.
    #[serde(default)]
    pub language: crate::settings::Language,
    #[serde(default)]
    pub arabic_digits: bool,
    /// The N of "mark the last N minutes useful" (the prompt's interval);
    /// 0 until N minutes were counted: nothing is offered.
    #[serde(default)]
    pub mark_minutes: u32,
    /// The counter is folded to a dot on this site.
    #[serde(default)]
    pub minimized: bool,
    /// A post was just saved as useful from this tab (or could not be).
    #[serde(default)]
    pub saved: Option<SavedView>,
    /// The price card past the daily goal, when this tab shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<GoalView>,
    /// A choice of the person's was just refused, its click not vouched
    /// for (something lay over the counter): seconds the note saying so
    /// stays up from when this state was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_s: Option<f64>,
    /// How many of this tab's choices (those a click must vouch for) the
    /// core has decided, taken or refused: the panel knows its own
    /// choice's answer by this count moving, not by any state that comes.
    #[serde(default)]
    pub decided: u32,
}

impl OverlayState {
    /// Time sold as the pill shows it: attention not marked useful.
    ///
    /// ```text
    /// seconds 600, useful 120 -> 480     seconds 60, useful 90 -> 0
    /// ```
    pub fn sold(&self) -> f64 {
        (self.seconds - self.useful).max(0.0)
    }

    /// Whether the frame must be open: a card to answer, or a note of a
    /// post just saved (the panel opens only when the person asks).
    ///
    /// ```text
    /// prompt: Some -> true     saved: Some -> true     goal: Some -> true
    /// refused_s: Some -> true     none of them -> false
    /// ```
    pub fn needs_frame(&self) -> bool {
        self.prompt.is_some()
            || self.saved.is_some()
            || self.goal.is_some()
            || self.refused_s.is_some()
    }
}

/// "Saved as useful — undo", shown for a few seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedView {
    /// The find, to undo; `None` when nothing could be saved.
    pub id: Option<u64>,
    /// The oldest finds dropped to stay under the cap.
    pub dropped: u32,
    /// Seconds it stays up from when this state was sent.
    pub shown_s: f64,
    /// Nothing was saved because no post was in view (`id` is `None`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_post: bool,
}

/// The price card past the daily goal as the overlay shows it: "You have
/// sold 1 h 12 min today — ≈ $0.41 to the platforms".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalView {
    /// Time sold today on tracked sites together, seconds.
    pub sold_s: f64,
    /// The platforms' take today, USD (typical); none without a CPM.
    #[serde(default)]
    pub take: Option<f64>,
    /// Some of the take is priced at the person's own CPM.
    #[serde(default)]
    pub own_cpm: bool,
}

/// The prompt card as the overlay shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptView {
    pub minutes: u32,
    /// Which wording (they rotate).
    pub variant: u32,
}

/// What an overlay asks of the core (port name `overlay`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OverlayRequest {
    /// The person answered the card.
    Answer {
        answer: crate::prompt::Answer,
        #[serde(default)]
        reasons: Vec<crate::prompt::Reason>,
        #[serde(default)]
        click: Click,
    },
    /// The overlay's content needs this much room.
    Size { width: f64, height: f64 },
    /// "Mark the last N minutes useful" from the expanded overlay.
    MarkUseful {
        minutes: u32,
        #[serde(default)]
        click: Click,
    },
    /// Pause this site for an hour, or for the rest of the day.
    Pause {
        span: PauseSpan,
        #[serde(default)]
        click: Click,
    },
    /// Hide the counter on this site (options bring it back).
    Hide {
        #[serde(default)]
        click: Click,
    },
    /// Fold the counter to a dot on this site, or unfold it.
    Minimize { on: bool },
    /// Open the options page.
    OpenOptions,
    /// Save the post nearest the viewport's centre as useful.
    MarkPost {
        #[serde(default)]
        click: Click,
    },
    /// Undo a find just saved.
    UndoFind { id: u64 },
    /// Nothing is left to show in the frame: it may go. `seen_card`: the
    /// last state it had from the core held a card or note (answered, or
    /// run out), so one still in the pill's words is no reason to reopen.
    Close {
        #[serde(default)]
        seen_card: bool,
    },
    /// The person chose on the price card past the daily goal.
    Goal {
        choice: crate::tracker::GoalChoice,
        #[serde(default)]
        click: Click,
    },
}

impl OverlayRequest {
    /// The click behind a choice only the person may make, one that changes
    /// what Thaman keeps (useful time, a find, a pause, a hidden counter,
    /// the goal card's choice):
    /// taken only from a counter seen whole. `None`: anything else.
    ///
    /// ```text
    /// Hide { click } -> Some(click)     Size { .. } -> None
    /// ```
    pub fn click(&self) -> Option<Click> {
        match self {
            OverlayRequest::Answer { click, .. }
            | OverlayRequest::MarkUseful { click, .. }
            | OverlayRequest::MarkPost { click }
            | OverlayRequest::Pause { click, .. }
            | OverlayRequest::Hide { click }
            | OverlayRequest::Goal { click, .. } => Some(*click),
            _ => None,
        }
    }
}

/// The click that asked for a choice only a person may make (the card's
/// answer, marking time or a post useful, pause, hide), and whether the
/// counter was seen whole when it came.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Click {
    pub seen: Seen,
    /// Where, in the frame (px): the sensor looks there when the browser
    /// cannot say.
    #[serde(default)]
    pub x: f64,
    #[serde(default)]
    pub y: f64,
}

/// What the browser told the frame of its own visibility around a click.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seen {
    /// Visible and unobscured from the click until the choice was sent
    /// (`IntersectionObserver` v2, `trackVisibility`).
    Visible,
    /// Covered, faded or moved at some moment of it: refused.
    Obscured,
    /// The browser cannot tell (Firefox): the page's sensor looks.
    #[default]
    Unknown,
}

/// How long "pause on this site" lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseSpan {
    Hour,
    Today,
}

fn usd() -> String {
    "USD".into()
}

fn yes() -> bool {
    true
}

fn one() -> f64 {
    1.0
}

/// Messages from the core to an overlay (port name `overlay`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OverlayUpdate {
    State(OverlayState),
}

/// Said to every extension page (`chrome.runtime.sendMessage`) when a
/// sensor comes back to a restarted core: overlays whose port closed
/// connect again (they do not on their own: an idle page must not wake the
/// worker).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OverlayCall {
    OverlayReconnect,
}

/// Requests from the extension's own pages (`chrome.runtime.sendMessage`).
///
/// `D` is an import's data and `S` new settings. The receiver decodes both
/// as [`Opaque`](serde_value::Opaque) (the defaults) and reads them itself,
/// with their own errors; a page sends the file it read and its typed
/// settings, so both ends share the names:
///
/// ```text
/// PageRequest::<_, Settings>::SetSettings { settings }
///   -> {"type": "set_settings", "settings": {...}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PageRequest<D = serde_value::Opaque, S = serde_value::Opaque> {
    Export,
    /// The export as CSV text, one row per day × site.
    ExportCsv,
    Import {
        data: D,
    },
    /// What an import would change, before the person confirms.
    ImportPreview {
        data: D,
    },
    /// What the popup shows.
    Popup,
    /// What the weekly summary page shows.
    Weekly,
    /// The settings, for the options page.
    GetSettings,
    /// Replace the settings (validated; refused whole when bad).
    SetSettings {
        settings: S,
    },
    /// Delete every record and setting.
    DeleteEverything,
    /// The useful finds as CSV (the export's second file).
    ExportFindsCsv,
    /// Delete one useful find.
    DeleteFind {
        id: u64,
    },
    /// Whether the last import can still be undone (and since when).
    ImportUndoable,
    /// Put back the store as it was before the last import (once).
    UndoImport,
}

impl<D, S> PageRequest<D, S> {
    /// Whether answering needs every stored day, not only the recent ones
    /// a starting worker reads (`store::recent_days`): the popup shows this
    /// week against the same days of the last, and the settings every page
    /// asks for first are read at the start; every other request reads or
    /// changes the whole history (the summary reaches three weeks back).
    ///
    /// ```text
    /// Popup, GetSettings -> false    Export, Weekly, SetSettings, ... -> true
    /// ```
    pub fn needs_history(&self) -> bool {
        match self {
            PageRequest::Popup | PageRequest::GetSettings => false,
            PageRequest::Export
            | PageRequest::ExportCsv
            | PageRequest::Import { .. }
            | PageRequest::ImportPreview { .. }
            | PageRequest::Weekly
            | PageRequest::SetSettings { .. }
            | PageRequest::DeleteEverything
            | PageRequest::ExportFindsCsv
            | PageRequest::DeleteFind { .. }
            | PageRequest::ImportUndoable
            | PageRequest::UndoImport => true,
        }
    }
}

/// Import data stays opaque here; the store decodes it with its own errors.
pub mod serde_value {
    use serde::{Deserialize, Deserializer};

    #[derive(Debug, Clone, PartialEq)]
    pub struct Opaque;

    impl<'de> Deserialize<'de> for Opaque {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Opaque, D::Error> {
            serde::de::IgnoredAny::deserialize(d).map(|_| Opaque)
        }
    }
}

/// The sensor's wire form for the tests (the worker's is `web::background::wire`).
#[cfg(test)]
#[path = "../tests/common/wire.rs"]
mod wire;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use super::wire;

    /// As the worker decodes: from the sensor's wire form.
    fn decode(v: serde_json::Value) -> Result<SensorEvent, serde_json::Error> {
        serde_json::from_value(wire::to_core(&v))
    }

    #[test]
    fn sensor_events_decode() {
        assert_eq!(
            decode(json!({"type": "hello", "url": "https://x.com/", "visible": true, "focused": false, "idle_ms": 1200})).unwrap(),
            SensorEvent::Hello { url: "https://x.com/".into(), visible: true, focused: false, media: false, idle_ms: Some(1200.0), reconnected: false }
        );
        assert_eq!(
            decode(json!({"type": "visibility", "visible": false})).unwrap(),
            SensorEvent::Visibility { visible: false }
        );
        assert_eq!(
            decode(json!({"type": "focus", "focused": true})).unwrap(),
            SensorEvent::Focus { focused: true }
        );
        assert_eq!(
            decode(json!({"type": "input"})).unwrap(),
            SensorEvent::Input { typing: false }
        );
        assert_eq!(
            decode(json!({"type": "input", "typing": true})).unwrap(),
            SensorEvent::Input { typing: true }
        );
        assert_eq!(
            decode(json!({"type": "media", "playing": true})).unwrap(),
            SensorEvent::Media { playing: true }
        );
        assert_eq!(
            decode(json!({"type": "heartbeat"})).unwrap(),
            SensorEvent::Heartbeat {}
        );
        assert_eq!(
            decode(json!({"type": "slot", "id": 4, "rule": 1, "labels": ["Sponsored"]})).unwrap(),
            SensorEvent::Slot {
                id: 4,
                rule: 1,
                labels: vec!["Sponsored".into()]
            }
        );
        assert_eq!(
            decode(json!({"type": "view", "id": 4, "ratio": 0.5, "area": 100.0})).unwrap(),
            SensorEvent::View {
                id: 4,
                ratio: 0.5,
                area: 100.0
            }
        );
        assert!(decode(json!({"type": "view", "id": -4, "ratio": 0.5, "area": 100.0})).is_err());
        assert!(decode(json!({"type": "slot", "id": 4, "rule": 1, "labels": [7]})).is_err());
        assert_eq!(
            decode(json!({"type": "post", "ask": 2, "url": "https://x.com/a/status/1", "author": "Layla", "text": "Hi"})).unwrap(),
            SensorEvent::Post { ask: 2, url: "https://x.com/a/status/1".into(), author: "Layla".into(), text: "Hi".into() }
        );
        assert!(
            decode(json!({"type": "post", "ask": 2, "url": "https://x.com/", "cookies": "all"}))
                .is_err(),
            "nothing more than asked"
        );
        assert_eq!(
            decode(json!({"type": "no_post", "ask": 2})).unwrap(),
            SensorEvent::NoPost { ask: 2 }
        );
        assert!(
            decode(json!({"type": "no_post", "ask": 2, "url": "https://x.com/"})).is_err(),
            "no post, nothing of the page"
        );
        assert_eq!(
            serde_json::to_value(SensorCommand::FindPost {
                ask: 3,
                by: AskedBy::Overlay
            })
            .unwrap(),
            json!({"type": "find_post", "ask": 3, "by": "overlay"})
        );
    }

    #[test]
    fn batches_decode_and_refuse_what_goes_alone() {
        let batch = decode(json!({"type": "batch", "items": [
            {"ago_ms": 640, "event": {"type": "input", "typing": false}},
            {"ago_ms": 0, "event": {"type": "view", "id": 4, "ratio": 0.5, "area": 100.0}},
        ]}))
        .unwrap();
        let SensorEvent::Batch { items, .. } = batch else {
            panic!("{batch:?}")
        };
        let events: Vec<_> = items
            .into_iter()
            .map(|b| (b.ago_ms, b.event.into_event()))
            .collect();
        assert_eq!(
            events,
            [
                (640.0, SensorEvent::Input { typing: false }),
                (
                    0.0,
                    SensorEvent::View {
                        id: 4,
                        ratio: 0.5,
                        area: 100.0
                    }
                ),
            ]
        );
        for alone in [
            json!({"type": "hello", "url": "https://x.com/", "visible": true, "focused": true}),
            json!({"type": "batch", "items": []}),
            json!({"type": "shortcut"}),
            json!({"type": "no_post", "ask": 2}),
            json!({"type": "fold", "on": true}),
        ] {
            let batch = json!({"type": "batch", "items": [{"ago_ms": 1, "event": alone}]});
            assert!(decode(batch.clone()).is_err(), "{batch}");
        }
        assert!(decode(json!({"type": "batch", "items": [{"ago_ms": 1}]})).is_err());
        assert!(decode(json!({"type": "batch", "items": [
            {"ago_ms": 1, "event": {"type": "heartbeat"}, "at": 5}
        ]}))
        .is_err());
        assert_eq!(
            serde_json::to_value(SensorCommand::Batch {
                commands: vec![SensorCommand::Ad { id: 1 }, SensorCommand::Ad { id: 2 }]
            })
            .unwrap(),
            json!({"type": "batch", "commands": [{"type": "ad", "id": 1}, {"type": "ad", "id": 2}]})
        );
    }

    #[test]
    fn shortcuts_parse_from_chromes_format() {
        let s = Shortcut::parse("Alt+Shift+U").unwrap();
        assert_eq!(
            (s.alt, s.shift, s.ctrl, s.meta, s.code.as_str()),
            (true, true, false, false, "KeyU")
        );
        assert_eq!(Shortcut::parse("Ctrl+Up").unwrap().code, "ArrowUp");
        assert_eq!(Shortcut::parse("Command+Shift+5").unwrap().code, "Digit5");
        for unset in ["", "U", "Shift+U", "Alt+Shift+F13", "Hyper+U"] {
            assert_eq!(Shortcut::parse(unset), None, "{unset:?}");
        }
    }

    #[test]
    fn malformed_events_are_refused() {
        assert!(decode(json!({"type": "visibility", "visible": "yes"})).is_err());
        assert!(decode(json!({"type": "visibility"})).is_err());
        assert!(decode(json!({"type": "launch_missiles"})).is_err());
        assert!(decode(json!({"type": "heartbeat", "extra": 1})).is_err());
        assert!(
            decode(json!({"type": "hello", "url": 5, "visible": true, "focused": true})).is_err()
        );
        assert!(decode(json!(42)).is_err());
    }

    #[test]
    fn overlay_update_wire_shape() {
        let u = OverlayUpdate::State(OverlayState {
            site: "x".into(),
            seconds: 2.5,
            counting: true,
            ads: 3,
            ads_counted: true,
            take: None,
            currency: "USD".into(),
            usd_rate: 1.0,
            stops_in: Some(10.0),
            presence_s: Some(15.0),
            useful: 1.0,
            prompt: Some(PromptView {
                minutes: 10,
                variant: 1,
            }),
            language: Default::default(),
            arabic_digits: false,
            mark_minutes: 10,
            minimized: false,
            saved: Some(SavedView {
                id: Some(7),
                dropped: 0,
                shown_s: 8.0,
                no_post: false,
            }),
            goal: None,
            refused_s: None,
            decided: 2,
        });
        assert_eq!(
            serde_json::to_value(&u).unwrap(),
            json!({"type": "state", "site": "x", "seconds": 2.5, "counting": true, "ads": 3, "ads_counted": true, "take": null, "currency": "USD", "usd_rate": 1.0,
                   "stops_in": 10.0, "presence_s": 15.0, "useful": 1.0, "prompt": {"minutes": 10, "variant": 1},
                   "language": "auto", "arabic_digits": false, "mark_minutes": 10, "minimized": false,
                   "saved": {"id": 7, "dropped": 0, "shown_s": 8.0}, "decided": 2})
        );
        let r: OverlayRequest = serde_json::from_value(
            json!({"type": "answer", "answer": "useful", "reasons": ["learned", "reach"]}),
        )
        .unwrap();
        assert!(
            matches!(r, OverlayRequest::Answer { answer: crate::prompt::Answer::Useful, ref reasons, .. } if reasons.len() == 2)
        );
        assert!(serde_json::from_value::<OverlayRequest>(
            json!({"type": "answer", "answer": "maybe"})
        )
        .is_err());
        assert_eq!(
            serde_json::to_value(SensorCommand::Ignore).unwrap(),
            json!({"type": "ignore"})
        );
        assert_eq!(
            serde_json::to_value(SensorCommand::Sleep { until: None }).unwrap(),
            json!({"type": "sleep", "until": null})
        );
        assert_eq!(
            serde_json::to_value(SensorCommand::Sleep { until: Some(5.0) }).unwrap(),
            json!({"type": "sleep", "until": 5.0})
        );
        assert_eq!(
            serde_json::to_value(SensorCommand::Wake).unwrap(),
            json!({"type": "wake"})
        );
    }

    /// Encodes `message`, checks the wire shape the other end (JS or the
    /// background) has always read, and decodes it back unchanged.
    fn both_ways<T>(message: T, wire: serde_json::Value)
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let sent = serde_json::to_value(&message).unwrap();
        assert_eq!(sent, wire);
        assert_eq!(serde_json::from_value::<T>(sent).unwrap(), message);
    }

    #[test]
    fn the_pill_shows_time_sold_and_opens_the_frame_for_a_card_or_note() {
        let mut state: OverlayState =
            serde_json::from_value(json!({"site": "x", "seconds": 600.0, "counting": true}))
                .unwrap();
        state.useful = 120.0;
        assert_eq!(state.sold(), 480.0);
        state.useful = 900.0;
        assert_eq!(state.sold(), 0.0, "never below nothing");
        assert!(!state.needs_frame());
        state.prompt = Some(PromptView {
            minutes: 10,
            variant: 0,
        });
        assert!(state.needs_frame());
        state.prompt = None;
        state.saved = Some(SavedView {
            id: Some(1),
            dropped: 0,
            shown_s: 4.0,
            no_post: false,
        });
        assert!(state.needs_frame());
        state.saved = None;
        state.goal = Some(GoalView {
            sold_s: 4320.0,
            take: Some(0.41),
            own_cpm: false,
        });
        assert!(state.needs_frame(), "the card past the daily goal");
    }

    #[test]
    fn the_goal_cards_choices_are_sent_as_the_core_reads_them() {
        use crate::tracker::GoalChoice;
        for (choice, name) in [
            (GoalChoice::Continue, "continue"),
            (GoalChoice::Week, "week"),
            (GoalChoice::Leave, "leave"),
        ] {
            both_ways(
                OverlayRequest::Goal {
                    choice,
                    click: Click::default(),
                },
                json!({"type": "goal", "choice": name, "click": {"seen": "unknown", "x": 0.0, "y": 0.0}}),
            );
        }
        assert!(serde_json::from_value::<OverlayRequest>(
            json!({"type": "goal", "choice": "stay forever"})
        )
        .is_err());
    }

    #[test]
    fn overlay_requests_are_sent_as_the_core_reads_them() {
        use crate::prompt::{Answer, Reason};
        both_ways(
            OverlayRequest::Answer {
                answer: Answer::NotUseful,
                reasons: vec![Reason::Learned, Reason::Reach],
                click: Click::default(),
            },
            json!({"type": "answer", "answer": "not_useful", "reasons": ["learned", "reach"],
                   "click": {"seen": "unknown", "x": 0.0, "y": 0.0}}),
        );
        both_ways(
            OverlayRequest::Size {
                width: 440.0,
                height: 44.0,
            },
            json!({"type": "size", "width": 440.0, "height": 44.0}),
        );
        let seen = Click {
            seen: Seen::Visible,
            x: 40.0,
            y: 120.5,
        };
        both_ways(
            OverlayRequest::MarkUseful {
                minutes: 10,
                click: seen,
            },
            json!({"type": "mark_useful", "minutes": 10, "click": {"seen": "visible", "x": 40.0, "y": 120.5}}),
        );
        both_ways(
            OverlayRequest::Pause {
                span: PauseSpan::Hour,
                click: seen,
            },
            json!({"type": "pause", "span": "hour", "click": {"seen": "visible", "x": 40.0, "y": 120.5}}),
        );
        both_ways(
            OverlayRequest::Hide {
                click: Click::default(),
            },
            json!({"type": "hide", "click": {"seen": "unknown", "x": 0.0, "y": 0.0}}),
        );
        assert_eq!(
            serde_json::from_value::<OverlayRequest>(json!({"type": "pause", "span": "today"}))
                .unwrap(),
            OverlayRequest::Pause {
                span: PauseSpan::Today,
                click: Click::default()
            },
            "no word of the click: not known to be seen"
        );
        both_ways(
            OverlayRequest::Minimize { on: true },
            json!({"type": "minimize", "on": true}),
        );
        both_ways(OverlayRequest::OpenOptions, json!({"type": "open_options"}));
        both_ways(
            OverlayRequest::MarkPost { click: seen },
            json!({"type": "mark_post", "click": {"seen": "visible", "x": 40.0, "y": 120.5}}),
        );
        for bare in [
            json!({"type": "mark_post"}),
            json!({"type": "mark_useful", "minutes": 10}),
            json!({"type": "answer", "answer": "useful"}),
        ] {
            let request: OverlayRequest = serde_json::from_value(bare).unwrap();
            assert_eq!(
                request.click(),
                Some(Click::default()),
                "no word of the click: not known to be seen"
            );
        }
        assert_eq!(OverlayRequest::OpenOptions.click(), None);
        both_ways(
            OverlayRequest::UndoFind {
                id: 1_764_000_000_000,
            },
            json!({"type": "undo_find", "id": 1_764_000_000_000u64}),
        );
        both_ways(
            OverlayRequest::Close { seen_card: true },
            json!({"type": "close", "seen_card": true}),
        );
    }

    #[test]
    fn page_requests_are_sent_as_the_core_reads_them() {
        type Sent = PageRequest<serde_json::Value, crate::settings::Settings>;
        let simple = [
            (Sent::Export, "export"),
            (Sent::ExportCsv, "export_csv"),
            (Sent::ExportFindsCsv, "export_finds_csv"),
            (Sent::Popup, "popup"),
            (Sent::Weekly, "weekly"),
            (Sent::GetSettings, "get_settings"),
            (Sent::DeleteEverything, "delete_everything"),
            (Sent::ImportUndoable, "import_undoable"),
            (Sent::UndoImport, "undo_import"),
        ];
        for (request, name) in simple {
            both_ways(request, json!({ "type": name }));
        }
        both_ways(
            Sent::DeleteFind { id: 7 },
            json!({"type": "delete_find", "id": 7}),
        );
        let data = json!({"version": 1, "days": []});
        both_ways(
            Sent::Import { data: data.clone() },
            json!({"type": "import", "data": data}),
        );
        both_ways(
            Sent::ImportPreview { data: data.clone() },
            json!({"type": "import_preview", "data": data}),
        );
        let settings = crate::settings::Settings::default();
        let wire =
            json!({"type": "set_settings", "settings": serde_json::to_value(&settings).unwrap()});
        both_ways(Sent::SetSettings { settings }, wire.clone());
        // The receiver's own decoding (opaque payloads) takes every one.
        let read: PageRequest = serde_json::from_value(wire).unwrap();
        assert!(matches!(read, PageRequest::SetSettings { .. }));
    }

    const RULE: &str = r#"x.com##article:has-text(/^Ad$/):label(span)"#;

    #[test]
    fn sensor_commands_are_read_as_sent() {
        both_ways(
            SensorCommand::Frame {
                width: 440,
                height: 232,
            },
            json!({"type": "frame", "width": 440, "height": 232}),
        );
        both_ways(
            SensorCommand::CloseFrame { seen_card: false },
            json!({"type": "close_frame", "seen_card": false}),
        );
        both_ways(
            SensorCommand::CheckClick { x: 3.0, y: 4.5 },
            json!({"type": "check_click", "x": 3.0, "y": 4.5}),
        );
        let pill = PillView {
            lang: "ar".into(),
            rtl: true,
            site: "X".into(),
            label: "مُباع اليوم".into(),
            ads: String::new(),
            take: String::new(),
            take_detail: String::new(),
            sold_s: 75.5,
            counting: true,
            stops_in: Some(30.0),
            presence_s: Some(60.0),
            digits: "٠١٢٣٤٥٦٧٨٩".into(),
            minimized: false,
            name: "Thaman".into(),
            fold: "Fold".into(),
            frame_title: "Thaman".into(),
            card: false,
        };
        let sent = serde_json::to_value(SensorCommand::Pill(Box::new(pill.clone()))).unwrap();
        assert_eq!(sent["type"], "pill", "one flat message");
        assert_eq!(sent["sold_s"], 75.5);
        assert_eq!(
            serde_json::from_value::<SensorCommand>(sent).unwrap(),
            SensorCommand::Pill(Box::new(pill))
        );
        both_ways(SensorCommand::Ad { id: 3 }, json!({"type": "ad", "id": 3}));
        both_ways(
            SensorCommand::FindPost {
                ask: 2,
                by: AskedBy::Key,
            },
            json!({"type": "find_post", "ask": 2, "by": "key"}),
        );
        both_ways(
            SensorCommand::Overlay { show: false },
            json!({"type": "overlay", "show": false}),
        );
        let track = SensorCommand::Track {
            site: "x".into(),
            rules: crate::rules::parse_rules(RULE).unwrap(),
            overlay: true,
            posts: Vec::new(),
            shortcut: Shortcut::parse("Alt+Shift+U"),
            position: Some(crate::settings::Position {
                inline: 16,
                bottom: 80,
            }),
        };
        let sent = serde_json::to_value(&track).unwrap();
        assert_eq!(sent["type"], "track");
        assert_eq!(
            serde_json::from_value::<SensorCommand>(sent).unwrap(),
            track
        );
    }

    #[test]
    fn page_requests_decode() {
        let r: PageRequest = serde_json::from_value(json!({"type": "export"})).unwrap();
        assert_eq!(r, PageRequest::Export);
        let r: PageRequest =
            serde_json::from_value(json!({"type": "import", "data": {"any": [1, 2]}})).unwrap();
        assert!(matches!(r, PageRequest::Import { .. }));
    }
}
