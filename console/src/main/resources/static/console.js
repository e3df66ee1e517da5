// Cutflow console: zoom, Retry, "Retry all matching", Reprocess, review marks, Restore. Everything the server sent is put in as text, never as HTML.
(function () {
  'use strict';
  var csrf = (document.querySelector('meta[name=csrf]') || {}).content || '';

  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error(j.error || ('HTTP ' + r.status)); }
        return j;
      });
    });
  }

  function follow(run, status) {
    status.textContent = 'Run ' + run.run_id + ': ' + run.contents + ' contents, ' + run.state;
    status.dataset.runId = run.run_id;
    status.dataset.state = run.state;
    if (run.state === 'queued' || run.state === 'running') {
      setTimeout(function () {
        fetch('/api/runs/' + encodeURIComponent(run.run_id), {credentials: 'same-origin'})
          .then(function (r) { return r.json(); })
          .then(function (next) { follow(next, status); });
      }, 1000);
    }
  }

  function filterFromLocation() {
    var filter = {};
    new URLSearchParams(window.location.search).forEach(function (v, k) { if (v) { filter[k] = v; } });
    return filter;
  }

  document.addEventListener('click', function (e) {
    var t = e.target;
    if (t.matches('img.zoomable')) {
      t.closest('figure').classList.toggle('zoomed');
      return;
    }
    if (t.matches('button.retry')) {
      t.disabled = true;
      var status = t.parentElement.querySelector('.run-status');
      post('/api/retry', {md5: [t.dataset.md5], idempotency_key: t.dataset.key + ':' + t.dataset.md5})
        .then(function (run) { follow(run, status); })
        .catch(function (err) { status.textContent = err.message; t.disabled = false; });
      return;
    }
    if (t.id === 'retry-all') {
      t.disabled = true;
      var s = document.getElementById('retry-all-status');
      s.textContent = 'Counting…';
      post('/api/retry/preview', filterFromLocation()).then(function (p) {
        var go = document.getElementById('retry-all-go');
        go.textContent = 'Retry all matching (' + p.contents + ')';
        go.dataset.contents = p.contents;
        document.getElementById('retry-all-confirm').hidden = false;
        s.textContent = p.contents + ' contents will be retried: confirm.';
      }).catch(function (err) { s.textContent = err.message; t.disabled = false; });
      return;
    }
    if (t.matches('button.reprocess')) {
      t.disabled = true;
      var rs = t.parentElement.querySelector('.run-status');
      var template = document.getElementById('reprocess-template').value;
      post('/api/reprocess', {template: template, md5: [t.dataset.md5],
                              idempotency_key: t.dataset.key + ':' + template + ':' + t.dataset.md5})
        .then(function (run) { follow(run, rs); })
        .catch(function (err) { rs.textContent = err.message; t.disabled = false; });
      return;
    }
    if (t.id === 'process-sample') {
      t.disabled = true;
      var ps = t.parentElement.querySelector('.run-status');
      post('/api/reprocess', {template: t.dataset.template, md5: t.dataset.md5s.split(' '),
                              idempotency_key: t.dataset.key + ':sample'})
        .then(function (run) { follow(run, ps); })
        .catch(function (err) { ps.textContent = err.message; t.disabled = false; });
      return;
    }
    if (t.matches('button.restore')) {
      t.disabled = true;
      var rst = t.parentElement.querySelector('.run-status');
      rst.textContent = 'Restoring…';
      post('/api/restore', {md5: [t.dataset.md5], template: t.dataset.template, asset_type: t.dataset.assetType})
        .then(function (r) { rst.textContent = 'restored ' + r.objects + ' object(s): reload to see it'; rst.dataset.state = 'restored'; })
        .catch(function (err) { rst.textContent = err.message; t.disabled = false; });
      return;
    }
    if (t.matches('button.mark')) {
      t.disabled = true;
      var ms = t.parentElement.querySelector('.run-status');
      post('/api/review', {md5: [t.dataset.md5], template_id: t.dataset.templateId,
                           template_version: Number(t.dataset.templateVersion), mark: t.dataset.mark})
        .then(function () { ms.textContent = 'marked ' + t.dataset.mark; ms.dataset.state = 'marked'; })
        .catch(function (err) { ms.textContent = err.message; t.disabled = false; });
      return;
    }
    if (t.id === 'retry-all-cancel') {
      document.getElementById('retry-all-confirm').hidden = true;
      document.getElementById('retry-all').disabled = false;
      document.getElementById('retry-all-status').textContent = '';
      return;
    }
    if (t.id === 'retry-all-go') {
      t.disabled = true;
      var body = filterFromLocation();
      body.idempotency_key = document.getElementById('retry-all').dataset.key + ':all';
      var st = document.getElementById('retry-all-status');
      post('/api/retry', body).then(function (run) { follow(run, st); })
        .catch(function (err) { st.textContent = err.message; });
    }
  });
})();
