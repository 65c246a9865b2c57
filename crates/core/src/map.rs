//! Mapping the file's columns onto the fields a target needs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::read::{Record, Table};

/// A field Roster can send. Which ones a target uses is the target's business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Field {
    Email,
    Password,
    Name,
    Role,
    QuotaMb,
    TenantId,
    PackageId,
    Timezone,
    LoginIps,
}

impl Field {
    pub const ALL: [Field; 9] = [
        Field::Email,
        Field::Password,
        Field::Name,
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
            Field::Role => "role",
            Field::QuotaMb => "quota_mb",
            Field::TenantId => "tenant_id",
            Field::PackageId => "package_id",
            Field::Timezone => "timezone",
            Field::LoginIps => "login_ips",
        }
    }

    /// Whether the column holds a secret that must never be shown or written to a report.
    pub fn is_secret(self) -> bool {
        self == Field::Password
    }

    /// Recognises a column header by its name or a common alias.
    pub fn from_header(header: &str) -> Option<Field> {
        let key: String = header
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        let field = match key.as_str() {
            "email" | "mail" | "emailaddress" | "login" | "publicid" | "user" | "username"
            | "address" => Field::Email,
            "password" | "pass" | "pwd" | "passwd" | "secret" => Field::Password,
            "name" | "fullname" | "displayname" => Field::Name,
            "role" => Field::Role,
            "quota" | "quotamb" | "mailboxquota" => Field::QuotaMb,
            "tenant" | "tenantid" => Field::TenantId,
            "package" | "packageid" | "plan" => Field::PackageId,
            "timezone" | "tz" | "timezoneoffset" => Field::Timezone,
            "loginips" | "allowedips" | "ips" => Field::LoginIps,
            _ => return None,
        };
        Some(field)
    }
}

/// Which column feeds which field. Columns mapped to nothing are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Mapping {
    pub columns: Vec<Option<Field>>,
}

impl Mapping {
    /// Maps by header names when there is a header, and by content otherwise: the column
    /// that holds addresses is the e-mail column, and in a two-column file the other one
    /// is the password (the seed's `email | password` format).
    pub fn auto(table: &Table) -> Mapping {
        let width = table
            .header
            .as_ref()
            .map(Vec::len)
            .into_iter()
            .chain(table.records.iter().map(|r| r.fields.len()))
            .max()
            .unwrap_or(0);
        let mut columns = vec![None; width];
        if let Some(header) = &table.header {
            for (i, name) in header.iter().enumerate() {
                let field = Field::from_header(name);
                if field.is_some() && !columns.contains(&field) {
                    columns[i] = field;
                }
            }
            return Mapping { columns };
        }
        let sample = &table.records[..table.records.len().min(50)];
        let address_share = |i: usize| {
            sample
                .iter()
                .filter(|r| r.fields.get(i).is_some_and(|f| f.contains('@')))
                .count()
        };
        if let Some(email) = (0..width).max_by_key(|&i| (address_share(i), usize::MAX - i)) {
            if address_share(email) > 0 {
                columns[email] = Some(Field::Email);
                if width == 2 {
                    columns[1 - email] = Some(Field::Password);
                }
            }
        }
        Mapping { columns }
    }

    /// The column index that feeds `field`, if any.
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(field))
    }

    /// The raw values of one record, by field.
    pub fn apply(&self, record: &Record) -> MappedRow {
        let values = self
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some(((*f)?, record.fields.get(i).cloned().unwrap_or_default())))
            .collect();
        MappedRow {
            line: record.line,
            values,
        }
    }
}

/// One record's values by field, still as text: validation turns it into a [`UserRow`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MappedRow {
    pub line: u64,
    pub values: BTreeMap<Field, String>,
}

impl MappedRow {
    pub fn get(&self, field: Field) -> &str {
        self.values.get(&field).map_or("", String::as_str)
    }
}

/// A row ready to be sent: validated and typed. Optional fields fall back to run defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserRow {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::read;

    #[test]
    fn headerless_seed_maps_email_then_password() {
        let t = read(b"a@localhost | p123\n").unwrap();
        let m = Mapping::auto(&t);
        assert_eq!(m.columns, [Some(Field::Email), Some(Field::Password)]);
        let row = m.apply(&t.records[0]);
        assert_eq!(row.get(Field::Email), "a@localhost");
        assert_eq!(row.get(Field::Password), "p123");
    }

    #[test]
    fn headerless_password_first() {
        let t = read(b"p123,a@localhost\n").unwrap();
        assert_eq!(
            Mapping::auto(&t).columns,
            [Some(Field::Password), Some(Field::Email)]
        );
    }

    #[test]
    fn header_aliases() {
        let t = read(b"Full Name;E-Mail;PWD;Notes\nAnn;ann@x.y;s3cret;hi\n").unwrap();
        let m = Mapping::auto(&t);
        assert_eq!(
            m.columns,
            [
                Some(Field::Name),
                Some(Field::Email),
                Some(Field::Password),
                None
            ]
        );
        assert_eq!(m.column_of(Field::Password), Some(2));
    }

    #[test]
    fn short_record_reads_missing_fields_as_empty() {
        let t = read(b"email,password\nann@x.y\n").unwrap();
        let row = Mapping::auto(&t).apply(&t.records[0]);
        assert_eq!(row.get(Field::Password), "");
    }
}
