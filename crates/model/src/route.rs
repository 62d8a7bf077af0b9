//! Meldroute (reporting route): contacts and rules per municipality, and the advice they yield.

use crate::{Category, Form, Sector, Source};
use serde::{Deserialize, Serialize};

/// What kind of contact a meldroute entry is; the core uses it to order advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// 112: police, ambulance, fire brigade.
    Noodnummer,
    /// The municipality's attention officer (aandachtsfunctionaris) or back-up.
    Aandachtsfunctionaris,
    /// Veilig Thuis (incl. Meldpunt Mensenhandel en Jeugdprostitutie).
    VeiligThuis,
    /// Local or regional undermining meeting (ondermijningsoverleg).
    Ondermijningsoverleg,
    /// Care coordinator for victims (zorgcoördinator, e.g. Moviera).
    Zorgcoordinator,
    /// Police (AVIM / Team Mensenhandel).
    Politie,
    /// Nederlandse Arbeidsinspectie.
    Arbeidsinspectie,
    /// Meld Misdaad Anoniem (0800-7000).
    MeldMisdaadAnoniem,
    /// RIEC.
    Riec,
    /// CoMensha (national coordination centre).
    Comensha,
    /// Anything else.
    Overig,
}

/// One contact in the meldroute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: String,
    pub kind: ContactKind,
    pub name: String,
    /// What this contact does, in a sentence.
    pub description: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub hours: Option<String>,
}

/// A condition over a signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "if", content = "value", rename_all = "snake_case")]
pub enum Condition {
    Always,
    /// Urgency is acute danger.
    AcuteDanger,
    /// Urgency is acute danger or urgent.
    Urgent,
    /// A person involved is (flagged) under 18.
    Minor,
    /// A suspected victim is among the persons.
    VictimPresent,
    /// The form is among the suspected forms.
    Form(Form),
    Sector(Sector),
    Source(Source),
    /// At least one ticked indicator is in this category.
    IndicatorCategory(Category),
    Any(Vec<Condition>),
    All(Vec<Condition>),
    Not(Box<Condition>),
}

/// One rule: when the condition holds, advise contacting this contact, for this reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub when: Condition,
    /// Contact id.
    pub contact: String,
    /// Why, in Dutch, shown with the advice.
    pub reason: String,
}

/// The meldroute of one municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub version: u32,
    pub municipality: String,
    pub contacts: Vec<Contact>,
    /// In the municipality's preferred order; the core puts 112, Veilig Thuis (minors) and the
    /// attention officer first as the law and the plans require.
    pub rules: Vec<Rule>,
}

impl Route {
    pub fn contact(&self, id: &str) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id == id)
    }
}

/// One step of advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdviceStep {
    /// 1-based position.
    pub order: usize,
    pub contact: Contact,
    /// Why, in Dutch (the reasons of every matching rule for this contact).
    pub reasons: Vec<String>,
    pub rule_ids: Vec<String>,
}
