/**
 * Message bodies as their sender declared them (`type`, BodyType in @sdmp/client's schema):
 * `markdown` through `snarkdown` (a 1 KB renderer of the common subset: emphasis, links,
 * code, lists, quotes, headings), then DOMPurify; `html` through DOMPurify; anything else as plain
 * text. Bodies are hostile input (docs/web.md §Security): the sanitizer keeps formatting only,
 * with no script, no event handler, no style, no form or embedded document, and nothing that
 * loads from anywhere (images become their alt text), and links open in a new tab with no
 * opener and no referrer. The result is a DOM fragment built by DOMPurify (`RETURN_DOM_FRAGMENT`),
 * so this module never assigns HTML to an element of the page.
 * @module
 */
import DOMPurify from 'dompurify'
import type { Config } from 'dompurify'
import snarkdown from 'snarkdown'
import { h } from './dom.js'

/** Elements that could run, embed, submit, restyle or load: removed with their content. */
const FORBID_TAGS = [
  'script',
  'style',
  'link',
  'meta',
  'base',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'form',
  'input',
  'button',
  'select',
  'textarea',
  'option',
  'svg',
  'math',
  'video',
  'audio',
  'source',
  'track',
  'picture',
  'canvas',
  'template',
  'dialog',
]

/** Attributes that style, load or ping: `src`/`srcset` are what fetch a remote image. */
const FORBID_ATTR = [
  'style',
  'class',
  'id',
  'src',
  'srcset',
  'background',
  'poster',
  'ping',
  'action',
  'formaction',
  'xlink:href',
  'usemap',
]

/** Link schemes a click may follow; everything else (javascript:, data:, …) loses its href. */
const SAFE_HREF = /^(?:https?:|mailto:)/i

const CONFIG: Config = {
  USE_PROFILES: { html: true },
  FORBID_TAGS,
  FORBID_ATTR,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOWED_URI_REGEXP: SAFE_HREF,
  RETURN_DOM_FRAGMENT: true,
}

let purifier: ReturnType<typeof DOMPurify> | undefined

/** One DOMPurify instance with this module's hooks (created on first use, in the browser). */
function purify(): ReturnType<typeof DOMPurify> {
  if (purifier !== undefined) return purifier
  const p = DOMPurify(window)
  p.addHook('afterSanitizeAttributes', (node) => {
    if (node instanceof HTMLAnchorElement) {
      if (!SAFE_HREF.test(node.getAttribute('href') ?? '')) node.removeAttribute('href')
      node.setAttribute('target', '_blank')
      node.setAttribute('rel', 'noopener noreferrer')
    }
  })
  purifier = p
  return p
}

/** Sanitize HTML text into a fragment of safe elements (see the module comment). */
export function sanitize(html: string): DocumentFragment {
  const fragment = purify().sanitize(html, CONFIG) as unknown as DocumentFragment
  // An image (its src already stripped) becomes its alt text: showing it would fetch it.
  for (const img of fragment.querySelectorAll('img')) {
    const alt = img.getAttribute('alt') ?? ''
    img.replaceWith(alt === '' ? '[image]' : `[image: ${alt}]`)
  }
  return fragment
}

/**
 * The body of a message or post as an element: `<div class="body" data-type=TYPE>`; markdown
 * and html rendered safely, any other type shown as its text.
 */
export function renderBody(type: string, body: string): HTMLElement {
  if (type === 'markdown') {
    const html = snarkdown(body)
    return h('div', { class: 'body rich', 'data-type': type }, sanitize(html))
  }
  if (type === 'html') return h('div', { class: 'body rich', 'data-type': type }, sanitize(body))
  // textContent only: a body like `<img src=x onerror=…>` stays those characters.
  return h('div', { class: 'body', 'data-type': type }, body)
}
