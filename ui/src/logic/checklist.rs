//! The indicator checklist of the signal form and the card browser: cards grouped by
//! category, narrowed by forms, sector and a search query.

use crate::logic::format::matches_query;
use std::collections::HashSet;
use zicht_model::{Card, CardSet, Category, Form, Indicator, Sector};

/// Indicators of one category on one card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryGroup {
    pub category: Category,
    pub indicators: Vec<Indicator>,
}

/// One card in the checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardGroup {
    pub card_id: String,
    pub title: String,
    pub categories: Vec<CategoryGroup>,
}

impl CardGroup {
    pub fn indicator_count(&self) -> usize {
        self.categories.iter().map(|c| c.indicators.len()).sum()
    }
}

/// The indicators of a card, grouped by category in the fixed category order.
pub fn by_category(card: &Card) -> Vec<CategoryGroup> {
    Category::ALL
        .iter()
        .filter_map(|cat| {
            let inds: Vec<Indicator> = card
                .indicators
                .iter()
                .filter(|i| i.category == *cat)
                .cloned()
                .collect();
            (!inds.is_empty()).then_some(CategoryGroup {
                category: *cat,
                indicators: inds,
            })
        })
        .collect()
}

/// The checklist for these forms and sector (see `CardSet::cards_for`), keeping only the
/// indicators that match `query` (on indicator text, category or card title). An indicator
/// that appears on two cards is listed once, on the first. Cards left empty are dropped.
pub fn checklist(
    set: &CardSet,
    forms: &[Form],
    sector: Option<Sector>,
    query: &str,
) -> Vec<CardGroup> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut out = Vec::new();
    for card in set.cards_for(forms, sector) {
        let mut categories = Vec::new();
        for cat in Category::ALL {
            let inds: Vec<Indicator> = card
                .indicators
                .iter()
                .filter(|i| i.category == *cat)
                .filter(|i| {
                    let hay = format!("{} {} {}", i.text, cat.label(), card.title);
                    matches_query(&hay, query)
                })
                .filter(|i| seen.insert(i.id.as_str()))
                .cloned()
                .collect();
            if !inds.is_empty() {
                categories.push(CategoryGroup {
                    category: *cat,
                    indicators: inds,
                });
            }
        }
        if !categories.is_empty() {
            out.push(CardGroup {
                card_id: card.id.clone(),
                title: card.title.clone(),
                categories,
            });
        }
    }
    out
}

/// The ticked indicators that count for these forms and sector, in card-set order: ticks on
/// cards that are no longer in view (a form was unticked) are kept in the form state but not
/// sent.
pub fn effective_indicators(
    set: &CardSet,
    forms: &[Form],
    sector: Option<Sector>,
    ticked: &[String],
) -> Vec<String> {
    let mut seen: HashSet<&str> = HashSet::new();
    set.cards_for(forms, sector)
        .into_iter()
        .flat_map(|c| c.indicators.iter())
        .filter(|i| ticked.contains(&i.id))
        .filter(|i| seen.insert(i.id.as_str()))
        .map(|i| i.id.clone())
        .collect()
}

/// The display text of an indicator id (falls back to the id when the set does not know it).
pub fn indicator_text(set: Option<&CardSet>, id: &str) -> String {
    set.and_then(|s| s.indicator(id))
        .map(|i| i.text.clone())
        .unwrap_or_else(|| id.to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use zicht_model::CardSubject;

    fn ind(id: &str, category: Category, text: &str) -> Indicator {
        Indicator {
            id: id.into(),
            category,
            text: text.into(),
        }
    }

    pub(crate) fn sample_set() -> CardSet {
        CardSet {
            version: 3,
            title: "Signaalkaarten".into(),
            published: "2026-01-01".into(),
            sources: vec![],
            cards: vec![
                Card {
                    id: "arbeid".into(),
                    subject: CardSubject::Form(Form::Arbeid),
                    title: "Arbeidsuitbuiting".into(),
                    summary: "".into(),
                    indicators: vec![
                        ind("arb-01", Category::Werk, "Werkt zeer lange dagen"),
                        ind(
                            "arb-02",
                            Category::Documenten,
                            "Werkgever houdt paspoort in",
                        ),
                        ind("arb-03", Category::Werk, "Geen arbeidscontract"),
                    ],
                    what_to_do: vec![],
                },
                Card {
                    id: "seks".into(),
                    subject: CardSubject::Form(Form::Seksueel),
                    title: "Seksuele uitbuiting".into(),
                    summary: "".into(),
                    indicators: vec![ind(
                        "sek-01",
                        Category::Online,
                        "Advertenties met wisselende namen",
                    )],
                    what_to_do: vec![],
                },
                Card {
                    id: "bouw".into(),
                    subject: CardSubject::Sector(Sector::Bouw),
                    title: "Bouw".into(),
                    summary: "".into(),
                    indicators: vec![
                        ind("bouw-01", Category::Huisvesting, "Slaapt op de bouwplaats"),
                        ind(
                            "arb-02",
                            Category::Documenten,
                            "Werkgever houdt paspoort in",
                        ),
                    ],
                    what_to_do: vec![],
                },
            ],
        }
    }

    #[test]
    fn checklist_groups_by_card_and_category() {
        let set = sample_set();
        let cl = checklist(&set, &[Form::Arbeid], None, "");
        assert_eq!(cl.len(), 1);
        assert_eq!(cl[0].card_id, "arbeid");
        let cats: Vec<Category> = cl[0].categories.iter().map(|c| c.category).collect();
        assert_eq!(cats, vec![Category::Werk, Category::Documenten]);
        assert_eq!(cl[0].categories[0].indicators.len(), 2);
        assert_eq!(cl[0].indicator_count(), 3);
    }

    #[test]
    fn no_form_means_every_form_card_plus_sector_and_no_duplicates() {
        let set = sample_set();
        let cl = checklist(&set, &[], Some(Sector::Bouw), "");
        let ids: Vec<&str> = cl.iter().map(|c| c.card_id.as_str()).collect();
        assert_eq!(ids, vec!["arbeid", "seks", "bouw"]);
        // arb-02 is on the bouw card too but listed once.
        assert_eq!(cl[2].indicator_count(), 1);
    }

    #[test]
    fn query_narrows_and_drops_empty_cards() {
        let set = sample_set();
        let cl = checklist(&set, &[], None, "PASPOORT");
        assert_eq!(cl.len(), 1);
        assert_eq!(cl[0].categories[0].indicators[0].id, "arb-02");
        // Category label matches too.
        assert_eq!(checklist(&set, &[], None, "online").len(), 1);
        assert!(checklist(&set, &[], None, "niets dat bestaat").is_empty());
    }

    #[test]
    fn effective_indicators_follow_the_visible_cards() {
        let set = sample_set();
        let ticked = vec![
            "sek-01".to_string(),
            "arb-03".to_string(),
            "arb-01".to_string(),
            "gone".to_string(),
        ];
        assert_eq!(
            effective_indicators(&set, &[Form::Arbeid], None, &ticked),
            vec!["arb-01", "arb-03"]
        );
        assert_eq!(
            effective_indicators(&set, &[Form::Onbekend], None, &ticked),
            vec!["arb-01", "arb-03", "sek-01"]
        );
    }

    #[test]
    fn indicator_text_falls_back_to_id() {
        let set = sample_set();
        assert_eq!(
            indicator_text(Some(&set), "bouw-01"),
            "Slaapt op de bouwplaats"
        );
        assert_eq!(indicator_text(Some(&set), "x-99"), "x-99");
        assert_eq!(indicator_text(None, "bouw-01"), "bouw-01");
    }

    #[test]
    fn by_category_keeps_category_order() {
        let set = sample_set();
        let groups = by_category(&set.cards[2]);
        assert_eq!(
            groups.iter().map(|g| g.category).collect::<Vec<_>>(),
            vec![Category::Huisvesting, Category::Documenten]
        );
    }
}
