// Gallery: more pages by keyset cursor as you scroll, and the order of ids for the image page.
import { api, el, toast, order } from '/static/common.js';

const grid = document.getElementById('grid');
const more = document.getElementById('more');
const ids = () => [...grid.querySelectorAll('.cell')].map((cell) => cell.dataset.id);

function cell(image) {
  const link = el('a', { class: 'cell', href: image.page, 'data-id': image.id, title: image.path },
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
    order.save(ids());
  } catch (error) {
    toast(error.message, true);
  } finally {
    loading = false;
    more.disabled = false;
  }
}

order.save(ids());
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
