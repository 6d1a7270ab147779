// Shared helpers of the imgeda web UI. Data from the server is only ever placed with
// textContent or attribute setters, never parsed as HTML.

const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

/** Calls the JSON API; state-changing calls carry the page's CSRF token. Throws the server's message. */
export async function api(path, options = {}) {
  const init = { method: options.method ?? 'GET', headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (init.method !== 'GET') init.headers['X-CSRF-Token'] = csrf;
  if (options.body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = data.error ?? {};
    throw new Error((error.message ?? response.statusText) + (error.remedy ? ` (${error.remedy})` : ''));
  }
  return data;
}

/** Makes an element: el('td', {class: 'x'}, 'text', child). Strings become text nodes. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let toastTimer;
/** A short message in the corner. */
export function toast(message, isError = false) {
  const box = document.getElementById('toast');
  if (!box) return;
  box.textContent = message;
  box.className = 'show' + (isError ? ' error' : '');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.className = ''; }, isError ? 6000 : 2500);
}

/** Whether a key event happened while typing in a field (then shortcuts stay quiet). */
export function typing(event) {
  const target = event.target;
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}
