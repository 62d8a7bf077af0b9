//! Signaalkaarten: validation on import, and search for the card browser.

use crate::error::{CoreError, Result};
use std::collections::HashSet;
use zicht_model::{CardHit, CardSet, CardSubject, Category, Form, Sector};

/// Minimum number of indicators a card set must hold.
pub const MIN_INDICATORS: usize = 60;
/// Sectors that must have a card.
pub const REQUIRED_SECTORS: &[Sector] = &[
    Sector::Vakantiepark,
    Sector::Kamerverhuur,
    Sector::Uitzendbureau,
    Sector::Horeca,
    Sector::Agrarisch,
    Sector::Sekswerk,
];
/// Forms that must have a card (every form but "onbekend").
pub const REQUIRED_FORMS: &[Form] = &[Form::Seksueel, Form::Arbeid, Form::Crimineel, Form::Orgaan];
const MAX_TEXT: usize = 400;

fn bad(msg: String) -> CoreError {
    CoreError::InvalidContent(msg)
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn check_text(what: &str, s: &str) -> Result<()> {
    if s.trim().is_empty() || s.chars().count() > MAX_TEXT {
        return Err(bad(format!(
            "{what}: empty or longer than {MAX_TEXT} characters"
        )));
    }
    Ok(())
}

/// Parses and validates a card set (JSON). Returns the set or a description of the first problem.
pub fn parse_card_set(json: &str) -> Result<CardSet> {
    let set: CardSet =
        serde_json::from_str(json).map_err(|e| bad(format!("not a card set: {e}")))?;
    validate_card_set(&set)?;
    Ok(set)
}

pub fn validate_card_set(set: &CardSet) -> Result<()> {
    if set.version == 0 {
        return Err(bad("version must be >= 1".into()));
    }
    check_text("title", &set.title)?;
    let mut card_ids = HashSet::new();
    let mut ind_ids = HashSet::new();
    let mut categories = HashSet::new();
    for card in &set.cards {
        if !valid_id(&card.id) || !card_ids.insert(card.id.as_str()) {
            return Err(bad(format!("card id {:?} invalid or duplicate", card.id)));
        }
        check_text(&format!("card {} title", card.id), &card.title)?;
        check_text(&format!("card {} summary", card.id), &card.summary)?;
        if card.what_to_do.is_empty() {
            return Err(bad(format!("card {} has no 'wat te doen'", card.id)));
        }
        for step in &card.what_to_do {
            check_text(&format!("card {} step", card.id), step)?;
        }
        if card.indicators.is_empty() {
            return Err(bad(format!("card {} has no indicators", card.id)));
        }
        for ind in &card.indicators {
            if !valid_id(&ind.id) || !ind_ids.insert(ind.id.as_str()) {
                return Err(bad(format!(
                    "indicator id {:?} invalid or duplicate",
                    ind.id
                )));
            }
            check_text(&format!("indicator {}", ind.id), &ind.text)?;
            categories.insert(ind.category);
        }
    }
    for f in REQUIRED_FORMS {
        if !set.cards.iter().any(|c| c.subject == CardSubject::Form(*f)) {
            return Err(bad(format!("no card for form {}", f.wire())));
        }
    }
    for s in REQUIRED_SECTORS {
        if !set
            .cards
            .iter()
            .any(|c| c.subject == CardSubject::Sector(*s))
        {
            return Err(bad(format!("no card for sector {}", s.wire())));
        }
    }
    if ind_ids.len() < MIN_INDICATORS {
        return Err(bad(format!(
            "{} indicators, at least {MIN_INDICATORS} needed",
            ind_ids.len()
        )));
    }
    for c in Category::ALL {
        if !categories.contains(c) {
            return Err(bad(format!("category {} unused", c.wire())));
        }
    }
    Ok(())
}

/// Case-insensitive search: an indicator matches when every word of the query occurs in its
/// text, its category label or its card's title. An empty query matches nothing.
pub fn search(set: &CardSet, query: &str) -> Vec<CardHit> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Vec::new();
    }
    set.indicators()
        .filter(|(card, ind)| {
            let hay =
                format!("{} {} {}", ind.text, ind.category.label(), card.title).to_lowercase();
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .map(|(card, ind)| CardHit {
            card_id: card.id.clone(),
            card_title: card.title.clone(),
            indicator: ind.clone(),
        })
        .collect()
}
