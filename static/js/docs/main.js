// /docs: Swagger UI on the app's own OpenAPI schema. The page loads Swagger UI's bundle
// (a classic script from /vendor/swagger-ui/, which defines window.SwaggerUIBundle) before
// this module runs; starting it here rather than in an inline script keeps the page
// under the Content-Security-Policy, which allows only this server's script files.

import { Notices } from '../lib/notices.js';
import { Presenter } from '../lib/presenter.js';
import { UrlState, field } from '../lib/urlstate.js';

const $ = (selector) => document.querySelector(selector);
const state = new UrlState({ presenter: field.bool() });

Presenter.forPage(state);
new Notices($('[data-testid=notices]')).update(state.takeNotices());

window.SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  deepLinking: true, // an operation's #/tag/operationId link reopens it
  // Swagger UI would otherwise ask validator.swagger.io about a schema served from any
  // host but localhost: a request leaving the server, refused by the policy anyway.
  validatorUrl: null,
  onComplete() { document.body.dataset.state = 'ready'; }, // the operations are drawn: a hook for tests
});
