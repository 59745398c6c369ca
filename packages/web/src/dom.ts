/**
 * A tiny DOM builder for the web client. Strings only ever become text nodes (`textContent`
 * semantics): message bodies, subjects and names come from other people and are hostile input,
 * so no code path here parses HTML (docs/web.md §Security).
 * @module
 */

/** A child: text (becomes a text node), an element, or nothing (skipped). */
export type Child = Node | string | number | null | undefined | false

/** Attributes and properties accepted by {@link h}; `on*` functions become listeners. */
export type Props = Record<
  string,
  string | number | boolean | null | undefined | ((event: Event) => void)
>

/**
 * Create an element with attributes and children. `class`, `for` and `aria-*`/`data-*` keys are
 * set as attributes; booleans as present/absent attributes; `on<event>` keys add listeners.
 * @example
 * h('a', { href: '#/chats' }, 'Chats')
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue
    if (typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value)
    } else if (value === true) {
      el.setAttribute(key, '')
    } else {
      el.setAttribute(key, String(value))
    }
  }
  append(el, children)
  return el
}

/** Append children to a parent; strings become text nodes, never markup. */
export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
}

/** Replace every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren()
  append(parent, children)
}

/** A labelled form field: `<label for=id>` + the control, in a wrapper the CSS lays out. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint === undefined ? null : h('small', { id: `${id}-hint`, class: 'hint' }, hint),
  )
}
