/**
 * @sdmp/fuzz: the fuzz harness (issue 6, docs/fuzz.md). Private: used by `npm run fuzz` and by
 * its own fixed-seed test.
 * @module
 */
export { TARGETS, selectTargets } from './registry.js'
export { runTarget, runTargets, formatTable, showInput, MAX_HEAP_GROWTH_BYTES } from './runner.js'
export type { RunOptions, TargetResult } from './runner.js'
export { defineTarget, expectCoded, expectCodedSync, FuzzFinding } from './target.js'
export type { FuzzTarget, PreparedTarget, TypedTarget } from './target.js'
