//! Diesel table definitions, in the portable types only (`Text`, `BigInt`, `Integer`, `Bool`,
//! `Timestamp` as UTC): the parity test checks them against both migration trees.

diesel::table! {
    /// Facts about this installation.
    system_meta (key) {
        /// Fact name.
        key -> Text,
        /// Fact value.
        value -> Text,
        /// Last change, UTC.
        updated_at -> Timestamp,
    }
}
