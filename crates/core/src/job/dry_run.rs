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
pub fn dry_run(
    target: &dyn Target,
    secrets: &Secrets,
    fields: &[FieldSpec],
    plan: &[PlannedRow],
    users: impl Fn(usize) -> Option<UserRow>,
    shown: usize,
) -> DryRun {
    let found = accounts(fields, plan, &users, shown);
    let summary = (found.ready == 0)
        .then(|| "Dry run: no row would be sent (every row is invalid or excluded).".to_owned());
    DryRun {
        requests: preview(target, secrets, plan, &users, shown),
        accounts: found,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::map::{Field, Mapping};
    use crate::input::plan::{plan, users_of};
    use crate::input::read::read;
    use crate::input::validate::Rules;
    use crate::targets::aurora::Aurora;

    #[test]
    fn a_dry_run_shows_the_requests_masked_and_says_when_nothing_would_go() {
        let text = "email,password\nann@x.test,Secret-pass-1\nbad,x\n";
        let table = read(text.as_bytes()).unwrap();
        let mapping = Mapping::auto(&table);
        let planned = plan(&table, &mapping, &[Field::Email, Field::Password]);
        let users = users_of(table.clone(), mapping.clone(), Rules::default());
        let secrets = Secrets::new()
            .with_shown("login", "superadmin")
            .with("password", "admin-secret");
        let target = Aurora::new("http://aurora.test");
        let fields = [Field::Email, Field::Password].map(FieldSpec::from);
        let shown = dry_run(&target, &secrets, &fields, &planned, &users, 5);
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
        let nothing = dry_run(&target, &secrets, &fields, &none, |_| None, 5);
        assert_eq!(
            nothing.summary.as_deref(),
            Some("Dry run: no row would be sent (every row is invalid or excluded).")
        );
    }
}
