//! "Download template": an empty CSV with the header a target's file should have.

use crate::map::Field;

/// The template's header line for a target ("Aurora", "Mumara"), CRLF-terminated. Every
/// name maps back to its field by [`Field::from_header`].
pub fn template(target: &str) -> String {
    let fields: Vec<&str> = Field::for_target(target)
        .iter()
        .filter(|f| !matches!(f, Field::FirstName | Field::LastName))
        .map(|f| f.label())
        .collect();
    format!("{}\r\n", fields.join(","))
}

/// The template's file name.
pub fn file_name(target: &str) -> String {
    format!("roster-template-{}.csv", target.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::Mapping;
    use crate::read::parse_layout;
    use crate::read::Layout;

    #[test]
    fn headers_per_target() {
        assert_eq!(
            template("Aurora"),
            "email,password,role,quota_mb,tenant_id\r\n"
        );
        assert_eq!(
            template("mumara"),
            "name,email,password,package_id,timezone,login_ips\r\n"
        );
    }

    #[test]
    fn a_filled_template_maps_itself() {
        for target in ["Aurora", "Mumara"] {
            let text = format!("{}{}", template(target), "x\r\n");
            let layout = Layout {
                delimiter: b',',
                skip_lines: 0,
                header: true,
                literal_quotes: false,
            };
            let table = parse_layout(&text, layout).unwrap();
            let mapping = Mapping::auto(&table);
            let want: Vec<Option<Field>> = template(target)
                .trim()
                .split(',')
                .map(Field::from_label)
                .collect();
            assert_eq!(mapping.columns, want, "{target}");
        }
    }
}
