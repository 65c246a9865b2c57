//! Checking each mapped row before anything is sent. A row with a problem is never sent.

use std::borrow::Cow;
use std::fmt;

use crate::input::checks::{check_email, is_dotless};
pub use crate::input::checks::{
    dotless_domain, email_problem, localpart_problem, login_ips_problem, parse_quota_mb,
    timezone_problem, FieldCheck, ACCEPT_DOTLESS, MAX_EMAIL_CHARS, MAX_LOCAL_CHARS, MAX_NAME_CHARS,
    MAX_PASSWORD_CHARS, MAX_QUOTA_MB, ROLES,
};
use crate::input::field::{Field, MappedRow, UserRow};
pub use crate::input::spec::ValueCheck;
use crate::input::spec::{spec_of, FieldSpec};
use crate::input::values::{obvious_value, unknown_word_problem};

/// One reason a row cannot be sent, tied to the field and column it concerns when it
/// concerns one (a ragged row concerns the whole row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Option<Field>,
    /// The column as the user knows it (`column "E-mail"`, `column 2`), when known.
    pub column: Option<String>,
    pub message: String,
}

impl Problem {
    /// The field this problem says has no value (`"missing"`), if that is what it says:
    /// a target's setting may give one (see `targets::missing_settings`).
    pub fn missing_field(&self) -> Option<Field> {
        self.field.filter(|_| self.message == "missing")
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = self.column.as_deref();
        f.write_str(&shaped(
            &self.message,
            self.field.as_ref().map(|f| f.label()),
            place,
            None,
        ))
    }
}

/// The one shape of every message about a row's value (issue 27: the key words first,
/// as the table cuts a long message at two lines): what is wrong, then the field and
/// its column, then the value. `is not an address of the form name@domain — email in
/// column "E-mail" = "ann@"`; `missing — password in column "Password"`.
///
/// A message may open with the value it is about, quoted (`"ann@" is not …`, as the
/// checks write them): that value moves to the end. `value` is the value as shown
/// (quoted, or `empty`), when the caller has it and the field is no secret; a quoted
/// value the message opens with is preferred (it is the value the check judged).
pub fn shaped(
    message: &str,
    field: Option<&str>,
    place: Option<&str>,
    value: Option<&str>,
) -> String {
    let (quoted, what) = split_quoted(message);
    let mut text = what.to_owned();
    if let Some(field) = field {
        text.push_str(" — ");
        text.push_str(field);
        if let Some(place) = place {
            text.push_str(" in ");
            text.push_str(place);
        }
    }
    if let Some(value) = quoted.or(value) {
        text.push_str(if field.is_some() { " = " } else { " — " });
        text.push_str(value);
    }
    text
}

/// What is wrong, without the value a message may open with: the row editor's note under
/// a field, whose value is in the field itself.
pub fn what_is_wrong(message: &str) -> &str {
    split_quoted(message).1
}

/// A message's leading quoted value and the rest: (`Some("\"ann@\"")`, `is not …`).
fn split_quoted(message: &str) -> (Option<&str>, &str) {
    if let Some(rest) = message.strip_prefix('"') {
        if let Some(end) = rest.find("\" ") {
            // Both cuts are next to an ASCII quote or space: char boundaries.
            let quoted = &message[..end + 2];
            let what = &rest[end + 2..];
            if !what.is_empty() {
                return (Some(quoted), what);
            }
        }
    }
    (None, message)
}

pub(crate) fn problem(field: Field, message: impl Into<String>) -> Problem {
    Problem {
        field: Some(field),
        column: None,
        message: message.into(),
    }
}

/// A target's own rule for addresses, on top of the common checks (see
/// [`crate::targets::Kind::rules`]): why an address is refused, `None` when it is not.
#[derive(Clone, Copy)]
pub struct EmailRule(pub fn(&str) -> Option<String>);

impl PartialEq for EmailRule {
    fn eq(&self, other: &EmailRule) -> bool {
        std::ptr::fn_addr_eq(self.0, other.0)
    }
}

impl Eq for EmailRule {}

impl std::fmt::Debug for EmailRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmailRule(..)")
    }
}

/// What a row must satisfy for the chosen target.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rules {
    /// Fields every row must give (see [`crate::targets::send::Target::required`]); e-mail always.
    pub required: Vec<Field>,
    /// The target's own rule for addresses, when it has one.
    pub email_rule: Option<EmailRule>,
    /// A password shorter than this (in characters) is refused; 0 for no minimum.
    pub min_password_len: usize,
    /// Whether two rows with the same address (ignoring case) are both invalid.
    pub unique_emails: bool,
    /// Whether two rows with the same user name (ignoring case; a name taken from the
    /// address's local part counts) are both invalid: for targets whose user name
    /// identifies an account (see [`crate::targets::Kind::identities`]).
    pub unique_usernames: bool,
    /// Whether an address whose domain has no dot (`x@example`) needs the admin's OK
    /// (see [`dotless_domain`]); the page clears it when the admin accepts such domains.
    pub flag_dotless_domains: bool,
    /// What a user name must be, for targets that have user names.
    pub username: UsernameRule,
    /// A target's own checks of field values (a profile's `check` and `max_len`).
    pub checks: Vec<FieldCheck>,
    /// What an empty cell of a field is read as (a target's setting, such as a default
    /// role): the text is checked like the cell's own.
    pub defaults: Vec<(Field, String)>,
    /// The fields the target declares (see [`crate::targets::Kind::field_specs`]): its
    /// own fields' defaults fill empty cells, and the mapping finds them by their names
    /// (see [`Rules::mapped_fields`]). Empty: the built-in fields only.
    pub fields: Vec<FieldSpec>,
    /// The Matrix server the accounts are created on, when the admin has said it (the
    /// Synapse preset's Server name): a user name written as a full `@user:server` ID is
    /// checked against it. `None` when unknown.
    pub home_server: Option<String>,
    /// Built-in fields the target never sends and the mapping does not offer (a
    /// profile's `unmapped`: a name, for an API that takes none).
    pub unmapped: Vec<Field>,
}

/// What the target makes of a user name (see [`crate::input::map::Field::Username`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UsernameRule {
    /// The target has no user names: a `username` column is ignored.
    #[default]
    Ignored,
    /// Any text up to [`MAX_LOCAL_CHARS`] characters, kept as given (GitLab, Keycloak).
    Text { from_address: bool },
    /// A Matrix localpart: lower-case letters, digits and `._=-/+` (the Matrix
    /// specification's user-ID grammar). With `from_address`, a row without one takes its
    /// address's local part, lower-cased.
    Localpart { from_address: bool },
}

impl Rules {
    /// The rules every target starts from, with its required fields (see
    /// [`crate::targets::TargetKind::rules`] for a target's own).
    pub fn new(required: Vec<Field>) -> Rules {
        Rules {
            required,
            email_rule: None,
            min_password_len: 0,
            unique_emails: true,
            unique_usernames: false,
            flag_dotless_domains: true,
            username: UsernameRule::Ignored,
            checks: Vec::new(),
            defaults: Vec::new(),
            fields: Vec::new(),
            home_server: None,
            unmapped: Vec::new(),
        }
    }
}

impl Rules {
    /// The fields the automatic mapping gives out (see
    /// [`crate::input::map::Mapping::auto_for`]): the built-in ones, user names only to a
    /// target that has them, as the target declares them (see [`Rules::fields`]), then
    /// the target's own fields.
    pub fn mapped_fields(&self) -> Cow<'_, [FieldSpec]> {
        let builtin: &[Field] = match self.username {
            UsernameRule::Ignored => &Field::ADDRESS_SIGN_IN,
            _ => &Field::ALL,
        };
        builtin
            .iter()
            .filter(|f| !self.unmapped.contains(f))
            .map(|&f| {
                spec_of(&self.fields, f)
                    .cloned()
                    .unwrap_or_else(|| FieldSpec::builtin(f))
            })
            .chain(
                self.fields
                    .iter()
                    .filter(|s| !s.field.is_builtin())
                    .cloned(),
            )
            .collect::<Vec<_>>()
            .into()
    }

    /// The target's own fields (not built in), as declared.
    pub fn custom_fields(&self) -> impl Iterator<Item = &FieldSpec> {
        self.fields.iter().filter(|s| !s.field.is_builtin())
    }
}

fn parse_number<T: std::str::FromStr>(
    row: &MappedRow,
    field: Field,
    what: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let raw = row.get(field);
    if raw.is_empty() {
        return None;
    }
    match raw.parse() {
        Ok(v) => Some(v),
        Err(_) => {
            problems.push(problem(field, format!("\"{raw}\" is not {what}")));
            None
        }
    }
}

/// Turns a mapped row into a typed [`UserRow`], or lists every problem it has.
/// `required` names the fields the target needs from a column (e-mail always).
pub fn validate(row: &MappedRow, required: &[Field]) -> Result<UserRow, Vec<Problem>> {
    validate_with(
        row,
        &Rules {
            required: required.to_vec(),
            ..Rules::default()
        },
    )
}

/// [`validate`] with every rule of the target; defaults fill empty optional fields.
pub fn validate_with(row: &MappedRow, rules: &Rules) -> Result<UserRow, Vec<Problem>> {
    let filled = with_defaults(row, rules);
    let row: &MappedRow<'_> = filled.as_ref().unwrap_or(row);
    let checked = check(row, rules);
    if !checked.problems.is_empty() {
        return Err(checked.problems);
    }
    let text = |f: Field| Some(row.get(f).to_owned()).filter(|s| !s.is_empty());
    Ok(UserRow {
        username: checked.username.map(Cow::into_owned),
        email: row.get(Field::Email).to_owned(),
        password: row.get(Field::Password).to_owned(),
        name: text(Field::Name),
        role: checked.role,
        quota_mb: checked.quota_mb,
        tenant_id: checked.tenant_id,
        package_id: checked.package_id,
        timezone: text(Field::Timezone),
        login_ips: text(Field::LoginIps),
        custom: rules
            .custom_fields()
            .filter_map(|spec| {
                let value = row.get(spec.field);
                let value = if value.is_empty() {
                    spec.default.clone()?
                } else {
                    value.to_owned()
                };
                Some((spec.field, value))
            })
            .collect(),
    })
}

/// Every problem [`validate_with`] would list for the row (none: it is valid), without
/// building the typed row: no allocation for a valid row (save a user name taken from an
/// address with capitals, lowered).
pub fn problems_with(row: &MappedRow, rules: &Rules) -> Vec<Problem> {
    let filled = with_defaults(row, rules);
    check(filled.as_ref().unwrap_or(row), rules).problems
}

/// The row with its empty cells read as the rules' defaults; `None` when no default
/// applies (the row as it is).
/// A cell of a fixed-value field that obviously means one of its values (`user` for role
/// 2, see [`crate::input::values::obvious_value`]) is read as that value.
fn with_defaults<'r>(row: &'r MappedRow<'_>, rules: &'r Rules) -> Option<MappedRow<'r>> {
    let in_words = |spec: &'r FieldSpec| {
        let cell = row.get(spec.field);
        if spec.values.is_empty() || cell.is_empty() || spec.values.iter().any(|v| v.value == cell)
        {
            return None;
        }
        obvious_value(&spec.values, cell).map(|v| (spec.field, v))
    };
    let defaulted = rules
        .defaults
        .iter()
        .any(|(field, value)| row.get(*field).is_empty() && !value.is_empty());
    let words: Vec<(Field, &'r str)> = rules.fields.iter().filter_map(in_words).collect();
    if !defaulted && words.is_empty() {
        return None;
    }
    // A target's own fields (custom ones) are carried over with the rest.
    let mut filled = row.clone();
    for (field, default) in &rules.defaults {
        if row.get(*field).is_empty() && !default.is_empty() {
            filled.set(*field, default.as_str());
        }
    }
    for (field, value) in words {
        filled.set(field, value);
    }
    Some(filled)
}

/// What checking a row finds: its problems, and the values [`validate_with`] types.
struct Checked<'r> {
    problems: Vec<Problem>,
    username: Option<Cow<'r, str>>,
    role: Option<u8>,
    quota_mb: Option<u64>,
    tenant_id: Option<u64>,
    package_id: Option<u64>,
}

/// `s` in lower case, borrowed when it already is (as `str::to_lowercase` gives it).
fn lowercase(s: &str) -> Cow<'_, str> {
    if s.is_ascii() && !s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// The user name a row gives under `rules`, as written: its username column's value (for
/// a Matrix localpart, a full `@user:server` ID's local part), or
/// (for targets that take it from there) the address's local part, with `true` when
/// taken from the address. `None` when the target has no user names or the row gives none.
pub fn username_as_written<'r>(row: &'r MappedRow, rules: &Rules) -> Option<(&'r str, bool)> {
    let from_address = match rules.username {
        UsernameRule::Ignored => return None,
        UsernameRule::Text { from_address } | UsernameRule::Localpart { from_address } => {
            from_address
        }
    };
    match row.get(Field::Username) {
        "" if from_address => row
            .get(Field::Email)
            .split_once('@')
            .map(|(local, _)| (local, true)),
        "" => None,
        // A full Matrix ID (`@user:server`, as synapse-admin's CSV holds it) gives its
        // local part.
        given if matches!(rules.username, UsernameRule::Localpart { .. }) => {
            Some((matrix_localpart(given), false))
        }
        given => Some((given, false)),
    }
}

/// What is wrong with a user name written as a full Matrix ID (`@user:server`) for a
/// Synapse-like target: an ID on another server than the one the accounts are created on
/// is refused (creating `user` here would be another person's account), and while that
/// server is not known the ID cannot be checked. `None` for a plain local part.
fn foreign_matrix_id(written: &str, rules: &Rules) -> Option<String> {
    if !matches!(rules.username, UsernameRule::Localpart { .. }) {
        return None;
    }
    let (_, server) = written.strip_prefix('@')?.split_once(':')?;
    match rules.home_server.as_deref() {
        Some(home) if home.eq_ignore_ascii_case(server) => None,
        Some(home) => Some(format!(
            "\"{written}\" is a Matrix ID on {server}; accounts are created on {home}: refused"
        )),
        None => Some(format!(
            "\"{written}\" is a full Matrix ID: fill in Server name so that its server ({server}) can be checked"
        )),
    }
}

/// The local part of a full Matrix user ID (`@user:server` gives `user`); anything else
/// as it is.
pub fn matrix_localpart(name: &str) -> &str {
    name.strip_prefix('@')
        .and_then(|rest| rest.split_once(':'))
        .map_or(name, |(local, _)| local)
}

/// The checks of [`validate_with`], building nothing but the problems.
fn check<'r>(row: &'r MappedRow, rules: &Rules) -> Checked<'r> {
    let mut problems = Vec::new();
    let email = row.get(Field::Email);
    // A target whose identity is the user name (Synapse) may not need an address: an
    // empty one is then no problem.
    let no_address = email.is_empty()
        && !rules.required.contains(&Field::Email)
        && rules.username != UsernameRule::Ignored;
    match check_email(email) {
        _ if no_address => {}
        Err(p) => problems.push(problem(Field::Email, p)),
        Ok(domain) => {
            if let Some(rule) = rules.email_rule {
                if let Some(p) = (rule.0)(email) {
                    problems.push(problem(Field::Email, p));
                }
            }
            if rules.flag_dotless_domains && is_dotless(domain) {
                problems.push(problem(
                    Field::Email,
                    format!(
                        "not sent: the domain \"{domain}\" has no dot (a typo for {domain}.com?); if it is an intranet domain, tick \"{ACCEPT_DOTLESS}\" to send it"
                    ),
                ));
            }
        }
    }
    for &field in &rules.required {
        if field != Field::Email
            && field != Field::Username
            && row.get(field).is_empty()
            && spec_of(&rules.fields, field).is_none_or(|s| s.default.is_none())
        {
            problems.push(problem(field, "missing"));
        }
    }
    let password = row.get(Field::Password);
    // Characters are counted only when it matters: a byte length within the bounds is
    // a character count within them too.
    let length = if password.len() > MAX_PASSWORD_CHARS || rules.min_password_len > 0 {
        password.chars().count()
    } else {
        password.len()
    };
    if length > MAX_PASSWORD_CHARS {
        problems.push(problem(
            Field::Password,
            format!("is {length} characters long; at most {MAX_PASSWORD_CHARS} are accepted"),
        ));
    }
    let name = row.get(Field::Name);
    let name_length = if name.len() > MAX_NAME_CHARS {
        name.chars().count()
    } else {
        0
    };
    if name_length > MAX_NAME_CHARS {
        problems.push(problem(
            Field::Name,
            format!("is {name_length} characters long; at most {MAX_NAME_CHARS} are accepted"),
        ));
    }
    if length > 0 && length < rules.min_password_len {
        problems.push(problem(
            Field::Password,
            format!(
                "shorter than the minimum of {} characters",
                rules.min_password_len
            ),
        ));
    }
    // A word of a fixed-value column that is no value (nor obviously means one) is one
    // problem, which says how to map it; the field's other checks then say nothing.
    for spec in rules.fields.iter().filter(|s| !s.values.is_empty()) {
        let cell = row.get(spec.field);
        if !cell.is_empty() && !spec.values.iter().any(|v| v.value == cell) {
            problems.push(problem(spec.field, unknown_word_problem(spec, cell)));
        }
    }
    let in_words = |f: Field| problems.iter().any(|p| p.field == Some(f));
    let role = if in_words(Field::Role) {
        None
    } else {
        parse_number::<u8>(row, Field::Role, "a role number", &mut problems)
    };
    if let Some(r) = role.filter(|r| !ROLES.contains(r)) {
        problems.push(problem(
            Field::Role,
            format!("{r} is not a role (1 tenant admin, 2 user, 3 customer)"),
        ));
    }
    let quota = row.get(Field::QuotaMb);
    let quota_mb = if quota.is_empty() {
        None
    } else {
        match parse_quota_mb(quota) {
            Ok(q) => Some(q),
            Err(m) => {
                problems.push(problem(Field::QuotaMb, m));
                None
            }
        }
    };
    let tenant_id = parse_number(row, Field::TenantId, "a tenant id", &mut problems);
    let package_id = parse_number::<u64>(row, Field::PackageId, "a package id", &mut problems);
    if package_id == Some(0) {
        problems.push(problem(Field::PackageId, "must be a positive number"));
    }
    let text = |f: Field| Some(row.get(f)).filter(|s| !s.is_empty());
    if let Some(p) = text(Field::Timezone).and_then(timezone_problem) {
        problems.push(problem(Field::Timezone, p));
    }
    if let Some(p) = text(Field::LoginIps).and_then(login_ips_problem) {
        problems.push(problem(Field::LoginIps, p));
    }
    let username = match rules.username {
        UsernameRule::Ignored => None,
        UsernameRule::Text { from_address } | UsernameRule::Localpart { from_address } => {
            let written = username_as_written(row, rules);
            let derived = written.is_some_and(|(_, derived)| derived);
            // A name taken from the address is lowered; a given one is kept as written.
            let name = written.map(|(name, derived)| {
                if derived {
                    lowercase(name)
                } else {
                    Cow::Borrowed(name)
                }
            });
            let problem_of = |n: &str| match rules.username {
                UsernameRule::Localpart { .. } => localpart_problem(n),
                _ => (n.chars().count() > MAX_LOCAL_CHARS)
                    .then(|| format!("is longer than {MAX_LOCAL_CHARS} characters")),
            };
            if let Some(p) = (!derived)
                .then(|| foreign_matrix_id(row.get(Field::Username), rules))
                .flatten()
            {
                problems.push(problem(Field::Username, p));
            }
            match &name {
                Some(n) => {
                    if let Some(p) = problem_of(n) {
                        let p = if derived {
                            format!("taken from the address: {p}; add a username column")
                        } else {
                            p
                        };
                        problems.push(problem(Field::Username, p));
                    }
                }
                None if rules.required.contains(&Field::Username)
                    && (!from_address || email.is_empty()) =>
                {
                    problems.push(problem(Field::Username, "missing"));
                }
                None => {}
            }
            name
        }
    };
    for check in &rules.checks {
        let value = match check.field {
            Field::Username => username.as_deref().unwrap_or(""),
            field => row.get(field),
        };
        if let Some(p) = check.problem(value) {
            if !problems.iter().any(|q| q.field == Some(check.field)) {
                problems.push(problem(check.field, p));
            }
        }
    }
    Checked {
        problems,
        username,
        role,
        quota_mb,
        tenant_id,
        package_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::checks::ascii_domain_ok;

    #[test]
    fn user_names_as_localparts_or_from_the_address() {
        let rules = Rules {
            required: vec![Field::Email, Field::Password, Field::Username],
            username: UsernameRule::Localpart { from_address: true },
            ..Rules::default()
        };
        let given = row(&[
            (Field::Username, "j.doe"),
            (Field::Email, "John@example.com"),
            (Field::Password, "p"),
        ]);
        assert_eq!(
            validate_with(&given, &rules).unwrap().username.as_deref(),
            Some("j.doe")
        );
        let derived = row(&[
            (Field::Email, "John.Doe@example.com"),
            (Field::Password, "p"),
        ]);
        assert_eq!(
            validate_with(&derived, &rules).unwrap().username.as_deref(),
            Some("john.doe")
        );
        let bad = row(&[
            (Field::Username, "John Doe"),
            (Field::Email, "j@example.com"),
            (Field::Password, "p"),
        ]);
        let errs = validate_with(&bad, &rules).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, Some(Field::Username));
        assert!(errs[0].message.contains("capital letter 'J'"), "{errs:?}");
        // A target without user names ignores the column.
        let plain = validate_with(&bad, &Rules::default()).unwrap();
        assert_eq!(plain.username, None);
        assert_eq!(localpart_problem("a/b=c+d_e-f.g9"), None);
        assert!(localpart_problem("ann@x").is_some());
        // What Synapse's own check refuses (seen from a real Synapse 1.163.2: 400
        // M_INVALID_USERNAME "User ID may not begin with _").
        assert!(localpart_problem("_bot")
            .unwrap()
            .contains("starts with '_'"));
        assert!(localpart_problem("12345").unwrap().contains("all digits"));
        assert_eq!(localpart_problem("a_b"), None);
        assert_eq!(localpart_problem("007bond"), None);
    }

    const REQ: &[Field] = &[Field::Email, Field::Password];

    #[test]
    fn required_fields_come_from_the_target() {
        let r = row(&[(Field::Email, "a@b"), (Field::Password, "p")]);
        let errs = validate(&r, &[Field::Email, Field::Password, Field::Name]).unwrap_err();
        assert_eq!(errs[0].to_string(), "missing — name");
        assert!(validate(&r, &[Field::Email]).is_ok());
    }

    fn row<'a>(pairs: &[(Field, &'a str)]) -> MappedRow<'a> {
        let mut row = MappedRow::new(1);
        for &(f, v) in pairs {
            row.set(f, v);
        }
        row
    }

    #[test]
    fn ascii_domains_are_checked_in_one_pass_as_label_by_label() {
        // The rule as it reads: dot-separated labels of letters, digits and hyphens, none
        // empty, none starting or ending with a hyphen.
        let by_labels = |d: &str| {
            d.split('.').all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
            })
        };
        let alphabet = [b'a', b'Z', b'0', b'-', b'.', b'_'];
        let mut checked = 0;
        for len in 1..=5u32 {
            for mut n in 0..alphabet.len().pow(len) {
                let mut d = Vec::new();
                for _ in 0..len {
                    d.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                let d = String::from_utf8(d).unwrap();
                assert_eq!(ascii_domain_ok(d.as_bytes()), by_labels(&d), "{d}");
                checked += 1;
            }
        }
        assert!(checked > 9000);
    }

    #[test]
    fn a_good_row() {
        let r = validate(
            &row(&[(Field::Email, "a@localhost"), (Field::Password, "p123")]),
            REQ,
        )
        .unwrap();
        assert_eq!(r.email, "a@localhost");
        assert_eq!(r.password, "p123");
        assert_eq!(r.role, None);
    }

    #[test]
    fn every_problem_is_listed() {
        let errs = validate(
            &row(&[
                (Field::Email, "no-at-sign"),
                (Field::Role, "7"),
                (Field::QuotaMb, "lots"),
            ]),
            REQ,
        )
        .unwrap_err();
        let fields: Vec<Field> = errs.iter().filter_map(|p| p.field).collect();
        assert_eq!(
            fields,
            [Field::Email, Field::Password, Field::Role, Field::QuotaMb]
        );
        assert!(errs[0].to_string().ends_with(" — email = \"no-at-sign\""));
    }

    #[test]
    fn email_shapes() {
        assert!(email_problem("a@b").is_none());
        assert!(email_problem("o'brien@example.com").is_none());
        assert!(email_problem("").is_some());
        assert!(email_problem("a b@c").is_some());
        assert!(email_problem("@c").is_some());
        assert!(email_problem("a@").is_some());
        assert!(email_problem("a@b@c").is_some());
    }

    /// A target's own address rule, for the tests: letters, digits and `.@` only.
    const STRICT: EmailRule = EmailRule(|email| {
        (!email
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '@'))
        .then(|| format!("\"{email}\" is not plain enough"))
    });

    #[test]
    fn a_targets_email_rule_applies_on_top_of_the_common_checks() {
        let rules = Rules {
            email_rule: Some(STRICT),
            ..Rules::new(REQ.to_vec())
        };
        let errs = validate_with(
            &row(&[(Field::Email, "o'brien@x.y"), (Field::Password, "p")]),
            &rules,
        )
        .unwrap_err();
        assert_eq!(errs[0].field, Some(Field::Email));
        assert!(errs[0].message.contains("not plain enough"), "{errs:?}");
        // A target without one accepts the address.
        let rules = Rules::new(REQ.to_vec());
        assert!(validate_with(
            &row(&[(Field::Email, "o'brien@x.y"), (Field::Password, "p")]),
            &rules
        )
        .is_ok());
    }

    #[test]
    fn minimum_password_length() {
        let rules = Rules {
            min_password_len: 8,
            ..Rules {
                email_rule: Some(STRICT),
                ..Rules::new(REQ.to_vec())
            }
        };
        let short = validate_with(
            &row(&[(Field::Email, "a@b.c"), (Field::Password, "short")]),
            &rules,
        );
        assert!(short.unwrap_err()[0].to_string().contains("minimum of 8"));
        assert!(validate_with(
            &row(&[(Field::Email, "a@b.c"), (Field::Password, "päss-wörd")]),
            &rules
        )
        .is_ok());
        let empty = validate_with(
            &row(&[(Field::Email, "a@b.c"), (Field::Password, "")]),
            &rules,
        );
        assert_eq!(empty.unwrap_err()[0].to_string(), "missing — password");
    }

    #[test]
    fn timezones() {
        for ok in ["+05:00", "-03:30", "00:00", "+14:00", "-12:00"] {
            assert!(timezone_problem(ok).is_none(), "{ok}");
        }
        for bad in [
            "5:00", "+5", "UTC", "+15:00", "+05:60", "+0500", "", "++05:00",
        ] {
            assert!(timezone_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn login_ips() {
        assert!(login_ips_problem("10.0.0.1").is_none());
        assert!(login_ips_problem("10.0.0.1, 192.168.1.2,::1,2001:db8::5").is_none());
        let p = login_ips_problem("10.0.0.1,300.1.1.1,abc").unwrap();
        assert!(p.contains("\"300.1.1.1\", \"abc\" are not"), "{p}");
        assert!(login_ips_problem("10.0.0.1,").is_some());
    }

    #[test]
    fn package_ids() {
        let check = |v: &str| validate(&row(&[(Field::Email, "a@b"), (Field::PackageId, v)]), &[]);
        assert_eq!(check("3").unwrap().package_id, Some(3));
        assert!(check("0").is_err());
        assert!(check("-1").is_err());
        assert!(check("1.5").is_err());
    }

    #[test]
    fn quotas_and_roles() {
        assert_eq!(parse_quota_mb("500"), Ok(500));
        assert_eq!(parse_quota_mb("2 GB"), Ok(2048));
        assert_eq!(parse_quota_mb("1,5 GB"), Ok(1536));
        assert_eq!(parse_quota_mb("1.5gb"), Ok(1536));
        assert_eq!(parse_quota_mb("1048576 bytes"), Ok(1));
        assert_eq!(parse_quota_mb("1 TB"), Ok(1024 * 1024));
        assert!(parse_quota_mb("lots").is_err());
        assert!(parse_quota_mb("-5").is_err());
        assert!(parse_quota_mb("2 PB").is_err());
        assert!(parse_quota_mb("9999999999 GB").is_err());
        // Plain megabytes take the allocation-free path and answer as the general one.
        assert_eq!(parse_quota_mb(" 0 "), Ok(0));
        assert_eq!(parse_quota_mb("1073741824"), Ok(MAX_QUOTA_MB));
        assert_eq!(
            parse_quota_mb("1073741825"),
            Err("1073741825 is out of range (at most 1 PiB)".into())
        );
        assert_eq!(
            parse_quota_mb("99999999999999999999"),
            Err("99999999999999999999 is out of range (at most 1 PiB)".into())
        );
        assert_eq!(parse_quota_mb("0500"), Ok(500));
        let check = |v: &str| validate(&row(&[(Field::Email, "a@b"), (Field::Role, v)]), &[]);
        assert_eq!(check("2").unwrap().role, Some(2));
        assert!(check("0").is_err());
        assert!(check("4").is_err());
        assert!(check("x").is_err());
    }

    #[test]
    fn defaults_fill_empty_fields() {
        let rules = Rules {
            defaults: vec![
                (Field::Role, "3".into()),
                (Field::QuotaMb, "100".into()),
                (Field::TenantId, "7".into()),
            ],
            ..Rules {
                email_rule: Some(STRICT),
                ..Rules::new(REQ.to_vec())
            }
        };
        let u = validate_with(
            &row(&[
                (Field::Email, "a@b.c"),
                (Field::Password, "p"),
                (Field::Role, "1"),
                (Field::QuotaMb, ""),
            ]),
            &rules,
        )
        .unwrap();
        assert_eq!(
            (u.role, u.quota_mb, u.tenant_id),
            (Some(1), Some(100), Some(7))
        );
    }

    #[test]
    fn problems_name_their_column() {
        let p = Problem {
            field: Some(Field::Email),
            column: Some("column \"E-mail\"".into()),
            message: "missing".into(),
        };
        assert_eq!(p.to_string(), "missing — email in column \"E-mail\"");
    }

    #[test]
    fn one_address_rule_for_every_target() {
        let formula = "=HYPERLINK(\"http://evil.example\")@x.com";
        for strict_email in [true, false] {
            let rules = Rules {
                email_rule: strict_email.then_some(STRICT),
                ..Rules::new(REQ.to_vec())
            };
            let errs = validate_with(
                &row(&[(Field::Email, formula), (Field::Password, "p")]),
                &rules,
            )
            .unwrap_err();
            assert_eq!(
                errs[0].to_string(),
                format!("has characters an address cannot hold before the @ ('(' '\"' ':' ')') — email = \"{formula}\""),
                "strict: {strict_email}"
            );
        }
        for ok in [
            "o'brien@example.com",
            "a.b+c@x-y.example",
            "zoë@exämple.de",
            "=cmd@x.com",
        ] {
            assert_eq!(email_problem(ok), None, "{ok}");
        }
        for bad in [
            "a..b@x.y", ".a@x.y", "a@x..y", "a@-x.y", "a@x_y.z", "a\"b@x.y", "<a>@x.y",
        ] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn a_domain_without_a_dot_is_a_warning_the_admin_can_accept() {
        let mut rules = Rules::new(REQ.to_vec());
        let r = row(&[(Field::Email, "x@example"), (Field::Password, "p")]);
        let errs = validate_with(&r, &rules).unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "not sent: the domain \"example\" has no dot (a typo for example.com?); if it is an intranet domain, tick \"Accept domains without a dot\" to send it — email"
        );
        rules.flag_dotless_domains = false;
        assert!(validate_with(&r, &rules).is_ok());
        // localhost is the loopback name: accepted as it is.
        rules.flag_dotless_domains = true;
        assert!(validate_with(
            &row(&[(Field::Email, "a@localhost"), (Field::Password, "p")]),
            &rules
        )
        .is_ok());
    }

    #[test]
    fn length_limits() {
        let rules = Rules {
            email_rule: Some(STRICT),
            ..Rules::new(REQ.to_vec())
        };
        let long_local = format!("{}@x.y", "a".repeat(65));
        assert_eq!(
            email_problem(&long_local).unwrap(),
            format!("\"{long_local}\" has 65 characters before the @; at most 64 are allowed")
        );
        let long = format!("a@{}.example", "b".repeat(250));
        assert_eq!(
            email_problem(&long).unwrap(),
            "is 260 characters long; an address holds at most 254"
        );
        let password = "p".repeat(256);
        let name = "n".repeat(300);
        let errs = validate_with(
            &row(&[
                (Field::Email, "a@x.y"),
                (Field::Password, &password),
                (Field::Name, &name),
            ]),
            &rules,
        )
        .unwrap_err();
        let texts: Vec<String> = errs.iter().map(Problem::to_string).collect();
        assert_eq!(
            texts,
            [
                "is 256 characters long; at most 255 are accepted — password",
                "is 300 characters long; at most 255 are accepted — name"
            ]
        );
    }

    /// Issue 27: every row message in one shape, the key words first: what is wrong,
    /// then the field and its column, then the value (a value the check quoted first
    /// moves to the end, once).
    #[test]
    fn the_message_builder_puts_what_is_wrong_first() {
        let col = Some("column \"Mail\"");
        assert_eq!(
            shaped(
                "\"ann@\" is not an address",
                Some("email"),
                col,
                Some("\"x\"")
            ),
            "is not an address — email in column \"Mail\" = \"ann@\""
        );
        assert_eq!(
            shaped("missing", Some("password"), col, None),
            "missing — password in column \"Mail\""
        );
        assert_eq!(
            shaped(
                "must be a positive number",
                Some("package_id"),
                None,
                Some("empty")
            ),
            "must be a positive number — package_id = empty"
        );
        assert_eq!(shaped("no field", None, None, None), "no field");
        assert_eq!(
            what_is_wrong("\"ann@\" is not an address"),
            "is not an address"
        );
        assert_eq!(what_is_wrong("missing"), "missing");
        // A quote that does not open a value, or a message that is only a value, is kept.
        assert_eq!(shaped("\"x\"", Some("name"), None, None), "\"x\" — name");
        // Every message the checks write opens with what is wrong once shaped.
        let r = row(&[(Field::Email, "a b@c"), (Field::Password, "p")]);
        let errs = validate(&r, &[Field::Email, Field::Password, Field::Name]).unwrap_err();
        for e in &errs {
            let text = e.to_string();
            assert!(
                !text.starts_with('"') && !text.starts_with("email"),
                "{text}"
            );
        }
        assert!(errs[0].to_string().ends_with(" — email = \"a b@c\""));
    }
}
