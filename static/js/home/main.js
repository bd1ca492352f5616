// The landing page: nothing but presenter mode and full screen, kept in the URL (the
// header's links and the cards carry it on to the page they open).

import { Notices } from '../lib/notices.js';
import { Presenter } from '../lib/presenter.js';
import { UrlState, field } from '../lib/urlstate.js';

const $ = (selector) => document.querySelector(selector);
const state = new UrlState({ presenter: field.bool() });

Presenter.forPage(state);

new Notices($('[data-testid=notices]')).update(state.takeNotices());
document.body.dataset.state = 'ready'; // as every page says once it is drawn: a hook for tests
