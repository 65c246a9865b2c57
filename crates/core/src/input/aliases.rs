//! The column names Roster recognises, as data in one place: for each field, the names
//! that mean it in English, German, French, Spanish, Italian, Portuguese and Dutch.
//!
//! Names are written as people type them (accents, spaces, hyphens). Before comparing,
//! both a header and every name here are folded the same way (see [`crate::input::map::fold`]):
//! Unicode canonical decomposition, diacritics dropped, case folded, and only letters and
//! digits kept, so `Prénom` (NFC or NFD), `PRENOM` and `prénom` are one key, and so are
//! `E-Mail`, `e_mail` and `Email`. Adding a language means adding lines here, and a test.
//! A header is also matched without its annotations and by the API name in its square
//! brackets (`Name [displayName] Required`): see [`crate::input::names::header_parts`].

use crate::input::field::Field;

/// How strongly a name points at its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// A name for a sign-in name rather than for an address (`Login`, `Benutzername`).
    /// Both targets sign users in with their address, so such a column feeds the address
    /// only when nothing better does, and only when it holds addresses.
    Login,
    /// Another name for the field, in any of the languages.
    Alias,
    /// The field's own English name (`email`, `password`, `first name`, ...).
    Exact,
}

/// The languages the table covers (for the tests and for people editing it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    De,
    Fr,
    Es,
    It,
    Pt,
    Nl,
}

/// One line of the table: names in one language that mean one field.
#[derive(Debug, Clone, Copy)]
pub struct Alias {
    pub field: Field,
    pub tier: Tier,
    pub lang: Lang,
    pub names: &'static [&'static str],
}

const fn line(field: Field, tier: Tier, lang: Lang, names: &'static [&'static str]) -> Alias {
    Alias {
        field,
        tier,
        lang,
        names,
    }
}

use Field::*;
use Lang::*;
use Tier::{Alias as A, Exact as X, Login as L};

/// The table. A folded name appears under one field only (a test checks it).
pub const ALIASES: &[Alias] = &[
    // The fields' own names (also what Roster's templates write).
    line(Email, X, En, &["email", "e-mail"]),
    line(Password, X, En, &["password"]),
    line(Name, X, En, &["name", "full name"]),
    line(FirstName, X, En, &["first name"]),
    line(LastName, X, En, &["last name"]),
    line(Role, X, En, &["role"]),
    line(QuotaMb, X, En, &["quota", "quota_mb", "quota (MB)"]),
    line(TenantId, X, En, &["tenant id", "tenant"]),
    line(PackageId, X, En, &["package id", "package"]),
    line(Timezone, X, En, &["timezone", "time zone"]),
    line(LoginIps, X, En, &["login ips", "login_ips"]),
    // English.
    line(
        Email,
        A,
        En,
        &[
            "mail",
            "email address",
            "e-mail address",
            "mail address",
            "email addr",
            "primary email",
            "work email",
            "email id",
            "public id",
            "user principal name",
            "upn",
        ],
    ),
    line(
        Email,
        L,
        En,
        &[
            "login",
            "login name",
            "user",
            "username",
            "user name",
            "user login",
            "account",
            "account name",
            "user id",
        ],
    ),
    line(
        Password,
        A,
        En,
        &[
            "pass",
            "pwd",
            "passwd",
            "secret",
            "initial password",
            "new password",
            "user password",
            // Microsoft Graph's property (Entra's template: `[passwordProfile]`).
            "password profile",
        ],
    ),
    // A user name that is no address: Matrix's localpart (synapse-admin's CSV calls it
    // `id`, and holds `@user:server` there), GitLab's and Keycloak's username. `user id`
    // and `username` are sign-in names above, which feed a user name too.
    line(
        Username,
        A,
        En,
        &["id", "localpart", "local part", "mxid", "matrix id"],
    ),
    line(
        Name,
        A,
        En,
        &["display name", "common name", "cn", "contact name"],
    ),
    line(
        FirstName,
        A,
        En,
        &["first", "given name", "forename", "firstname"],
    ),
    line(
        LastName,
        A,
        En,
        &["last", "surname", "family name", "sn", "lastname"],
    ),
    line(Role, A, En, &["user role", "role id"]),
    line(
        QuotaMb,
        A,
        En,
        &[
            "mailbox quota",
            "mailbox quota mb",
            "storage quota",
            "disk quota",
            "mailbox size",
        ],
    ),
    line(PackageId, A, En, &["plan", "plan id"]),
    line(
        Timezone,
        A,
        En,
        &["tz", "timezone offset", "utc offset", "time zone offset"],
    ),
    line(
        LoginIps,
        A,
        En,
        &[
            "allowed ips",
            "ips",
            "ip whitelist",
            "allowed ip",
            "login ip",
            "ip addresses",
        ],
    ),
    // German.
    line(
        Email,
        A,
        De,
        &[
            "E-Mail-Adresse",
            "Mailadresse",
            "E-Mail Adresse",
            "Emailadresse",
        ],
    ),
    line(
        Email,
        L,
        De,
        &[
            "Benutzername",
            "Benutzer",
            "Anmeldename",
            "Konto",
            "Kontoname",
        ],
    ),
    line(Password, A, De, &["Passwort", "Kennwort"]),
    line(
        Name,
        A,
        De,
        &["vollständiger Name", "Anzeigename", "Vor- und Nachname"],
    ),
    line(FirstName, A, De, &["Vorname", "Rufname"]),
    line(LastName, A, De, &["Nachname", "Familienname", "Zuname"]),
    line(Role, A, De, &["Rolle", "Benutzerrolle"]),
    line(
        QuotaMb,
        A,
        De,
        &[
            "Kontingent",
            "Speicherkontingent",
            "Postfachgröße",
            "Speicherplatz",
        ],
    ),
    line(TenantId, A, De, &["Mandant", "Mandant-ID", "Mandanten-ID"]),
    line(PackageId, A, De, &["Paket", "Paket-ID", "Tarif"]),
    line(Timezone, A, De, &["Zeitzone"]),
    // French.
    line(
        Email,
        A,
        Fr,
        &[
            "courriel",
            "adresse e-mail",
            "adresse email",
            "adresse mail",
            "adresse électronique",
            "adresse courriel",
            "mél",
        ],
    ),
    line(
        Email,
        L,
        Fr,
        &["identifiant", "nom d'utilisateur", "utilisateur", "compte"],
    ),
    line(Password, A, Fr, &["mot de passe", "mdp"]),
    line(
        Name,
        A,
        Fr,
        &["nom complet", "nom affiché", "nom d'affichage"],
    ),
    line(FirstName, A, Fr, &["prénom"]),
    line(LastName, A, Fr, &["nom", "nom de famille"]),
    line(Role, A, Fr, &["rôle"]),
    line(QuotaMb, A, Fr, &["quota de stockage", "quota de la boîte"]),
    line(TenantId, A, Fr, &["locataire"]),
    line(PackageId, A, Fr, &["forfait", "offre", "formule"]),
    line(Timezone, A, Fr, &["fuseau horaire", "fuseau"]),
    // Spanish.
    line(
        Email,
        A,
        Es,
        &[
            "correo",
            "correo electrónico",
            "dirección de correo",
            "dirección de correo electrónico",
            "email de usuario",
        ],
    ),
    line(
        Email,
        L,
        Es,
        &["usuario", "nombre de usuario", "cuenta", "inicio de sesión"],
    ),
    line(Password, A, Es, &["contraseña", "clave"]),
    line(Name, A, Es, &["nombre completo", "nombre para mostrar"]),
    line(FirstName, A, Es, &["nombre", "nombre de pila"]),
    line(LastName, A, Es, &["apellido", "apellidos"]),
    line(Role, A, Es, &["rol"]),
    line(QuotaMb, A, Es, &["cuota", "cuota de almacenamiento"]),
    line(TenantId, A, Es, &["inquilino"]),
    line(PackageId, A, Es, &["paquete"]),
    line(Timezone, A, Es, &["zona horaria", "huso horario"]),
    // Italian.
    line(
        Email,
        A,
        It,
        &[
            "posta elettronica",
            "indirizzo email",
            "indirizzo e-mail",
            "indirizzo di posta elettronica",
        ],
    ),
    line(Email, L, It, &["utente", "nome utente", "account utente"]),
    line(Password, A, It, &["parola d'ordine", "parola chiave"]),
    line(Name, A, It, &["nome completo", "nome visualizzato"]),
    line(FirstName, A, It, &["nome", "nome proprio"]),
    line(LastName, A, It, &["cognome"]),
    line(Role, A, It, &["ruolo"]),
    line(
        QuotaMb,
        A,
        It,
        &["quota di archiviazione", "spazio casella"],
    ),
    line(PackageId, A, It, &["pacchetto", "piano"]),
    line(Timezone, A, It, &["fuso orario"]),
    // Portuguese.
    line(
        Email,
        A,
        Pt,
        &[
            "endereço de e-mail",
            "endereço de email",
            "endereço eletrónico",
            "endereço eletrônico",
            "correio eletrónico",
            "correio eletrônico",
        ],
    ),
    line(
        Email,
        L,
        Pt,
        &[
            "usuário",
            "nome de usuário",
            "utilizador",
            "nome de utilizador",
            "conta",
        ],
    ),
    line(Password, A, Pt, &["senha", "palavra-passe"]),
    line(
        Name,
        A,
        Pt,
        &["nome completo", "nome de exibição", "nome a apresentar"],
    ),
    line(FirstName, A, Pt, &["primeiro nome", "nome próprio"]),
    line(
        LastName,
        A,
        Pt,
        &["sobrenome", "apelido", "último nome", "nome de família"],
    ),
    line(Role, A, Pt, &["função", "papel", "perfil"]),
    line(
        QuotaMb,
        A,
        Pt,
        &["cota", "quota de armazenamento", "cota de armazenamento"],
    ),
    line(PackageId, A, Pt, &["pacote", "plano"]),
    line(Timezone, A, Pt, &["fuso horário"]),
    // Dutch.
    line(
        Email,
        A,
        Nl,
        &["e-mailadres", "emailadres", "mailadres", "e-mail adres"],
    ),
    line(
        Email,
        L,
        Nl,
        &["gebruikersnaam", "gebruiker", "inlognaam", "account naam"],
    ),
    line(Password, A, Nl, &["wachtwoord"]),
    line(Name, A, Nl, &["naam", "volledige naam", "weergavenaam"]),
    line(FirstName, A, Nl, &["voornaam"]),
    line(LastName, A, Nl, &["achternaam", "familienaam"]),
    line(Role, A, Nl, &["rol", "gebruikersrol"]),
    line(QuotaMb, A, Nl, &["quotum", "opslagquotum"]),
    line(TenantId, A, Nl, &["huurder"]),
    line(PackageId, A, Nl, &["pakket"]),
    line(Timezone, A, Nl, &["tijdzone"]),
];
