//! A query assembled at run time (filters, `IN` lists) with `$n` placeholders, which both
//! backends accept. sqlx's own `QueryBuilder<Any>` writes `?`, which PostgreSQL refuses.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Arguments, Executor, FromRow};

/// SQL text and its arguments.
pub(super) struct Sql {
    text: String,
    args: AnyArguments<'static>,
    binds: usize,
    error: Option<sqlx::error::BoxDynError>,
}

impl Sql {
    /// Starts with `text`.
    pub(super) fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            args: AnyArguments::default(),
            binds: 0,
            error: None,
        }
    }

    /// Appends SQL text.
    pub(super) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub(super) fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'static + Send + sqlx::Encode<'static, Any> + sqlx::Type<Any>,
    {
        self.binds += 1;
        self.text.push('$');
        self.text.push_str(&self.binds.to_string());
        if let Err(err) = self.args.add(value) {
            self.error.get_or_insert(err);
        }
        self
    }

    /// Appends `(v1, v2, …)`, one placeholder per value.
    pub(super) fn bind_list<T, I>(&mut self, values: I) -> &mut Self
    where
        T: 'static + Send + sqlx::Encode<'static, Any> + sqlx::Type<Any>,
        I: IntoIterator<Item = T>,
    {
        self.push("(");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self.push(")")
    }

    fn into_parts(self) -> Result<(String, AnyArguments<'static>), sqlx::Error> {
        match self.error {
            Some(err) => Err(sqlx::Error::Encode(err)),
            None => Ok((self.text, self.args)),
        }
    }

    /// Every row, as `T`.
    pub(super) async fn fetch_all<'c, T, E>(self, executor: E) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
        E: Executor<'c, Database = Any>,
    {
        let (text, args) = self.into_parts()?;
        sqlx::query_as_with::<_, T, _>(&text, args)
            .fetch_all(executor)
            .await
    }

    /// The first column of the one row.
    pub(super) async fn fetch_scalar<'c, T, E>(self, executor: E) -> Result<T, sqlx::Error>
    where
        T: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any> + Send + Unpin,
        E: Executor<'c, Database = Any>,
    {
        let (text, args) = self.into_parts()?;
        sqlx::query_scalar_with::<_, T, _>(&text, args)
            .fetch_one(executor)
            .await
    }

    /// Runs it; the number of rows it changed.
    pub(super) async fn execute<'c, E>(self, executor: E) -> Result<u64, sqlx::Error>
    where
        E: Executor<'c, Database = Any>,
    {
        let (text, args) = self.into_parts()?;
        Ok(sqlx::query_with(&text, args)
            .execute(executor)
            .await?
            .rows_affected())
    }
}
