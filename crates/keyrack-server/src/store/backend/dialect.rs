//! Where the two backends' SQL differs: how transactions begin, row and advisory locks,
//! and the one function whose name differs.

use sqlx::AnyConnection;

use super::Backend;

/// Advisory lock ids (PostgreSQL): rules that span rows no single row lock covers.
#[derive(Debug, Clone, Copy)]
pub(in crate::store) enum Lock {
    /// Revoking tokens: the last valid admin token must stay.
    AdminTokens = 1,
    /// Seeding demo data: once, even when replicas start together.
    Seed = 2,
}

impl Backend {
    /// How a write transaction begins. SQLite: IMMEDIATE takes the write lock up front, so
    /// two writers wait for each other (busy_timeout) instead of failing when a read turns
    /// into a write. PostgreSQL: READ COMMITTED, with the row locks each write takes.
    pub(in crate::store) fn begin_write(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => "BEGIN",
        }
    }

    /// How a read of several statements begins, so they see one snapshot.
    pub(in crate::store) fn begin_read(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN",
            Self::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }

    /// Appended to a SELECT whose rows the transaction goes on to change or rely on. SQLite
    /// has no row locks and needs none: it has one writer.
    pub(in crate::store) fn for_update(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => " FOR UPDATE",
        }
    }

    /// The function giving the 1-based position of a substring, 0 when absent.
    pub(in crate::store) fn position_fn(self) -> &'static str {
        match self {
            Self::Sqlite => "instr",
            Self::Postgres => "strpos",
        }
    }

    /// Locks the rows of `table` with these ids until the transaction ends, in id order, as
    /// every writer does, so two writers wait for each other instead of deadlocking
    /// (PostgreSQL; SQLite's writer is alone).
    pub(in crate::store) async fn lock_rows<'a>(
        self,
        conn: &mut AnyConnection,
        table: &str,
        ids: impl IntoIterator<Item = &'a String>,
    ) -> Result<(), sqlx::Error> {
        if self == Self::Postgres {
            let mut sorted: Vec<&String> = ids.into_iter().collect();
            sorted.sort();
            let lock = format!("SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE");
            for id in sorted {
                sqlx::query(&lock).bind(id).execute(&mut *conn).await?;
            }
        }
        Ok(())
    }

    /// Takes `lock` until the transaction ends (PostgreSQL; SQLite's writer is alone).
    pub(in crate::store) async fn lock(
        self,
        conn: &mut AnyConnection,
        lock: Lock,
    ) -> Result<(), sqlx::Error> {
        if self == Self::Postgres {
            // Selected from, not as a value: the Any driver cannot read a `void`.
            sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)")
                .bind(lock as i64)
                .execute(conn)
                .await?;
        }
        Ok(())
    }
}
