//! Rows a page reads once: inside [`within_read_snapshot`], the query functions that consult
//! [`kept`] (a case's scope, handoffs, consents and incidents; the agencies) read their rows at
//! the first ask and answer later asks from memory. A page that asks several services about one
//! case (its detail, timeline, consents, notes, documents, handoffs, what may be sent) then sends
//! each of these statements once instead of once per service. Only for reads: nothing written
//! inside the snapshot may change the rows kept (the page's own `case.viewed` entry does not).

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;

use diesel::QueryResult;

/// Kept rows by (what, key).
type Kept = HashMap<(&'static str, i64), Box<dyn Any>>;

thread_local! {
    /// The rows kept inside [`within_read_snapshot`] on this thread.
    static KEPT: RefCell<Option<Kept>> = const { RefCell::new(None) };
}

/// Runs `read` keeping the rows [`kept`] reads until it ends (however it ends).
pub fn within_read_snapshot<T>(read: impl FnOnce() -> T) -> T {
    /// Forgets the kept rows however `read` ends.
    struct Forget;
    impl Drop for Forget {
        fn drop(&mut self) {
            KEPT.with(|k| *k.borrow_mut() = None);
        }
    }
    KEPT.with(|k| *k.borrow_mut() = Some(Kept::new()));
    let _forget = Forget;
    read()
}

/// Whether a snapshot is being kept on this thread.
pub fn active() -> bool {
    KEPT.with(|k| k.borrow().is_some())
}

/// The rows `what` of `key` if a snapshot keeps them.
pub fn peek<T: Clone + 'static>(what: &'static str, key: i64) -> Option<T> {
    KEPT.with(|k| {
        k.borrow()
            .as_ref()
            .and_then(|kept| kept.get(&(what, key)))
            .and_then(|rows| rows.downcast_ref::<T>().cloned())
    })
}

/// The rows `what` of `key`: kept ones inside a snapshot, else (and the first time) `read`.
pub fn kept<T: Clone + 'static>(
    what: &'static str,
    key: i64,
    read: impl FnOnce() -> QueryResult<T>,
) -> QueryResult<T> {
    if let Some(rows) = peek::<T>(what, key) {
        return Ok(rows);
    }
    let rows = read()?;
    KEPT.with(|k| {
        if let Some(kept) = k.borrow_mut().as_mut() {
            kept.insert((what, key), Box::new(rows.clone()));
        }
    });
    Ok(rows)
}
