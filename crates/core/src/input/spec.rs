//! What a field is, as a target declares it ([`FieldSpec`]): its id, label, check,
//! aliases in any language, whether a row must give it, where an empty value comes from,
//! whether it is a secret, its default and its longest value. Built-in targets declare
//! theirs in their modules, profiles in their JSON (the same keys). A leaf beside
//! [`crate::input::field`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::input::field::Field;

/// How a field's values are checked before anything is sent (a profile's `check`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueCheck {
    Email,
    Text,
    Password,
    Integer,
    /// One of these values.
    Enum(Vec<String>),
    /// A Matrix localpart: lower-case letters, digits and `._=-/+`.
    Localpart,
    /// A regular expression the target documents, which the whole value must match
    /// (`{ "pattern": "[a-z0-9._-]+" }`).
    Pattern(Pattern),
}

/// A regular expression (the `regex-lite` syntax) that a whole value must match; read
/// and compared by its text.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    whole: regex_lite::Regex,
}

impl Pattern {
    /// The pattern, or why it is not one.
    pub fn new(source: &str) -> Result<Pattern, String> {
        let whole = regex_lite::Regex::new(&format!("^(?:{source})$"))
            .map_err(|e| format!("`{source}` is not a regular expression: {e}"))?;
        Ok(Pattern {
            source: source.to_owned(),
            whole,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the whole value matches.
    pub fn matches(&self, value: &str) -> bool {
        self.whole.is_match(value)
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pattern, D::Error> {
        let source = String::deserialize(d)?;
        Pattern::new(&source).map_err(serde::de::Error::custom)
    }
}

/// Where a field's value comes from when the row has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// The address's local part, lower-cased (`ann.lee@x.org` → `ann.lee`).
    EmailLocalpart,
}

/// One field a target's rows carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// The field's id: a built-in label (`email`, `username`, `name`) or the target's own
    /// (`department`), as templates name it (`{user.department}`).
    #[serde(with = "label")]
    pub field: Field,
    /// The field's name for people ("Department"): the mapping's select, the row editor,
    /// the table. A header equal to it maps to the field. A built-in field has its own;
    /// a custom one must give it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    #[serde(default)]
    pub required: bool,
    /// Whether the target's API itself refuses an account without it (`true`), or only
    /// Roster asks for it (`false`, e.g. a password Synapse's admin API would do
    /// without). Each shipped preset states it for every field; a field the API
    /// requires must be `required` too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_required: Option<bool>,
    pub check: ValueCheck,
    /// The most characters the target accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<usize>,
    /// Where the value comes from when the row has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Fallback>,
    /// Other names a column of it may have, in any language (`Abteilung`, `dept`): a
    /// header that is one of them (folded: case, accents and signs aside) maps to the
    /// field. Built-in fields also have Roster's own table (`input/aliases.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Shown masked, never written to a report (the password always is).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
    /// The value a row with an empty cell sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The fixed values it takes, when it takes fixed ones (Aurora's role, a profile's
    /// enum): a cell may say a value's label or an alias in words (`user`, `Kunde`), and
    /// the admin maps any other word (see [`crate::input::values`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<FieldValue>,
}

/// One value of a field with fixed values: what is sent, its name for people, and other
/// words for it in the languages the header aliases cover (`input/aliases.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldValue {
    /// What is sent (`2`, `admin`).
    pub value: String,
    /// Its name for people (`Normal user`).
    pub label: String,
    /// Other words for it, in any language (`user`, `Benutzer`, `utilisateur`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl FieldValue {
    /// A value with its label and aliases.
    pub fn new(value: &str, label: &str, aliases: &[&str]) -> FieldValue {
        FieldValue {
            value: value.into(),
            label: label.into(),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    /// `2 Normal user`: the value and its label, as a select offers it.
    pub fn choice(&self) -> String {
        if self.label.trim().is_empty() || self.label.trim() == self.value {
            self.value.clone()
        } else {
            format!("{} {}", self.value, self.label.trim())
        }
    }
}

impl FieldSpec {
    /// A built-in field as a target declares it: its own label and check, optional.
    pub fn builtin(field: Field) -> FieldSpec {
        let check = match field {
            Field::Email => ValueCheck::Email,
            Field::Password => ValueCheck::Password,
            Field::Role | Field::TenantId | Field::PackageId => ValueCheck::Integer,
            _ => ValueCheck::Text,
        };
        FieldSpec {
            field,
            label: String::new(),
            required: false,
            api_required: None,
            check,
            max_len: None,
            fallback: None,
            aliases: Vec::new(),
            secret: field.is_secret(),
            default: None,
            values: Vec::new(),
        }
    }

    /// The built-in `field`, required.
    pub fn required(field: Field) -> FieldSpec {
        FieldSpec {
            required: true,
            ..FieldSpec::builtin(field)
        }
    }

    /// The name for people: the declared label, else the built-in field's title.
    pub fn title(&self) -> &str {
        if self.label.trim().is_empty() {
            self.field.title()
        } else {
            self.label.trim()
        }
    }

    /// The field's name among the mapping's choices: its label, with how a built-in
    /// field takes its values where that helps ("Quota (MB, or with a unit: 2 GB)").
    pub fn choice_label(&self) -> String {
        match self.field {
            _ if !self.label.trim().is_empty() => self.label.trim().to_owned(),
            Field::FirstName => "First name (joined into name)".into(),
            Field::LastName => "Last name (joined into name)".into(),
            Field::QuotaMb => "Quota (MB, or with a unit: 2 GB)".into(),
            f => f.title().to_owned(),
        }
    }

    /// Whether values of it are secrets (masked, never in a report).
    pub fn is_secret(&self) -> bool {
        self.secret || self.field.is_secret()
    }

    /// Who requires the field, in words, for a target named `api` (`Matrix Synapse`):
    /// "required by the Matrix Synapse API" or "required by Roster"; `None` when a row
    /// may leave it out.
    pub fn required_by(&self, api: &str) -> Option<String> {
        match (self.required, self.api_required) {
            (_, Some(true)) => Some(format!("required by the {api} API")),
            (true, _) => Some("required by Roster".to_owned()),
            (false, _) => None,
        }
    }
}

impl From<Field> for FieldSpec {
    fn from(field: Field) -> FieldSpec {
        FieldSpec::builtin(field)
    }
}

/// The declared spec of `field` among `specs`.
pub fn spec_of(specs: &[FieldSpec], field: Field) -> Option<&FieldSpec> {
    specs.iter().find(|s| s.field == field)
}

/// Whether `field` holds secrets: the password, or a field `specs` declares `secret`.
pub fn is_secret_in(specs: &[FieldSpec], field: Field) -> bool {
    field.is_secret() || spec_of(specs, field).is_some_and(|s| s.secret)
}

/// The name for people of `field` among `specs` (its title when none declares it).
pub fn title_of(specs: &[FieldSpec], field: Field) -> String {
    spec_of(specs, field).map_or_else(|| field.title().to_owned(), |s| s.title().to_owned())
}

/// A [`Field`] written as its id (`"email"`, `"department"`), as profiles name fields.
pub mod label {
    use super::*;

    pub fn serialize<S: Serializer>(field: &Field, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(field.label())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Field, D::Error> {
        let name = String::deserialize(d)?;
        Field::from_label(&name).ok_or_else(|| {
            let known: Vec<&str> = Field::ALL.iter().map(|f| f.label()).collect();
            serde::de::Error::custom(format!(
                "unknown Roster field `{name}`, expected one of {}, or an id of your own (a-z, 0-9 and _, starting with a letter, at most {} characters) with a `label`",
                known.join(", "),
                crate::input::field::CustomName::MAX
            ))
        })
    }
}

/// A list of [`Field`]s written as their ids.
pub mod labels {
    use super::*;

    pub fn serialize<S: Serializer>(fields: &[Field], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(fields.iter().map(|f| f.label()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Field>, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        names
            .iter()
            .map(|name| {
                Field::from_label(name).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown Roster field `{name}`"))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_for_people_and_secrecy_come_from_the_declaration() {
        let quota = FieldSpec::builtin(Field::QuotaMb);
        assert_eq!(quota.choice_label(), "Quota (MB, or with a unit: 2 GB)");
        assert_eq!(quota.title(), "Quota");
        let dept = FieldSpec {
            label: " Department ".into(),
            ..FieldSpec::builtin(Field::custom("department").unwrap())
        };
        assert_eq!(
            (dept.title(), dept.choice_label().as_str()),
            ("Department", "Department")
        );
        assert!(!dept.is_secret() && FieldSpec::builtin(Field::Password).is_secret());
        let pin = FieldSpec {
            secret: true,
            ..FieldSpec::builtin(Field::custom("pin").unwrap())
        };
        let specs = [dept.clone(), pin.clone()];
        assert!(is_secret_in(&specs, pin.field) && !is_secret_in(&specs, dept.field));
        assert!(is_secret_in(&specs, Field::Password));
        assert_eq!(title_of(&specs, Field::Email), "Email");
        assert_eq!(title_of(&specs, dept.field), "Department");
    }

    #[test]
    fn a_custom_id_is_short_lower_case_and_no_built_in_label() {
        assert_eq!(Field::from_label("email"), Some(Field::Email));
        assert_eq!(Field::custom("email"), None);
        assert!(Field::custom("cost_center_2").is_some());
        for bad in ["", "Dept", "2nd", "dept!", "abteilung_für", &"x".repeat(25)] {
            assert_eq!(Field::custom(bad), None, "{bad:?}");
        }
        let f = Field::custom(&"x".repeat(24)).unwrap();
        assert_eq!(f.label(), "x".repeat(24));
        assert_eq!(Field::from_label(f.label()), Some(f));
    }
}
