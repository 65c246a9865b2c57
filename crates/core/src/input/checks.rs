//! The checks of one value, as leaves every stage shares: an address, a Matrix
//! localpart, a timezone, IP addresses, a quota, a value in a URL path, and a target's
//! declared check of a field ([`FieldCheck`]: its kind and longest value). The mapping
//! scores columns with them, validation refuses rows with them.

use crate::input::field::Field;
use crate::input::spec::ValueCheck;

/// A target's check of one field: its kind, its longest value, and whether it goes into
/// a request's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldCheck {
    pub field: Field,
    pub check: ValueCheck,
    pub max_len: Option<usize>,
    /// The value is sent in a URL path (a profile's `{user.…}` in a path): one made only
    /// of dots is refused (see [`dot_segment_problem`]).
    pub in_path: bool,
}

impl FieldCheck {
    /// What is wrong with a value, beyond what the common rules check (addresses,
    /// passwords, user names): the length, a whole number, a value among the allowed.
    /// An empty value is the required-field rule's business.
    pub fn problem(&self, value: &str) -> Option<String> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        if self.in_path {
            if let Some(p) = dot_segment_problem(value) {
                return Some(p);
            }
        }
        if let Some(max) = self.max_len {
            let n = value.chars().count();
            if n > max {
                return Some(format!(
                    "is {n} characters long; at most {max} are accepted"
                ));
            }
        }
        match &self.check {
            ValueCheck::Integer if value.parse::<i64>().is_err() => {
                Some(format!("\"{value}\" is not a whole number"))
            }
            ValueCheck::Enum(allowed) if !allowed.iter().any(|a| a == value) => {
                Some(format!("\"{value}\" is not one of {}", allowed.join(", ")))
            }
            ValueCheck::Pattern(p) if !p.matches(value) => Some(format!(
                "\"{value}\" does not match the pattern {} the target documents",
                p.as_str()
            )),
            _ => None,
        }
    }
}

/// Why `name` is not a Matrix localpart (lower-case letters, digits and `._=-/+`, at most
/// [`MAX_LOCAL_CHARS`] here), or `None` when it is one.
pub fn localpart_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "._=-/+".contains(*c)))
    {
        return Some(if c.is_ascii_uppercase() {
            format!("\"{name}\" has the capital letter '{c}'; user names are lower-case")
        } else {
            format!("\"{name}\" has '{c}'; a user name holds only a-z, 0-9 and . _ = - / +")
        });
    }
    // Synapse's check_username (handlers/register.py), which its admin API's create runs:
    // a leading underscore is refused unless the server allows it
    // (allow_underscore_prefixed_localpart, off by default), and all-digit names are kept
    // for guests.
    if name.starts_with('_') {
        return Some(format!(
            "\"{name}\" starts with '_', which Matrix servers refuse by default"
        ));
    }
    if name.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!(
            "\"{name}\" is all digits; Matrix servers keep such names for guests"
        ));
    }
    let n = name.chars().count();
    (n > MAX_LOCAL_CHARS)
        .then(|| format!("is {n} characters long; at most {MAX_LOCAL_CHARS} are accepted"))
}

/// The largest quota accepted: 1 PiB.
pub const MAX_QUOTA_MB: u64 = 1 << 30;
/// Aurora roles a created user may have: 1 tenant admin, 2 user, 3 customer.
pub const ROLES: std::ops::RangeInclusive<u8> = 1..=3;

/// The longest address: RFC 5321's 254 characters (Aurora keeps a PublicId in a
/// 255-character column, Laravel's default `string`).
pub const MAX_EMAIL_CHARS: usize = 254;
/// The longest local part (before the `@`), RFC 5321.
pub const MAX_LOCAL_CHARS: usize = 64;
/// The longest name: Aurora's `Name` column is a 255-character `string`; Mumara does
/// not document one, and gets the same bound.
pub const MAX_NAME_CHARS: usize = 255;
/// The longest password: no target documents one; 255 is far beyond any real password
/// and keeps a pasted paragraph from being sent as one.
pub const MAX_PASSWORD_CHARS: usize = 255;

/// Characters an address may hold before the `@` besides letters and digits (RFC 5322's
/// dot-atom; letters include non-ASCII ones, RFC 6531).
const LOCAL_SYMBOLS: &str = "!#$%&'*+-/=?^_`{|}~.";
/// Which ASCII bytes may stand before the `@`: letters, digits and [`LOCAL_SYMBOLS`].
const LOCAL_ASCII: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric();
        b += 1;
    }
    let symbols = LOCAL_SYMBOLS.as_bytes();
    let mut i = 0;
    while i < symbols.len() {
        table[symbols[i] as usize] = true;
        i += 1;
    }
    table
};

/// The address rule every target shares: one `@`, something on both sides, no spaces or
/// controls, a dot-atom before the `@` (so `=HYPERLINK("…")@x.com` is refused for every
/// target), a domain of letters, digits and hyphens in dot-separated labels, and the
/// RFC 5321 lengths. A target's own extra rules (Aurora's PublicId) come on top.
pub fn email_problem(email: &str) -> Option<String> {
    check_email(email).err()
}

/// [`email_problem`], giving the domain of a good address.
pub(crate) fn check_email(email: &str) -> Result<&str, String> {
    if email.is_empty() {
        return Err("missing".into());
    }
    // ASCII byte by byte (its spaces and controls are the bytes up to 0x20, and DEL).
    let spaced = if email.is_ascii() {
        email.bytes().any(|b| b <= b' ' || b == 0x7f)
    } else {
        email.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    if spaced {
        return Err(format!(
            "\"{email}\" contains a space or a control character"
        ));
    }
    let Some((local, domain)) = email
        .split_once('@')
        .filter(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
    else {
        return Err(format!(
            "\"{email}\" is not an address of the form name@domain"
        ));
    };
    // Byte lengths bound character counts: most addresses are counted without a walk.
    if email.len() > MAX_EMAIL_CHARS {
        let length = email.chars().count();
        if length > MAX_EMAIL_CHARS {
            return Err(format!(
                "is {length} characters long; an address holds at most {MAX_EMAIL_CHARS}"
            ));
        }
    }
    if local.len() > MAX_LOCAL_CHARS {
        let local_length = local.chars().count();
        if local_length > MAX_LOCAL_CHARS {
            return Err(format!(
                "\"{email}\" has {local_length} characters before the @; at most {MAX_LOCAL_CHARS} are allowed"
            ));
        }
    }
    let local_ok = |c: char| c.is_alphanumeric() || LOCAL_SYMBOLS.contains(c);
    // ASCII first, byte by byte (the common case); other characters by their class.
    let local_clean = if local.is_ascii() {
        local.bytes().all(|b| LOCAL_ASCII[usize::from(b)])
    } else {
        local.chars().all(local_ok)
    };
    if !local_clean {
        let mut bad: Vec<char> = Vec::new();
        for c in local.chars() {
            if !(local_ok(c) || bad.contains(&c)) {
                bad.push(c);
            }
        }
        return Err(format!(
            "\"{email}\" has characters an address cannot hold before the @ ({})",
            bad.iter()
                .map(|c| format!("'{c}'"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    let dots_ok = |part: &str| {
        let b = part.as_bytes();
        b.first() != Some(&b'.') && b.last() != Some(&b'.') && !b.windows(2).any(|w| w == b"..")
    };
    if !dots_ok(local) {
        return Err(format!(
            "\"{email}\" has a dot at the start or end of the part before the @, or two dots in a row"
        ));
    }
    let domain_clean = if domain.is_ascii() {
        ascii_domain_ok(domain.as_bytes())
    } else {
        domain.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
    };
    if !domain_clean {
        return Err(format!(
            "\"{email}\" does not have a valid domain after the @ (letters, digits and hyphens, in parts separated by dots)"
        ));
    }
    Ok(domain)
}

/// Whether an ASCII domain is letters, digits, hyphens and dots, with no label empty or
/// with a hyphen at an end: one pass, each byte against the one before it.
pub(crate) fn ascii_domain_ok(domain: &[u8]) -> bool {
    // The start counts as just after a dot: no dot or hyphen may come first.
    let mut prev = b'.';
    for &c in domain {
        let ok = match c {
            b'.' => prev != b'.' && prev != b'-',
            b'-' => prev != b'.',
            _ => c.is_ascii_alphanumeric(),
        };
        if !ok {
            return false;
        }
        prev = c;
    }
    prev != b'.' && prev != b'-'
}

/// The domain of an address whose domain has no dot (`x@example`), other than
/// `localhost`: a typo for `example.com`, or an intranet name the admin must accept.
pub fn dotless_domain(email: &str) -> Option<&str> {
    let (_, domain) = email.rsplit_once('@')?;
    is_dotless(domain).then_some(domain)
}

pub(crate) fn is_dotless(domain: &str) -> bool {
    !domain.as_bytes().contains(&b'.') && !domain.eq_ignore_ascii_case("localhost")
}

/// What a row with a dotless domain says, naming the page's control that accepts it.
pub const ACCEPT_DOTLESS: &str = "Accept domains without a dot";

/// A timezone of the form Mumara documents: `+05:00`, `-03:30`, `00:00`.
pub fn timezone_problem(tz: &str) -> Option<String> {
    let digits = tz.strip_prefix(['+', '-']).unwrap_or(tz);
    let ok = digits.len() == 5
        && digits.as_bytes()[2] == b':'
        && digits[..2].bytes().all(|b| b.is_ascii_digit())
        && digits[3..].bytes().all(|b| b.is_ascii_digit())
        && digits[..2].parse::<u8>().is_ok_and(|h| h <= 14)
        && digits[3..].parse::<u8>().is_ok_and(|m| m < 60);
    (!ok).then(|| format!("\"{tz}\" is not a UTC offset such as +05:00, -03:30 or 00:00"))
}

/// A comma-separated list of IPv4 or IPv6 addresses.
pub fn login_ips_problem(ips: &str) -> Option<String> {
    let bad: Vec<&str> = ips
        .split(',')
        .map(str::trim)
        .filter(|ip| ip.parse::<std::net::IpAddr>().is_err())
        .collect();
    match bad.as_slice() {
        [] => None,
        [""] if ips.trim().is_empty() => None,
        _ => Some(format!(
            "{} {} not a valid IPv4 or IPv6 address (give a comma-separated list)",
            bad.iter()
                .map(|b| format!("\"{b}\""))
                .collect::<Vec<_>>()
                .join(", "),
            if bad.len() == 1 { "is" } else { "are" }
        )),
    }
}

/// A quota in megabytes: a plain number is MB; `KB`, `MB`, `GB`, `TB` and `B`/`bytes`
/// suffixes are converted; a decimal comma or point is allowed (`1,5 GB`).
pub fn parse_quota_mb(raw: &str) -> Result<u64, String> {
    // Most files give plain megabytes ("500"): read them without allocating.
    let plain = raw.trim();
    if (1..=15).contains(&plain.len()) && plain.bytes().all(|b| b.is_ascii_digit()) {
        let mb: u64 = plain.parse().unwrap_or(u64::MAX);
        if mb > MAX_QUOTA_MB {
            return Err(format!("{raw} is out of range (at most 1 PiB)"));
        }
        return Ok(mb);
    }
    let text = plain.to_ascii_lowercase().replace(' ', "");
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let factor: f64 = match unit {
        "" | "m" | "mb" | "mib" => 1.0,
        "k" | "kb" | "kib" => 1.0 / 1024.0,
        "g" | "gb" | "gib" => 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0,
        "b" | "byte" | "bytes" => 1.0 / (1024.0 * 1024.0),
        _ => return Err(format!("\"{raw}\" is not a quota (e.g. 500, 500 MB, 2 GB)")),
    };
    let value: f64 = number
        .replace(',', ".")
        .parse()
        .map_err(|_| format!("\"{raw}\" is not a quota (e.g. 500, 500 MB, 2 GB)"))?;
    let mb = (value * factor).round();
    if !(0.0..=MAX_QUOTA_MB as f64).contains(&mb) {
        return Err(format!("{raw} is out of range (at most 1 PiB)"));
    }
    Ok(mb as u64)
}

/// Why a value cannot go into a URL path: it is made only of dots (`.`, `..`, `...`),
/// also when written `%2e` or with spaces around it. A browser (and the WHATWG URL
/// parser) resolves `..`, `.%2e` and `%2E%2E` alike as "one level up", so encoding does
/// not help: such a row is refused before anything is sent (a field in a profile's path,
/// see [`FieldCheck::in_path`]).
pub fn dot_segment_problem(value: &str) -> Option<String> {
    let v = value.trim();
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'.' {
            i += 1;
        } else if b[i] == b'%'
            && b.get(i + 1) == Some(&b'2')
            && matches!(b.get(i + 2), Some(b'e' | b'E'))
        {
            i += 3;
        } else {
            return None;
        }
    }
    (!b.is_empty()).then(|| {
        format!("\"{v}\" is made only of dots, which a URL path reads as this level or the one above; it cannot be sent")
    })
}
