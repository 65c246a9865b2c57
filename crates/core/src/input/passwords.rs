//! Passwords handed out once: "Generate passwords for rows without one".
//!
//! A target declares what its passwords may be ([`PasswordPolicy`]: lengths and character
//! classes, see [`crate::targets::Kind::password_policy`]; a profile's `password_policy`).
//! [`generate`] makes one from random bytes the front end supplies (the page from
//! `crypto.getRandomValues`, the command line from the OS), uniformly over the passwords
//! the policy accepts. [`Generated`] holds a run's generated passwords by row, in memory
//! only (its `Debug` shows none), and fills them into the rows the run sends
//! ([`Generated::users`]); nothing here writes them anywhere. After the run, [`Handout`]
//! gives the ones of the accounts this run created, as a CSV ([`Handout::csv`]) and as
//! a printable page of slips ([`Handout::slips_html`]).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::input::field::{Field, UserRow};
use crate::input::plan::PlannedRow;
use crate::input::validate::Rules;
use crate::run::{RowState, Status, Users};

/// A character class a password may draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharClass {
    Lower,
    Upper,
    Digit,
    Symbol,
}

/// Lower-case letters without `l` (read as `1` on a printed slip).
const LOWER: &str = "abcdefghijkmnopqrstuvwxyz";
/// Capitals without `I` and `O` (read as `l` and `0`).
const UPPER: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ";
/// Digits without `0` and `1`.
const DIGITS: &str = "23456789";
/// Symbols every shipped target accepts and no form encoding or spreadsheet mangles
/// (none starts a formula: `=`, `+`, `-`, `@`).
pub const SYMBOLS: &str = "!#*?_.%";
/// A generated password's length when the policy allows it.
pub const LENGTH: usize = 20;
/// The longest password Roster sends (see [`crate::input::validate`]).
const MOST: usize = 256;

/// What a target accepts as a password, for generating one. A profile may declare it:
/// `"password_policy": { "min_len": 8, "max_len": 256, "classes": ["lower", "upper",
/// "digit", "symbol"], "must_use": 3, "symbols": "!#*?" }` (every key optional).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    /// The fewest characters the target accepts.
    #[serde(default)]
    pub min_len: usize,
    /// The most characters the target accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<usize>,
    /// The classes a password is drawn from.
    #[serde(default = "all_classes")]
    pub classes: Vec<CharClass>,
    /// How many of the classes each password must use (all when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_use: Option<usize>,
    /// The symbols the target accepts (Roster's own set, [`SYMBOLS`], when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbols: Option<String>,
}

fn all_classes() -> Vec<CharClass> {
    vec![
        CharClass::Lower,
        CharClass::Upper,
        CharClass::Digit,
        CharClass::Symbol,
    ]
}

impl Default for PasswordPolicy {
    /// Roster's own: 20 characters of all four classes, which every shipped target
    /// accepts.
    fn default() -> PasswordPolicy {
        PasswordPolicy {
            min_len: 0,
            max_len: None,
            classes: all_classes(),
            must_use: None,
            symbols: None,
        }
    }
}

/// Whether `c` at the start of a cell makes a spreadsheet read a formula.
fn formula_lead(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@')
}

impl PasswordPolicy {
    /// The policy with the page's "Minimum password length" (or `--set`) on top.
    pub fn with_min_len(mut self, min: usize) -> PasswordPolicy {
        self.min_len = self.min_len.max(min);
        self
    }

    /// The character sets drawn from: one per class, none empty, no character twice.
    /// Declared symbols are kept only when printable ASCII (no space, no letter or
    /// digit). A policy that leaves nothing draws from letters and digits.
    fn alphabets(&self) -> Vec<Vec<char>> {
        let mut seen: Vec<char> = Vec::new();
        let mut sets = Vec::new();
        for class in &self.classes {
            let chars: Vec<char> = match class {
                CharClass::Lower => LOWER.chars().collect(),
                CharClass::Upper => UPPER.chars().collect(),
                CharClass::Digit => DIGITS.chars().collect(),
                CharClass::Symbol => self
                    .symbols
                    .as_deref()
                    .unwrap_or(SYMBOLS)
                    .chars()
                    .filter(|c| c.is_ascii_graphic() && !c.is_ascii_alphanumeric())
                    .collect(),
            };
            let fresh: Vec<char> = chars
                .into_iter()
                .filter(|c| {
                    let new = !seen.contains(c);
                    if new {
                        seen.push(*c);
                    }
                    new
                })
                .collect();
            if !fresh.is_empty() {
                sets.push(fresh);
            }
        }
        if sets.is_empty() {
            sets = vec![LOWER.chars().collect(), DIGITS.chars().collect()];
        }
        sets
    }

    /// The length of a generated password: [`LENGTH`] within the policy's bounds (and
    /// Roster's own most), never shorter than the classes it must use.
    pub fn length(&self) -> usize {
        let most = self.max_len.unwrap_or(MOST).clamp(1, MOST);
        let least = self.min_len.min(most);
        LENGTH.clamp(least, most).max(1)
    }

    /// How many classes each generated password uses.
    fn needed(&self, sets: usize, length: usize) -> usize {
        self.must_use
            .unwrap_or(sets)
            .min(sets)
            .min(length)
            .min(self.classes.len().max(1))
    }

    /// Whether `password` meets the policy (its length and the classes it must use).
    pub fn accepts(&self, password: &str) -> bool {
        let sets = self.alphabets();
        let length = password.chars().count();
        let all: Vec<char> = sets.iter().flatten().copied().collect();
        let within = length >= self.min_len.min(MOST)
            && self.max_len.is_none_or(|m| length <= m.max(1))
            && password.chars().all(|c| all.contains(&c));
        let used = sets
            .iter()
            .filter(|set| password.chars().any(|c| set.contains(&c)))
            .count();
        within && used >= self.needed(sets.len(), length)
    }
}

/// Random bytes, as the front end supplies them.
pub type Random<'r> = &'r mut dyn FnMut(&mut [u8]);

/// A uniform index below `n` (`n > 0`), by rejection: no value is likelier than another.
fn below(n: usize, random: Random) -> usize {
    let n = n.max(1) as u32;
    let zone = u32::MAX - (u32::MAX % n);
    loop {
        let mut bytes = [0u8; 4];
        random(&mut bytes);
        let v = u32::from_le_bytes(bytes);
        if v < zone {
            return (v % n) as usize;
        }
    }
}

/// A password the policy accepts, each character drawn uniformly from the policy's
/// characters, drawn again until it uses the classes it must and does not start as a
/// spreadsheet formula would. Never panics, whatever the policy.
pub fn generate(policy: &PasswordPolicy, random: Random) -> String {
    let sets = policy.alphabets();
    let all: Vec<char> = sets.iter().flatten().copied().collect();
    let length = policy.length();
    let needed = policy.needed(sets.len(), length);
    let mut password = String::with_capacity(length);
    for _ in 0..1_000 {
        password.clear();
        password.extend((0..length).map(|_| all[below(all.len(), random)]));
        let used = sets
            .iter()
            .filter(|set| password.chars().any(|c| set.contains(&c)))
            .count();
        if used >= needed && !password.starts_with(formula_lead) {
            return password;
        }
    }
    // Only a policy whose classes are very unequal gets here: one of each class at
    // random places, the rest from all.
    let mut chars: Vec<char> = (0..length).map(|_| all[below(all.len(), random)]).collect();
    let mut places: Vec<usize> = (0..length).collect();
    for (k, set) in sets.iter().take(needed).enumerate() {
        let j = k + below(length - k, random);
        places.swap(k, j);
        chars[places[k]] = set[below(set.len(), random)];
    }
    if chars.first().copied().is_some_and(formula_lead) {
        if let Some(pos) = chars.iter().position(|c| !formula_lead(*c)) {
            chars.swap(0, pos);
        }
    }
    chars.into_iter().collect()
}

/// The rules with "Generate passwords for rows without one": a row need not give a
/// password then (one is generated for it).
pub fn rules_for(mut rules: Rules, generate: bool) -> Rules {
    if generate {
        rules.required.retain(|f| *f != Field::Password);
    }
    rules
}

/// What the page and the CLI say once when an invitation e-mail replaces the password
/// ([`crate::targets::TargetKind::invites`]) and the file gives passwords.
pub const INVITED_NOTE: &str =
    "Passwords in the file are not sent: an invitation e-mail is sent instead.";

/// Whether passwords are generated: asked for, and no invitation e-mail replaces them
/// (an invited account gets no password, so none is generated or handed out).
pub fn generating(asked: bool, invites: bool) -> bool {
    asked && !invites
}

/// [`INVITED_NOTE`] when it applies: invitations on, and some row gives a password.
pub fn invited_note(invites: bool, any_password: bool) -> Option<&'static str> {
    (invites && any_password).then_some(INVITED_NOTE)
}

/// What a Dry run shows for a password Start will generate (secrets are masked in it,
/// so it shows as any password does).
pub const STAND_IN: &str = "(generated at Start)";

/// `users` for a Dry run: with "Generate passwords", a row without a password carries
/// [`STAND_IN`] (no password is made for a Dry run).
pub fn stand_in(
    users: impl Fn(usize) -> Option<UserRow>,
    generate: bool,
) -> impl Fn(usize) -> Option<UserRow> {
    move |i| {
        let mut user = users(i)?;
        if generate && user.password.is_empty() {
            user.password = STAND_IN.to_owned();
        }
        Some(user)
    }
}

/// A run's generated passwords, by row. Memory only: its `Debug` shows how many, never
/// one.
pub struct Generated {
    by_row: Vec<Option<String>>,
}

impl std::fmt::Debug for Generated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Generated({} passwords)", self.count())
    }
}

impl Generated {
    /// A password for each row that can be sent (valid, not excluded) and gives none;
    /// rows with a password keep theirs.
    pub fn for_rows(
        plan: &[PlannedRow],
        user: impl Fn(usize) -> Option<UserRow>,
        policy: &PasswordPolicy,
        random: Random,
    ) -> Generated {
        let by_row = plan
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let wanted = row.is_valid()
                    && !row.excluded
                    && user(i).is_some_and(|u| u.password.is_empty());
                wanted.then(|| generate(policy, random))
            })
            .collect();
        Generated { by_row }
    }

    /// Row `i`'s generated password.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.by_row.get(i).and_then(|p| p.as_deref())
    }

    /// How many rows got one.
    pub fn count(&self) -> usize {
        self.by_row.iter().flatten().count()
    }

    /// `users` with the generated passwords filled into the rows that have none.
    pub fn users(self: &Arc<Self>, users: Users) -> Users {
        let generated = Arc::clone(self);
        Box::new(move |i| {
            let mut user = users(i)?;
            if user.password.is_empty() {
                if let Some(p) = generated.get(i) {
                    user.password = p.to_owned();
                }
            }
            Some(user)
        })
    }
}

/// One account's slip: who, where to sign in, and the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Slip {
    /// The user name, or the address when the account has none.
    pub account: String,
    /// The address the account signs in with (the account when it has none).
    pub sign_in: String,
    pub password: String,
}

impl std::fmt::Debug for Slip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Slip({}, {}, ***)", self.account, self.sign_in)
    }
}

/// The passwords a run hands out: the generated ones of the rows this run sends (rows
/// a resumed run carries over as done were created by an earlier run, whose passwords
/// are gone).
pub struct Handout {
    generated: Arc<Generated>,
    sent: Vec<bool>,
}

impl std::fmt::Debug for Handout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Handout({:?})", self.generated)
    }
}

/// What a resumed run says before Start when passwords are generated.
pub const RESUME_NOTE: &str = "Passwords generated by the interrupted run were held in memory only and cannot be recovered: the accounts it created keep the passwords it sent. Rows still to send get new ones.";

impl Handout {
    /// `rows` is the run as it stands before anything is sent: its pending rows are
    /// the ones this run sends.
    pub fn new(generated: Arc<Generated>, rows: &[RowState]) -> Handout {
        let sent = rows.iter().map(|r| r.status == Status::Pending).collect();
        Handout { generated, sent }
    }

    /// The same passwords, with `rows` the run as it stands before anything is sent.
    pub fn for_rows(self, rows: &[RowState]) -> Handout {
        Handout::new(self.generated, rows)
    }

    /// The slips of the accounts this run created with a generated password, in row
    /// order (never those that ended `exists`, failed or unknown).
    pub fn slips(
        &self,
        plan: &[PlannedRow],
        rows: &[RowState],
        user: impl Fn(usize) -> Option<UserRow>,
    ) -> Vec<Slip> {
        rows.iter()
            .enumerate()
            .filter(|(i, r)| {
                r.status == Status::Created && self.sent.get(*i).copied().unwrap_or(false)
            })
            .filter_map(|(i, _)| {
                let password = self.generated.get(i)?.to_owned();
                let typed = user(i);
                let email = typed
                    .as_ref()
                    .map(|u| u.email.clone())
                    .filter(|e| !e.is_empty())
                    .or_else(|| plan.get(i).map(|p| p.email.to_string()))
                    .unwrap_or_default();
                let username = typed
                    .and_then(|u| u.username)
                    .filter(|u| !u.is_empty())
                    .or_else(|| {
                        plan.get(i)
                            .map(|p| p.username.to_string())
                            .filter(|u| !u.is_empty())
                    });
                let account = username.unwrap_or_else(|| email.clone());
                let sign_in = if email.is_empty() {
                    account.clone()
                } else {
                    email
                };
                Some(Slip {
                    account,
                    sign_in,
                    password,
                })
            })
            .collect()
    }
}

/// The slips as a CSV (`account,sign_in_address,password`), every cell formula-safe
/// ([`crate::report::neutralize`]; a generated password never starts as a formula, so
/// it is written as made).
pub fn csv(slips: &[Slip]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = writer.write_record(["account", "sign_in_address", "password"]);
    for s in slips {
        let _ = writer.write_record(
            [
                crate::report::neutralize(&s.account),
                crate::report::neutralize(&s.sign_in),
                crate::report::neutralize(&s.password),
            ]
            .iter()
            .map(|c| c.as_bytes()),
        );
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The slips as a page to print, one per account (cut along the dashed lines), each
/// with the server's URL, the account, the sign-in address and the password. Every
/// value is HTML-escaped; the page loads nothing.
pub fn slips_html(slips: &[Slip], server_url: &str, target: &str) -> String {
    let mut html = String::from(concat!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<title>Roster: passwords to hand out</title>",
        "<style>",
        "body{font-family:system-ui,sans-serif;margin:1.5rem}",
        ".slip{border:1px dashed #444;padding:1rem 1.25rem;margin:0 0 1rem;break-inside:avoid;page-break-inside:avoid}",
        ".slip h2{font-size:1.1rem;margin:0 0 .5rem}",
        "dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}",
        "dt{font-weight:600}dd{margin:0}",
        ".password{font-family:ui-monospace,monospace;font-size:1.2rem;letter-spacing:.08em}",
        ".note{color:#555}",
        "@media print{body{margin:0}.note{display:none}.slip{margin:0 0 .5cm}}",
        "</style></head><body>\n",
    ));
    html.push_str(&format!(
        "<p class=\"note\">{} slips for {} at {}. Print this page, cut along the dashed lines and hand each slip to its owner; then delete this file.</p>\n",
        slips.len(),
        escape(target),
        escape(server_url)
    ));
    for s in slips {
        html.push_str(&format!(
            "<section class=\"slip\"><h2>Your account</h2><dl><dt>Server</dt><dd>{}</dd><dt>Account</dt><dd>{}</dd><dt>Sign in as</dt><dd>{}</dd><dt>Password</dt><dd class=\"password\">{}</dd></dl></section>\n",
            escape(server_url),
            escape(&s.account),
            escape(&s.sign_in),
            escape(&s.password)
        ));
    }
    html.push_str("</body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic source for tests (splitmix64).
    fn source(seed: u64) -> impl FnMut(&mut [u8]) {
        let mut state = seed;
        move |buf: &mut [u8]| {
            for b in buf.iter_mut() {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                *b = (z ^ (z >> 31)) as u8;
            }
        }
    }

    #[test]
    fn the_default_policy_is_met() {
        let policy = PasswordPolicy::default();
        let mut random = source(1);
        for _ in 0..500 {
            let p = generate(&policy, &mut random);
            assert_eq!(p.chars().count(), LENGTH);
            assert!(policy.accepts(&p), "{p}");
            assert!(p.chars().any(|c| c.is_ascii_lowercase()));
            assert!(p.chars().any(|c| c.is_ascii_uppercase()));
            assert!(p.chars().any(|c| c.is_ascii_digit()));
            assert!(p.chars().any(|c| SYMBOLS.contains(c)));
            assert_eq!(crate::report::neutralize(&p), p.as_str());
        }
    }

    #[test]
    fn graphs_complexity_rule_is_met() {
        // Entra ID: 8 to 256 characters, three of the four classes.
        let policy: PasswordPolicy = serde_json::from_str(
            r#"{"min_len": 8, "max_len": 256, "must_use": 3, "symbols": "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<>"}"#,
        )
        .unwrap();
        let mut random = source(2);
        for _ in 0..300 {
            let p = generate(&policy, &mut random);
            assert!(policy.accepts(&p), "{p}");
            assert!(!p.starts_with(['=', '+', '-', '@']), "{p}");
        }
    }

    #[test]
    fn short_and_narrow_policies_are_met() {
        let policy = PasswordPolicy {
            min_len: 4,
            max_len: Some(4),
            ..PasswordPolicy::default()
        };
        let mut random = source(3);
        for _ in 0..300 {
            let p = generate(&policy, &mut random);
            assert_eq!(p.chars().count(), 4);
            assert!(policy.accepts(&p), "{p}");
        }
        let digits = PasswordPolicy {
            classes: vec![CharClass::Digit],
            min_len: 6,
            max_len: Some(6),
            ..PasswordPolicy::default()
        };
        let p = generate(&digits, &mut random);
        assert!(p.chars().all(|c| c.is_ascii_digit()) && p.len() == 6, "{p}");
    }

    #[test]
    fn the_page_minimum_raises_the_length() {
        let policy = PasswordPolicy::default().with_min_len(32);
        let p = generate(&policy, &mut source(4));
        assert_eq!(p.chars().count(), 32);
        assert!(policy.accepts(&p));
    }

    #[test]
    fn characters_are_uniform_enough() {
        // Within each class, every character about equally often (chi-squared against
        // the uniform, summed over the classes: a biased draw is far above it), and no
        // password twice.
        let policy = PasswordPolicy::default();
        let sets = policy.alphabets();
        let mut counts: Vec<Vec<u64>> = sets.iter().map(|s| vec![0; s.len()]).collect();
        let mut random = source(5);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..4_000 {
            let p = generate(&policy, &mut random);
            for c in p.chars() {
                let (k, set) = sets
                    .iter()
                    .enumerate()
                    .find(|(_, s)| s.contains(&c))
                    .unwrap();
                counts[k][set.iter().position(|a| *a == c).unwrap()] += 1;
            }
            assert!(seen.insert(p));
        }
        let mut chi2 = 0.0;
        for class in &counts {
            let total: u64 = class.iter().sum();
            let expected = total as f64 / class.len() as f64;
            assert!(class.iter().all(|&c| c > 0));
            chi2 += class
                .iter()
                .map(|&c| (c as f64 - expected).powi(2) / expected)
                .sum::<f64>();
        }
        // 60 degrees of freedom: the 99.9th percentile is about 100.
        assert!(chi2 < 110.0, "chi2 {chi2}: {counts:?}");
    }

    #[test]
    fn the_index_draw_is_unbiased() {
        // 256 values over 3: a plain modulo would favour 0; rejection does not.
        let mut random = source(6);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[below(3, &mut random)] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn the_rules_drop_the_password_only_when_generating() {
        let rules = Rules::new(vec![Field::Email, Field::Password]);
        assert!(rules_for(rules.clone(), false)
            .required
            .contains(&Field::Password));
        assert_eq!(
            rules_for(rules, true).required,
            vec![Field::Email],
            "a row without a password is valid when one is generated"
        );
    }

    #[test]
    fn the_csv_is_formula_safe_and_holds_only_the_slips() {
        let slips = vec![Slip {
            account: "=cmd".into(),
            sign_in: "@x".into(),
            password: "pw!1Aa".into(),
        }];
        let text = csv(&slips);
        assert_eq!(
            text,
            "account,sign_in_address,password\r\n'=cmd,'@x,pw!1Aa\r\n"
        );
    }

    #[test]
    fn the_slips_page_escapes_and_names_the_server() {
        let slips = vec![Slip {
            account: "<b>ann</b>".into(),
            sign_in: "ann@x.org".into(),
            password: "a&b".into(),
        }];
        let html = slips_html(&slips, "https://m.example.org", "Matrix Synapse");
        assert!(html.contains("&lt;b&gt;ann&lt;/b&gt;"));
        assert!(html.contains("a&amp;b"));
        assert!(html.contains("https://m.example.org"));
        assert!(html.contains("@media print"));
        assert_eq!(html.matches("class=\"slip\"").count(), 1);
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn a_dry_run_shows_a_masked_stand_in_for_a_generated_password() {
        use crate::input::map::Mapping;
        use crate::input::plan::{plan_with, users_of};
        use crate::input::read::read;
        use crate::targets::TargetKind;
        let kind = TargetKind::by_id("aurora").unwrap();
        let text = "email,password\nann@x.org,\nbob@x.org,Own-pass-1\n";
        let table = read(text.as_bytes()).unwrap();
        let mapping = Mapping::auto(&table);
        let rules = rules_for(kind.rules(&Default::default()), true);
        let plan = plan_with(&table, &mapping, &rules);
        let users = stand_in(users_of(table, mapping, rules), true);
        assert_eq!(users(0).unwrap().password, STAND_IN);
        assert_eq!(users(1).unwrap().password, "Own-pass-1");
        let target = kind
            .build("http://aurora.test", &Default::default())
            .unwrap();
        let secrets = crate::targets::send::Secrets::new()
            .with_shown("login", "admin")
            .with("password", "x");
        let specs = kind.template_specs();
        let shown = crate::job::dry_run(&*target, &secrets, &specs, &plan, &users, &[], 5);
        let requests = shown.requests.join("\n");
        assert!(!requests.contains(STAND_IN), "masked like any password");
        assert!(requests.contains(crate::targets::preview::MASK));
        assert!(!requests.contains("Own-pass-1"));
    }

    #[test]
    fn debug_never_shows_a_password() {
        let g = Generated {
            by_row: vec![Some("Secret!23abc".into()), None],
        };
        assert_eq!(format!("{g:?}"), "Generated(1 passwords)");
        let s = Slip {
            account: "a".into(),
            sign_in: "a@x".into(),
            password: "Secret!23abc".into(),
        };
        assert!(!format!("{s:?}").contains("Secret"));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn class() -> impl Strategy<Value = CharClass> {
            prop_oneof![
                Just(CharClass::Lower),
                Just(CharClass::Upper),
                Just(CharClass::Digit),
                Just(CharClass::Symbol),
            ]
        }

        proptest! {
            #[test]
            fn no_policy_panics_and_a_sane_one_is_met(
                min in 0usize..400,
                max in proptest::option::of(0usize..400),
                classes in proptest::collection::vec(class(), 0..6),
                must_use in proptest::option::of(0usize..8),
                symbols in proptest::option::of(".{0,12}"),
                seed in any::<u64>(),
            ) {
                let policy = PasswordPolicy { min_len: min, max_len: max, classes, must_use, symbols };
                let p = generate(&policy, &mut source(seed));
                prop_assert!(!p.is_empty());
                prop_assert!(p.chars().count() <= MOST);
                let sane = max.is_none_or(|m| m >= min.max(1)) && min <= MOST;
                if sane {
                    prop_assert!(policy.accepts(&p), "{:?} {}", policy, p);
                }
            }
        }
    }
}
