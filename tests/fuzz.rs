//! Property-based fuzzing of the pure core: everything that decodes or
//! accumulates untrusted input (rules files, imports, sensor messages,
//! stored values) and the tracker fed by hostile pages and clocks.
//!
//! Each property runs 256 cases; `THAMAN_FUZZ_CASES=5000 cargo test
//! --test fuzz` runs a longer campaign (about two minutes on two cores).
//! Failures are not saved to disk (no `proptest-regressions/`).
//!
//! Bugs found here are kept as minimal `#[ignore]`d `bug_*` tests
//! (`cargo test --test fuzz -- --ignored` shows them failing). Until each
//! is fixed, the property that found it tolerates it through a
//! `TOLERATE_*` constant next to it; set that to `false` with the fix.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Map, Number, Value};

use thaman::attention::{Run, TabId, PULSE_MS};
use thaman::calendar::{Date, FixedZone};
use thaman::labels::Labels;
use thaman::ledger::{Day, DayRecord, Ledger};
use thaman::prompt::{Answer, Reason};
use thaman::protocol::SensorEvent;
use thaman::rules::{parse_rules, LineError, Op, Rule};
use thaman::settings::Settings;
use thaman::store::{self, DayRow, Export};
use thaman::tracker::Tracker;

#[path = "common/wire.rs"]
mod wire;

const SITES_TXT: &str = include_str!("../rules/sites.txt");
const LABELS_TXT: &str = include_str!("../rules/labels.txt");
const DAY_MS: f64 = 86_400_000.0;
const HOUR_MS: f64 = 3_600_000.0;

fn config() -> ProptestConfig {
    let cases = std::env::var("THAMAN_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------- shared generators

/// Floats a hostile sender would try, and ordinary ones.
fn hostile_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => prop::sample::select(vec![
            0.0, -0.0, -1.0, 0.3, 0.5, 1.0, 7.0, 86_400.0, 86_400.000_001, 90_000.0, 1e308, -1e308, f64::MAX, f64::MIN,
            f64::MIN_POSITIVE, 5e-324, f64::NAN, f64::INFINITY, f64::NEG_INFINITY,
        ]),
        2 => 0.0..86_400.0f64,
        1 => any::<f64>(),
    ]
}

/// A JSON number (or, for NaN and infinities, which JSON lacks, `null`).
fn json_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        hostile_f64().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (0u32..100).prop_map(Value::from),
    ]
}

/// Any JSON value, nested a little.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number(),
        prop_oneof![
            any::<String>(),
            "[a-z0-9:/._-]{0,12}",
            Just("NaN".to_string()),
            Just("1".to_string())
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{0,8}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// JSON number text that decodes as an `f64`, in range or wildly not.
fn f64_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "0", "-0", "1", "-1", "0.5", "86400", "86400.0000001", "90000", "1e308", "-1e308", "1e-400", "1E2", "2.5e1",
            "18446744073709551615", "18446744073709551616", "-9223372036854775809", "4294967296",
        ])
        .prop_map(str::to_string),
        2 => (0.0..86_400.0f64).prop_map(|f| f.to_string()),
        1 => any::<f64>().prop_map(|f| f.to_string()),
        1 => any::<i64>().prop_map(|i| i.to_string()),
    ]
}

/// Raw JSON number text, including what `f64` cannot hold (1e309) and
/// what JSON does not allow (NaN, 0x10, .5).
fn raw_number() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => f64_text(),
        1 => prop::sample::select(vec!["1e309", "-1e400", "00", "1.", ".5", "0x10", "NaN", "Infinity", "-Infinity", "+1"]).prop_map(str::to_string),
    ]
}

/// Raw JSON value text of the wrong kind.
fn raw_wrong() -> impl Strategy<Value = String> {
    prop_oneof![
        raw_number(),
        prop::sample::select(vec![
            "null",
            "true",
            "[]",
            "{}",
            "\"\"",
            "\"12\"",
            "[1,2]",
            "{\"a\":1}"
        ])
        .prop_map(str::to_string),
        any::<String>().prop_map(|s| Value::String(s).to_string()),
    ]
}

/// A JSON object from `(key, raw value)` pairs; duplicates are kept.
fn object(fields: Vec<(String, String)>) -> String {
    let body: Vec<String> = fields
        .into_iter()
        .map(|(k, v)| format!("{}:{v}", Value::String(k)))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// One field: a value of the right type (in range or not); when
/// `sloppy`, sometimes absent or one that cannot decode (`bad`, or any
/// wrong kind).
fn field(
    sloppy: bool,
    name: &'static str,
    good: Vec<&'static str>,
    bad: Vec<&'static str>,
) -> BoxedStrategy<Option<(String, String)>> {
    let named = move |v: String| Some((name.to_string(), v));
    let good = prop::sample::select(good).prop_map(move |v| named(v.to_string()));
    if !sloppy {
        return good.boxed();
    }
    let bad = if bad.is_empty() {
        raw_wrong().boxed()
    } else {
        prop_oneof![
            prop::sample::select(bad).prop_map(str::to_string),
            raw_wrong()
        ]
        .boxed()
    };
    prop_oneof![1 => Just(None), 6 => good, 1 => bad.prop_map(named)].boxed()
}

fn fields(
    parts: Vec<Option<(String, String)>>,
    extra: Option<(String, String)>,
) -> Vec<(String, String)> {
    parts.into_iter().flatten().chain(extra).collect()
}

fn extra_field() -> impl Strategy<Value = Option<(String, String)>> {
    prop_oneof![4 => Just(None), 1 => ("[a-z_]{1,8}", raw_wrong()).prop_map(Some)]
}

/// Deletes, inserts or duplicates characters (indices wrap), keeping UTF-8 valid.
#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, String),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn mutation(tokens: Vec<&'static str>) -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..6).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (
            any::<usize>(),
            prop_oneof![
                prop::sample::select(tokens).prop_map(str::to_string),
                any::<char>().prop_map(String::from)
            ]
        )
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
        (any::<usize>(), 1usize..20).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for m in mutations {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
        match m {
            Mutation::Delete(i, n) => {
                let i = at(*i, chars.len());
                let end = (i + n).min(chars.len());
                chars.drain(i..end);
            }
            Mutation::Insert(i, s) => {
                let i = at(*i, chars.len());
                chars.splice(i..i, s.chars());
            }
            Mutation::Duplicate(i, n) => {
                let i = at(*i, chars.len());
                let piece: Vec<char> = chars[i..(i + n).min(chars.len())].to_vec();
                chars.splice(i..i, piece);
            }
            Mutation::Truncate(i) => chars.truncate(at(*i, chars.len())),
        }
    }
    chars.into_iter().collect()
}

// ---------------------------------------------------------------- 1. rules parser

/// The rule lines of the shipped rules file.
fn real_rule_lines() -> Vec<&'static str> {
    SITES_TXT
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('!'))
        .collect()
}

const RULE_TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "\"",
    "'",
    "/",
    "\\",
    ":",
    ",",
    "#",
    "##",
    "!",
    " ",
    "\t",
    "=",
    "é",
    "ن",
    "𝔸",
    "\u{200B}",
    "\r",
    ":video",
    ":upward(",
    ":upward(2)",
    ":label(",
    ":label(span)",
    ":has-text(",
    ":has-text(/Ad/i)",
    ":matches-attr(",
    "()",
    "é(",
    ")(",
    ":scope",
    "x.com",
    ",",
    "/i",
    "/g",
];

/// A rules line assembled from grammar pieces, right or nearly right.
fn rule_like_line() -> impl Strategy<Value = String> {
    let domains = prop::sample::select(vec![
        "x.com",
        "facebook.com",
        "x.com,twitter.com",
        "X.COM",
        "",
        "x com",
        ".x.com",
        "a",
        "é.com",
    ]);
    let sep = prop::sample::select(vec!["##", "#", "###", "## ", ""]);
    let css = prop::sample::select(vec![
        "div",
        "article",
        "a[href*=\"/ads/\"]",
        "div[role=\"feed\"] > div",
        "",
        " ",
        "a[x=\"(\"]",
        "[",
        "\"",
    ]);
    let op = prop::sample::select(vec![
        ":video",
        ":video ",
        ":upward(2)",
        ":upward(0)",
        ":upward(65)",
        ":upward(div)",
        ":upward()",
        ":label(span, svg)",
        ":label()",
        ":label(,)",
        ":has-text(/Ad/i)",
        ":has-text(/Ad/g)",
        ":has-text(//)",
        ":has-text(/a)",
        ":has-text(Ad)",
        ":has-text(\"\")",
        ":matches-attr(href=/x/)",
        ":matches-attr(=x)",
        ":matches-attr(h ref=x)",
        ":unknown(x)",
        ":video:video",
        "()",
        "é(",
        "é()",
        " ()",
        " x()",
        ")",
        "(",
        "\"",
        "/",
        " ",
        ":",
        "::video",
        ":has(a)",
    ]);
    (domains, sep, css, prop::collection::vec(op, 0..5))
        .prop_map(|(d, s, c, ops)| format!("{d}{s}{c}{}", ops.concat()))
}

/// Known bug (`bug_rules_text_after_an_operator_panics`) the rules
/// properties tolerate, so they stay green until the fix; set to `false`
/// then. Tolerated panics are string-slicing panics raised in `src/rules.rs`.
const TOLERATE_RULES_SLICE_PANIC: bool = false;

/// `parse_rules`, with the known slicing panic turned into `None` (and
/// kept off stderr) while it is tolerated.
fn parse_rules_tolerant(text: &str) -> Option<Result<Vec<Rule>, Vec<LineError>>> {
    if !TOLERATE_RULES_SLICE_PANIC {
        return Some(parse_rules(text));
    }
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info
                .location()
                .is_some_and(|l| l.file().ends_with("rules.rs"))
            {
                default(info);
            }
        }));
    });
    match std::panic::catch_unwind(|| parse_rules(text)) {
        Ok(outcome) => Some(outcome),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            if msg.contains("when slicing") || msg.contains("char boundary") {
                None
            } else {
                std::panic::resume_unwind(payload)
            }
        }
    }
}

/// What every outcome of `parse_rules` must satisfy, whatever the text.
fn check_rules(text: &str) -> Result<(), TestCaseError> {
    let lines: Vec<&str> = text.lines().collect();
    let significant: Vec<usize> = (0..lines.len())
        .filter(|i| !lines[*i].trim().is_empty() && !lines[*i].trim().starts_with('!'))
        .map(|i| i + 1)
        .collect();
    let Some(outcome) = parse_rules_tolerant(text) else {
        return Ok(());
    };
    match outcome {
        Ok(rules) => {
            prop_assert_eq!(rules.len(), significant.len());
            for rule in &rules {
                prop_assert!(!rule.domains.is_empty());
                prop_assert!(rule
                    .domains
                    .iter()
                    .all(|d| d.contains('.') && !d.starts_with('.') && !d.ends_with('.')));
                prop_assert!(!rule.css.is_empty() && rule.css.trim() == rule.css);
                if let Some(at) = rule
                    .ops
                    .iter()
                    .position(|op| matches!(op, Op::Label { .. }))
                {
                    prop_assert!(
                        rule.ops[at + 1..].iter().all(|op| *op == Op::Video),
                        "label not last: {:?}",
                        rule
                    );
                }
                if let Some(n) = rule.ops.iter().find_map(|op| {
                    if let Op::UpwardBy { n } = op {
                        Some(*n)
                    } else {
                        None
                    }
                }) {
                    prop_assert!((1..=64).contains(&n));
                }
            }
        }
        Err(errors) => {
            prop_assert!(!errors.is_empty());
            for e in &errors {
                prop_assert!(
                    e.line >= 1 && e.line <= lines.len(),
                    "line {} of {}",
                    e.line,
                    lines.len()
                );
                prop_assert!(
                    significant.contains(&e.line),
                    "line {} is blank or a comment",
                    e.line
                );
                prop_assert!(parse_rules_tolerant(lines[e.line - 1]).is_none_or(|r| r.is_err()));
                let _ = e.to_string();
            }
            prop_assert!(
                errors.windows(2).all(|w| w[0].line < w[1].line),
                "one error per line, in order"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary text never panics the parser; a refusal names only
    /// non-blank, non-comment lines that exist, once each, in order.
    #[test]
    fn rules_arbitrary_text(text in prop_oneof![any::<String>(), "[ -~\\n]{0,120}", "[#:()\\[\\]\"'/a-z.,\\n ]{0,80}"]) {
        check_rules(&text)?;
    }

    /// Lines built from the grammar's pieces (right, wrong, and in odd
    /// orders) never panic the parser.
    #[test]
    fn rules_grammar_pieces(lines in prop::collection::vec(rule_like_line(), 1..6)) {
        check_rules(&lines.join("\n"))?;
    }

    /// Real rules from `rules/sites.txt`, mutated, never panic the parser.
    #[test]
    fn rules_mutated_real_lines(
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..5),
        mutations in prop::collection::vec(mutation(RULE_TOKENS.to_vec()), 1..6),
        crlf in any::<bool>(),
    ) {
        let real = real_rule_lines();
        let text = picks.iter().map(|i| *i.get(&real)).collect::<Vec<_>>().join(if crlf { "\r\n" } else { "\n" });
        check_rules(&mutate(&text, &mutations))?;
    }
}

/// Bug: an operator followed by text that does not start with `:` makes
/// `parse_op` slice `&s[1..name_end]` with `name_end == 0` (`()`), or in
/// the middle of a multi-byte character (`é(`).
#[test]
fn fixed_rules_text_after_an_operator_panics() {
    for line in [
        "x.com##a:video ()",
        "x.com##a:upward(2)()",
        "x.com##a:upward(2)é()",
    ] {
        let outcome = std::panic::catch_unwind(|| parse_rules(line));
        assert!(
            matches!(outcome, Ok(Err(_))),
            "{line:?} should be refused, not panic"
        );
    }
}

// ---------------------------------------------------------------- 2. import

/// An export as JSON text: right shape, hostile values; half the time
/// `sloppy` (fields missing or of the wrong type).
fn export_text() -> BoxedStrategy<String> {
    any::<bool>().prop_flat_map(export_text_with).boxed()
}

fn export_text_with(sloppy: bool) -> BoxedStrategy<String> {
    let field = move |name, good, bad| field(sloppy, name, good, bad);
    let seconds = move |name: &'static str| {
        let named = move |v: String| Some((name.to_string(), v));
        let sane = prop_oneof![
            Just("0".to_string()),
            Just("86400".to_string()),
            (0.0..86_400.0f64).prop_map(|f| f.to_string())
        ];
        let bad =
            prop::sample::select(vec!["1e309", "NaN", "\"1\"", "null"]).prop_map(str::to_string);
        prop_oneof![
            20 => sane.prop_map(named),
            10 => f64_text().prop_map(named),
            if sloppy { 2 } else { 0 } => bad.prop_map(named),
            if sloppy { 2 } else { 0 } => Just(None),
        ]
    };
    let settings = (
        (
            field(
                "idle_threshold_seconds",
                vec!["15", "60", "600", "14", "601", "0", "4294967295"],
                vec!["-1", "60.5", "4294967296"],
            ),
            field(
                "day_start_hour",
                vec!["0", "4", "6", "7", "255"],
                vec!["256", "-1"],
            ),
            field(
                "region",
                vec![
                    "null",
                    "\"us_canada\"",
                    "\"europe\"",
                    "\"asia_pacific\"",
                    "\"rest_of_world\"",
                    "\"global\"",
                ],
                vec!["\"mars\""],
            ),
            field(
                "currency",
                vec![
                    "\"USD\"",
                    "\"EUR\"",
                    "\"usd\"",
                    "\"\"",
                    "\"EURO\"",
                    "\"€€\"",
                ],
                vec![],
            ),
            field(
                "usd_rate",
                vec!["1", "1.0", "0.92", "0", "-1", "2", "1e308", "5e-324"],
                vec!["1e309"],
            ),
        ),
        (
            field(
                "cpm_overrides",
                vec![
                    "{}",
                    "{\"x\":9.5}",
                    "{\"myspace\":1}",
                    "{\"x\":-1}",
                    "{\"x\":1001}",
                    "{\"custom:a.b\":3}",
                    "{\"\":1}",
                ],
                vec!["{\"x\":\"9\"}"],
            ),
            field(
                "prompt_minutes",
                vec!["0", "10", "60", "61", "4294967295"],
                vec!["-1"],
            ),
            field("prompt_daily_cap", vec!["1", "6", "50", "0", "51"], vec![]),
            extra_field(),
        ),
    )
        .prop_map(|((a, b, c, d, e), (f, g, h, x))| object(fields(vec![a, b, c, d, e, f, g, h], x)))
        .boxed();
    let row = (
        (
            field(
                "date",
                vec![
                    "\"2026-11-23\"",
                    "\"2026-11-22\"",
                    "\"2024-02-29\"",
                    "\"0000-01-01\"",
                    "\"9999-12-31\"",
                ],
                vec!["\"2026-02-29\"", "\"2026-1-1\"", "\"\"", "\"+026-01-01\""],
            ),
            field(
                "site",
                vec![
                    "\"x\"",
                    "\"facebook\"",
                    "\"reddit\"",
                    "\"myspace\"",
                    "\"X\"",
                    "\"custom:news.example.org\"",
                    "\"custom:\"",
                    "\"custom:A B\"",
                ],
                vec![],
            ),
            seconds("attention_seconds"),
            seconds("useful_seconds"),
        ),
        (
            field(
                "ads_rendered",
                vec!["0", "3", "18446744073709551615"],
                vec!["-1", "1.5", "18446744073709551616"],
            ),
            field(
                "ads_viewable",
                vec!["0", "2", "18446744073709551615"],
                vec!["-1", "1.5"],
            ),
            field(
                "take",
                vec![
                    "null",
                    "{\"low\":1,\"typical\":2,\"high\":3}",
                    "{\"low\":-1e308,\"typical\":0,\"high\":1e308}",
                ],
                vec!["{\"low\":\"x\"}"],
            ),
            field(
                "reasons",
                vec![
                    "{}",
                    "{\"learned\":2}",
                    "{\"bogus\":1}",
                    "{\"reach\":4294967295}",
                ],
                vec!["{\"learned\":-1}"],
            ),
            extra_field(),
        ),
    )
        .prop_map(|((a, b, c, d), (e, f, g, h, x))| object(fields(vec![a, b, c, d, e, f, g, h], x)))
        .boxed();
    let rows = prop::collection::vec(row, 0..6).prop_flat_map(|rows| {
        // Sometimes a row twice, to test duplicates.
        let n = rows.len();
        (Just(rows), prop::option::of(0..n.max(1))).prop_map(move |(mut rows, dup)| {
            if let Some(i) = dup.filter(|_| n > 0) {
                rows.push(rows[i].clone());
            }
            format!("[{}]", rows.join(","))
        })
    });
    (
        prop_oneof![8 => Just(Some(("schema".to_string(), "1".to_string()))), 1 => field("schema", vec!["0", "2", "4294967295"], vec!["4294967296", "-1", "1.5"])],
        field("exported_at", vec!["\"2026-11-23T00:00:00.000Z\"", "\"\""], vec![]),
        prop_oneof![
            20 => Just(Some(("settings".to_string(), r#"{"idle_threshold_seconds":30,"currency":"EUR","usd_rate":0.9,"cpm_overrides":{"x":4}}"#.to_string()))),
            10 => settings.prop_map(|s| Some(("settings".to_string(), s))),
            1 => field("settings", vec!["{}"], vec!["null"]),
        ],
        prop_oneof![30 => rows.prop_map(|r| Some(("days".to_string(), r))), 1 => field("days", vec!["[]"], vec!["{}"])],
        extra_field(),
    )
        .prop_map(|(a, b, c, d, x)| object(fields(vec![a, b, c, d], x)))
        .boxed()
}

/// A ledger and settings to import over: valid, non-default.
fn seeded() -> impl Strategy<Value = (Ledger, Settings)> {
    let rec =
        (0.0..86_400_000.0f64, 0.0..1.0f64, 0u64..50, 0u64..50).prop_map(|(att, frac, r, v)| {
            DayRecord {
                attention_ms: att,
                useful_ms: att * frac,
                ads_rendered: r.max(v),
                ads_viewable: v.min(r),
                ..DayRecord::default()
            }
        });
    let entry = (
        prop::sample::select(vec!["2026-11-22", "2026-11-23", "2024-02-29"]),
        prop::sample::select(vec!["x", "reddit", "custom:a.b"]),
        rec,
    );
    (prop::collection::vec(entry, 0..5), 15u32..=600, 0u8..=6).prop_map(|(entries, idle, hour)| {
        let mut ledger = Ledger::default();
        for (date, site, rec) in entries {
            *ledger.record_mut(date.parse().unwrap(), site) = rec;
        }
        (
            ledger,
            Settings {
                idle_threshold_seconds: idle,
                day_start_hour: hour,
                ..Settings::default()
            },
        )
    })
}

/// Applies `export` over a seeded ledger and settings and checks the
/// all-or-nothing contract.
fn check_import(
    export: &Export,
    ledger: &Ledger,
    settings: &Settings,
) -> Result<(), TestCaseError> {
    let (mut l, mut s) = (ledger.clone(), settings.clone());
    let valid = store::validate(export);
    match store::apply(export, &mut l, &mut s) {
        Err(e) => {
            prop_assert_eq!(Err(e.clone()), valid);
            let _ = e.to_string();
            prop_assert_eq!(&l, ledger, "a refused import changed the ledger");
            prop_assert_eq!(&s, settings, "a refused import changed the settings");
        }
        Ok(touched) => {
            prop_assert!(valid.is_ok());
            prop_assert!(s.validate().is_ok());
            prop_assert_eq!(&s, &export.settings);
            for row in &export.days {
                prop_assert!(touched.contains(&row.date));
                prop_assert_eq!(
                    l.record(row.date, &row.site).attention_ms,
                    row.attention_seconds * 1000.0
                );
            }
            for (date, site, rec) in ledger.rows() {
                if !export.days.iter().any(|r| r.date == date && r.site == site) {
                    prop_assert_eq!(
                        &l.record(date, site),
                        rec,
                        "{} {}: a record the import does not name changed",
                        date,
                        site
                    );
                }
            }
            for (date, site, rec) in l.rows() {
                prop_assert!(
                    rec.useful_ms.is_finite() && rec.attention_ms.is_finite(),
                    "{date} {site}: {rec:?}"
                );
                prop_assert!(
                    0.0 <= rec.useful_ms
                        && rec.useful_ms <= rec.attention_ms
                        && rec.attention_ms <= DAY_MS,
                    "{date} {site}: {rec:?}"
                );
            }
        }
    }
    Ok(())
}

/// An export built in Rust, with what JSON cannot carry (NaN, infinities).
fn export_direct() -> impl Strategy<Value = Export> {
    let row = (
        prop_oneof![
            prop::sample::select(vec!["2026-11-22", "2026-11-23"])
                .prop_map(|d| d.parse::<Date>().unwrap()),
            // 0000-01-01 ..= 9999-12-31: what `YYYY-MM-DD` can write.
            (-719_528i64..=2_932_896).prop_map(Date::from_days),
        ],
        prop::sample::select(vec!["x", "reddit", "myspace", "custom:a.b", "custom:"]),
        hostile_f64(),
        hostile_f64(),
        any::<u64>(),
        any::<u64>(),
    )
        .prop_map(|(date, site, att, useful, r, v)| {
            let mut row = DayRow::new(date, site, &DayRecord::default());
            (
                row.attention_seconds,
                row.useful_seconds,
                row.ads_rendered,
                row.ads_viewable,
            ) = (att, useful, r, v);
            row
        });
    (
        prop::sample::select(vec![0u32, 1, 1, 1, 2, u32::MAX]),
        prop::collection::vec(row, 0..5),
        hostile_f64(),
        0u8..=8,
    )
        .prop_map(|(schema, days, rate, hour)| Export {
            schema,
            exported_at: String::new(),
            settings: Settings {
                usd_rate: if rate == 0.0 { 1.0 } else { rate },
                currency: if rate == 1.0 {
                    "USD".into()
                } else {
                    "EUR".into()
                },
                day_start_hour: hour,
                ..Settings::default()
            },
            days,
            finds: Vec::new(),
        })
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary text never panics the export decoder.
    #[test]
    fn import_arbitrary_text(text in prop_oneof![any::<String>(), "[{}\\[\\]\":,0-9a-z_ .-]{0,120}"], seed in seeded()) {
        if let Ok(export) = serde_json::from_str::<Export>(&text) {
            check_import(&export, &seed.0, &seed.1)?;
        }
    }

    /// Well-shaped exports with hostile values (negative, 1e308, 1e309,
    /// u64 overflow, unknown sites, duplicate rows, wrong types, unknown
    /// fields), and mutations of them: decoding never panics; a refused
    /// import changes nothing; an accepted one leaves only valid rows
    /// (0 ≤ useful ≤ attention ≤ 86400 s) and valid settings.
    #[test]
    fn import_hostile_json(
        text in export_text(),
        mutations in prop_oneof![4 => Just(vec![]), 1 => prop::collection::vec(mutation(vec!["{", "}", "[", "]", "\"", ",", ":", "1e309", "-", "null"]), 1..3)],
        seed in seeded(),
    ) {
        let text = if mutations.is_empty() { text } else { mutate(&text, &mutations) };
        if let Ok(export) = serde_json::from_str::<Export>(&text) {
            check_import(&export, &seed.0, &seed.1)?;
        }
    }

    /// Exports built in Rust with NaN, infinities, and out-of-range dates
    /// and counts obey the same contract.
    #[test]
    fn import_hostile_values(export in export_direct(), seed in seeded()) {
        check_import(&export, &seed.0, &seed.1)?;
        // What was accepted also survives the JSON round trip.
        if store::validate(&export).is_ok() {
            let text = serde_json::to_string(&export).unwrap();
            let back: Export = serde_json::from_str(&text).unwrap();
            prop_assert!(store::validate(&back).is_ok(), "{}", text);
        }
    }
}

/// Validation gap: `validate` checks durations but not ad counts, so an
/// import may carry more viewable ads than rendered ones, and counts so
/// large that the next ad overflows `Ledger::add_ads` (a panic in debug
/// builds, a silent wrap to 0 in release).
#[test]
fn fixed_import_accepts_impossible_ad_counts() {
    let text = r#"{"schema":1,"exported_at":"","settings":{},
        "days":[{"date":"2026-11-23","site":"x","attention_seconds":1,"ads_rendered":18446744073709551615,"ads_viewable":18446744073709551615},
                {"date":"2026-11-22","site":"x","attention_seconds":1,"ads_rendered":0,"ads_viewable":5}]}"#;
    let export: Export = serde_json::from_str(text).unwrap();
    assert!(
        store::validate(&export).is_err(),
        "0 rendered but 5 viewable, and u64::MAX ads, should be refused"
    );
}

// ---------------------------------------------------------------- 3. sensor messages

const EVENT_TYPES: &[&str] = &[
    "hello",
    "visibility",
    "focus",
    "input",
    "media",
    "heartbeat",
    "slot",
    "view",
    "gone",
    "shortcut",
    "post",
    "placed",
];
const EVENT_FIELDS: &[&str] = &[
    "url", "visible", "focused", "media", "idle_ms", "typing", "playing", "id", "rule", "labels",
    "ratio", "area", "ask", "author", "text", "inline", "bottom",
];

/// A value for one sensor field: the right kind (with hostile numbers), or not.
fn sensor_field_value(name: &'static str) -> BoxedStrategy<Value> {
    let right: BoxedStrategy<Value> = match name {
        "url" => prop::sample::select(vec![
            "https://x.com/home",
            "https://www.facebook.com/",
            "http://",
            "chrome://x",
            "",
            "https://u:p@m.youtube.com:1/",
            "https://x.com/a/status/1?s=20",
            "javascript:alert(1)",
            "https://evil.example/x.com",
        ])
        .prop_map(Value::from)
        .boxed(),
        "author" | "text" => any::<String>().prop_map(Value::from).boxed(),
        "visible" | "focused" | "media" | "typing" | "playing" => {
            any::<bool>().prop_map(Value::Bool).boxed()
        }
        "labels" => prop::collection::vec(
            prop_oneof![
                Just("Sponsored".to_string()),
                Just("إعلان".to_string()),
                any::<String>()
            ],
            0..20,
        )
        .prop_map(|v| json!(v))
        .boxed(),
        _ => json_number().boxed(),
    };
    prop_oneof![
        12 => right,
        1 => json_number().prop_map(|n| Value::String(n.to_string())),
        1 => json_value(),
    ]
    .boxed()
}

/// The fields of each event type (as the sensor sends them).
fn fields_of(ty: &str) -> &'static [&'static str] {
    match ty {
        "hello" => &["url", "visible", "focused", "media", "idle_ms"],
        "visibility" => &["visible"],
        "focus" => &["focused"],
        "input" => &["typing"],
        "media" => &["playing"],
        "slot" => &["id", "rule", "labels"],
        "view" => &["id", "ratio", "area"],
        "gone" => &["id"],
        "post" => &["ask", "url", "author", "text"],
        "placed" => &["inline", "bottom"],
        _ => &[],
    }
}

/// A sensor message: mostly a real `type` with its own fields (each
/// sometimes missing, of the wrong kind, or hostile), sometimes a fake
/// type or stray fields.
fn sensor_json() -> BoxedStrategy<Value> {
    let typed = prop::sample::select(EVENT_TYPES.to_vec()).prop_flat_map(|ty| {
        let own: Vec<_> = fields_of(ty)
            .iter()
            .map(|k| prop::option::weighted(0.9, sensor_field_value(k).prop_map(move |v| (*k, v))))
            .collect();
        (Just(ty), own)
    });
    let stray = prop::collection::vec(
        prop::sample::select(EVENT_FIELDS.to_vec())
            .prop_flat_map(|k| (Just(k), sensor_field_value(k))),
        0..3,
    );
    let ty = prop_oneof![
        1 => prop::sample::select(vec!["Hello", "", "launch_missiles", "type"]).prop_map(Value::from),
        1 => json_value(),
    ];
    prop_oneof![
        8 => (typed, prop::option::weighted(0.1, stray.clone())).prop_map(|((ty, own), stray)| {
            let mut m = Map::new();
            m.insert("type".into(), Value::from(ty));
            for (k, v) in own.into_iter().flatten().chain(stray.into_iter().flatten()) {
                m.insert(k.to_string(), v);
            }
            Value::Object(m)
        }),
        1 => (prop::option::of(ty), stray).prop_map(|(ty, stray)| {
            let mut m: Map<String, Value> = stray.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            if let Some(ty) = ty {
                m.insert("type".into(), ty);
            }
            Value::Object(m)
        }),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(config())]

    /// Decoding any JSON value as a sensor event never panics; what
    /// decodes has the variant its `type` names, and gains no unknown
    /// fields (one more unknown field is refused).
    #[test]
    fn sensor_decoding(v in prop_oneof![4 => sensor_json(), 1 => json_value()]) {
        let Ok(event) = serde_json::from_value::<SensorEvent>(wire::to_core(&v)) else { return Ok(()) };
        let ty = v["type"].as_str().unwrap_or_default();
        let named = match &event {
            SensorEvent::Hello { .. } => "hello",
            SensorEvent::Visibility { .. } => "visibility",
            SensorEvent::Focus { .. } => "focus",
            SensorEvent::Input { .. } => "input",
            SensorEvent::Media { .. } => "media",
            SensorEvent::Heartbeat {} => "heartbeat",
            SensorEvent::Slot { .. } => "slot",
            SensorEvent::View { .. } => "view",
            SensorEvent::Playing { .. } => "playing",
            SensorEvent::Gone { .. } => "gone",
            SensorEvent::Shortcut {} => "shortcut",
            SensorEvent::Post { .. } => "post",
            SensorEvent::NoPost { .. } => "no_post",
            SensorEvent::Known(_) => "known",
            SensorEvent::Placed { .. } => "placed",
            SensorEvent::Fold { .. } => "fold",
            SensorEvent::ClickSeen { .. } => "click_seen",
            SensorEvent::Covered {} => "covered",
            SensorEvent::Batch { .. } => "batch",
        };
        prop_assert_eq!(ty, named);
        let mut more = v.clone();
        more.as_object_mut().unwrap().insert("zz_unknown".into(), json!(1));
        prop_assert!(serde_json::from_value::<SensorEvent>(wire::to_core(&more)).is_err(), "unknown field accepted: {}", v);
    }

    /// Whatever decodes can be fed to the tracker without a panic, before
    /// or after a hello.
    #[test]
    fn sensor_decoded_events_feed_the_tracker(vs in prop::collection::vec(sensor_json(), 1..30)) {
        let zone = FixedZone(0);
        let mut t = tracker(Settings::default());
        let mut now = 1_795_000_000_000.0;
        for v in vs {
            if let Ok(event) = serde_json::from_value::<SensorEvent>(wire::to_core(&v)) {
                let _ = t.sensor(1, event, now, &zone);
                let _ = t.overlay_state(1, now, &zone);
            }
            now += 700.0;
        }
    }
}

// ---------------------------------------------------------------- 4. tracker

fn tracker(settings: Settings) -> Tracker {
    let rules = parse_rules(SITES_TXT).expect("shipped rules parse");
    let labels = Labels::parse(LABELS_TXT).expect("shipped labels parse");
    Tracker::new(settings, Ledger::default(), None, &FixedZone(0)).with_rules(rules, labels)
}

/// One thing that happens to the tracker.
#[derive(Debug, Clone)]
enum Act {
    Sensor(TabId, SensorEvent),
    Tick,
    Locked(bool),
    Closed(TabId),
    Answer(TabId, Answer, Vec<Reason>),
    /// The person scrolls: an input every second for this many seconds.
    Busy(TabId, u8),
}

/// An act `dt` ms after the previous one, `repeat` times at that instant.
#[derive(Debug, Clone)]
struct Step {
    dt: f64,
    act: Act,
    repeat: u16,
}

fn tab() -> impl Strategy<Value = TabId> {
    prop_oneof![16 => Just(1i64), 6 => 2i64..4, 1 => prop::sample::select(vec![0, 99, -1, i64::MIN, i64::MAX])]
}

fn sensor_event() -> BoxedStrategy<SensorEvent> {
    let url = prop::sample::select(vec![
        "https://x.com/home",
        "https://x.com/home",
        "https://www.facebook.com/",
        "https://www.reddit.com/r/all",
        "https://m.youtube.com/watch",
        "https://www.example.com/",
        "chrome://extensions",
        "https://u:p@x.com:8443/",
        "https://",
    ]);
    let idle = prop_oneof![3 => Just(None), 1 => hostile_f64().prop_map(Some), 1 => (0.0..120_000.0f64).prop_map(Some)];
    let label = prop_oneof![
        prop::sample::select(vec![
            "Sponsored",
            "إعلان",
            "Ad",
            "Promoted",
            "Just a post",
            ""
        ])
        .prop_map(str::to_string),
        any::<String>(),
    ];
    let slot_id = prop_oneof![4 => 0u32..6, 1 => any::<u32>()];
    let ratio =
        prop_oneof![2 => prop::sample::select(vec![0.0, 0.3, 0.5, 1.0]), 1 => hostile_f64()];
    let area =
        prop_oneof![2 => prop::sample::select(vec![0.0, 90_000.0, 300_000.0]), 1 => hostile_f64()];
    prop_oneof![
        2 => (url, any::<bool>(), any::<bool>(), any::<bool>(), idle, any::<bool>()).prop_map(|(url, visible, focused, media, idle_ms, reconnected)| SensorEvent::Hello {
            url: url.to_string(), visible, focused, media, idle_ms, reconnected }),
        1 => any::<bool>().prop_map(|visible| SensorEvent::Visibility { visible }),
        1 => any::<bool>().prop_map(|focused| SensorEvent::Focus { focused }),
        6 => prop::bool::weighted(0.1).prop_map(|typing| SensorEvent::Input { typing }),
        1 => any::<bool>().prop_map(|playing| SensorEvent::Media { playing }),
        6 => Just(SensorEvent::Heartbeat {}),
        2 => (slot_id.clone(), prop_oneof![4 => 0u32..12, 1 => any::<u32>()], prop::collection::vec(label, 0..3))
            .prop_map(|(id, rule, labels)| SensorEvent::Slot { id, rule, labels }),
        3 => (slot_id.clone(), ratio, area).prop_map(|(id, ratio, area)| SensorEvent::View { id, ratio, area }),
        1 => slot_id.prop_map(|id| SensorEvent::Gone { id }),
        1 => Just(SensorEvent::Shortcut {}),
        1 => (hostile_f64(), hostile_f64()).prop_map(|(inline, bottom)| SensorEvent::Placed { inline, bottom }),
        1 => (0u32..4, prop::sample::select(vec!["https://x.com/a/status/1", "https://www.reddit.com/r/x/", "javascript:x", "https://evil.example/"]), any::<String>())
            .prop_map(|(ask, url, text)| SensorEvent::Post { ask, url: url.to_string(), author: text.clone(), text }),
    ]
    .boxed()
}

fn act() -> BoxedStrategy<Act> {
    prop_oneof![
        20 => (tab(), sensor_event()).prop_map(|(tab, e)| Act::Sensor(tab, e)),
        2 => Just(Act::Tick),
        1 => any::<bool>().prop_map(Act::Locked),
        1 => tab().prop_map(Act::Closed),
        2 => (tab(), prop::sample::select(vec![Answer::Useful, Answer::Useful, Answer::NotUseful, Answer::Later]),
              prop::collection::vec(prop::sample::select(vec![Reason::Learned, Reason::Work, Reason::People, Reason::Reach]), 0..5))
            .prop_map(|(tab, a, r)| Act::Answer(tab, a, r)),
        3 => (tab(), 1u8..90).prop_map(|(tab, secs)| Act::Busy(tab, secs)),
    ]
    .boxed()
}

/// Steps forward in time: mostly sub-second to heartbeat-sized, sometimes
/// a sleep, sometimes days.
fn forward_dt() -> impl Strategy<Value = f64> {
    prop_oneof![10 => 0.0..6_000.0f64, 2 => Just(0.0), 1 => 6_000.0..400_000.0f64, 1 => (1.0..3.0f64).prop_map(|d| d * DAY_MS)]
}

/// Steps that also go back: clock corrections, small and large.
fn any_dt() -> impl Strategy<Value = f64> {
    prop_oneof![10 => forward_dt(), 1 => -20_000.0..0.0f64, 1 => (-3.0..0.0f64).prop_map(|d| d * DAY_MS)]
}

fn steps(dt: BoxedStrategy<f64>) -> impl Strategy<Value = Vec<Step>> {
    let repeat = prop_oneof![30 => Just(1u16), 1 => 20u16..300];
    prop::collection::vec(
        (dt, act(), repeat).prop_map(|(dt, act, repeat)| Step { dt, act, repeat }),
        1..160,
    )
}

/// The person's settings and zone for one run, and a start a little
/// before a local day boundary, so days roll over in many runs.
#[derive(Debug, Clone)]
struct Setup {
    offset_min: i32,
    settings: Settings,
    t0: f64,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        -720i32..=840,
        0u8..=6,
        prop::sample::select(vec![0u32, 1, 1, 2, 10]),
        prop::sample::select(vec![15u32, 60, 600]),
        0.0..600_000.0f64,
        20_000i64..22_000,
    )
        .prop_map(|(offset_min, hour, prompt, idle, lead, day)| {
            let boundary =
                day as f64 * DAY_MS - f64::from(offset_min) * 60_000.0 + f64::from(hour) * HOUR_MS;
            let settings = Settings {
                day_start_hour: hour,
                prompt_minutes: prompt,
                idle_threshold_seconds: idle,
                ..Settings::default()
            };
            Setup {
                offset_min,
                settings,
                t0: boundary - lead,
            }
        })
}

/// Known bugs (see the `bug_` tests below) the tracker properties
/// tolerate, so they stay green until the fix; set both to `false` then.
/// - Useful time may exceed attention by the idle tail or the pulse gap
///   the answer counted and the run then dropped.
/// - An ad rendered before a day boundary and viewable after it is
///   booked as viewable on a day where it was not rendered.
const TOLERATE_USEFUL_TAIL: bool = false;
const TOLERATE_ADS_ACROSS_DAYS: bool = false;

/// Checks one export; returns the attention it holds, ms.
/// `useful_slack_s`: how far useful may exceed attention (known bug).
fn check_export(
    t: &Tracker,
    now: f64,
    zone: &FixedZone,
    useful_slack_s: f64,
) -> Result<f64, TestCaseError> {
    let export = t.export(now, zone);
    let mut total = 0.0;
    let mut ads = std::collections::BTreeMap::<String, (u64, u64)>::new();
    for row in &export.days {
        let (a, u) = (row.attention_seconds, row.useful_seconds);
        prop_assert!(a.is_finite() && a >= 0.0, "attention {a} in {row:?}");
        prop_assert!(u.is_finite() && u >= 0.0, "useful {u} in {row:?}");
        // 1 ms: both are rounded to the millisecond on export.
        prop_assert!(
            u <= a + 0.0011 + useful_slack_s,
            "useful over attention: {row:?}"
        );
        prop_assert!(
            TOLERATE_ADS_ACROSS_DAYS || row.ads_viewable <= row.ads_rendered,
            "more viewable than rendered: {row:?}"
        );
        let e = ads.entry(row.site.clone()).or_default();
        e.0 += row.ads_rendered;
        e.1 += row.ads_viewable;
        total += a * 1000.0;
    }
    for (site, (rendered, viewable)) in ads {
        prop_assert!(
            viewable <= rendered,
            "{site}: {viewable} viewable of {rendered} rendered"
        );
    }
    Ok(total)
}

/// What one fed sequence booked, and the clock it saw.
struct Fed {
    /// Attention in the export at the last instant (open run included), ms.
    total: f64,
    /// The earliest and latest instants.
    min: f64,
    max: f64,
    /// The clock's forward moves, each capped at the pulse, summed.
    forward: f64,
}

/// Feeds `steps`, checking the export and what the overlay and badge
/// show after every step.
fn feed(setup: &Setup, steps: &[Step]) -> Result<Fed, TestCaseError> {
    let zone = FixedZone(setup.offset_min);
    let limits = setup.settings.limits();
    let mut t = tracker(setup.settings.clone());
    t.set_locale("ar-EG");
    let mut now = setup.t0;
    let mut fed = Fed {
        total: 0.0,
        min: now,
        max: now,
        forward: 0.0,
    };
    let moved = |now: f64, dt: f64, fed: &mut Fed| {
        fed.forward += dt.clamp(0.0, PULSE_MS);
        fed.min = fed.min.min(now);
        fed.max = fed.max.max(now);
    };
    let mut useful_answers = 0.0;
    for step in steps {
        now += step.dt;
        moved(now, step.dt, &mut fed);
        for _ in 0..step.repeat {
            match &step.act {
                Act::Sensor(tab, e) => {
                    let _ = t.sensor(*tab, e.clone(), now, &zone);
                }
                Act::Tick => t.tick(now, &zone),
                Act::Locked(l) => t.locked(*l, now, &zone),
                Act::Closed(tab) => t.closed(*tab, now, &zone),
                Act::Answer(tab, a, r) => {
                    if t.answer(*tab, *a, r, now, &zone) && *a == Answer::Useful {
                        useful_answers += 1.0;
                    }
                }
                Act::Busy(tab, secs) => {
                    for _ in 0..*secs {
                        let _ = t.sensor(*tab, SensorEvent::Input { typing: false }, now, &zone);
                        now += 1000.0;
                        moved(now, 1000.0, &mut fed);
                    }
                }
            }
        }
        let slack = if TOLERATE_USEFUL_TAIL {
            useful_answers * limits.idle_ms.max(limits.pulse_ms) / 1000.0
        } else {
            0.0
        };
        fed.total = check_export(&t, now, &zone, slack)?;
        for tab in 1..4 {
            if let Some(s) = t.overlay_state(tab, now, &zone) {
                prop_assert!(
                    s.seconds.is_finite() && s.seconds >= 0.0 && s.useful >= 0.0,
                    "{s:?}"
                );
                prop_assert!(s.stops_in.is_none_or(|x| x >= 0.0), "{s:?}");
            }
        }
        let badge = t.today_total_ms(now, &zone);
        prop_assert!(badge.is_finite() && badge >= 0.0);
        let _ = (t.next_view_deadline(), t.flush());
        if step.dt > 100_000.0 {
            t.take_writes();
        }
    }
    check_round_trip(&t, now, &zone)?;
    Ok(fed)
}

/// What `t` exports at `now` imports again, through JSON, into an empty
/// store, and that store exports the very same days, finds and settings.
fn check_round_trip(t: &Tracker, now: f64, zone: &FixedZone) -> Result<(), TestCaseError> {
    let export = t.export(now, zone);
    let text = serde_json::to_string(&export).expect("an export encodes");
    let back: Export =
        serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
    let mut fresh = Tracker::new(Settings::default(), Ledger::default(), None, zone);
    fresh
        .import(&back)
        .map_err(|e| TestCaseError::fail(format!("own export refused: {e}: {text}")))?;
    let again = fresh.export(now, zone);
    prop_assert_eq!(&again.days, &export.days);
    prop_assert_eq!(&again.finds, &export.finds);
    prop_assert_eq!(&again.settings, &export.settings);
    Ok(())
}

/// A ledger built only by what the core does to it, the clock moving on:
/// spans of attention (one at a time, across day boundaries), ads in
/// bursts up to a flood, and old days merged into their weeks.
fn core_ledger() -> impl Strategy<Value = (Ledger, i32)> {
    let site = prop::sample::select(vec!["x", "reddit", "custom:a.b"]);
    let gap = prop_oneof![0.0..HOUR_MS, 0.0..3.0 * DAY_MS];
    let op = prop_oneof![
        3 => (site.clone(), gap.clone(), prop_oneof![0.0..HOUR_MS, 0.0..3.0 * DAY_MS])
            .prop_map(|(site, gap, len)| (0u8, site, gap, len, 0u64, 0u64)),
        3 => (site, gap.clone(), prop_oneof![0u64..3, Just(u64::MAX / 2)], prop_oneof![0u64..3, Just(u64::MAX)])
            .prop_map(|(site, gap, r, v)| (1u8, site, gap, 0.0, r, v)),
        1 => gap.prop_map(|gap| (2u8, "", gap, 0.0, 0, 0)),
    ];
    (prop::collection::vec(op, 0..40), -720i32..=840).prop_map(|(ops, offset)| {
        let zone = FixedZone(offset);
        let calendar = Settings::default().calendar();
        let mut at = 20_400.0 * DAY_MS;
        let mut ledger = Ledger::default();
        for (kind, site, gap, len, r, v) in ops {
            at += gap;
            match kind {
                0 => {
                    let span = thaman::attention::Span {
                        site: site.into(),
                        start: at,
                        end: at + len,
                    };
                    ledger.add_span(&span, &calendar, &zone);
                    at += len;
                }
                1 => {
                    ledger.add_ads(calendar.day_of(at, &zone), site, r, v);
                }
                _ => {
                    let before = calendar.day_of(at, &zone);
                    ledger.compact(before, thaman::calendar::Weekday::Monday);
                }
            }
        }
        (ledger, offset)
    })
}

/// One tab on X, asked every minute: scrolling, pauses, sleeps, answers.
fn prompt_steps() -> impl Strategy<Value = Vec<Step>> {
    let act = prop_oneof![
        4 => (1u8..90).prop_map(|secs| Act::Busy(1, secs)),
        4 => Just(Act::Sensor(1, SensorEvent::Heartbeat {})),
        3 => (prop::sample::select(vec![Answer::Useful, Answer::Useful, Answer::NotUseful, Answer::Later]))
            .prop_map(|a| Act::Answer(1, a, vec![Reason::Learned])),
        2 => prop::bool::weighted(0.2).prop_map(|typing| Act::Sensor(1, SensorEvent::Input { typing })),
        1 => Just(Act::Tick),
        1 => any::<bool>().prop_map(|v| Act::Sensor(1, SensorEvent::Visibility { visible: v })),
        1 => Just(Act::Sensor(1, SensorEvent::Hello { url: "https://x.com/home".into(), visible: true, focused: true, media: false, idle_ms: None, reconnected: false })),
    ];
    prop::collection::vec(
        (forward_dt(), act).prop_map(|(dt, act)| Step { dt, act, repeat: 1 }),
        1..80,
    )
}

fn prompt_setup() -> impl Strategy<Value = Setup> {
    (setup(), prop::sample::select(vec![15u32, 60])).prop_map(|(mut s, idle)| {
        s.settings.prompt_minutes = 1;
        s.settings.idle_threshold_seconds = idle;
        s
    })
}

proptest! {
    #![proptest_config(config())]

    /// With a clock that only moves forward (in small steps, sleeps and
    /// multi-day jumps), hostile pages (NaN/∞ ratios, unknown slots and
    /// tabs, floods) never panic the tracker; every record stays finite
    /// and non-negative with useful ≤ attention; no site has more viewable
    /// ads than rendered ones; and attention never exceeds the wall time
    /// the events span.
    #[test]
    fn tracker_forward_clock(setup in setup(), steps in steps(forward_dt().boxed())) {
        let fed = feed(&setup, &steps)?;
        let wall = fed.max - fed.min;
        prop_assert!(fed.total <= wall + 1.0, "attention {} ms > wall time {wall} ms", fed.total);
    }

    /// With a clock that also jumps back, the same holds, and attention
    /// never exceeds the clock's forward steps (each at most a pulse):
    /// time replayed by a clock set back is not counted twice.
    #[test]
    fn tracker_jumping_clock(setup in setup(), steps in steps(any_dt().boxed())) {
        let fed = feed(&setup, &steps)?;
        prop_assert!(fed.total <= fed.forward + 1.0, "attention {} ms > forward steps {} ms", fed.total, fed.forward);
    }

    /// Every export the core can write (a tracker fed anything is above;
    /// here ledgers with floods of ads and merged weeks) imports again
    /// unchanged.
    #[test]
    fn core_exports_import_again_unchanged(
        (ledger, offset) in core_ledger(),
        drafts in prop::collection::vec((confusable_url(), any::<String>(), any::<String>()), 0..6),
    ) {
        let zone = FixedZone(offset);
        let mut finds = thaman::finds::Finds::default();
        for (i, (url, author, text)) in drafts.into_iter().enumerate() {
            let draft = thaman::finds::Draft { url, author, text };
            let date = Date::from_days(20_500);
            if let Ok(find) = draft.into_find("x", i as u64 + 1, "2026-01-01T00:00:00.000Z".into(), date) {
                finds.add(find, 500);
            }
        }
        let t = Tracker::new(Settings::default(), ledger, None, &zone).with_finds(finds);
        check_round_trip(&t, 20_600.0 * DAY_MS, &zone)?;
    }

    /// The prompt answered every way, at every moment: the same record
    /// invariants (useful ≤ attention above all) and the wall-time bound.
    #[test]
    fn tracker_prompt_answers(setup in prompt_setup(), steps in prompt_steps()) {
        let fed = feed(&setup, &steps)?;
        prop_assert!(fed.total <= fed.max - fed.min + 1.0);
    }
}

/// A tab on X whose person scrolls for 61 s, so the card shows.
fn asked_after_a_minute(idle_s: u32) -> (Tracker, f64) {
    let settings = Settings {
        prompt_minutes: 1,
        idle_threshold_seconds: idle_s,
        ..Settings::default()
    };
    let mut t = Tracker::new(settings, Ledger::default(), None, &FixedZone(0));
    let t0 = 1_795_000_000_000.0;
    let hello = SensorEvent::Hello {
        url: "https://x.com/home".into(),
        visible: true,
        focused: true,
        media: false,
        idle_ms: None,
        reconnected: false,
    };
    t.sensor(1, hello, t0, &FixedZone(0)).unwrap();
    for s in 0..=60 {
        t.sensor(
            1,
            SensorEvent::Input { typing: false },
            t0 + f64::from(s) * 1000.0,
            &FixedZone(0),
        )
        .unwrap();
    }
    assert!(t
        .overlay_state(1, t0 + 60_000.0, &FixedZone(0))
        .unwrap()
        .prompt
        .is_some());
    (t, t0)
}

/// Bug: `Tracker::answer` books the open run's live span up to the answer
/// as useful, but the run is later booked only up to its last input (idle)
/// or its last tick (a sleep): useful then exceeds attention, and the
/// export is refused by its own import (`UsefulOverAttention`).
#[test]
fn fixed_useful_exceeds_attention_after_idle_or_sleep() {
    let z = FixedZone(0);
    // Idle: last input at 60 s, answered at 70 s, idle 15 s lapses at 75 s.
    let (mut t, t0) = asked_after_a_minute(15);
    assert!(t.answer(1, Answer::Useful, &[], t0 + 70_000.0, &z));
    t.sensor(1, SensorEvent::Heartbeat {}, t0 + 80_000.0, &z)
        .unwrap();
    let row = &t.export(t0 + 80_000.0, &z).days[0];
    assert!(
        row.useful_seconds <= row.attention_seconds,
        "idle: useful {} > attention {}",
        row.useful_seconds,
        row.attention_seconds
    );
    // Sleep: answered 10 s after the last event, then the laptop sleeps.
    let (mut t, t0) = asked_after_a_minute(60);
    assert!(t.answer(1, Answer::Useful, &[], t0 + 70_000.0, &z));
    t.sensor(1, SensorEvent::Heartbeat {}, t0 + 600_000.0, &z)
        .unwrap();
    let row = &t.export(t0 + 600_000.0, &z).days[0];
    assert!(
        row.useful_seconds <= row.attention_seconds,
        "sleep: useful {} > attention {}",
        row.useful_seconds,
        row.attention_seconds
    );
    assert!(
        store::validate(&t.export(t0 + 600_000.0, &z)).is_ok(),
        "an export must re-import"
    );
}

/// Bug: a slot rendered just before the day boundary and viewable just
/// after is booked rendered on one day and viewable on the next, so the
/// second day shows more viewable ads than rendered ones.
#[test]
fn fixed_ad_viewable_on_the_next_day_than_rendered() {
    let z = FixedZone(0);
    let midnight = 20_410.0 * DAY_MS;
    let rules = parse_rules("x.com##div.ad").unwrap();
    let mut t = Tracker::new(Settings::default(), Ledger::default(), None, &z)
        .with_rules(rules, Labels::default());
    let hello = SensorEvent::Hello {
        url: "https://x.com/home".into(),
        visible: true,
        focused: true,
        media: false,
        idle_ms: None,
        reconnected: false,
    };
    t.sensor(1, hello, midnight - 500.0, &z).unwrap();
    // In view from 23:59:59.5; viewable after 1 s, at 00:00:00.5.
    t.sensor(
        1,
        SensorEvent::Slot {
            id: 1,
            rule: 0,
            labels: vec![],
        },
        midnight - 500.0,
        &z,
    )
    .unwrap();
    t.sensor(
        1,
        SensorEvent::View {
            id: 1,
            ratio: 1.0,
            area: 90_000.0,
        },
        midnight - 500.0,
        &z,
    )
    .unwrap();
    t.tick(midnight + 600.0, &z);
    let export = t.export(midnight + 600.0, &z);
    for row in &export.days {
        assert!(row.ads_viewable <= row.ads_rendered, "{row:?}");
    }
    // Booked once, on the day it became viewable; the export re-imports.
    let sum = |f: fn(&DayRow) -> u64| export.days.iter().map(f).sum::<u64>();
    assert_eq!((sum(|r| r.ads_rendered), sum(|r| r.ads_viewable)), (1, 1));
    assert!(store::validate(&export).is_ok());
}

/// `Ledger::add_ads` answers the days it changed (the day an ad became
/// viewable, and the earlier day its render moved from); the tracker writes
/// both, so after a restart the ad is rendered on one day only.
#[test]
fn fixed_the_day_a_render_moved_from_is_written_again() {
    let z = FixedZone(0);
    let midnight = 20_410.0 * DAY_MS;
    let rules = parse_rules("x.com##div.ad").unwrap();
    let mut t = Tracker::new(Settings::default(), Ledger::default(), None, &z)
        .with_rules(rules, Labels::default());
    let hello = SensorEvent::Hello {
        url: "https://x.com/home".into(),
        visible: true,
        focused: true,
        media: false,
        idle_ms: None,
        reconnected: false,
    };
    t.sensor(1, hello, midnight - 500.0, &z).unwrap();
    let slot = SensorEvent::Slot {
        id: 1,
        rule: 0,
        labels: vec![],
    };
    t.sensor(1, slot, midnight - 500.0, &z).unwrap();
    let view = SensorEvent::View {
        id: 1,
        ratio: 1.0,
        area: 90_000.0,
    };
    t.sensor(1, view, midnight - 500.0, &z).unwrap();
    // The store as written: the render on the first day.
    let mut store = std::collections::BTreeMap::new();
    store.extend(t.take_writes().days);
    t.tick(midnight + 600.0, &z);
    store.extend(t.take_writes().days);
    let rendered: u64 = store
        .values()
        .flat_map(|day| day.values())
        .map(|rec| rec.ads_rendered)
        .sum();
    assert_eq!(
        rendered, 1,
        "the ad is rendered once in the store: {store:?}"
    );
}

// ---------------------------------------------------------------- 5. stored values

/// Known bugs `stored_run_recovers` tolerates; set to `false` after the fix.
/// - `bug_a_corrupt_stored_run_books_more_than_a_day_on_one_day`
/// - `bug_far_out_instants_overflow_date_from_days` (runs with instants
///   beyond ±1e20 ms are skipped while tolerated)
const TOLERATE_UNBOUNDED_STORED_RUN: bool = false;
const TOLERATE_FAR_OUT_INSTANTS: bool = false;

/// A stored `run` value: the right shape with hostile numbers, or junk.
fn run_json() -> impl Strategy<Value = Value> {
    let num = || prop_oneof![json_number(), (1.7e12..1.9e12f64).prop_map(Value::from)];
    prop_oneof![
        4 => (tab().prop_map(Value::from), prop::sample::select(vec!["x", "reddit", "myspace", ""]), num(), num(), num(), any::<bool>())
            .prop_map(|(tab, site, start, last_tick, last_presence, media)| json!({
                "tab": tab, "site": site, "start": start, "last_tick": last_tick, "last_presence": last_presence, "media": media })),
        1 => json_value(),
    ]
}

/// A stored `day:` value: site → record, fields hostile or missing.
fn day_json() -> impl Strategy<Value = Value> {
    let rec = (
        prop::option::of(json_number()),
        prop::option::of(json_number()),
        prop::option::of(json_number()),
        prop::option::of(json_number()),
        prop::option::of(json_value()),
        prop::option::of(json_number()),
    )
        .prop_map(|(a, u, r, v, reasons, p)| {
            let mut m = Map::new();
            for (k, x) in [
                ("attention_ms", a),
                ("useful_ms", u),
                ("ads_rendered", r),
                ("ads_viewable", v),
                ("reasons", reasons),
                ("prompts", p),
            ] {
                if let Some(x) = x {
                    m.insert(k.into(), x);
                }
            }
            Value::Object(m)
        });
    prop_oneof![
        4 => prop::collection::btree_map(prop::sample::select(vec!["x", "reddit", "myspace", "", "custom:a.b"]).prop_map(str::to_string), rec, 0..4)
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        1 => json_value(),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// The stored-value types (`Day`, `Settings`, the open `Run`) decode
    /// any JSON without a panic (natively, with serde_json standing in for
    /// the browser's decoder), and `day:` keys never panic and round-trip.
    #[test]
    fn stored_values_decode(day in day_json(), settings in json_value(), run in run_json(), key in prop_oneof!["day:[0-9-]{10}", any::<String>()], days in -719_528i64..=2_932_896) {
        let _ = serde_json::from_value::<Day>(day);
        if let Ok(s) = serde_json::from_value::<Settings>(settings) {
            let _ = s.validate();
        }
        let _ = serde_json::from_value::<Option<Run>>(run);
        if let Some(date) = store::parse_day_key(&key) {
            prop_assert_eq!(store::day_key(date), key);
        }
        // Years 0000–9999: what `YYYY-MM-DD` can write.
        let date = Date::from_days(days);
        prop_assert_eq!(store::parse_day_key(&store::day_key(date)), Some(date));
    }

    /// A run recovered from storage (any numbers JSON can hold) is booked
    /// without a panic: finite, non-negative, no more than the run's own
    /// length, and (for runs under 300 days) at most 24 h on any day.
    #[test]
    fn stored_run_recovers(run in run_json(), offset in -720i32..=840, hour in 0u8..=6) {
        let Ok(Some(run)) = serde_json::from_value::<Option<Run>>(run) else { return Ok(()) };
        if TOLERATE_FAR_OUT_INSTANTS && [run.start, run.last_tick, run.last_presence].iter().any(|t| t.abs() > 1e20) {
            return Ok(());
        }
        let zone = FixedZone(offset);
        let settings = Settings { day_start_hour: hour, ..Settings::default() };
        let t = Tracker::new(settings, Ledger::default(), Some(run.clone()), &zone);
        let length = (run.last_tick - run.start).max(0.0);
        let mut total = 0.0;
        for (date, site, rec) in t.ledger().rows() {
            prop_assert!(rec.attention_ms.is_finite() && rec.attention_ms >= 0.0, "{date} {site}: {rec:?} from {run:?}");
            if !TOLERATE_UNBOUNDED_STORED_RUN || length < 300.0 * DAY_MS {
                prop_assert!(rec.attention_ms <= DAY_MS + 1.0, "{date} {site}: {rec:?} from {run:?}");
            }
            total += rec.attention_ms;
        }
        prop_assert!(total <= length * (1.0 + 1e-9) + 1.0, "{total} booked from a run of {length} ms");
    }

    /// A stored day with any field values loads into the tracker and
    /// exports without a panic.
    #[test]
    fn stored_day_loads(day in day_json(), n in 0i64..30) {
        let Ok(day) = serde_json::from_value::<Day>(day) else { return Ok(()) };
        let mut ledger = Ledger::default();
        ledger.set_day(Date::from_days(20_400 + n), day);
        let t = Tracker::new(Settings::default(), ledger, None, &FixedZone(0));
        let _ = t.export(20_400.0 * DAY_MS, &FixedZone(0));
        let _ = t.overlay_state(1, 20_400.0 * DAY_MS, &FixedZone(0));
        let _ = t.today_total_ms((20_400 + n) as f64 * DAY_MS, &FixedZone(0));
    }
}

/// Bug (hardening): `Tracker::new` books a stored run whatever its length.
/// `Calendar::split` stops splitting after 400 days and puts the rest on
/// one day, so a corrupt `run` (here 31 years long) books years on a single
/// day, and every export from then on is refused by import
/// (`BadDuration`). Only corrupt storage gets here: a real run is at most
/// hours long.
#[test]
fn fixed_a_corrupt_stored_run_books_more_than_a_day_on_one_day() {
    let run: Run = serde_json::from_str(
        r#"{"tab":1,"site":"x","start":0,"last_tick":1e12,"last_presence":1e12,"media":false}"#,
    )
    .unwrap();
    let t = Tracker::new(
        Settings::default(),
        Ledger::default(),
        Some(run),
        &FixedZone(0),
    );
    for (date, site, rec) in t.ledger().rows() {
        assert!(
            rec.attention_ms <= DAY_MS,
            "{date} {site}: {} h on one day",
            rec.attention_ms / HOUR_MS
        );
    }
    assert!(store::validate(&t.export(1e12, &FixedZone(0))).is_ok());
}

/// Bug: `Calendar::day_of` casts a far-out instant to `i64::MAX` days and
/// `Date::from_days` then overflows adding the epoch shift (a panic in
/// debug builds, a wrapped nonsense date in release). A corrupt stored
/// `run` with such an instant reaches it through `Tracker::new`.
#[test]
fn fixed_far_out_instants_overflow_date_from_days() {
    let outcome = std::panic::catch_unwind(|| {
        thaman::calendar::Calendar::default().day_of(1e300, &FixedZone(0))
    });
    assert!(outcome.is_ok(), "day_of(1e300) panicked");
    let run: Run = serde_json::from_str(
        r#"{"tab":1,"site":"x","start":3e210,"last_tick":3e220,"last_presence":0,"media":true}"#,
    )
    .unwrap();
    let outcome = std::panic::catch_unwind(|| {
        Tracker::new(
            Settings::default(),
            Ledger::default(),
            Some(run),
            &FixedZone(0),
        )
        .ledger()
        .rows()
        .count()
    });
    assert!(
        outcome.is_ok(),
        "Tracker::new panicked on a far-out stored run"
    );
}

// ---------------------------------------------------------------- 6. find links

/// Links put together from pieces browsers read in surprising ways.
fn confusable_url() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "https://",
        "http://",
        "HTTPS://",
        "https:",
        "//",
        "/",
        "\\",
        "@",
        ":",
        "x.com",
        "X.COM",
        "evil.example",
        "www.",
        "%2e",
        "%2E",
        "%40",
        "%5c",
        "\t",
        "\n",
        " ",
        "\u{ff58}",
        "\u{3002}",
        "\u{ad}",
        "xn--",
        "xn--mgbh0fb",
        "443",
        "80",
        "99999",
        "0x7f",
        "127.0.0.1",
        "1.2.3",
        "0177.0.0.1",
        "?",
        "#",
        "[::1]",
        ".",
        "_",
        "u:p",
        "a/status/1",
        "\u{0}",
        "%00",
        "..",
        "-",
        "0",
    ]);
    prop_oneof![
        3 => prop::collection::vec(piece.clone(), 1..8).prop_map(|p| p.concat()),
        3 => (prop::sample::select(vec!["https://", "http://"]), prop::collection::vec(piece, 0..6))
            .prop_map(|(s, p)| format!("{s}{}", p.concat())),
        2 => "https?://[a-zA-Z0-9.@:_\\\\/%-]{0,24}",
    ]
}

proptest! {
    #![proptest_config(config())]

    /// `host_of_url` answers only what a browser reads: wherever it names
    /// a host, the `url` crate (the WHATWG URL Standard, as browsers parse)
    /// reads the same link as http(s) with that very host. And a link the
    /// core keeps names a host, and keeping it again changes nothing.
    #[test]
    fn link_hosts_are_what_browsers_read(url in confusable_url()) {
        if let Some(host) = thaman::sites::host_of_url(&url) {
            let host = host.to_ascii_lowercase();
            match url::Url::parse(&url) {
                Ok(parsed) => {
                    prop_assert!(matches!(parsed.scheme(), "http" | "https"), "{:?}", url);
                    prop_assert_eq!(parsed.host_str(), Some(host.as_str()), "{:?}", url);
                }
                Err(_) if punycode(&host) => {}
                Err(e) => prop_assert!(false, "{:?}: read as {}, refused by browsers: {}", url, host, e),
            }
        }
        if let Some(kept) = thaman::finds::clean_url(&url) {
            prop_assert!(thaman::sites::host_of_url(&kept).is_some(), "{:?}", kept);
            prop_assert_eq!(thaman::finds::clean_url(&kept), Some(kept.clone()));
        }
    }

    /// Plain links are read, as browsers read them.
    #[test]
    fn plain_links_are_read(
        host in "[a-z][a-z0-9-]{0,10}(\\.[a-z][a-z0-9-]{0,10}){1,3}",
        port in prop::option::of(1u16..),
        path in "(/[a-z0-9]{0,5}){0,3}(\\?[a-z]=[0-9])?",
    ) {
        let url = format!("https://{host}{}{path}", port.map(|p| format!(":{p}")).unwrap_or_default());
        prop_assert_eq!(thaman::sites::host_of_url(&url), Some(host.as_str()));
        match url::Url::parse(&url) {
            Ok(parsed) => prop_assert_eq!(parsed.host_str(), Some(host.as_str())),
            Err(_) if punycode(&host) => {}
            Err(e) => prop_assert!(false, "{}: {}", url, e),
        }
    }
}

/// Whether `host` has an `xn--` (punycode) label. Such labels are taken
/// as written, their punycode unchecked: a browser refuses an invalid one
/// (`xn--.a`), so such a link opens no other site.
fn punycode(host: &str) -> bool {
    host.split('.').any(|label| label.starts_with("xn--"))
}

/// The case `plain_links_are_read` found: an `xn--` label that is not
/// valid punycode is read as written; browsers refuse the link.
#[test]
fn an_invalid_punycode_label_is_read_as_written() {
    assert_eq!(thaman::sites::host_of_url("https://xn--.a"), Some("xn--.a"));
    assert!(url::Url::parse("https://xn--.a").is_err());
}
