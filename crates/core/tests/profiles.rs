//! Profile targets: the presets parse, bad profiles say where they are wrong, requests are
//! built from rows through a serializer, each preset reads its server's documented
//! answers (ugly ones included), and the engine never sends an upsert for an account the
//! exists probe found.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse, Method};
use roster_core::input::map::UserRow;
use roster_core::input::plan::PlannedRow;
use roster_core::run::{Command, Phase, Run, RunConfig, Status};
use roster_core::targets::profile::{preset_json, presets, Profile, ProfileTarget};
use roster_core::targets::send::{
    LoginStep, Outcome, ProbeAnswer, RetryAfter, Secrets, Session, StopKind, Target,
};
use serde_json::{json, Value};

fn preset(id: &str) -> Arc<Profile> {
    Arc::new(
        presets()
            .into_iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| panic!("no preset {id}")),
    )
}

fn settings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn row(email: &str, password: &str, name: Option<&str>, username: Option<&str>) -> UserRow {
    UserRow {
        email: email.into(),
        password: password.into(),
        name: name.map(str::to_owned),
        username: username.map(str::to_owned),
        ..UserRow::default()
    }
}

fn answer(status: u16, body: &str) -> Exchange {
    Exchange::Answered(HttpResponse::new(status, body))
}

fn json_body(request: &HttpRequest) -> Value {
    let Body::Json(text) = &request.body else {
        panic!("a JSON body: {request:?}")
    };
    serde_json::from_str(text).unwrap()
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

// ---------------------------------------------------------------- parsing

#[test]
fn every_preset_parses_and_round_trips() {
    let all = presets();
    let ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["synapse", "keycloak", "graph", "gitlab"]);
    let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Matrix Synapse",
            "Keycloak",
            "Microsoft Graph (Entra ID)",
            "GitLab"
        ]
    );
    for p in &all {
        assert!(!p.about.is_empty() && !p.about.contains("http"), "{}", p.id);
        assert!(!p.permission.is_empty(), "{}", p.id);
        let again = Profile::from_json(&p.to_pretty_json()).unwrap();
        assert_eq!(&again, p, "{} round trips", p.id);
        // The table of shipped texts names each by the id it holds.
        assert_eq!(&Profile::from_json(preset_json(&p.id).unwrap()).unwrap(), p);
        assert!(!p.required_fields().is_empty());
    }
    assert!(preset("synapse").has_exists_probe());
    // GitLab reads the user name first (issue 20: its 409 cannot tell whose account).
    assert!(preset("gitlab").has_exists_probe());
    assert!(!preset("keycloak").has_exists_probe());
}

fn with(text: &str, old: &str, new: &str) -> String {
    assert!(text.contains(old), "{old}");
    text.replacen(old, new, 1)
}

#[test]
fn bad_profiles_name_the_key_and_the_line() {
    let synapse = preset_json("synapse").unwrap();
    let line_of = |needle: &str| {
        synapse[..synapse.find(needle).unwrap()]
            .matches('\n')
            .count()
            + 1
    };

    let bad = with(synapse, r#""method": "PUT""#, r#""method": "PATCHH""#);
    let e = Profile::from_json(&bad).unwrap_err();
    assert_eq!(e.path, "create.method");
    assert_eq!(e.line, Some(line_of(r#""method": "PUT""#)));
    let text = e.to_string();
    assert!(
        text.starts_with(&format!(
            "profile line {}: create.method: unknown variant `PATCHH`, expected one of",
            line_of(r#""method": "PUT""#)
        )),
        "{text}"
    );

    let e = Profile::from_json(&with(
        synapse,
        r#""field": "email""#,
        r#""field": "e_mail""#,
    ))
    .unwrap_err();
    assert_eq!(e.path, "fields[1].field");
    assert!(e.message.contains("unknown Roster field `e_mail`"), "{e}");
    assert_eq!(e.line, Some(line_of(r#""field": "email""#)));

    let e =
        Profile::from_json(&with(synapse, r#""status": 429"#, r#""status": "4yx""#)).unwrap_err();
    assert_eq!(e.path, "answers[2].status");
    assert!(e.message.contains("not a status"), "{e}");

    let e = Profile::from_json(&with(synapse, r#""schema": 1"#, r#""schema": 2"#)).unwrap_err();
    assert_eq!(e.path, "schema");
    assert_eq!(e.line, Some(2));

    let e = Profile::from_json(&with(synapse, r#""about""#, r#""abuot""#)).unwrap_err();
    assert!(e.message.contains("unknown field `abuot`"), "{e}");

    // A placeholder that names nothing.
    let e = Profile::from_json(&with(synapse, "{user.password}", "{user.pasword}")).unwrap_err();
    assert_eq!(e.path, "create.json.password");
    assert!(
        e.message.contains("no Roster field is called `pasword`"),
        "{e}"
    );
    assert!(e.line.is_some());

    // A secret never goes into a URL.
    let e = Profile::from_json(&with(
        synapse,
        "/_matrix/client/v3/login",
        "/_matrix/client/v3/login/{credentials.password}",
    ))
    .unwrap_err();
    assert_eq!(e.path, "login[0].request.path");
    assert!(e.message.contains("secret into the URL"), "{e}");

    // `absent` belongs to probes only.
    let e = Profile::from_json(&with(
        synapse,
        r#"{ "status": 201, "then": "created" }"#,
        r#"{ "status": 201, "then": "absent" }"#,
    ))
    .unwrap_err();
    assert_eq!(e.path, "answers[0].then");

    let e = Profile::from_json("{\n  \"schema\": 1,\n  \"id\": \"x\"\n}").unwrap_err();
    assert!(e.message.contains("missing field"), "{e}");
    let e = Profile::from_json("{ not json").unwrap_err();
    assert_eq!(e.line, Some(1));
}

// ---------------------------------------------------------------- requests

#[test]
fn synapse_logs_in_with_a_password_and_probes_then_puts() {
    let t = ProfileTarget::new(
        preset("synapse"),
        " https://matrix.example.org/ ",
        &settings(&[]),
    );
    let secrets = Secrets::new()
        .with_shown("login", "admin")
        .with("password", "s3cret\"}");
    let LoginStep::Request(login) = t.login(&secrets) else {
        panic!("a login request")
    };
    assert_eq!(login.method, Method::Post);
    assert_eq!(
        login.url,
        "https://matrix.example.org/_matrix/client/v3/login"
    );
    assert_eq!(
        json_body(&login),
        json!({"type":"m.login.password","identifier":{"type":"m.id.user","user":"admin"},"password":"s3cret\"}"})
    );
    let session = t
        .read_login(&answer(
            200,
            r#"{"user_id":"@admin:example.org","access_token":"syt_tok","device_id":"D","home_server":"example.org"}"#,
        ))
        .unwrap();
    assert_eq!(session.captured("server_name"), Some("example.org"));

    let ann = row("Ann.Lee@mail.example", "pw-ann", Some("Ann Lee"), None);
    let probe = t.exists_probe(&session, &ann).unwrap();
    assert_eq!(probe.method, Method::Get);
    assert_eq!(
        probe.url,
        "https://matrix.example.org/_synapse/admin/v2/users/@ann.lee:example.org"
    );
    assert_eq!(header(&probe, "Authorization"), Some("Bearer syt_tok"));
    assert_eq!(probe.body, Body::Empty);

    let put = t.create(&session, &ann);
    assert_eq!(put.method, Method::Put);
    assert_eq!(put.url, probe.url);
    assert_eq!(header(&put, "Authorization"), Some("Bearer syt_tok"));
    assert_eq!(
        json_body(&put),
        json!({"password":"pw-ann","displayname":"Ann Lee","threepids":[{"medium":"email","address":"Ann.Lee@mail.example"}]})
    );
    // A username column wins over the address; no name: no displayname key at all.
    let bob = row("b@x.org", "pw", None, Some("bobby"));
    let put = t.create(&session, &bob);
    assert!(put.url.ends_with("/users/@bobby:example.org"));
    assert_eq!(
        json_body(&put),
        json!({"password":"pw","threepids":[{"medium":"email","address":"b@x.org"}]})
    );
    assert!(!put.url.contains("syt_tok") && !probe.url.contains("pw"));
}

#[test]
fn synapse_with_a_pasted_token_asks_whoami_or_is_ready_when_the_server_name_is_given() {
    let secrets = Secrets::new().with("access_token", " syt_pasted ");
    let t = ProfileTarget::new(preset("synapse"), "https://m.example", &settings(&[]));
    let LoginStep::Request(whoami) = t.login(&secrets) else {
        panic!("whoami")
    };
    assert_eq!(whoami.method, Method::Get);
    assert_eq!(
        whoami.url,
        "https://m.example/_matrix/client/v3/account/whoami"
    );
    assert_eq!(header(&whoami, "Authorization"), Some("Bearer syt_pasted"));
    let session = t
        .read_login(&answer(
            200,
            r#"{"user_id":"@root:m.example:8448","device_id":"X"}"#,
        ))
        .unwrap();
    assert_eq!(session.captured("server_name"), Some("m.example:8448"));
    let put = t.create(&session, &row("a@b.c", "p", None, Some("a")));
    assert_eq!(header(&put, "Authorization"), Some("Bearer syt_pasted"));
    // The port's ':' is encoded inside the segment.
    assert!(
        put.url.ends_with("/users/@a:m.example%3A8448"),
        "{}",
        put.url
    );
    // A refused token stops the login.
    let e = t
        .read_login(&answer(
            401,
            r#"{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed."}"#,
        ))
        .unwrap_err();
    assert_eq!(e.kind, StopKind::CredentialsRefused);
    assert!(e.message.contains("Invalid access token"), "{}", e.message);

    let given = ProfileTarget::new(
        preset("synapse"),
        "https://m.example",
        &settings(&[("server_name", "example.org")]),
    );
    let LoginStep::Ready(session) = given.login(&secrets) else {
        panic!("nothing to capture: ready")
    };
    let put = given.create(&session, &row("a@b.c", "p", None, Some("a")));
    assert!(put.url.ends_with("/users/@a:example.org"));
}

#[test]
fn keycloak_gets_a_token_by_password_grant_and_posts_to_the_realm() {
    let t = ProfileTarget::new(
        preset("keycloak"),
        "https://kc.example.com/",
        &settings(&[("realm", "staff")]),
    );
    let LoginStep::Request(login) = t.login(
        &Secrets::new()
            .with_shown("login", "admin")
            .with("password", "a&b=c"),
    ) else {
        panic!()
    };
    assert_eq!(login.method, Method::Post);
    assert_eq!(
        login.url,
        "https://kc.example.com/realms/master/protocol/openid-connect/token"
    );
    let Body::Form(fields) = &login.body else {
        panic!("a form")
    };
    let fields: BTreeMap<&str, &str> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        fields,
        BTreeMap::from([
            ("client_id", "admin-cli"),
            ("grant_type", "password"),
            ("password", "a&b=c"),
            ("username", "admin"),
        ])
    );
    assert!(login.body.encode().contains("password=a%26b%3Dc"));
    let session = t
        .read_login(&answer(
            200,
            r#"{"access_token":"eyJ.kc","expires_in":60,"token_type":"Bearer"}"#,
        ))
        .unwrap();
    let create = t.create(
        &session,
        &row("jo@x.org", "pw", Some("Jo Ann Smith"), Some("jo")),
    );
    assert_eq!(create.method, Method::Post);
    assert_eq!(
        create.url,
        "https://kc.example.com/admin/realms/staff/users"
    );
    assert_eq!(header(&create, "Authorization"), Some("Bearer eyJ.kc"));
    assert_eq!(
        json_body(&create),
        json!({"username":"jo","email":"jo@x.org","firstName":"Jo Ann","lastName":"Smith","enabled":true,
               "credentials":[{"type":"password","value":"pw","temporary":false}]})
    );
    let e = t
        .read_login(&answer(
            401,
            r#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#,
        ))
        .unwrap_err();
    assert_eq!(e.kind, StopKind::CredentialsRefused);
    assert!(e.message.contains("Invalid user credentials"));
}

#[test]
fn graph_and_gitlab_send_the_pasted_token_on_every_create() {
    let secrets = Secrets::new().with("access_token", "tok");
    let g = ProfileTarget::new(
        preset("graph"),
        "https://graph.microsoft.com",
        &settings(&[]),
    );
    let LoginStep::Ready(session) = g.login(&secrets) else {
        panic!("no login")
    };
    let create = g.create(
        &session,
        &row("ann@contoso.com", "Pw-1234!", Some("Ann Lee"), None),
    );
    assert_eq!(create.url, "https://graph.microsoft.com/v1.0/users");
    assert_eq!(header(&create, "Authorization"), Some("Bearer tok"));
    assert_eq!(
        json_body(&create),
        json!({"accountEnabled":true,"displayName":"Ann Lee","mailNickname":"ann",
               "userPrincipalName":"ann@contoso.com",
               "passwordProfile":{"password":"Pw-1234!","forceChangePasswordNextSignIn":false}})
    );

    let l = ProfileTarget::new(
        preset("gitlab"),
        "https://gitlab.example.com/",
        &settings(&[]),
    );
    let LoginStep::Ready(session) = l.login(&secrets) else {
        panic!("no login")
    };
    let create = l.create(
        &session,
        &row("ann@x.org", "pw12345678", Some("Ann"), Some("ann_l")),
    );
    assert_eq!(create.method, Method::Post);
    assert_eq!(create.url, "https://gitlab.example.com/api/v4/users");
    assert_eq!(header(&create, "PRIVATE-TOKEN"), Some("tok"));
    assert_eq!(header(&create, "Authorization"), None);
    assert_eq!(
        json_body(&create),
        // `reset_password`: the invitation setting, off by default.
        json!({"username":"ann_l","email":"ann@x.org","name":"Ann","password":"pw12345678","reset_password":false,"skip_confirmation":true})
    );
}

#[test]
fn a_cell_cannot_change_the_requests_shape_or_path() {
    let t = ProfileTarget::new(
        preset("synapse"),
        "https://m.example",
        &settings(&[("server_name", "m.example")]),
    );
    let session = Session::new("t").with_captured("server_name", "m.example");
    for evil in [
        r#"}, "admin": true, "x": ""#,
        "../",
        "..",
        "?a=b",
        "a/../../b#x",
        "%2e%2e",
    ] {
        let r = row("e@x.org", evil, Some(evil), Some(evil));
        let put = t.create(&session, &r);
        let body = json_body(&put);
        // The same three keys, each cell a string: nothing was injected.
        let keys: BTreeSet<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from(["displayname", "password", "threepids"]),
            "{evil}"
        );
        assert_eq!(body["password"], json!(evil));
        assert_eq!(body["displayname"], json!(evil));
        // The path keeps its prefix and one segment; nothing climbs or starts a query.
        let path = put
            .url
            .strip_prefix("https://m.example/_synapse/admin/v2/users/")
            .unwrap();
        assert!(
            !path.contains('/') && !path.contains('?') && !path.contains('#'),
            "{evil}: {path}"
        );
        assert!(
            path.starts_with('@') && path.ends_with(":m.example"),
            "{path}"
        );
        assert!(!path.split('/').any(|s| s == ".." || s == "@.."), "{path}");
    }
    // A form body is encoded by the form encoder.
    let k = ProfileTarget::new(
        preset("keycloak"),
        "https://kc",
        &settings(&[("realm", "../x?y")]),
    );
    let LoginStep::Request(login) = k.login(
        &Secrets::new()
            .with_shown("login", "a&grant_type=client_credentials")
            .with("password", "p"),
    ) else {
        panic!()
    };
    let encoded = login.body.encode();
    assert_eq!(encoded.matches("grant_type=").count(), 1, "{encoded}");
    let session = Session::new("t");
    let create = k.create(&session, &row("a@b.c", "p", None, Some("a")));
    assert_eq!(create.url, "https://kc/admin/realms/..%2Fx%3Fy/users");
}

// ---------------------------------------------------------------- answers

fn created(o: Outcome) -> Option<String> {
    match o {
        Outcome::Created { target_id } => target_id,
        other => panic!("created, got {other:?}"),
    }
}

#[test]
fn synapse_answers() {
    let t = ProfileTarget::new(preset("synapse"), "https://m.example", &settings(&[]));
    // Password login: 401 on a create logs in again.
    let _ = t.login(
        &Secrets::new()
            .with_shown("login", "a")
            .with("password", "b"),
    );
    assert_eq!(
        created(t.read_create(&answer(
            201,
            r#"{"name":"@ann:m.example","displayname":"Ann"}"#
        ))),
        Some("@ann:m.example".into())
    );
    // 200 from the PUT: the account was there, and was overwritten: a conflict, never
    // exists (issue 20).
    match t.read_create(&answer(200, r#"{"name":"@ann:m.example"}"#)) {
        Outcome::Conflict { message, .. } => {
            assert!(message.contains("overwrote its password"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let limited = t.read_create(&answer(
        429,
        r#"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":2000}"#,
    ));
    assert!(
        matches!(
            limited,
            Outcome::RateLimited {
                retry_after: Some(RetryAfter::Delay(2000)),
                ..
            }
        ),
        "{limited:?}"
    );
    assert!(matches!(
        t.read_create(&answer(401, r#"{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed.","soft_logout":false}"#)),
        Outcome::Reauth { code: Some(401), .. }
    ));
    assert!(matches!(
        t.read_create(&answer(
            403,
            r#"{"errcode":"M_FORBIDDEN","error":"You are not a server admin"}"#
        )),
        Outcome::Fatal {
            kind: StopKind::AccessDenied,
            ambiguous: false,
            ..
        }
    ));
    match t.read_create(&answer(
        400,
        r#"{"errcode":"M_INVALID_PARAM","error":"Invalid password"}"#,
    )) {
        Outcome::Rejected { message, .. } => assert_eq!(message, "Invalid password"),
        other => panic!("{other:?}"),
    }
    // Ugly answers: a proxy's 502 page after the insert, an HTML login page, no answer.
    assert!(matches!(
        t.read_create(&answer(
            502,
            "<html><body><h1>502 Bad Gateway</h1></body></html>"
        )),
        Outcome::Transient {
            ambiguous: true,
            code: Some(502),
            ..
        }
    ));
    assert!(matches!(
        t.read_create(&answer(
            200,
            "<!DOCTYPE html><html><form action=\"/login\">"
        )),
        Outcome::Unreadable { .. }
    ));
    // A redirect (not followed): the run stops, the row's account unknown.
    match t.read_create(&Exchange::redirected(Some("https://m.example/login"))) {
        Outcome::Fatal {
            kind: StopKind::NotTheApi,
            ambiguous: true,
            message,
            ..
        } => assert!(message.contains("https://m.example/login"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        t.read_create(&Exchange::NoAnswer {
            detail: "Failed to fetch".into()
        }),
        Outcome::Transient {
            ambiguous: true,
            ..
        }
    ));
    // A 2xx no rule recognises is never taken for a creation.
    assert!(matches!(
        t.read_create(&answer(202, "{}")),
        Outcome::Unreadable { .. }
    ));

    // The probe: 200 exists, 404 absent, faults never ambiguous.
    assert!(matches!(
        t.read_probe(&answer(200, r#"{"name":"@ann:m.example","deactivated":0}"#)),
        ProbeAnswer::Exists { .. }
    ));
    assert_eq!(
        t.read_probe(&answer(
            404,
            r#"{"errcode":"M_NOT_FOUND","error":"User not found"}"#
        )),
        ProbeAnswer::Absent
    );
    assert!(matches!(
        t.read_probe(&answer(
            500,
            r#"{"errcode":"M_UNKNOWN","error":"Internal server error"}"#
        )),
        ProbeAnswer::Other(Outcome::Transient {
            ambiguous: false,
            ..
        })
    ));
    assert!(matches!(
        t.read_probe(&Exchange::NoAnswer { detail: "x".into() }),
        ProbeAnswer::Other(Outcome::Transient {
            ambiguous: false,
            ..
        })
    ));
    // An HTML 404 from a proxy is no "absent".
    assert!(matches!(
        t.read_probe(&answer(404, "<html><body>Not Found</body></html>")),
        ProbeAnswer::Other(Outcome::Unreadable { .. })
    ));
    assert!(matches!(
        t.read_probe(&answer(
            429,
            r#"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":1500}"#
        )),
        ProbeAnswer::Other(Outcome::RateLimited {
            retry_after: Some(RetryAfter::Delay(1500)),
            ..
        })
    ));

    // With a pasted token, a refused session cannot be renewed: it stops.
    let _ = t.login(&Secrets::new().with("access_token", "x"));
    assert!(matches!(
        t.read_create(&answer(
            401,
            r#"{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed."}"#
        )),
        Outcome::Fatal {
            kind: StopKind::CredentialsRefused,
            ..
        }
    ));
}

#[test]
fn keycloak_answers() {
    let t = ProfileTarget::new(
        preset("keycloak"),
        "https://kc",
        &settings(&[("realm", "r")]),
    );
    let _ = t.login(
        &Secrets::new()
            .with_shown("login", "a")
            .with("password", "b"),
    );
    let ok = HttpResponse::new(201, "").with_header(
        "Location",
        "https://kc/admin/realms/r/users/6f0e2b1c-88aa-4d1e-9f3a-0c5d1e2f3a4b",
    );
    assert_eq!(
        created(t.read_create(&Exchange::Answered(ok))),
        Some("6f0e2b1c-88aa-4d1e-9f3a-0c5d1e2f3a4b".into())
    );
    // Keycloak's CORS exposes no header: in a browser the 201 arrives without a
    // readable Location. It is still Keycloak's `Response.created`: created, no id.
    assert_eq!(created(t.read_create(&answer(201, ""))), None);
    match t.read_create(&answer(
        409,
        r#"{"errorMessage":"User exists with same username"}"#,
    )) {
        Outcome::Exists {
            code: Some(409),
            message,
        } => assert!(message.starts_with("User exists")),
        other => panic!("{other:?}"),
    }
    // The e-mail of another user name: a conflict (tests/identities.rs), never exists.
    assert!(matches!(
        t.read_create(&answer(
            409,
            r#"{"errorMessage":"User exists with same email"}"#
        )),
        Outcome::Conflict {
            code: Some(409),
            ..
        }
    ));
    // Tokens live about 60 s: 401 logs in again.
    assert!(matches!(
        t.read_create(&answer(401, r#"{"error":"HTTP 401 Unauthorized"}"#)),
        Outcome::Reauth { .. }
    ));
    assert!(matches!(
        t.read_create(&answer(403, r#"{"error":"HTTP 403 Forbidden"}"#)),
        Outcome::Fatal {
            kind: StopKind::AccessDenied,
            ..
        }
    ));
    match t.read_create(&answer(
        400,
        r#"{"field":"email","errorMessage":"invalidEmailMessage","params":["email"]}"#,
    )) {
        Outcome::Rejected { message, .. } => assert_eq!(message, "invalidEmailMessage"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        t.read_create(&answer(404, r#"{"error":"Realm not found."}"#)),
        Outcome::Fatal {
            kind: StopKind::NotTheApi,
            ..
        }
    ));
    assert!(matches!(
        t.read_create(&answer(500, r#"{"error":"unknown_error"}"#)),
        Outcome::Transient {
            ambiguous: true,
            ..
        }
    ));
}

#[test]
fn graph_answers() {
    let t = ProfileTarget::new(
        preset("graph"),
        "https://graph.microsoft.com",
        &settings(&[]),
    );
    let _ = t.login(&Secrets::new().with("access_token", "x"));
    assert_eq!(
        created(t.read_create(&answer(201, r#"{"@odata.context":"x","id":"87d349ed-44d7-43e1-9a83-5f2406dee5bd","userPrincipalName":"a@contoso.com"}"#))),
        Some("87d349ed-44d7-43e1-9a83-5f2406dee5bd".into())
    );
    assert!(matches!(
        t.read_create(&answer(400, r#"{"error":{"code":"Request_BadRequest","message":"Another object with the same value for property userPrincipalName already exists.","innerError":{"request-id":"r"}}}"#)),
        Outcome::Exists { .. }
    ));
    match t.read_create(&answer(400, r#"{"error":{"code":"Request_BadRequest","message":"The specified password does not comply with password complexity requirements."}}"#)) {
        Outcome::Rejected { message, .. } => assert!(message.contains("complexity")),
        other => panic!("{other:?}"),
    }
    let limited = HttpResponse::new(
        429,
        r#"{"error":{"code":"TooManyRequests","message":"Too many requests"}}"#,
    )
    .with_header("Retry-After", "Tue, 01 Dec 2026 07:00:30 GMT")
    .with_header("Date", "Tue, 01 Dec 2026 07:00:05 GMT");
    assert!(matches!(
        t.read_create(&Exchange::Answered(limited)),
        Outcome::RateLimited {
            retry_after: Some(RetryAfter::Delay(25_000)),
            ..
        }
    ));
    let limited = HttpResponse::new(429, "{}").with_header("Retry-After", "7");
    assert!(matches!(
        t.read_create(&Exchange::Answered(limited)),
        Outcome::RateLimited {
            retry_after: Some(RetryAfter::Delay(7_000)),
            ..
        }
    ));
    // A pasted token that expired stops the run with words to paste a fresh one.
    match t.read_create(&answer(401, r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}"#)) {
        Outcome::Fatal { kind: StopKind::CredentialsRefused, message, .. } => {
            assert!(message.contains("expired"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        t.read_create(&answer(403, r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#)),
        Outcome::Fatal { kind: StopKind::AccessDenied, .. }
    ));
}

#[test]
fn gitlab_answers() {
    let t = ProfileTarget::new(preset("gitlab"), "https://gl", &settings(&[]));
    let _ = t.login(&Secrets::new().with("access_token", "x"));
    assert_eq!(
        created(t.read_create(&answer(
            201,
            r#"{"id":42,"username":"ann","state":"active"}"#
        ))),
        Some("42".into())
    );
    for taken in [
        r#"{"message":"Email has already been taken"}"#,
        r#"{"message":"Username has already been taken"}"#,
    ] {
        // GitLab checks the e-mail first, and the preset's probe found no account with
        // the row's user name: either answer is another user's account (a conflict).
        assert!(matches!(
            t.read_create(&answer(409, taken)),
            Outcome::Conflict {
                code: Some(409),
                ..
            }
        ));
    }
    match t.read_create(&answer(
        400,
        r#"{"message":{"password":["is too short (minimum is 8 characters)"]}}"#,
    )) {
        Outcome::Rejected { message, .. } => assert!(message.contains("too short"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        t.read_create(&answer(422, r#"{"message":"x"}"#)),
        Outcome::Rejected { .. }
    ));
    assert!(matches!(
        t.read_create(&answer(403, r#"{"message":"403 Forbidden"}"#)),
        Outcome::Fatal {
            kind: StopKind::AccessDenied,
            ..
        }
    ));
    assert!(matches!(
        t.read_create(&answer(401, r#"{"message":"401 Unauthorized"}"#)),
        Outcome::Fatal {
            kind: StopKind::CredentialsRefused,
            ..
        }
    ));
    let limited = HttpResponse::new(429, "Retry later\n").with_header("Retry-After", "60");
    assert!(matches!(
        t.read_create(&Exchange::Answered(limited)),
        Outcome::RateLimited {
            retry_after: Some(RetryAfter::Delay(60_000)),
            ..
        }
    ));
    let stated = HttpResponse::new(201, r#"{"id":1}"#).with_header("RateLimit-Limit", "600");
    assert_eq!(t.stated_rate_limit(&Exchange::Answered(stated)), Some(600));
}

// ---------------------------------------------------------------- the engine

/// A Synapse admin API in memory: users by localpart with their password, and every
/// request it saw.
struct FakeSynapse {
    users: BTreeMap<String, String>,
    seen: Vec<(Method, String)>,
    /// The next probes answer 429 with `retry_after_ms`.
    limit_probes: usize,
    /// The next PUTs insert the user, then fail with 500.
    fail_after_insert: usize,
    /// The next probe finds the session expired (401), or (403) not an admin's.
    probe_refusal: Option<u16>,
    logins: usize,
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

impl FakeSynapse {
    fn handle(&mut self, request: &HttpRequest) -> Exchange {
        let path = request.url.strip_prefix("http://syn").unwrap().to_owned();
        self.seen.push((request.method, path.clone()));
        if path == "/_matrix/client/v3/login" {
            self.logins += 1;
            return answer(
                200,
                r#"{"user_id":"@admin:syn.test","access_token":"tok","device_id":"D"}"#,
            );
        }
        assert_eq!(header(request, "Authorization"), Some("Bearer tok"));
        let user = decode(path.strip_prefix("/_synapse/admin/v2/users/").unwrap());
        let local = user
            .strip_prefix('@')
            .and_then(|u| u.strip_suffix(":syn.test"))
            .unwrap()
            .to_owned();
        match request.method {
            Method::Get if self.probe_refusal == Some(401) => {
                self.probe_refusal = None;
                answer(
                    401,
                    r#"{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed.","soft_logout":false}"#,
                )
            }
            Method::Get if self.probe_refusal == Some(403) => answer(
                403,
                r#"{"errcode":"M_FORBIDDEN","error":"You are not a server admin"}"#,
            ),
            Method::Get if self.limit_probes > 0 => {
                self.limit_probes -= 1;
                answer(
                    429,
                    r#"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":2000}"#,
                )
            }
            Method::Get => match self.users.get(&local) {
                Some(_) => answer(200, &json!({"name": user, "deactivated": 0}).to_string()),
                None => answer(404, r#"{"errcode":"M_NOT_FOUND","error":"User not found"}"#),
            },
            Method::Put => {
                let body = json_body(request);
                let existed = self
                    .users
                    .insert(local, body["password"].as_str().unwrap().to_owned())
                    .is_some();
                if self.fail_after_insert > 0 {
                    self.fail_after_insert -= 1;
                    return answer(
                        500,
                        r#"{"errcode":"M_UNKNOWN","error":"Internal server error"}"#,
                    );
                }
                answer(
                    if existed { 200 } else { 201 },
                    &json!({"name": user}).to_string(),
                )
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Planned rows, all valid, and their typed rows (what a run's user source gives).
type Plan = (Vec<PlannedRow>, Vec<UserRow>);

fn planned(rows: &[(&str, &str)]) -> Plan {
    rows.iter()
        .enumerate()
        .map(|(i, (email, username))| {
            (
                PlannedRow {
                    line: i as u32 + 2,
                    email: (*email).into(),
                    username: (*username).into(),
                    has_password: true,
                    excluded: false,
                    findings: Default::default(),
                },
                row(
                    email,
                    &format!("new-pw-{i}"),
                    Some("Someone"),
                    Some(username),
                ),
            )
        })
        .unzip()
}

/// A run's user source over typed rows held in a list.
fn source(users: &[UserRow]) -> impl Fn(usize) -> Option<UserRow> + 'static {
    let users = users.to_vec();
    move |i| users.get(i).cloned()
}

fn drive(run: &mut Run, server: &mut FakeSynapse) -> u64 {
    let mut now = 0;
    for _ in 0..10_000 {
        if run.is_over() {
            return now;
        }
        let mut batch = Vec::new();
        while let Some(c) = run.next_command(now) {
            batch.push(c);
        }
        if batch.is_empty() {
            now = run.next_wake(now).unwrap_or(now + 10).max(now + 1);
            continue;
        }
        for c in batch {
            now += 5;
            match c {
                Command::Login(r) => run.on_login(&server.handle(&r), now),
                Command::Probe { row, request } => run.on_probe(row, &server.handle(&request), now),
                Command::Create { row, request } => {
                    run.on_create(row, &server.handle(&request), now)
                }
                Command::Update { row, request } => {
                    run.on_update(row, &server.handle(&request), now)
                }
                Command::Step { .. } | Command::Lookup { .. } => {
                    panic!("these rows have no rooms to join")
                }
            }
        }
    }
    panic!("the run did not end")
}

fn synapse_run((plan, users): &Plan) -> Run {
    let target = ProfileTarget::new(preset("synapse"), "http://syn/", &settings(&[]));
    Run::new(
        Box::new(target),
        Secrets::new()
            .with_shown("login", "admin")
            .with("password", "admin-pw"),
        plan,
        source(users),
        RunConfig::default(),
        0,
    )
}

#[test]
fn the_engine_never_puts_a_user_whose_probe_says_exists_and_creates_after_404() {
    let mut server = FakeSynapse {
        users: BTreeMap::from([("bob".to_owned(), "old-pw".to_owned())]),
        seen: Vec::new(),
        limit_probes: 0,
        fail_after_insert: 0,
        probe_refusal: None,
        logins: 0,
    };
    let plan = planned(&[
        ("ann@x.org", "ann"),
        ("bob@x.org", "bob"),
        ("cy@x.org", "cy"),
    ]);
    let mut run = synapse_run(&plan);
    drive(&mut run, &mut server);
    assert_eq!(run.phase(), &Phase::Finished);
    let statuses: Vec<Status> = run.rows().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Status::Created, Status::Exists, Status::Created]);
    assert_eq!(
        server.users["bob"], "old-pw",
        "the existing account is untouched"
    );
    let puts: Vec<&str> = server
        .seen
        .iter()
        .filter(|(m, _)| *m == Method::Put)
        .map(|(_, p)| p.as_str())
        .collect();
    assert_eq!(
        puts,
        [
            "/_synapse/admin/v2/users/@ann:syn.test",
            "/_synapse/admin/v2/users/@cy:syn.test"
        ]
    );
    // Each PUT follows its own 404 probe.
    for put in puts {
        let at = server
            .seen
            .iter()
            .position(|(m, p)| *m == Method::Put && p == put)
            .unwrap();
        assert_eq!(server.seen[at - 1], (Method::Get, put.to_owned()));
    }
    assert_eq!(run.rows()[0].target_id.as_deref(), Some("@ann:syn.test"));
    assert_eq!(
        run.rows()[0].attempts,
        1,
        "a probe and its create are one attempt"
    );
}

#[test]
fn a_lost_put_is_settled_by_the_next_probe_and_429_waits_for_retry_after_ms() {
    let mut server = FakeSynapse {
        users: BTreeMap::new(),
        seen: Vec::new(),
        limit_probes: 1,
        fail_after_insert: 1,
        probe_refusal: None,
        logins: 0,
    };
    let plan = planned(&[("ann@x.org", "ann")]);
    let mut run = synapse_run(&plan);
    let end = drive(&mut run, &mut server);
    let ann = &run.rows()[0];
    // 429 (waited 2 s), probe 404, PUT inserted then 500, probe 200: exists, PUT never resent.
    assert_eq!(ann.status, Status::Exists, "{}", ann.message);
    assert!(
        ann.message
            .contains("Roster most likely created this account"),
        "{}",
        ann.message
    );
    assert_eq!(
        server
            .seen
            .iter()
            .filter(|(m, _)| *m == Method::Put)
            .count(),
        1
    );
    assert!(
        end >= 2_000,
        "the 429's retry_after_ms was honoured ({end} ms)"
    );
    assert_eq!(run.progress(end).rate_limited, 1);
}

#[test]
fn a_run_that_ends_unknown_is_settled_by_probes() {
    let mut server = FakeSynapse {
        users: BTreeMap::new(),
        seen: Vec::new(),
        limit_probes: 0,
        fail_after_insert: 100,
        probe_refusal: None,
        logins: 0,
    };
    let (plan, users) = planned(&[("ann@x.org", "ann")]);
    let target = ProfileTarget::new(preset("synapse"), "http://syn/", &settings(&[]));
    let config = RunConfig {
        max_attempts: 1,
        ..RunConfig::default()
    };
    let mut run = Run::new(
        Box::new(target),
        Secrets::new()
            .with_shown("login", "admin")
            .with("password", "admin-pw"),
        &plan,
        source(&users),
        config,
        0,
    );
    let now = drive(&mut run, &mut server);
    assert_eq!(run.rows()[0].status, Status::Unknown);
    let probes = run.settle_probes();
    assert_eq!(probes.len(), 1);
    let (row, request) = &probes[0];
    let exchange = server.handle(request);
    run.on_settle_probe(*row, &exchange, now);
    assert_eq!(run.rows()[0].status, Status::Exists);
}

/// An in-memory Keycloak whose admin tokens expire after two creates (they live about
/// 60 s: Keycloak's admin REST API then answers 401).
#[test]
fn keycloak_logs_in_again_when_its_short_token_expires() {
    struct Kc {
        token: u32,
        uses: u32,
        logins: u32,
        users: BTreeSet<String>,
    }
    let mut kc = Kc {
        token: 0,
        uses: 0,
        logins: 0,
        users: BTreeSet::new(),
    };
    let mut handle = |r: &HttpRequest| -> Exchange {
        if r.url.ends_with("/protocol/openid-connect/token") {
            kc.logins += 1;
            kc.token += 1;
            kc.uses = 0;
            return answer(
                200,
                &json!({"access_token": format!("t{}", kc.token), "expires_in": 60}).to_string(),
            );
        }
        if header(r, "Authorization") != Some(&format!("Bearer t{}", kc.token)) || kc.uses == 2 {
            return answer(401, r#"{"error":"HTTP 401 Unauthorized"}"#);
        }
        kc.uses += 1;
        let name = json_body(r)["username"].as_str().unwrap().to_owned();
        if !kc.users.insert(name.clone()) {
            return answer(409, r#"{"errorMessage":"User exists with same username"}"#);
        }
        Exchange::Answered(HttpResponse::new(201, "").with_header(
            "Location",
            &format!("http://kc/admin/realms/r/users/id-{name}"),
        ))
    };
    let plan: Vec<PlannedRow> = (0..5)
        .map(|i| PlannedRow {
            line: i + 2,
            email: format!("u{i}@x.org").into(),
            username: Default::default(),
            has_password: true,
            excluded: false,
            findings: Default::default(),
        })
        .collect();
    let users: Vec<UserRow> = (0..5)
        .map(|i| row(&format!("u{i}@x.org"), "pw", Some("U Ser"), None))
        .collect();
    let target = ProfileTarget::new(
        preset("keycloak"),
        "http://kc",
        &settings(&[("realm", "r")]),
    );
    let mut run = Run::new(
        Box::new(target),
        Secrets::new()
            .with_shown("login", "admin")
            .with("password", "pw"),
        &plan,
        source(&users),
        RunConfig {
            concurrency: 1,
            ..RunConfig::default()
        },
        0,
    );
    let mut now = 0;
    while !run.is_over() {
        match run.next_command(now) {
            Some(Command::Login(r)) => run.on_login(&handle(&r), now),
            Some(Command::Create { row, request }) => run.on_create(row, &handle(&request), now),
            Some(Command::Probe { .. } | Command::Update { .. }) => panic!("Keycloak has no probe"),
            Some(Command::Step { .. } | Command::Lookup { .. }) => {
                panic!("these rows have no groups")
            }
            None => now = run.next_wake(now).unwrap_or(now + 10).max(now + 1),
        }
        now += 1;
    }
    assert!(
        run.rows().iter().all(|r| r.status == Status::Created),
        "{:?}",
        run.rows()
    );
    assert_eq!(run.rows()[4].target_id.as_deref(), Some("id-u4"));
    assert_eq!(kc.logins, 3);
}

#[test]
fn the_page_gets_form_rules_and_a_diagnosis_request_from_a_profile() {
    use roster_core::input::map::Field;
    use roster_core::input::validate::UsernameRule;
    use roster_core::targets::profile::CredentialId;
    let s = preset("synapse");
    let labels: Vec<(&str, &str, bool)> = s
        .credentials
        .iter()
        .map(|c| (c.id.as_str(), c.label.as_str(), c.secret))
        .collect();
    assert_eq!(
        labels,
        [
            ("login", "Login", false),
            ("password", "Password", true),
            ("access_token", "Access token", true)
        ]
    );
    // The page's controls keep their ids; the password alone is kept as typed.
    let fields = s.credential_fields();
    let ids: Vec<(String, bool)> = fields.iter().map(|f| (f.control_id(), f.exact)).collect();
    assert_eq!(
        ids,
        [
            ("login".to_owned(), false),
            ("password".to_owned(), true),
            ("access-token".to_owned(), false)
        ]
    );
    assert_eq!(s.setting_fields()[0].label, "Server name");
    assert_eq!(
        s.username_rule(),
        UsernameRule::Localpart { from_address: true }
    );
    assert_eq!(
        preset("gitlab").username_rule(),
        UsernameRule::Text { from_address: true }
    );
    // Synapse's admin API needs no address: the user name is the identity (issue 21).
    assert!(!s.rules().required.contains(&Field::Email));
    assert!(s.rules().required.contains(&Field::Username));
    assert_eq!(
        s.field_list(),
        [
            Field::Username,
            Field::Email,
            Field::Password,
            Field::Name,
            Field::custom("rooms").unwrap()
        ]
    );
    assert_eq!(
        s.alternatives(),
        [
            vec![
                CredentialId("login".into()),
                CredentialId("password".into())
            ],
            vec![CredentialId("access_token".into())]
        ]
    );
    let d = s.diagnosis_request(" https://m.example/ ", &settings(&[]));
    assert_eq!(
        (d.method, d.url.as_str()),
        (Method::Get, "https://m.example/_matrix/client/versions")
    );
    assert!(d.headers.iter().all(|(n, _)| n != "Authorization"));
    let k = preset("keycloak").diagnosis_request("https://kc", &settings(&[("admin_realm", "")]));
    // An empty setting takes its default. Keycloak's diagnosis asks the token endpoint
    // with the Client ID and no credential: its answer carries CORS headers only for a
    // client whose Web Origins hold the page (issue 20).
    assert_eq!(
        (k.method, k.url.as_str()),
        (
            Method::Post,
            "https://kc/realms/master/protocol/openid-connect/token"
        )
    );
    let body = format!("{:?}", k.body);
    assert!(
        body.contains("client_id") && body.contains("admin-cli"),
        "{body}"
    );
    assert!(
        !body.contains("\"username\"") && !body.contains("(\"password\""),
        "no credential: {body}"
    );
    let k =
        preset("keycloak").diagnosis_request("https://kc", &settings(&[("client_id", "roster")]));
    assert!(format!("{:?}", k.body).contains("roster"));
}

#[test]
fn field_checks_beyond_the_pages_rules() {
    use roster_core::input::map::Field;
    let text = with(
        preset_json("gitlab").unwrap(),
        r#"{ "field": "name", "required": true, "api_required": true, "check": "text", "max_len": 255 }"#,
        r#"{ "field": "name", "required": true, "api_required": true, "check": { "enum": ["Ann", "Bo"] }, "max_len": 3 }"#,
    );
    let p = Profile::from_json(&text).unwrap();
    assert!(p
        .row_problems(&row("a@b.c", "p", Some("Ann"), None))
        .is_empty());
    let problems = p.row_problems(&row("a@b.c", "p", Some("Cyd"), None));
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].0, Field::Name);
    assert!(problems[0].1.contains("not one of Ann, Bo"), "{problems:?}");
    let problems = p.row_problems(&row("a@b.c", "p", Some("Annie"), None));
    assert!(problems[0].1.contains("at most 3"), "{problems:?}");
    // A username taken from the address is checked too.
    let long = format!("{}@b.c", "x".repeat(300));
    assert_eq!(
        preset("gitlab")
            .row_problems(&row(&long, "p", Some("A"), None))
            .len(),
        1
    );
}

#[test]
fn the_dry_run_shows_the_probe_before_the_put_and_masks_every_secret() {
    use roster_core::targets::preview::preview;
    let (plan, users) = planned(&[("ann@x.org", "ann")]);
    let target = ProfileTarget::new(
        preset("synapse"),
        "https://m.example",
        &settings(&[("server_name", "m.example")]),
    );
    let secrets = Secrets::new()
        .with_shown("login", "admin")
        .with("password", "admin-secret");
    let out = preview(&target, &secrets, &plan, source(&users), 5);
    assert_eq!(out.len(), 3, "{out:#?}");
    assert!(out[0].starts_with(
        "POST https://m.example/_matrix/client/v3/login\nContent-Type: application/json\n"
    ));
    assert!(
        out[1].starts_with("GET https://m.example/_synapse/admin/v2/users/@ann:m.example\n"),
        "{}",
        out[1]
    );
    assert!(!out[1].contains("Content-Type"));
    assert!(out[2].starts_with("PUT https://m.example/_synapse/admin/v2/users/@ann:m.example\n"));
    let all = out.join("\n");
    assert!(!all.contains("secret") && !all.contains("new-pw"), "{all}");
}

#[test]
fn a_refused_probe_logs_in_again_or_stops_without_ambiguity() {
    let fresh = |refusal| FakeSynapse {
        users: BTreeMap::new(),
        seen: Vec::new(),
        limit_probes: 0,
        fail_after_insert: 0,
        probe_refusal: Some(refusal),
        logins: 0,
    };
    // 401 on the probe: log in again, probe again, create.
    let mut server = fresh(401);
    let mut run = synapse_run(&planned(&[("ann@x.org", "ann")]));
    drive(&mut run, &mut server);
    assert_eq!(run.rows()[0].status, Status::Created);
    assert_eq!(server.logins, 2);
    assert_eq!(run.rows()[0].attempts, 1);
    // 403 on the probe: the run stops; the row failed (nothing was created), not unknown.
    let mut server = fresh(403);
    let mut run = synapse_run(&planned(&[("ann@x.org", "ann"), ("bo@x.org", "bo")]));
    drive(&mut run, &mut server);
    assert!(matches!(run.phase(), Phase::Stopped(stop) if stop.kind == StopKind::AccessDenied));
    assert_eq!(run.rows()[0].status, Status::Failed);
    assert_eq!(run.rows()[1].status, Status::Skipped);
    assert!(server.seen.iter().all(|(m, _)| *m != Method::Put));
}

proptest::proptest! {
    /// Whatever a cell holds, the Synapse PUT keeps its three keys, each cell's text
    /// intact, and its path one segment under the admin users endpoint.
    #[test]
    fn no_cell_changes_a_requests_shape(cell in "\\PC{0,40}", name in "[\"{}/?#%.:@ a-z]{0,20}") {
        let t = ProfileTarget::new(preset("synapse"), "https://m.example", &settings(&[("server_name", "m.example")]));
        let session = Session::new("t");
        let put = t.create(&session, &row("e@x.org", &cell, Some(&name), Some(&cell)));
        let body = json_body(&put);
        let object = body.as_object().unwrap();
        proptest::prop_assert!(object.len() <= 3);
        // A blank value is no value: the template leaves it out (a file's cells are
        // trimmed when read, so a blank password never reaches a target).
        if !cell.trim().is_empty() {
            proptest::prop_assert_eq!(&body["password"], &json!(cell));
        }
        let path = put.url.strip_prefix("https://m.example/_synapse/admin/v2/users/@").unwrap();
        proptest::prop_assert!(path.ends_with(":m.example"));
        proptest::prop_assert!(!path.contains(['/', '?', '#']));
        proptest::prop_assert!(path != "..:m.example");
    }
}

/// Issue 20: a cell made only of dots cannot climb a level. Browsers resolve `%2E%2E` as
/// `..`, so such a value in a whole path segment makes the row invalid before anything is
/// sent, in any spelling (`.`, `..`, `%2e%2E`, with spaces around it).
#[test]
fn a_value_made_only_of_dots_in_a_path_segment_makes_the_row_invalid() {
    use roster_core::input::map::{Field, Mapping};
    use roster_core::input::plan::plan_with;
    use roster_core::input::read::{read_with, ReadOptions};
    let text = with(
        preset_json("gitlab").unwrap(),
        "\"path\": \"/api/v4/users\"",
        "\"path\": \"/api/v4/users/{user.username}\"",
    );
    let p = Profile::from_json(&text).unwrap();
    assert_eq!(p.path_fields(), [Field::Username]);
    let file = "email,password,name,username\n\
        a@x.org,pw-123456,Ann Lee,..\n\
        b@x.org,pw-123456,Bo Li,.\n\
        c@x.org,pw-123456,Cy Do,%2e%2E\n\
        d@x.org,pw-123456,Di Wu,\" .. \"\n\
        e@x.org,pw-123456,Ed Ho,.%2e\n\
        f@x.org,pw-123456,Fi Ng,a..b\n\
        g@x.org,pw-123456,Gu Yi,...x\n";
    let (table, _, _) = read_with(file.as_bytes(), &ReadOptions::default()).unwrap();
    let mapping = Mapping::auto_for(&table, &p.fields);
    let rows = plan_with(&table, &mapping, &p.rules());
    let verdicts: Vec<(String, bool)> = rows
        .iter()
        .map(|r| (r.email.to_string(), r.is_valid()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("a@x.org".into(), false),
            ("b@x.org".into(), false),
            ("c@x.org".into(), false),
            ("d@x.org".into(), false),
            ("e@x.org".into(), false),
            ("f@x.org".into(), true),
            ("g@x.org".into(), true),
        ]
    );
    for row in &rows[..5] {
        let said: Vec<String> = row.problems().iter().map(|p| p.to_string()).collect();
        assert!(
            said.iter()
                .any(|s| s.starts_with("is made only of dots") && s.contains(" — username")),
            "{said:?}"
        );
    }
    assert!(p
        .row_problems(&row("a@x.org", "p", None, Some("..")))
        .iter()
        .any(|(f, m)| *f == Field::Username && m.contains("only of dots")));
    // A value only part of its segment cannot climb: Synapse's `@{user.username}:server`.
    assert!(preset("synapse").path_fields().is_empty());
}

// Issue 21: each profile field says whether the API itself requires it.
#[test]
fn each_shipped_preset_says_which_fields_its_api_requires() {
    for p in presets() {
        for spec in &p.fields {
            let api = spec.api_required;
            assert!(
                api.is_some(),
                "{}: {} states api_required",
                p.id,
                spec.field.label()
            );
            assert!(
                !api.unwrap() || spec.required,
                "{}: {}",
                p.id,
                spec.field.label()
            );
        }
    }
    // Synapse's admin API (PUT /_synapse/admin/v2/users/<user_id>): the user id is its
    // path; password, displayname and threepids are optional there.
    let synapse = preset("synapse");
    let api = |field: &str| {
        synapse
            .fields
            .iter()
            .find(|f| f.field.label() == field)
            .and_then(|f| f.api_required)
    };
    assert_eq!(api("username"), Some(true));
    for field in ["password", "name", "email"] {
        assert_eq!(api(field), Some(false), "{field}");
    }
    let by = |field: &str| {
        synapse
            .fields
            .iter()
            .find(|f| f.field.label() == field)
            .and_then(|f| f.required_by(&synapse.name))
    };
    assert_eq!(
        by("username").as_deref(),
        Some("required by the Matrix Synapse API")
    );
    assert_eq!(by("password").as_deref(), Some("required by Roster"));
    assert_eq!(by("name"), None);
}

#[test]
fn api_required_is_a_bool_and_implies_required() {
    let synapse = preset_json("synapse").unwrap();
    let e = Profile::from_json(&with(
        synapse,
        r#"{ "field": "name", "required": false, "api_required": false"#,
        r#"{ "field": "name", "required": false, "api_required": true"#,
    ))
    .unwrap_err();
    assert_eq!(e.path, "fields[3].api_required");
    assert!(e.message.contains("`name` is required by the API"), "{e}");
    let e = Profile::from_json(&with(
        synapse,
        r#""api_required": false"#,
        r#""api_required": "no""#,
    ))
    .unwrap_err();
    assert!(e.path.ends_with(".api_required"), "{}", e.path);
    // Left out, it says nothing either way (a profile of an older Roster still reads).
    let p = Profile::from_json(&synapse.replace(r#""api_required": false, "#, "")).unwrap();
    assert!(p.fields.iter().filter(|f| f.api_required.is_none()).count() >= 3);
}

#[test]
fn the_template_says_who_requires_each_column() {
    use roster_core::input::map::Field;
    use roster_core::targets::TargetKind;
    let synapse = TargetKind::by_id("synapse").unwrap();
    assert!(
        synapse
            .template_note(Field::Username)
            .ends_with("(required by the Matrix Synapse API, an empty cell takes the address's)"),
        "{}",
        synapse.template_note(Field::Username)
    );
    assert!(
        synapse
            .template_note(Field::Password)
            .ends_with("(required by Roster)"),
        "{}",
        synapse.template_note(Field::Password)
    );
    assert!(synapse.template_note(Field::Name).ends_with("(optional)"));
    let graph = TargetKind::by_id("graph").unwrap();
    assert!(
        graph
            .template_note(Field::Password)
            .ends_with("(required by the Microsoft Graph (Entra ID) API)"),
        "{}",
        graph.template_note(Field::Password)
    );
}

// ------------------------------------------------------- credentials as data

/// A profile whose API wants a credential of its own: a tenant secret in a header of
/// every create, besides the token.
fn tenant_profile() -> Profile {
    let json = json!({
        "schema": 1,
        "id": "tenanted",
        "name": "Tenanted API",
        "about": "A test API that wants a tenant secret on every create.",
        "permission": "Admin.",
        "credentials": [
            {"id": "access_token", "label": "Access token", "secret": true},
            {"id": "tenant_secret", "label": "Tenant secret", "secret": true}
        ],
        "fields": [
            {"field": "email", "required": true, "check": "email"},
            {"field": "password", "required": true, "check": "password"}
        ],
        "auth": {"header": "Authorization", "value": "Bearer {token}"},
        "create": {
            "method": "POST",
            "path": "/users",
            "headers": {"X-Tenant-Secret": "{credentials.tenant_secret}"},
            "json": {"email": "{user.email}", "password": "{user.password}"}
        },
        "answers": [{"status": 201, "json": {"pointer": "/id"}, "then": "created"}],
        "id_at": {"pointer": "/id"}
    });
    Profile::from_json(&json.to_string()).unwrap_or_else(|e| panic!("{e:?}"))
}

const TENANT_SECRET: &str = "ts-very-private-42";

#[test]
fn a_profile_declares_a_credential_of_its_own_and_sends_it_where_it_says() {
    use roster_core::report::csv_report;
    use roster_core::targets::preview::{preview, MASK};
    use roster_core::targets::TargetKind;
    let kind = TargetKind::from_profile(tenant_profile());
    let fields = kind.credentials();
    let own = fields.iter().find(|f| f.id == "tenant_secret").unwrap();
    assert_eq!(own.label, "Tenant secret");
    assert!(own.secret && !own.exact);
    assert_eq!(own.control_id(), "credential-tenant-secret");
    // Both are needed: without a login, every credential is.
    let token_only = Secrets::new().with("access_token", "tok");
    assert_eq!(
        kind.missing_credentials(&token_only).unwrap(),
        "Enter the Access token and Tenant secret."
    );
    let secrets = Secrets::new()
        .with("access_token", "tok")
        .with("tenant_secret", format!(" {TENANT_SECRET} "));
    assert_eq!(kind.missing_credentials(&secrets), None);

    let target = kind.build("https://api.example", &settings(&[])).unwrap();
    let LoginStep::Ready(session) = target.login(&secrets) else {
        panic!("no login request: the token is pasted")
    };
    let create = target.create(&session, &row("ann@x.org", "pw-ann", None, None));
    // Trimmed like any pasted key, and in the header the profile names.
    assert_eq!(header(&create, "X-Tenant-Secret"), Some(TENANT_SECRET));
    assert_eq!(header(&create, "Authorization"), Some("Bearer tok"));
    assert!(!create.url.contains(TENANT_SECRET));
    for debug in [
        format!("{secrets:?}"),
        format!("{session:?}"),
        format!("{target:?}", target = kind),
    ] {
        assert!(!debug.contains(TENANT_SECRET), "{debug}");
    }

    // A Dry run masks it.
    let (plan, users) = planned(&[("ann@x.org", "ann"), ("bob@x.org", "bob")]);
    let dry = kind.build("https://api.example", &settings(&[])).unwrap();
    let shown = preview(&*dry, &secrets, &plan, source(&users), 5).join("\n");
    assert!(
        shown.contains(&format!("X-Tenant-Secret: {MASK}")),
        "{shown}"
    );
    assert!(
        !shown.contains(TENANT_SECRET) && !shown.contains("tok\n"),
        "{shown}"
    );

    // A run sends it on every create, and its report never holds it.
    let target = kind.build("https://api.example", &settings(&[])).unwrap();
    let mut run = Run::new(
        target,
        secrets.clone(),
        &plan,
        source(&users),
        RunConfig::default(),
        0,
    );
    let mut seen = Vec::new();
    let mut now = 0;
    while !run.is_over() && now < 100_000 {
        let Some(command) = run.next_command(now) else {
            now = run.next_wake(now).unwrap_or(now + 10).max(now + 1);
            continue;
        };
        now += 5;
        match command {
            Command::Create { row, request } => {
                seen.push(header(&request, "X-Tenant-Secret").map(str::to_owned));
                let answer = answer(201, &format!(r#"{{"id":"u{row}"}}"#));
                run.on_create(row, &answer, now);
            }
            other => panic!("only creates: {other:?}"),
        }
    }
    assert_eq!(run.phase(), &Phase::Finished);
    assert_eq!(seen, vec![Some(TENANT_SECRET.to_owned()); 2]);
    let report = csv_report(&plan, run.rows());
    assert!(report.contains("created"), "{report}");
    assert!(!report.contains(TENANT_SECRET), "{report}");
    assert!(!format!("{:?}", run.rows()).contains(TENANT_SECRET));
}

#[test]
fn a_custom_credential_with_an_unsendable_character_is_refused_by_its_label() {
    use roster_core::targets::{unsendable, TargetKind};
    let kind = TargetKind::from_profile(tenant_profile());
    let with = |value: &str| {
        Secrets::new()
            .with("access_token", "tok")
            .with("tenant_secret", value)
    };
    let none = settings(&[]);
    assert_eq!(unsendable(&*kind, "https://h", &none, &with("plain")), None);
    let invisible = unsendable(&*kind, "https://h", &none, &with("ts\u{200B}x")).unwrap();
    assert!(
        invisible.contains("Tenant secret") && invisible.contains("U+200B"),
        "{invisible}"
    );
    let curly = unsendable(&*kind, "https://h", &none, &with("ts\u{2019}x")).unwrap();
    assert!(
        curly.contains("Tenant secret") && curly.contains("X-Tenant-Secret"),
        "{curly}"
    );
    assert!(
        !invisible.contains("ts\u{200B}x"),
        "never the value: {invisible}"
    );
    assert!(!curly.contains("ts\u{2019}x"), "never the value: {curly}");
}

#[test]
fn a_profile_without_a_login_takes_its_own_secret_credential_as_the_token() {
    let text = with(
        &tenant_profile().to_pretty_json(),
        r#"{
      "id": "access_token",
      "label": "Access token",
      "secret": true
    },
    "#,
        "",
    );
    let profile = Profile::from_json(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(profile.credentials.len(), 1);
    let target = ProfileTarget::new(Arc::new(profile), "https://h", &settings(&[]));
    let LoginStep::Ready(session) = target.login(&Secrets::new().with("tenant_secret", "s3"))
    else {
        panic!("no login")
    };
    let create = target.create(&session, &row("a@x.org", "pw", None, None));
    assert_eq!(header(&create, "Authorization"), Some("Bearer s3"));
}

#[test]
fn credential_ids_are_checked() {
    let base = tenant_profile().to_pretty_json();
    for (old, new, why) in [
        (
            "\"tenant_secret\",\n",
            "\"Tenant Secret\",\n",
            "is not a credential id",
        ),
        (
            "\"tenant_secret\",\n",
            "\"access_token\",\n",
            "is declared twice",
        ),
        (
            "{credentials.tenant_secret}",
            "{credentials.tenant_key}",
            "the profile has no credential `tenant_key`",
        ),
    ] {
        let text = with(&base, old, new);
        assert_ne!(text, base, "{old}");
        let err = Profile::from_json(&text).unwrap_err();
        assert!(format!("{err:?}").contains(why), "{why}: {err:?}");
    }
    // A credential never goes into a URL.
    let text = with(
        &base,
        "\"/users\"",
        "\"/users/{credentials.tenant_secret}\"",
    );
    let err = Profile::from_json(&text).unwrap_err();
    assert!(
        format!("{err:?}").contains("would put a secret into the URL"),
        "{err:?}"
    );
}
