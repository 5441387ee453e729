//! A fresh database for each test, on the backend `KEYRACK_TEST_DATABASE` names: `sqlite`
//! (the default; a file in a temporary directory) or `postgres` (a database created on
//! `KEYRACK_TEST_POSTGRES_URL` and dropped afterwards). A test never touches a database it
//! did not create.

use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;

/// The admin URL when `KEYRACK_TEST_POSTGRES_URL` is unset: the cluster this project's
/// machines run, or the one `cargo xtask setup` starts.
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Which backend the suites run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend `KEYRACK_TEST_DATABASE` names.
    pub fn from_env() -> Self {
        match std::env::var("KEYRACK_TEST_DATABASE").as_deref() {
            Ok("postgres") => Self::Postgres,
            Ok("sqlite") | Err(_) => Self::Sqlite,
            Ok(other) => panic!("KEYRACK_TEST_DATABASE={other}: use sqlite or postgres"),
        }
    }
}

/// A database that exists for as long as this value.
pub struct TestDb {
    url: String,
    backend: Backend,
    _dir: Option<TempDir>,
    /// PostgreSQL: the admin URL and the database's name, to drop it.
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// A fresh database on the backend of `KEYRACK_TEST_DATABASE`.
    pub async fn new() -> Self {
        Self::at("keyrack.db").await
    }

    /// Like [`TestDb::new`]; on SQLite, the file is `relative` inside the temporary
    /// directory (so a test can ask for folders that do not exist yet).
    pub async fn at(relative: &str) -> Self {
        match Backend::from_env() {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join(relative).display());
                Self {
                    url,
                    backend: Backend::Sqlite,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
            Backend::Postgres => Self::postgres().await,
        }
    }

    /// A fresh PostgreSQL database, whatever `KEYRACK_TEST_DATABASE` says.
    pub async fn postgres() -> Self {
        let admin = admin_url();
        let mut bytes = [0u8; 8];
        getrandom::getrandom(&mut bytes).expect("randomness");
        let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let name = format!("keyrack_test_{name}");
        let mut conn = PgConnection::connect(&admin).await.unwrap_or_else(|e| {
            panic!("no PostgreSQL at {admin} ({e}); run `cargo xtask setup` or set KEYRACK_TEST_POSTGRES_URL")
        });
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create the test database");
        conn.close().await.ok();
        Self {
            url: with_database(&admin, &name),
            backend: Backend::Postgres,
            _dir: None,
            postgres: Some((admin, name)),
        }
    }

    /// The URL to give `--database`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot block on itself: a thread with
        // a runtime of its own drops the database (FORCE ends a server still connected).
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let mut conn = PgConnection::connect(&admin).await?;
                conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop a test database: {dropped:?}");
        }
    }
}

/// `KEYRACK_TEST_POSTGRES_URL`, or the local cluster.
pub fn admin_url() -> String {
    std::env::var("KEYRACK_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

/// `url` with its database path replaced by `name` (query string kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let host_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|i| start + i))
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}
