#!/usr/bin/env node
/**
 * `npm run gen-vectors`: regenerates the committed language-neutral vectors in vectors/ from
 * fixed seeds (deterministic). Each generator lives beside the tests that check its file.
 */
import { writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = new URL('..', import.meta.url).pathname
const generators = [
  [
    'packages/core/dist/test/gen/resource-vectors.js',
    {
      'resource.json': 'buildResourceVectors',
      'encoding.json': 'buildEncodingVectors',
      'journal.json': 'buildJournalVectors',
    },
  ],
  ['packages/core/dist/test/gen/envelope-vectors.js', { 'envelope.json': 'buildEnvelopeVectors' }],
  ['packages/core/dist/test/gen/sync-vectors.js', { 'sync.json': 'buildSyncVectors' }],
  ['packages/core/dist/test/gen/session-vectors.js', { 'sessions.json': 'buildSessionVectors' }],
  ['packages/core/dist/test/gen/compact-vectors.js', { 'compact.json': 'buildCompactVectors' }],
]
for (const [file, outputs] of generators) {
  if (!existsSync(join(root, file))) continue
  const mod = await import(pathToFileURL(join(root, file)).href)
  for (const [name, fn] of Object.entries(outputs)) {
    if (typeof mod[fn] !== 'function') continue
    writeFileSync(join(root, 'vectors', name), JSON.stringify(mod[fn](), null, 2) + '\n')
    console.log(`wrote vectors/${name}`)
  }
}
