//! Authentication primitives: password hashing, access tokens, refresh and cookie secrets,
//! CSRF tokens, and the per-address login limiter. No HTTP and no database here.

pub mod jwt_hmac;
pub mod limiter;
pub mod password;
pub mod token;
