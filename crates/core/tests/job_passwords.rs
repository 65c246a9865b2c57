//! "Generate passwords for rows without one", through the whole job against Synapse's
//! protocol: rows without a password become valid and are sent with a generated one the
//! target's policy accepts; rows with a password keep theirs; the handout lists only the
//! accounts this run created; no generated password reaches the journal or a report.

mod job_support;

use std::sync::Arc;

use job_support::servers::Synapse;
use job_support::{Harness, Mem, Options, Setup};
use roster_core::http::{Body, Method};
use roster_core::input::map::Mapping;
use roster_core::input::passwords::{self, Generated, Handout};
use roster_core::input::plan::{plan_with, users_of};
use roster_core::input::read::read;
use roster_core::job::{Job, Over};
use roster_core::report::{self, Input, RunInfo};
use roster_core::run::{Ending, Status};
use roster_core::targets::send::Secrets;

/// ann gives her own password; bob and cyd give none; dee gives none and exists already.
const FILE: &str = "email,password,name,username\n\
ann@x.test,Pass-ann-1,Ann Example,ann\n\
bob@x.test,,Bob Example,bob\n\
cyd@x.test,,Cyd Example,cyd\n\
dee@x.test,,Dee Example,dee\n";

fn setup() -> Setup {
    let mut setup = Setup::new("synapse", "http://syn.test", FILE);
    setup.secrets = Secrets::new()
        .with_shown("login", "admin")
        .with("password", "secret");
    setup
}

/// A fixed source of bytes (the page's and the CLI's are the OS's).
fn random() -> impl FnMut(&mut [u8]) {
    let mut n: u64 = 7;
    move |buf: &mut [u8]| {
        for b in buf {
            n = n
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            *b = (n >> 33) as u8;
        }
    }
}

#[test]
fn rows_without_a_password_are_invalid_unless_passwords_are_generated() {
    let setup = setup();
    let table = read(FILE.as_bytes()).unwrap();
    let mapping = Mapping::auto(&table);
    let rules = setup.kind.rules(&setup.settings);
    let plain = plan_with(&table, &mapping, &rules);
    assert_eq!(plain.iter().filter(|r| r.is_valid()).count(), 1);
    let generating = plan_with(&table, &mapping, &passwords::rules_for(rules, true));
    assert!(generating.iter().all(|r| r.is_valid()), "{generating:?}");
}

#[test]
fn generated_passwords_are_sent_handed_out_once_and_kept_nowhere() {
    let setup = setup();
    let table = read(FILE.as_bytes()).unwrap();
    let mapping = Mapping::auto(&table);
    let rules = passwords::rules_for(setup.kind.rules(&setup.settings), true);
    let plan = Arc::new(plan_with(&table, &mapping, &rules));
    let users = users_of(table.clone(), mapping.clone(), rules.clone());
    let user = users_of(table.clone(), mapping.clone(), rules);
    let policy = setup.kind.password_policy();
    let generated = Arc::new(Generated::for_rows(&plan, &user, &policy, &mut random()));
    assert_eq!(generated.get(0), None, "ann's own password is kept");
    assert_eq!(generated.count(), 3);

    let mut start = setup.start(Options::journaled());
    start.plan = Arc::clone(&plan);
    start.users = generated.users(Box::new(users));
    let job = Job::new(start, 0);
    let handout = Handout::new(Arc::clone(&generated), job.run().rows());
    let mut server = Synapse::with(&["dee"]);
    let mut h = Harness::new(job, Mem::default());
    h.finish(&mut server);
    assert_eq!(h.over, Some(Over::Ran(Some(Ending::Finished))));
    assert_eq!(
        h.statuses(),
        [
            Status::Created,
            Status::Created,
            Status::Created,
            Status::Exists
        ]
    );

    // What each create sent: ann's own password, bob's and cyd's generated ones.
    let sent_password = |who: &str| -> String {
        let put = h
            .sent
            .iter()
            .find(|r| r.method == Method::Put && r.url.contains(&format!("@{who}:")))
            .unwrap_or_else(|| panic!("{who} was created"));
        let Body::Json(text) = &put.body else {
            panic!("a JSON body")
        };
        let body: serde_json::Value = serde_json::from_str(text).unwrap();
        body["password"].as_str().unwrap().to_owned()
    };
    assert_eq!(sent_password("ann"), "Pass-ann-1");
    for (i, who) in [(1, "bob"), (2, "cyd")] {
        let p = sent_password(who);
        assert_eq!(Some(p.as_str()), generated.get(i));
        assert!(policy.accepts(&p), "{p}");
    }

    // The handout: the accounts this run created with a generated password only.
    let slips = handout.slips(&plan, h.machine.run().rows(), &user);
    let accounts: Vec<&str> = slips.iter().map(|s| s.account.as_str()).collect();
    assert_eq!(accounts, ["bob", "cyd"]);
    assert_eq!(slips[0].sign_in, "bob@x.test");
    assert_eq!(Some(slips[0].password.as_str()), generated.get(1));
    let csv = passwords::csv(&slips);
    assert!(csv.contains(generated.get(2).unwrap()));

    // Nowhere else: not in the journal (every key written), not in the reports.
    let secrets: Vec<&str> = (1..4).filter_map(|i| generated.get(i)).collect();
    let stored: String = h.store.map.values().cloned().collect();
    assert!(!stored.is_empty());
    let input = Input {
        table: &table,
        mapping: &mapping,
    };
    let info = RunInfo::default();
    let csv_report = report::csv_report_with(&plan, h.machine.run().rows(), Some(input), None);
    let json_report = report::json_report(&plan, h.machine.run().rows(), Some(input), &info);
    let retry = report::retry_file(&table, h.machine.run().rows()).unwrap_or_default();
    for secret in secrets {
        assert!(!stored.contains(secret), "the journal holds a password");
        assert!(!csv_report.contains(secret));
        assert!(!json_report.contains(secret));
        assert!(!retry.contains(secret));
        assert!(!format!("{:?}", h.machine.run().rows()).contains(secret));
        assert!(!h.announced.iter().any(|a| a.contains(secret)));
    }
}

#[test]
fn a_resumed_run_hands_out_only_what_it_created_itself() {
    // Rows a resume carries over as created were made by the run that was lost: their
    // generated passwords are gone, so the handout leaves them out.
    let setup = setup();
    let table = read(FILE.as_bytes()).unwrap();
    let mapping = Mapping::auto(&table);
    let rules = passwords::rules_for(setup.kind.rules(&setup.settings), true);
    let plan = Arc::new(plan_with(&table, &mapping, &rules));
    let user = users_of(table, mapping, rules);
    let generated = Arc::new(Generated::for_rows(
        &plan,
        &user,
        &setup.kind.password_policy(),
        &mut random(),
    ));
    let mut start = setup.start(Options::journaled());
    start.plan = Arc::clone(&plan);
    let mut rows = Job::new(start, 0).run().rows().to_vec();
    assert!(rows.iter().all(|r| r.status == Status::Pending));
    rows[1].status = Status::Created; // carried over from the lost run
    let handout = Handout::new(Arc::clone(&generated), &rows);
    let mut after = rows.clone();
    after[2].status = Status::Created;
    after[3].status = Status::Created;
    let slips = handout.slips(&plan, &after, &user);
    let accounts: Vec<&str> = slips.iter().map(|s| s.account.as_str()).collect();
    assert_eq!(accounts, ["cyd", "dee"]);
}

/// Issue 24: with "Send an invitation e-mail instead of a password" on (Keycloak), rows
/// need no password, "Generate passwords" generates none, so the handout lists no invited
/// account, and a file's passwords are announced as not sent.
#[test]
fn with_an_invitation_instead_no_password_is_required_generated_or_handed_out() {
    let off = Setup::new("keycloak", "http://kc.test", FILE).setting("realm", "people");
    let on = Setup::new("keycloak", "http://kc.test", FILE)
        .setting("realm", "people")
        .setting("invite", "yes");
    let table = read(FILE.as_bytes()).unwrap();
    let mapping = Mapping::auto(&table);

    // Without the invitation the box generates, and rows without a password need it.
    assert!(passwords::generating(true, off.kind.invites(&off.settings)));
    let plain = plan_with(&table, &mapping, &off.kind.rules(&off.settings));
    assert_eq!(plain.iter().filter(|r| r.is_valid()).count(), 1);

    // With it, the box generates nothing and every row is valid without a password.
    let generating = passwords::generating(true, on.kind.invites(&on.settings));
    assert!(!generating);
    let rules = passwords::rules_for(on.kind.rules(&on.settings), generating);
    let plan = plan_with(&table, &mapping, &rules);
    assert!(plan.iter().all(|r| r.is_valid()), "{plan:?}");
    // What the page and the CLI make for the handout: nothing to hand out.
    let user = users_of(table.clone(), mapping.clone(), rules);
    let generated = generating
        .then(|| Generated::for_rows(&plan, &user, &on.kind.password_policy(), &mut random()));
    assert!(generated.is_none());

    // ann's password in the file is not sent: said once, and only then.
    let any_password = plan.iter().any(|r| r.has_password);
    assert_eq!(
        passwords::invited_note(on.kind.invites(&on.settings), any_password),
        Some("Passwords in the file are not sent: an invitation e-mail is sent instead.")
    );
    assert_eq!(
        passwords::invited_note(off.kind.invites(&off.settings), any_password),
        None
    );
    assert_eq!(passwords::invited_note(true, false), None);
}
