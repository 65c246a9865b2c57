//! Every file in tests/fixtures/ loads with the right result: encoding, delimiter, header,
//! mapping and the plan's verdict per row.

use roster_core::input::decode::TextEncoding;
use roster_core::input::map::UserRow;
use roster_core::input::map::{Field, Mapping};
use roster_core::input::plan::{plan_with, user_at, Sheet};
use roster_core::input::read::{read_with, ReadError, ReadOptions, Table};
use roster_core::input::validate::{validate_with, Rules};
use roster_core::targets::{Settings, TargetKind};

fn bytes(name: &str) -> Vec<u8> {
    let path = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn load(name: &str) -> (Table, TextEncoding) {
    let (table, encoding, _) = read_with(&bytes(name), &ReadOptions::default()).unwrap();
    (table, encoding)
}

fn column(t: &Table, i: usize) -> Vec<&str> {
    t.records.iter().map(|r| &r.fields[i]).collect()
}

fn aurora() -> Rules {
    Rules {
        email_rule: Some(roster_core::targets::aurora::PUBLIC_ID_RULE),
        ..Rules::new(vec![Field::Email, Field::Password])
    }
}

/// The typed rows of a table's rows, which must all be valid.
fn valid_users(t: &Table, m: &Mapping, rules: &Rules) -> Vec<UserRow> {
    plan_with(t, m, rules)
        .iter()
        .enumerate()
        .map(|(i, r)| {
            assert!(r.is_valid(), "line {}: {}", r.line, r.problems_text());
            user_at(t, m, rules, i).expect("a valid row has a typed row")
        })
        .collect()
}

/// The plan holds no typed rows: a run builds each from the table when it sends it
/// (`Sheet::user`, `user_at`). That must be exactly the row the plan used to hold
/// (validating the mapped record), for every fixture and every shipped target's rules,
/// with and without run defaults; and the plan's user name must give the retry's match
/// key the typed row's user name gave.
#[test]
fn typed_rows_built_from_the_table_are_the_rows_validation_gives() {
    let mut compared = 0;
    let mut with_usernames = 0;
    for entry in std::fs::read_dir(format!(
        "{}/../../tests/fixtures",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    {
        let entry = entry.unwrap();
        // tests/fixtures/sheets/ holds workbooks, read by crates/sheets' tests.
        if entry.file_type().unwrap().is_dir() {
            continue;
        }
        let name = entry.file_name().into_string().unwrap();
        if name.ends_with(".png") || name.ends_with(".xlsx") || name.ends_with(".py") {
            continue;
        }
        let Ok((table, _, _)) = read_with(&bytes(&name), &ReadOptions::default()) else {
            continue;
        };
        for kind in TargetKind::shipped() {
            let mut settings = Settings::new();
            for s in kind.settings() {
                settings.insert(s.id.clone(), "1".into());
            }
            let mapping = Mapping::auto_for(&table, kind.field_specs());
            let plain = kind.rules(&settings);
            let defaults = Rules {
                defaults: vec![
                    (Field::Role, "2".into()),
                    (Field::QuotaMb, "100".into()),
                    (Field::TenantId, "7".into()),
                ],
                ..plain.clone()
            };
            for rules in [plain, defaults] {
                let rows = plan_with(&table, &mapping, &rules);
                let sheet = Sheet::new(table.clone(), mapping.clone(), rules.clone());
                for (i, planned) in rows.iter().enumerate() {
                    let old = validate_with(&mapping.apply(&table.records[i]), &rules);
                    let built = sheet.user(i);
                    assert_eq!(built, user_at(&table, &mapping, &rules, i));
                    if planned.is_valid() {
                        let old = old.unwrap_or_else(|p| panic!("{name} {i}: {p:?}"));
                        let username = old.username.clone().unwrap_or_default();
                        assert_eq!(
                            planned.username.to_lowercase(),
                            username.to_lowercase(),
                            "{name} {}",
                            kind.name()
                        );
                        with_usernames += usize::from(!username.is_empty());
                        assert_eq!(built, Some(old), "{name} {} row {i}", kind.name());
                        compared += 1;
                    } else if old.is_err() {
                        assert_eq!(built, None, "{name} {} row {i}", kind.name());
                    }
                }
            }
        }
    }
    assert!(compared > 100, "{compared}");
    assert!(with_usernames > 10, "{with_usernames}");
}

#[test]
fn excel_unicode_text_is_utf16_tsv() {
    let (t, enc) = load("excel-unicode.txt");
    assert_eq!(enc, TextEncoding::Utf16Le);
    assert_eq!(t.delimiter, b'\t');
    assert_eq!(
        t.header.as_deref(),
        Some(&["Email".to_owned(), "Password".into(), "Display Name".into()][..])
    );
    assert_eq!(column(&t, 2), ["Zoë Ångström", "Łukasz Żółć", "王美"]);
    let m = Mapping::auto(&t);
    assert_eq!(
        m.columns,
        [Some(Field::Email), Some(Field::Password), Some(Field::Name)]
    );
    assert!(plan_with(&t, &m, &aurora()).iter().all(|r| r.is_valid()));
}

#[test]
fn windows_1252_accented_names_join_into_name() {
    let (t, enc) = load("windows-1252.csv");
    assert_eq!(enc, TextEncoding::Windows1252);
    assert_eq!(t.delimiter, b',');
    assert_eq!(column(&t, 0), ["José", "Renée", "François"]);
    assert_eq!(column(&t, 1), ["García", "Müller", "Œuvre"]);
    let m = Mapping::auto(&t);
    assert_eq!(
        m.columns,
        [
            Some(Field::FirstName),
            Some(Field::LastName),
            Some(Field::Email),
            Some(Field::Password)
        ]
    );
    let rules = Rules::new(vec![Field::Email, Field::Password, Field::Name]);
    let names: Vec<_> = valid_users(&t, &m, &rules)
        .into_iter()
        .map(|u| u.name.unwrap())
        .collect();
    assert_eq!(names, ["José García", "Renée Müller", "François Œuvre"]);
}

#[test]
fn semicolon_file_with_decimal_commas() {
    let (t, enc) = load("semicolon-decimal-comma.csv");
    assert_eq!(enc, TextEncoding::Utf8);
    assert_eq!(t.delimiter, b';');
    assert_eq!(t.width, 3);
    assert_eq!(column(&t, 2), ["1,5 GB", "2,25 GB", "500"]);
    let m = Mapping::auto(&t);
    assert_eq!(m.column_of(Field::QuotaMb), Some(2));
    let quotas: Vec<_> = valid_users(&t, &m, &aurora())
        .into_iter()
        .map(|u| u.quota_mb)
        .collect();
    assert_eq!(quotas, [Some(1536), Some(2304), Some(500)]);
}

#[test]
fn seed_pipe_file() {
    let (t, _) = load("seed-pipe.txt");
    assert_eq!(t.delimiter, b'|');
    assert_eq!(t.header, None);
    assert_eq!(
        column(&t, 0),
        [
            "a@localhost",
            "a2@localhost",
            "a3@localhost",
            "a4@localhost"
        ]
    );
    assert_eq!(column(&t, 1), ["p123", "p232", "p333", "p444"]);
    let rows = plan_with(&t, &Mapping::auto(&t), &aurora());
    assert!(rows.iter().all(|r| r.is_valid()));
}

#[test]
fn headerless_file_maps_by_content() {
    let (t, _) = load("headerless.csv");
    assert_eq!(t.header, None);
    assert_eq!(t.records.len(), 3);
    let m = Mapping::auto(&t);
    assert_eq!(m.columns, [Some(Field::Password), Some(Field::Email)]);
    assert_eq!(valid_users(&t, &m, &aurora())[1].email, "bob@example.com");
}

#[test]
fn preamble_lines_are_skipped() {
    let bytes = bytes("preamble.csv");
    let (t, _, layout) = read_with(&bytes, &ReadOptions::default()).unwrap();
    assert_eq!(layout.skip_lines, 3);
    assert!(layout.header);
    assert_eq!(t.header.as_ref().unwrap()[2], "full name");
    assert_eq!(column(&t, 0), ["ann@example.com", "bob@example.com"]);
    assert_eq!(t.records[0].line, 5);
    // The user's override wins: skip nothing, no header.
    let (t, _, _) = read_with(
        &bytes,
        &ReadOptions {
            skip_lines: Some(0),
            header: Some(false),
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(t.records[0].fields, ["Staff export"]);
}

#[test]
fn ragged_rows_are_invalid_not_padded() {
    let (t, _) = load("ragged.csv");
    assert_eq!(t.width, 3);
    assert_eq!(t.records[1].fields.len(), 2, "not padded");
    let rows = plan_with(&t, &Mapping::auto(&t), &aurora());
    let ok: Vec<bool> = rows.iter().map(|r| r.is_valid()).collect();
    assert_eq!(ok, [true, false, true, false]);
    assert!(
        rows[1]
            .problems_text()
            .contains("line 3 has 2 fields where 3 are expected"),
        "{}",
        rows[1].problems_text()
    );
    assert!(rows[3]
        .problems_text()
        .contains("line 5 has 4 fields where 3 are expected"));
}

#[test]
fn binary_files_are_named() {
    for (name, kind) in [("image.png", "PNG image"), ("workbook.xlsx", "xlsx")] {
        match read_with(&bytes(name), &ReadOptions::default()) {
            Err(e @ ReadError::Binary { .. }) => {
                let text = e.to_string();
                assert!(text.contains(kind), "{name}: {text}");
                assert!(text.contains("save it as CSV"), "{name}: {text}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

// Issue 11: files as real users make them. Each file goes through the page's own
// reading machine (decode → detect → parse → map → plan), driven to completion.

mod issue11 {
    use super::*;
    use roster_core::input::reading::{read_all, Loaded};

    fn read(name: &str, options: ReadOptions) -> Loaded {
        read_all(&bytes(name), options, aurora()).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn literal() -> ReadOptions {
        ReadOptions {
            literal_quotes: true,
            ..ReadOptions::default()
        }
    }

    const UNCLOSED: &str = "line 5001: a quote opens here and never closes, so the 5000 lines after it (to the end of the file) were read into this one row";

    #[test]
    fn an_unclosed_quote_is_named_and_a_lenient_reread_gives_every_row() {
        let strict = read("unclosed-quote.csv", ReadOptions::default());
        assert_eq!(strict.rows.len(), 5000);
        assert!(strict.stray_quotes);
        assert_eq!(strict.notes, [UNCLOSED]);
        // The row holding the quote is invalid, and says why; the 4999 before it are fine.
        let broken = &strict.rows[4999];
        assert_eq!(broken.line, 5001);
        assert_eq!(broken.email, "user5000@example.com");
        assert_eq!(
            broken.problems_text(),
            format!(
                "{UNCLOSED}; re-read the file with stray quotes taken literally, or fix the quote; \
                 is 195012 characters long; at most 255 are accepted — name in column \"name\""
            )
        );
        assert_eq!(strict.tally.valid, 4999);
        assert_eq!(strict.tally.invalid, 1);

        let lenient = read("unclosed-quote.csv", literal());
        assert_eq!(lenient.rows.len(), 10_000);
        assert!(lenient.notes.is_empty() && !lenient.stray_quotes);
        assert_eq!(lenient.tally.valid, 10_000);
        let rows = &lenient.sheet.table.records;
        assert_eq!(
            rows[4999].fields,
            ["user5000@example.com", "pw-5000", "\"Name 5000"]
        );
        assert_eq!(
            rows[5000].fields,
            ["user5001@example.com", "pw-5001", "Name 5001"]
        );
        assert_eq!((rows[4999].line, rows[9999].line), (5001, 10_001));
    }

    #[test]
    fn two_stray_quotes_are_named_and_a_lenient_reread_gives_every_row() {
        let strict = read("two-stray-quotes.csv", ReadOptions::default());
        assert_eq!(strict.rows.len(), 6000);
        assert_eq!(
            strict.notes,
            ["line 1001: a quote opens here and closes only on line 5001, so the 4000 lines after it were read into this one row"]
        );
        assert!(!strict.rows[999].is_valid());
        assert_eq!(strict.tally.invalid, 1);
        let lenient = read("two-stray-quotes.csv", literal());
        assert_eq!(lenient.rows.len(), 10_000);
        assert_eq!(lenient.tally.valid, 10_000);
        let rows = &lenient.sheet.table.records;
        assert_eq!(&rows[999].fields[2], "\"Name 1000");
        assert_eq!(&rows[4999].fields[2], "Name 5000\"");
    }

    #[test]
    fn twelve_headers_without_an_address_column() {
        let files = [
            ("header-01-cities.csv", b',', "Paris"),
            ("header-02-stock.csv", b',', "AB-100"),
            ("header-03-hosts.csv", b',', "mail"),
            ("header-04-assets.csv", b',', "Laptop"),
            ("header-05-semicolon.csv", b';', "Widget"),
            ("header-06-french.csv", b',', "Marseille"),
            ("header-07-pipe.txt", b'|', "München"),
            ("header-08-tab.tsv", b'\t', "Dune"),
            ("header-09-teams.csv", b',', "Sales"),
            ("header-10-codes.csv", b',', "A1"),
            ("header-11-regions.csv", b',', "North"),
            ("header-12-crlf.csv", b',', "00042"),
        ];
        for (name, delimiter, first_cell) in files {
            let text = String::from_utf8(bytes(name)).unwrap();
            let first_line: Vec<String> = text
                .lines()
                .next()
                .unwrap()
                .split(delimiter as char)
                .map(str::to_owned)
                .collect();
            let (t, _, layout) = read_with(&bytes(name), &ReadOptions::default()).unwrap();
            assert_eq!(layout.delimiter, delimiter, "{name}");
            assert!(layout.header, "{name}: the header was read as data");
            assert_eq!(t.header.as_ref(), Some(&first_line), "{name}");
            assert_eq!(t.records.len(), 3, "{name}");
            assert_eq!(&t.records[0].fields[0], first_cell, "{name}");
            assert_eq!(t.records[0].line, 2, "{name}");
            // The override still wins.
            let (t, _, _) = read_with(
                &bytes(name),
                &ReadOptions {
                    header: Some(false),
                    ..ReadOptions::default()
                },
            )
            .unwrap();
            assert_eq!(t.records.len(), 4, "{name}");
        }
    }

    #[test]
    fn two_rows_of_plain_words_stay_data() {
        let (t, _, layout) =
            read_with(b"Paris,France\nBerlin,Germany\n", &ReadOptions::default()).unwrap();
        assert!(!layout.header);
        assert_eq!(t.records.len(), 2);
    }

    #[test]
    fn utf16_without_a_byte_order_mark() {
        for (name, encoding) in [
            ("utf16le-no-bom.txt", TextEncoding::Utf16Le),
            ("utf16be-no-bom.txt", TextEncoding::Utf16Be),
        ] {
            let loaded = read(name, ReadOptions::default());
            assert_eq!(loaded.encoding, encoding, "{name}");
            assert_eq!(loaded.layout.delimiter, b'\t');
            assert_eq!(loaded.columns, ["email", "password", "name"]);
            assert_eq!(
                column(&loaded.sheet.table, 2),
                ["王一美", "Иван Петров", "Zoë"],
                "{name}"
            );
            assert_eq!(loaded.tally.valid, 3, "{name}");
        }
    }

    #[test]
    fn a_header_only_file_says_so() {
        let err =
            read_all(&bytes("header-only.csv"), ReadOptions::default(), aurora()).unwrap_err();
        assert_eq!(err, ReadError::HeaderOnly);
        assert_eq!(
            err.to_string(),
            "The file has a header but no rows: add one line per account below the header."
        );
    }

    #[test]
    fn the_summary_names_every_line_not_read_cleanly() {
        let ragged = read("ragged.csv", ReadOptions::default());
        assert_eq!(
            ragged.notes,
            ["2 rows have a wrong number of fields where 3 are expected: lines 3, 5"]
        );
        let clean = read("seed-pipe.txt", ReadOptions::default());
        assert!(clean.notes.is_empty());
    }

    #[test]
    fn validation_gaps() {
        let loaded = read("validation.csv", ReadOptions::default());
        let texts: Vec<String> = loaded.rows.iter().map(|r| r.problems_text()).collect();
        assert_eq!(texts[0], "");
        assert_eq!(
            texts[1],
            "not sent: the domain \"example\" has no dot (a typo for example.com?); if it is an intranet domain, tick \"Accept domains without a dot\" to send it — email in column \"email\""
        );
        assert_eq!(texts[2], "", "localhost is accepted as it is");
        assert_eq!(
            texts[3],
            "has characters an address cannot hold before the @ ('(' '\"' ':' ')') — email in column \"email\" = \"=HYPERLINK(\"http://evil.example\")@x.com\""
        );
        assert!(texts[4].starts_with("appears more than once (also on line 7)"));
        assert!(texts[5].starts_with("appears more than once (also on line 6)"));
        assert_eq!(
            texts[6],
            "is 300 characters long; at most 255 are accepted — password in column \"password\""
        );
        // The same address rule for Mumara.
        let mumara = read_all(
            &bytes("validation.csv"),
            ReadOptions::default(),
            Rules::new(vec![Field::Email, Field::Password, Field::Name]),
        )
        .unwrap();
        assert!(!mumara.rows[3].is_valid());
        // Accepting dotless domains, then keeping the first of each duplicate.
        let mut sheet = loaded.sheet;
        sheet.rules.flag_dotless_domains = false;
        let mut rows = sheet.plan_all();
        let mut tally = roster_core::input::plan::Tally::of(&rows);
        assert_eq!((tally.valid, tally.invalid), (3, 4));
        sheet.keep_first_duplicates(&mut rows, &mut tally);
        assert_eq!((tally.valid, tally.invalid, tally.excluded), (4, 2, 1));
        assert!(rows[5].excluded && !rows[4].excluded);
    }
}

/// Issue 21: the files the big consoles hand out (see generate.py for each header's
/// documentation). Each loads with its header found, and each field of each target that
/// can take it is fed from the right column, named here by its header.
mod vendor_formats {
    use super::*;
    use roster_core::input::read::Layout;
    use Field::*;

    fn load_layout(name: &str) -> (Table, Layout) {
        let (table, _, layout) = read_with(&bytes(name), &ReadOptions::default()).unwrap();
        (table, layout)
    }

    /// The mapping the page makes for a target: among the fields its rules map (a
    /// target's own fields, and the first and last names joined into the name).
    fn mapping(t: &Table, target: &str) -> Mapping {
        let kind = TargetKind::by_id(target).unwrap();
        Mapping::auto_for(t, kind.rules(&Settings::new()).mapped_fields())
    }

    /// Which column (by its header) feeds each of the target's fields, in the target's
    /// order of fields, then the first and last names (joined into the name). Aurora
    /// sends no name, so no column feeds one there (issue 27).
    fn fed(t: &Table, target: &str) -> Vec<(Field, Option<String>)> {
        let kind = TargetKind::by_id(target).unwrap();
        let m = mapping(t, target);
        // A preset's own fields (the rooms or groups its steps take) are in none of
        // these vendors' files.
        let mut fields: Vec<Field> = kind
            .fields()
            .into_iter()
            .filter(|f| f.is_builtin())
            .collect();
        for f in [FirstName, LastName] {
            if !fields.contains(&f) {
                fields.push(f);
            }
        }
        fields
            .into_iter()
            .map(|f| {
                let header = m
                    .column_of(f)
                    .map(|c| t.header.as_ref().unwrap()[c].clone());
                (f, header)
            })
            .collect()
    }

    fn expect(t: &Table, target: &str, want: &[(Field, Option<&str>)]) {
        let want: Vec<(Field, Option<String>)> = want
            .iter()
            .map(|(f, h)| (*f, h.map(str::to_owned)))
            .collect();
        assert_eq!(fed(t, target), want, "{target}");
        // Every field is fed from its header: nothing is guessed.
        assert_eq!(mapping(t, target).guesses(t), [], "{target}");
    }

    /// The rows' passwords as the target would send them.
    fn passwords(t: &Table, target: &str) -> Vec<String> {
        let kind = TargetKind::by_id(target).unwrap();
        let mut settings = Settings::new();
        for s in kind.settings() {
            settings.insert(s.id.clone(), "1".into());
        }
        valid_users(t, &mapping(t, target), &kind.rules(&settings))
            .into_iter()
            .map(|u| u.password)
            .collect()
    }

    const GOOGLE_EMAIL: &str = "Email Address [Required]";
    const GOOGLE_PASSWORD: &str = "Password [Required]";

    #[test]
    fn google_workspace_upload() {
        let (t, layout) = load_layout("google-workspace.csv");
        assert_eq!(
            (layout.delimiter, layout.skip_lines, layout.header),
            (b',', 0, true)
        );
        assert_eq!(t.records.len(), 20);
        assert_eq!(t.width, 27);
        expect(
            &t,
            "aurora",
            &[
                (Email, Some(GOOGLE_EMAIL)),
                (Password, Some(GOOGLE_PASSWORD)),
                (Role, None),
                (QuotaMb, None),
                (TenantId, None),
                (FirstName, None),
                (LastName, None),
            ],
        );
        expect(
            &t,
            "mumara",
            &[
                (Name, None),
                (FirstName, Some("First Name [Required]")),
                (LastName, Some("Last Name [Required]")),
                (Email, Some(GOOGLE_EMAIL)),
                (Password, Some(GOOGLE_PASSWORD)),
                (PackageId, None),
                (Timezone, None),
                (LoginIps, None),
            ],
        );
        for target in ["keycloak", "synapse"] {
            expect(
                &t,
                target,
                &[
                    (Username, None),
                    (Email, Some(GOOGLE_EMAIL)),
                    (Password, Some(GOOGLE_PASSWORD)),
                    (Name, None),
                    (FirstName, Some("First Name [Required]")),
                    (LastName, Some("Last Name [Required]")),
                ],
            );
        }
        // The accounts get the file's passwords, never a first name.
        let sent = passwords(&t, "aurora");
        assert_eq!(sent.len(), 20);
        assert_eq!(sent[0], "Tr01#anig-Qz37!");
        assert_eq!(sent, column(&t, 3));
        // Mumara joins the first and last names.
        // The first and last names are joined into the name, for every target.
        for target in ["mumara", "keycloak", "graph"] {
            let m = mapping(&t, target);
            assert_eq!(m.apply(&t.records[0]).get(Name), "Gina Müller", "{target}");
        }
    }

    #[test]
    fn entra_bulk_create() {
        let (t, layout) = load_layout("entra-bulk-create.csv");
        // The `version:v1.0` line is a preamble; the header below it is found.
        assert_eq!(
            (layout.delimiter, layout.skip_lines, layout.header),
            (b',', 1, true)
        );
        assert_eq!(t.records.len(), 20);
        let upn = "User name [userPrincipalName] Required";
        let pw = "Initial password [passwordProfile] Required";
        let name = "Name [displayName] Required";
        expect(
            &t,
            "aurora",
            &[
                (Email, Some(upn)),
                (Password, Some(pw)),
                (Role, None),
                (QuotaMb, None),
                (TenantId, None),
                (FirstName, None),
                (LastName, None),
            ],
        );
        expect(
            &t,
            "mumara",
            &[
                (Name, Some(name)),
                (FirstName, Some("First name [givenName]")),
                (LastName, Some("Last name [surname]")),
                (Email, Some(upn)),
                (Password, Some(pw)),
                (PackageId, None),
                (Timezone, None),
                (LoginIps, None),
            ],
        );
        expect(
            &t,
            "graph",
            &[
                (Email, Some(upn)),
                (Password, Some(pw)),
                (Name, Some(name)),
                (Username, None),
                (FirstName, Some("First name [givenName]")),
                (LastName, Some("Last name [surname]")),
            ],
        );
        assert_eq!(passwords(&t, "graph"), column(&t, 2));
        // "Country or region" feeds nothing.
        let m = Mapping::auto_for(&t, roster_core::input::map::builtin_specs(&Field::ALL));
        assert_eq!(m.columns[11], None);
    }

    #[test]
    fn okta_user_import() {
        let (t, layout) = load_layout("okta-import.csv");
        assert_eq!((layout.skip_lines, layout.header), (0, true));
        assert_eq!(t.records.len(), 20);
        // No password column: the password is never taken from another one.
        expect(
            &t,
            "aurora",
            &[
                (Email, Some("email")),
                (Password, None),
                (Role, None),
                (QuotaMb, None),
                (TenantId, None),
                (FirstName, None),
                (LastName, None),
            ],
        );
        expect(
            &t,
            "mumara",
            &[
                (Name, Some("displayName")),
                (FirstName, Some("firstName")),
                (LastName, Some("lastName")),
                (Email, Some("email")),
                (Password, None),
                (PackageId, None),
                (Timezone, Some("timezone")),
                (LoginIps, None),
            ],
        );
        expect(
            &t,
            "keycloak",
            &[
                (Username, None),
                (Email, Some("email")),
                (Password, None),
                (Name, Some("displayName")),
                (FirstName, Some("firstName")),
                (LastName, Some("lastName")),
            ],
        );
    }

    #[test]
    fn jumpcloud_user_import() {
        let (t, layout) = load_layout("jumpcloud-import.csv");
        assert_eq!((layout.skip_lines, layout.header), (0, true));
        assert_eq!(t.records.len(), 20);
        expect(
            &t,
            "aurora",
            &[
                (Email, Some("Email")),
                (Password, Some("Password")),
                (Role, None),
                (QuotaMb, None),
                (TenantId, None),
                (FirstName, None),
                (LastName, None),
            ],
        );
        expect(
            &t,
            "gitlab",
            &[
                (Username, Some("Username")),
                (Email, Some("Email")),
                (Name, None),
                (Password, Some("Password")),
                (FirstName, Some("FirstName")),
                (LastName, Some("LastName")),
            ],
        );
        expect(
            &t,
            "mumara",
            &[
                (Name, None),
                (FirstName, Some("FirstName")),
                (LastName, Some("LastName")),
                (Email, Some("Email")),
                (Password, Some("Password")),
                (PackageId, None),
                (Timezone, None),
                (LoginIps, None),
            ],
        );
        assert_eq!(passwords(&t, "aurora"), column(&t, 4));
    }

    #[test]
    fn synapse_admin_csv() {
        let (t, layout) = load_layout("synapse-admin.csv");
        assert_eq!((layout.skip_lines, layout.header), (0, true));
        assert_eq!(t.records.len(), 20);
        expect(
            &t,
            "synapse",
            &[
                (Username, Some("id")),
                (Email, None),
                (Password, Some("password")),
                (Name, Some("displayname")),
                (FirstName, None),
                (LastName, None),
            ],
        );
        // Synapse needs no address: every row is valid, and a full Matrix ID gives its
        // local part.
        let synapse = TargetKind::by_id("synapse").unwrap();
        let on = |server: &str| {
            let mut settings = Settings::new();
            settings.insert("server_name".into(), server.into());
            synapse.rules(&settings)
        };
        let users = valid_users(&t, &mapping(&t, "synapse"), &on("matrix.example.org"));
        assert_eq!(users.len(), 20);
        assert_eq!(column(&t, 0)[3], "@lukasz.zolc:matrix.example.org");
        assert_eq!(users[3].username.as_deref(), Some("lukasz.zolc"));
        assert_eq!(users[0].username.as_deref(), Some("gina.mueller"));
        assert_eq!(users[0].name.as_deref(), Some("Gina Müller"));
        assert!(users.iter().all(|u| u.email.is_empty()));
        // A full ID on another server is refused; while the server is not known, a full
        // ID cannot be checked. Plain local parts are fine either way.
        let m = mapping(&t, "synapse");
        let elsewhere = plan_with(&t, &m, &on("other.example"));
        assert_eq!(
            elsewhere[3].problems_text(),
            "is a Matrix ID on matrix.example.org; accounts are created on other.example: refused — username in column \"id\" = \"@lukasz.zolc:matrix.example.org\""
        );
        assert!(elsewhere[0].is_valid());
        let unknown = plan_with(&t, &m, &synapse.rules(&Settings::new()));
        assert!(unknown[3]
            .problems_text()
            .contains("is a full Matrix ID: fill in Server name so that its server (matrix.example.org) can be checked"));
        assert_eq!(unknown.iter().filter(|r| r.is_valid()).count(), 15);
        expect(
            &t,
            "aurora",
            &[
                (Email, None),
                (Password, Some("password")),
                (Role, None),
                (QuotaMb, None),
                (TenantId, None),
                (FirstName, None),
                (LastName, None),
            ],
        );
    }

    #[test]
    fn quoted_passwords_keep_their_spaces() {
        let (t, _) = load("passwords-with-spaces.csv");
        assert_eq!(
            column(&t, 1),
            [
                " lead-space-Pw1",
                "trail-space-Pw2 ",
                "  both-Pw3  ",
                "plain-Pw4"
            ]
        );
        assert_eq!(
            passwords(&t, "aurora"),
            [
                " lead-space-Pw1",
                "trail-space-Pw2 ",
                "  both-Pw3  ",
                "plain-Pw4"
            ]
        );
        // Unquoted fields are still trimmed (the seed's `email | password` lines).
        let (t, _) = load("seed-pipe.txt");
        assert_eq!(column(&t, 1)[0], "p123");
    }
}
