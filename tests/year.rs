//! A year of heavy use driven through the core in seconds (an injected
//! clock): ten platforms a day, ads, prompts answered, a post kept every
//! day. The store it writes stays far under `storage.local`'s 10 MB quota
//! for two such years, and nothing in memory grows with time.

use std::collections::BTreeMap;

use thaman::calendar::FixedZone;
use thaman::labels::Labels;
use thaman::ledger::Ledger;
use thaman::prompt::{Answer, Reason};
use thaman::protocol::{SensorCommand, SensorEvent};
use thaman::rules::parse_rules;
use thaman::settings::Settings;
use thaman::sites::CATALOG;
use thaman::store::{day_key, FINDS_KEY, RUN_KEY, SETTINGS_KEY};
use thaman::tracker::Tracker;

const Z: FixedZone = FixedZone(120);
const DAY_MS: f64 = 86_400_000.0;
const T0: f64 = 1_767_225_600_000.0; // 2026-01-01T00:00Z

fn url(site: &str) -> String {
    let domain = CATALOG.iter().find(|s| s.id == site).unwrap().domains[0];
    format!("https://www.{domain}/")
}

#[test]
fn a_year_of_ten_platforms_stays_small_and_bounded() {
    let rules = parse_rules(include_str!("../rules/sites.txt")).unwrap();
    let labels = Labels::parse(include_str!("../rules/labels.txt")).unwrap();
    let mut t =
        Tracker::new(Settings::default(), Ledger::default(), None, &Z).with_rules(rules, labels);
    // What storage.local would hold: key -> JSON.
    let mut store: BTreeMap<String, String> = BTreeMap::new();
    let mut tab = 0i64;
    for day in 0..365 {
        let morning = T0 + f64::from(day) * DAY_MS + 7.0 * 3_600_000.0;
        for (i, site) in CATALOG.iter().enumerate() {
            tab += 1;
            let mut now = morning + i as f64 * 1_800_000.0;
            let Some(SensorCommand::Track { rules, .. }) = t
                .sensor(
                    tab,
                    SensorEvent::Hello {
                        url: url(site.id),
                        visible: true,
                        focused: true,
                        media: false,
                        idle_ms: None,
                        reconnected: false,
                    },
                    now,
                    &Z,
                )
                .unwrap()
            else {
                panic!("{} is tracked", site.id)
            };
            // 12 minutes of scrolling (the sensor's heartbeat every 5 s, an
            // input every 15 s), three ads seen.
            for step in 0..144 {
                now += 5_000.0;
                let event = if step % 3 == 0 {
                    SensorEvent::Input { typing: false }
                } else {
                    SensorEvent::Heartbeat {}
                };
                t.sensor(tab, event, now, &Z).unwrap();
                if step % 48 == 0 && !rules.is_empty() {
                    let id = step as u32;
                    if let Ok(Some(SensorCommand::Ad { id })) = t.sensor(
                        tab,
                        SensorEvent::Slot {
                            id,
                            rule: 0,
                            labels: vec!["Sponsored".into()],
                        },
                        now,
                        &Z,
                    ) {
                        t.sensor(
                            tab,
                            SensorEvent::View {
                                id,
                                ratio: 1.0,
                                area: 90_000.0,
                            },
                            now,
                            &Z,
                        )
                        .unwrap();
                    }
                }
                if step % 12 != 0 {
                    continue;
                }
                t.tick(now, &Z);
                if t.overlay_state(tab, now, &Z)
                    .is_some_and(|s| s.prompt.is_some())
                {
                    let answer = if step % 2 == 0 {
                        Answer::Useful
                    } else {
                        Answer::NotUseful
                    };
                    t.answer(tab, answer, &[Reason::Learned], now, &Z);
                }
            }
            // A post kept on the first platform each day.
            if i == 0 {
                if let Some(SensorCommand::FindPost { ask, .. }) = t.ask_post(tab, now) {
                    let url = format!("https://www.facebook.com/permalink.php?story_fbid={day}&id=1&__cft__[0]=AZ");
                    t.sensor(
                        tab,
                        SensorEvent::Post {
                            ask,
                            url,
                            author: "Layla Haddad".into(),
                            text: "word ".repeat(60),
                        },
                        now,
                        &Z,
                    )
                    .unwrap();
                }
            }
            t.closed(tab, now + 1000.0, &Z);
            let w = t.take_writes();
            for (date, record) in w.days {
                store.insert(day_key(date), serde_json::to_string(&record).unwrap());
            }
            if let Some(s) = w.settings {
                store.insert(SETTINGS_KEY.into(), serde_json::to_string(&s).unwrap());
            }
            if let Some(run) = w.run {
                store.insert(RUN_KEY.into(), serde_json::to_string(&run).unwrap());
            }
            if let Some(f) = w.finds {
                store.insert(FINDS_KEY.into(), serde_json::to_string(&f).unwrap());
            }
        }
    }
    let export = t.export(T0 + 366.0 * DAY_MS, &Z);
    assert_eq!(
        export.days.len(),
        365 * CATALOG.len(),
        "a record per day and platform"
    );
    let day = &export.days[400];
    assert!(
        (day.attention_seconds - 12.0 * 60.0).abs() <= 10.0,
        "12 minutes a platform a day: {}",
        day.attention_seconds
    );
    let bytes: usize = store.iter().map(|(k, v)| k.len() + v.len()).sum();
    // chrome.storage.local holds 10 MB without `unlimitedStorage`: two such
    // years must fit in half of it.
    assert!(
        bytes * 2 < 5_000_000,
        "a year of ten platforms is {bytes} bytes"
    );
    println!(
        "a year of ten platforms: {bytes} bytes in storage, {} keys",
        store.len()
    );
    // Nothing held per page, ask or notice outlives its page.
    let f = t.footprint();
    assert_eq!((f.pages, f.asks), (0, 0), "{f:?}");
    assert!(f.stretches <= CATALOG.len() && f.notices == 0, "{f:?}");
    assert_eq!(f.finds, 365, "a find a day, under the 500 cap");
}
