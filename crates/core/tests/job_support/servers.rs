//! The servers the job tests talk to, each written from its protocol
//! (`shared/protocols/aurora.md`, `mumara.md`; the presets from their servers' docs as the
//! profiles quote them): every account it holds, every create it received, and the
//! creates whose answer it loses after storing the account (the fault that leaves a row
//! `unknown`).

use std::collections::{BTreeMap, BTreeSet};

use roster_core::http::{Body, Exchange, HttpRequest, HttpResponse, Method};
use serde_json::{json, Value};

use super::Server;

/// What every fake keeps.
#[derive(Debug, Default)]
pub struct Accounts {
    /// Accounts by identity (lower-cased address, or user name): their id.
    pub users: BTreeMap<String, String>,
    /// Every create received, by identity, in order (whether it stored an account or not).
    pub creates: Vec<String>,
    /// Identities whose create stores the account, then loses its answer.
    pub lose: BTreeSet<String>,
    /// Listings (Aurora's GetUsers), exists probes and logins received.
    pub listings: usize,
    pub probes: usize,
    pub logins: usize,
    next_id: u64,
}

impl Accounts {
    pub fn with(users: &[&str]) -> Accounts {
        let mut accounts = Accounts::default();
        for user in users {
            accounts.add(user);
        }
        accounts
    }

    /// Stores an account; its new id.
    pub fn add(&mut self, identity: &str) -> String {
        self.next_id += 1;
        let id = self.next_id.to_string();
        self.users.insert(identity.to_lowercase(), id.clone());
        id
    }

    pub fn has(&self, identity: &str) -> bool {
        self.users.contains_key(&identity.to_lowercase())
    }

    /// How many creates this identity received.
    pub fn creates_of(&self, identity: &str) -> usize {
        let identity = identity.to_lowercase();
        self.creates.iter().filter(|c| **c == identity).count()
    }

    /// A create of `identity` that stores it: `Err` with the lost answer when it is to be lost.
    fn create(&mut self, identity: &str) -> Result<String, Exchange> {
        let identity = identity.to_lowercase();
        self.creates.push(identity.clone());
        let id = self.add(&identity);
        if self.lose.remove(&identity) {
            return Err(lost());
        }
        Ok(id)
    }
}

/// No answer: the connection dropped after the server acted.
pub fn lost() -> Exchange {
    Exchange::NoAnswer {
        detail: "Failed to fetch".into(),
    }
}

fn answer(status: u16, body: Value) -> Exchange {
    Exchange::Answered(HttpResponse::new(status, body.to_string()))
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn json_body(request: &HttpRequest) -> Value {
    match &request.body {
        Body::Json(text) => serde_json::from_str(text).expect("a JSON body"),
        other => panic!("a JSON body, not {other:?}"),
    }
}

fn path<'a>(request: &'a HttpRequest, base: &str) -> &'a str {
    request
        .url
        .strip_prefix(base)
        .unwrap_or_else(|| panic!("{} is not under {base}", request.url))
}

/// Decodes a path's `%XX` escapes.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).expect("an escape"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

// ------------------------------------------------------------------------------ Aurora

/// Aurora's Web API: one entry point, form fields `Module`, `Method`, `Parameters`;
/// every answer HTTP 200 with `Result` or `ErrorCode` (aurora.md).
#[derive(Debug, Default)]
pub struct Aurora {
    pub accounts: Accounts,
    token: Option<String>,
}

impl Aurora {
    pub fn with(users: &[&str]) -> Aurora {
        Aurora {
            accounts: Accounts::with(users),
            token: None,
        }
    }

    fn result(result: Value) -> Exchange {
        answer(
            200,
            json!({"AuthenticatedUserId": 0, "Module": "Core", "Result": result}),
        )
    }

    fn error(code: i64) -> Exchange {
        answer(200, json!({"AuthenticatedUserId": 0, "ErrorCode": code}))
    }
}

impl Server for Aurora {
    fn handle(&mut self, request: &HttpRequest) -> Exchange {
        let Body::Form(fields) = &request.body else {
            return Aurora::error(103);
        };
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let params: Value = serde_json::from_str(get("Parameters").unwrap_or("{}")).unwrap();
        let method = (get("Module"), get("Method"));
        if method == (Some("AdminAuth"), Some("LoginAsSuperadmin")) {
            self.accounts.logins += 1;
            if params["Login"] != "superadmin" || params["Password"] != "secret" {
                // Core's AuthError.
                return Aurora::error(102);
            }
            let token = format!("tok{}", self.accounts.logins);
            self.token = Some(token.clone());
            return Aurora::result(json!({ "AuthToken": token }));
        }
        let bearer = header(request, "Authorization").and_then(|v| v.strip_prefix("Bearer "));
        if bearer.is_none() || bearer != self.token.as_deref() {
            return Aurora::error(101);
        }
        match method {
            (Some("Core"), Some("CreateUser")) => {
                let email = params["PublicId"].as_str().unwrap_or("").to_lowercase();
                if self.accounts.has(&email) {
                    self.accounts.creates.push(email);
                    // UserExists.
                    return Aurora::error(111);
                }
                match self.accounts.create(&email) {
                    Ok(id) => Aurora::result(json!(id.parse::<u64>().unwrap())),
                    Err(lost) => lost,
                }
            }
            (Some("Core"), Some("GetUsers")) => {
                self.accounts.listings += 1;
                let offset = params["Offset"].as_u64().unwrap_or(0) as usize;
                let limit = params["Limit"].as_u64().unwrap_or(20) as usize;
                let items: Vec<Value> = self
                    .accounts
                    .users
                    .iter()
                    .skip(offset)
                    .take(limit)
                    .map(|(email, id)| json!({"Id": id.parse::<u64>().unwrap(), "PublicId": email}))
                    .collect();
                Aurora::result(json!({"Items": items, "Count": self.accounts.users.len()}))
            }
            // Not Aurora Corporate: no tenants, no mail domains.
            (Some("Core"), Some("GetTenants")) => Aurora::result(json!({"Items": [], "Count": 0})),
            _ => Aurora::error(116),
        }
    }
}

// ------------------------------------------------------------------------------ Mumara

/// Mumara Campaigns' admin API: the key as a Bearer token, JSON in and out; an address
/// it holds answers "User already exists." with HTTP 200 (mumara.md).
#[derive(Debug, Default)]
pub struct Mumara {
    pub accounts: Accounts,
}

impl Mumara {
    pub fn with(users: &[&str]) -> Mumara {
        Mumara {
            accounts: Accounts::with(users),
        }
    }
}

impl Server for Mumara {
    fn handle(&mut self, request: &HttpRequest) -> Exchange {
        if header(request, "Authorization") != Some("Bearer mumara-key") {
            return answer(401, json!({"status":"error","result":"Unauthenticated."}));
        }
        let body = json_body(request);
        if body["package_id"].as_u64() != Some(1) {
            return answer(
                200,
                json!({"status":"error","result":"Error: Package doesn`t exsit"}),
            );
        }
        let email = body["email"].as_str().unwrap_or("").to_lowercase();
        if self.accounts.has(&email) {
            self.accounts.creates.push(email);
            return answer(
                200,
                json!({"status":"error","result":"Error: User already exists."}),
            );
        }
        match self.accounts.create(&email) {
            Ok(id) => answer(
                200,
                json!({"status":"success","result":"User has been successfully created.","response":{"id": id.parse::<u64>().unwrap(),"user_id":1}}),
            ),
            Err(lost) => lost,
        }
    }
}

// ----------------------------------------------------------------------------- Synapse

/// Synapse: a password login on the client API (a new device and token each time),
/// then the admin API's `GET`/`PUT /_synapse/admin/v2/users/@localpart:server` (GET 404
/// `M_NOT_FOUND` when absent; PUT 201 when it created, 200 when it updated), and
/// `POST /_matrix/client/v3/logout` (`LogoutRestServlet`: 200 `{}`, the token's device
/// deleted, so the token is unknown after it: 401 `M_UNKNOWN_TOKEN`). A pasted token
/// `syt_admin` is the admin's own device.
#[derive(Debug, Default)]
pub struct Synapse {
    pub accounts: Accounts,
    /// The devices (tokens) logged in and not logged out, and every logout received.
    pub devices: BTreeSet<String>,
    pub logouts: usize,
    /// The status the logout answers instead of 200 (a proxy's fault).
    pub logout_fails: Option<u16>,
}

impl Synapse {
    pub fn with(users: &[&str]) -> Synapse {
        Synapse {
            accounts: Accounts::with(users),
            devices: ["syt_admin".to_owned()].into(),
            ..Synapse::default()
        }
    }
}

impl Server for Synapse {
    fn handle(&mut self, request: &HttpRequest) -> Exchange {
        let path = path(request, "http://syn.test").to_owned();
        if path == "/_matrix/client/v3/login" {
            self.accounts.logins += 1;
            let body = json_body(request);
            if body["password"] != "secret" {
                return answer(
                    403,
                    json!({"errcode":"M_FORBIDDEN","error":"Invalid username or password"}),
                );
            }
            let token = format!("syt_tok{}", self.accounts.logins);
            self.devices.insert(token.clone());
            return answer(
                200,
                json!({"user_id":"@admin:syn.test","access_token":token,"device_id":"D"}),
            );
        }
        let token = header(request, "Authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or("")
            .to_owned();
        if token.is_empty() {
            return answer(
                401,
                json!({"errcode":"M_MISSING_TOKEN","error":"Missing access token"}),
            );
        }
        if !self.devices.contains(&token) {
            return answer(
                401,
                json!({"errcode":"M_UNKNOWN_TOKEN","error":"Unknown access token","soft_logout":false}),
            );
        }
        if path == "/_matrix/client/v3/account/whoami" {
            return answer(200, json!({"user_id":"@admin:syn.test","device_id":"A"}));
        }
        if path == "/_matrix/client/v3/logout" && request.method == Method::Post {
            self.logouts += 1;
            if let Some(status) = self.logout_fails {
                return answer(
                    status,
                    json!({"errcode":"M_UNKNOWN","error":"Internal server error"}),
                );
            }
            self.devices.remove(&token);
            return answer(200, json!({}));
        }
        let user = decode(
            path.strip_prefix("/_synapse/admin/v2/users/")
                .expect("the admin users API"),
        );
        let local = user
            .strip_prefix('@')
            .and_then(|u| u.strip_suffix(":syn.test"))
            .expect("@localpart:syn.test")
            .to_owned();
        match request.method {
            Method::Get => {
                self.accounts.probes += 1;
                if self.accounts.has(&local) {
                    answer(200, json!({"name": user, "deactivated": 0}))
                } else {
                    answer(
                        404,
                        json!({"errcode":"M_NOT_FOUND","error":"User not found"}),
                    )
                }
            }
            Method::Put => {
                if self.accounts.has(&local) {
                    // An upsert: it would update the account (the engine never lets it).
                    self.accounts.creates.push(local);
                    return answer(200, json!({"name": user}));
                }
                match self.accounts.create(&local) {
                    Ok(_) => answer(201, json!({"name": user})),
                    Err(lost) => lost,
                }
            }
            other => panic!("Synapse got {other:?} {path}"),
        }
    }
}

// ---------------------------------------------------------------------------- Keycloak

/// Keycloak: a token from the password grant, then `POST /admin/realms/{realm}/users`:
/// 201 with the new user's URL in `Location`, 409 "User exists with same username".
#[derive(Debug, Default)]
pub struct Keycloak {
    pub accounts: Accounts,
}

impl Keycloak {
    pub fn with(users: &[&str]) -> Keycloak {
        Keycloak {
            accounts: Accounts::with(users),
        }
    }
}

impl Server for Keycloak {
    fn handle(&mut self, request: &HttpRequest) -> Exchange {
        let path = path(request, "http://kc.test").to_owned();
        if path == "/realms/master/protocol/openid-connect/token" {
            self.accounts.logins += 1;
            let Body::Form(form) = &request.body else {
                panic!("the token request is a form")
            };
            let password = form
                .iter()
                .find(|(k, _)| k == "password")
                .map(|(_, v)| v.as_str());
            if password != Some("secret") {
                return answer(
                    401,
                    json!({"error":"invalid_grant","error_description":"Invalid user credentials"}),
                );
            }
            return answer(
                200,
                json!({"access_token":"kc-token","expires_in":60,"token_type":"Bearer"}),
            );
        }
        assert_eq!(
            path, "/admin/realms/people/users",
            "Keycloak's users collection"
        );
        if header(request, "Authorization") != Some("Bearer kc-token") {
            return answer(401, json!({"error":"HTTP 401 Unauthorized"}));
        }
        let body = json_body(request);
        let username = body["username"].as_str().unwrap_or("").to_lowercase();
        if self.accounts.has(&username) {
            self.accounts.creates.push(username);
            return answer(
                409,
                json!({"errorMessage":"User exists with same username"}),
            );
        }
        match self.accounts.create(&username) {
            Ok(id) => Exchange::Answered(HttpResponse {
                status: 201,
                headers: vec![(
                    "Location".into(),
                    format!("http://kc.test/admin/realms/people/users/{id}"),
                )],
                body: String::new(),
            }),
            Err(lost) => lost,
        }
    }
}

// ------------------------------------------------------------------------------- Graph

/// Microsoft Graph: `POST /v1.0/users` with a pasted token; 201 with the user's `id`; a
/// taken `userPrincipalName` answers 400 "Another object with the same value for property
/// userPrincipalName already exists."
#[derive(Debug, Default)]
pub struct Graph {
    pub accounts: Accounts,
}

impl Graph {
    pub fn with(users: &[&str]) -> Graph {
        Graph {
            accounts: Accounts::with(users),
        }
    }
}

impl Server for Graph {
    fn handle(&mut self, request: &HttpRequest) -> Exchange {
        assert_eq!(path(request, "http://graph.test"), "/v1.0/users");
        if header(request, "Authorization") != Some("Bearer graph-token") {
            return answer(
                401,
                json!({"error":{"code":"InvalidAuthenticationToken","message":"Access token validation failure."}}),
            );
        }
        let body = json_body(request);
        let upn = body["userPrincipalName"]
            .as_str()
            .unwrap_or("")
            .to_lowercase();
        if self.accounts.has(&upn) {
            self.accounts.creates.push(upn);
            return answer(
                400,
                json!({"error":{"code":"Request_BadRequest","message":"Another object with the same value for property userPrincipalName already exists."}}),
            );
        }
        match self.accounts.create(&upn) {
            Ok(id) => answer(
                201,
                json!({"id": format!("0000-{id}"), "userPrincipalName": upn}),
            ),
            Err(lost) => lost,
        }
    }
}

// ------------------------------------------------------------------------------ GitLab

/// GitLab's REST API v4 with a `PRIVATE-TOKEN`: `GET /api/v4/users?username=` lists the
/// user with that name (an empty array when none), `POST /api/v4/users` answers 201 with
/// the user, 409 "Email has already been taken" / "Username has already been taken".
/// Identities are user names; each account's address is `<name>@x.test`.
#[derive(Debug, Default)]
pub struct Gitlab {
    pub accounts: Accounts,
}

impl Gitlab {
    pub fn with(users: &[&str]) -> Gitlab {
        Gitlab {
            accounts: Accounts::with(users),
        }
    }
}

impl Server for Gitlab {
    fn handle(&mut self, request: &HttpRequest) -> Exchange {
        if header(request, "PRIVATE-TOKEN") != Some("glpat-token") {
            return answer(401, json!({"message":"401 Unauthorized"}));
        }
        let path = path(request, "http://gitlab.test").to_owned();
        match request.method {
            Method::Get => {
                self.accounts.probes += 1;
                let name = decode(
                    path.strip_prefix("/api/v4/users?username=")
                        .expect("the users lookup"),
                )
                .to_lowercase();
                match self.accounts.users.get(&name) {
                    Some(id) => answer(
                        200,
                        json!([{"id": id.parse::<u64>().unwrap(), "username": name, "email": format!("{name}@x.test")}]),
                    ),
                    None => answer(200, json!([])),
                }
            }
            Method::Post => {
                assert_eq!(path, "/api/v4/users");
                let body = json_body(request);
                let name = body["username"].as_str().unwrap_or("").to_lowercase();
                if self.accounts.has(&name) {
                    self.accounts.creates.push(name);
                    return answer(409, json!({"message":"Email has already been taken"}));
                }
                match self.accounts.create(&name) {
                    Ok(id) => answer(
                        201,
                        json!({"id": id.parse::<u64>().unwrap(), "username": name}),
                    ),
                    Err(lost) => lost,
                }
            }
            other => panic!("GitLab got {other:?} {path}"),
        }
    }
}
