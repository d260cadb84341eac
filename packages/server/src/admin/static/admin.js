// Small enhancements of the admin pages; every page works without them.
(() => {
  // "Select all" in change lists with bulk actions.
  function bindActionToggle(root) {
    const toggle = root.querySelector('#action-toggle');
    if (!toggle || toggle.dataset.bound) return;
    toggle.dataset.bound = '1';
    toggle.addEventListener('change', () => {
      for (const box of root.querySelectorAll('input.action-select')) box.checked = toggle.checked;
    });
  }

  // The override form shows only the fields its "apply to" choice uses (ads-throttle README, "Overrides").
  const FIELDS_BY_TARGET = {
    user: ['user', 'viewer_id'],
    viewer: ['viewer_id'],
    ip: ['raw_ip'],
    all: [],
  };
  function bindOverrideForm(root) {
    const form = root.querySelector('#override-form');
    if (!form || form.dataset.bound) return;
    form.dataset.bound = '1';
    const update = () => {
      const checked = form.querySelector('input[name="apply_to"]:checked');
      const wanted = FIELDS_BY_TARGET[checked ? checked.value : 'user'] || [];
      for (const name of ['user', 'viewer_id', 'raw_ip']) {
        const row = form.querySelector(`.field-${name}`);
        if (row) row.hidden = !wanted.includes(name) && !row.classList.contains('errors');
      }
    };
    form.addEventListener('change', (event) => {
      if (event.target && event.target.name === 'apply_to') update();
    });
    update();
  }

  function bind(root) {
    bindActionToggle(root);
    bindOverrideForm(root);
  }

  document.addEventListener('DOMContentLoaded', () => bind(document));
  // Content swapped in by htmx (the live search) gets the same behaviour.
  document.addEventListener('htmx:afterSettle', () => bind(document));
})();
