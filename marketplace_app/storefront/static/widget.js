/*
 * Retino storefront widget: the returns launcher, the certificate badge and the returns portal in an
 * overlay over the shop's page. Plain JavaScript, no dependencies; loaded with `async`, it never
 * blocks the page, and it adds only fixed-position elements (no layout shift).
 *
 * Embed: <script src="https://<retino>/storefront/<channel>/widget.js" data-lang="cs" async></script>
 *   data-lang      language of the widget and the portal (default: the page's <html lang>, then the shop's)
 *   data-type      case type the launcher opens (default: the choice of types)
 *   data-launcher  "none" hides the floating button (the shop links to the portal itself)
 * Any element with data-retino-open="" (or ="<type code>") on the page opens the portal; a link whose
 * href is a portal address (such as a pre-filled direct link) opens that address. Until the widget
 * has loaded, or with a modifier key, such a link simply follows its href.
 *
 * Everything lives in a shadow root: the shop's CSS stays out and ours stays in. The portal runs in
 * an iframe (it may be framed by the channel's shop domains only); the dialog traps focus, Escape
 * closes it, and focus returns to where it was.
 */
(function () {
  'use strict';
  var script = document.currentScript || document.querySelector('script[src*="/widget.js"]');
  if (!script || window.RetinoWidget) return;
  var src = script.src;
  var origin = new URL(src).origin;
  var base = new URL('.', src).href;
  var lang = script.getAttribute('data-lang') || (document.documentElement.lang || '').split('-')[0];
  var defaultType = script.getAttribute('data-type') || '';
  var withLauncher = script.getAttribute('data-launcher') !== 'none';
  var api = (window.RetinoWidget = { open: function () {}, close: function () {} });

  var CSS =
    ':host{all:initial!important;display:contents!important}' +
    '.l,.b,.o{font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#0f172a;' +
    'letter-spacing:normal;text-transform:none;text-align:left;box-sizing:border-box}' +
    '*{box-sizing:inherit}' +
    '.l{position:fixed;bottom:20px;z-index:2147483000;padding:12px 18px;border:0;border-radius:999px;' +
    'background:#0f766e;color:#fff;font-weight:600;cursor:pointer;box-shadow:0 2px 10px rgba(0,0,0,.3)}' +
    '.l.right{right:20px}.l.left{left:20px}' +
    '.b{position:fixed;top:50%;z-index:2147483000;display:flex;align-items:center;gap:10px;padding:10px 14px;' +
    'background:#fff;text-decoration:none;border:2px solid #0f766e;box-shadow:0 2px 10px rgba(0,0,0,.25);' +
    'transition:transform .2s ease-out}' +
    '.b.right{right:0;border-right:0;border-radius:10px 0 0 10px;transform:translate(calc(100% - 50px),-50%)}' +
    '.b.left{left:0;border-left:0;border-radius:0 10px 10px 0;flex-direction:row-reverse;' +
    'transform:translate(calc(50px - 100%),-50%)}' +
    '.b:hover,.b:focus{transform:translate(0,-50%)}' +
    '.s{flex:none;width:24px;height:24px;border-radius:50%;background:#0f766e;color:#fff;text-align:center;' +
    'line-height:24px;font-weight:700}' +
    '.i{display:flex;flex-direction:column;white-space:nowrap}.i span{color:#475569;font-size:13px}' +
    '.o{position:fixed;inset:0;z-index:2147483001;display:flex;align-items:center;justify-content:center;' +
    'padding:16px;background:rgba(15,23,42,.55)}.o[hidden]{display:none}' +
    '.d{display:flex;flex-direction:column;width:100%;max-width:720px;height:100%;max-height:860px;' +
    'background:#fff;border-radius:10px;overflow:hidden;box-shadow:0 10px 40px rgba(0,0,0,.4)}' +
    '.h{display:flex;align-items:center;justify-content:space-between;padding:6px 6px 6px 16px;' +
    'border-bottom:1px solid #e2e8f0}' +
    'h2{margin:0;font-size:16px;font-weight:600}' +
    '.x{width:40px;height:40px;border:0;border-radius:6px;background:none;color:inherit;font:28px/1 sans-serif;' +
    'cursor:pointer}.x:hover{background:#f1f5f9}' +
    'iframe{flex:1;width:100%;border:0}.u{padding:16px}.u a{color:#0f766e}' +
    ':focus-visible{outline:3px solid #f59e0b;outline-offset:2px}' +
    '@media (max-width:600px){.o{padding:0}.d{max-height:none;border-radius:0}}' +
    '@media (prefers-reduced-motion:reduce){.b{transition:none}}';

  function element(tag, className, text, parent) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function build(config) {
    var labels = config.labels;
    var side = config.side === 'left' ? 'left' : 'right';
    var host = element('retino-widget');
    var root = host.attachShadow({ mode: 'open' });
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (error) {
      element('style', '', CSS, root);
    }

    var returnTo = null;
    var overflow = '';
    var overlay = element('div', 'o');
    overlay.hidden = true;
    var first = element('span', '', '', overlay);
    var dialog = element('div', 'd', '', overlay);
    var last = element('span', '', '', overlay);
    first.tabIndex = last.tabIndex = 0;
    dialog.setAttribute('role', 'dialog');
    dialog.setAttribute('aria-modal', 'true');
    dialog.setAttribute('aria-labelledby', 'retino-title');
    var header = element('div', 'h', '', dialog);
    element('h2', '', labels.open, header).id = 'retino-title';
    var closeButton = element('button', 'x', '\u00d7', header);
    closeButton.type = 'button';
    closeButton.setAttribute('aria-label', labels.close);
    var frame = null;
    if (config.available) {
      frame = element('iframe', '', '', dialog);
      frame.title = labels.open;
    } else {
      var notice = element('div', 'u', '', dialog);
      element('strong', '', labels.unavailable, element('p', '', '', notice));
      element('p', '', labels.contact, notice);
      if (/^https?:\/\//.test(config.shop_url || '')) {
        var shopLink = element('a', '', config.shop_url, element('p', '', '', notice));
        shopLink.href = config.shop_url;
      }
    }

    function portalAddress(type, href) {
      if (href && href.indexOf(base) === 0) {
        var address = new URL(href);
        if (!address.searchParams.has('lang')) address.searchParams.set('lang', config.language);
        return address.href;
      }
      var types = config.case_types || [];
      for (var index = 0; index < types.length; index++) {
        if (types[index].code === type) return new URL(types[index].url, src).href;
      }
      return new URL(config.portal_url, src).href;
    }

    function open(type, href) {
      if (!overlay.hidden) return;
      returnTo = document.activeElement === host ? root.activeElement : document.activeElement;
      if (frame) {
        var address = portalAddress(type || defaultType, href);
        // Reopening the same address keeps a form the shopper has started.
        if (frame.getAttribute('src') !== address) frame.src = address;
      }
      overlay.hidden = false;
      overflow = document.documentElement.style.overflow;
      document.documentElement.style.overflow = 'hidden';
      closeButton.focus();
    }

    function close() {
      if (overlay.hidden) return;
      overlay.hidden = true;
      document.documentElement.style.overflow = overflow;
      if (returnTo && returnTo.focus) returnTo.focus();
      returnTo = null;
    }

    api.open = open;
    api.close = close;
    closeButton.addEventListener('click', close);
    overlay.addEventListener('click', function (event) {
      if (event.target === overlay) close();
    });
    // The focus trap: the sentinels around the dialog send focus round to its other end.
    first.addEventListener('focus', function () {
      (frame || closeButton).focus();
    });
    last.addEventListener('focus', function () {
      closeButton.focus();
    });
    document.addEventListener('focusin', function (event) {
      if (!overlay.hidden && event.target !== host) closeButton.focus();
    });
    document.addEventListener(
      'keydown',
      function (event) {
        if (event.key === 'Escape' && !overlay.hidden) {
          event.preventDefault();
          close();
        }
      },
      true
    );
    // Inside the iframe key presses stay in the portal, which posts this message on Escape.
    window.addEventListener('message', function (event) {
      if (frame && event.source === frame.contentWindow && event.origin === origin && event.data === 'retino:close') {
        close();
      }
    });
    document.addEventListener('click', function (event) {
      var target = event.target.closest && event.target.closest('[data-retino-open]');
      if (!target || event.defaultPrevented || event.button || event.ctrlKey || event.metaKey || event.shiftKey) {
        return;
      }
      event.preventDefault();
      open(target.getAttribute('data-retino-open'), target.href);
    });

    if (withLauncher) {
      var launcher = element('button', 'l ' + side, labels.open, root);
      launcher.type = 'button';
      launcher.addEventListener('click', function () {
        open();
      });
    }
    var badge = config.available && config.badge;
    if (badge) {
      var tab = element('a', 'b ' + side, '', root);
      tab.href = new URL(badge.url, src).href;
      tab.target = '_blank';
      tab.rel = 'noopener';
      element('span', 's', '\u2713', tab).setAttribute('aria-hidden', 'true');
      var info = element('span', 'i', '', tab);
      element('strong', '', labels.badge_title, info);
      element('span', '', labels.badge_share, info);
      element('span', '', labels.badge_count, info);
    }
    root.appendChild(overlay);
    document.body.appendChild(host);
  }

  var query = lang ? '?lang=' + encodeURIComponent(lang) : '';
  fetch(new URL('widget.json' + query, src).href, { credentials: 'omit' })
    .then(function (response) {
      if (!response.ok) throw new Error('widget.json answered ' + response.status);
      return response.json();
    })
    .then(function (config) {
      if (document.body) build(config);
      else document.addEventListener('DOMContentLoaded', function () { build(config); });
    })
    .catch(function (error) {
      // The shop's page carries on; links with data-retino-open keep their plain href.
      if (window.console) console.warn('Retino widget:', error);
    });
})();
