//! Integration tests of `ucs-model`, through its public API only.

mod util;

mod changes;
mod defaults;
mod errors;
mod keys;
mod robustness;
mod seed;
mod semantics;
