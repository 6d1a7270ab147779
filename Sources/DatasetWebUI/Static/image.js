// Image page: edit tags (with completion), caption, status and rating; previous/next by keyboard.
import { api, el, toast, typing } from '/static/common.js';

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

// Previous and next come from the server: the neighbours in the gallery's query and order,
// which the page's address carries (so a direct link has them too).
const prev = document.getElementById('prev');
const next = document.getElementById('next');
const back = document.getElementById('back');

document.addEventListener('keydown', (event) => {
  if (typing(event)) return;
  if (event.key === 'ArrowLeft' && prev.href) window.location.href = prev.href;
  else if (event.key === 'ArrowRight' && next.href) window.location.href = next.href;
  else if (event.key === 't') { event.preventDefault(); newTag.focus(); }
  else if (event.key === 'Escape') window.location.href = back.href;
});
// The keys above are live (tests wait for this before pressing them).
document.body.dataset.ready = 'yes';
