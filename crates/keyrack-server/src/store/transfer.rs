//! Copying a whole SQLite database into an empty PostgreSQL one (`keyrack-server migrate-to`).
//!
//! Rows are copied verbatim, column by column: ids, versions, timestamps, positions, token
//! hashes and audit ids come across unchanged, so the API answers the same afterwards. The
//! source is read in one snapshot, a page at a time; the target is written in one
//! transaction, in multi-row INSERTs, and either receives everything or nothing.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::key_pairs::recount_key_pairs;
use super::{commit, AppError, Backend, Sql, Store};
use Kind::{Int, Text};

/// How many rows each table received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransferCounts {
    /// Regions.
    pub regions: u64,
    /// Key pairs.
    pub key_pairs: u64,
    /// Key pair tags.
    pub tags: u64,
    /// Instances.
    pub instances: u64,
    /// Keys bound to instances.
    pub instance_keys: u64,
    /// Custom images.
    pub images: u64,
    /// Keys carried by images.
    pub image_keys: u64,
    /// Tokens, revoked ones included.
    pub tokens: u64,
    /// Audit log entries.
    pub audit_entries: u64,
    /// The key policy (0 or 1).
    pub policy: u64,
    /// Last logins, one per key and instance.
    pub key_logins: u64,
}

impl TransferCounts {
    /// Each table's name and count, in the order they were copied.
    pub fn tables(&self) -> [(&'static str, u64); 11] {
        [
            ("regions", self.regions),
            ("key_pairs", self.key_pairs),
            ("key_pair_tags", self.tags),
            ("instances", self.instances),
            ("instance_keys", self.instance_keys),
            ("images", self.images),
            ("image_keys", self.image_keys),
            ("tokens", self.tokens),
            ("audit_log", self.audit_entries),
            ("policy", self.policy),
            ("key_logins", self.key_logins),
        ]
    }
}

/// How a column is read and bound: every column of the schema is text or a 64-bit integer.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Int,
}

/// One value in transit. Nullable or not, it is carried as an `Option`: the schema on the
/// target enforces NOT NULL as it does on the source.
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
}

/// A table and the columns to copy.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
}

/// Every table with data, parents before children (PostgreSQL checks foreign keys on each
/// INSERT). `counters` is not copied: it is set from the copied key pairs.
const TABLES: [Table; 11] = [
    Table {
        name: "regions",
        columns: &[("id", Text), ("name", Text), ("position", Int)],
    },
    Table {
        name: "key_pairs",
        columns: &[
            ("id", Text),
            ("name", Text),
            ("name_lower", Text),
            ("description", Text),
            ("public_key", Text),
            ("comment", Text),
            ("algorithm", Text),
            ("bits", Int),
            ("fingerprint_sha256", Text),
            ("fingerprint_md5", Text),
            ("origin", Text),
            ("created_at", Text),
            ("updated_at", Text),
            ("version", Int),
            ("expires_at", Text),
            ("last_login_at", Text),
            ("last_login_instance_id", Text),
        ],
    },
    Table {
        name: "key_pair_tags",
        columns: &[
            ("key_pair_id", Text),
            ("position", Int),
            ("key", Text),
            ("value", Text),
        ],
    },
    Table {
        name: "instances",
        columns: &[
            ("id", Text),
            ("name", Text),
            ("region", Text),
            ("os", Text),
            ("state", Text),
            ("private_ip", Text),
            ("public_ip", Text),
            ("created_at", Text),
            ("updated_at", Text),
            ("version", Int),
            ("transition_until", Text),
        ],
    },
    Table {
        name: "instance_keys",
        columns: &[
            ("instance_id", Text),
            ("key_pair_id", Text),
            ("bound_at", Text),
        ],
    },
    Table {
        name: "images",
        columns: &[
            ("id", Text),
            ("name", Text),
            ("region", Text),
            ("created_at", Text),
        ],
    },
    Table {
        name: "image_keys",
        columns: &[("image_id", Text), ("key_pair_id", Text)],
    },
    Table {
        name: "tokens",
        columns: &[
            ("id", Text),
            ("name", Text),
            ("role", Text),
            ("token_sha256", Text),
            ("created_at", Text),
            ("revoked_at", Text),
            ("instance_id", Text),
        ],
    },
    Table {
        name: "audit_log",
        columns: &[
            ("id", Int),
            ("at", Text),
            ("actor_id", Text),
            ("actor_name", Text),
            ("actor_role", Text),
            ("action", Text),
            ("target", Text),
            ("status", Int),
            ("error_code", Text),
            ("client", Text),
            ("repeats", Int),
            ("targets", Text),
            ("detail", Text),
        ],
    },
    Table {
        name: "policy",
        columns: &[("id", Int), ("body", Text), ("updated_at", Text)],
    },
    Table {
        name: "key_logins",
        columns: &[
            ("key_pair_id", Text),
            ("instance_id", Text),
            ("instance_name", Text),
            ("user_name", Text),
            ("client_address", Text),
            ("logged_in_at", Text),
        ],
    },
];

/// Rows per INSERT: few statements for 100,000 key pairs, and far below PostgreSQL's limit
/// of 65,535 bind parameters per statement (500 × 17 columns at most).
const BATCH_ROWS: usize = 500;
const MAX_BINDS: usize = 65_535;

/// The tables whose rows make a database "in use": copying over them would mix two fleets.
const MUST_BE_EMPTY: [&str; 4] = ["key_pairs", "tokens", "regions", "instances"];

impl Store {
    /// Refuses a copy unless it goes from SQLite to PostgreSQL; callers check the URLs
    /// before opening anything, so a wrong target is not even created.
    pub fn check_transfer(source: Backend, target: Backend) -> Result<(), AppError> {
        if source != Backend::Sqlite {
            return Err(refused(
                "the source database (--database) must be sqlite://…",
            ));
        }
        if target != Backend::Postgres {
            return Err(refused("the target database must be postgres://…"));
        }
        Ok(())
    }

    /// Copies every row of this (SQLite) database into `target` (PostgreSQL, migrated and
    /// holding no key pair, token, region or instance), in one transaction on the target.
    /// The audit log's identity sequence continues after the highest copied id.
    pub async fn copy_into(&self, target: &Store) -> Result<TransferCounts, AppError> {
        Self::check_transfer(self.backend, target.backend)?;
        // One snapshot of the source: a server still writing to it cannot tear the copy
        // (WAL readers see the database as of their first read).
        let mut source = self.begin_read().await?;
        let mut tx = target.begin_write().await?;
        // Held to the commit, so nothing (a replica starting with --demo, a token command)
        // writes between the emptiness check and the copy.
        let tables: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        sqlx::query(&format!(
            "LOCK TABLE {}, counters IN EXCLUSIVE MODE",
            tables.join(", ")
        ))
        .execute(&mut *tx)
        .await?;
        refuse_unless_empty(&mut tx).await?;

        let mut copied = [0u64; TABLES.len()];
        for (table, count) in TABLES.iter().zip(&mut copied) {
            *count = copy_table(&mut source, &mut tx, table).await?;
        }
        let [regions, key_pairs, tags, instances, instance_keys, images, image_keys, tokens, audit_entries, policy, key_logins] =
            copied;

        // The quota and unfiltered list totals read this row from now on.
        let counter = recount_key_pairs(&mut tx).await?;
        if u64::try_from(counter).ok() != Some(key_pairs) {
            return Err(refused(&format!(
                "the key pair counter reads {counter} after copying {key_pairs} key pairs"
            )));
        }
        // Ids were inserted explicitly, which does not advance the identity sequence; the
        // next audit entry must not collide with a copied one.
        if audit_entries > 0 {
            sqlx::query(
                "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), \
                 (SELECT MAX(id) FROM audit_log))",
            )
            .execute(&mut *tx)
            .await?;
        }
        commit(tx).await?;
        // The source was only read.
        source.rollback().await?;
        Ok(TransferCounts {
            regions,
            key_pairs,
            tags,
            instances,
            instance_keys,
            images,
            image_keys,
            tokens,
            audit_entries,
            policy,
            key_logins,
        })
    }
}

fn refused(reason: &str) -> AppError {
    AppError::TransferRefused {
        reason: reason.to_owned(),
    }
}

/// Refuses a target that holds any key pair, token, region or instance, naming what it holds.
async fn refuse_unless_empty(tx: &mut Transaction<'static, Any>) -> Result<(), AppError> {
    let mut held = Vec::new();
    for table in MUST_BE_EMPTY {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut **tx)
            .await?;
        if rows > 0 {
            held.push(format!("{table}: {rows}"));
        }
    }
    if held.is_empty() {
        Ok(())
    } else {
        Err(refused(&format!(
            "the target database is not empty (it holds {}); migrate-to copies into an empty \
             database only",
            held.join(", ")
        )))
    }
}

/// Copies one table a page at a time; the number of rows copied.
///
/// Pages follow SQLite's `rowid`: every source table has one, it is indexed, and it orders
/// tables with composite keys (tags, bindings) as simply as those with one id column.
async fn copy_table(
    source: &mut Transaction<'static, Any>,
    target: &mut Transaction<'static, Any>,
    table: &Table,
) -> Result<u64, AppError> {
    let columns: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
    let columns = columns.join(", ");
    let page_rows = BATCH_ROWS.min(MAX_BINDS / table.columns.len());
    let select = format!(
        "SELECT rowid, {columns} FROM {} WHERE rowid > $1 ORDER BY rowid LIMIT $2",
        table.name
    );
    // Keyrack never sets a rowid, but SQLite allows negative ones.
    let mut after = i64::MIN;
    let mut copied = 0u64;
    loop {
        let rows: Vec<AnyRow> = sqlx::query(&select)
            .bind(after)
            .bind(i64::try_from(page_rows).unwrap_or(i64::MAX))
            .fetch_all(&mut **source)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(copied);
        };
        after = last.try_get(0)?;
        let mut insert = Sql::new(format!("INSERT INTO {} ({columns}) VALUES ", table.name));
        for (i, row) in rows.iter().enumerate() {
            insert.push(if i == 0 { "(" } else { ", (" });
            for (c, (_, kind)) in table.columns.iter().enumerate() {
                if c > 0 {
                    insert.push(", ");
                }
                // Column 0 is the rowid.
                match read(row, c + 1, *kind)? {
                    Value::Text(v) => insert.bind(v),
                    Value::Int(v) => insert.bind(v),
                };
            }
            insert.push(")");
        }
        insert.execute(&mut **target).await?;
        copied += rows.len() as u64;
    }
}

fn read(row: &AnyRow, index: usize, kind: Kind) -> Result<Value, sqlx::Error> {
    Ok(match kind {
        Kind::Text => Value::Text(row.try_get(index)?),
        Kind::Int => Value::Int(row.try_get(index)?),
    })
}
