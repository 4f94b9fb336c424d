//! Typed values for fields that have a format: phone numbers, postcodes, collar numbers,
//! organisation ids, countries, language codes, dates, instants and times of day; the
//! jurisdiction a force or a postcode belongs to; and the named choices (languages, police
//! forces, countries) that a form offers in searchable pickers.
//!
//! Why each value keeps what was typed: an officer's draft must survive even when a field is
//! half-filled ("07700 9"), so a value never fails to deserialise. Each type parses its input
//! once, keeps the normalised form when the input is well formed (E.164 for phones, upper case
//! with one space for postcodes) and otherwise keeps the raw text so nothing is lost. Strict
//! validation refuses values that did not parse. None of these types prints its content in
//! `Debug`: they hold personal data.

mod choice;
mod country;
mod date;
mod jurisdiction;
mod language;
mod org;
mod phone;
mod postcode;

pub use choice::NamedChoice;
pub use country::{CountryCode, countries, country_name};
pub use date::{DateValue, InstantValue, TimeOfDay};
pub use jurisdiction::Jurisdiction;
pub use language::{LanguageCode, language_name, languages};
pub use org::{CollarNumber, OrganisationId, POLICE_FORCES, police_forces};
pub use phone::{PhoneKind, PhoneNumber, PhoneProblem};
pub use postcode::Postcode;

/// Implements the shared plumbing of a lenient value type: serde as a plain string (the
/// normalised form when it parsed, else the text as typed), a redacted `Debug`, and a JSON
/// Schema of `type: string` with the given format description.
macro_rules! lenient_value {
    ($ty:ident, $schema_desc:expr) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(d)?;
                Ok($ty::parse(&text))
            }
        }

        /// Two values are equal when their normalised forms are equal.
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }
        impl Eq for $ty {}

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(
                    f,
                    concat!(stringify!($ty), "(<redacted>, valid: {})"),
                    self.is_valid()
                )
            }
        }

        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($ty).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string", "description": $schema_desc })
            }
        }
    };
}
pub(crate) use lenient_value;
