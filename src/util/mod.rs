//! Utilities of the official clients: `fromNow`, `slugid`, `fromEnvVars`.

pub mod env;
pub mod slugid;
pub mod time;
