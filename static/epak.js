/* epak.js — small enhancements only; every page works without it. */
(function () {
  'use strict';
  // After a failed form submit, move focus to the error summary so screen
  // reader users hear what to fix first.
  var summary = document.querySelector('.error-summary');
  if (summary) summary.focus();
})();
