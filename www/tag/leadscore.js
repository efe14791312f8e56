/*! leadscore site tag: <script async src="/leadscore/leadscore.js" data-rules="/leadscore/rules.lsc"></script>
 * Starts the three downloads at once (the API module, the wasm core, compiled while it
 * streams in, and the compiled rules), then hands the API the queue of calls made so far
 * (window.leadscore = window.leadscore || []; leadscore.push(['identify', {...}])). */
(function () {
  try {
    var w = window, d = document, s = d.currentScript;
    // An element with id="leadscore" becomes window.leadscore (and <img name="currentScript">
    // document.currentScript): such a value is not ours and must not switch the tag off.
    if (!(s instanceof HTMLScriptElement)) s = null;
    var q = w.leadscore;
    if (q && q[Symbol.for('leadscore.api')]) return; // the API is in place already
    if (q && !Array.isArray(q)) {
      warn('window.leadscore (an element with that id?) is not a call queue: replaced by the API');
      q = null;
    }
    q = w.leadscore = q || [];
    if (q.loaded) return; // another copy of this script is loading
    q.loaded = true;
    var attr = function (n) { return s ? s.getAttribute('data-' + n) : null; };
    var base = s && s.src ? s.src.replace(/[^/?#]*([?#].*)?$/, '') : '/leadscore/';
    var config = {
      t0: w.performance && performance.now(),
      rulesUrl: attr('rules'),
      consent: attr('consent'),
      storageKey: attr('storage-key'),
      competitors: attr('competitors'),
      forms: attr('forms'),
      handoff: attr('handoff'),
      hubspotEvent: attr('hubspot-event'),
      beacon: attr('beacon')
    };
    // Only a plain object configures the tag: <form id="leadscoreConfig"> does not.
    var c = w.leadscoreConfig;
    if (c != null) {
      if (Object.prototype.toString.call(c) === '[object Object]' && !(c instanceof Node)) {
        var keys = Object.keys(c);
        for (var i = 0; i < keys.length; i++) config[keys[i]] = c[keys[i]];
      } else {
        warn('window.leadscoreConfig is not a plain object: ignored');
      }
    }
    // Not api.js → wasm → rules one after another: one round trip instead of three. The
    // build puts content hashes in these names' queries (LEADSCORE_V_*): cached for a year.
    // With ?leadscore_debug=1 the same core with what only the debug panel calls, or the
    // visitors' one when that cannot be had (the panel then lacks only its reasons).
    var core = function () { return compile(base + 'leadscore_core_bg.wasm' + (typeof LEADSCORE_V_WASM === 'string' ? LEADSCORE_V_WASM : '')); };
    config.wasm = settle(/[?&]leadscore_debug=1\b/.test(location.search)
      ? compile(base + 'leadscore_debug_bg.wasm' + (typeof LEADSCORE_V_DEBUG === 'string' ? LEADSCORE_V_DEBUG : '')).catch(core)
      : core());
    if (config.rulesUrl && config.rules == null) config.rulesData = settle(rulesBytes(config.rulesUrl));
    import(base + 'api.js' + (typeof LEADSCORE_V_API === 'string' ? LEADSCORE_V_API : ''))
      .then(function (m) { return m.boot(config, q); })
      .catch(function (e) { console.error('leadscore: could not start:', e && e.message || e); });
  } catch (e) {
    try { console.error('leadscore: could not start:', e && e.message || e); } catch (_) {}
  }
  // compileStreaming compiles while the bytes arrive; without it (or without the
  // application/wasm type) the bytes are compiled once they are all in.
  function compile(url) {
    var W = WebAssembly;
    return fetch(url, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw coded('wasm_unavailable', 'the scoring core ' + url + ': HTTP ' + r.status);
      var whole = function () { return r.arrayBuffer().then(W.compile); };
      return W.compileStreaming ? W.compileStreaming(r.clone()).catch(whole) : whole();
    });
  }
  function rulesBytes(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw coded('rules_unavailable', 'rules file ' + url + ': HTTP ' + r.status);
      return r.arrayBuffer();
    });
  }
  function coded(code, m) {
    var e = new Error(m);
    e.code = code;
    return e;
  }
  // Held as a value until api.js takes it: a failed download is reported once, by the API,
  // never as an unhandled rejection.
  function settle(p) {
    return p.then(function (v) { return { v: v }; }, function (e) { return { e: e }; });
  }
  function warn(m) {
    try { console.warn('leadscore: ' + m); } catch (_) {}
  }
})();
