/** Schema version 2: node-local records (docs/store.md "Local records"). @module */
import type { Migration } from './index.js'

/** Keys are ASCII, so the default BINARY collation orders them bytewise as the interface asks. */
export const migration002: Migration = {
  version: 2,
  sql: `
CREATE TABLE local (
  ns TEXT NOT NULL,
  key TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (ns, key)
) STRICT, WITHOUT ROWID;
`,
}
