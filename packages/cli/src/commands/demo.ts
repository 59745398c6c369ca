/**
 * `sdmp demo`: two users on two nodes with SQLite stores exchange an encrypted message and a
 * receipt, every step shown and verified, in one process (the daemon does the same over sync).
 * @module
 */
import type { Command } from '../command.js'

/** `sdmp demo [--dir DIR]`. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'run a local two-user encrypted exchange on SQLite and show each step',
  usage: 'demo [--dir DIR] [--json]',
  options: {
    dir: {
      type: 'string',
      valueName: 'DIR',
      description: 'keep the two node stores in DIR (default: a new temporary directory)',
    },
  },
  details:
    'Creates two users (alice, bob), each with one node and its own SQLite store, and runs the whole\npath: identities, trusts, prekeys, a sealed message and a sealed receipt, journal verification.',
  async run(ctx) {
    const { runDemo } = await import('../demo/run-demo.js')
    const dir = typeof ctx.options['dir'] === 'string' ? ctx.options['dir'] : undefined
    const result = await runDemo(dir)
    const width = Math.max(...result.steps.map((s) => s.step.length))
    const text = [
      ...result.steps.map((s) => `${ctx.style.bold(s.step.padEnd(width))}  ${s.detail}`),
      '',
      `stores kept in ${result.dir}`,
    ].join('\n')
    return { value: result, text }
  },
}
