//! The user calls: `Core.CreateUser` (with its faults), `Core.UpdateUser`, `Core.GetUsers`,
//! `Core.GetTenants` and `MailDomains.GetDomains`.

use super::pages::PHP_NOTICES;
use super::wire::*;
use serde_json::{json, Value};

use crate::faults::Fault;
use crate::state::{AuroraUser, Shared};
use crate::util::random_uuid;

/// `^[a-zA-Z0-9._\-+@]+$` with exactly one `@` and something on both sides of it.
pub fn valid_public_id(public_id: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-+@".contains(c);
    match public_id.split_once('@') {
        Some((local, domain)) => {
            public_id.chars().all(allowed)
                && !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
        }
        None => false,
    }
}

pub(super) fn create_user(shared: &mut Shared, call: &Call) -> Done {
    shared.aurora.create_calls += 1;
    let n = shared.aurora.create_calls;
    let asked_for = call
        .params
        .as_ref()
        .and_then(|p| p.get("PublicId"))
        .and_then(Value::as_str);
    if let Some(public_id) = asked_for {
        *shared
            .aurora
            .create_requests
            .entry(public_id.to_lowercase())
            .or_default() += 1;
    }
    let knobs = shared.config.aurora.clone();
    let hits = |fault: Fault| knobs.faults.hits(fault, n);
    let faults = &mut shared.aurora.faults;
    if hits(Fault::Drop) {
        faults.drop += 1;
        return (Reply::Close, "fault drop_every: closed, not created".into());
    }
    if hits(Fault::Http500) {
        faults.http500 += 1;
        return (
            Reply::Fatal,
            "fault http500_every: HTTP 500, not created".into(),
        );
    }
    if hits(Fault::ResultFalse) {
        faults.result_false += 1;
        return (
            Reply::ok(Value::Bool(false)),
            "fault result_false_every: Result false, not created".into(),
        );
    }
    if hits(Fault::Error0) {
        faults.error0 += 1;
        let reply = Reply::Err {
            dispatched: true,
            code: code::MESSAGE_ONLY,
            message: "Reserved address".into(),
        };
        return (reply, "fault error0_every: ErrorCode 0, not created".into());
    }
    let (reply, outcome) = settle(create_user_for_real(shared, call));
    let faults = &mut shared.aurora.faults;
    if hits(Fault::LostAnswer) {
        faults.lost_answer += 1;
        return (
            Reply::Close,
            format!("fault lost_answer_every: {outcome}, then closed"),
        );
    }
    if hits(Fault::Http500AfterInsert) {
        faults.http500_after_insert += 1;
        return (
            Reply::Fatal,
            format!("fault http500_after_insert_every: {outcome}, then HTTP 500"),
        );
    }
    if hits(Fault::NonJsonAfterInsert) {
        faults.non_json_after_insert += 1;
        return (
            Reply::FatalOk,
            format!("fault non_json_after_insert_every: {outcome}, then a PHP fatal error with HTTP 200"),
        );
    }
    if hits(Fault::PhpNotice) {
        let noise = PHP_NOTICES[(faults.php_notice % PHP_NOTICES.len() as u64) as usize];
        faults.php_notice += 1;
        return (
            Reply::Noisy(Box::new(reply), noise),
            format!("fault php_notice_every: {outcome}, PHP notice before the JSON"),
        );
    }
    (reply, outcome)
}

pub(super) fn create_user_for_real(shared: &mut Shared, call: &Call) -> Result<Done, Done> {
    if shared.config.aurora.create_method_denied {
        shared.aurora.faults.create_method_denied += 1;
        return Err(failed(
            true,
            code::METHOD_ACCESS_DENIED,
            "create_method_denied",
        ));
    }
    let token = authenticate(shared, call)?;
    let p = params(call)?;
    let read = || -> Result<_, ParamError> {
        let public_id = p.string("PublicId")?.unwrap_or("").to_string();
        let role = p.int("Role", 2)?;
        let tenant_id = p.int("TenantId", 0)?;
        let domain_id = p.int("DomainId", 0)?;
        let quota_bytes = p.int("QuotaBytes", 0)?;
        p.int("UserId", 0)?;
        p.boolean("WriteSeparateLog", false)?;
        p.boolean("Forced", false)?;
        let password = p.string("Password")?.unwrap_or("").to_string();
        if !valid_public_id(&public_id) {
            return Err(ParamError::InvalidPublicId);
        }
        if !(0..=3).contains(&role) {
            return Err(ParamError::RoleOutOfRange);
        }
        if quota_bytes < 0 {
            return Err(ParamError::NegativeQuota);
        }
        Ok(AuroraUser {
            id: 0,
            uuid: random_uuid(),
            public_id,
            role,
            tenant_id,
            quota_bytes,
            domain_id,
            password,
            seeded: false,
        })
    };
    let user = read().map_err(bad_input)?;
    if shared.config.aurora.create_denied {
        shared.aurora.faults.create_denied += 1;
        return Err(failed(true, code::ACCESS_DENIED, "create_denied"));
    }
    if let Some(limit) = shared.config.aurora.license_limit {
        if shared.aurora.users.len() as u64 >= limit {
            shared.aurora.faults.license_limit += 1;
            return Err(failed(true, code::LICENSE_LIMIT, "license_limit"));
        }
    }
    if shared.aurora.find(&user.public_id).is_some() {
        return Err(failed(
            true,
            code::USER_ALREADY_EXISTS,
            format!("{} exists", user.public_id),
        ));
    }
    let public_id = user.public_id.clone();
    let id = shared.aurora.insert(user);
    if let Some(info) = shared.aurora.tokens.get_mut(&token) {
        info.creates += 1;
    }
    Ok((
        Reply::ok(json!(id)),
        format!("created {public_id} as id {id}"),
    ))
}

pub(super) fn update_user(shared: &mut Shared, call: &Call) -> Done {
    shared.aurora.update_calls += 1;
    settle(try_update_user(shared, call))
}

/// `Core.UpdateUser` as `Traits/Users.php` does it for the superadmin.
fn try_update_user(shared: &mut Shared, call: &Call) -> Result<Done, Done> {
    authenticate(shared, call)?;
    let p = params(call)?;
    let read = || -> Result<_, ParamError> {
        let user_id = p.int("UserId", 0)?;
        let public_id = p.string("PublicId")?.unwrap_or("").trim().to_string();
        let tenant_id = p.int("TenantId", 0)?;
        let role = p.int("Role", -1)?;
        Ok((user_id, public_id, tenant_id, role))
    };
    let (user_id, public_id, tenant_id, role) = read().map_err(bad_input)?;
    let Some(user) = shared
        .aurora
        .users
        .iter_mut()
        .find(|u| user_id > 0 && u.id == user_id as u64)
    else {
        return Err(bad_input(format!("no user with UserId {user_id}")));
    };
    if !public_id.is_empty() {
        user.public_id = public_id;
    }
    if tenant_id != 0 {
        user.tenant_id = tenant_id;
    }
    // `UserRole::validateValue`: SuperAdmin 0 to Anonymous 4; -1 leaves the role.
    if (0..=4).contains(&role) {
        user.role = role;
    }
    Ok((
        Reply::ok(Value::Bool(true)),
        format!(
            "updated {} (id {user_id}, role {})",
            user.public_id, user.role
        ),
    ))
}

pub(super) fn get_users(shared: &mut Shared, call: &Call) -> Done {
    settle(try_get_users(shared, call))
}

pub(super) fn try_get_users(shared: &mut Shared, call: &Call) -> Result<Done, Done> {
    authenticate(shared, call)?;
    let p = params(call)?;
    let read = || -> Result<_, ParamError> {
        p.int("TenantId", 0)?;
        Ok((
            p.int("Offset", 0)?.max(0) as usize,
            p.int("Limit", 20)?,
            p.string("Search")?.unwrap_or("").to_lowercase(),
        ))
    };
    let (offset, limit, search) = read().map_err(bad_input)?;
    let matches: Vec<&AuroraUser> = shared
        .aurora
        .users
        .iter()
        .filter(|u| u.public_id.to_lowercase().contains(&search))
        .collect();
    let take = if limit > 0 {
        limit as usize
    } else {
        usize::MAX
    };
    let items: Vec<Value> = matches
        .iter()
        .skip(offset)
        .take(take)
        .map(|u| {
            json!({
                "Id": u.id,
                "UUID": u.uuid,
                "Name": "",
                "PublicId": u.public_id,
                "Role": u.role,
                "IsDisabled": false,
                "Groups": [],
            })
        })
        .collect();
    let outcome = format!("ok ({} of {} matches)", items.len(), matches.len());
    Ok((
        Reply::ok(json!({ "Items": items, "Count": matches.len() })),
        outcome,
    ))
}

pub(super) fn get_tenants(shared: &mut Shared, call: &Call) -> Done {
    if let Err(done) = authenticate(shared, call) {
        return done;
    }
    let result = json!({
        "Items": [{ "Id": 1, "Name": "Default", "SiteName": "" }],
        "Count": 1,
    });
    (Reply::ok(result), "ok".into())
}

pub(super) fn get_domains(shared: &mut Shared, call: &Call) -> Done {
    settle(try_get_domains(shared, call))
}

pub(super) fn try_get_domains(shared: &mut Shared, call: &Call) -> Result<Done, Done> {
    authenticate(shared, call)?;
    let p = params(call)?;
    let tenant_id = p.int("TenantId", 0).map_err(bad_input)?;
    if tenant_id == 0 {
        return Err(bad_input("TenantId must not be 0"));
    }
    let items: Vec<Value> = if tenant_id == 1 {
        shared
            .config
            .aurora
            .domains
            .iter()
            .enumerate()
            .map(|(i, domain)| {
                let suffix = format!("@{}", domain.to_lowercase());
                let users = shared
                    .aurora
                    .users
                    .iter()
                    .filter(|u| u.public_id.to_lowercase().ends_with(&suffix))
                    .count();
                json!({
                    "Id": i + 1,
                    "Name": domain,
                    "TenantId": 1,
                    "MailServerId": 1,
                    "Count": users,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let count = items.len();
    Ok((
        Reply::ok(json!({ "Items": items, "Count": count })),
        format!("ok ({count} domains)"),
    ))
}
