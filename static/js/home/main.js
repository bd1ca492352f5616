// The landing page: nothing but presenter mode and full screen, kept in the URL.

import { Notices } from '../lib/notices.js';
import { Presenter } from '../lib/presenter.js';
import { UrlState, field } from '../lib/urlstate.js';

const $ = (selector) => document.querySelector(selector);
const state = new UrlState({ presenter: field.bool() });

const presenter = new Presenter({
  toggle: $('[data-testid=presenter-toggle]'),
  fullscreen: $('[data-testid=fullscreen]'),
  onChange(on) {
    state.presenter = on;
    state.save();
  },
});

new Notices($('[data-testid=notices]')).update(state.takeNotices());
presenter.set(state.presenter);
