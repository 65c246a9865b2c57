//! The dry run: the accounts a run would create ([`accounts`], a table of the mapped
//! fields with passwords masked) and the exact requests it would send ([`preview`], with
//! every secret masked), so an admin can see what will happen before anything does.

use super::send::{LoginStep, Secrets, Session, Target};
use crate::http::{Body, HttpRequest};
use crate::input::field::{Field, UserRow};
use crate::input::plan::PlannedRow;
use crate::input::spec::FieldSpec;

/// What stands in for a secret in a preview.
pub const MASK: &str = "••••••••";

/// One request as text: method, URL, headers, body.
pub fn describe(request: &HttpRequest) -> String {
    let mut text = format!("{} {}\n", request.method.as_str(), request.url);
    if request.body != Body::Empty {
        text.push_str(&format!("Content-Type: {}\n", request.body.content_type()));
    }
    for (name, value) in &request.headers {
        text.push_str(&format!("{name}: {value}\n"));
    }
    text.push('\n');
    match &request.body {
        Body::Form(fields) => {
            let lines: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            text.push_str(&lines.join("\n"));
        }
        Body::Json(json) => text.push_str(json),
        Body::Empty => {}
    }
    text
}

/// The login (if any) and the creates for the first `limit` ready rows, secrets masked.
/// `users` gives a row's typed row (see [`crate::input::plan::Sheet::user`]); it is
/// asked for the rows shown only.
pub fn preview(
    target: &dyn Target,
    secrets: &Secrets,
    plan: &[PlannedRow],
    users: impl Fn(usize) -> Option<UserRow>,
    limit: usize,
) -> Vec<String> {
    let masked = secrets.masked(MASK);
    let mut out = Vec::new();
    let session = match target.login(&masked) {
        LoginStep::Request(request) => {
            out.push(describe(&request));
            Session::new(MASK)
        }
        LoginStep::Ready(session) => session,
    };
    for (i, planned) in plan
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.excluded)
        .take(limit)
    {
        if let Some(mut user) = planned.is_valid().then(|| users(i)).flatten() {
            user.password = MASK.into();
            // An exists probe goes first, for targets that have one.
            if let Some(probe) = target.exists_probe(&session, &user) {
                out.push(describe(&probe));
            }
            out.push(describe(&target.create(&session, &user)));
        }
    }
    out
}

/// The accounts a run would create, as a table: the columns a row would send and the
/// first rows that would be sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountPreview {
    /// The fields shown, in the target's order: the address and the password always,
    /// the others when a shown row gives them (from its cells or the run's defaults).
    pub columns: Vec<Field>,
    /// The columns' names for people, as the target declares them ("Department").
    pub titles: Vec<String>,
    pub rows: Vec<AccountRow>,
    /// How many rows the run would send in all (not excluded, passing the checks).
    pub ready: usize,
}

/// One account of the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// The input line the row comes from.
    pub line: u64,
    /// One cell per column of [`AccountPreview::columns`]; a password is [`MASK`].
    pub cells: Vec<String>,
}

/// A field's value as a run sends it, for the preview; empty when the row has none.
fn shown(user: &UserRow, spec: &FieldSpec) -> String {
    let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    let field = spec.field;
    match field {
        Field::Email => user.email.clone(),
        Field::Password if user.password.is_empty() => String::new(),
        Field::Password => MASK.into(),
        Field::Name => user.name.clone().unwrap_or_default(),
        // Joined into the name before a row is ready.
        Field::FirstName | Field::LastName => String::new(),
        Field::Role => user.role.map(|r| r.to_string()).unwrap_or_default(),
        Field::QuotaMb => user.quota_mb.map(|q| format!("{q} MB")).unwrap_or_default(),
        Field::TenantId => number(user.tenant_id),
        Field::PackageId => number(user.package_id),
        Field::Timezone => user.timezone.clone().unwrap_or_default(),
        Field::LoginIps => user.login_ips.clone().unwrap_or_default(),
        Field::Username => user.username.clone().unwrap_or_default(),
        Field::Custom(_) => match user.value(field) {
            Some(v) if spec.is_secret() && !v.is_empty() => MASK.into(),
            v => v.unwrap_or_default().into_owned(),
        },
    }
}

/// The first `limit` accounts a run would create, over the target's `fields` (see
/// `TargetKind::template_fields`), with every password masked. `users` gives a row's
/// typed row (see [`crate::input::plan::Sheet::user`]); it is asked for the rows shown
/// only.
pub fn accounts<F: Clone + Into<FieldSpec>>(
    fields: &[F],
    plan: &[PlannedRow],
    users: impl Fn(usize) -> Option<UserRow>,
    limit: usize,
) -> AccountPreview {
    let ready = plan.iter().filter(|p| !p.excluded && p.is_valid()).count();
    let shown_rows: Vec<(u64, UserRow)> = plan
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.excluded && p.is_valid())
        .take(limit)
        .filter_map(|(i, p)| users(i).map(|u| (u64::from(p.line), u)))
        .collect();
    let specs: Vec<FieldSpec> = fields
        .iter()
        .cloned()
        .map(Into::into)
        .filter(|s: &FieldSpec| {
            matches!(s.field, Field::Email | Field::Password)
                || shown_rows.iter().any(|(_, u)| !shown(u, s).is_empty())
        })
        .collect();
    let rows = shown_rows
        .iter()
        .map(|(line, user)| AccountRow {
            line: *line,
            cells: specs.iter().map(|s| shown(user, s)).collect(),
        })
        .collect();
    AccountPreview {
        columns: specs.iter().map(|s| s.field).collect(),
        titles: specs.iter().map(|s| s.title().to_owned()).collect(),
        rows,
        ready,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::map::{Field, Mapping};
    use crate::input::plan::{plan, user_at, users_of};
    use crate::input::validate::Rules;

    /// The rules [`plan`] checks with.
    fn required(fields: &[Field]) -> Rules {
        Rules {
            required: fields.to_vec(),
            ..Rules::default()
        }
    }
    use crate::input::read::read;
    use crate::targets::aurora::Aurora;
    use crate::targets::mumara::{Mumara, MumaraDefaults};

    #[test]
    fn aurora_preview_masks_every_secret() {
        let t = read(b"a@localhost | p123secret\nb@localhost | p456secret\n").unwrap();
        let planned = plan(&t, &Mapping::auto(&t), &[Field::Email, Field::Password]);
        let users = users_of(
            t.clone(),
            Mapping::auto(&t),
            required(&[Field::Email, Field::Password]),
        );
        let secrets = Secrets::new()
            .with_shown("login", "superadmin")
            .with("password", "adminsecret")
            .with("api_key", String::new());
        let out = preview(&Aurora::new("http://h/"), &secrets, &planned, &users, 10);
        assert_eq!(out.len(), 3);
        let all = out.join("\n");
        assert!(!all.contains("secret"), "{all}");
        assert!(out[0].contains("Method=LoginAsSuperadmin"));
        assert!(out[0].contains(r#""Login":"superadmin""#));
        assert!(out[1].starts_with("POST http://h/?/Api/\nContent-Type: application/x-www-form-urlencoded\nAuthorization: Bearer ••••••••\n"));
        assert!(out[1].contains(r#""PublicId":"a@localhost""#));
    }

    #[test]
    fn mumara_preview_masks_the_key() {
        let t = read(b"name,email,password\nAnn,ann@x.y,pw-secret\n").unwrap();
        let planned = plan(&t, &Mapping::auto(&t), &[Field::Email]);
        let users = users_of(t.clone(), Mapping::auto(&t), required(&[Field::Email]));
        let target = Mumara::new(
            "http://m",
            MumaraDefaults {
                package_id: Some(2),
                timezone: None,
            },
        );
        let secrets = Secrets::new().with("api_key", "key-secret");
        let out = preview(&target, &secrets, &planned, &users, 10);
        assert_eq!(out.len(), 1);
        assert!(!out[0].contains("secret"), "{}", out[0]);
        assert!(out[0].contains("Authorization: Bearer ••••••••"));
        assert!(out[0].contains(r#""package_id":2"#));
    }

    #[test]
    fn accounts_show_the_mapped_fields_with_passwords_masked() {
        use crate::input::plan::plan_with;
        let t = read(
            b"email,password,first name,last name,quota\n\
              ann@x.org,pw-secret-1,Ann,Lee,2 GB\n\
              bad-address,pw-secret-2,Bo,Bad,\n\
              cy@x.org,pw-secret-3,Cy,Yu,\n\
              dee@x.org,pw-secret-4,Dee,Do,\n",
        )
        .unwrap();
        let mapping = Mapping::auto(&t);
        let rules = Rules {
            defaults: vec![(Field::Role, "2".into())],
            ..Rules::new(vec![Field::Email, Field::Password])
        };
        let mut planned = plan_with(&t, &mapping, &rules);
        planned[3].excluded = true;
        let fields = [
            Field::Email,
            Field::Password,
            Field::Name,
            Field::Role,
            Field::QuotaMb,
            Field::TenantId,
        ];
        let users = |i| user_at(&t, &mapping, &rules, i);
        let table = accounts(&fields, &planned, users, 5);
        // The invalid and the excluded rows are not sent, so not shown; nothing gives a
        // tenant, so no such column.
        assert_eq!(table.ready, 2);
        assert_eq!(
            table.columns,
            [
                Field::Email,
                Field::Password,
                Field::Name,
                Field::Role,
                Field::QuotaMb
            ]
        );
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[0].line, 2);
        assert_eq!(
            table.rows[0].cells,
            ["ann@x.org", MASK, "Ann Lee", "2", "2048 MB"]
        );
        assert_eq!(table.rows[1].line, 4);
        assert_eq!(table.rows[1].cells, ["cy@x.org", MASK, "Cy Yu", "2", ""]);
        let all = format!("{table:?}");
        assert!(!all.contains("secret"), "{all}");
        // The limit bounds the rows shown, not the count of rows to send.
        let one = accounts(&fields, &planned, users, 1);
        assert_eq!((one.rows.len(), one.ready), (1, 2));
    }
}
