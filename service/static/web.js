// Repeatable rows (e.g. 近两年年度考核结果): add and remove rows, renumbering the field names
// `group-<i>-field` so the server reads them back in order. Without JavaScript two rows show.
(function () {
  function renumber(fieldset) {
    var group = fieldset.dataset.rows;
    fieldset.querySelectorAll('tr[data-row]').forEach(function (row, i) {
      row.querySelectorAll('[name]').forEach(function (el) {
        el.name = el.name.replace(new RegExp('^' + group + '-\\d+-'), group + '-' + i + '-');
        el.id = 'f-' + el.name;
      });
    });
  }
  document.querySelectorAll('fieldset[data-rows]').forEach(function (fieldset) {
    var body = fieldset.querySelector('tbody');
    var max = parseInt(fieldset.dataset.max || '20', 10);
    fieldset.querySelector('[data-add-row]').addEventListener('click', function () {
      var rows = body.querySelectorAll('tr[data-row]');
      if (rows.length >= max) return;
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll('input, select').forEach(function (el) {
        if (el.type === 'radio' || el.type === 'checkbox') el.checked = false; else el.value = '';
        el.removeAttribute('aria-invalid');
      });
      copy.querySelectorAll('.field-error').forEach(function (el) { el.remove(); });
      body.appendChild(copy);
      renumber(fieldset);
    });
    body.addEventListener('click', function (event) {
      if (!event.target.matches('[data-remove-row]')) return;
      var rows = body.querySelectorAll('tr[data-row]');
      var row = event.target.closest('tr');
      if (rows.length > 1) row.remove();
      else row.querySelectorAll('input, select').forEach(function (el) { el.value = ''; });
      renumber(fieldset);
    });
  });
})();
