//! The error registry of the IPC boundary: every code the shell can send the UI, with its wire
//! name, in one list. The UI matches on [`ErrorCode`], never on a string.
//!
//! One naming scheme: `snake_case`, prefixed with the area where there is one
//! (`bundle_…`, `directory_…`, `enrol_…`).

use serde::{Deserialize, Serialize};

macro_rules! registry {
    ($($(#[doc = $doc:literal])+ $name:ident = $wire:literal,)*) => {
        /// What went wrong, as a stable code (see the module docs).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum ErrorCode {
            $($(#[doc = $doc])+ #[serde(rename = $wire)] $name,)*
        }

        impl ErrorCode {
            /// Every code, in registry order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name,)*];

            /// The name on the wire (and in logs).
            pub fn wire(self) -> &'static str {
                match self {
                    $(ErrorCode::$name => $wire,)*
                }
            }
        }
    };
}

registry! {
    /// One or more fields are not filled in correctly; see [`ApiError::fields`].
    Validation = "validation",
    /// The passphrase does not unlock the store.
    WrongPassphrase = "wrong_passphrase",
    /// Too many wrong passphrases: the next attempt must wait.
    TooManyAttempts = "too_many_attempts",
    /// The store is locked: unlock first.
    Locked = "locked",
    /// Setup ran on a store that is already set up.
    AlreadySetUp = "already_set_up",
    /// The store has not been set up yet.
    NotSetUp = "not_set_up",
    /// The store was written by a newer version of Zicht (left untouched).
    NewerSchema = "newer_schema",
    /// The store's key wrap uses a weaker key derivation than this build accepts (not opened).
    WeakKeyWrap = "weak_key_wrap",
    /// The record asked for does not exist (any more).
    NotFound = "not_found",
    /// A field control is already running.
    ControlActive = "control_active",
    /// The field control has already ended.
    ControlEnded = "control_ended",
    /// Imported content (card set, meldroute template) is invalid.
    InvalidContent = "invalid_content",
    /// A bundle verified, but its payload is not one this version takes.
    BundlePayloadInvalid = "bundle_payload_invalid",
    /// Stored data is damaged or was changed outside Zicht.
    Corrupt = "corrupt",
    /// The participant directory is not valid.
    DirectoryInvalid = "directory_invalid",
    /// The directory is signed by another region root than the pinned one.
    DirectoryWrongRoot = "directory_wrong_root",
    /// The directory's signature does not verify.
    DirectoryBadSignature = "directory_bad_signature",
    /// The directory is older than the one held.
    DirectoryOlder = "directory_older",
    /// The region root's fingerprint was not confirmed at the first import.
    DirectoryUnconfirmed = "directory_unconfirmed",
    /// The fingerprint typed or configured for the first directory is not its root's.
    DirectoryFingerprintMismatch = "directory_fingerprint_mismatch",
    /// No directory has been imported yet.
    NoDirectory = "no_directory",
    /// A recipient is not in the directory.
    UnknownRecipient = "unknown_recipient",
    /// The sender's role may not send what the bundle carries (e.g. a decision not from the
    /// regional table).
    BundleSenderNotAllowed = "bundle_sender_not_allowed",
    /// The sender is marked revoked in the directory.
    BundleSenderRevoked = "bundle_sender_revoked",
    /// The bundle was received before and purged at the end of its term.
    BundlePurged = "bundle_purged",
    /// The bundle was sent longer ago than its retention term.
    BundleExpired = "bundle_expired",
    /// The bundle holds no key for this device.
    BundleNotForMe = "bundle_not_for_me",
    /// The bundle's sender is not in the directory.
    BundleUnknownSender = "bundle_unknown_sender",
    /// The sender's signature does not verify.
    BundleBadSignature = "bundle_bad_signature",
    /// The bundle is incomplete.
    BundleTruncated = "bundle_truncated",
    /// A chunk of the bundle's content was changed.
    BundleTamperedChunk = "bundle_tampered_chunk",
    /// The bundle's header was changed.
    BundleTamperedHeader = "bundle_tampered_header",
    /// The bundle has a format version this build does not read.
    BundleUnsupportedVersion = "bundle_unsupported_version",
    /// The bundle's header cannot be parsed.
    BundleMalformedHeader = "bundle_malformed_header",
    /// A bundle needs at least one recipient.
    BundleNoRecipients = "bundle_no_recipients",
    /// More recipients than one bundle takes.
    BundleTooManyRecipients = "bundle_too_many_recipients",
    /// The same recipient twice.
    BundleDuplicateRecipient = "bundle_duplicate_recipient",
    /// A key is not valid key material.
    BundleInvalidKey = "bundle_invalid_key",
    /// The system's random generator failed.
    BundleRandom = "bundle_random",
    /// The content is too large for one bundle.
    BundleTooLarge = "bundle_too_large",
    /// A failure inside the crypto library that no input causes.
    BundleInternal = "bundle_internal",
    /// Reading or writing the bundle failed.
    BundleIo = "bundle_io",
    /// The regional endpoint was not reached; nothing is lost.
    Offline = "offline",
    /// The endpoint refused a request (its reason in the message).
    Sync = "sync",
    /// The enrolment code is unknown, used or expired.
    EnrolInvalidToken = "enrol_invalid_token",
    /// The address answers, but not as the endpoint whose key was pinned.
    EnrolWrongEndpoint = "enrol_wrong_endpoint",
    /// This device's key is already enrolled under another code.
    EnrolKeyInUse = "enrol_key_in_use",
    /// Another process has the store open.
    InUse = "in_use",
    /// Writing to disk failed; nothing changed.
    Storage = "storage",
    /// A file the user asked for could not be written at the chosen place.
    FileNotSaved = "file_not_saved",
    /// Encrypting or decrypting failed.
    Crypto = "crypto",
    /// The edited meldroute is not valid.
    RouteInvalid = "route_invalid",
    /// A case cannot make this status change.
    CaseTransition = "case_transition",
    /// Sharing outside the municipality needs a legal basis; see [`ApiError::fields`].
    LegalBasisRequired = "legal_basis_required",
    /// Only the regional table can do this.
    NotTable = "not_table",
    /// Only an attention officer can do this.
    NotOfficer = "not_officer",
    /// Already handled; nothing changed.
    AlreadyHandled = "already_handled",
    /// The app is still starting (the store is being opened).
    Starting = "starting",
    /// No folder was found to save a file in.
    NoExportDir = "no_export_dir",
    /// An unexpected failure in the shell (a task that did not finish).
    Internal = "internal",
    /// The call did not reach the shell or its answer could not be read (the UI makes this).
    Ipc = "ipc",
}

/// One field-level validation problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Field name as the UI knows it (e.g. `observation`, `persons.0.label`).
    pub field: String,
    /// Dutch message for the user.
    pub message: String,
}

/// The error shape that crosses the IPC boundary: a stable code, a Dutch message, and
/// field-level problems when the input was invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default)]
    pub fields: Vec<FieldError>,
}

impl ApiError {
    /// An error with no field problems.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// The store is still being opened.
    pub fn starting() -> Self {
        Self::new(ErrorCode::Starting, "Zicht start nog op. Een ogenblik.")
    }

    /// A task in the shell did not finish (it panicked or was cancelled).
    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "Er ging iets mis in Zicht. Er is niets gewijzigd; probeer het opnieuw.",
        )
    }

    /// Neither the download nor the home folder could be found.
    pub fn no_export_dir() -> Self {
        Self::new(
            ErrorCode::NoExportDir,
            "Er is geen map gevonden om het bestand in op te slaan.",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code.wire())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_snake_case_wire_name_that_round_trips() {
        let mut seen = std::collections::BTreeSet::new();
        for c in ErrorCode::ALL {
            let w = c.wire();
            assert!(
                !w.is_empty() && w.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{w}: one naming scheme, snake_case"
            );
            assert!(seen.insert(w), "{w} twice");
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{w}\""));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), *c);
        }
    }

    #[test]
    fn an_api_error_crosses_the_wire_with_its_code_name() {
        let e = ApiError::new(ErrorCode::FileNotSaved, "niet opgeslagen");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "file_not_saved");
        assert_eq!(serde_json::from_value::<ApiError>(json).unwrap(), e);
    }
}
