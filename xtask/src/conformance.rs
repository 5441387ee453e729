//! API conformance: schemathesis fuzzes the real server from its own OpenAPI document and
//! fails the build on any 5xx, response that the document does not describe (status code,
//! content type, body schema) or error body without the documented shape. It runs on a
//! temporary SQLite file, or with `--postgres` on a fresh PostgreSQL database.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::postgres::TempDatabase;
use crate::process::KillOnDrop;
use crate::shell::{cmd, output, root, run};

/// Pinned: its CLI options (`--checks`, `--max-examples`, …) are the ones used below.
const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// Examples per operation: enough to reach every documented error path, small enough for
/// the whole run to stay well under three minutes on two cores.
const MAX_EXAMPLES: &str = "40";

fn venv_bin(name: &str) -> std::path::PathBuf {
    root().join(".tools/venv/bin").join(name)
}

/// Creates `.tools/venv` with the pinned schemathesis, only when it is missing. Returns
/// whether it had to install it.
pub fn setup_schemathesis() -> Result<bool> {
    let have = output(Command::new(venv_bin("schemathesis")).arg("--version")).unwrap_or_default();
    if have.contains(SCHEMATHESIS_VERSION) {
        return Ok(false);
    }
    eprintln!("setup: installing schemathesis {SCHEMATHESIS_VERSION} into .tools/venv");
    if !venv_bin("python").exists() {
        std::fs::create_dir_all(root().join(".tools"))?;
        run(cmd("python3").args(["-m", "venv", ".tools/venv"]))
            .context("python3 with the venv module is required (Debian: python3-venv)")?;
    }
    run(cmd(venv_bin("pip").to_str().expect("UTF-8 path")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("schemathesis=={SCHEMATHESIS_VERSION}"),
    ]))?;
    Ok(true)
}

/// Options of `cargo xtask conformance`.
#[derive(clap::Args, Default)]
pub struct ConformanceArgs {
    /// The server binary; `target/debug/keyrack-server` (built by `cargo xtask test`'s native
    /// tests) by default.
    #[arg(long)]
    server: Option<std::path::PathBuf>,
    /// Run on a fresh PostgreSQL database (dropped afterwards) instead of a temporary SQLite
    /// file: on KEYRACK_TEST_POSTGRES_URL's server, else the one `cargo xtask setup` finds or
    /// starts.
    #[arg(long)]
    postgres: bool,
    /// The admin URL when the caller already knows it, so setup is not asked again.
    #[arg(skip)]
    postgres_admin_url: Option<String>,
}

impl ConformanceArgs {
    /// `cargo xtask test`'s PostgreSQL run, on the server its setup returned.
    pub fn postgres(admin_url: &str) -> Self {
        Self {
            server: None,
            postgres: true,
            postgres_admin_url: Some(admin_url.to_owned()),
        }
    }
}

/// With `--postgres`, a fresh database on the admin URL's server, dropped with the value.
fn postgres_database(postgres: bool, admin_url: Option<String>) -> Result<Option<TempDatabase>> {
    if !postgres {
        return Ok(None);
    }
    let admin_url = match admin_url {
        Some(url) => url,
        None => crate::postgres::setup()?,
    };
    TempDatabase::create(&admin_url, "keyrack_conformance").map(Some)
}

/// Runs schemathesis against the server binary.
pub fn conformance(args: ConformanceArgs) -> Result<()> {
    setup_schemathesis()?;
    let started = Instant::now();
    let binary = args
        .server
        .unwrap_or_else(|| root().join("target/debug/keyrack-server"));
    if !binary.exists() {
        bail!(
            "{} is missing; run `cargo build -p keyrack-server`",
            binary.display()
        );
    }
    // Made before the server, so that it is dropped after it however this returns.
    let postgres = postgres_database(args.postgres, args.postgres_admin_url)?;
    let dir = std::env::temp_dir().join(format!("keyrack-conformance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let (db, backend) = match &postgres {
        Some(database) => (
            database.url().to_owned(),
            format!("PostgreSQL database {}", database.name()),
        ),
        None => (
            format!("sqlite://{}", dir.join("keyrack.db").display()),
            "SQLite".to_owned(),
        ),
    };
    eprintln!("conformance: keyrack-server on {backend}");

    let token = crate::random::random_token()?;

    let (server, base) = start_server(&binary, &db, &token)?;

    let result = run(Command::new(venv_bin("schemathesis"))
        // Its `.schemathesis/` cache goes to the temporary folder, not the tree.
        .current_dir(&dir)
        .args(["run", &format!("{base}/api/v1/openapi.json")])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_schema_conformance,response_headers_conformance",
        ])
        .args(["--max-examples", MAX_EXAMPLES])
        .args(["--workers", "2"])
        .args(["--seed", "1"])
        // No `.hypothesis/` example database left in the tree.
        .args(["--generation-database", "none"])
        .args(["--no-color"]));
    drop(server);
    drop(postgres);
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "conformance: schemathesis on {backend} finished in {:.0?}",
        started.elapsed()
    );
    result.context("schemathesis found responses that break the OpenAPI document")
}

/// The server on `db` with its limits off and `token` as its bootstrap token, on a free
/// port; returns it with its base URL.
fn start_server(binary: &Path, db: &str, token: &str) -> Result<(KillOnDrop, String)> {
    let mut command = Command::new(binary);
    command
        .args(["--database", db, "--demo"])
        // The fuzzer sends thousands of requests a minute, many without a token; 0 turns
        // the per-token and per-address limits off.
        .args(["--rate-limit-per-minute", "0"])
        .args(["--unauthenticated-rate-limit-per-minute", "0"])
        .args(["--transition-delay-ms", "0"])
        .stderr(Stdio::inherit());
    crate::process::start_server(&mut command, token)
}
