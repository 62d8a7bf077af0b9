//! Signaalkaarten: the shipped set is valid; broken sets are refused with a reason.

use zicht_core::assets;
use zicht_core::cards::{parse_card_set, search, validate_card_set, MIN_INDICATORS};
use zicht_model::*;

#[test]
fn shipped_card_set_is_valid_and_complete() {
    let set = parse_card_set(assets::CARD_SET).unwrap();
    assert!(set.indicators().count() >= MIN_INDICATORS);
    for c in Category::ALL {
        assert!(
            set.indicators().any(|(_, i)| i.category == *c),
            "category {c:?} unused"
        );
    }
    for card in &set.cards {
        assert!(!card.what_to_do.is_empty());
    }
}

#[test]
fn shipped_regions_and_route_parse() {
    assert!(assets::municipalities()
        .unwrap()
        .iter()
        .any(|m| m == "Zutphen"));
    zicht_core::route::parse_route(assets::ROUTE_TEMPLATE).unwrap();
}

/// Each broken variant of the shipped set must be refused.
#[test]
fn broken_card_sets_are_refused() {
    let good = parse_card_set(assets::CARD_SET).unwrap();
    type Breaker = fn(&mut CardSet);
    let cases: &[(&str, Breaker)] = &[
        ("version 0", |s| s.version = 0),
        ("duplicate indicator id", |s| {
            let id = s.cards[0].indicators[0].id.clone();
            s.cards[1].indicators[0].id = id;
        }),
        ("bad id characters", |s| {
            s.cards[0].indicators[0].id = "Niet Goed!".into()
        }),
        ("empty indicator text", |s| {
            s.cards[0].indicators[0].text = "  ".into()
        }),
        ("no wat te doen", |s| s.cards[0].what_to_do.clear()),
        ("missing form card", |s| {
            s.cards
                .retain(|c| c.subject != CardSubject::Form(Form::Orgaan))
        }),
        ("missing sector card", |s| {
            s.cards
                .retain(|c| c.subject != CardSubject::Sector(Sector::Sekswerk))
        }),
        ("too few indicators", |s| {
            for c in &mut s.cards {
                c.indicators.truncate(1);
            }
        }),
        ("unused category", |s| {
            for c in &mut s.cards {
                for i in &mut c.indicators {
                    if i.category == Category::Online {
                        i.category = Category::Werk;
                    }
                }
            }
        }),
    ];
    for (name, breaker) in cases {
        let mut s = good.clone();
        breaker(&mut s);
        assert!(validate_card_set(&s).is_err(), "{name}: accepted");
    }
    assert!(parse_card_set("{not json").is_err());
}

#[test]
fn search_matches_all_words_case_insensitively() {
    let set = parse_card_set(assets::CARD_SET).unwrap();
    let some = &set.cards[1].indicators[0];
    let word = some
        .text
        .split_whitespace()
        .max_by_key(|w| w.len())
        .unwrap()
        .to_uppercase();
    let hits = search(&set, &word);
    assert!(hits.iter().any(|h| h.indicator.id == some.id));
    assert!(search(&set, "").is_empty());
    assert!(search(&set, "xyzzy-bestaat-niet").is_empty());
}

#[test]
fn cards_for_selects_form_and_sector_cards() {
    let set = parse_card_set(assets::CARD_SET).unwrap();
    let cards = set.cards_for(&[Form::Arbeid], Some(Sector::Vakantiepark));
    let subjects: Vec<_> = cards.iter().map(|c| c.subject).collect();
    assert_eq!(
        subjects,
        vec![
            CardSubject::Form(Form::Arbeid),
            CardSubject::Sector(Sector::Vakantiepark)
        ]
    );
    let unknown = set.cards_for(&[Form::Onbekend], None);
    assert_eq!(unknown.len(), 4, "unknown form shows every form card");
}
