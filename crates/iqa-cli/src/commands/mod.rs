//! The subcommands of `iqa`, one file each, and the helpers they share (CSV columns,
//! plain-text tables).

pub mod bench;
pub mod compare;
pub mod csv_table;
pub mod datasets;
pub mod eval;
pub mod format;
pub mod fr;
pub mod score;
pub mod synth;
pub mod train;
