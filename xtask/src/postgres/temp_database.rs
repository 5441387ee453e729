//! Throwaway databases for conformance and the load bench, dropped whatever happens.

use anyhow::Result;

use super::psql::execute;
use super::url::with_database;

/// A fresh database on the admin URL's server, dropped `WITH (FORCE)` (its connections
/// closed) when this goes out of scope, whatever happened in between.
pub struct TempDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TempDatabase {
    /// `CREATE DATABASE <prefix>_<random hex>`.
    pub fn create(admin_url: &str, prefix: &str) -> Result<Self> {
        let name = format!("{prefix}_{}", crate::random::random_hex(8)?);
        let url = with_database(admin_url, &name)?;
        execute(admin_url, &format!("CREATE DATABASE \"{name}\""))?;
        Ok(Self {
            admin_url: admin_url.to_owned(),
            name,
            url,
        })
    }

    /// The database's own URL: the admin URL with its database path replaced.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        if let Err(e) = execute(&self.admin_url, &sql) {
            eprintln!("warning: database {} was left behind: {e:#}", self.name);
        }
    }
}
