//! XSOAR mapper engine. Filled in by the mapper work.
