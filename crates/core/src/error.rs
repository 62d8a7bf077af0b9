//! The core's one error type. Every variant has a code in the IPC registry
//! ([`zicht_model::ErrorCode`]) and a Dutch message for the user.
//! Messages never contain personal data (no field values, no passphrases).

use zicht_model::{ApiError, ErrorCode, FieldError};

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Fields not filled in correctly, each with its Dutch message.
    #[error("validation failed ({} fields)", .0.len())]
    Validation(Vec<FieldError>),
    /// The passphrase does not unlock the data key.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// Unlock refused without trying: wait this many seconds.
    #[error("too many attempts; wait {0} s")]
    TooManyAttempts(u64),
    /// The operation needs an unlocked store.
    #[error("store is locked")]
    Locked,
    /// Setup on a store that already has a key wrap.
    #[error("store already set up")]
    AlreadySetUp,
    /// Unlock on a store without a key wrap.
    #[error("store not set up")]
    NotSetUp,
    /// The store's layout version is newer than this build knows; left untouched.
    #[error("store schema version {found} is newer than supported {supported}")]
    NewerSchema { found: u32, supported: u32 },
    /// The key wrap's key derivation is below the minimum (Argon2id parameters, or PBKDF2
    /// rounds): not a store this build created; not opened.
    #[error("key wrap weaker than the minimum")]
    WeakKeyWrap,
    /// No record with this id (or the id is not one).
    #[error("not found")]
    NotFound,
    /// Only one field control runs at a time.
    #[error("a control is already active")]
    ControlActive,
    /// The control has already ended.
    #[error("control already ended")]
    ControlEnded,
    /// A card set or meldroute template that fails validation (the reason, for logs).
    #[error("invalid content: {0}")]
    InvalidContent(String),
    /// A bundle that opened and verified, but whose content is not a payload this version
    /// takes (not parseable, another payload version, over the model's limits).
    #[error("invalid bundle payload: {0}")]
    BundlePayloadInvalid(&'static str),
    /// A stored value that does not open or parse: damaged or changed outside Zicht.
    #[error("stored data is damaged or was tampered with")]
    Corrupt,
    /// A participant directory that does not parse or validate (the reason, for logs).
    #[error("directory invalid: {0}")]
    DirectoryInvalid(String),
    /// A directory signed by another root than the pinned region root.
    #[error("directory not signed by the pinned region root")]
    DirectoryWrongRoot,
    /// A directory whose signature does not verify.
    #[error("directory signature invalid")]
    DirectoryBadSignature,
    /// A directory older than (or different at the same version as) the one held.
    #[error("directory older than the one held")]
    DirectoryOlder,
    /// The first directory import without the user confirming the root fingerprint.
    #[error("region root not confirmed")]
    DirectoryUnconfirmed,
    /// Sending or receiving needs a directory first.
    #[error("no directory imported")]
    NoDirectory,
    /// A recipient id or key not in the directory.
    #[error("recipient not in the directory")]
    UnknownRecipient,
    /// The bundle format refused a bundle (tampered, truncated, not for this device, ...).
    #[error("bundle: {0}")]
    Bundle(#[from] zicht_bundle::Error),
    /// The endpoint did not answer; nothing is lost.
    /// A verified bundle whose sender's role may not send what it carries (rule:
    /// [`zicht_model::PayloadKind::senders`]).
    #[error("a {role:?} may not send {kind:?}")]
    SenderNotAllowed {
        kind: zicht_model::PayloadKind,
        role: zicht_model::ParticipantRole,
    },
    /// The fingerprint typed (or configured) for the first directory is not its root's.
    #[error("directory root fingerprint does not match")]
    DirectoryFingerprintMismatch,
    /// A bundle from a participant the directory marks revoked.
    #[error("sender revoked")]
    SenderRevoked,
    /// A bundle received before and purged at the end of its term (its tombstone is kept).
    #[error("bundle purged before")]
    BundlePurged,
    /// A bundle that arrives after the retention term it would have had, counted from when it
    /// was sent.
    #[error("bundle past its retention term")]
    BundleExpired,
    #[error("endpoint unreachable")]
    Offline,
    /// Not reached at all, with the reason in Dutch (`sync::unreachable_because`): during
    /// setup the reason tells a wrong address from a stopped endpoint.
    #[error("endpoint not reached: {0}")]
    Unreachable(String),
    /// The endpoint refused: its code and its (Dutch) message.
    #[error("endpoint refused: {0}")]
    Sync(String, String),
    /// Another process holds the store's lock.
    #[error("store is in use by another process")]
    InUse,
    /// A write to disk failed (the I/O error kind, for logs); nothing changed.
    #[error("storage error: {0}")]
    Storage(String),
    /// A file the user asked for (an exported bundle, the audit log) could not be written at
    /// the chosen place; the reason in Dutch (`fsutil::why_not_saved`).
    #[error("file not saved: {0}")]
    FileNotSaved(&'static str),
    /// Sealing or opening failed in the crypto library.
    #[error("crypto error")]
    Crypto,
    /// An edited meldroute that fails validation, with the Dutch reason.
    #[error("meldroute invalid: {0}")]
    RouteInvalid(String),
    /// A case status change the status machine does not allow.
    #[error("case status {from:?} cannot become {to:?}")]
    CaseTransition {
        from: zicht_model::CaseStatus,
        to: zicht_model::CaseStatus,
        how: zicht_model::Transition,
    },
    /// Sharing outside the municipality without a complete legal basis (field errors).
    #[error("legal basis required ({} fields)", .0.len())]
    LegalBasisRequired(Vec<FieldError>),
    /// Only the regional table may decide a case.
    #[error("only the regional table can do this")]
    NotTable,
    /// Only an attention officer may do this.
    #[error("only an attention officer can do this")]
    NotOfficer,
    /// A received bundle that was already accepted, dismissed or answered.
    #[error("already handled")]
    AlreadyHandled,
}

impl CoreError {
    /// The code in the IPC registry ([`ErrorCode`]).
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            CoreError::Validation(_) => C::Validation,
            CoreError::WrongPassphrase => C::WrongPassphrase,
            CoreError::TooManyAttempts(_) => C::TooManyAttempts,
            CoreError::Locked => C::Locked,
            CoreError::AlreadySetUp => C::AlreadySetUp,
            CoreError::NotSetUp => C::NotSetUp,
            CoreError::NewerSchema { .. } => C::NewerSchema,
            CoreError::WeakKeyWrap => C::WeakKeyWrap,
            CoreError::NotFound => C::NotFound,
            CoreError::ControlActive => C::ControlActive,
            CoreError::ControlEnded => C::ControlEnded,
            CoreError::InvalidContent(_) => C::InvalidContent,
            CoreError::BundlePayloadInvalid(_) => C::BundlePayloadInvalid,
            CoreError::Corrupt => C::Corrupt,
            CoreError::DirectoryInvalid(_) => C::DirectoryInvalid,
            CoreError::DirectoryWrongRoot => C::DirectoryWrongRoot,
            CoreError::DirectoryBadSignature => C::DirectoryBadSignature,
            CoreError::DirectoryOlder => C::DirectoryOlder,
            CoreError::NoDirectory => C::NoDirectory,
            CoreError::DirectoryUnconfirmed => C::DirectoryUnconfirmed,
            CoreError::UnknownRecipient => C::UnknownRecipient,
            CoreError::Bundle(e) => bundle_code(e),
            CoreError::SenderNotAllowed { .. } => C::BundleSenderNotAllowed,
            CoreError::BundlePurged => C::BundlePurged,
            CoreError::SenderRevoked => C::BundleSenderRevoked,
            CoreError::DirectoryFingerprintMismatch => C::DirectoryFingerprintMismatch,
            CoreError::BundleExpired => C::BundleExpired,
            CoreError::Offline | CoreError::Unreachable(_) => C::Offline,
            // Endpoint codes are the endpoint's; the ones the user can act on get their own.
            CoreError::Sync(code, _) => match code.as_str() {
                zicht_protocol::codes::ENROL_INVALID_TOKEN => C::EnrolInvalidToken,
                "enrol.wrong_endpoint" => C::EnrolWrongEndpoint,
                zicht_protocol::codes::ENROL_KEY_IN_USE => C::EnrolKeyInUse,
                _ => C::Sync,
            },
            CoreError::InUse => C::InUse,
            CoreError::Storage(_) => C::Storage,
            CoreError::FileNotSaved(_) => C::FileNotSaved,
            CoreError::Crypto => C::Crypto,
            CoreError::RouteInvalid(_) => C::RouteInvalid,
            CoreError::CaseTransition { .. } => C::CaseTransition,
            CoreError::LegalBasisRequired(_) => C::LegalBasisRequired,
            CoreError::NotTable => C::NotTable,
            CoreError::NotOfficer => C::NotOfficer,
            CoreError::AlreadyHandled => C::AlreadyHandled,
        }
    }

    /// Dutch message for the user.
    pub fn message(&self) -> String {
        match self {
            CoreError::Validation(f) if f.len() == 1 => {
                "Eén veld is niet goed ingevuld. Zie de melding bij het veld.".into()
            }
            CoreError::Validation(f) => format!(
                "{} velden zijn niet goed ingevuld. Zie de meldingen bij de velden.",
                f.len()
            ),
            CoreError::WrongPassphrase => {
                "Het wachtwoord is onjuist. Er is niets gewijzigd.".into()
            }
            CoreError::TooManyAttempts(s) => format!(
                "Te veel onjuiste pogingen. Probeer het over {s} seconden opnieuw."
            ),
            CoreError::Locked => "Zicht is vergrendeld. Ontgrendel eerst met uw wachtwoord.".into(),
            CoreError::AlreadySetUp => "Zicht is op dit apparaat al ingericht.".into(),
            CoreError::NotSetUp => "Zicht is op dit apparaat nog niet ingericht.".into(),
            CoreError::NewerSchema { .. } => "Deze gegevens zijn gemaakt met een nieuwere versie van Zicht. Werk Zicht bij; de gegevens zijn niet aangeraakt.".into(),
            CoreError::WeakKeyWrap => "Deze gegevens zijn beveiligd met een zwakkere sleutel dan Zicht toestaat. Ze worden niet geopend; neem contact op met uw beheerder.".into(),
            CoreError::NotFound => "Het gevraagde gegeven bestaat niet (meer).".into(),
            CoreError::ControlActive => "Er loopt al een controle. Beëindig die eerst.".into(),
            CoreError::ControlEnded => "Deze controle is al beëindigd.".into(),
            CoreError::InvalidContent(_) => "De ingelezen inhoud (signaalkaarten of meldroute) is ongeldig.".into(),
            CoreError::BundlePayloadInvalid(_) => "Deze bundel is ondertekend door een deelnemer, maar de inhoud is ongeldig of groter dan deze versie van Zicht toestaat. Er is niets ingelezen.".into(),
            CoreError::Corrupt => "Opgeslagen gegevens zijn beschadigd of gewijzigd buiten Zicht om.".into(),
            CoreError::DirectoryInvalid(_) => "Het deelnemersoverzicht van de regio is ongeldig.".into(),
            CoreError::DirectoryWrongRoot => "Dit deelnemersoverzicht is niet ondertekend door de regio waaraan dit apparaat gekoppeld is. Het is niet ingelezen.".into(),
            CoreError::DirectoryBadSignature => "De handtekening van het deelnemersoverzicht klopt niet. Het is niet ingelezen.".into(),
            CoreError::DirectoryOlder => "Dit deelnemersoverzicht is ouder dan het overzicht dat al is ingelezen.".into(),
            CoreError::DirectoryUnconfirmed => "Vergelijk eerst de vingerafdruk van de regio met die van de coördinator en bevestig hem. Er is niets ingelezen.".into(),
            CoreError::NoDirectory => "Lees eerst het deelnemersoverzicht van de regio in.".into(),
            CoreError::UnknownRecipient => "Deze ontvanger staat niet in het deelnemersoverzicht.".into(),
            CoreError::Bundle(e) => e.message(),
            CoreError::DirectoryFingerprintMismatch => "De vingerafdruk komt niet overeen met de sleutel waarmee dit overzicht is ondertekend. Controleer de cijfers met de regiocoördinator; er is niets ingelezen.".into(),
            CoreError::SenderRevoked => "Deze bundel is geweigerd: de afzender is door de regio ingetrokken (bijvoorbeeld na verlies van een laptop). Er is niets ingelezen.".into(),
            CoreError::BundlePurged => "Deze bundel is eerder ontvangen en na de bewaartermijn verwijderd. Hij wordt niet opnieuw ingelezen.".into(),
            CoreError::BundleExpired => "Deze bundel is verstuurd langer geleden dan de bewaartermijn. Hij wordt niet ingelezen.".into(),
            CoreError::SenderNotAllowed { kind, role } => format!(
                "Deze bundel is geweigerd: een deelnemer met de rol '{}' mag geen {} sturen. Er is niets ingelezen.",
                role.label(),
                kind.label()
            ),
            CoreError::Offline => "Het regionale knooppunt is niet bereikbaar. Er is niets verloren; probeer het later opnieuw.".into(),
            CoreError::Unreachable(why) => format!("Het regionale knooppunt is niet bereikt: {why}. Controleer het adres, of probeer het later opnieuw; er is niets verloren."),
            CoreError::Sync(_, message) => message.clone(),
            CoreError::InUse => "Zicht is al geopend (in een ander venster of door een ander programma). Sluit dat eerst.".into(),
            CoreError::Storage(_) => "Opslaan op schijf is mislukt. Er is niets gewijzigd; probeer het opnieuw.".into(),
            CoreError::FileNotSaved(why) => format!("Het bestand is niet opgeslagen: {why}. Probeer het opnieuw, zo nodig op een andere plek."),
            CoreError::Crypto => "Versleutelen of ontsleutelen is mislukt.".into(),
            CoreError::RouteInvalid(why) => format!("De meldroute is niet opgeslagen: {why}"),
            CoreError::CaseTransition { from, to, how } => match how {
                zicht_model::Transition::ViaForward => "Een casus gaat alleen naar de regionale tafel door hem door te sturen, met een grondslag.".into(),
                zicht_model::Transition::ViaDecision => "De status 'besluit ontvangen' volgt alleen uit een besluit van de regionale tafel.".into(),
                _ => format!(
                    "Een casus met status '{}' kan niet naar '{}'. Er is niets gewijzigd.",
                    from.label(),
                    to.label()
                ),
            },
            CoreError::LegalBasisRequired(_) => "Niet verstuurd: voor delen buiten de gemeente is een grondslag nodig. Kies een grondslag, licht die toe en kies welke gegevens meegaan.".into(),
            CoreError::NotTable => "Alleen de regionale tafel kan een besluit nemen over een casus.".into(),
            CoreError::NotOfficer => "Alleen een aandachtsfunctionaris kan casussen aanmaken en binnengekomen signalen verwerken.".into(),
            CoreError::AlreadyHandled => "Dit is al afgehandeld. Er is niets gewijzigd.".into(),
        }
    }

    /// Field-level problems, if any.
    pub fn fields(&self) -> &[FieldError] {
        match self {
            CoreError::Validation(f) | CoreError::LegalBasisRequired(f) => f,
            _ => &[],
        }
    }

    /// Convenience: a one-field validation error.
    pub fn field(field: &str, message: &str) -> Self {
        CoreError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        ApiError {
            code: e.code(),
            message: e.message(),
            fields: e.fields().to_vec(),
        }
    }
}

impl From<std::io::Error> for CoreError {
    fn from(e: std::io::Error) -> Self {
        CoreError::Storage(e.kind().to_string())
    }
}

/// The registry code of a bundle format error.
fn bundle_code(e: &zicht_bundle::Error) -> ErrorCode {
    use zicht_bundle::Error as B;
    use ErrorCode as C;
    match e {
        B::NotForMe => C::BundleNotForMe,
        B::UnknownSender { .. } => C::BundleUnknownSender,
        B::BadSignature => C::BundleBadSignature,
        B::Truncated => C::BundleTruncated,
        B::TamperedChunk { .. } => C::BundleTamperedChunk,
        B::TamperedHeader => C::BundleTamperedHeader,
        B::UnsupportedVersion { .. } => C::BundleUnsupportedVersion,
        B::MalformedHeader { .. } => C::BundleMalformedHeader,
        B::NoRecipients => C::BundleNoRecipients,
        B::TooManyRecipients { .. } => C::BundleTooManyRecipients,
        B::DuplicateRecipient { .. } => C::BundleDuplicateRecipient,
        B::InvalidKey => C::BundleInvalidKey,
        B::Random => C::BundleRandom,
        B::TooLarge => C::BundleTooLarge,
        B::Internal => C::BundleInternal,
        B::Io(_) => C::BundleIo,
        // The format crate may add refusals; until they get a code of their own, they are
        // reported as a bundle that cannot be read.
        _ => C::BundleMalformedHeader,
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
