/*! leadscore site tag: <script async src="/leadscore/leadscore.js" data-rules="/leadscore/rules.json"></script>
 * Loads the engine module beside this file and hands it the queue of calls made so far
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
    import(base + 'api.js')
      .then(function (m) { return m.boot(config, q); })
      .catch(function (e) { console.error('leadscore: could not start:', e && e.message || e); });
  } catch (e) {
    try { console.error('leadscore: could not start:', e && e.message || e); } catch (_) {}
  }
  function warn(m) {
    try { console.warn('leadscore: ' + m); } catch (_) {}
  }
})();
