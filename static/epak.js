/* epak.js — small enhancements only; every page works without it. */
(function () {
  'use strict';
  // After a failed form submit, move focus to the error summary so screen
  // reader users hear what to fix first.
  var summary = document.querySelector('.error-summary');
  if (summary) summary.focus();

  // Boxes folded on narrow screens (the menu, the search facets) are open
  // where there is room; the style sheet shows their content there anyway,
  // this keeps the <details> state (and so what screen readers hear) true.
  var folds = document.querySelectorAll('details[data-open-wide]');
  Array.prototype.forEach.call(folds, function (box) {
    if (!window.matchMedia) return;
    var wide = window.matchMedia(box.getAttribute('data-open-wide'));
    var sync = function () { box.open = wide.matches; };
    sync();
    if (wide.addEventListener) wide.addEventListener('change', sync);
  });

  // Type-ahead for search boxes: completions from /api/v1/suggest go into a
  // native <datalist>, which browsers and screen readers already know.
  var boxes = document.querySelectorAll('input[data-suggest]');
  Array.prototype.forEach.call(boxes, function (input, n) {
    var list = document.createElement('datalist');
    var timer = null;
    var last = '';
    list.id = 'suggest-' + n;
    input.setAttribute('list', list.id);
    input.parentNode.appendChild(list);
    input.addEventListener('input', function () {
      var q = input.value;
      if (timer) clearTimeout(timer);
      if (q.length < 2 || q === last) return;
      timer = setTimeout(function () {
        last = q;
        fetch(input.getAttribute('data-suggest') + '?q=' + encodeURIComponent(q), { credentials: 'same-origin' })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (j) {
            while (list.firstChild) list.removeChild(list.firstChild);
            (j.suggestions || []).forEach(function (s) {
              var o = document.createElement('option');
              o.value = s;
              list.appendChild(o);
            });
          })
          .catch(function () { /* type-ahead is optional */ });
      }, 150);
    });
  });
})();
