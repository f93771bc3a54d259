//! Site rules: which elements are ad slots. Rules are data (`rules/*.txt`),
//! in a syntax close to uBlock Origin's cosmetic filters, parsed and
//! validated once; the engine never hard-codes a site.
//!
//! ```text
//! ! a comment
//! facebook.com##div[role="feed"] > div:has(a[href*="/ads/about/"])
//! x.com,twitter.com##div[data-testid="cellInnerDiv"]:has([data-testid$="-impression-pixel"])
//! facebook.com##a[href*="__cft__"]:matches-attr(href=/__cft__\[0\]=[^&]{290,}/):upward(div[role="feed"] > div)
//! reddit.com##shreddit-post:label(span.promoted-label)
//! ```
//! A rule is `domains##css` followed by procedural operators, applied in
//! order by the page's sensor:
//! - `:has-text(text)` / `:has-text(/re/i)` — the element's text contains it;
//! - `:matches-attr(name=value)` / `:matches-attr(name=/re/)`;
//! - `:upward(n)` / `:upward(selector)` — the n-th ancestor, or the closest
//!   ancestor matching;
//! - `:label(selector, …)` (last) — the slot is an ad only if the rendered
//!   label text of a matching descendant (or the slot itself) is an ad label
//!   in the dictionary; the core decides that, not the page;
//! - `:video` — the slot is a video ad (viewable after 2 s, not 1);
//! - `:while-class(name)` — the slot is an ad only while it has the class,
//!   and each time the class comes on is another ad: a video player that
//!   is marked while it shows an ad (`youtube.com##.html5-video-player:while-class(ad-showing):video`).
//!   The sensor watches that attribute of that element alone.
//!
//! A rule with `:post` names a platform's feed item instead of an ad slot:
//! what "mark this post useful" picks, nearest the viewport's centre. Its
//! details say what of it is kept, and nothing else is read:
//! - `:permalink(selector)` — the first match's `href`, or
//!   `:permalink(selector@attr)` that attribute (`:scope` is the item);
//! - `:author(selector)` — the first match's visible text;
//! - `:text(selector, …)` — the visible text of every match (default: the
//!   whole item), of which the first 140 characters are kept.
//!
//! ```text
//! x.com##article[data-testid="tweet"]:post:permalink(a:has(time)):author([data-testid="User-Name"]):text([data-testid="tweetText"])
//! reddit.com##shreddit-post:post:permalink(:scope@permalink):author(:scope@author)
//! ```
//!
//! This file is self-contained (no `crate::` paths) because `build.rs`
//! includes it to refuse malformed rules at build time.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A text or attribute pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// Plain text, compared as a substring.
    Text(String),
    /// A regular expression (JavaScript syntax) with its flags.
    Regex { source: String, flags: String },
}

/// One procedural step after the CSS part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    HasText {
        pattern: Pattern,
    },
    MatchesAttr {
        name: String,
        pattern: Pattern,
    },
    UpwardBy {
        n: u32,
    },
    UpwardTo {
        selector: String,
    },
    Label {
        selectors: Vec<String>,
    },
    Video,
    /// The slot is an ad while it has this class; each time it comes on
    /// is another ad.
    WhileClass {
        class: String,
    },
    /// The rule names feed items (posts), not ad slots.
    Post,
    /// Where a post's permalink is: an element, and its attribute.
    Permalink {
        selector: String,
        attr: String,
    },
    Author {
        selector: String,
        attr: Option<String>,
    },
    Text {
        selectors: Vec<String>,
    },
}

/// A parsed rule, as the sensor receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Registrable domains the rule applies to (`facebook.com`).
    pub domains: Vec<String>,
    pub css: String,
    pub ops: Vec<Op>,
}

impl Rule {
    /// Whether the core must check label text before calling it an ad.
    pub fn needs_label(&self) -> bool {
        self.ops.iter().any(|op| matches!(op, Op::Label { .. }))
    }

    pub fn is_video(&self) -> bool {
        self.ops.contains(&Op::Video)
    }

    /// The class that makes the slot an ad while it has it, if any.
    ///
    /// ```text
    /// ".html5-video-player:while-class(ad-showing):video" -> Some("ad-showing")
    /// "ytd-search-pyv-renderer"                           -> None
    /// ```
    pub fn while_class(&self) -> Option<&str> {
        self.ops.iter().find_map(|op| match op {
            Op::WhileClass { class } => Some(class.as_str()),
            _ => None,
        })
    }

    /// Whether the rule names posts (for "mark useful") rather than ads.
    pub fn is_post(&self) -> bool {
        self.ops.contains(&Op::Post)
    }

    /// Every selector the sensor will give the browser: the rule's own,
    /// then its operators'.
    ///
    /// ```text
    /// "a.ad:upward(div.feed > div):label(span, :scope)" -> ["a.ad", "div.feed > div", "span", ":scope"]
    /// ```
    pub fn selectors(&self) -> Vec<&str> {
        let mut out = vec![self.css.as_str()];
        for op in &self.ops {
            match op {
                Op::UpwardTo { selector }
                | Op::Permalink { selector, .. }
                | Op::Author { selector, .. } => out.push(selector),
                Op::Label { selectors } | Op::Text { selectors } => {
                    out.extend(selectors.iter().map(String::as_str))
                }
                _ => {}
            }
        }
        out
    }

    /// Every `/regex/` of the rule, with its flags.
    ///
    /// ```text
    /// "div:has-text(/^Ad$/i):matches-attr(href=ads)" -> [("^Ad$", "i")]
    /// ```
    pub fn regexes(&self) -> Vec<(&str, &str)> {
        self.ops
            .iter()
            .filter_map(|op| match op {
                Op::HasText { pattern } | Op::MatchesAttr { pattern, .. } => match pattern {
                    Pattern::Regex { source, flags } => Some((source.as_str(), flags.as_str())),
                    Pattern::Text(_) => None,
                },
                _ => None,
            })
            .collect()
    }

    /// Whether the rule applies on `host` (`www.facebook.com` for `facebook.com`).
    pub fn applies_to(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.domains
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")))
    }
}

/// What is wrong with an operator's argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    NameValue,
    AttributeName,
    UpwardRange,
    UpwardEmpty,
    NoLabelSelector,
    OneClass,
    NoTextSelector,
    EmptySelector,
    AttributeAfterAt,
    UnterminatedRegex,
    EmptyRegex,
    RegexFlags,
    EmptyText,
}

impl Reason {
    /// The English reason (the build's messages; the options page says
    /// it in the person's language).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NameValue => "expected name=value",
            Reason::AttributeName => "bad attribute name",
            Reason::UpwardRange => "n must be 1–64",
            Reason::UpwardEmpty => "empty",
            Reason::NoLabelSelector => "name at least one label selector (or :scope)",
            Reason::OneClass => "one class name",
            Reason::NoTextSelector => "name at least one selector (or :scope)",
            Reason::EmptySelector => "empty selector",
            Reason::AttributeAfterAt => "bad attribute name after @",
            Reason::UnterminatedRegex => "unterminated /regex/",
            Reason::EmptyRegex => "empty /regex/",
            Reason::RegexFlags => "regex flags may be i, u, s, m",
            Reason::EmptyText => "empty text",
        }
    }
}

/// Why a rule line was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    NoSeparator,
    BadDomain(String),
    EmptySelector,
    Unbalanced,
    UnknownOperator(String),
    BadArgument {
        op: &'static str,
        reason: Reason,
    },
    LabelNotLast,
    /// `:permalink`, `:author`, `:text` without `:post`, or `:post` with
    /// the ad-only `:label`/`:video`/`:while-class`.
    PostMixed,
    /// The person's own rules: a domain that is neither a catalog site's
    /// nor one of the sites they added.
    UnknownSite(String),
    /// The person's own rules name ads, not posts.
    PostRule,
    /// The person's own rules: a line longer than [`MAX_OWN_LINE_CHARS`].
    LineTooLong,
    /// The person's own rules: a rule past [`MAX_OWN_RULES`].
    TooManyRules,
    /// The person's own rules: the text goes past [`MAX_OWN_CHARS`] here.
    TooLong,
    /// The browser refuses the rule's CSS selector (checked where one is
    /// at hand: the options page).
    BadSelector(String),
    /// The browser refuses a `/regex/` of the rule.
    BadRegex(String),
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::NoSeparator => write!(f, "expected `domains##selector`"),
            RuleError::BadDomain(d) => write!(f, "not a domain: {d:?}"),
            RuleError::EmptySelector => write!(f, "the rule starts with no CSS selector"),
            RuleError::Unbalanced => write!(f, "unbalanced brackets, parentheses or quotes"),
            RuleError::UnknownOperator(op) => write!(f, "unknown operator {op:?}"),
            RuleError::BadArgument { op, reason } => write!(f, ":{op}(): {}", reason.as_str()),
            RuleError::LabelNotLast => {
                write!(f, ":label() must come last (before :video, :while-class())")
            }
            RuleError::PostMixed => write!(f, ":permalink(), :author() and :text() need :post, which cannot have :label(), :video or :while-class()"),
            RuleError::UnknownSite(d) => write!(
                f,
                "{d:?} is not a site Thaman counts (the catalog's, or one you added)"
            ),
            RuleError::PostRule => write!(f, "your own rules name ads, not posts (:post)"),
            RuleError::LineTooLong => {
                write!(f, "a line may have at most {MAX_OWN_LINE_CHARS} characters")
            }
            RuleError::TooManyRules => write!(f, "at most {MAX_OWN_RULES} rules"),
            RuleError::TooLong => write!(f, "at most {MAX_OWN_CHARS} characters in all"),
            RuleError::BadSelector(css) => {
                write!(f, "the browser does not accept the selector {css:?}")
            }
            RuleError::BadRegex(re) => write!(f, "the browser does not accept /{re}/"),
        }
    }
}

impl std::error::Error for RuleError {}

/// A refused line of a rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub error: RuleError,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.error)
    }
}

/// Parses a rules file: every line, every error (with its line number).
///
/// ```text
/// "! c\nx.com##article:label(span)\n" -> Ok([Rule{domains:[x.com], css:"article", ops:[Label]}])
/// "x.com#article"                     -> Err([line 1: expected `domains##selector`])
/// ```
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, Vec<LineError>> {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('!') {
            continue;
        }
        match parse_rule(line) {
            Ok(rule) => rules.push(rule),
            Err(error) => errors.push(LineError { line: i + 1, error }),
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// The most rules the person may write (the catalog has about 50).
pub const MAX_OWN_RULES: usize = 100;
/// The longest line of the person's rules, in characters.
pub const MAX_OWN_LINE_CHARS: usize = 1000;
/// The longest text of the person's rules, comments included.
pub const MAX_OWN_CHARS: usize = 20_000;

/// Parses the person's own ad rules: the same syntax and parser as the
/// files, within the caps, ad rules only, each domain a site Thaman counts
/// (`known`: a catalog site's domain or a site they added). Every bad
/// line is reported with its number.
///
/// ```text
/// "! mine\nx.com##div.promo\n"            -> Ok([x.com##div.promo])
/// "x.com##div\nevil.example##div", known x -> Err([line 2: UnknownSite("evil.example")])
/// "x.com##article:post"                     -> Err([line 1: PostRule])
/// ```
pub fn parse_own_rules(
    text: &str,
    known: impl Fn(&str) -> bool,
) -> Result<Vec<Rule>, Vec<LineError>> {
    check_own_rules(text, known, |_| Ok(()))
}

/// [`parse_own_rules`], each parsed rule also put to `browser` (does the
/// browser accept its selector and regexes?) where one is at hand.
pub fn check_own_rules(
    text: &str,
    known: impl Fn(&str) -> bool,
    browser: impl Fn(&Rule) -> Result<(), RuleError>,
) -> Result<Vec<Rule>, Vec<LineError>> {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    let mut chars = 0;
    for (i, line) in text.lines().enumerate() {
        let n = line.chars().count();
        chars += n + 1;
        let error = |error| LineError { line: i + 1, error };
        if chars > MAX_OWN_CHARS + 1 {
            errors.push(error(RuleError::TooLong));
            break;
        }
        if n > MAX_OWN_LINE_CHARS {
            errors.push(error(RuleError::LineTooLong));
            continue;
        }
        let line = line.trim();
        if line.is_empty() || line.starts_with('!') {
            continue;
        }
        let rule = match parse_rule(line) {
            Ok(rule) => rule,
            Err(e) => {
                errors.push(error(e));
                continue;
            }
        };
        if let Some(d) = rule.domains.iter().find(|d| !known(d)) {
            errors.push(error(RuleError::UnknownSite(d.clone())));
        } else if rule.is_post() {
            errors.push(error(RuleError::PostRule));
        } else if rules.len() == MAX_OWN_RULES {
            errors.push(error(RuleError::TooManyRules));
        } else if let Err(e) = browser(&rule) {
            errors.push(error(e));
        } else {
            rules.push(rule);
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// Parses one rule line.
pub fn parse_rule(line: &str) -> Result<Rule, RuleError> {
    let (domains, chain) = line.split_once("##").ok_or(RuleError::NoSeparator)?;
    let domains: Vec<String> = domains
        .split(',')
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    for d in &domains {
        let ok = d.contains('.')
            && !d.starts_with('.')
            && !d.ends_with('.')
            && d.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if !ok {
            return Err(RuleError::BadDomain(d.clone()));
        }
    }
    let chain = chain.trim();
    check_balanced(chain)?;
    let first = find_operator(chain);
    let css = chain[..first].trim().to_string();
    if css.is_empty() {
        return Err(RuleError::EmptySelector);
    }
    let mut ops = Vec::new();
    let mut rest = &chain[first..];
    while !rest.is_empty() {
        let (op, after) = parse_op(rest)?;
        ops.push(op);
        rest = after.trim_start();
    }
    let details = ops.iter().any(|op| {
        matches!(
            op,
            Op::Permalink { .. } | Op::Author { .. } | Op::Text { .. }
        )
    });
    let ad_only = ops
        .iter()
        .any(|op| matches!(op, Op::Label { .. } | Op::Video | Op::WhileClass { .. }));
    let post = ops.contains(&Op::Post);
    if (details && !post) || (post && ad_only) {
        return Err(RuleError::PostMixed);
    }
    if let Some(at) = ops.iter().position(|op| matches!(op, Op::Label { .. })) {
        if ops[at + 1..]
            .iter()
            .any(|op| !matches!(op, Op::Video | Op::WhileClass { .. }))
        {
            return Err(RuleError::LabelNotLast);
        }
    }
    Ok(Rule { domains, css, ops })
}

const OPERATORS: &[&str] = &[
    ":has-text(",
    ":matches-attr(",
    ":upward(",
    ":label(",
    ":video",
    ":while-class(",
    ":post",
    ":permalink(",
    ":author(",
    ":text(",
];

/// Walks a rule's text keeping track of brackets, quotes and `/regex/`
/// literals; yields each character with whether it stands at the top level
/// (outside all of them).
///
/// ```text
/// a[x="("]:upward(2)   top-level characters: a [ ] : u p w a r d ( )
/// ```
struct Scan<'a> {
    chars: std::str::CharIndices<'a>,
    stack: Vec<char>,
    quote: Option<char>,
    regex: bool,
    prev: char,
    broken: bool,
}

impl<'a> Scan<'a> {
    /// `prev` is what came before `s`: `'('` inside an argument, so a
    /// leading `/` opens a regex.
    fn new(s: &'a str, prev: char) -> Scan<'a> {
        Scan {
            chars: s.char_indices(),
            stack: Vec::new(),
            quote: None,
            regex: false,
            prev,
            broken: false,
        }
    }

    /// Whether every bracket, quote and regex closes.
    fn balanced(mut self) -> bool {
        for _ in &mut self {}
        !self.broken && self.stack.is_empty() && self.quote.is_none() && !self.regex
    }
}

impl Iterator for Scan<'_> {
    type Item = (usize, char, bool);

    fn next(&mut self) -> Option<(usize, char, bool)> {
        let (i, c) = self.chars.next()?;
        let top = self.stack.is_empty() && self.quote.is_none() && !self.regex;
        match (self.quote, c) {
            (Some(q), c) if c == q => self.quote = None,
            (Some(_), _) => {}
            _ if self.regex => self.regex = !(c == '/' && self.prev != '\\'),
            (None, '"' | '\'') => self.quote = Some(c),
            (None, '/') if matches!(self.prev, '(' | '=') => self.regex = true,
            (None, '(' | '[') => self.stack.push(c),
            (None, ')') => self.broken |= self.stack.pop() != Some('('),
            (None, ']') => self.broken |= self.stack.pop() != Some('['),
            _ => {}
        }
        self.prev = c;
        Some((i, c, top))
    }
}

/// Where the first procedural operator starts (at the top level).
fn find_operator(s: &str) -> usize {
    Scan::new(s, ' ')
        .find(|(i, c, top)| *top && *c == ':' && OPERATORS.iter().any(|op| s[*i..].starts_with(op)))
        .map_or(s.len(), |(i, ..)| i)
}

fn check_balanced(s: &str) -> Result<(), RuleError> {
    if Scan::new(s, ' ').balanced() {
        Ok(())
    } else {
        Err(RuleError::Unbalanced)
    }
}

/// Parses one operator at the start of `s`; returns it and what follows.
fn parse_op(s: &str) -> Result<(Op, &str), RuleError> {
    for (word, op) in [(":video", Op::Video), (":post", Op::Post)] {
        if let Some(after) = s.strip_prefix(word) {
            if after.is_empty() || after.starts_with(':') || after.starts_with(' ') {
                return Ok((op, after));
            }
        }
    }
    let unknown = || RuleError::UnknownOperator(s.chars().take(20).collect());
    // `:name(`: anything else after an operator (text, a stray `()`) is
    // an unknown operator, never a slice out of bounds.
    let name_end = s.find('(').ok_or_else(unknown)?;
    let name = s
        .get(1..name_end)
        .filter(|n| s.starts_with(':') && n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        .ok_or_else(unknown)?;
    let (arg, after) = split_argument(&s[name_end + 1..])?;
    let arg = arg.trim();
    let op = match name {
        "has-text" => Op::HasText {
            pattern: pattern(arg, "has-text")?,
        },
        "matches-attr" => {
            let (attr, value) = arg.split_once('=').ok_or(RuleError::BadArgument {
                op: "matches-attr",
                reason: Reason::NameValue,
            })?;
            let attr = attr.trim().trim_matches('"');
            if attr.is_empty()
                || !attr
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':')
            {
                return Err(RuleError::BadArgument {
                    op: "matches-attr",
                    reason: Reason::AttributeName,
                });
            }
            Op::MatchesAttr {
                name: attr.to_string(),
                pattern: pattern(value.trim(), "matches-attr")?,
            }
        }
        "upward" => match arg.parse::<u32>() {
            Ok(n) if (1..=64).contains(&n) => Op::UpwardBy { n },
            Ok(_) => {
                return Err(RuleError::BadArgument {
                    op: "upward",
                    reason: Reason::UpwardRange,
                })
            }
            Err(_) if !arg.is_empty() => Op::UpwardTo {
                selector: arg.to_string(),
            },
            Err(_) => {
                return Err(RuleError::BadArgument {
                    op: "upward",
                    reason: Reason::UpwardEmpty,
                })
            }
        },
        "label" => {
            let selectors: Vec<String> = split_top_level_commas(arg)
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if selectors.is_empty() {
                return Err(RuleError::BadArgument {
                    op: "label",
                    reason: Reason::NoLabelSelector,
                });
            }
            Op::Label { selectors }
        }
        "while-class" => {
            let class = arg.strip_prefix('.').unwrap_or(arg);
            if class.is_empty()
                || !class
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(RuleError::BadArgument {
                    op: "while-class",
                    reason: Reason::OneClass,
                });
            }
            Op::WhileClass {
                class: class.to_string(),
            }
        }
        "permalink" => {
            let (selector, attr) = selector_at(arg, "permalink")?;
            Op::Permalink {
                selector,
                attr: attr.unwrap_or_else(|| "href".into()),
            }
        }
        "author" => {
            let (selector, attr) = selector_at(arg, "author")?;
            Op::Author { selector, attr }
        }
        "text" => {
            let selectors: Vec<String> = split_top_level_commas(arg)
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if selectors.is_empty() {
                return Err(RuleError::BadArgument {
                    op: "text",
                    reason: Reason::NoTextSelector,
                });
            }
            Op::Text { selectors }
        }
        other => return Err(RuleError::UnknownOperator(format!(":{other}()"))),
    };
    Ok((op, after))
}

/// `selector` or `selector@attr` (the `@` outside brackets and quotes).
///
/// ```text
/// "a:has(time)"        -> ("a:has(time)", None)
/// ":scope@permalink"   -> (":scope", Some("permalink"))
/// "a[title=\"@x\"]"    -> ("a[title=\"@x\"]", None)
/// ```
fn selector_at(arg: &str, op: &'static str) -> Result<(String, Option<String>), RuleError> {
    let at = Scan::new(arg, ' ')
        .filter(|(_, c, top)| *top && *c == '@')
        .last()
        .map(|(i, ..)| i);
    let (selector, attr) = match at {
        Some(i) => (arg[..i].trim(), Some(arg[i + 1..].trim())),
        None => (arg, None),
    };
    if selector.is_empty() {
        return Err(RuleError::BadArgument {
            op,
            reason: Reason::EmptySelector,
        });
    }
    if let Some(a) = attr {
        if a.is_empty()
            || !a
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(RuleError::BadArgument {
                op,
                reason: Reason::AttributeAfterAt,
            });
        }
    }
    Ok((selector.to_string(), attr.map(String::from)))
}

/// Splits `arg) rest` at the parenthesis closing the argument.
fn split_argument(s: &str) -> Result<(&str, &str), RuleError> {
    Scan::new(s, '(')
        .find(|(_, c, top)| *top && *c == ')')
        .map(|(i, ..)| (&s[..i], &s[i + 1..]))
        .ok_or(RuleError::Unbalanced)
}

fn split_top_level_commas(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, ..) in Scan::new(s, ' ').filter(|(_, c, top)| *top && *c == ',') {
        parts.push(&s[start..i]);
        start = i + 1;
    }
    parts.push(&s[start..]);
    parts
}

/// `/re/flags`, `"text"` or bare text.
fn pattern(arg: &str, op: &'static str) -> Result<Pattern, RuleError> {
    if let Some(body) = arg.strip_prefix('/') {
        let end = body.rfind('/').ok_or(RuleError::BadArgument {
            op,
            reason: Reason::UnterminatedRegex,
        })?;
        let (source, flags) = (&body[..end], &body[end + 1..]);
        if source.is_empty() {
            return Err(RuleError::BadArgument {
                op,
                reason: Reason::EmptyRegex,
            });
        }
        if !flags.chars().all(|f| matches!(f, 'i' | 'u' | 's' | 'm')) {
            return Err(RuleError::BadArgument {
                op,
                reason: Reason::RegexFlags,
            });
        }
        return Ok(Pattern::Regex {
            source: source.to_string(),
            flags: flags.to_string(),
        });
    }
    let text = arg.trim_matches('"');
    if text.is_empty() {
        return Err(RuleError::BadArgument {
            op,
            reason: Reason::EmptyText,
        });
    }
    Ok(Pattern::Text(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_rules_parse() {
        let r = parse_rule(r#"facebook.com##div[role="feed"] > div:has(a[href*="/ads/about/"])"#)
            .unwrap();
        assert_eq!(
            r.css,
            r#"div[role="feed"] > div:has(a[href*="/ads/about/"])"#
        );
        assert!(r.ops.is_empty());
        let r = parse_rule(r#"facebook.com##a[href*="__cft__"]:matches-attr(href=/__cft__\[0\]=[^&]{290,}/):upward(div[role="feed"] > div)"#).unwrap();
        assert_eq!(r.css, r#"a[href*="__cft__"]"#);
        assert_eq!(
            r.ops,
            vec![
                Op::MatchesAttr {
                    name: "href".into(),
                    pattern: Pattern::Regex {
                        source: r"__cft__\[0\]=[^&]{290,}".into(),
                        flags: "".into()
                    }
                },
                Op::UpwardTo {
                    selector: r#"div[role="feed"] > div"#.into()
                },
            ]
        );
        let r = parse_rule("x.com,Twitter.com##article:has-text(/^Ad$/i):upward(2):label(span, [aria-label]):video").unwrap();
        assert_eq!(r.domains, vec!["x.com", "twitter.com"]);
        assert_eq!(r.ops.len(), 4);
        assert!(r.needs_label() && r.is_video());
        assert!(
            r.applies_to("mobile.twitter.com")
                && r.applies_to("x.com")
                && !r.applies_to("notx.com")
        );
    }

    #[test]
    fn bad_rules_say_why() {
        let err = |s: &str| parse_rule(s).unwrap_err();
        assert_eq!(err("x.com#article"), RuleError::NoSeparator);
        assert_eq!(err("##article"), RuleError::BadDomain("".into()));
        assert_eq!(err("x com##article"), RuleError::BadDomain("x com".into()));
        assert_eq!(err("x.com##:upward(2)"), RuleError::EmptySelector);
        assert_eq!(err("x.com##article[data-x"), RuleError::Unbalanced);
        assert_eq!(err("x.com##article:has-text(ad"), RuleError::Unbalanced);
        assert_eq!(
            err("x.com##article:upward(0)"),
            RuleError::BadArgument {
                op: "upward",
                reason: Reason::UpwardRange
            }
        );
        assert_eq!(
            err("x.com##article:label(span):upward(1)"),
            RuleError::LabelNotLast
        );
        assert_eq!(
            err("x.com##article:has-text(/a/g)"),
            RuleError::BadArgument {
                op: "has-text",
                reason: Reason::RegexFlags
            }
        );
        assert!(matches!(
            err("x.com##article:matches-attr(=x)"),
            RuleError::BadArgument { .. }
        ));
    }

    #[test]
    fn post_rules_name_items_and_what_of_them_is_kept() {
        let r = parse_rule(r#"x.com##article[data-testid="tweet"]:post:permalink(a[href*="/status/"]:has(time)):author([data-testid="User-Name"]):text([data-testid="tweetText"], div[lang])"#).unwrap();
        assert!(r.is_post() && !r.needs_label());
        assert_eq!(r.css, r#"article[data-testid="tweet"]"#);
        assert_eq!(
            r.ops[1..],
            [
                Op::Permalink {
                    selector: r#"a[href*="/status/"]:has(time)"#.into(),
                    attr: "href".into()
                },
                Op::Author {
                    selector: r#"[data-testid="User-Name"]"#.into(),
                    attr: None
                },
                Op::Text {
                    selectors: vec![r#"[data-testid="tweetText"]"#.into(), "div[lang]".into()]
                },
            ]
        );
        let r = parse_rule(
            "reddit.com##shreddit-post:post:permalink(:scope@permalink):author(:scope@author)",
        )
        .unwrap();
        assert_eq!(
            r.ops[1],
            Op::Permalink {
                selector: ":scope".into(),
                attr: "permalink".into()
            }
        );
        assert_eq!(
            r.ops[2],
            Op::Author {
                selector: ":scope".into(),
                attr: Some("author".into())
            }
        );
        let err = |s: &str| parse_rule(s).unwrap_err();
        assert_eq!(err("x.com##article:permalink(a)"), RuleError::PostMixed);
        assert_eq!(err("x.com##article:post:label(span)"), RuleError::PostMixed);
        assert_eq!(err("x.com##article:post:video"), RuleError::PostMixed);
        assert!(matches!(
            err("x.com##article:post:permalink(a@)"),
            RuleError::BadArgument {
                op: "permalink",
                ..
            }
        ));
        assert!(matches!(
            err("x.com##article:post:text()"),
            RuleError::BadArgument { op: "text", .. }
        ));
        assert!(matches!(
            err("x.com##article:poster"),
            RuleError::UnknownOperator(_)
        ));
    }

    #[test]
    fn an_element_can_be_an_ad_while_it_has_a_class() {
        let r =
            parse_rule("youtube.com##.html5-video-player:while-class(ad-showing):video").unwrap();
        assert_eq!(r.css, ".html5-video-player");
        assert_eq!(r.while_class(), Some("ad-showing"));
        assert!(r.is_video() && !r.needs_label() && !r.is_post());
        assert_eq!(
            serde_json::to_value(&r.ops[0]).unwrap(),
            serde_json::json!({"op": "while_class", "class": "ad-showing"}),
            "what the sensor reads"
        );
        let r = parse_rule("x.com##div:label(span):while-class(.promoted)").unwrap();
        assert_eq!(
            r.while_class(),
            Some("promoted"),
            "after :label, a leading dot"
        );
        assert_eq!(parse_rule("x.com##div").unwrap().while_class(), None);
        let err = |s: &str| parse_rule(s).unwrap_err();
        for bad in [
            "x.com##div:while-class()",
            "x.com##div:while-class(a b)",
            "x.com##div:while-class(a.b)",
        ] {
            assert_eq!(
                err(bad),
                RuleError::BadArgument {
                    op: "while-class",
                    reason: Reason::OneClass
                },
                "{bad}"
            );
        }
        assert_eq!(err("x.com##div:post:while-class(a)"), RuleError::PostMixed);
    }

    #[test]
    fn a_file_reports_every_bad_line_with_its_number() {
        let errors = parse_rules("! ok\nx.com##article\nx.com#a\n\nfoo##b\n").unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![3, 5]
        );
        assert_eq!(
            errors[0].to_string(),
            "line 3: expected `domains##selector`"
        );
    }

    #[test]
    fn own_rules_report_every_bad_line_with_its_number_and_reason() {
        let known = |d: &str| ["x.com", "facebook.com", "news.example.org"].contains(&d);
        let ok = parse_own_rules(
            "! mine\n\nfacebook.com##div.promo\nnews.example.org##aside.ad:video\n",
            known,
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].domains, vec!["news.example.org"]);
        let errors = parse_own_rules(
            "x.com##div.ad\nx.com#div\nevil.example##div\nx.com,evil.example##div\nx.com##article:post\nx.com##div:upward(0)\n! fine\n",
            known,
        )
        .unwrap_err();
        assert_eq!(
            errors,
            vec![
                LineError {
                    line: 2,
                    error: RuleError::NoSeparator
                },
                LineError {
                    line: 3,
                    error: RuleError::UnknownSite("evil.example".into())
                },
                LineError {
                    line: 4,
                    error: RuleError::UnknownSite("evil.example".into())
                },
                LineError {
                    line: 5,
                    error: RuleError::PostRule
                },
                LineError {
                    line: 6,
                    error: RuleError::BadArgument {
                        op: "upward",
                        reason: Reason::UpwardRange
                    }
                },
            ]
        );
        assert_eq!(
            errors[1].to_string(),
            "line 3: \"evil.example\" is not a site Thaman counts (the catalog's, or one you added)"
        );
    }

    #[test]
    fn own_rules_are_capped_in_count_and_length() {
        let known = |_: &str| true;
        let many: String = (0..=MAX_OWN_RULES)
            .map(|i| format!("x.com##div.ad{i}\n"))
            .collect();
        assert_eq!(
            parse_own_rules(&many, known).unwrap_err(),
            vec![LineError {
                line: MAX_OWN_RULES + 1,
                error: RuleError::TooManyRules
            }]
        );
        let just: String = (0..MAX_OWN_RULES)
            .map(|i| format!("x.com##div.ad{i}\n"))
            .collect();
        assert_eq!(parse_own_rules(&just, known).unwrap().len(), MAX_OWN_RULES);
        let long = format!("x.com##div[title=\"{}\"]", "a".repeat(MAX_OWN_LINE_CHARS));
        assert_eq!(
            parse_own_rules(&format!("x.com##div\n{long}"), known).unwrap_err(),
            vec![LineError {
                line: 2,
                error: RuleError::LineTooLong
            }]
        );
        let comment = format!("! {}\n", "c".repeat(MAX_OWN_LINE_CHARS - 3));
        let text = comment.repeat(MAX_OWN_CHARS / MAX_OWN_LINE_CHARS + 1);
        let errors = parse_own_rules(&text, known).unwrap_err();
        assert_eq!(
            errors,
            vec![LineError {
                line: MAX_OWN_CHARS / MAX_OWN_LINE_CHARS + 1,
                error: RuleError::TooLong
            }]
        );
        assert!(
            parse_own_rules(&comment.repeat(MAX_OWN_CHARS / MAX_OWN_LINE_CHARS), known).is_ok()
        );
    }

    #[test]
    fn own_rules_can_be_put_to_the_browser() {
        let r =
            parse_rule("x.com##a.ad:has-text(/^Ad$/i):upward(div.feed > div):label(span, :scope)")
                .unwrap();
        assert_eq!(
            r.selectors(),
            vec!["a.ad", "div.feed > div", "span", ":scope"]
        );
        assert_eq!(r.regexes(), vec![("^Ad$", "i")]);
        let refuse_bad = |rule: &Rule| match rule.selectors().iter().find(|s| s.contains("!!")) {
            Some(s) => Err(RuleError::BadSelector(s.to_string())),
            None => Ok(()),
        };
        assert_eq!(
            check_own_rules("x.com##div\nx.com##div!!", |_| true, refuse_bad).unwrap_err(),
            vec![LineError {
                line: 2,
                error: RuleError::BadSelector("div!!".into())
            }]
        );
    }
}
