#!/usr/bin/env python3
"""The minimal-SQL baseline of a handoff create + accept pair (scripts/bench/run.sh, step 5).

Sends, per pair, only the writes a hand-written implementation of the same work would need, each
side in one transaction, against a copy of the benchmark database (audit entries cannot be
deleted, so run.sh hands this script a copy and drops it afterwards):

  create:  BEGIN (SQLite: BEGIN IMMEDIATE, as the server does)
           INSERT handoffs … RETURNING id                       the handoff (a copy of a real one)
           UPDATE audit_stream_heads SET seq = seq + 1 … RETURNING seq, hash
           INSERT audit_events …                                 the entry, its SHA-256 chained
           UPDATE audit_stream_heads SET hash = …                the stream head
           INSERT INTO outbox … SELECT … FROM users              the receiver's e-mails
           INSERT INTO stats_deltas VALUES (…) × 12              the count changes
           COMMIT
  accept:  BEGIN
           UPDATE handoffs SET status = 'accepted', … WHERE id = ? AND status = 'pending'
           the audit entry (the same three statements)
           INSERT INTO outbox … SELECT … FROM users WHERE id = sender   the sender's e-mail
           INSERT INTO stats_deltas VALUES (…) × 11
           COMMIT

Nothing is read to authorise or validate (no session, no case, no consent, no agreement check):
this is a floor, not a rival implementation. The rows copy the columns of the newest real
report-to-police handoff and its audit entries and e-mails (made by the API phase just before),
so they are of realistic size. The same cases as the API phase are used (each client its own),
so appends contend on the same audit streams as there.

Input: the JSON of pairs.py on standard input (case ids per level). Prints one JSON object.
SQLite through the standard library; PostgreSQL through psycopg 3 (pip install "psycopg[binary]").
"""

import argparse
import hashlib
import json
import sqlite3
import sys
import threading
import time
import uuid
from datetime import datetime, timezone

HANDOFF_ROLES = ("caseworker", "supervisor", "investigator", "prosecutor", "court_clerk")

HANDOFF_COPY = [
    "kind", "rule_id", "agreement_version_id", "from_agency_id", "to_agency_id",
    "owner_agency_id", "created_by", "shares", "consent_purpose", "message_ciphertext",
    "key_id", "receiver_records_consent",
]
AUDIT_COPY = [
    "action", "actor_user_id", "actor_username", "actor_agency_id", "actor_roles",
    "subject_type", "request_id", "client_ip", "details",
]


class Db:
    """The few differences between the two backends."""

    def __init__(self, backend, target):
        self.backend, self.target = backend, target
        self.mark = "?" if backend == "sqlite" else "%s"

    def connect(self):
        if self.backend == "sqlite":
            conn = sqlite3.connect(self.target, isolation_level=None, check_same_thread=False)
            # The server's connection settings (src/db/pool.rs).
            conn.executescript(
                "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; "
                "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
            )
            return conn
        import psycopg  # noqa: PLC0415 (only needed for PostgreSQL)

        return psycopg.connect(self.target, autocommit=True)

    def now(self):
        """The current UTC instant as the column expects it: text on SQLite (as diesel stores
        it), a naive datetime on PostgreSQL (psycopg sends it typed as timestamp)."""
        at = datetime.now(timezone.utc).replace(tzinfo=None)
        return at.isoformat(sep=" ", timespec="microseconds") if self.backend == "sqlite" else at

    def sql(self, text):
        return text.replace("?", self.mark)

    def begin(self, conn):
        conn.execute("BEGIN IMMEDIATE" if self.backend == "sqlite" else "BEGIN")

    def one(self, conn, text, params=()):
        return conn.execute(self.sql(text), params).fetchone()

    def all(self, conn, text, params=()):
        return conn.execute(self.sql(text), params).fetchall()




def templates(db, conn, case_ids):
    """The newest real report-to-police handoff among the API phase's cases, with its audit
    entries and e-mails, as column values to copy."""
    marks = ",".join("?" * len(case_ids))
    row = db.one(
        conn,
        f"SELECT id, case_id, decided_by, {', '.join(HANDOFF_COPY)} FROM handoffs "
        f"WHERE case_id IN ({marks}) AND status = 'accepted' ORDER BY id DESC LIMIT 1",
        case_ids,
    )
    if row is None:
        raise SystemExit("baseline: no accepted handoff of the API phase to copy")
    handoff_id, case_id, decided_by, *copied = row
    handoff = dict(zip(HANDOFF_COPY, copied))
    audit = {}
    for action in ("handoff.created", "handoff.accepted"):
        found = db.one(
            conn,
            f"SELECT {', '.join(AUDIT_COPY)} FROM audit_events WHERE case_id = ? AND action = ? "
            "ORDER BY id DESC LIMIT 1",
            (case_id, action),
        )
        if found is None:
            raise SystemExit(f"baseline: no {action} entry for case {case_id}")
        audit[action] = dict(zip(AUDIT_COPY, found))
    mails = db.all(
        conn, "SELECT kind, params FROM outbox WHERE case_id = ? ORDER BY id", (case_id,)
    )
    received = next((p for k, p in mails if k == "handoff.received"), mails[0][1] if mails else "{}")
    decided = next((p for k, p in mails if k == "handoff.decided"), received)
    province = db.one(conn, "SELECT province FROM cases WHERE id = ?", (case_id,))[0]
    consents = {}
    for cid in case_ids:
        found = db.one(
            conn,
            "SELECT id FROM consents WHERE case_id = ? AND purpose = 'police_report' "
            "ORDER BY id DESC LIMIT 1",
            (cid,),
        )
        consents[cid] = found[0] if found else None
    return {
        "handoff": handoff,
        "decided_by": decided_by,
        "audit": audit,
        "mail_received": received,
        "mail_decided": decided,
        "province": province,
        "consents": consents,
        "template_id": handoff_id,
    }


def append_audit(db, conn, stream, case_id, subject_id, fields, at):
    """One audit entry: bump the stream head, insert the chained entry, store the new hash."""
    seq, prev_hash = db.one(
        conn,
        "UPDATE audit_stream_heads SET seq = seq + 1 WHERE stream = ? RETURNING seq, hash",
        (stream,),
    )
    canonical = json.dumps(
        [stream, seq, prev_hash, str(at), fields["action"], fields["actor_user_id"], fields["details"]],
        separators=(",", ":"),
    )
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    conn.execute(
        db.sql(
            "INSERT INTO audit_events (occurred_at, stream, action, actor_user_id, actor_username, "
            "actor_agency_id, actor_roles, subject_type, subject_id, case_id, request_id, client_ip, "
            "details, seq, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        (
            at, stream, fields["action"], fields["actor_user_id"], fields["actor_username"],
            fields["actor_agency_id"], fields["actor_roles"], fields["subject_type"], subject_id,
            case_id, str(uuid.uuid4()), fields["client_ip"], fields["details"], seq, prev_hash,
            digest,
        ),
    )
    conn.execute(
        db.sql("UPDATE audit_stream_heads SET hash = ? WHERE stream = ?"), (digest, stream)
    )


def deltas(db, conn, rows):
    """The count changes in one multi-row insert."""
    marks = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(rows))
    flat = [value for row in rows for value in row]
    conn.execute(
        db.sql(
            "INSERT INTO stats_deltas (indicator, dim, month, province, agency_id, value, n) "
            f"VALUES {marks}"
        ),
        flat,
    )


def outbox(db, conn, kind, case_id, params, at, where, args):
    """E-mails for the users `where` selects, in one INSERT … SELECT (as the server does)."""
    batch = f"<{uuid.uuid4()}."
    conn.execute(
        db.sql(
            "INSERT INTO outbox (created_at, kind, case_id, recipient_user_id, recipient_email, "
            "language, params, message_id, status, attempts, next_attempt_at) "
            "SELECT ?, ?, ?, users.id, users.email, users.language, ?, "
            "? || users.username || '@rujukan>', "
            "CASE WHEN users.email IS NULL THEN 'no_address' ELSE 'pending' END, 0, ? "
            f"FROM users WHERE users.active = ? AND {where}"
        ),
        (at, kind, case_id, params, batch, at, True, *args),
    )


def pair(db, conn, t, case_id):
    """One handoff sent and accepted: two transactions."""
    h = t["handoff"]
    stream = f"case:{case_id}"
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    at = db.now()
    # The send.
    db.begin(conn)
    columns = HANDOFF_COPY + ["case_id", "status", "consent_id", "created_at", "updated_at"]
    values = [h[c] for c in HANDOFF_COPY] + [case_id, "pending", t["consents"].get(case_id), at, at]
    (handoff_id,) = db.one(
        conn,
        f"INSERT INTO handoffs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        "RETURNING id",
        values,
    )
    append_audit(db, conn, stream, case_id, str(handoff_id), t["audit"]["handoff.created"], at)
    role_marks = ", ".join("?" * len(HANDOFF_ROLES))
    outbox(
        db, conn, "handoff.received", case_id, t["mail_received"], at,
        f"users.agency_id = ? AND users.id IN (SELECT user_id FROM user_roles WHERE role IN ({role_marks}))",
        (h["to_agency_id"], *HANDOFF_ROLES),
    )
    sent = []
    for indicator, agency in (("handoffs", h["from_agency_id"]), ("handoffs_received", h["to_agency_id"])):
        for dim, value in (("all", "all"), ("kind", h["kind"]), ("status", "pending"),
                           ("sender_kind", "service_unit"), ("receiver_kind", "police"),
                           ("handoff", h["rule_id"])):
            sent.append((indicator, dim, month, t["province"], agency, value, 1))
    deltas(db, conn, sent)
    conn.execute("COMMIT")
    # The acceptance.
    at = db.now()
    db.begin(conn)
    changed = conn.execute(
        db.sql(
            "UPDATE handoffs SET status = 'accepted', decided_by = ?, decided_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'pending'"
        ),
        (t["decided_by"], at, at, handoff_id),
    ).rowcount
    if changed != 1:
        conn.execute("ROLLBACK")
        raise RuntimeError(f"handoff {handoff_id} not pending")
    append_audit(db, conn, stream, case_id, str(handoff_id), t["audit"]["handoff.accepted"], at)
    outbox(db, conn, "handoff.decided", case_id, t["mail_decided"], at, "users.id = ?", (h["created_by"],))
    accepted = []
    for indicator, agency in (("handoffs", h["from_agency_id"]), ("handoffs_received", h["to_agency_id"])):
        accepted.append((indicator, "status", month, t["province"], agency, "pending", -1))
        accepted.append((indicator, "status", month, t["province"], agency, "accepted", 1))
    for dim, value in (("all", "0000"), ("kind", "referral|0000"), ("receiver_kind", "police|0000")):
        accepted.append(("time_to_decide", dim, month, t["province"], h["to_agency_id"], value, 1))
    for dim, value in (("all", "all"), ("rule", "sla.respond"), ("outcome", "met"),
                       ("rule_outcome", "sla.respond|met")):
        accepted.append(("deadlines", dim, month, t["province"], h["to_agency_id"], value, 1))
    deltas(db, conn, accepted)
    conn.execute("COMMIT")


def run_level(db, t, cases, clients):
    shares = [cases[i::clients] for i in range(clients)]
    errors, lock = [], threading.Lock()
    conns = [db.connect() for _ in range(clients)]
    start = threading.Barrier(clients + 1)

    def client(conn, mine):
        start.wait()
        for case_id in mine:
            try:
                pair(db, conn, t, case_id)
            except Exception as error:  # noqa: BLE001 (counted and reported)
                with lock:
                    errors.append(f"case {case_id}: {error}")
                try:
                    conn.execute("ROLLBACK")
                except Exception:  # noqa: BLE001,S110 (no transaction open)
                    pass

    threads = [threading.Thread(target=client, args=(c, s)) for c, s in zip(conns, shares)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    for conn in conns:
        conn.close()
    done = len(cases) - len(errors)
    return {
        "clients": clients,
        "pairs": done,
        "seconds": round(seconds, 3),
        "pairs_per_s": round(done / seconds, 1),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backend", choices=["sqlite", "postgres"])
    parser.add_argument("target", help="SQLite file, or a PostgreSQL conninfo string")
    args = parser.parse_args()
    api = json.load(sys.stdin)
    db = Db(args.backend, args.target)
    conn = db.connect()
    every_case = [c for level in api["levels"] for c in level["case_ids"]]
    t = templates(db, conn, every_case)
    conn.close()
    results = []
    for level in api["levels"]:
        result = run_level(db, t, level["case_ids"], level["clients"])
        print(
            f"  {result['clients']:>2} clients: {result['pairs']} pairs in {result['seconds']} s = "
            f"{result['pairs_per_s']} pairs/s (errors {result['errors']})",
            file=sys.stderr,
        )
        if result["first_error"]:
            print(f"    first error: {result['first_error']}", file=sys.stderr)
        results.append(result)
    json.dump({"levels": results}, sys.stdout)
    print()
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
