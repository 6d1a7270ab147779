// Trash: restore the files picked; they are re-indexed by an update job.
import { api, toast } from '/static/common.js';

const button = document.getElementById('restore');
button?.addEventListener('click', async () => {
  const paths = [...document.querySelectorAll('.pick:checked')].map((box) => box.value);
  if (paths.length === 0) { toast('Pick the files to restore', true); return; }
  button.disabled = true;
  try {
    const result = await api('/api/trash/restore', { method: 'POST', body: { paths } });
    for (const box of document.querySelectorAll('.pick:checked')) box.closest('li').remove();
    toast(`Restored ${result.restored.length}; re-indexing (job ${result.job.id})`);
  } catch (error) {
    toast(error.message, true);
  } finally {
    button.disabled = false;
  }
});
