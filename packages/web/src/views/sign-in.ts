/**
 * Sign-in: the API bearer token, pasted by the user (it is the file `<home>/api-token`). The
 * token is kept in sessionStorage only, so it is gone when the tab closes (docs/web.md §Sign-in).
 * @module
 */
import { field, h } from '../dom.js'
import { cleanToken } from '../format.js'

/**
 * The sign-in form. `submit` gets the cleaned token and resolves once the attempt is over
 * (the app shows any failure in its error line).
 */
export function signInForm(submit: (token: string) => Promise<void>): HTMLElement {
  const token = h('input', {
    id: 'token',
    type: 'password',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'token-hint',
  })
  const button = h('button', { type: 'submit' }, 'Sign in')
  const problem = h('p', { id: 'token-problem', class: 'error', hidden: true })
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    field(
      'API token',
      token,
      'The contents of the file api-token in your sdmp home (for example ~/.sdmp/api-token).',
    ),
    problem,
    h('div', { class: 'toolbar' }, button),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const value = cleanToken(token.value)
    if (value === '') {
      problem.textContent = 'That is not an API token: paste the whole file content.'
      problem.hidden = false
      token.focus()
      return
    }
    problem.hidden = true
    button.disabled = true
    void submit(value).finally(() => {
      button.disabled = false
      token.value = ''
    })
  })
  return h(
    'section',
    { class: 'view sign-in-view' },
    h('h1', { id: 'sign-in-title', tabindex: -1 }, 'Sign in to your sdmp node'),
    h(
      'p',
      {},
      'This page talks only to the node that served it. The token stays in this tab and is ',
      'forgotten when you close it.',
    ),
    form,
  )
}
