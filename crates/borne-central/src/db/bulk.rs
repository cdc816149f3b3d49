//! Multi-row statements: many rows in one round trip, the same SQL on
//! both engines (sqlx's `Any` driver binds no arrays, so no `UNNEST`; a
//! multi-row `VALUES` is what both engines take).

use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use super::{Engine, StoreError};

/// A value bound in a multi-row statement.
#[derive(Debug, Clone, Copy)]
pub(super) enum Param<'a> {
    Text(&'a str),
    /// NULL when `None`.
    MaybeText(Option<&'a str>),
    Int(i64),
    /// NULL when `None`.
    MaybeInt(Option<i64>),
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(s: &'a str) -> Self {
        Self::Text(s)
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(s: &'a String) -> Self {
        Self::Text(s)
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(s: Option<&'a str>) -> Self {
        Self::MaybeText(s)
    }
}

impl From<Option<i64>> for Param<'_> {
    fn from(v: Option<i64>) -> Self {
        Self::MaybeInt(v)
    }
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

/// Bound values per statement, well under both engines' limits (SQLite
/// 32,766, PostgreSQL 65,535): a bigger set is cut into several statements.
const MAX_PARAMS: usize = 16_000;

/// How a statement names its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholders {
    /// `$1, $2, …` (PostgreSQL).
    Numbered,
    /// `?, ?, …` (SQLite). SQLite takes `$1` as a *named* parameter and
    /// looks each name up in a list: binding n of them costs n² — 20 ms
    /// of a core for a batch's 1,200 values, more than the insert.
    Anonymous,
}

impl Placeholders {
    fn of(conn: &AnyConnection) -> Self {
        match Engine::of_connection(conn) {
            Engine::Sqlite => Self::Anonymous,
            Engine::Postgres => Self::Numbered,
        }
    }

    /// The placeholder of the `n`-th value (from 1).
    fn push(self, out: &mut String, n: usize) {
        match self {
            Self::Numbered => {
                out.push('$');
                out.push_str(&n.to_string());
            }
            Self::Anonymous => out.push('?'),
        }
    }
}

/// `($1, $2), ($3, $4)`: `rows` groups of `width` placeholders, the first
/// one for value `first`.
fn value_rows(style: Placeholders, first: usize, rows: usize, width: usize) -> String {
    let mut out = String::with_capacity(rows * width * 5);
    for row in 0..rows {
        if row > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for col in 0..width {
            if col > 0 {
                out.push_str(", ");
            }
            style.push(&mut out, first + row * width + col);
        }
        out.push(')');
    }
    out
}

/// `$1, $2, … $n` (or `?, ?, …`), for `IN (…)`, from value `first`.
fn list(style: Placeholders, first: usize, n: usize) -> String {
    value_rows(style, first, n, 1).replace(['(', ')'], "")
}

/// Binds `params` to `sql` in order.
fn bound<'q>(
    sql: &'q str,
    params: &[Param<'q>],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut q = sqlx::query(sql);
    for p in params {
        q = match *p {
            Param::Text(s) => q.bind(s),
            Param::MaybeText(s) => q.bind(s),
            Param::Int(v) => q.bind(v),
            Param::MaybeInt(v) => q.bind(v),
        };
    }
    q
}

/// `{head} VALUES (…), (…) {tail}` for rows of `width` values laid end to
/// end in `params`; the rows any `RETURNING` in `tail` gives.
pub(super) async fn insert(
    conn: &mut AnyConnection,
    head: &str,
    tail: &str,
    width: usize,
    params: &[Param<'_>],
) -> Result<Vec<AnyRow>, StoreError> {
    debug_assert!(width > 0 && params.len() % width == 0);
    let style = Placeholders::of(conn);
    let mut out = Vec::new();
    for chunk in params.chunks((MAX_PARAMS / width) * width) {
        let sql = format!(
            "{head} VALUES {} {tail}",
            value_rows(style, 1, chunk.len() / width, width)
        );
        out.extend(bound(&sql, chunk).fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// `sql` with `{}` replaced by the placeholders of `keys` (an `IN` list),
/// after `before` (values for `$1 … $k`, written before the list in
/// `sql`, so the list's values follow theirs).
pub(super) async fn with_keys(
    conn: &mut AnyConnection,
    sql: &str,
    before: &[Param<'_>],
    keys: &[&str],
) -> Result<Vec<AnyRow>, StoreError> {
    // Numbered even on SQLite: its driver counts `?` apart from `$n`, so
    // the two cannot mix; a list of at most a batch's keys is cheap to
    // look up by name.
    let mut out = Vec::new();
    for chunk in keys.chunks(MAX_PARAMS) {
        let sql = sql.replace(
            "{}",
            &list(Placeholders::Numbered, before.len() + 1, chunk.len()),
        );
        let mut params = before.to_vec();
        params.extend(chunk.iter().map(|k| Param::Text(k)));
        out.extend(bound(&sql, &params).fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_placeholders_are_numbered_across_rows() {
        use Placeholders::{Anonymous, Numbered};
        assert_eq!(value_rows(Numbered, 1, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(value_rows(Anonymous, 1, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(list(Numbered, 2, 3), "$2, $3, $4");
        assert_eq!(list(Anonymous, 2, 2), "?, ?");
    }
}
