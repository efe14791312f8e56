/*! leadscore site tag: <script async src="/leadscore/leadscore.js" data-rules="/leadscore/rules.json"></script>
 * Loads the engine module beside this file and hands it the queue of calls made so far
 * (window.leadscore = window.leadscore || []; leadscore.push(['identify', {...}])). */
(function () {
  try {
    var w = window, s = document.currentScript;
    var q = (w.leadscore = w.leadscore || []);
    if (!Array.isArray(q) || q.loaded) return; // loaded already, or the API is in place
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
      beacon: attr('beacon')
    };
    if (w.leadscoreConfig && typeof w.leadscoreConfig === 'object') {
      for (var k in w.leadscoreConfig) config[k] = w.leadscoreConfig[k];
    }
    import(base + 'api.js')
      .then(function (m) { return m.boot(config, q); })
      .catch(function (e) { console.error('leadscore: could not start:', e && e.message || e); });
  } catch (e) {
    try { console.error('leadscore: could not start:', e && e.message || e); } catch (_) {}
  }
})();
