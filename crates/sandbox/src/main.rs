//! `roster-sandbox`: start the sandbox, print where it is, run until SIGINT/SIGTERM.

use std::io::Write;
use std::process::ExitCode;

use roster_sandbox::cli::{self, Command, USAGE};
use roster_sandbox::{start, Config, Running};

#[tokio::main]
async fn main() -> ExitCode {
    let options = match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Run(options)) => *options,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("roster-sandbox: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Listen for signals before announcing readiness, so a harness that stops the
    // sandbox right after the READY line never kills it mid-way.
    let stop = stop_signal();
    let config = options.config.clone();
    let running = match start(options).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("roster-sandbox: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    print_banner(&running, &config);
    stop.await;
    println!("Roster sandbox stopping");
    running.shutdown().await;
    ExitCode::SUCCESS
}

fn print_banner(running: &Running, config: &Config) {
    let api = format!("{}/", running.api_url());
    let rate = if config.mumara.rate_window_ms == 60_000 {
        format!("{} requests/min", config.mumara.rate_limit)
    } else {
        format!(
            "{} requests per {} ms",
            config.mumara.rate_limit, config.mumara.rate_window_ms
        )
    };
    let cors = match config.cors.allow_origin() {
        Some(origin) => format!("on (Access-Control-Allow-Origin {origin})"),
        None => "off".to_string(),
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "Roster sandbox is running (in-memory, resets on restart)"
    );
    if let Some(page) = running.page_url() {
        let _ = writeln!(out, "  Page:    {page}/");
    }
    let _ = writeln!(
        out,
        "  Aurora:  Server URL {api}   Login {}   Password {}",
        config.aurora.superadmin_login, config.aurora.superadmin_password
    );
    let _ = writeln!(
        out,
        "  Mumara:  Server URL {api}   API key {} ({rate})",
        roster_sandbox::mumara::KEY
    );
    let _ = writeln!(
        out,
        "  Keycloak: Server URL {api}   Realm {}   Login {}   Password {}",
        config
            .keycloak
            .realms
            .last()
            .map(String::as_str)
            .unwrap_or("master"),
        config.keycloak.admin_username,
        config.keycloak.admin_password
    );
    let _ = writeln!(
        out,
        "  Graph:   Server URL {api}   Access token {}",
        config.graph.token
    );
    let _ = writeln!(
        out,
        "  GitLab:  Server URL {api}   Access token {}",
        config.gitlab.admin_token
    );
    let _ = writeln!(
        out,
        "  ejabberd: Server URL {api}   Admin JID {}   Password {}   XMPP domain {}",
        config.ejabberd.admin_jid,
        config.ejabberd.admin_password,
        config
            .ejabberd
            .hosts
            .first()
            .map(String::as_str)
            .unwrap_or("")
    );
    let _ = writeln!(out, "  Control: {api}_sandbox/state");
    let _ = writeln!(out, "  CORS:    {cors}");
    let _ = writeln!(out, "{}", running.ready_line());
    let _ = out.flush();
}

/// A future that resolves on SIGINT or SIGTERM; on Unix the handlers are installed at
/// once, not at the first poll.
#[cfg(unix)]
fn stop_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        match (interrupt, terminate) {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}

/// A future that resolves on Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> impl std::future::Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
