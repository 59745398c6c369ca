/**
 * Message bodies for the terminal (body-render.ts): controls escaped whatever the type,
 * markdown styled only with color, html as text; a property over arbitrary input that the only
 * escape sequences in the output are the renderer's own SGR codes.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createStyle } from '../src/output.js'
import {
  HTML_NOTE,
  escapeControls,
  htmlToText,
  renderBody,
  renderMarkdown,
} from '../src/commands/body-render.js'
import { formatMessage } from '../src/commands/message-format.js'
import { formatChatLog } from '../src/commands/chat-format.js'

const ESC = '\u001b'
const plain = createStyle(false)
const color = createStyle(true)
/** The SGR codes the renderer and Style emit (on and off of each attribute, and reset). */
const OWN_SGR = /\u001b\[(?:0|1|2|3|4|9|22|23|24|29|31|32|33|36|39)m/g
/** What must never reach the terminal from a body: C0 but \n and \t, DEL, C1. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/

describe('escapeControls', () => {
  it('makes ESC, CR, BEL, DEL and C1 visible and keeps newlines and tabs', () => {
    assert.equal(
      escapeControls(`a${ESC}]0;pwned\u0007b\r\n\tc\u007f\u009b2J`),
      'a\u241b]0;pwned\u2407b\u240d\n\tc\u2421\ufffd2J',
    )
  })
})

describe('renderBody', () => {
  it('shows a hostile text body without a single control character', () => {
    // Set the window title, clear the screen, move the cursor home (all three kinds).
    const hostile = `${ESC}]0;owned${ESC}\\${ESC}[2J${ESC}[H\u009b31mred`
    for (const type of ['text', 'markdown', 'html'] as const)
      for (const style of [plain, color]) {
        const out = renderBody(hostile, type, style).replace(OWN_SGR, '')
        assert.doesNotMatch(out, CONTROL, `${type}, color ${style.enabled}`)
        assert.match(out, /owned/)
      }
  })

  it('renders markdown with styles only when color is on', () => {
    const md =
      '# Title\n\nsome **bold**, *italic*, `co*de*` and [a link](https://x.test)\n- one\n> quoted'
    assert.equal(
      renderBody(md, 'markdown', plain),
      'Title\n\nsome bold, italic, co*de* and a link (https://x.test)\n• one\n│ quoted',
    )
    const styled = renderBody(md, 'markdown', color)
    assert.ok(styled.includes(`${ESC}[4m${ESC}[1mTitle${ESC}[22m${ESC}[24m`))
    assert.ok(styled.includes(`${ESC}[1mbold${ESC}[22m`))
    assert.ok(styled.includes(`${ESC}[3mitalic${ESC}[23m`))
    // Nothing inside a code span is markup.
    assert.ok(styled.includes(`${ESC}[36mco*de*${ESC}[39m`))
    assert.ok(styled.includes(`${ESC}[4ma link${ESC}[24m (https://x.test)`))
    assert.equal(styled.replace(OWN_SGR, ''), renderBody(md, 'markdown', plain))
  })

  it('keeps fenced code as it is, indented, and numbered lists and rules', () => {
    assert.equal(
      renderMarkdown('```\n**not bold**\n```\n1. first\n2) second\n---', false),
      '    **not bold**\n1. first\n2. second\n' + '─'.repeat(20),
    )
  })

  it('leaves text bodies alone (markdown is not sniffed)', () => {
    assert.equal(renderBody('# not a heading **x**', 'text', color), '# not a heading **x**')
  })

  it('shows html as its text after a note, with no link followed', () => {
    const html =
      '<p>Hello <b>Bob</b> &amp; co</p><script>alert(1)</script><ul><li>a</li><li>b</li></ul>' +
      '<a href="https://evil.test">click</a><!-- hidden --> &lt;tag&gt; &#x263A; &#27;[2J'
    const out = renderBody(html, 'html', plain)
    assert.equal(out.split('\n')[0], HTML_NOTE)
    assert.equal(out, `${HTML_NOTE}\nHello Bob & co\n\n• a\n\n• b\n\nclick <tag> \u263a \u241b[2J`)
    assert.doesNotMatch(out, /evil|alert|hidden/)
  })

  it('decodes no entity past U+10FFFF or a surrogate', () => {
    assert.equal(htmlToText('&#x110000;&#xD800;&bogus;'), '\ufffd\ufffd&bogus;')
  })

  it('never lets a control character through, whatever the body (property)', () => {
    const anyText = fc.string({
      unit: fc.oneof(
        fc.constantFrom(
          ESC,
          '[',
          ']',
          '\u0007',
          '\u009b',
          '\r',
          '\n',
          '*',
          '_',
          '`',
          '#',
          '<',
          '&',
          '#27;',
          '>',
          '-',
          ' ',
        ),
        fc.integer({ min: 0, max: 0x2ff }).map((c) => String.fromCharCode(c)),
      ),
      maxLength: 200,
    })
    fc.assert(
      fc.property(
        anyText,
        fc.constantFrom('text', 'markdown', 'html' as const),
        fc.boolean(),
        (body, type, on) => {
          const out = renderBody(body, type, on ? color : plain).replace(OWN_SGR, '')
          assert.doesNotMatch(out, CONTROL)
          assert.ok(!out.includes(ESC))
        },
      ),
      { numRuns: 2_000 },
    )
  })
})

describe('formatMessage and formatChatLog', () => {
  const message = {
    id: 'A'.repeat(86),
    from: 'B'.repeat(86),
    to: ['C'.repeat(86)],
    subject: `sub${ESC}[2Jject`,
    body: `**hi**${ESC}]0;title\u0007`,
    type: 'markdown' as const,
    created: '2026-12-05T20:00:00.000Z',
    conversation: 'A'.repeat(86),
    chat: 'B'.repeat(86),
    replyTo: null,
    expires: null,
    state: 'unread' as const,
    reason: null,
    direction: 'in' as const,
    forwardedFrom: null,
    edited: null,
    deleted: false,
    onBehalfOf: null,
    group: null,
  }

  it('escapes the subject and renders the body of show', () => {
    const out = formatMessage({ ...message, receipts: [] }, () => 'bob', plain)
    assert.doesNotMatch(out, CONTROL)
    assert.match(out, /subject: {2}sub\u241b\[2Jject/)
    assert.match(out, /\n\nhi\u241b\]0;title\u2407$/)
  })

  it('renders the body in a chat log', () => {
    const out = formatChatLog([message], new Map(), () => 'bob', color).replace(OWN_SGR, '')
    assert.doesNotMatch(out, CONTROL)
    assert.match(out, /hi\u241b\]0;title\u2407$/)
  })
})
