/*
 * For portal pages shown inside the widget's iframe: key presses stay in the frame, so Escape asks
 * the shop's page (the widget) to close the overlay. The widget accepts the message only from its
 * own iframe and from this origin. Outside a frame this does nothing.
 */
(function () {
  'use strict';
  if (window.parent === window) return;
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') window.parent.postMessage('retino:close', '*');
  });
})();
