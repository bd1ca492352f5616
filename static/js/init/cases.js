// The lecture's cases, one click each: a link in the /init URL format and the story in the
// lecture's words. A case is "current" when the page shows exactly its settings.

import { h } from '../lib/dom.js';
import { initHref } from './state.js';

const WIDE = { width: 100, seed: 0, samples: 256 };

export const CASES = [
  {
    id: 'identity-2',
    title: 'Deep linear, W = 2I',
    settings: { depth: 50, width: 2, activation: 'linear', init: 'identity', gain: 2, seed: 0, samples: 256 },
    text: 'f is the identity mapping, so y = W⁽ᴸ⁾W⁽ᴸ⁻¹⁾ ⋯ W⁽¹⁾x. With every W = [2 0; 0 2] each layer doubles the '
      + 'signal going forward and the gradient going back: ‖∂loss/∂hₗ‖ grows as 2^(L−l) towards the input. Exploding gradients.',
  },
  {
    id: 'identity-half',
    title: 'Deep linear, W = 0.5I',
    settings: { depth: 50, width: 2, activation: 'linear', init: 'identity', gain: 0.5, seed: 0, samples: 256 },
    text: 'The same network with W = [0.5 0; 0 0.5]: the signal halves at every layer, and the gradient reaching '
      + 'layer l is 0.5^(L−l) of the last layer\'s. Vanishing gradients: the first layers hardly learn.',
  },
  {
    id: 'sigmoid-normal',
    title: 'Sigmoid, large weights: saturated',
    settings: { depth: 10, activation: 'sigmoid', init: 'normal', gain: 1, ...WIDE },
    text: 'z = hW sums 100 inputs with N(0, 1) weights: its spread (std about 6 to 10) puts most σ(z) near 0 or 1 '
      + '(the histograms), where σ′ = σ(1 − σ) ≈ 0: a saturated unit passes almost no gradient back. Yet '
      + '‖∂loss/∂hₗ‖ shrinks only about ×0.98 per layer: the same large weights multiply what the unsaturated units '
      + 'pass back. The next case saturates every unit.',
  },
  {
    id: 'sigmoid-ones',
    title: 'Sigmoid, every unit saturated',
    settings: { depth: 10, activation: 'sigmoid', init: 'ones', gain: 0.05, ...WIDE },
    text: 'W = 0.05 everywhere: each unit sums 100 inputs × 0.05, so from layer 4 on every zₗ ≈ 5 and every σ(z) ≈ 0.993. '
      + 'Going back, each layer multiplies the gradient by 100 × 0.05 × σ′(zₗ) ≈ 5 × 0.0069 = 0.034: ‖∂loss/∂h₁‖ is about 10⁻¹² of '
      + '‖∂loss/∂h₁₀‖. Vanishing gradients from saturation (and, all weights equal, every unit a copy of the others).',
  },
  {
    id: 'tanh-glorot',
    title: 'tanh with Glorot',
    settings: { depth: 50, activation: 'tanh', init: 'glorot_normal', gain: 1, ...WIDE },
    text: 'Glorot & Bengio (2010) pick Var W = 2/(fan_in + fan_out) so that, for tanh near 0, the spread of the activations '
      + 'going forward and of the gradients going back stays roughly the same from one layer to the next: here both shrink '
      + 'by about ×0.96 a layer (tanh′ < 1 away from 0), so the gradient loses only about 6-fold over 50 layers.',
  },
  {
    id: 'tanh-he',
    title: 'tanh with He',
    settings: { depth: 50, activation: 'tanh', init: 'he_normal', gain: 1, ...WIDE },
    text: 'He\'s variance, 2/fan_in, is twice Glorot\'s here: the activations keep their spread (std about 0.56 at layer 50, '
      + 'where Glorot\'s fall to 0.1) and the gradient grows going back, about ×1.05 a layer: 10-fold over 50 layers. '
      + 'Compare with Glorot.',
  },
  {
    id: 'relu-he',
    title: 'ReLU with He',
    settings: { depth: 50, activation: 'relu', init: 'he_normal', gain: 1, ...WIDE },
    text: 'A ReLU zeroes about half of its inputs, halving the second moment at each layer; He et al. (2015) double the '
      + 'weights\' variance to 2/fan_in to make up for it, and the gradient keeps its size through 50 layers: every '
      + '‖∂loss/∂hₗ‖ within a factor of 5 of the others.',
  },
  {
    id: 'relu-glorot',
    title: 'ReLU with Glorot',
    settings: { depth: 50, activation: 'relu', init: 'glorot_normal', gain: 1, ...WIDE },
    text: 'Glorot\'s variance, made for tanh, is half of what ReLU needs: the activations shrink by about 1/√2 per layer, '
      + 'and so does the gradient going back: ‖∂loss/∂h₁‖ is about 10⁻⁷ of ‖∂loss/∂h₅₀‖. Vanishing gradients.',
  },
  {
    id: 'zeros',
    title: 'Zero init',
    settings: { depth: 20, activation: 'tanh', init: 'zeros', gain: 1, ...WIDE },
    text: 'Is it a good idea to initialise weights with zero? Every hₗ is 0, so every ∂loss/∂Wₗ = hₗ₋₁ᵀ·(…) is 0: no '
      + 'weight moves. Even with equal non-zero weights every unit stays a copy of the others (the symmetry panel below).',
  },
];

/** The case whose settings the page shows, or null. */
export function currentCase(settings) {
  return CASES.find((c) => Object.entries(c.settings).every(([k, v]) => settings[k] === v)) ?? null;
}

/** The list of case cards; onPick(case) runs on a plain click (a modified click opens the link as usual). */
export function renderCases(el, onPick) {
  el.replaceChildren(...CASES.map((c) => {
    const link = h('a', { href: initHref(c.settings), 'data-case': c.id }, c.title);
    link.addEventListener('click', (event) => {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      onPick(c);
    });
    return h('li', { class: 'case', 'data-case-card': c.id }, link, h('p', {}, c.text));
  }));
}

/** Mark the current case's card. */
export function markCase(el, settings) {
  const current = currentCase(settings);
  for (const card of el.querySelectorAll('[data-case-card]')) {
    const on = card.dataset.caseCard === current?.id;
    card.classList.toggle('current', on);
    card.querySelector('a').toggleAttribute('aria-current', on);
    if (on) card.querySelector('a').setAttribute('aria-current', 'true');
  }
  return current;
}
