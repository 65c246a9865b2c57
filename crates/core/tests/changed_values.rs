//! Issue 21, "a cell's value is what is sent": where a value that is sent differs from
//! the cell as written (an unquoted cell trimmed, a Matrix ID's local part), the row says
//! so in a note that never makes it invalid and never names the value.

use roster_core::input::map::{Field, Mapping};
use roster_core::input::plan::{plan, plan_with};
use roster_core::input::read::read;
use roster_core::input::validate::{Rules, UsernameRule};

#[test]
fn the_seed_formats_own_spaces_are_no_change() {
    let t = read(b"a@localhost | p123\nb@localhost | p232\n").unwrap();
    let rows = plan(&t, &Mapping::auto(&t), &[Field::Email, Field::Password]);
    assert!(rows.iter().all(|r| r.notes().is_empty()), "{rows:?}");
    assert_eq!(rows[0].message_with_notes(""), "");
}

#[test]
fn a_trimmed_password_is_noted_without_its_value_and_the_row_stays_valid() {
    let t = read(b"Email,Password\nann@example.com,  s3cret-Pw1 \n bob@example.com,\"  kept \"\n")
        .unwrap();
    let m = Mapping::auto(&t);
    assert_eq!(m.columns, [Some(Field::Email), Some(Field::Password)]);
    let rows = plan(&t, &m, &[Field::Email, Field::Password]);
    assert!(rows.iter().all(|r| r.is_valid()), "{rows:?}");
    assert_eq!(
        rows[0].notes_text(),
        "sent changed: the spaces around it in the cell were left out — password in column \"Password\""
    );
    // A space at the line's start is the cell's; a quoted value is kept as written.
    assert_eq!(
        rows[1].notes_text(),
        "sent changed: the spaces around it in the cell were left out — email in column \"Email\""
    );
    assert!(!rows[0].notes_text().contains("s3cret"));
    // After a status message, and alone.
    assert_eq!(
        rows[0].message_with_notes("Created."),
        format!("Created.; {}", rows[0].notes_text())
    );
    assert_eq!(rows[0].message_with_notes(""), rows[0].notes_text());
}

#[test]
fn a_matrix_id_whose_local_part_is_sent_is_noted() {
    let t = read(b"id,password\n@ann:example.org,Pw-123456\nbob,Pw-234567\n").unwrap();
    let mut m = Mapping::auto(&t);
    m.columns = vec![Some(Field::Username), Some(Field::Password)];
    let rules = Rules {
        username: UsernameRule::Localpart {
            from_address: false,
        },
        unique_emails: false,
        home_server: Some("example.org".into()),
        ..Rules::new(vec![Field::Username])
    };
    let rows = plan_with(&t, &m, &rules);
    assert!(rows[0].is_valid(), "{:?}", rows[0].problems());
    assert_eq!(
        rows[0].notes_text(),
        "sent changed: only the Matrix ID's local part is sent — username in column \"id\""
    );
    assert!(rows[1].notes().is_empty());
}
