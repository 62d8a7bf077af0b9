//! Signaalkaarten (indicator cards): versioned content, shipped as data in `assets/`.

use crate::{Form, Sector};
use serde::{Deserialize, Serialize};

macro_rules! category_enum {
    ($($variant:ident => $wire:literal, $label:literal;)+) => {
        /// Category of an indicator.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum Category { $(#[serde(rename = $wire)] $variant,)+ }
        impl Category {
            pub const ALL: &'static [Category] = &[$(Category::$variant,)+];
            pub fn label(self) -> &'static str { match self { $(Category::$variant => $label,)+ } }
            pub fn wire(self) -> &'static str { match self { $(Category::$variant => $wire,)+ } }
        }
    };
}

category_enum! {
    Werk => "werk", "Werk";
    Huisvesting => "huisvesting", "Huisvesting";
    Geld => "geld", "Geld en schulden";
    Documenten => "documenten", "Documenten en identiteit";
    Vrijheid => "vrijheid", "Bewegingsvrijheid en controle";
    UiterlijkGedrag => "uiterlijk_gedrag", "Uiterlijk en gedrag";
    Online => "online", "Online";
}

/// One indicator: a stable id, a category and a short Dutch text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// Stable id, e.g. `arb-werk-01`. Never reused for a different meaning.
    pub id: String,
    pub category: Category,
    pub text: String,
}

/// What a card is about: one form of exploitation or one sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum CardSubject {
    Form(Form),
    Sector(Sector),
}

/// One signaalkaart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub id: String,
    pub subject: CardSubject,
    pub title: String,
    /// One or two sentences: what this form / sector looks like.
    pub summary: String,
    pub indicators: Vec<Indicator>,
    /// "Wat te doen": concrete steps for whoever sees these signs.
    pub what_to_do: Vec<String>,
}

/// A versioned set of cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSet {
    /// Monotonically increasing version; signals record the version they used.
    pub version: u32,
    pub title: String,
    /// Publication date, ISO 8601.
    pub published: String,
    /// Where the content comes from (public sources).
    #[serde(default)]
    pub sources: Vec<String>,
    pub cards: Vec<Card>,
}

impl CardSet {
    /// Every indicator with the card it is on.
    pub fn indicators(&self) -> impl Iterator<Item = (&Card, &Indicator)> {
        self.cards
            .iter()
            .flat_map(|c| c.indicators.iter().map(move |i| (c, i)))
    }

    /// Looks up an indicator by id.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators().map(|(_, i)| i).find(|i| i.id == id)
    }

    /// The cards that matter for a signal with these forms and this sector: the form cards
    /// (all of them when the form is unknown or none is chosen) plus the sector card.
    pub fn cards_for(&self, forms: &[Form], sector: Option<Sector>) -> Vec<&Card> {
        let all_forms = forms.is_empty() || forms.contains(&Form::Onbekend);
        self.cards
            .iter()
            .filter(|c| match c.subject {
                CardSubject::Form(f) => all_forms || forms.contains(&f),
                CardSubject::Sector(s) => Some(s) == sector,
            })
            .collect()
    }
}

/// A search hit in the card browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardHit {
    pub card_id: String,
    pub card_title: String,
    pub indicator: Indicator,
}
