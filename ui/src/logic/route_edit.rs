//! Editing the meldroute: plain operations on a working copy of the [`Route`]. The core
//! validates the result when it is saved (and refuses it with a Dutch reason).

use zicht_model::{Condition, Contact, ContactKind, Route, Rule};

/// Every contact kind, in the order the editor offers them.
pub const CONTACT_KINDS: [ContactKind; 11] = [
    ContactKind::Aandachtsfunctionaris,
    ContactKind::Noodnummer,
    ContactKind::VeiligThuis,
    ContactKind::Politie,
    ContactKind::Arbeidsinspectie,
    ContactKind::Zorgcoordinator,
    ContactKind::Ondermijningsoverleg,
    ContactKind::Riec,
    ContactKind::MeldMisdaadAnoniem,
    ContactKind::Comensha,
    ContactKind::Overig,
];

/// Dutch label of a contact kind.
pub fn contact_kind_label(k: ContactKind) -> &'static str {
    match k {
        ContactKind::Noodnummer => "Noodnummer (112)",
        ContactKind::Aandachtsfunctionaris => "Aandachtsfunctionaris mensenhandel",
        ContactKind::VeiligThuis => "Veilig Thuis",
        ContactKind::Ondermijningsoverleg => "Ondermijningsoverleg",
        ContactKind::Zorgcoordinator => "Zorgcoördinator",
        ContactKind::Politie => "Politie",
        ContactKind::Arbeidsinspectie => "Nederlandse Arbeidsinspectie",
        ContactKind::MeldMisdaadAnoniem => "Meld Misdaad Anoniem",
        ContactKind::Riec => "RIEC",
        ContactKind::Comensha => "CoMensha",
        ContactKind::Overig => "Overig",
    }
}

/// Stable value of a contact kind for a `<select>` (its wire name).
pub fn contact_kind_value(k: ContactKind) -> &'static str {
    match k {
        ContactKind::Noodnummer => "noodnummer",
        ContactKind::Aandachtsfunctionaris => "aandachtsfunctionaris",
        ContactKind::VeiligThuis => "veilig_thuis",
        ContactKind::Ondermijningsoverleg => "ondermijningsoverleg",
        ContactKind::Zorgcoordinator => "zorgcoordinator",
        ContactKind::Politie => "politie",
        ContactKind::Arbeidsinspectie => "arbeidsinspectie",
        ContactKind::MeldMisdaadAnoniem => "meld_misdaad_anoniem",
        ContactKind::Riec => "riec",
        ContactKind::Comensha => "comensha",
        ContactKind::Overig => "overig",
    }
}

/// The contact kind of a `<select>` value.
pub fn contact_kind_from_value(v: &str) -> Option<ContactKind> {
    CONTACT_KINDS
        .iter()
        .copied()
        .find(|k| contact_kind_value(*k) == v)
}

/// A code from a name: lower case ASCII letters and digits, words joined by `-`
/// ("Veilig Thuis IJsselland" → "veilig-thuis-ijsselland"); "contact" when nothing is left.
pub fn slug(name: &str) -> String {
    let folded = crate::logic::format::fold(name);
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "contact".into()
    } else {
        out
    }
}

/// `base`, or `base-2`, `base-3`, … whichever is not taken yet.
pub fn unique_id<'a>(base: &str, taken: impl IntoIterator<Item = &'a str> + Clone) -> String {
    let free = |id: &str| !taken.clone().into_iter().any(|t| t == id);
    if free(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| free(id))
        .unwrap_or_else(|| base.to_string())
}

/// Adds a contact with a code made from its name (unique in the route). Returns the code, or
/// `None` when the name is empty.
pub fn add_contact(route: &mut Route, name: &str, kind: ContactKind) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let id = unique_id(&slug(name), route.contacts.iter().map(|c| c.id.as_str()));
    route.contacts.push(Contact {
        id: id.clone(),
        kind,
        name: name.to_string(),
        description: String::new(),
        phone: None,
        email: None,
        hours: None,
    });
    Some(id)
}

/// Removes a contact and the rules that advise it (they would point nowhere).
pub fn remove_contact(route: &mut Route, contact_id: &str) {
    route.contacts.retain(|c| c.id != contact_id);
    route.rules.retain(|r| r.contact != contact_id);
}

/// Adds a rule "always advise this contact" at the end. Returns the rule's code.
pub fn add_rule(route: &mut Route, contact_id: &str) -> String {
    let id = unique_id(
        &format!("regel-{}", contact_id),
        route.rules.iter().map(|r| r.id.as_str()),
    );
    route.rules.push(Rule {
        id: id.clone(),
        when: Condition::Always,
        contact: contact_id.to_string(),
        reason: String::new(),
    });
    id
}

pub fn remove_rule(route: &mut Route, rule_id: &str) {
    route.rules.retain(|r| r.id != rule_id);
}

/// Moves a rule one place up (`up`) or down; nothing at the edges.
pub fn move_rule(route: &mut Route, rule_id: &str, up: bool) {
    let Some(i) = route.rules.iter().position(|r| r.id == rule_id) else {
        return;
    };
    let j = if up {
        i.checked_sub(1)
    } else {
        (i + 1 < route.rules.len()).then_some(i + 1)
    };
    if let Some(j) = j {
        route.rules.swap(i, j);
    }
}

pub fn contact_mut<'a>(route: &'a mut Route, id: &str) -> Option<&'a mut Contact> {
    route.contacts.iter_mut().find(|c| c.id == id)
}

pub fn rule_mut<'a>(route: &'a mut Route, id: &str) -> Option<&'a mut Rule> {
    route.rules.iter_mut().find(|r| r.id == id)
}

/// A code made safe for use inside an HTML id.
pub fn html_id_part(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(id: &str) -> Contact {
        Contact {
            id: id.into(),
            kind: ContactKind::Overig,
            name: format!("Naam {id}"),
            description: String::new(),
            phone: Some("112".into()),
            email: None,
            hours: None,
        }
    }

    fn rule(id: &str, contact: &str) -> Rule {
        Rule {
            id: id.into(),
            when: Condition::Always,
            contact: contact.into(),
            reason: "r".into(),
        }
    }

    fn route() -> Route {
        Route {
            version: 1,
            municipality: "Zutphen".into(),
            contacts: vec![contact("af"), contact("vt")],
            rules: vec![rule("r1", "af"), rule("r2", "vt"), rule("r3", "af")],
        }
    }

    fn rule_ids(r: &Route) -> Vec<&str> {
        r.rules.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Veilig Thuis IJsselland"), "veilig-thuis-ijsselland");
        assert_eq!(
            slug("  Zorgcoördinator (Moviera) "),
            "zorgcoordinator-moviera"
        );
        assert_eq!(slug("112"), "112");
        assert_eq!(slug("!!"), "contact");
    }

    #[test]
    fn ids_are_unique() {
        assert_eq!(unique_id("af", ["vt"]), "af");
        assert_eq!(unique_id("af", ["af", "af-2"]), "af-3");
        let mut r = route();
        assert_eq!(
            add_contact(&mut r, "Politie", ContactKind::Politie).as_deref(),
            Some("politie")
        );
        assert_eq!(
            add_contact(&mut r, "politie", ContactKind::Politie).as_deref(),
            Some("politie-2")
        );
        assert_eq!(add_contact(&mut r, "   ", ContactKind::Overig), None);
        assert_eq!(r.contacts.len(), 4);
        assert_eq!(r.contacts[2].name, "Politie");
        assert_eq!(r.contacts[2].kind, ContactKind::Politie);
    }

    #[test]
    fn removing_a_contact_removes_its_rules() {
        let mut r = route();
        remove_contact(&mut r, "af");
        assert_eq!(r.contacts.len(), 1);
        assert_eq!(rule_ids(&r), ["r2"]);
    }

    #[test]
    fn rules_move_within_bounds() {
        let mut r = route();
        move_rule(&mut r, "r2", true);
        assert_eq!(rule_ids(&r), ["r2", "r1", "r3"]);
        move_rule(&mut r, "r2", true);
        assert_eq!(rule_ids(&r), ["r2", "r1", "r3"]);
        move_rule(&mut r, "r1", false);
        assert_eq!(rule_ids(&r), ["r2", "r3", "r1"]);
        move_rule(&mut r, "r1", false);
        assert_eq!(rule_ids(&r), ["r2", "r3", "r1"]);
        move_rule(&mut r, "nope", false);
        assert_eq!(rule_ids(&r), ["r2", "r3", "r1"]);
    }

    #[test]
    fn rules_are_added_and_removed() {
        let mut r = route();
        let id = add_rule(&mut r, "vt");
        assert_eq!(id, "regel-vt");
        assert_eq!(add_rule(&mut r, "vt"), "regel-vt-2");
        let last = r.rules.last().unwrap();
        assert_eq!(last.when, Condition::Always);
        assert_eq!(last.contact, "vt");
        assert!(last.reason.is_empty());
        remove_rule(&mut r, "r1");
        assert_eq!(rule_ids(&r), ["r2", "r3", "regel-vt", "regel-vt-2"]);
    }

    #[test]
    fn kinds_round_trip_and_fields() {
        for k in CONTACT_KINDS {
            assert_eq!(contact_kind_from_value(contact_kind_value(k)), Some(k));
            // The value is the wire name.
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(contact_kind_value(k))
            );
            assert!(!contact_kind_label(k).is_empty());
        }
        assert_eq!(contact_kind_from_value(""), None);
        assert_eq!(html_id_part("af zut/1"), "af-zut-1");
        let mut r = route();
        contact_mut(&mut r, "vt").unwrap().name = "X".into();
        assert_eq!(r.contacts[1].name, "X");
        rule_mut(&mut r, "r3").unwrap().reason = "y".into();
        assert_eq!(r.rules[2].reason, "y");
    }
}
