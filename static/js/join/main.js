// /join: a student types the room's code (the form opens /?room=CODE, which follows the
// room); the header's presenter mode and full screen work here as on every page.

import { Notices } from '../lib/notices.js';
import { Presenter } from '../lib/presenter.js';
import { UrlState, field } from '../lib/urlstate.js';

const $ = (selector) => document.querySelector(selector);
const state = new UrlState({ presenter: field.bool() });

Presenter.forPage(state);
new Notices($('[data-testid=notices]')).update(state.takeNotices());
$('[data-testid=join-code]').focus();
document.body.dataset.state = 'ready'; // a hook for tests
