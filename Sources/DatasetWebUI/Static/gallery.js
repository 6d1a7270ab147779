// Gallery: more pages by keyset cursor as you scroll. Each cell's link carries the gallery's
// query and order (data-link, made by the server), so the image page knows its neighbours.
import { api, el, toast } from '/static/common.js';

const grid = document.getElementById('grid');
const more = document.getElementById('more');

function cell(image) {
  const link = el('a', { class: 'cell', href: image.page + (grid.dataset.link ?? ''), 'data-id': image.id, title: image.path },
    el('img', { src: image.thumbnail, alt: image.path, loading: 'lazy' }),
    el('span', { class: 'name' }, image.path));
  if (image.quality !== undefined && image.quality !== null) link.append(el('span', { class: 'quality' }, `Q${image.quality}`));
  for (const tag of image.tags.slice(0, 3)) link.append(el('span', { class: 'tag' }, tag));
  return link;
}

let loading = false;
async function loadMore() {
  if (!more || loading || !more.dataset.next) return;
  loading = true;
  more.disabled = true;
  try {
    const params = new URLSearchParams(window.location.search);
    params.set('after', more.dataset.next);
    const page = await api(`/api/images?${params}`);
    for (const image of page.images) grid.append(cell(image));
    if (page.next) more.dataset.next = page.next; else more.remove();
  } catch (error) {
    toast(error.message, true);
  } finally {
    loading = false;
    more.disabled = false;
  }
}

if (more) {
  more.addEventListener('click', loadMore);
  new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadMore(); }, { rootMargin: '600px' }).observe(more);
}
document.addEventListener('keydown', (event) => {
  if (event.key === '/' && document.activeElement?.id !== 'q') {
    event.preventDefault();
    document.getElementById('q')?.focus();
  }
});
