//! The core's one error type. Every variant has a stable code and a Dutch message for the user.
//! Messages never contain personal data (no field values, no passphrases).

use zicht_model::{ApiError, FieldError};

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("validation failed ({} fields)", .0.len())]
    Validation(Vec<FieldError>),
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error("too many attempts; wait {0} s")]
    TooManyAttempts(u64),
    #[error("store is locked")]
    Locked,
    #[error("store already set up")]
    AlreadySetUp,
    #[error("store not set up")]
    NotSetUp,
    #[error("store schema version {found} is newer than supported {supported}")]
    NewerSchema { found: u32, supported: u32 },
    #[error("not found")]
    NotFound,
    #[error("a control is already active")]
    ControlActive,
    #[error("control already ended")]
    ControlEnded,
    #[error("invalid content: {0}")]
    InvalidContent(String),
    /// A bundle that opened and verified, but whose content is not a payload this version
    /// takes (not parseable, another payload version, over the model's limits).
    #[error("invalid bundle payload: {0}")]
    BundlePayloadInvalid(&'static str),
    #[error("stored data is damaged or was tampered with")]
    Corrupt,
    #[error("directory invalid: {0}")]
    DirectoryInvalid(String),
    #[error("directory not signed by the pinned region root")]
    DirectoryWrongRoot,
    #[error("directory signature invalid")]
    DirectoryBadSignature,
    #[error("directory older than the one held")]
    DirectoryOlder,
    #[error("region root not confirmed")]
    DirectoryUnconfirmed,
    #[error("no directory imported")]
    NoDirectory,
    #[error("recipient not in the directory")]
    UnknownRecipient,
    #[error("bundle: {0}")]
    Bundle(#[from] zicht_bundle::Error),
    #[error("endpoint unreachable")]
    Offline,
    /// Not reached at all, with the reason in Dutch (`sync::unreachable_because`): during
    /// setup the reason tells a wrong address from a stopped endpoint.
    #[error("endpoint not reached: {0}")]
    Unreachable(String),
    #[error("endpoint refused: {0}")]
    Sync(String, String),
    #[error("store is in use by another process")]
    InUse,
    #[error("storage error: {0}")]
    Storage(String),
    /// A file the user asked for (an exported bundle, the audit log) could not be written at
    /// the chosen place; the reason in Dutch (`fsutil::why_not_saved`).
    #[error("file not saved: {0}")]
    FileNotSaved(&'static str),
    #[error("crypto error")]
    Crypto,
    #[error("meldroute invalid: {0}")]
    RouteInvalid(String),
    #[error("case status {from:?} cannot become {to:?}")]
    CaseTransition {
        from: zicht_model::CaseStatus,
        to: zicht_model::CaseStatus,
        how: zicht_model::Transition,
    },
    #[error("legal basis required ({} fields)", .0.len())]
    LegalBasisRequired(Vec<FieldError>),
    #[error("only the regional table can do this")]
    NotTable,
    #[error("only an attention officer can do this")]
    NotOfficer,
    #[error("already handled")]
    AlreadyHandled,
}

impl CoreError {
    /// Stable machine-readable code (used by the UI and in tests).
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Validation(_) => "validation",
            CoreError::WrongPassphrase => "wrong_passphrase",
            CoreError::TooManyAttempts(_) => "too_many_attempts",
            CoreError::Locked => "locked",
            CoreError::AlreadySetUp => "already_set_up",
            CoreError::NotSetUp => "not_set_up",
            CoreError::NewerSchema { .. } => "newer_schema",
            CoreError::NotFound => "not_found",
            CoreError::ControlActive => "control_active",
            CoreError::ControlEnded => "control_ended",
            CoreError::InvalidContent(_) => "invalid_content",
            CoreError::BundlePayloadInvalid(_) => "bundle_payload_invalid",
            CoreError::Corrupt => "corrupt",
            CoreError::DirectoryInvalid(_) => "directory_invalid",
            CoreError::DirectoryWrongRoot => "directory_wrong_root",
            CoreError::DirectoryBadSignature => "directory_bad_signature",
            CoreError::DirectoryOlder => "directory_older",
            CoreError::NoDirectory => "no_directory",
            CoreError::DirectoryUnconfirmed => "directory_unconfirmed",
            CoreError::UnknownRecipient => "unknown_recipient",
            CoreError::Bundle(e) => e.code(),
            CoreError::Offline | CoreError::Unreachable(_) => "offline",
            CoreError::Sync(code, _) => {
                // Endpoint codes are dynamic; map the known ones, keep the rest generic.
                match code.as_str() {
                    "enrol.invalid_token" => "enrol.invalid_token",
                    "enrol.wrong_endpoint" => "enrol.wrong_endpoint",
                    "enrol.key_in_use" => "enrol.key_in_use",
                    _ => "sync",
                }
            }
            CoreError::InUse => "in_use",
            CoreError::Storage(_) => "storage",
            CoreError::FileNotSaved(_) => "file_not_saved",
            CoreError::Crypto => "crypto",
            CoreError::RouteInvalid(_) => "route_invalid",
            CoreError::CaseTransition { .. } => "case_transition",
            CoreError::LegalBasisRequired(_) => "legal_basis_required",
            CoreError::NotTable => "not_table",
            CoreError::NotOfficer => "not_officer",
            CoreError::AlreadyHandled => "already_handled",
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
            code: e.code().into(),
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

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
