// Signed links to artifacts: a link that works without credentials until it expires.
import { h, fill, clear, errorBox, clock, copyText } from './ui.js';
import * as session from './session.js';

const EXPIRATIONS = [['15 minutes', 15 * 60], ['1 hour', 3600], ['1 day', 86400], ['7 days', 7 * 86400]];

/** A signed link (or a plain one, when anonymous) to an artifact, in `box`. */
export function showSignedLink(box, taskId, runId, name) {
  // One link box at a time (its fields have fixed ids).
  for (const other of document.querySelectorAll('.linkbox')) if (other !== box) clear(other);
  const select = h('select', { id: 'link-expiration' }, EXPIRATIONS.map(([t, s]) => h('option', { value: String(s) }, t)));
  const input = h('input', { id: 'link-url', class: 'mono', readOnly: true, spellcheck: 'false', 'aria-label': `Signed link to ${name}` });
  const open = h('a', { id: 'link-open', class: 'button small', target: '_blank', rel: 'noopener noreferrer' }, 'Open');
  const copied = h('span', { class: 'muted small-text', 'aria-live': 'polite' });
  const note = h('p', { class: 'hint' });
  const errors = h('div', { class: 'errors', hidden: true });
  const build = () => {
    clear(errors);
    try {
      const queue = session.client('Queue');
      const expiration = Number(select.value);
      const args = runId === undefined ? [queue.getLatestArtifact, taskId, name] : [queue.getArtifact, taskId, runId, name];
      const anonymous = !session.connection().credentials;
      const url = anonymous ? queue.buildUrl(...args) : queue.buildSignedUrl(...args, { expiration });
      input.value = url;
      open.href = url;
      note.textContent = anonymous
        ? 'Connected anonymously, so this is a plain link: it works for public artifacts only.'
        : `Anyone with this link can download the artifact, without credentials, until ${clock(new Date(Date.now() + expiration * 1000))}.`;
    } catch (err) {
      input.value = '';
      open.removeAttribute('href');
      errors.hidden = false;
      fill(errors, errorBox(err, 'Building the signed link'));
    }
  };
  select.addEventListener('change', build);
  const copy = h('button', { type: 'button', class: 'small primary', id: 'link-copy' }, 'Copy');
  copy.addEventListener('click', async () => {
    copied.textContent = (await copyText(input.value, input)) ? 'Copied to the clipboard' : 'Selected: press Ctrl+C to copy';
  });
  const close = h('button', { type: 'button', class: 'small quiet', 'aria-label': 'Close the signed link' }, 'Close');
  close.addEventListener('click', () => clear(box));
  box.hidden = false;
  fill(box,
    h('div', { class: 'card-head' },
      h('h4', {}, 'Signed link to ', h('code', {}, name), runId === undefined ? ' (latest run)' : ` (run ${runId})`),
      close),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'link-expiration' }, 'Valid for'), select),
      h('div', { class: 'field grow' }, h('label', { for: 'link-url' }, 'Link'), h('div', { class: 'with-button' }, input, copy, open))),
    note, copied, errors);
  build();
  input.focus();
}

