//! Checking each mapped row before anything is sent. A row with a problem is never sent.

use std::fmt;

use crate::map::{Field, MappedRow, UserRow};

/// One reason a row cannot be sent, tied to the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field.label(), self.message)
    }
}

fn problem(field: Field, message: impl Into<String>) -> Problem {
    Problem {
        field,
        message: message.into(),
    }
}

/// Checks an address's shape: one `@`, something on both sides, no spaces or controls.
/// The target may be stricter; its own rules are checked by the target's validation.
pub fn email_problem(email: &str) -> Option<String> {
    if email.is_empty() {
        return Some("missing".into());
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!(
            "\"{email}\" contains a space or a control character"
        ));
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
        {
            None
        }
        _ => Some(format!(
            "\"{email}\" is not an address of the form name@domain"
        )),
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
    let mut problems = Vec::new();
    let email = row.get(Field::Email).to_owned();
    if let Some(p) = email_problem(&email) {
        problems.push(problem(Field::Email, p));
    }
    for &field in required {
        if field != Field::Email && row.get(field).is_empty() {
            problems.push(problem(field, "missing"));
        }
    }
    let password = row.get(Field::Password).to_owned();
    let role = parse_number::<u8>(row, Field::Role, "a role number", &mut problems);
    if let Some(r) = role.filter(|r| *r > 3) {
        problems.push(problem(
            Field::Role,
            format!("{r} is not a role (0 super admin, 1 tenant admin, 2 user, 3 customer)"),
        ));
    }
    let quota_mb = parse_number(
        row,
        Field::QuotaMb,
        "a whole number of megabytes",
        &mut problems,
    );
    let tenant_id = parse_number(row, Field::TenantId, "a tenant id", &mut problems);
    let package_id = parse_number::<u64>(row, Field::PackageId, "a package id", &mut problems);
    if package_id == Some(0) {
        problems.push(problem(Field::PackageId, "must be a positive number"));
    }
    let text = |f: Field| Some(row.get(f).to_owned()).filter(|s| !s.is_empty());
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(UserRow {
        email,
        password,
        name: text(Field::Name),
        role,
        quota_mb,
        tenant_id,
        package_id,
        timezone: text(Field::Timezone),
        login_ips: text(Field::LoginIps),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQ: &[Field] = &[Field::Email, Field::Password];

    #[test]
    fn required_fields_come_from_the_target() {
        let r = row(&[(Field::Email, "a@b"), (Field::Password, "p")]);
        let errs = validate(&r, &[Field::Email, Field::Password, Field::Name]).unwrap_err();
        assert_eq!(errs[0].to_string(), "name: missing");
        assert!(validate(&r, &[Field::Email]).is_ok());
    }

    fn row(pairs: &[(Field, &str)]) -> MappedRow {
        MappedRow {
            line: 1,
            values: pairs.iter().map(|(f, v)| (*f, v.to_string())).collect(),
        }
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
        let fields: Vec<Field> = errs.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [Field::Email, Field::Password, Field::Role, Field::QuotaMb]
        );
        assert!(errs[0].to_string().starts_with("email: \"no-at-sign\""));
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
}
