//! The vocabulary of a row: the field ids a target declares (built-in ones and a
//! profile's own, [`Field`]), a record's values by field as text ([`MappedRow`]), and a
//! row ready to be sent ([`UserRow`]), whose values are looked up by field. A leaf: every
//! stage of the input names fields through it. What a field is (its label, check,
//! aliases, ...) is declared in [`crate::input::spec::FieldSpec`].

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A field's id. The built-in ones carry Roster's own knowledge (aliases in seven
/// languages, content scoring, checks); a profile declares its own as
/// [`Field::Custom`], named by a short id (`department`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Field {
    Email,
    Password,
    Name,
    FirstName,
    LastName,
    Role,
    QuotaMb,
    TenantId,
    PackageId,
    Timezone,
    LoginIps,
    /// A sign-in name that is not an address (Matrix's localpart, GitLab's username).
    Username,
    /// A field a target declares beyond the built-in ones (a profile's `department`).
    Custom(CustomName),
}

/// The id of a declared field that is not built in: 1 to [`CustomName::MAX`] bytes of
/// `a-z`, `0-9` and `_`, starting with a letter, and no built-in field's label. Kept
/// inline, so that a [`Field`] stays `Copy` and needs no table to be named.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CustomName {
    bytes: [u8; CustomName::MAX],
    len: u8,
}

impl CustomName {
    /// The longest id, in bytes.
    pub const MAX: usize = 24;

    /// The id, when `name` is one (see [`CustomName`]).
    pub fn new(name: &str) -> Option<CustomName> {
        let b = name.as_bytes();
        let ok = (1..=CustomName::MAX).contains(&b.len())
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
            && Field::builtin_from_label(name).is_none();
        ok.then(|| {
            let mut bytes = [0; CustomName::MAX];
            bytes[..b.len()].copy_from_slice(b);
            CustomName {
                bytes,
                len: b.len() as u8,
            }
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Debug for CustomName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl Serialize for CustomName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CustomName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CustomName, D::Error> {
        let name = String::deserialize(d)?;
        CustomName::new(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("`{name}` is no field id")))
    }
}

impl Field {
    /// The built-in fields.
    pub const ALL: [Field; 12] = [
        Field::Email,
        Field::Password,
        Field::Name,
        Field::FirstName,
        Field::LastName,
        Field::Role,
        Field::QuotaMb,
        Field::TenantId,
        Field::PackageId,
        Field::Timezone,
        Field::LoginIps,
        Field::Username,
    ];

    /// Every built-in field but [`Field::Username`]: what the automatic mapping considers
    /// for a target that signs users in with their address (a `Login` column then feeds
    /// the address, never a user name).
    pub const ADDRESS_SIGN_IN: [Field; 11] = [
        Field::Email,
        Field::Password,
        Field::Name,
        Field::FirstName,
        Field::LastName,
        Field::Role,
        Field::QuotaMb,
        Field::TenantId,
        Field::PackageId,
        Field::Timezone,
        Field::LoginIps,
    ];

    /// A custom field's id, when `name` is one (see [`CustomName`]).
    pub fn custom(name: &str) -> Option<Field> {
        CustomName::new(name).map(Field::Custom)
    }

    /// The place of a built-in field in [`Field::ALL`]; `None` for a custom one.
    pub fn builtin_index(self) -> Option<usize> {
        Some(match self {
            Field::Email => 0,
            Field::Password => 1,
            Field::Name => 2,
            Field::FirstName => 3,
            Field::LastName => 4,
            Field::Role => 5,
            Field::QuotaMb => 6,
            Field::TenantId => 7,
            Field::PackageId => 8,
            Field::Timezone => 9,
            Field::LoginIps => 10,
            Field::Username => 11,
            Field::Custom(_) => return None,
        })
    }

    /// Whether it is one of Roster's own fields.
    pub fn is_builtin(self) -> bool {
        !matches!(self, Field::Custom(_))
    }

    /// The field's id in templates (`{user.email}`), profiles and the template's header.
    pub fn label(&self) -> &str {
        match self {
            Field::Custom(name) => name.as_str(),
            builtin => builtin.builtin_label(),
        }
    }

    fn builtin_label(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::Password => "password",
            Field::Name => "name",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Role => "role",
            Field::QuotaMb => "quota_mb",
            Field::TenantId => "tenant_id",
            Field::PackageId => "package_id",
            Field::Timezone => "timezone",
            Field::LoginIps => "login_ips",
            Field::Username => "username",
            Field::Custom(_) => "",
        }
    }

    fn builtin_from_label(label: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.builtin_label() == label)
    }

    /// The field an id names: a built-in label, or any other valid id as a custom field
    /// (whether a target declares it is the target's business).
    pub fn from_label(label: &str) -> Option<Field> {
        Field::builtin_from_label(label).or_else(|| Field::custom(label))
    }

    /// Whether the column holds a secret that must never be shown or written to a report.
    /// A custom field declared `secret` is one too (see
    /// [`crate::input::spec::FieldSpec::secret`]).
    pub fn is_secret(self) -> bool {
        self == Field::Password
    }

    /// The field's name in sentences: "Email", "First name"; a custom field's id when
    /// its declaration is not at hand (see [`crate::input::spec::FieldSpec::label`]).
    pub fn title(&self) -> &str {
        match self {
            Field::Email => "Email",
            Field::Password => "Password",
            Field::Name => "Name",
            Field::FirstName => "First name",
            Field::LastName => "Last name",
            Field::Role => "Role",
            Field::QuotaMb => "Quota",
            Field::TenantId => "Tenant ID",
            Field::PackageId => "Package ID",
            Field::Timezone => "Timezone",
            Field::LoginIps => "Login IPs",
            Field::Username => "Username",
            Field::Custom(name) => name.as_str(),
        }
    }
}

/// One record's values by field, still as text (borrowed from the record): validation
/// turns it into a [`UserRow`]. A field no column feeds reads as empty. Custom fields'
/// values sit apart: a row of built-in fields allocates nothing here.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MappedRow<'a> {
    pub line: u64,
    values: [Option<Cow<'a, str>>; Field::ALL.len()],
    custom: Vec<(CustomName, Cow<'a, str>)>,
}

impl<'a> MappedRow<'a> {
    pub fn new(line: u64) -> MappedRow<'a> {
        MappedRow {
            line,
            values: Default::default(),
            custom: Vec::new(),
        }
    }

    pub fn get(&self, field: Field) -> &str {
        match field {
            Field::Custom(name) => self
                .custom
                .iter()
                .find(|(n, _)| *n == name)
                .map_or("", |(_, v)| v),
            builtin => self.values[builtin.builtin_index().unwrap_or_default()]
                .as_deref()
                .unwrap_or(""),
        }
    }

    pub fn set(&mut self, field: Field, value: impl Into<Cow<'a, str>>) {
        match field {
            Field::Custom(name) => {
                let value = value.into();
                match self.custom.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, v)) => *v = value,
                    None => self.custom.push((name, value)),
                }
            }
            builtin => {
                self.values[builtin.builtin_index().unwrap_or_default()] = Some(value.into())
            }
        }
    }
}

/// A row ready to be sent: validated and typed. Optional fields fall back to run
/// defaults. A target's own fields are in [`UserRow::custom`]; every value, built-in or
/// not, is read by field with [`UserRow::value`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserRow {
    /// The user name, for targets that have them (see [`crate::input::validate::UsernameRule`]).
    pub username: Option<String>,
    pub email: String,
    pub password: String,
    pub name: Option<String>,
    pub role: Option<u8>,
    pub quota_mb: Option<u64>,
    pub tenant_id: Option<u64>,
    pub package_id: Option<u64>,
    pub timezone: Option<String>,
    pub login_ips: Option<String>,
    /// The values of the target's own fields (a profile's `department`), non-empty only.
    pub custom: Vec<(Field, String)>,
}

impl UserRow {
    /// The row's value for a field, as text; `None` when it has none. `first_name` and
    /// `last_name` come from the name (the mapping joins a first and a last name column
    /// into it): all but its last word, and its last word.
    pub fn value(&self, field: Field) -> Option<Cow<'_, str>> {
        let num = |n: Option<u64>| n.map(|n| Cow::Owned(n.to_string()));
        fn text(s: &Option<String>) -> Option<Cow<'_, str>> {
            s.as_deref().map(Cow::Borrowed)
        }
        match field {
            Field::Email => Some(Cow::Borrowed(&self.email)),
            Field::Password => Some(Cow::Borrowed(&self.password)),
            Field::Name => text(&self.name),
            Field::FirstName => {
                let name = self.name.as_deref()?.trim();
                Some(Cow::Borrowed(match name.rsplit_once(char::is_whitespace) {
                    Some((first, _)) => first.trim(),
                    None => name,
                }))
            }
            Field::LastName => {
                let name = self.name.as_deref()?.trim();
                name.rsplit_once(char::is_whitespace)
                    .map(|(_, last)| Cow::Borrowed(last))
            }
            Field::Role => self.role.map(|r| Cow::Owned(r.to_string())),
            Field::QuotaMb => num(self.quota_mb),
            Field::TenantId => num(self.tenant_id),
            Field::PackageId => num(self.package_id),
            Field::Timezone => text(&self.timezone),
            Field::LoginIps => text(&self.login_ips),
            Field::Username => text(&self.username),
            Field::Custom(_) => self
                .custom
                .iter()
                .find(|(f, _)| *f == field)
                .map(|(_, v)| Cow::Borrowed(v.as_str())),
        }
    }
}
