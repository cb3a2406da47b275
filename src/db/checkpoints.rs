//! Taking and reading signed audit checkpoints. Like the trail, checkpoints are only ever appended.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use ed25519_dalek::SigningKey;

use super::DbConnection;
use super::schema::{audit_checkpoints, audit_events, audit_stream_heads};
use crate::audit::checkpoint::{Checkpoint, Head, Statement};

/// A stored checkpoint row.
#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_checkpoints)]
struct CheckpointRow {
    number: i64,
    created_at: NaiveDateTime,
    up_to_id: i64,
    entries: i64,
    prev_hash: String,
    heads: String,
    hash: String,
    public_key: String,
    signature: String,
}

/// Every checkpoint, in order.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Checkpoint>> {
    audit_checkpoints::table
        .order(audit_checkpoints::number.asc())
        .select(CheckpointRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| {
            let heads: Vec<Head> = serde_json::from_str(&row.heads)
                .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
            Ok(Checkpoint {
                number: row.number,
                created_at: crate::audit::chain::to_micros(row.created_at)
                    .format(crate::audit::checkpoint::TIME_FORMAT)
                    .to_string(),
                up_to_id: row.up_to_id,
                entries: row.entries,
                prev_hash: row.prev_hash,
                heads,
                hash: row.hash,
                public_key: row.public_key,
                signature: row.signature,
            })
        })
        .collect()
}

/// Takes a checkpoint of everything appended since the last one; `None` when nothing was.
///
/// Appends are held off while it reads (PostgreSQL: a SHARE lock on the stream heads waits for
/// appending transactions to commit; SQLite: the write lock), so every entry up to the recorded id
/// is committed and no later one is counted. Concurrent checkpoint takers queue on the same lock.
pub fn take(
    conn: &mut DbConnection,
    key: &SigningKey,
    now: NaiveDateTime,
) -> QueryResult<Option<Checkpoint>> {
    conn.transaction(|conn| {
        hold_off_appends(conn)?;
        let last: Option<(i64, i64, i64, String)> = audit_checkpoints::table
            .order(audit_checkpoints::number.desc())
            .select((
                audit_checkpoints::number,
                audit_checkpoints::up_to_id,
                audit_checkpoints::entries,
                audit_checkpoints::hash,
            ))
            .first(conn)
            .optional()?;
        let (number, after, entries_before, prev_hash) = last.unwrap_or((0, 0, 0, String::new()));
        let Some(up_to_id) = audit_events::table
            .select(diesel::dsl::max(audit_events::id))
            .first::<Option<i64>>(conn)?
            .filter(|max| *max > after)
        else {
            return Ok(None);
        };
        let new_entries: i64 = audit_events::table
            .filter(audit_events::id.gt(after))
            .filter(audit_events::id.le(up_to_id))
            .count()
            .get_result(conn)?;
        let checkpoint = Statement {
            number: number + 1,
            created_at: crate::audit::chain::to_micros(now),
            up_to_id,
            entries: entries_before + new_entries,
            prev_hash,
            heads: changed_heads(conn, after, up_to_id)?,
        }
        .sign(key);
        insert(conn, &checkpoint, now)?;
        Ok(Some(checkpoint))
    })
}

/// Holds appends to the trail off until the transaction ends, and other checkpoint takers with
/// them.
fn hold_off_appends(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(_) => conn.batch_execute(
            "LOCK TABLE audit_checkpoints IN EXCLUSIVE MODE; LOCK TABLE audit_stream_heads IN SHARE MODE;",
        ),
        // A write statement takes SQLite's write lock at once, before anything is read.
        DbConnection::Sqlite(_) => {
            conn.batch_execute("UPDATE audit_stream_heads SET seq = seq WHERE 0 = 1;")
        }
    }
}

/// The heads of the streams that entries `after..=up_to_id` were appended to, by stream.
fn changed_heads(conn: &mut DbConnection, after: i64, up_to_id: i64) -> QueryResult<Vec<Head>> {
    let changed = audit_events::table
        .filter(audit_events::id.gt(after))
        .filter(audit_events::id.le(up_to_id))
        .select(audit_events::stream)
        .distinct();
    Ok(audit_stream_heads::table
        .filter(audit_stream_heads::stream.eq_any(changed))
        .order(audit_stream_heads::stream.asc())
        .select((
            audit_stream_heads::stream,
            audit_stream_heads::seq,
            audit_stream_heads::hash,
        ))
        .load::<(String, i64, String)>(conn)?
        .into_iter()
        .map(|(stream, seq, hash)| Head { stream, seq, hash })
        .collect())
}

/// Stores a signed checkpoint.
fn insert(conn: &mut DbConnection, checkpoint: &Checkpoint, now: NaiveDateTime) -> QueryResult<()> {
    let heads_json = serde_json::to_string(&checkpoint.heads)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(audit_checkpoints::table)
        .values((
            audit_checkpoints::number.eq(checkpoint.number),
            audit_checkpoints::created_at.eq(crate::audit::chain::to_micros(now)),
            audit_checkpoints::up_to_id.eq(checkpoint.up_to_id),
            audit_checkpoints::entries.eq(checkpoint.entries),
            audit_checkpoints::prev_hash.eq(&checkpoint.prev_hash),
            audit_checkpoints::heads.eq(heads_json),
            audit_checkpoints::hash.eq(&checkpoint.hash),
            audit_checkpoints::public_key.eq(&checkpoint.public_key),
            audit_checkpoints::signature.eq(&checkpoint.signature),
        ))
        .execute(conn)?;
    Ok(())
}
