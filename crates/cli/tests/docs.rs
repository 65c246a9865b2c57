//! The command lines the documents show (README.md and docs/*.md, in their shell and
//! console blocks) run as written against the sandbox, with only the Server URL pointed at
//! this test's sandbox, and `--yes` for what would ask on a terminal. The transcript in
//! docs/cli.md is what `roster` prints. scripts/docs-check.mjs names this test as what
//! runs them.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{folder, roster, said, Sandbox};

/// The documents' sandbox address (what `make serve` prints), replaced by this test's.
const DOCS_SERVER: &str = "http://127.0.0.1:8787/";

/// The file the docs' example reads: 3 rows, the third invalid (line 4), as the
/// transcript in docs/cli.md says.
const PEOPLE: &str = "email,password\n\
ann@example.com,Pw-ann-2024\n\
bob@example.com,Pw-bob-2024\n\
bad-address,Pw-x-2024\n";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The documents whose commands are run here.
fn documents() -> Vec<PathBuf> {
    let mut docs = vec![root().join("README.md")];
    let mut guides: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    guides.sort();
    docs.extend(guides);
    docs
}

/// A console or shell block: its language and lines.
fn blocks(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("```") {
            match current.take() {
                Some(block) => out.push(block),
                None => current = Some((rest.trim().to_string(), Vec::new())),
            }
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(trimmed.to_string());
        }
    }
    out
}

/// Every `roster …` command of the documents, and the console transcripts' output lines
/// that follow each.
fn roster_commands() -> Vec<(String, Vec<String>)> {
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("a document");
        for (lang, lines) in blocks(&text) {
            let console = lang == "console";
            if !console && !matches!(lang.as_str(), "sh" | "bash" | "shell") {
                continue;
            }
            let mut last: Option<usize> = None;
            for line in lines {
                let command = if console {
                    match line.strip_prefix("$ ") {
                        Some(c) => Some(c.to_string()),
                        None => {
                            if let Some(i) = last {
                                found[i].1.push(line);
                            }
                            continue;
                        }
                    }
                } else {
                    Some(line)
                };
                last = None;
                let Some(command) = command else { continue };
                let command = command.split(" #").next().unwrap_or("").trim().to_string();
                if command.starts_with("roster ") {
                    match found.iter().position(|(c, _)| *c == command) {
                        Some(i) => last = Some(i),
                        None => {
                            found.push((command, Vec::new()));
                            last = Some(found.len() - 1);
                        }
                    }
                }
            }
        }
    }
    found
}

#[test]
fn the_documents_roster_commands_run_as_written_and_print_what_the_transcript_shows() {
    let commands = roster_commands();
    assert!(
        commands
            .iter()
            .any(|(c, _)| c.starts_with("roster import ")),
        "the documents show an import: {commands:?}"
    );
    let sandbox = Sandbox::start(Value::Null);
    let server = format!("{}/", sandbox.api);
    let dir = folder("docs");
    std::fs::write(dir.join("people.csv"), PEOPLE).unwrap();
    for (command, transcript) in &commands {
        assert!(
            !command.contains(['\'', '"', '|', '>', '<', '$']),
            "a documented command this test can split on spaces: {command}"
        );
        let mut args: Vec<String> = command
            .split_whitespace()
            .skip(1)
            .map(|w| w.replace(DOCS_SERVER, &server))
            .collect();
        let sends = args.first().is_some_and(|a| a == "import");
        if sends {
            args.push("--yes".into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = roster(&dir, &args, &[("ROSTER_PASSWORD", "12345")], "");
        // What a terminal shows: the results on stdout, the progress on stderr.
        let shown = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        match out.status.code() {
            Some(0) | Some(1) => {}
            _ => panic!("`{command}` ran as the documents show it\n{}", said(&out)),
        }
        for expected in transcript {
            // The prompt is answered by --yes here; `echo $?`'s answer is checked below.
            if expected.contains("[y/N]") || expected.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let expected = expected.replace(DOCS_SERVER, &server);
            assert!(
                shown.lines().any(|l| l.trim() == expected.trim()),
                "`{command}` prints {expected:?}\n{}",
                said(&out)
            );
        }
        if sends && !transcript.is_empty() {
            // The transcript ends `echo $?` → 1: a row was invalid.
            assert_eq!(out.status.code(), Some(1), "{}", said(&out));
        }
    }
    // The import created the two valid rows, as the transcript says.
    let state = sandbox.state();
    let created: Vec<&str> = state["aurora"]["users"]
        .as_array()
        .expect("aurora users")
        .iter()
        .filter_map(|u| u["public_id"].as_str())
        .collect();
    assert_eq!(created, ["ann@example.com", "bob@example.com"]);
}
