#!/usr/bin/env node
/** The `sdmp` executable: hands the process to runCli and sets the exit code. @module */
import { runCli } from './main.js'

// Everything sdmp creates (home, store, WAL, blobs, saved attachments) is private to this user
// whatever the login umask (docs/security.md, issue 12); each file is also created with an
// explicit 0600/0700 mode, so this is the second of two locks, not the only one.
if (process.platform !== 'win32') process.umask(0o077)
// exitCode (not process.exit) lets piped stdout drain before the process ends.
process.exitCode = await runCli(process.argv.slice(2), process)
