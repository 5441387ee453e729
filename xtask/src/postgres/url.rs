//! Database URLs: another database on the same server, and a URL fit to print.

use anyhow::{Context, Result};

/// `admin_url` with its database path replaced by `name`, any query string kept:
/// `postgres://u@h:5432/postgres?sslmode=disable` → `postgres://u@h:5432/<name>?sslmode=disable`.
pub fn with_database(admin_url: &str, name: &str) -> Result<String> {
    let (scheme, rest) = admin_url
        .split_once("://")
        .with_context(|| format!("{} is not a URL", mask_password(admin_url)))?;
    let (before_query, query) = rest.split_at(rest.find('?').unwrap_or(rest.len()));
    let authority = before_query
        .split_once('/')
        .map_or(before_query, |(authority, _)| authority);
    Ok(format!("{scheme}://{authority}/{name}{query}"))
}

/// A database URL fit to print: the password in its user part or its `password=` parameter
/// replaced by `***`.
pub fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some(("password", _)) => "password=***",
                    _ => p,
                })
                .collect::<Vec<_>>()
                .join("&");
            format!("{path}?{params}")
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_and_keeps_the_query() {
        let url = |admin| with_database(admin, "db1").expect("a URL");
        assert_eq!(
            url("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/db1"
        );
        assert_eq!(
            url("postgresql://u:p@h/postgres?sslmode=disable"),
            "postgresql://u:p@h/db1?sslmode=disable"
        );
        assert_eq!(url("postgres://h:5432"), "postgres://h:5432/db1");
        assert_eq!(
            url("postgres://h?sslmode=require"),
            "postgres://h/db1?sslmode=require"
        );
        assert!(with_database("not a url", "db1").is_err());
    }

    #[test]
    fn masks_passwords_only() {
        assert_eq!(
            mask_password("postgres://kr:s3cr:et@db.example:5432/keyrack"),
            "postgres://kr:***@db.example:5432/keyrack"
        );
        assert_eq!(
            mask_password("postgres://kr@h/k?sslmode=require&password=x"),
            "postgres://kr@h/k?sslmode=require&password=***"
        );
        assert_eq!(
            mask_password("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(
            mask_password("sqlite://data/keyrack.db"),
            "sqlite://data/keyrack.db"
        );
    }
}
