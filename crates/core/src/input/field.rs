//! The vocabulary of a row: the fields Roster knows, a record's values by field as text
//! ([`MappedRow`]), and a row ready to be sent ([`UserRow`]). A leaf: every stage of the
//! input names fields through it.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// A field Roster can send. Which ones a target uses is the target's business.
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
}

impl Field {
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

    /// Every field but [`Field::Username`]: what the automatic mapping considers for a
    /// target that signs users in with their address (a `Login` column then feeds the
    /// address, never a user name).
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

    /// The field's name in the UI and in templates.
    pub fn label(self) -> &'static str {
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
        }
    }

    pub fn from_label(label: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.label() == label)
    }

    /// Whether the column holds a secret that must never be shown or written to a report.
    pub fn is_secret(self) -> bool {
        self == Field::Password
    }

    /// The field's name in sentences: "Email", "First name".
    pub fn title(self) -> &'static str {
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
        }
    }
}

/// One record's values by field, still as text (borrowed from the record): validation
/// turns it into a [`UserRow`]. A field no column feeds reads as empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MappedRow<'a> {
    pub line: u64,
    values: [Option<Cow<'a, str>>; Field::ALL.len()],
}

impl<'a> MappedRow<'a> {
    pub fn new(line: u64) -> MappedRow<'a> {
        MappedRow {
            line,
            values: Default::default(),
        }
    }

    pub fn get(&self, field: Field) -> &str {
        self.values[field as usize].as_deref().unwrap_or("")
    }

    pub fn set(&mut self, field: Field, value: impl Into<Cow<'a, str>>) {
        self.values[field as usize] = Some(value.into());
    }
}

/// A row ready to be sent: validated and typed. Optional fields fall back to run defaults.
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
}
