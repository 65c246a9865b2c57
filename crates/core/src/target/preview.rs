//! The dry run: the exact requests a run would send, with every secret masked, so an
//! admin can see what will happen before anything does.

use super::send::{LoginStep, Secrets, Session, Target};
use crate::http::{Body, HttpRequest};
use crate::input::plan::PlannedRow;

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
pub fn preview(
    target: &dyn Target,
    secrets: &Secrets,
    plan: &[PlannedRow],
    limit: usize,
) -> Vec<String> {
    let masked = Secrets {
        login: secrets.login.clone(),
        password: MASK.into(),
        api_key: MASK.into(),
        access_token: MASK.into(),
    };
    let mut out = Vec::new();
    let session = match target.login(&masked) {
        LoginStep::Request(request) => {
            out.push(describe(&request));
            Session::new(MASK)
        }
        LoginStep::Ready(session) => session,
    };
    for planned in plan.iter().filter(|p| !p.excluded).take(limit) {
        if let Ok(user) = &planned.user {
            let mut user = user.clone();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::map::{Field, Mapping};
    use crate::input::plan::plan;
    use crate::input::read::read;
    use crate::target::aurora::Aurora;
    use crate::target::mumara::{Mumara, MumaraDefaults};

    #[test]
    fn aurora_preview_masks_every_secret() {
        let t = read(b"a@localhost | p123secret\nb@localhost | p456secret\n").unwrap();
        let planned = plan(&t, &Mapping::auto(&t), &[Field::Email, Field::Password]);
        let secrets = Secrets {
            login: "superadmin".into(),
            password: "adminsecret".into(),
            api_key: String::new(),
            ..Secrets::default()
        };
        let out = preview(&Aurora::new("http://h/"), &secrets, &planned, 10);
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
        let target = Mumara::new(
            "http://m",
            MumaraDefaults {
                package_id: Some(2),
                timezone: None,
            },
        );
        let secrets = Secrets {
            api_key: "key-secret".into(),
            ..Default::default()
        };
        let out = preview(&target, &secrets, &planned, 10);
        assert_eq!(out.len(), 1);
        assert!(!out[0].contains("secret"), "{}", out[0]);
        assert!(out[0].contains("Authorization: Bearer ••••••••"));
        assert!(out[0].contains(r#""package_id":2"#));
    }
}
