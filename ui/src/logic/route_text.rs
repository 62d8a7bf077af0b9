//! Readable Dutch descriptions of meldroute rule conditions.

use zicht_model::Condition;

/// Describes a condition, e.g. "vorm: Arbeidsuitbuiting en minderjarige betrokken".
pub fn describe_condition(c: &Condition) -> String {
    describe(c, false)
}

fn describe(c: &Condition, nested: bool) -> String {
    match c {
        Condition::Always => "altijd".into(),
        Condition::AcuteDanger => "acuut gevaar".into(),
        Condition::Urgent => "acuut gevaar of urgent".into(),
        Condition::Minor => "minderjarige betrokken".into(),
        Condition::VictimPresent => "vermoedelijk slachtoffer in beeld".into(),
        Condition::Form(f) => format!("vorm: {}", f.label()),
        Condition::Sector(s) => format!("sector: {}", s.label()),
        Condition::Source(s) => format!("bron: {}", s.label()),
        Condition::IndicatorCategory(cat) => format!("indicator in categorie: {}", cat.label()),
        Condition::Any(list) => join(list, " of ", nested),
        Condition::All(list) => join(list, " en ", nested),
        Condition::Not(inner) => format!("niet ({})", describe(inner, false)),
    }
}

fn join(list: &[Condition], sep: &str, nested: bool) -> String {
    match list.len() {
        0 => "nooit".into(),
        1 => describe(&list[0], nested),
        _ => {
            let s = list
                .iter()
                .map(|c| describe(c, true))
                .collect::<Vec<_>>()
                .join(sep);
            if nested {
                format!("({s})")
            } else {
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zicht_model::{Form, Sector};

    #[test]
    fn simple_conditions() {
        assert_eq!(describe_condition(&Condition::Always), "altijd");
        assert_eq!(
            describe_condition(&Condition::Minor),
            "minderjarige betrokken"
        );
        assert_eq!(
            describe_condition(&Condition::Form(Form::Arbeid)),
            "vorm: Arbeidsuitbuiting"
        );
    }

    #[test]
    fn nested_conditions_are_bracketed() {
        let c = Condition::All(vec![
            Condition::Any(vec![
                Condition::Form(Form::Seksueel),
                Condition::Sector(Sector::Sekswerk),
            ]),
            Condition::Not(Box::new(Condition::Minor)),
        ]);
        assert_eq!(
            describe_condition(&c),
            "(vorm: Seksuele uitbuiting of sector: Sekswerk (vergund, illegaal, online)) en niet (minderjarige betrokken)"
        );
        assert_eq!(describe_condition(&Condition::Any(vec![])), "nooit");
    }
}
