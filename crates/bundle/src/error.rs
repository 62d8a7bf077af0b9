//! The one error type of this crate: precise, distinct, with a stable code and a Dutch message.

use crate::keys::KeyId;

/// Why a header is not a well-formed version-1 header (see `docs/bundle-format.md` §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// The first eight bytes are not the magic `ZICHTBDL`.
    NotABundle,
    /// The recipient count is 0 or more than [`crate::MAX_RECIPIENTS`].
    RecipientCount,
    /// Two stanzas carry the same recipient key id.
    DuplicateRecipient,
}

impl Malformed {
    fn english(self) -> &'static str {
        match self {
            Malformed::NotABundle => "not a Zicht bundle (wrong magic)",
            Malformed::RecipientCount => "recipient count out of range",
            Malformed::DuplicateRecipient => "recipient key id listed twice",
        }
    }
    fn dutch(self) -> &'static str {
        match self {
            Malformed::NotABundle => "dit bestand is geen Zicht-bundel",
            Malformed::RecipientCount => "het aantal ontvangers in de kop is ongeldig",
            Malformed::DuplicateRecipient => "dezelfde ontvanger staat twee keer in de kop",
        }
    }
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.english())
    }
}

/// Everything that can go wrong when sealing or opening a bundle.
///
/// [`Error::code`] is stable (logs, the endpoint's JSON errors, tests match on it);
/// [`Error::message`] is the Dutch text for the user. `Display` is English, for developers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No stanza in the header carries this device's recipient key id.
    #[error("bundle is not addressed to this recipient key")]
    NotForMe,
    /// The directory has no signing key for the sender key id in the header.
    #[error("unknown sender {sender}")]
    UnknownSender {
        /// The sender key id from the (authenticated) header.
        sender: KeyId,
    },
    /// The sender's Ed25519 signature does not verify.
    #[error("sender signature does not verify")]
    BadSignature,
    /// The input ends too early: inside the header, before the last chunk, or without the
    /// trailer at its end.
    #[error("bundle is truncated")]
    Truncated,
    /// A payload chunk failed authentication (or is a non-canonical empty last chunk).
    #[error("payload chunk {index} failed authentication")]
    TamperedChunk {
        /// Index of the chunk, counting from 0.
        index: u64,
    },
    /// The file key did not unwrap from this recipient's stanza, or the header MAC failed.
    #[error("header failed authentication")]
    TamperedHeader,
    /// The version byte is not one this implementation reads.
    #[error("unsupported bundle version {found}")]
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
    },
    /// The header is not well-formed.
    #[error("malformed header: {reason}")]
    MalformedHeader {
        /// What is wrong with it.
        reason: Malformed,
    },
    /// Sealing: the recipient list is empty.
    #[error("no recipients")]
    NoRecipients,
    /// Sealing: more than [`crate::MAX_RECIPIENTS`] recipients.
    #[error("too many recipients: {count}")]
    TooManyRecipients {
        /// How many were given.
        count: usize,
    },
    /// Sealing: the same recipient key was given twice.
    #[error("recipient {key} listed twice")]
    DuplicateRecipient {
        /// Its key id.
        key: KeyId,
    },
    /// Key material is not valid (a PKCS#8 document ring refuses, or an X25519 public key of
    /// small order).
    #[error("invalid key material")]
    InvalidKey,
    /// The operating system's random generator failed.
    #[error("system random generator failed")]
    Random,
    /// The payload has more chunks than the counter allows (2^64; unreachable in practice).
    #[error("payload too large")]
    TooLarge,
    /// A failure inside the crypto library or the hashing thread that no input can cause.
    #[error("internal error")]
    Internal,
    /// Reading the input or writing the output failed (or the OS would not start the hashing
    /// thread).
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// A stable, machine-readable code, e.g. `bundle.not_for_me`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotForMe => "bundle.not_for_me",
            Error::UnknownSender { .. } => "bundle.unknown_sender",
            Error::BadSignature => "bundle.bad_signature",
            Error::Truncated => "bundle.truncated",
            Error::TamperedChunk { .. } => "bundle.tampered_chunk",
            Error::TamperedHeader => "bundle.tampered_header",
            Error::UnsupportedVersion { .. } => "bundle.unsupported_version",
            Error::MalformedHeader { .. } => "bundle.malformed_header",
            Error::NoRecipients => "bundle.no_recipients",
            Error::TooManyRecipients { .. } => "bundle.too_many_recipients",
            Error::DuplicateRecipient { .. } => "bundle.duplicate_recipient",
            Error::InvalidKey => "bundle.invalid_key",
            Error::Random => "bundle.random",
            Error::TooLarge => "bundle.too_large",
            Error::Internal => "bundle.internal",
            Error::Io(_) => "bundle.io",
        }
    }

    /// The message for the user, in Dutch.
    pub fn message(&self) -> String {
        match self {
            Error::NotForMe => {
                "Deze bundel is niet voor dit apparaat bestemd: er staat geen sleutel van dit \
                 apparaat in."
                    .into()
            }
            Error::UnknownSender { sender } => format!(
                "De afzender van deze bundel (sleutel {sender}) staat niet in de regionale \
                 deelnemerslijst."
            ),
            Error::BadSignature => "De handtekening van de afzender klopt niet: de bundel is \
                                    gewijzigd of niet door deze afzender gemaakt."
                .into(),
            Error::Truncated => "De bundel is onvolledig: het einde ontbreekt of is beschadigd \
                                 (bijvoorbeeld een afgebroken download)."
                .into(),
            Error::TamperedChunk { index } => {
                format!(
                    "Deel {} van de inhoud is beschadigd of gewijzigd.",
                    index + 1
                )
            }
            Error::TamperedHeader => "De kop van de bundel is beschadigd of gewijzigd.".into(),
            Error::UnsupportedVersion { found } => format!(
                "Deze bundel heeft formaatversie {found}; deze versie van Zicht leest alleen \
                 versie {}. Werk Zicht bij.",
                crate::VERSION
            ),
            Error::MalformedHeader { reason } => {
                format!("Ongeldige bundel: {}.", reason.dutch())
            }
            Error::NoRecipients => "Kies minstens één ontvanger.".into(),
            Error::TooManyRecipients { count } => format!(
                "Te veel ontvangers ({count}); het maximum is {}.",
                crate::MAX_RECIPIENTS
            ),
            Error::DuplicateRecipient { key } => {
                format!("Ontvanger {key} staat twee keer in de lijst.")
            }
            Error::InvalidKey => "Een sleutel is ongeldig.".into(),
            Error::Random => "De toevalsgenerator van het systeem werkt niet.".into(),
            Error::TooLarge => "De inhoud is te groot voor één bundel.".into(),
            Error::Internal => "Interne fout bij het versleutelen.".into(),
            Error::Io(e) => format!("Lezen of schrijven van de bundel is mislukt: {e}."),
        }
    }
}
