#!/usr/bin/env node
/** The `sdmp` executable: hands the process to runCli and sets the exit code. @module */
import { runCli } from './main.js'

// exitCode (not process.exit) lets piped stdout drain before the process ends.
process.exitCode = await runCli(process.argv.slice(2), process)
