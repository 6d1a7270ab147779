// Jobs: start, cancel, resume; live progress from server-sent events.
import { api, el, toast } from '/static/common.js';

const body = document.getElementById('jobs');
const rows = new Map();

function seconds(value) {
  if (value === undefined || value === null) return '';
  if (value < 90) return `${Math.round(value)} s`;
  if (value < 5400) return `${Math.round(value / 60)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}

function render(job) {
  const percent = job.total > 0 ? Math.round((100 * job.done) / job.total) : (job.status === 'done' ? 100 : 0);
  const actions = el('td', {});
  if (job.status === 'queued' || job.status === 'running') {
    actions.append(el('button', { type: 'button', class: 'cancel', onclick: () => act(job.id, 'cancel') }, 'Cancel'));
  } else if (job.status !== 'done') {
    actions.append(el('button', { type: 'button', class: 'resume', onclick: () => act(job.id, 'resume') }, 'Resume'));
  }
  const row = el('tr', { 'data-id': job.id, 'data-status': job.status, 'data-percent': percent },
    el('td', {}, job.id), el('td', {}, job.kind), el('td', { class: 'status' }, job.status),
    el('td', {}, el('progress', { max: 100, value: percent }), ` ${percent}%`),
    el('td', { class: 'done' }, `${job.done} / ${job.total}`),
    el('td', {}, job.rate > 0 ? `${job.rate.toFixed(1)}/s` : ''), el('td', {}, seconds(job.eta)),
    el('td', { class: 'error' }, job.error ?? ''), actions);
  const old = rows.get(job.id);
  if (old) old.replaceWith(row); else body.prepend(row);
  rows.set(job.id, row);
}

async function act(id, action) {
  try { render(await api(`/api/jobs/${id}/${action}`, { method: 'POST' })); } catch (error) { toast(error.message, true); }
}

for (const button of document.querySelectorAll('.start')) {
  button.addEventListener('click', async () => {
    try { render(await api('/api/jobs', { method: 'POST', body: { kind: button.dataset.kind } })); } catch (error) { toast(error.message, true); }
  });
}

const events = new EventSource('/api/jobs/events');
events.addEventListener('job', (event) => render(JSON.parse(event.data)));
events.addEventListener('open', () => document.body.dataset.live = 'yes');
