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

// The task page: 回退 target only with “退回修改”; a form is sent once however often its
// button is clicked; an upload carries what was typed in the task form (kept as a draft).
(function () {
  var form = document.querySelector('form.task-form');
  if (!form) return;
  var returnTo = form.querySelector('[data-return-to]');
  if (returnTo) {
    var sync = function () {
      var chosen = form.querySelector('input[name="decision"]:checked, select[name="decision"]');
      var show = chosen && chosen.value === 'return';
      returnTo.hidden = !show;
      if (!show) returnTo.querySelector('select').value = '';
    };
    form.addEventListener('change', sync);
    sync();
  }
  document.querySelectorAll('form.upload').forEach(function (upload) {
    upload.addEventListener('submit', function () {
      upload.querySelectorAll('input[data-carried]').forEach(function (el) { el.remove(); });
      new FormData(form).forEach(function (value, name) {
        if (name === 'csrf_token' || name === 'action' || typeof value !== 'string') return;
        var hidden = document.createElement('input');
        hidden.type = 'hidden'; hidden.name = 'draft::' + name; hidden.value = value;
        hidden.setAttribute('data-carried', '');
        upload.appendChild(hidden);
      });
    });
  });
})();

// Fields that belong to a choice (e.g. the reward type): shown — and marked required — only
// for the values the form's schema ties them to; hidden ones are disabled, so not sent.
(function () {
  var form = document.querySelector('form.task-form');
  if (!form) return;
  var parts = form.querySelectorAll('[data-show-when], [data-required-when]');
  if (!parts.length) return;
  function valueOf(key) {
    var el = form.querySelector('[name="' + key + '"]:checked') ||
      form.querySelector('select[name="' + key + '"]');
    return el ? el.value : '';
  }
  function matches(rule) {
    return Object.keys(rule).every(function (key) { return rule[key].indexOf(valueOf(key)) >= 0; });
  }
  function sync() {
    parts.forEach(function (field) {
      if (field.dataset.showWhen) {
        var show = matches(JSON.parse(field.dataset.showWhen));
        field.hidden = !show;
        field.querySelectorAll('input, select, textarea').forEach(function (el) { el.disabled = !show; });
      }
      var star = field.querySelector('.req[data-conditional]');
      if (star && field.dataset.requiredWhen) star.hidden = !matches(JSON.parse(field.dataset.requiredWhen));
    });
  }
  form.addEventListener('change', sync);
  sync();
})();

// Every form that changes something is sent once, however often its button is clicked.
document.querySelectorAll('form[method="post"]').forEach(function (form) {
  form.addEventListener('submit', function (event) {
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = '1';
  });
});
window.addEventListener('pageshow', function (event) {  // back to a page kept in memory
  if (event.persisted) document.querySelectorAll('form[data-sent]').forEach(function (f) { delete f.dataset.sent; });
});
