//! The fuzz targets' shared code: the promises they check and the
//! generator of the structure-aware target.

pub mod generate;
pub mod promises;
