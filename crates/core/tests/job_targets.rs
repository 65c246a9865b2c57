//! The whole job, for each built-in target and each preset, against a server written from
//! its protocol, on a fake clock: Start → the journal's first write → login → creates
//! (one row exists already, one create's answer is lost) → settling the lost row (by
//! listing for Aurora, by probe for Synapse and GitLab; the others leave it unknown, as
//! nothing proves what happened) → the journal's last write → the ending.

mod job_support;

use job_support::servers::{Aurora, Gitlab, Graph, Keycloak, Mumara, Synapse};
use job_support::{count, stored, Harness, Mem, Server, Setup};
use roster_core::job::Over;
use roster_core::run::{Ending, Status};
use roster_core::targets::send::Secrets;

/// Four people: ann has an account already, bob's create is answered but the answer is
/// lost, cyd and dee are new.
const FILE: &str = "email,password,name,username\n\
ann@x.test,Pass-ann-1,Ann Example,ann\n\
bob@x.test,Pass-bob-1,Bob Example,bob\n\
cyd@x.test,Pass-cyd-1,Cyd Example,cyd\n\
dee@x.test,Pass-dee-1,Dee Example,dee\n";

fn password(login: &str) -> Secrets {
    Secrets::new()
        .with_shown("login", login)
        .with("password", "secret")
}

fn token(token: &str) -> Secrets {
    Secrets::new().with("access_token", token)
}

/// Runs the job to its end and checks what every target shares: the journal's first
/// write came before any request; the job ended as finished; the journal's last write
/// holds every row's final status; the last sentence tallies the rows.
fn run_to_end(setup: &Setup, server: &mut dyn Server) -> Harness<roster_core::job::Job> {
    let mut h = Harness::new(setup.job(), Mem::default());
    h.effects();
    assert!(h.sent.is_empty(), "nothing is sent before the first tick");
    assert_eq!(
        h.announced[0],
        format!("Import started: 4 rows to {}.", setup.kind.name())
    );
    // The first tick writes the journal; only then does a request go.
    h.step(server);
    h.effects();
    assert!(h.writes >= 1, "the journal's first write");
    let first = stored(&h.store, setup).expect("the first write is readable");
    assert_eq!(first.rows(), 4);
    h.finish(server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Finished))));
    assert_eq!(h.refused_writes, 0);
    assert!(h.problems.iter().all(Option::is_none), "{:?}", h.problems);
    let last = stored(&h.store, setup).expect("the last write is readable");
    assert!(last.finished, "a finished run's journal says so");
    let statuses = h.statuses();
    assert!(statuses.iter().all(|s| s.is_final()), "{statuses:?}");
    for (row, status, _) in last.previous() {
        assert_eq!(statuses[row], status, "row {row} as the journal holds it");
    }
    let sentence = h.announced.last().unwrap();
    assert!(
        sentence.starts_with("Import finished: 2 created"),
        "{sentence}"
    );
    h
}

#[test]
fn aurora_settles_the_lost_row_by_listing_its_accounts() {
    let mut setup = Setup::new("aurora", "http://aurora.test", FILE);
    setup.secrets = password("superadmin");
    let mut server = Aurora::with(&["ann@x.test"]);
    server.accounts.lose.insert("bob@x.test".into());
    let h = run_to_end(&setup, &mut server);
    assert_eq!(
        h.statuses(),
        [
            Status::Exists,
            Status::Exists,
            Status::Created,
            Status::Created
        ]
    );
    let bob = &h.machine.run().rows()[1];
    assert!(
        bob.message
            .contains("found by listing its accounts after the run"),
        "{}",
        bob.message
    );
    assert!(h.announced.contains(
        &"Checking 1 rows whose answer was lost, by listing the server's accounts (GetUsers)…"
            .to_owned()
    ));
    assert_eq!(server.accounts.listings, 1);
    assert_eq!(server.accounts.creates_of("bob@x.test"), 1);
    assert_eq!(
        server.accounts.logins, 2,
        "the run's login, then the listing's"
    );
    assert_eq!(
        h.announced.last().unwrap(),
        "Import finished: 2 created, 2 exists."
    );
}

#[test]
fn mumara_leaves_the_lost_row_unknown() {
    let mut setup = Setup::new("mumara", "http://mumara.test", FILE).setting("package_id", "1");
    setup.secrets = Secrets::new().with("api_key", "mumara-key");
    let mut server = Mumara::with(&["ann@x.test"]);
    server.accounts.lose.insert("bob@x.test".into());
    let h = run_to_end(&setup, &mut server);
    assert_eq!(
        h.statuses(),
        [
            Status::Exists,
            Status::Unknown,
            Status::Created,
            Status::Created
        ]
    );
    assert!(
        !h.announced.iter().any(|s| s.starts_with("Checking")),
        "{:?}",
        h.announced
    );
    assert_eq!(
        h.announced.last().unwrap(),
        "Import finished: 2 created, 1 exists, 1 problems."
    );
}

#[test]
fn synapse_probes_before_each_put_and_settles_the_lost_row_by_probe() {
    let mut setup = Setup::new("synapse", "http://syn.test", FILE);
    setup.secrets = password("admin");
    let mut server = Synapse::with(&["ann"]);
    server.accounts.lose.insert("bob".into());
    let h = run_to_end(&setup, &mut server);
    assert_eq!(
        h.statuses(),
        [
            Status::Exists,
            Status::Exists,
            Status::Created,
            Status::Created
        ]
    );
    // ann's probe found her: no PUT (an upsert would have changed her password).
    assert_eq!(server.accounts.creates_of("ann"), 0);
    assert_eq!(server.accounts.creates_of("bob"), 1);
    assert!(h.announced.contains(
        &"Checking 1 rows whose answer was lost, by asking the server whether each account exists…"
            .to_owned()
    ));
    // One probe per row before its PUT, and one after the run for bob.
    assert_eq!(server.accounts.probes, 5);
}

#[test]
fn keycloak_leaves_the_lost_row_unknown() {
    let mut setup = Setup::new("keycloak", "http://kc.test", FILE).setting("realm", "people");
    setup.secrets = password("admin");
    let mut server = Keycloak::with(&["ann"]);
    server.accounts.lose.insert("bob".into());
    let h = run_to_end(&setup, &mut server);
    assert_eq!(
        h.statuses(),
        [
            Status::Exists,
            Status::Unknown,
            Status::Created,
            Status::Created
        ]
    );
    assert_eq!(server.accounts.logins, 1);
}

#[test]
fn graph_leaves_the_lost_row_unknown() {
    let mut setup = Setup::new("graph", "http://graph.test", FILE);
    setup.secrets = token("graph-token");
    let mut server = Graph::with(&["ann@x.test"]);
    server.accounts.lose.insert("bob@x.test".into());
    let h = run_to_end(&setup, &mut server);
    assert_eq!(
        h.statuses(),
        [
            Status::Exists,
            Status::Unknown,
            Status::Created,
            Status::Created
        ]
    );
    assert_eq!(
        h.machine.run().rows()[2].target_id.as_deref(),
        Some("0000-3")
    );
}

#[test]
fn gitlab_looks_each_user_up_first_and_settles_the_lost_row_by_probe() {
    let mut setup = Setup::new("gitlab", "http://gitlab.test", FILE);
    setup.secrets = token("glpat-token");
    let mut server = Gitlab::with(&["ann"]);
    server.accounts.lose.insert("bob".into());
    let h = run_to_end(&setup, &mut server);
    assert_eq!(
        h.statuses(),
        [
            Status::Exists,
            Status::Exists,
            Status::Created,
            Status::Created
        ]
    );
    assert_eq!(server.accounts.creates_of("ann"), 0);
    assert_eq!(server.accounts.creates_of("bob"), 1);
}

#[test]
fn a_login_that_fails_sends_nothing_and_keeps_no_history() {
    let mut setup = Setup::new("aurora", "http://aurora.test", FILE);
    setup.secrets = Secrets::new()
        .with_shown("login", "superadmin")
        .with("password", "wrong");
    let mut server = Aurora::with(&[]);
    let mut h = Harness::new(setup.job(), Mem::default());
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(None)));
    assert!(server.accounts.creates.is_empty());
    assert_eq!(count(&h.statuses(), Status::Skipped), 4);
    assert!(h
        .announced
        .last()
        .unwrap()
        .starts_with("Import not started: the login failed"));
    // Nothing was sent: the journal is forgotten.
    assert!(stored(&h.store, &setup).is_err());
    assert!(h.problems.iter().all(Option::is_none), "{:?}", h.problems);
}

/// Synapse keeps a device per password login: the run logs out the session its login
/// made once it is over (after settling the lost row by probe), so the server is left
/// with the devices it had; the logout changes no row.
#[test]
fn synapse_logs_out_the_session_its_login_made_when_the_run_is_over() {
    let mut setup = Setup::new("synapse", "http://syn.test", FILE);
    setup.secrets = password("admin");
    let mut server = Synapse::with(&["ann"]);
    let before = server.devices.clone();
    server.accounts.lose.insert("bob".into());
    let h = run_to_end(&setup, &mut server);
    assert_eq!(server.accounts.logins, 1);
    assert_eq!(server.logouts, 1);
    assert_eq!(server.devices, before, "no device left behind");
    let last = h.sent.last().unwrap();
    assert_eq!(last.url, "http://syn.test/_matrix/client/v3/logout");
    assert!(last
        .headers
        .iter()
        .any(|(n, v)| n == "Authorization" && v == "Bearer syt_tok1"));
    assert_eq!(
        h.announced.last().unwrap(),
        "Import finished: 2 created, 2 exists."
    );
}

/// A logout that fails is said, and changes no row.
#[test]
fn a_failed_logout_is_said_and_changes_no_row() {
    let mut setup = Setup::new("synapse", "http://syn.test", FILE);
    setup.secrets = password("admin");
    let mut server = Synapse::with(&["ann"]);
    server.logout_fails = Some(502);
    server.accounts.lose.insert("bob".into());
    let h = run_to_end(&setup, &mut server);
    assert_eq!(server.logouts, 1);
    assert_eq!(
        h.statuses(),
        [
            Status::Exists,
            Status::Exists,
            Status::Created,
            Status::Created
        ]
    );
    let sentence = h.announced.last().unwrap();
    assert!(
        sentence.starts_with("Import finished: 2 created, 2 exists. Roster could not log out the session it logged in with (HTTP 502)"),
        "{sentence}"
    );
}

/// A pasted access token is the admin's own device: never logged out.
#[test]
fn a_pasted_token_is_never_logged_out() {
    let mut setup = Setup::new("synapse", "http://syn.test", FILE);
    setup.secrets = token("syt_admin");
    let mut server = Synapse::with(&["ann"]);
    server.accounts.lose.insert("bob".into());
    let h = run_to_end(&setup, &mut server);
    assert_eq!(server.logouts, 0);
    assert!(server.devices.contains("syt_admin"));
    assert!(h.sent.iter().all(|r| !r.url.ends_with("/logout")));
}

/// A run the admin cancels, and one that stops on a fatal answer, log out too.
#[test]
fn a_cancelled_or_stopped_synapse_run_logs_out_too() {
    use roster_core::job::Command;
    let mut setup = Setup::new("synapse", "http://syn.test", FILE);
    setup.secrets = password("admin");
    let mut server = Synapse::with(&[]);
    let before = server.devices.clone();
    let mut h = Harness::new(setup.job(), Mem::default());
    h.run_until(&mut server, |h| {
        h.sent
            .iter()
            .any(|r| r.method == roster_core::http::Method::Put)
    });
    h.command(Command::Cancel);
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Cancelled))));
    assert_eq!(server.logouts, 1);
    assert_eq!(server.devices, before);

    // The account may not use the admin API: the first probe's 403 stops the run.
    struct Forbidden(Synapse);
    impl Server for Forbidden {
        fn handle(
            &mut self,
            request: &roster_core::http::HttpRequest,
        ) -> roster_core::http::Exchange {
            if request.url.contains("/_synapse/admin/") {
                return roster_core::http::Exchange::Answered(
                    roster_core::http::HttpResponse::new(
                        403,
                        r#"{"errcode":"M_FORBIDDEN","error":"You are not a server admin"}"#,
                    ),
                );
            }
            self.0.handle(request)
        }
    }
    let mut server = Forbidden(Synapse::with(&[]));
    let mut h = Harness::new(setup.job(), Mem::default());
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Stopped))));
    assert_eq!(server.0.logouts, 1);
    assert_eq!(server.0.devices, before);
}
