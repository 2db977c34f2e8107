//! Port of XSOAR's `tableToMarkdown` (CommonServerPython). Filled in by the markdown work.
