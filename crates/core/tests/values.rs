//! Values in words (issue 24): an HR export whose Role column says `user`, `Tenant
//! admin`, `Kunde` plans valid rows for Aurora, each sent with its role number; a word
//! Roster does not know makes its rows invalid with a message that says how to map it,
//! and the admin's mapping (remembered with the columns) makes them valid.

use roster_core::input::map::{Field, Mapping};
use roster_core::input::plan::{plan_with, user_at};
use roster_core::input::read::{read_with, ReadOptions, Table};
use roster_core::input::values::{found_values, Meaning};
use roster_core::targets::{Settings, TargetKind};

const HR: &str = "E-mail,Password,Role\n\
ann@example.com,Pass-ann-1,user\n\
bob@example.com,Pass-bob-1,Tenant admin\n\
cyd@example.com,Pass-cyd-1,Kunde\n\
dee@example.com,Pass-dee-1,Chef\n\
eve@example.com,Pass-eve-1,\n\
fay@example.com,Pass-fay-1,3\n";

fn load(text: &str) -> Table {
    let options = ReadOptions {
        header: Some(true),
        ..ReadOptions::default()
    };
    read_with(text.as_bytes(), &options).unwrap().0
}

#[test]
fn an_aurora_role_column_in_words_is_sent_as_role_numbers_and_an_unknown_word_is_mapped_by_the_admin(
) {
    let kind = TargetKind::by_id("aurora").unwrap();
    let rules = kind.rules(&Settings::new());
    let t = load(HR);
    let mut m = Mapping::auto_for(&t, rules.mapped_fields());
    assert_eq!(m.column_of(Field::Role), Some(2), "{:?}", m.columns);
    let roles = |m: &Mapping| -> Vec<Option<u8>> {
        (0..t.records.len())
            .map(|i| user_at(&t, m, &rules, i).and_then(|u| u.role))
            .collect()
    };
    // The empty cell takes the run's default (Aurora's own: none set, so none sent here).
    assert_eq!(
        roles(&m),
        [Some(2), Some(1), Some(3), None, None, Some(3)],
        "Chef is no role Roster knows: its row is invalid"
    );
    let plan = plan_with(&t, &m, &rules);
    let invalid: Vec<String> = plan
        .iter()
        .filter(|r| !r.is_valid())
        .map(|r| r.problems_text())
        .collect();
    assert_eq!(invalid.len(), 1, "{invalid:?}");
    assert!(
        invalid[0].contains("is no Role Roster knows (1 Tenant admin, 2 Normal user, 3 Customer)")
            && invalid[0].contains("Values"),
        "{}",
        invalid[0]
    );
    // The panel lists every distinct word with what it means.
    let found = found_values(&t, &m, &kind.field_specs());
    let words: Vec<(&str, Option<&str>)> = found[0]
        .words
        .iter()
        .map(|w| (w.word.as_str(), w.meaning.value()))
        .collect();
    assert_eq!(
        words,
        [
            ("user", Some("2")),
            ("Tenant admin", Some("1")),
            ("Kunde", Some("3")),
            ("Chef", None),
            ("3", Some("3"))
        ]
    );
    // The admin maps it; the choice is remembered with the columns, and read back.
    m.choose_value(Field::Role, "Chef", Some("1"));
    assert_eq!(roles(&m)[3], Some(1));
    assert!(plan_with(&t, &m, &rules).iter().all(|r| r.is_valid()));
    let back = Mapping::from_memory(&m.to_memory(), t.width).unwrap();
    assert_eq!(back.columns, m.columns);
    assert_eq!(roles(&back)[3], Some(1));
    assert_eq!(
        found_values(&t, &back, &kind.field_specs())[0].words[3].meaning,
        Meaning::Chosen("1".into())
    );
    // A mapping without value choices is remembered as before: the column labels only.
    let plain = Mapping {
        values: Vec::new(),
        ..m.clone()
    };
    assert_eq!(plain.to_memory(), "email,password,role");
}

#[test]
fn a_profiles_enum_declares_its_values_and_their_words_the_same_way() {
    let mut profile: serde_json::Value =
        serde_json::from_str(include_str!("../profiles/gitlab.json")).unwrap();
    profile["fields"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "field": "access", "label": "Access", "check": {"enum": ["basic", "pro"]},
            "values": [
                {"value": "basic", "label": "Basic", "aliases": ["Standard", "Grundstufe"]},
                {"value": "pro", "label": "Professional", "aliases": ["Profi"]}
            ]
        }));
    let profile = roster_core::targets::profile::Profile::from_json(&profile.to_string()).unwrap();
    let kind = TargetKind::from_profile(profile);
    let rules = kind.rules(&Settings::new());
    let t = load(
        "username,email,name,password,Access
         ann,ann@example.com,Ann,Pass-ann-1,Profi
         bob,bob@example.com,Bob,Pass-bob-1,standard
         cyd,cyd@example.com,Cyd,Pass-cyd-1,Gold
",
    );
    let mut m = Mapping::auto_for(&t, rules.mapped_fields());
    let access = Field::custom("access").unwrap();
    assert_eq!(m.column_of(access), Some(4), "{:?}", m.columns);
    let sent = |m: &Mapping| -> Vec<Option<String>> {
        (0..3)
            .map(|i| {
                user_at(&t, m, &rules, i).map(|u| {
                    u.custom
                        .iter()
                        .find(|(f, _)| *f == access)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                })
            })
            .collect()
    };
    assert_eq!(sent(&m), [Some("pro".into()), Some("basic".into()), None]);
    let plan = plan_with(&t, &m, &rules);
    assert!(
        plan[2]
            .problems_text()
            .contains("is no Access Roster knows (basic Basic, pro Professional)"),
        "{}",
        plan[2].problems_text()
    );
    m.choose_value(access, "gold", Some("pro"));
    assert_eq!(sent(&m)[2], Some("pro".into()));
}
