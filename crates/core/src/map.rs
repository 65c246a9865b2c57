//! Mapping the file's columns onto the fields a target needs.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::read::{Fields, Record, Table};

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
}

impl Field {
    pub const ALL: [Field; 11] = [
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
        }
    }

    /// The fields a target reads, in the order its template lists them. First and last
    /// name columns are joined into Mumara's `name`.
    pub fn for_target(target: &str) -> &'static [Field] {
        if target.eq_ignore_ascii_case("mumara") {
            &[
                Field::Name,
                Field::FirstName,
                Field::LastName,
                Field::Email,
                Field::Password,
                Field::PackageId,
                Field::Timezone,
                Field::LoginIps,
            ]
        } else {
            &[
                Field::Email,
                Field::Password,
                Field::Role,
                Field::QuotaMb,
                Field::TenantId,
            ]
        }
    }

    pub fn from_label(label: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.label() == label)
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
            .filter(|c| c.is_alphanumeric() || *c == '@')
            .collect();
        // "username@domain", "user@…": a header naming an address column.
        let key = match key.split_once('@') {
            Some((user, _)) if !user.is_empty() => user.to_owned(),
            _ => key.replace('@', ""),
        };
        let field = match key.as_str() {
            "email" | "mail" | "emailaddress" | "mailaddress" | "emailaddr" | "login"
            | "loginname" | "publicid" | "user" | "username" | "userlogin" | "account"
            | "accountname" | "address" | "userprincipalname" | "upn" | "primaryemail"
            | "workemail" | "emailid" | "courriel" | "correo" | "emailadresse" | "mailadresse" => {
                Field::Email
            }
            "password" | "pass" | "pwd" | "passwd" | "secret" | "passwort" | "kennwort"
            | "motdepasse" | "initialpassword" | "newpassword" | "userpassword" => Field::Password,
            "name" | "fullname" | "displayname" | "cn" | "commonname" | "contactname" => {
                Field::Name
            }
            "firstname" | "first" | "givenname" | "forename" | "vorname" | "prenom" => {
                Field::FirstName
            }
            "lastname" | "last" | "surname" | "sn" | "familyname" | "nachname" | "nom" => {
                Field::LastName
            }
            "role" | "userrole" | "roleid" => Field::Role,
            "quota" | "quotamb" | "mailboxquota" | "mailboxquotamb" | "storagequota"
            | "diskquota" => Field::QuotaMb,
            "tenant" | "tenantid" => Field::TenantId,
            "package" | "packageid" | "plan" | "planid" => Field::PackageId,
            "timezone" | "tz" | "timezoneoffset" | "utcoffset" => Field::Timezone,
            "loginips" | "allowedips" | "ips" | "ipwhitelist" | "allowedip" | "loginip"
            | "ipaddresses" => Field::LoginIps,
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
        let width = table.width;
        let mut columns = vec![None; width];
        if let Some(header) = &table.header {
            for (i, name) in header.iter().enumerate().take(width) {
                let field = Field::from_header(name);
                if field.is_some() && !columns.contains(&field) {
                    columns[i] = field;
                }
            }
        }
        // Then by content, for what the header did not name.
        let sample = &table.records[..table.records.len().min(50)];
        let address_share = |i: usize| {
            sample
                .iter()
                .filter(|r| r.fields.get(i).is_some_and(|f| f.contains('@')))
                .count()
        };
        if !columns.contains(&Some(Field::Email)) {
            let free = (0..width).filter(|&i| columns[i].is_none());
            if let Some(email) = free.max_by_key(|&i| (address_share(i), usize::MAX - i)) {
                if address_share(email) > 0 {
                    columns[email] = Some(Field::Email);
                    if width == 2 && columns[1 - email].is_none() && table.header.is_none() {
                        columns[1 - email] = Some(Field::Password);
                    }
                }
            }
        }
        // Other columns whose every sampled value has an unmistakable shape.
        let all = |i: usize, test: fn(&str) -> bool| {
            sample
                .iter()
                .all(|r| r.fields.get(i).is_some_and(|f| !f.is_empty() && test(f)))
        };
        for i in 0..width {
            if columns[i].is_some() || sample.is_empty() {
                continue;
            }
            let guess = if all(i, |f| crate::validate::timezone_problem(f).is_none()) {
                Field::Timezone
            } else if all(i, |f| crate::validate::login_ips_problem(f).is_none()) {
                Field::LoginIps
            } else {
                continue;
            };
            if !columns.contains(&Some(guess)) {
                columns[i] = Some(guess);
            }
        }
        Mapping { columns }
    }

    /// The column index that feeds `field`, if any.
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(field))
    }

    /// The raw values of one record, by field. Without a name column, first and last
    /// name columns are joined into the name.
    pub fn apply<'a>(&self, record: &'a Record) -> MappedRow<'a> {
        self.apply_fields(record.line, &record.fields)
    }

    /// [`Mapping::apply`] on a record's fields. The values borrow from the fields; only a
    /// name joined from first and last names is a new string.
    pub fn apply_fields<'a>(&self, line: u64, fields: &'a Fields) -> MappedRow<'a> {
        let mut row = MappedRow::new(line);
        for (i, f) in self.columns.iter().enumerate() {
            if let Some(f) = f {
                row.set(*f, fields.get(i).unwrap_or_default());
            }
        }
        if row.get(Field::Name).is_empty() {
            // The last column mapped to a field is the one that counts, as in `row`.
            let part = |field: Field| {
                self.columns
                    .iter()
                    .rposition(|c| *c == Some(field))
                    .and_then(|i| fields.get(i))
                    .unwrap_or_default()
                    .trim()
            };
            let (first, last) = (part(Field::FirstName), part(Field::LastName));
            match (first.is_empty(), last.is_empty()) {
                (true, true) => {}
                (false, true) => row.set(Field::Name, first),
                (true, false) => row.set(Field::Name, last),
                (false, false) => row.set(Field::Name, format!("{first} {last}")),
            }
        }
        row
    }

    /// Which field each column feeds, as remembered between files: field labels only,
    /// one per column, comma-separated ("" for an ignored column). Never a data value.
    pub fn to_memory(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.map_or("", Field::label))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads [`Mapping::to_memory`] back, if it fits a table `width` columns wide.
    pub fn from_memory(memory: &str, width: usize) -> Option<Mapping> {
        let columns: Vec<Option<Field>> = memory
            .split(',')
            .map(|l| {
                if l.is_empty() {
                    Some(None)
                } else {
                    Field::from_label(l).map(Some)
                }
            })
            .collect::<Option<_>>()?;
        (columns.len() == width).then_some(Mapping { columns })
    }

    /// The key a mapping is remembered under: the header's column names (lower-cased),
    /// or the column count of a headerless file. No data value is part of it.
    pub fn memory_key(table: &Table) -> String {
        match &table.header {
            Some(h) => format!(
                "header:{}",
                h.iter()
                    .map(|c| c.trim().to_lowercase())
                    .collect::<Vec<_>>()
                    .join("\u{1f}")
            ),
            None => format!("columns:{}", table.width),
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

    #[test]
    fn more_aliases() {
        for (header, field) in [
            ("E-Mail-Adresse", Some(Field::Email)),
            ("Mail", Some(Field::Email)),
            ("username@domain", Some(Field::Email)),
            ("User Principal Name", Some(Field::Email)),
            ("Kennwort", Some(Field::Password)),
            ("Given name", Some(Field::FirstName)),
            ("Surname", Some(Field::LastName)),
            ("Display name", Some(Field::Name)),
            ("Plan", Some(Field::PackageId)),
            ("TZ", Some(Field::Timezone)),
            ("Allowed IPs", Some(Field::LoginIps)),
            ("Tenant ID", Some(Field::TenantId)),
            ("Mailbox quota", Some(Field::QuotaMb)),
        ] {
            assert_eq!(Field::from_header(header), field, "{header}");
        }
    }

    #[test]
    fn first_and_last_names_join_when_no_name_column() {
        let t = read(b"first name,last name,email\nAnn,Lee,a@x.y\n,Solo,b@x.y\n").unwrap();
        let m = Mapping::auto(&t);
        assert_eq!(m.apply(&t.records[0]).get(Field::Name), "Ann Lee");
        assert_eq!(m.apply(&t.records[1]).get(Field::Name), "Solo");
    }

    #[test]
    fn header_with_unknown_names_still_finds_the_address_column() {
        let t = read(b"Adresse,Geheim\na@x.y,p\n").unwrap();
        assert!(t.header.is_some());
        assert_eq!(Mapping::auto(&t).columns, [Some(Field::Email), None]);
    }

    #[test]
    fn headerless_timezone_and_ip_columns_by_content() {
        let t = read(b"a@x.y,+05:00,10.0.0.1\nb@x.y,-03:30,\"10.0.0.2,::1\"\n").unwrap();
        assert_eq!(
            Mapping::auto(&t).columns,
            [
                Some(Field::Email),
                Some(Field::Timezone),
                Some(Field::LoginIps)
            ]
        );
    }

    #[test]
    fn memory_holds_field_names_only() {
        let t = read(b"Mail,Kennwort,Notes\nann@x.y,s3cret,hello\n").unwrap();
        let m = Mapping::auto(&t);
        let memory = m.to_memory();
        assert_eq!(memory, "email,password,");
        assert_eq!(
            Mapping::memory_key(&t),
            "header:mail\u{1f}kennwort\u{1f}notes"
        );
        assert!(!memory.contains("s3cret") && !Mapping::memory_key(&t).contains("ann"));
        assert_eq!(Mapping::from_memory(&memory, 3), Some(m));
        assert_eq!(Mapping::from_memory(&memory, 2), None);
        assert_eq!(Mapping::from_memory("email,bogus,", 3), None);
    }
}
