//! "Dry run": what an import would create and the exact requests it would send, computed
//! at once (it sends nothing, so there is no effect to carry out).

use crate::input::map::UserRow;
use crate::input::plan::PlannedRow;
use crate::input::spec::FieldSpec;
use crate::targets::preview::{accounts, preview, AccountPreview};
use crate::targets::send::{Secrets, Target};

/// What a Dry run shows.
#[derive(Debug, Clone, PartialEq)]
pub struct DryRun {
    /// The first accounts the import would create, in the target's fields.
    pub accounts: AccountPreview,
    /// The first requests it would send, secrets masked.
    pub requests: Vec<String>,
    /// A sentence when no row would be sent.
    pub summary: Option<String>,
}

/// The Dry run of `plan` against `target`: the first `shown` accounts (in the fields the
/// target declares, see [`crate::targets::TargetKind::template_specs`]) and requests.
/// `file_steps`: the rows a dropped-back "rows to retry" file names steps for
/// ([`crate::run::retry::file_steps`]), which are never created: neither shown as an
/// account to create nor given a create request, and said in the summary.
pub fn dry_run(
    target: &dyn Target,
    secrets: &Secrets,
    fields: &[FieldSpec],
    plan: &[PlannedRow],
    users: impl Fn(usize) -> Option<UserRow>,
    file_steps: &[(usize, Vec<String>)],
    shown: usize,
) -> DryRun {
    let users = |i: usize| {
        if file_steps.iter().any(|(row, _)| *row == i) {
            None
        } else {
            users(i)
        }
    };
    let mut found = accounts(fields, plan, users, shown);
    let steps_only = file_steps
        .iter()
        .filter(|(row, _)| plan.get(*row).is_some_and(|p| !p.excluded && p.is_valid()))
        .count();
    found.ready = found.ready.saturating_sub(steps_only);
    let summary = if steps_only > 0 {
        steps_only_note(steps_only)
    } else if found.ready == 0 {
        Some("Dry run: no row would be sent (every row is invalid or excluded).".to_owned())
    } else {
        None
    };
    DryRun {
        requests: preview(target, secrets, plan, users, shown),
        accounts: found,
        summary,
    }
}

/// What a Dry run says of the rows a "rows to retry" file names steps for (`rows` of
/// them), if any.
pub fn steps_only_note(rows: usize) -> Option<String> {
    (rows > 0).then(|| {
        format!(
            "{rows} {} from a rows-to-retry file with failed steps: no create is sent for {}; {} looked up, then only those steps are sent.",
            if rows == 1 { "row comes" } else { "rows come" },
            if rows == 1 { "it" } else { "them" },
            if rows == 1 { "its account is" } else { "their accounts are" },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::map::{Field, Mapping};
    use crate::input::plan::{plan, users_of};
    use crate::input::read::read;
    use crate::input::validate::Rules;
    use crate::targets::aurora::Aurora;

    /// An Aurora target, its admin's secrets, and `text` read and planned as Aurora's
    /// e-mail and password.
    fn aurora_file(
        text: &str,
    ) -> (
        Vec<PlannedRow>,
        impl Fn(usize) -> Option<UserRow>,
        Secrets,
        Aurora,
        [FieldSpec; 2],
    ) {
        let table = read(text.as_bytes()).unwrap();
        let mapping = Mapping::auto(&table);
        let planned = plan(&table, &mapping, &[Field::Email, Field::Password]);
        let users = users_of(table.clone(), mapping, Rules::default());
        let secrets = Secrets::new()
            .with_shown("login", "superadmin")
            .with("password", "admin-secret");
        let target = Aurora::new("http://aurora.test");
        let fields = [Field::Email, Field::Password].map(FieldSpec::from);
        (planned, users, secrets, target, fields)
    }

    #[test]
    fn a_dry_run_shows_the_requests_masked_and_says_when_nothing_would_go() {
        let text = "email,password\nann@x.test,Secret-pass-1\nbad,x\n";
        let (planned, users, secrets, target, fields) = aurora_file(text);
        let shown = dry_run(&target, &secrets, &fields, &planned, &users, &[], 5);
        assert_eq!(shown.summary, None);
        assert_eq!(shown.accounts.ready, 1);
        assert!(!shown.requests.is_empty());
        assert!(
            shown
                .requests
                .iter()
                .all(|r| !r.contains("admin-secret") && !r.contains("Secret-pass-1")),
            "{:?}",
            shown.requests
        );
        let none: Vec<PlannedRow> = planned.into_iter().skip(1).collect();
        let nothing = dry_run(&target, &secrets, &fields, &none, |_| None, &[], 5);
        assert_eq!(
            nothing.summary.as_deref(),
            Some("Dry run: no row would be sent (every row is invalid or excluded).")
        );
    }

    #[test]
    fn a_dry_run_sends_no_create_for_the_rows_a_retry_file_names_steps_for() {
        let text = "email,password\nann@x.test,Secret-pass-1\nbob@x.test,Secret-pass-2\n";
        let (planned, users, secrets, target, fields) = aurora_file(text);
        let file_steps = vec![(0, vec!["Join group: 12".to_owned()])];
        let shown = dry_run(&target, &secrets, &fields, &planned, &users, &file_steps, 5);
        let creates: Vec<&String> = shown
            .requests
            .iter()
            .filter(|r| r.contains("CreateUser"))
            .collect();
        assert_eq!(creates.len(), 1, "{:?}", shown.requests);
        assert!(creates[0].contains("bob@x.test") && !creates[0].contains("ann@x.test"));
        assert_eq!(shown.accounts.rows.len(), 1);
        assert_eq!(shown.accounts.ready, 1, "bob only: ann is never created");
        assert_eq!(
            shown.summary.as_deref(),
            Some("1 row comes from a rows-to-retry file with failed steps: no create is sent for it; its account is looked up, then only those steps are sent.")
        );
    }
}
