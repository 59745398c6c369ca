/**
 * Entry point of the browser bundle (build.mjs → dist/www/app.js and its chunks): the app on this page, talking
 * to the node that served it (same origin; the token travels only in the Authorization header).
 * @module
 */
import { SdmpHttpClient } from '@sdmp/client'
import { App } from './app.js'

const app = new App({
  document,
  storage: sessionStorage,
  history,
  location,
  createApi: (token) => new SdmpHttpClient({ url: location.origin, token }),
})
void app.start()
