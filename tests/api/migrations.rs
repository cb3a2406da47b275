//! The two migration trees stay in step, and every migration can be undone exactly.

use std::collections::BTreeSet;
use std::path::Path;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use rujukan::db::{DbConnection, migrate};

use crate::both_backends;
use crate::helpers::*;

fn directories(tree: &str) -> BTreeSet<String> {
    std::fs::read_dir(repo_dir().join("migrations").join(tree))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_trees_have_the_same_migration_directories() {
    let postgres = directories("postgres");
    let sqlite = directories("sqlite");
    assert!(!postgres.is_empty());
    assert_eq!(
        postgres, sqlite,
        "migrations/postgres and migrations/sqlite must have the same directory names"
    );
    for tree in ["postgres", "sqlite"] {
        for dir in &postgres {
            for file in ["up.sql", "down.sql"] {
                let path = repo_dir()
                    .join("migrations")
                    .join(tree)
                    .join(dir)
                    .join(file);
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                assert!(
                    !text.trim().is_empty(),
                    "{} is missing or empty",
                    path.display()
                );
            }
        }
    }
    assert!(!Path::new("migrations/postgres/.diesel_lock").exists());
}

/// One column as both backends can describe it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    table: String,
    column: String,
    not_null: bool,
    kind: &'static str,
}

#[derive(QueryableByName)]
struct RawColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    #[diesel(sql_type = Text)]
    data_type: String,
}

/// Maps each backend's type names onto the portable set (STYLE.md B10).
fn coarse(data_type: &str) -> &'static str {
    let t = data_type.to_ascii_lowercase();
    if t.contains("char") || t == "text" {
        "text"
    } else if t.contains("int") {
        "integer"
    } else if t.starts_with("timestamp") {
        "timestamp"
    } else if t.starts_with("bool") {
        "bool"
    } else if t == "bytea" || t == "blob" {
        "binary"
    } else if t == "date" {
        "date"
    } else if t.contains("double") || t == "real" || t.contains("float") {
        "float"
    } else {
        "other"
    }
}

fn columns(conn: &mut DbConnection) -> BTreeSet<Column> {
    let sql = match conn {
        DbConnection::Pg(_) => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
             CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS not_null, data_type::text AS data_type \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name <> '__diesel_schema_migrations'"
        }
        DbConnection::Sqlite(_) => {
            "SELECT m.name AS table_name, p.name AS column_name, \
             CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 1 ELSE 0 END AS not_null, p.type AS data_type \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'"
        }
    };
    diesel::sql_query(sql)
        .load::<RawColumn>(conn)
        .unwrap()
        .into_iter()
        .map(|c| Column {
            table: c.table_name,
            column: c.column_name,
            not_null: c.not_null == 1,
            kind: coarse(&c.data_type),
        })
        .collect()
}

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct SchemaObject {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

/// Everything a migration can create: tables, columns, indexes, constraints, triggers.
fn schema_dump(conn: &mut DbConnection) -> Vec<SchemaObject> {
    let sql = match conn {
        DbConnection::Pg(_) => {
            "SELECT 'column' AS kind, table_name || '.' || column_name AS name, \
                    data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS definition \
               FROM information_schema.columns WHERE table_schema = current_schema() \
             UNION ALL SELECT 'index', indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             UNION ALL SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid) \
               FROM pg_constraint WHERE connamespace = current_schema()::regnamespace \
             UNION ALL SELECT 'trigger', tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(t.oid) \
               FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
               WHERE c.relnamespace = current_schema()::regnamespace AND NOT tgisinternal \
             ORDER BY 1, 2"
        }
        DbConnection::Sqlite(_) => {
            "SELECT type AS kind, name, coalesce(sql, '') AS definition FROM sqlite_master ORDER BY 1, 2"
        }
    };
    diesel::sql_query(sql).load(conn).unwrap()
}

async fn up_down_up_leaves_the_same_schema(backend: Backend) {
    let db = TestDb::empty(backend);
    let mut conn = db.connect();
    let applied = migrate::run_pending(&mut conn).unwrap();
    assert_eq!(
        applied.len(),
        directories("sqlite").len(),
        "every migration applied"
    );
    let first = schema_dump(&mut conn);
    assert!(first.iter().any(|o| o.name.contains("system_meta")));

    let reverted = migrate::revert_all(&mut conn).unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert!(
        columns(&mut conn).is_empty(),
        "down.sql left tables behind: {:?}",
        columns(&mut conn)
    );

    migrate::run_pending(&mut conn).unwrap();
    let again = schema_dump(&mut conn);
    assert_eq!(first, again, "down.sql does not exactly undo up.sql");
    assert!(
        migrate::run_pending(&mut conn).unwrap().is_empty(),
        "nothing pending the second time"
    );
}
both_backends!(up_down_up_leaves_the_same_schema);

/// Same tables, columns, nullability and portable types on both backends.
#[actix_web::test]
async fn both_backends_end_with_the_same_tables_and_columns() {
    if !postgres_available() {
        return;
    }
    let sqlite = TestDb::empty(Backend::Sqlite);
    let postgres = TestDb::empty(Backend::Postgres);
    let sqlite_columns = columns(&mut sqlite.migrated());
    let postgres_columns = columns(&mut postgres.migrated());
    assert!(!sqlite_columns.is_empty());
    assert!(
        sqlite_columns.iter().all(|c| c.kind != "other"),
        "non-portable type: {sqlite_columns:?}"
    );
    let only_sqlite: Vec<_> = sqlite_columns.difference(&postgres_columns).collect();
    let only_postgres: Vec<_> = postgres_columns.difference(&sqlite_columns).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "schemas differ\nonly in SQLite: {only_sqlite:#?}\nonly in PostgreSQL: {only_postgres:#?}"
    );
}

async fn applied_versions_are_recorded(backend: Backend) {
    let db = TestDb::empty(backend);
    let mut conn = db.migrated();
    let applied = migrate::applied(&mut conn).unwrap();
    let expected: Vec<String> = directories("sqlite")
        .into_iter()
        .map(|d| d.split('_').next().unwrap().replace('-', ""))
        .collect();
    assert_eq!(applied, expected);
}
both_backends!(applied_versions_are_recorded);
