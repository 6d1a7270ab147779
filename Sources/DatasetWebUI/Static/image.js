// Image page: edit tags (with completion), caption, status and rating; previous/next by keyboard.
import { api, el, toast, typing, order } from '/static/common.js';

const page = document.getElementById('image');
const id = page.dataset.id;
const tagsList = document.getElementById('tags');
const newTag = document.getElementById('new-tag');
const options = document.getElementById('tag-options');

function renderTags(tags) {
  tagsList.replaceChildren(...tags.map((tag) => el('li', {},
    el('span', { class: 'tag' }, tag),
    el('button', { type: 'button', class: 'remove-tag', 'data-tag': tag, 'aria-label': `Remove tag ${tag}` }, '×'))));
}

async function save(change) {
  try {
    const detail = await api(`/api/images/${id}`, { method: 'POST', body: change });
    renderTags(detail.sidecar.tags);
    toast('Saved');
  } catch (error) {
    toast(error.message, true);
  }
}

tagsList.addEventListener('click', (event) => {
  const button = event.target.closest('.remove-tag');
  if (button) save({ remove_tags: [button.dataset.tag] });
});

newTag.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    event.preventDefault();
    const tag = newTag.value.trim();
    if (tag) save({ add_tags: [tag] });
    newTag.value = '';
  }
});

let completion;
newTag.addEventListener('input', () => {
  clearTimeout(completion);
  completion = setTimeout(async () => {
    try {
      const tags = await api(`/api/tags?prefix=${encodeURIComponent(newTag.value.trim())}&limit=10`);
      options.replaceChildren(...tags.map((t) => el('option', { value: t.tag }, `${t.images}`)));
    } catch { /* completion is a convenience */ }
  }, 150);
});

document.getElementById('edit').addEventListener('submit', (event) => {
  event.preventDefault();
  const change = {
    caption: document.getElementById('caption').value,
    status: document.getElementById('status').value,
    rating: Number(document.getElementById('rating').value),
  };
  const tag = newTag.value.trim();
  if (tag) change.add_tags = [tag];
  newTag.value = '';
  save(change);
});

// Previous and next follow the gallery the person came from.
const ids = order.load();
const at = ids.indexOf(id);
const prev = document.getElementById('prev');
const next = document.getElementById('next');
if (at > 0) { prev.href = `/image/${ids[at - 1]}`; prev.hidden = false; }
if (at >= 0 && at < ids.length - 1) { next.href = `/image/${ids[at + 1]}`; next.hidden = false; }

document.addEventListener('keydown', (event) => {
  if (typing(event)) return;
  if (event.key === 'ArrowLeft' && !prev.hidden) window.location.href = prev.href;
  else if (event.key === 'ArrowRight' && !next.hidden) window.location.href = next.href;
  else if (event.key === 't') { event.preventDefault(); newTag.focus(); }
  else if (event.key === 'Escape') window.history.length > 1 ? window.history.back() : (window.location.href = '/');
});
