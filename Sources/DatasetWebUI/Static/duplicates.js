// Duplicates: one undecided group at a time, copies side by side with zoom and pan kept in
// step, what differs from the suggested keeper highlighted; 1–9 keep that copy (the others go to the trash), n not
// duplicates, s skip.
import { api, el, toast, typing } from '/static/common.js';

const box = document.getElementById('group');
const status = document.getElementById('dup-status');
let groups = [];
let index = 0;
let view = { scale: 1, x: 0, y: 0 };

// [label, what is shown, what is compared (the shown text when absent)]: file sizes are
// compared in bytes, shown as the server words them ("2.4 MB").
const facts = [
  ['Resolution', (m) => `${m.width} × ${m.height}`],
  ['Pixels', (m) => `${(m.width * m.height / 1e6).toFixed(2)} MP`],
  ['File size', (m) => m.file_size, (m) => m.file_size_bytes],
  ['Format', (m) => m.format],
  ['Date', (m) => m.capture_date ?? 'unknown'],
  ['Quality', (m) => m.quality ?? '—'],
  ['Status', (m) => m.status],
];

function applyView() {
  for (const img of box.querySelectorAll('.viewport img')) {
    img.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
  }
}

function render() {
  view = { scale: 1, x: 0, y: 0 };
  if (index >= groups.length) {
    box.replaceChildren(el('p', { class: 'empty' }, groups.length ? 'No more undecided groups.' : 'No undecided duplicate groups.'));
    status.textContent = '';
    return;
  }
  const group = groups[index];
  status.textContent = `Group ${index + 1} of ${groups.length} (group #${group.group}); suggested keeper first.`;
  const values = facts.map(([, get]) => group.members.map(get));
  const keys = facts.map(([, get, key]) => group.members.map(key ?? get));
  // A copy's value is highlighted where it differs from the suggested keeper's.
  const reference = Math.max(0, group.members.findIndex((m) => m.id === group.keeper));
  box.replaceChildren(...group.members.map((member, i) => {
    const table = el('table', { class: 'facts' }, el('tr', {}, el('th', {}, 'Path'), el('td', {}, member.path)));
    facts.forEach(([label], f) => {
      const differs = String(keys[f][i]) !== String(keys[f][reference]);
      table.append(el('tr', {}, el('th', {}, label), el('td', { class: differs ? 'diff' : '' }, values[f][i])));
    });
    const keeper = member.id === group.keeper;
    return el('div', { class: 'member' + (keeper ? ' keeper' : ''), 'data-id': member.id },
      el('div', { class: 'label' }, `${i + 1}. `, keeper ? el('span', { class: 'badge' }, 'suggested keeper') : ''),
      el('div', { class: 'viewport' }, el('img', { src: member.preview, alt: member.path, draggable: 'false' })),
      table,
      el('button', { type: 'button', class: 'keep', onclick: () => keep(i) }, `Keep this (${i + 1})`));
  }));
  box.append(el('div', { class: 'actions' },
    el('button', { type: 'button', id: 'not-dup', onclick: notDuplicates }, 'Not duplicates (n)'),
    el('button', { type: 'button', id: 'skip', onclick: skip }, 'Skip (s)')));
}

async function keep(i) {
  const group = groups[index];
  const member = group?.members[i];
  if (!member) return;
  try {
    const result = await api(`/api/duplicates/${group.group}/keep`, { method: 'POST', body: { keep: member.id } });
    toast(`Kept ${result.kept}; ${result.trashed.length} moved to the trash`);
    groups.splice(index, 1);
    render();
  } catch (error) { toast(error.message, true); }
}

async function notDuplicates() {
  const group = groups[index];
  if (!group) return;
  try {
    await api(`/api/duplicates/${group.group}/not-duplicates`, { method: 'POST' });
    toast('Marked as not duplicates');
    groups.splice(index, 1);
    render();
  } catch (error) { toast(error.message, true); }
}

function skip() {
  index += 1;
  render();
}

box.addEventListener('wheel', (event) => {
  if (!event.target.closest('.viewport')) return;
  event.preventDefault();
  const factor = event.deltaY < 0 ? 1.2 : 1 / 1.2;
  const rect = event.target.closest('.viewport').getBoundingClientRect();
  const px = event.clientX - rect.left, py = event.clientY - rect.top;
  const scale = Math.min(16, Math.max(1, view.scale * factor));
  view.x = px - ((px - view.x) * scale) / view.scale;
  view.y = py - ((py - view.y) * scale) / view.scale;
  view.scale = scale;
  if (scale === 1) view = { scale: 1, x: 0, y: 0 };
  applyView();
}, { passive: false });

let drag = null;
box.addEventListener('pointerdown', (event) => {
  if (!event.target.closest('.viewport')) return;
  drag = { x: event.clientX - view.x, y: event.clientY - view.y };
});
window.addEventListener('pointermove', (event) => {
  if (!drag) return;
  view.x = event.clientX - drag.x;
  view.y = event.clientY - drag.y;
  applyView();
});
window.addEventListener('pointerup', () => { drag = null; });

document.addEventListener('keydown', (event) => {
  if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (/^[1-9]$/.test(event.key)) keep(Number(event.key) - 1);
  else if (event.key === 'n') notDuplicates();
  else if (event.key === 's') skip();
});

api('/api/duplicates').then((list) => { groups = list; render(); }).catch((error) => toast(error.message, true));
