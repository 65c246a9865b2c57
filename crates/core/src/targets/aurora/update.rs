//! "Existing accounts: Update" for Aurora (`Traits/Users.php` of aurora-module-core).
//!
//! - The look-up is `Core.GetUsers` with the row's address as `Search` (Aurora matches
//!   `PublicId LIKE %search%`, so the answer is searched for the row's own address) in
//!   the row's tenant (`TenantId` 0: every tenant), `Limit` 0 (all matches).
//! - The update is `Core.UpdateUser` with the found `Id`, the row's `Role` (-1, "leave
//!   it", when the row and the run give none, as the preview shows no change then) and
//!   `TenantId` as the create sends it (0 leaves it; the look-up only finds accounts of
//!   that tenant, so no account changes tenant). `PublicId` is left empty (unchanged).
//!   Aurora answers `Result: true`; an unknown `UserId` is error 103.
//! - Never a password: Core's UpdateUser has none, and the mailbox's password lives in
//!   the Mail module, whose `ChangePassword` needs the current password and whose
//!   `UpdateAccount` only changes the copy Aurora keeps, not the mail server's.

use serde_json::{json, Value};

use super::{read_result, Aurora, ReadError};
use crate::http::{Exchange, HttpRequest};
use crate::input::field::UserRow;
use crate::targets::send::{Outcome, ProbeAnswer, Session, Target};

/// Why "Also set passwords of existing accounts" is not offered for Aurora.
pub const NO_PASSWORDS: &str = "Aurora's update never changes passwords: the mailbox's password lives in Aurora's Mail module, whose only call that changes it on the mail server (Mail.ChangePassword) needs the account's current password.";

/// `Core.GetUsers` for the row's address, in its tenant.
pub(super) fn find(aurora: &Aurora, session: &Session, row: &UserRow) -> HttpRequest {
    aurora.request(
        "Core",
        "GetUsers",
        json!({
            "TenantId": row.tenant_id.unwrap_or(0),
            "Offset": 0,
            "Limit": 0,
            "Search": row.email.trim(),
        }),
        Some(&session.bearer),
    )
}

/// The row's own account among a look-up's `Items` (its `PublicId` is the row's
/// address, letter case aside), or why the answer cannot say.
fn own_item(found: &Exchange, row: &UserRow) -> Result<Option<Value>, Option<ReadError>> {
    let result = read_result(found).map_err(Some)?;
    let items = result.get("Items").and_then(Value::as_array).ok_or(None)?;
    let email = row.email.trim();
    Ok(items
        .iter()
        .find(|item| {
            item.get("PublicId")
                .and_then(Value::as_str)
                .is_some_and(|id| id.trim().eq_ignore_ascii_case(email))
        })
        .cloned())
}

/// Reads the look-up's answer for the row.
pub(super) fn read_find(aurora: &Aurora, exchange: &Exchange, row: &UserRow) -> ProbeAnswer {
    match own_item(exchange, row) {
        Ok(Some(_)) => ProbeAnswer::Exists {
            code: None,
            message: "Already on the server (Core.GetUsers lists it)".into(),
            emails: Vec::new(),
        },
        Ok(None) => ProbeAnswer::Absent,
        // An error envelope, a fault or no answer: read as a create's answer would be
        // (the run makes a look-up's faults unambiguous: it creates nothing).
        Err(Some(_)) => ProbeAnswer::Other(aurora.read_create(exchange)),
        Err(None) => ProbeAnswer::Other(Outcome::Unreadable {
            code: None,
            message: "The look-up's answer (Core.GetUsers) holds no list of users (Items).".into(),
        }),
    }
}

/// `Core.UpdateUser` for the account the look-up found; `None` when it gives no `Id`.
pub(super) fn update(
    aurora: &Aurora,
    session: &Session,
    row: &UserRow,
    found: &Exchange,
) -> Option<HttpRequest> {
    let item = own_item(found, row).ok()??;
    let id = item.get("Id")?.as_i64().filter(|id| *id > 0)?;
    let role = row.role.map_or(-1, i64::from);
    Some(aurora.request(
        "Core",
        "UpdateUser",
        json!({
            "UserId": id,
            "TenantId": row.tenant_id.unwrap_or(0),
            "Role": role,
        }),
        Some(&session.bearer),
    ))
}

/// The found account's role, for the preview's old → new.
pub(super) fn current_values(found: &Exchange, row: &UserRow) -> Option<Vec<(String, String)>> {
    let item = own_item(found, row).ok()??;
    let role = match item.get("Role")? {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    Some(vec![("role".to_owned(), role)])
}

/// Reads an update's answer: `Result: true` is updated (`Created`).
pub(super) fn read_update(aurora: &Aurora, exchange: &Exchange) -> Outcome {
    let lost = |code: Option<i64>, what: String| Outcome::Transient {
        code,
        message: format!("{what}: the account may or may not have been updated."),
        ambiguous: true,
    };
    match read_result(exchange) {
        Ok(Value::Bool(true)) => Outcome::Created { target_id: None },
        Ok(Value::Bool(false)) => Outcome::Transient {
            code: None,
            message: "The server answered Result: false to the update without an error code (a database error): nothing was changed.".into(),
            ambiguous: false,
        },
        Ok(other) => Outcome::Unreadable {
            code: None,
            message: format!(
                "The update's answer is Result: {} instead of true.",
                other.to_string().chars().take(60).collect::<String>()
            ),
        },
        Err(ReadError::NoAnswer(detail)) => lost(None, format!("No answer ({detail})")),
        Err(ReadError::Status(status)) if status >= 500 => lost(
            Some(i64::from(status)),
            format!("HTTP {status} from the server"),
        ),
        Err(ReadError::Refused { code: 103, message }) => Outcome::Rejected {
            code: Some(103),
            message: format!(
                "{}: the account the look-up found is no longer there (Core.UpdateUser knows no user with its id). Nothing was changed.",
                super::describe(103, &message)
            ),
            field: None,
        },
        Err(_) => aurora.read_create(exchange),
    }
}
