//! Mapping files as real users make them (issue 11, items 2 and 3): every column scored
//! for every field by header and content, fields assigned globally, close calls
//! reported, headers in seven languages compared after Unicode folding.
//!
//! Each file goes through the same read as the page (`read_with`), with the header line
//! stated so that these tests are about the mapping alone, then through the plan, so the
//! expected addresses are the ones the accounts would be created at.

use roster_core::input::map::{fold, Competition, Field, Mapping, Rivalry};
use roster_core::input::plan::{plan_with, user_at};
use roster_core::input::read::{read_with, ReadOptions, Table};
use roster_core::input::validate::Rules;

use Field::*;

fn load(text: &str, header: bool) -> Table {
    let options = ReadOptions {
        header: Some(header),
        ..ReadOptions::default()
    };
    read_with(text.as_bytes(), &options).unwrap().0
}

fn emails(t: &Table, m: &Mapping) -> Vec<String> {
    let rules = Rules {
        email_rule: Some(roster_core::targets::aurora::PUBLIC_ID_RULE),
        ..Rules::new(vec![Email, Password])
    };
    plan_with(t, m, &rules)
        .iter()
        .enumerate()
        .map(|(i, r)| {
            assert!(r.is_valid(), "row is valid: {}", r.problems_text());
            user_at(t, m, &rules, i).expect("row is valid").email
        })
        .collect()
}

fn notes(t: &Table, m: &Mapping) -> Vec<String> {
    m.competitions(t).iter().map(|c| c.message(t)).collect()
}

#[test]
fn login_email_password_name_with_other_addresses_in_login() {
    let t = load(
        "Login,Email,Password,Name\n\
         jdoe@corp.example,john.doe@example.com,Xk8#pq2m,John Doe\n\
         asmith@corp.example,ann.smith@example.com,Lm4$zz9w,Ann Smith\n\
         bwong@corp.example,bo.wong@example.com,Qa7!rt5y,Bo Wong\n",
        true,
    );
    let m = Mapping::auto(&t);
    assert_eq!(m.columns, [None, Some(Email), Some(Password), Some(Name)]);
    assert_eq!(
        emails(&t, &m),
        [
            "john.doe@example.com",
            "ann.smith@example.com",
            "bo.wong@example.com"
        ]
    );
    assert_eq!(
        m.competitions(&t),
        [Competition {
            field: Email,
            chosen: 1,
            rival: 0,
            why: Rivalry::Content
        }]
    );
    assert_eq!(
        notes(&t, &m),
        ["Email: column \"Email\" chosen; column \"Login\" also holds addresses."]
    );
}

#[test]
fn the_same_columns_in_another_order_map_the_same_way() {
    let t = load(
        "Name,Password,Email,Login\n\
         John Doe,Xk8#pq2m,john.doe@example.com,jdoe@corp.example\n",
        true,
    );
    let m = Mapping::auto(&t);
    assert_eq!(m.columns, [Some(Name), Some(Password), Some(Email), None]);
    assert_eq!(
        notes(&t, &m),
        ["Email: column \"Email\" chosen; column \"Login\" also holds addresses."]
    );
}

#[test]
fn columns_without_a_header_are_mapped_by_content() {
    let t = load(
        "jdoe,+02:00,jdoe@corp.example,Xk8#pq2m,John Doe,10.0.0.1\n\
         asmith,-05:00,ann@corp.example,Lm4$zz9w,Ann Smith,\"10.0.0.2,::1\"\n\
         bwong,+08:00,bo@corp.example,Qa7!rt5y,Bo Wong,10.0.0.3\n",
        false,
    );
    let m = Mapping::auto(&t);
    assert_eq!(
        m.columns,
        [
            None,
            Some(Timezone),
            Some(Email),
            Some(Password),
            Some(Name),
            Some(LoginIps)
        ]
    );
    assert_eq!(
        emails(&t, &m),
        ["jdoe@corp.example", "ann@corp.example", "bo@corp.example"]
    );
    assert_eq!(notes(&t, &m), Vec::<String>::new());
}

#[test]
fn two_address_columns_without_a_header_are_a_close_call() {
    let t = load(
        "jdoe@corp.example,john@example.com,Xk8#pq2m\n\
         asmith@corp.example,ann@example.com,Lm4$zz9w\n",
        false,
    );
    let m = Mapping::auto(&t);
    assert_eq!(m.columns, [Some(Email), None, Some(Password)]);
    assert_eq!(
        notes(&t, &m),
        ["Email: column 1 chosen; column 2 also holds addresses."]
    );
}

/// One header line per language, every field the issue names, and the mapping each
/// one must give (username/login names feed the address, which is the sign-in name on
/// both targets, only when no column is named for the address).
fn language(header: &str, expected: &[Option<Field>]) {
    let cells = expected
        .iter()
        .map(|f| match f {
            Some(Email) => "ann@example.com",
            Some(Password) => "Xk8#pq2m",
            Some(FirstName) => "Ann",
            Some(LastName) => "Lee",
            Some(Name) => "Ann Lee",
            Some(Role) => "2",
            Some(QuotaMb) => "500",
            Some(PackageId) => "1",
            Some(Timezone) => "+01:00",
            _ => "ann",
        })
        .collect::<Vec<_>>()
        .join(";");
    let t = load(&format!("{header}\n{cells}\n"), true);
    assert_eq!(Mapping::auto(&t).columns, expected, "{header}");
}

const EVERY: [Option<Field>; 10] = [
    Some(FirstName),
    Some(LastName),
    Some(Name),
    Some(Email),
    Some(Password),
    None,
    Some(Role),
    Some(QuotaMb),
    Some(PackageId),
    Some(Timezone),
];

#[test]
fn english_file() {
    language(
        "First name;Last name;Full name;E-mail;Password;Username;Role;Quota;Package;Time zone",
        &EVERY,
    );
}

#[test]
fn german_file() {
    language(
        "Vorname;Nachname;Vollständiger Name;E-Mail-Adresse;Passwort;Benutzername;Rolle;Kontingent;Paket;Zeitzone",
        &EVERY,
    );
}

#[test]
fn french_file() {
    language(
        "Prénom;Nom;Nom complet;Courriel;Mot de passe;Identifiant;Rôle;Quota;Forfait;Fuseau horaire",
        &EVERY,
    );
}

#[test]
fn spanish_file() {
    language(
        "Nombre;Apellidos;Nombre completo;Correo electrónico;Contraseña;Usuario;Rol;Cuota;Paquete;Zona horaria",
        &EVERY,
    );
}

#[test]
fn italian_file() {
    language(
        "Nome;Cognome;Nome completo;Indirizzo email;Parola d'ordine;Nome utente;Ruolo;Quota;Pacchetto;Fuso orario",
        &EVERY,
    );
}

#[test]
fn portuguese_file() {
    language(
        "Primeiro nome;Sobrenome;Nome completo;Endereço de e-mail;Senha;Utilizador;Função;Cota;Pacote;Fuso horário",
        &EVERY,
    );
}

#[test]
fn dutch_file() {
    language(
        "Voornaam;Achternaam;Volledige naam;E-mailadres;Wachtwoord;Gebruikersnaam;Rol;Quotum;Pakket;Tijdzone",
        &EVERY,
    );
}

#[test]
fn a_login_name_feeds_the_address_when_no_column_is_named_for_it() {
    // Login names in each language, holding addresses, with no address column.
    for login in [
        "Login",
        "Benutzername",
        "Identifiant",
        "Usuario",
        "Nome utente",
        "Utilizador",
        "Gebruikersnaam",
    ] {
        let t = load(
            &format!("{login};Kennwort\nann@example.com;Xk8#pq2m\n"),
            true,
        );
        assert_eq!(
            Mapping::auto(&t).columns,
            [Some(Email), Some(Password)],
            "{login}"
        );
    }
}

#[test]
fn nfc_nfd_and_unaccented_headers_map_alike() {
    let nfc = "Pr\u{e9}nom;Nom;Adresse \u{e9}lectronique;Mot de passe;Fuseau horaire";
    let nfd = "Pre\u{301}nom;Nom;Adresse e\u{301}lectronique;Mot de passe;Fuseau horaire";
    let plain = "Prenom;NOM;adresse electronique;mot_de_passe;FUSEAU-HORAIRE";
    assert_ne!(nfc, nfd);
    for header in [nfc, nfd, plain] {
        let t = load(
            &format!("{header}\nZoë;Müller;zoe@example.com;Xk8#pq2m;+01:00\n"),
            true,
        );
        assert_eq!(
            Mapping::auto(&t).columns,
            [
                Some(FirstName),
                Some(LastName),
                Some(Email),
                Some(Password),
                Some(Timezone)
            ],
            "{header:?}"
        );
    }
    assert_eq!(fold("Pr\u{e9}nom"), fold("Pre\u{301}nom"));
    assert_eq!(fold("Pr\u{e9}nom"), "prenom");
}

#[test]
fn names_join_from_first_and_last_in_any_language() {
    let t = load(
        "Voornaam;Achternaam;E-mailadres;Wachtwoord\nAnn;de Vries;ann@example.com;Xk8#pq2m\n",
        true,
    );
    let m = Mapping::auto(&t);
    let rules = Rules::new(vec![Email, Password, Name]);
    let rows = plan_with(&t, &m, &rules);
    assert!(rows[0].is_valid());
    assert_eq!(
        user_at(&t, &m, &rules, 0).unwrap().name.as_deref(),
        Some("Ann de Vries")
    );
}

#[test]
fn remembered_mapping_still_round_trips() {
    let t = load(
        "Login,Email,Password,Name\njdoe@corp.example,john@example.com,Xk8#pq2m,John Doe\n",
        true,
    );
    let m = Mapping::auto(&t);
    assert_eq!(m.to_memory(), ",email,password,name");
    assert_eq!(Mapping::from_memory(&m.to_memory(), t.width), Some(m));
    // A user who prefers the Login column: remembered, and the note follows the choice.
    let mine = Mapping::from_memory("email,,password,name", t.width).unwrap();
    assert_eq!(emails(&t, &mine), ["jdoe@corp.example"]);
    assert_eq!(
        notes(&t, &mine),
        ["Email: column \"Login\" chosen; column \"Email\" also holds addresses."]
    );
}

// ---------------------------------------------------------------------------------------
// Issue 21: a password (or a role, a quota, a tenant, a package) is never guessed.

mod never_guessed {
    use super::*;
    use roster_core::input::map::{mask, Guess, Scores};

    fn fixture(name: &str) -> String {
        let path = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn the_google_file_without_its_header_line_gives_no_password() {
        // The page once read this file as headerless and sent the first names as the
        // passwords. Without the header, several columns look like passwords (employee
        // ids, cost centres, org unit paths): none wins by a wide margin, so none is one.
        let text = fixture("google-workspace.csv");
        let body = text.split_once("\r\n").unwrap().1;
        let t = load(body, false);
        let m = Mapping::auto(&t);
        assert_eq!(m.column_of(Password), None, "{:?}", m.columns);
        assert_ne!(m.columns[0], Some(Password));
    }

    #[test]
    fn first_names_with_digits_are_no_password_beside_a_password_column() {
        // The rows: first names like `Gina0` next to the real passwords.
        let t = load(
            "Gina0,Gina.Lee,gina@example.com,Xk8#pq2m-1\n\
             Bob1,Bob.Ray,bob@example.com,Lm4$zz9w-2\n\
             Cyd2,Cyd.Fox,cyd@example.com,Qa7!rt5y-3\n",
            false,
        );
        let m = Mapping::auto(&t);
        assert_eq!(m.column_of(Password), None, "{:?}", m.columns);
    }

    #[test]
    fn a_headerless_password_that_wins_clearly_is_a_guess_to_confirm() {
        let t = load(
            "ann@example.com,Xk8#pq2m,Ann Lee\n\
             bob@example.com,Lm4$zz9w,Bob Ray\n\
             cyd@example.com,Qa7!rt5y,Cyd Fox\n",
            false,
        );
        let m = Mapping::auto(&t);
        assert_eq!(m.columns, [Some(Email), Some(Password), Some(Name)]);
        let guesses = m.guesses(&t);
        assert_eq!(
            guesses,
            [Guess {
                field: Password,
                column: 1
            }]
        );
        assert_eq!(
            guesses[0].note(&t),
            "Password: is column 2 really it? The file has no header line: it was taken from its values alone."
        );
        let q = guesses[0].question(&t);
        assert_eq!(
            q,
            "Send column 2 as the password? The file has no header line: it was taken from its values alone. Its first value, masked, looks like Aa9*aa9a (A a capital letter, a a small one, 9 a digit, * a sign, _ a space)."
        );
        assert!(!q.contains("Xk8#pq2m"));
    }

    #[test]
    fn a_guess_the_admin_confirmed_is_asked_no_more() {
        // Column "Stufe" chosen for the role in its select: the admin's own say.
        let t = load("Mail;Kennwort;Stufe\nann@example.com;pw-1;2\n", true);
        let mut m = Mapping::auto(&t);
        assert_eq!(m.columns, [Some(Email), Some(Password), None]);
        m.columns[2] = Some(Role);
        let stufe = Guess {
            field: Role,
            column: 2,
        };
        assert_eq!(m.guesses(&t), [stufe]);
        assert_eq!(m.open_guesses(&t, &[stufe]), []);
        // Confirming another column for it does not count.
        let other = Guess {
            field: Role,
            column: 1,
        };
        assert_eq!(m.open_guesses(&t, &[other]), [stufe]);
    }

    #[test]
    fn names_ids_dates_and_phone_numbers_never_become_passwords() {
        let t = load(
            "ann@example.com,Ann,10023,2024-01-05,+1 555 0100\n\
             bob@example.com,Bob,10024,2024-02-11,+1 555 0101\n\
             cyd@example.com,Cyd,10025,2024-03-20,+1 555 0102\n",
            false,
        );
        let m = Mapping::auto(&t);
        assert_eq!(m.column_of(Password), None, "{:?}", m.columns);
        // Even in two columns, a column of names is no password.
        let t = load("ann@example.com,Ann\nbob@example.com,Bob\n", false);
        assert_eq!(Mapping::auto(&t).column_of(Password), None);
    }

    #[test]
    fn a_header_that_names_no_password_gives_none() {
        let t = load(
            "Email,Notes,Name\nann@example.com,Xk8#pq2m,Ann Lee\nbob@example.com,Lm4$zz9w,Bob Ray\n",
            true,
        );
        assert_eq!(Mapping::auto(&t).column_of(Password), None);
        // A header holding the word among others feeds it only when its cells fit: the
        // flags of "Change Password at Next Sign-In" are no passwords.
        let t = load(
            "Email,Change Password at Next Sign-In\nann@example.com,TRUE\nbob@example.com,FALSE\n",
            true,
        );
        assert_eq!(Mapping::auto(&t).column_of(Password), None);
        let t = load(
            "Email,Initial user password (temporary)\nann@example.com,Xk8#pq2m\n",
            true,
        );
        let m = Mapping::auto(&t);
        assert_eq!(m.column_of(Password), Some(1));
        // Taken, but asked about: its name holds the word among others.
        assert_eq!(
            m.guesses(&t),
            [Guess {
                field: Password,
                column: 1
            }]
        );
    }

    #[test]
    fn a_partial_header_for_a_guarded_field_is_a_guess() {
        let t = load(
            "Email,Password,Mailbox quota in gigabytes for archive\nann@example.com,pw-1,500\n",
            true,
        );
        let m = Mapping::auto(&t);
        assert_eq!(m.column_of(QuotaMb), Some(2));
        assert_eq!(
            m.guesses(&t),
            [Guess {
                field: QuotaMb,
                column: 2
            }]
        );
        assert_eq!(
            m.guesses(&t)[0].question(&t),
            "Send column \"Mailbox quota in gigabytes for archive\" as the quota? Its name only mentions it among other words. Its first value is \"500\"."
        );
    }

    #[test]
    fn the_seed_formats_password_is_an_open_guess() {
        // Roster's own `address | password` batch has no header: its password column is
        // mapped, but from the format alone, so Start asks about it like any other guess.
        let t = load("a@localhost | p123\na2@localhost | p232\n", false);
        let m = Mapping::auto(&t);
        assert_eq!(m.columns, [Some(Email), Some(Password)]);
        let seed = Guess {
            field: Password,
            column: 1,
        };
        assert_eq!(m.guesses(&t), [seed]);
        assert_eq!(Scores::of(&t).guesses(&m), [seed]);
        assert_eq!(m.open_guesses(&t, &[]), [seed]);
        assert_eq!(m.open_guesses(&t, &[seed]), []);
        let q = seed.question(&t);
        assert!(q.starts_with("Send column 2 as the password?"), "{q}");
        assert!(!q.contains("p123"), "{q}");
    }

    #[test]
    fn a_column_the_header_names_is_no_guess() {
        let t = load("Email,Passwort\nann@example.com,Gina\n", true);
        let m = Mapping::auto(&t);
        assert_eq!(m.column_of(Password), Some(1));
        assert_eq!(m.guesses(&t), []);
    }

    #[test]
    fn masks_show_the_shape_only() {
        assert_eq!(mask("Gina0"), "Aaaa9");
        assert_eq!(mask(" pw-1 "), "_aa*9_");
        assert_eq!(mask("Zoë"), "Aaa");
        assert_eq!(mask(&"x".repeat(30)), format!("{}…", "a".repeat(24)));
        assert_eq!(mask(""), "");
    }
}

// ---------------------------------------------------------------------------------------
// Issue 21: header names with their annotations, and the API names in brackets.

#[test]
fn annotated_headers_name_their_fields() {
    use roster_core::input::map::field_of_header;
    for (header, field) in [
        ("First Name [Required]", Some(FirstName)),
        ("Last Name [Required]", Some(LastName)),
        ("Email Address [Required]", Some(Email)),
        ("Password [Required]", Some(Password)),
        ("Password Hash Function [UPLOAD ONLY]", None),
        ("Recovery Phone [MUST BE IN THE E.164 FORMAT]", None),
        ("Name [displayName] Required", Some(Name)),
        ("User name [userPrincipalName] Required", Some(Email)),
        (
            "Initial password [passwordProfile] Required",
            Some(Password),
        ),
        ("Block sign in (Yes/No) [accountEnabled] Required", None),
        ("First name [givenName]", Some(FirstName)),
        ("Last name [surname]", Some(LastName)),
        ("Country or region [country]", None),
        ("[mail]", Some(Email)),
        ("userPrincipalName", Some(Email)),
        ("givenName", Some(FirstName)),
        ("surname", Some(LastName)),
        ("displayName", Some(Name)),
        ("passwordProfile", Some(Password)),
        ("E-mail (work) - required", Some(Email)),
        ("Quota (MB)", Some(QuotaMb)),
        ("Password [unclosed", Some(Password)),
        ("Required", None),
    ] {
        assert_eq!(field_of_header(header), field, "{header:?}");
    }
}

#[test]
fn a_display_name_column_wins_over_first_and_last_names_and_the_page_says_so() {
    let t = load(
        "First name,Last name,Display name,Email\nGina,Müller,Gina M. (Sales),gina@example.com\nJosé,García,,jose@example.com\n",
        true,
    );
    let m = Mapping::auto(&t);
    assert_eq!(
        m.columns,
        [Some(FirstName), Some(LastName), Some(Name), Some(Email)]
    );
    assert_eq!(m.apply(&t.records[0]).get(Name), "Gina M. (Sales)");
    assert_eq!(m.apply(&t.records[1]).get(Name), "José García");
    assert_eq!(
        m.name_source(&t),
        Some((
            2,
            "Name: column \"Display name\" is used, the file's own name; column \"First name\" and column \"Last name\" fill only rows where it is empty.".to_owned()
        ))
    );
    // First and last names alone are simply joined: nothing to say.
    let t = load(
        "First name,Last name,Email\nGina,Müller,gina@example.com\n",
        true,
    );
    assert_eq!(Mapping::auto(&t).name_source(&t), None);
}
