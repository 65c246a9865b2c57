//! Issue 22, fields as data: a profile declares a field of its own (`department`, with
//! a label and aliases in another language) and every stage works from that declaration:
//! the mapping finds its column without help (a German `Abteilung` header included),
//! validation applies its check and longest value, the create fills `{user.department}`,
//! the template lists it, Set and Dry run offer it, and the reports carry its column (or,
//! for a field declared secret, never do). On main, `Field` was a closed set of twelve:
//! none of this could be written.

use roster_core::http::Body;
use roster_core::input::bulk::settable;
use roster_core::input::map::{Field, Mapping};
use roster_core::input::plan::{plan_with, user_at};
use roster_core::input::read::{read_with, ReadOptions, Table};
use roster_core::report::{csv_report_with, Input};
use roster_core::run::{RowState, Status};
use roster_core::targets::preview::accounts;
use roster_core::targets::profile::{preset_json, Profile};
use roster_core::targets::send::{LoginStep, Secrets};
use roster_core::targets::{Settings, TargetKind};
use serde_json::Value;

/// The Graph preset with a `department` field of its own (Graph's user resource has one,
/// at most 64 characters), sent in the create.
fn graph_with_department(extra: &str) -> String {
    let graph = preset_json("graph").unwrap();
    let with_field = graph.replacen(
        "\"fields\": [",
        &format!(
            "\"fields\": [\n    {{ \"field\": \"department\", \"label\": \"Department\", \"check\": \"text\", \"max_len\": 20, \"aliases\": [\"Abteilung\", \"dept\"]{extra} }},"
        ),
        1,
    );
    let sent = with_field.replacen(
        "\"accountEnabled\": true,",
        "\"accountEnabled\": true,\n      \"department\": \"{user.department}\",",
        1,
    );
    assert_ne!(sent, with_field, "the create template changed");
    sent
}

fn kind(extra: &str) -> TargetKind {
    TargetKind::from_profile(Profile::from_json(&graph_with_department(extra)).unwrap())
}

fn table(text: &str) -> Table {
    read_with(text.as_bytes(), &ReadOptions::default())
        .unwrap()
        .0
}

fn department() -> Field {
    Field::custom("department").unwrap()
}

#[test]
fn a_profiles_own_field_maps_by_its_german_alias_its_label_and_its_id() {
    let k = kind("");
    let rules = k.rules(&Settings::new());
    for header in [
        "Abteilung",
        "Department",
        "department",
        "DEPT",
        "Abteilung [Required]",
    ] {
        let t = table(&format!(
            "E-Mail,Passwort,Name,{header}\nann@x.org,Pw-123456,Ann Lee,Sales\n"
        ));
        let mapping = Mapping::auto_for(&t, rules.mapped_fields());
        assert_eq!(
            mapping.columns,
            [
                Some(Field::Email),
                Some(Field::Password),
                Some(Field::Name),
                Some(department())
            ],
            "{header}"
        );
    }
    // A target that does not declare it never gets such a column.
    let plain =
        TargetKind::from_profile(Profile::from_json(preset_json("graph").unwrap()).unwrap());
    let t = table("E-Mail,Passwort,Name,Abteilung\nann@x.org,Pw-123456,Ann Lee,Sales\n");
    let mapping = Mapping::auto_for(&t, plain.rules(&Settings::new()).mapped_fields());
    assert_eq!(mapping.columns[3], None);
}

#[test]
fn its_check_and_longest_value_flag_a_row_and_a_valid_row_sends_it() {
    let k = kind("");
    let rules = k.rules(&Settings::new());
    let t = table(
        "E-Mail,Passwort,Name,Abteilung\n\
         ann@x.org,Pw-123456,Ann Lee,Sales\n\
         bo@x.org,Pw-123456,Bo Li,Research and Development Europe\n\
         cy@x.org,Pw-123456,Cy Do,\n",
    );
    let mapping = Mapping::auto_for(&t, rules.mapped_fields());
    let planned = plan_with(&t, &mapping, &rules);
    assert!(planned[0].is_valid(), "{:?}", planned[0].problems());
    assert_eq!(
        planned[1].problems_text(),
        "is 31 characters long; at most 20 are accepted — department in column \"Abteilung\""
    );
    assert!(planned[2].is_valid(), "an optional field may be empty");

    let target = k.build("https://graph.example", &Settings::new()).unwrap();
    let secrets = Secrets::new().with("access_token", "token-1");
    let LoginStep::Ready(session) = target.login(&secrets) else {
        panic!("Graph's token is pasted")
    };
    let body = |i: usize| -> Value {
        let user = user_at(&t, &mapping, &rules, i).unwrap();
        let request = target.create(&session, &user);
        let Body::Json(text) = request.body else {
            panic!("a JSON create")
        };
        serde_json::from_str(&text).unwrap()
    };
    assert_eq!(body(0)["department"], "Sales");
    assert_eq!(body(0)["userPrincipalName"], "ann@x.org");
    // Empty: not sent at all.
    assert!(body(2).get("department").is_none(), "{}", body(2));
}

#[test]
fn the_template_lists_it_and_set_and_dry_run_offer_it_by_its_label() {
    let k = kind("");
    assert_eq!(
        k.template_header(),
        "department,email,password,name,username\r\n"
    );
    let template = k.template();
    assert!(
        template.contains("department: Department; at most 20 characters (optional)"),
        "{template}"
    );
    // The template's example row passes the profile's checks.
    let t = table(&template);
    let rules = k.rules(&Settings::new());
    let mapping = Mapping::auto_for(&t, rules.mapped_fields());
    assert_eq!(mapping.column_of(department()), Some(0));
    let planned = plan_with(&t, &mapping, &rules);
    assert_eq!(planned.len(), 1);
    assert!(planned[0].is_valid(), "{:?}", planned[0].problems());

    let set: Vec<Field> = settable(&k.field_specs()).iter().map(|s| s.field).collect();
    assert!(set.contains(&department()), "{set:?}");
    assert_eq!(set.last(), Some(&Field::Password), "secrets last");

    let preview = accounts(
        &k.template_specs(),
        &planned,
        |i| user_at(&t, &mapping, &rules, i),
        5,
    );
    let at = preview
        .columns
        .iter()
        .position(|f| *f == department())
        .unwrap();
    assert_eq!(preview.titles[at], "Department");
    assert_eq!(preview.rows[0].cells[at], "Department");
}

#[test]
fn a_default_fills_an_empty_cell_and_a_required_field_must_be_given() {
    let k = kind(", \"default\": \"Staff\"");
    let rules = k.rules(&Settings::new());
    let t = table("email,password,name,dept\nann@x.org,Pw-123456,Ann Lee,\n");
    let mapping = Mapping::auto_for(&t, rules.mapped_fields());
    let user = user_at(&t, &mapping, &rules, 0).unwrap();
    assert_eq!(user.value(department()).as_deref(), Some("Staff"));

    let k = kind(", \"required\": true");
    let rules = k.rules(&Settings::new());
    let planned = plan_with(&t, &Mapping::auto_for(&t, rules.mapped_fields()), &rules);
    assert_eq!(
        planned[0].problems_text(),
        "missing — department in column \"dept\""
    );
    assert!(k
        .template()
        .contains("department: Department; at most 20 characters (required by Roster)"));
}

#[test]
fn the_report_carries_its_column_and_never_a_secret_ones() {
    let text = graph_with_department("").replacen(
        "\"fields\": [",
        "\"fields\": [\n    { \"field\": \"recovery_pin\", \"label\": \"Recovery code\", \"check\": \"text\", \"secret\": true, \"aliases\": [\"Wiederherstellung\"] },",
        1,
    );
    let k = TargetKind::from_profile(Profile::from_json(&text).unwrap());
    let rules = k.rules(&Settings::new());
    let t = table(
        "E-Mail,Passwort,Name,Abteilung,Wiederherstellung\n\
         ann@x.org,Pw-123456,Ann Lee,Sales,code-7731-xyz\n",
    );
    let mapping = Mapping::auto_for(&t, rules.mapped_fields());
    let pin = Field::custom("recovery_pin").unwrap();
    assert_eq!(mapping.column_of(pin), Some(4));
    assert!(mapping.column_is_secret(4) && !mapping.column_is_secret(3));
    let planned = plan_with(&t, &mapping, &rules);
    let rows = vec![RowState {
        status: Status::Created,
        message: String::new(),
        code: None,
        excluded: false,
        target_id: Some("id-1".into()),
        attempts: 1,
        answer_lost: false,
        first_sent_ms: None,
        finished_ms: None,
        steps: Vec::new(),
    }];
    let input = Input {
        table: &t,
        mapping: &mapping,
    };
    let csv = csv_report_with(&planned, &rows, Some(input), None);
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",E-Mail,Name,Abteilung"), "{header}");
    assert!(csv.contains(",Sales"), "{csv}");
    assert!(
        !csv.contains("code-7731") && !csv.contains("Pw-123456"),
        "{csv}"
    );
    // The column a secret field is chosen for by hand is masked too.
    let mut edited = Mapping::auto_for(&t, rules.mapped_fields());
    edited.assign(4, None, &k.field_specs());
    edited.secret.clear();
    edited.assign(4, Some(pin), &k.field_specs());
    assert!(edited.column_is_secret(4));
}

#[test]
fn a_profile_names_only_fields_it_declares() {
    let graph = preset_json("graph").unwrap();
    // An id of its own without a label is a typo as far as Roster can tell.
    let e = Profile::from_json(&graph.replacen(
        "\"fields\": [",
        "\"fields\": [\n    { \"field\": \"departmnet\", \"check\": \"text\" },",
        1,
    ))
    .unwrap_err();
    assert_eq!(e.path, "fields[0].field");
    assert!(
        e.message.contains("unknown Roster field `departmnet`"),
        "{e}"
    );
    // `{user.X}` must be a built-in field or one the profile declares.
    let e = Profile::from_json(&graph.replacen(
        "\"accountEnabled\": true,",
        "\"accountEnabled\": true, \"department\": \"{user.department}\",",
        1,
    ))
    .unwrap_err();
    assert!(
        e.message.contains("no Roster field is called `department`"),
        "{e}"
    );
    // An id that is no id, and one declared twice.
    let e = Profile::from_json(&graph.replacen(
        "\"fields\": [",
        "\"fields\": [\n    { \"field\": \"Dept!\", \"label\": \"Dept\", \"check\": \"text\" },",
        1,
    ))
    .unwrap_err();
    assert!(e.message.contains("unknown Roster field `Dept!`"), "{e}");
    let twice = "{ \"field\": \"department\", \"label\": \"Department\", \"check\": \"text\" },";
    let e = Profile::from_json(&graph.replacen(
        "\"fields\": [",
        &format!("\"fields\": [\n    {twice}\n    {twice}"),
        1,
    ))
    .unwrap_err();
    assert!(e.message.contains("listed twice"), "{e}");
    // Written back, it reads the same.
    let p = Profile::from_json(&graph_with_department(", \"default\": \"Staff\"")).unwrap();
    assert_eq!(Profile::from_json(&p.to_pretty_json()).unwrap(), p);
}

#[test]
fn a_profile_may_name_a_built_in_field_its_own_way_but_not_give_it_a_default() {
    let graph = preset_json("graph").unwrap();
    let named = graph.replacen(
        "{ \"field\": \"name\",",
        "{ \"field\": \"name\", \"aliases\": [\"Klarname des Kontos\"],",
        1,
    );
    assert_ne!(named, graph);
    let k = TargetKind::from_profile(Profile::from_json(&named).unwrap());
    let t = table("E-Mail,Passwort,Klarname des Kontos\nann@x.org,Pw-123456,Ann Lee\n");
    let mapping = Mapping::auto_for(&t, k.rules(&Settings::new()).mapped_fields());
    assert_eq!(mapping.columns[2], Some(Field::Name));
    // Without the alias, that header names nothing.
    let plain = TargetKind::from_profile(Profile::from_json(graph).unwrap());
    let mapping = Mapping::auto_for(&t, plain.rules(&Settings::new()).mapped_fields());
    assert_eq!(mapping.columns[2], None);

    let e = Profile::from_json(&graph.replacen(
        "{ \"field\": \"name\",",
        "{ \"field\": \"name\", \"default\": \"Someone\",",
        1,
    ))
    .unwrap_err();
    assert_eq!(e.path, "fields[2].default");
}

/// Profiles saved before fields were declared (the shipped presets, and those admins
/// keep in the browser) read unchanged, and are written back without the new keys.
#[test]
fn profiles_without_the_new_keys_read_and_write_back_unchanged() {
    for id in ["synapse", "keycloak", "graph", "gitlab"] {
        let p = Profile::from_json(preset_json(id).unwrap()).unwrap();
        let again = p.to_pretty_json();
        // The presets' own fields are those their steps run for (rooms, groups).
        for spec in p.fields.iter().filter(|s| s.field.is_builtin()) {
            let written = serde_json::to_string(spec).unwrap();
            for key in ["\"label\"", "\"aliases\"", "\"secret\"", "\"default\""] {
                assert!(!written.contains(key), "{id}: {key} written in {written}");
            }
        }
        assert_eq!(Profile::from_json(&again).unwrap(), p, "{id}");
        assert!(
            p.fields.iter().all(|s| s.field.is_builtin()
                || p.steps
                    .iter()
                    .any(|st| st.each.as_deref() == Some(s.field.label()))),
            "{id}"
        );
    }
}
