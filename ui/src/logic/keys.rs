//! Keyboard shortcuts: Alt+N new signal, Alt+K signaalkaarten, Alt+L lock, Ctrl+S save.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    NewSignal,
    Cards,
    Lock,
    Save,
}

/// The shortcuts as shown in the navigation: (keys, what they do).
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Alt+N", "Nieuw signaal"),
    ("Alt+K", "Signaalkaarten"),
    ("Alt+L", "Direct vergrendelen"),
    ("Ctrl+S", "Signaal opslaan (in het formulier)"),
];

/// Maps a key event to a shortcut. `code` is the physical key (`KeyN`), `key` the produced
/// character; the code is preferred because Alt changes the character on some layouts.
pub fn shortcut(code: &str, key: &str, alt: bool, ctrl: bool, meta: bool) -> Option<Shortcut> {
    let letter = match code.strip_prefix("Key") {
        Some(l) if l.len() == 1 => l.to_ascii_lowercase(),
        _ => key.to_lowercase(),
    };
    if alt && !ctrl && !meta {
        return match letter.as_str() {
            "n" => Some(Shortcut::NewSignal),
            "k" => Some(Shortcut::Cards),
            "l" => Some(Shortcut::Lock),
            _ => None,
        };
    }
    if (ctrl || meta) && !alt && letter == "s" {
        return Some(Shortcut::Save);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alt_letters_map_to_navigation() {
        assert_eq!(
            shortcut("KeyN", "n", true, false, false),
            Some(Shortcut::NewSignal)
        );
        assert_eq!(
            shortcut("KeyK", "˚", true, false, false),
            Some(Shortcut::Cards)
        );
        assert_eq!(
            shortcut("KeyL", "L", true, false, false),
            Some(Shortcut::Lock)
        );
        assert_eq!(shortcut("", "l", true, false, false), Some(Shortcut::Lock));
    }

    #[test]
    fn ctrl_s_saves_and_plain_keys_do_nothing() {
        assert_eq!(
            shortcut("KeyS", "s", false, true, false),
            Some(Shortcut::Save)
        );
        assert_eq!(
            shortcut("KeyS", "s", false, false, true),
            Some(Shortcut::Save)
        );
        assert_eq!(shortcut("KeyS", "s", false, false, false), None);
        assert_eq!(shortcut("KeyN", "n", false, false, false), None);
        assert_eq!(shortcut("KeyN", "n", true, true, false), None);
        assert_eq!(shortcut("KeyX", "x", true, false, false), None);
    }
}
