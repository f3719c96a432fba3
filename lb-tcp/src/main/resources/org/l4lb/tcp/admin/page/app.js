// The status page: polls GET /status?since=... every 2 s, draws what it says, and steers the node
// through the admin API with the token kept in this tab's sessionStorage (never in a URL).
(function () {
  'use strict';
  const POLL_MS = 2000;
  const TIMEOUT_MS = 4000;
  const TOKEN_KEY = 'l4lb-admin-token';
  const COLOURS = ['#0969da', '#bf3989', '#1a7f37', '#9a6700', '#8250df', '#cf222e', '#1b7c83', '#57606a'];

  let since = 0;
  let samples = [];
  let capacity = 450;
  let lostSince = 0;
  let lastStatus = null;
  const cards = new Map();

  // ---- small helpers: every text goes through textContent, never HTML ----
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  function bytes(n) {
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? Math.round(n) : n.toFixed(1)) + ' ' + u[i];
  }
  function rate(n) { return n >= 100 ? Math.round(n).toString() : n.toFixed(1); }
  function duration(ms) {
    if (ms < 0) return '—';
    const s = Math.floor(ms / 1000);
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + (s % 60) + ' s';
    const h = Math.floor(m / 60);
    if (h < 48) return h + ' h ' + (m % 60) + ' min';
    return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
  }
  function clock(ms) { return new Date(ms).toLocaleTimeString(); }
  function badge(icon, word, tone, extra) {
    return el('span', Object.assign({class: 'badge ' + tone, text: icon + ' ' + word}, extra || {}));
  }

  // ---- the token and the API ----
  function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
  function showSteering() {
    const has = token() !== '';
    document.getElementById('readonly').hidden = has;
    document.getElementById('steering').hidden = !has;
    if (lastStatus) render(lastStatus);
  }
  function answer(text, error) {
    const a = document.getElementById('answer');
    a.hidden = false;
    a.className = 'answer' + (error ? ' error' : '');
    a.textContent = text;
  }
  async function call(method, path, what) {
    if (!window.confirm(what + '?')) return;
    try {
      const r = await fetch(path, {method: method, headers: {'Authorization': 'Bearer ' + token()}, cache: 'no-store'});
      const body = (await r.text()).trim();
      answer(what + ': ' + r.status + ' ' + (r.ok ? 'done' : 'refused') + '\n' + body, !r.ok);
    } catch (e) {
      answer(what + ': no answer from the node (' + e + ')', true);
    }
    poll(true);
  }
  function serverPath(service, server, params) {
    const q = new URLSearchParams(Object.assign({service: service, server: server}, params));
    return '/servers?' + q.toString();
  }
  function setWeight(service, v) {
    const w = window.prompt('New weight for ' + v.name + ' (now ' + v.weight + ')', String(v.configuredWeight));
    if (w === null) return;
    const ramp = window.prompt('Ramp to it over (e.g. 30s, 5m); empty for at once', '');
    if (ramp === null) return;
    const params = {weight: w.trim()};
    if (ramp.trim() !== '') params.ramp = ramp.trim();
    call('POST', serverPath(service, v.name, params), 'Set the weight of ' + v.name + ' in ' + service + ' to '
        + params.weight + (params.ramp ? ' over ' + params.ramp : ''));
  }

  // ---- rendering ----
  const SERVER_STATES = {
    'up': ['✔', 'up', 'ok'], 'down': ['✖', 'down', 'bad'], 'draining': ['⇣', 'draining', 'warn'],
    'disabled': ['⏹', 'disabled', 'muted'], 'weight-0': ['○', 'weight 0', 'muted']
  };
  const HA_STATES = {'MASTER': ['★', 'ok'], 'BACKUP': ['☆', 'muted'], 'FAULT': ['⚠', 'bad'], 'INIT': ['…', 'warn']};

  function haState(s) {
    const [icon, tone] = HA_STATES[s] || ['?', 'warn'];
    return badge(icon, s, tone, {'data-ha-state': s});
  }

  function renderHa(st) {
    const box = document.getElementById('ha');
    box.replaceChildren();
    if (!st.haInstances) {
      box.append(el('h2', {text: 'High availability'}), el('p', {class: 'muted', text: 'Off: this node runs alone.'}));
      return;
    }
    box.append(el('h2', {text: 'High availability'}));
    for (const h of st.haInstances) {
      const members = el('tbody', {},
        el('tr', {}, el('td', {}, st.node + ' (this node)'), el('td', {text: '—'}), el('td', {}, haState(h.state)),
          el('td', {class: 'num', text: h.priority + ' / ' + h.effectivePriority}), el('td', {text: 'now'})),
        h.peers.map(p => el('tr', {},
          el('td', {text: p.name}), el('td', {text: p.address || '—'}),
          el('td', {}, p.state ? haState(p.state) : badge('?', 'not heard yet', 'warn'), p.fault ? ' fault' : ''),
          el('td', {class: 'num', text: p.state ? p.priority + ' / ' + p.effectivePriority : '—'}),
          el('td', {text: p.lastAdvertMsAgo < 0 ? '—' : duration(p.lastAdvertMsAgo) + ' ago'}))));
      box.append(el('div', {class: 'card', 'data-instance': h.instance},
        el('h3', {}, 'Instance ' + h.instance + ' ', el('small', {class: 'muted', text: 'group ' + h.group})),
        el('div', {class: 'facts'},
          el('span', {}, 'this node ', haState(h.state)),
          el('span', {}, el('b', {text: 'VIPs '}), h.virtualIps.join(', ') || 'none'),
          el('span', {}, el('b', {text: 'priority '}), h.priority + ', effective ' + h.effectivePriority),
          el('span', {}, el('b', {text: 'master '}), h.master || 'none'),
          el('span', {}, el('b', {text: 'why '}), h.reason),
          h.syncGroup ? el('span', {}, el('b', {text: 'sync group '}), h.syncGroup) : null,
          el('span', {}, el('b', {text: 'flow handoff '}),
            h.handingOff ? badge('⇄', 'handing off', 'warn') : (h.passingTo ? 'passing flows to ' + h.passingTo : 'idle'))),
        h.lowered.length ? el('p', {class: 'warn', text: 'Lowered by: ' + h.lowered.join('; ')}) : null,
        el('div', {class: 'scroll'}, el('table', {},
          el('thead', {}, el('tr', {}, ['member', 'address', 'state', 'priority / effective', 'last advert']
            .map(t => el('th', {text: t})))), members))));
    }
  }

  function serverRow(service, v) {
    const [icon, word, tone] = SERVER_STATES[v.state] || ['?', v.state, 'warn'];
    const state = el('td', {'data-state': v.state},
      badge(icon, word, tone),
      v.backup ? [' ', badge('B', 'backup', 'muted')] : null,
      v.rampLeftMs > 0 ? [' ', badge('↗', 'ramping', 'warn')] : null);
    const health = el('td', {},
      v.healthUp ? badge('✔', 'check passes', 'ok') : badge('✖', 'check fails', 'bad'),
      v.passiveUp ? null : [' ', badge('✖', 'passive: ' + v.passiveFails + ' fail(s)', 'bad')]);
    const weight = el('td', {'data-weight': v.weight},
      v.weight + ' (conf ' + v.configuredWeight + ', eff ' + v.effectiveWeight + ')',
      v.rampLeftMs > 0 ? el('div', {class: 'warn', 'data-ramp': v.targetWeight,
        text: '→ ' + v.targetWeight + ' in ' + duration(v.rampLeftMs)}) : null);
    const last = el('td', {}, v.lastChange ? [el('div', {text: v.lastChange}),
      el('div', {class: 'muted', text: v.lastChangeReason + ' · ' + clock(Date.parse(v.lastChangeAt))})] : '—');
    const cells = [el('td', {text: v.name}), state, health, weight,
      el('td', {class: 'num', text: v.activeSessions}), el('td', {class: 'num', text: v.totalSessions}),
      el('td', {class: 'num', text: v.connectFailures}),
      el('td', {class: 'num', text: bytes(v.bytesToServer) + ' / ' + bytes(v.bytesToClient)}), last];
    if (token()) {
      const b = (action, label, params) => el('button', {type: 'button', 'data-action': action, text: label,
        on: {click: () => call('POST', serverPath(service, v.name, params), label + ' ' + v.name + ' in ' + service)}});
      cells.push(el('td', {class: 'actions'},
        v.admin !== 'draining' ? b('drain', 'Drain', {state: 'draining'}) : null,
        v.admin !== 'enabled' ? b('enable', 'Enable', {state: 'enabled'}) : null,
        v.admin !== 'disabled' ? b('disable', 'Disable', {state: 'disabled'}) : null,
        el('button', {type: 'button', 'data-action': 'weight', text: 'Weight…', on: {click: () => setWeight(service, v)}})));
    }
    return el('tr', {'data-server': service + '/' + v.name}, cells);
  }

  function serviceCard(s) {
    let c = cards.get(s.name);
    if (!c) {
      const graphs = el('div', {class: 'graphs'});
      c = {root: el('div', {class: 'card', 'data-service': s.name}), head: el('div'), graphs: graphs, table: el('div', {class: 'scroll'}),
        charts: {}};
      c.root.append(c.head, graphs, c.table);
      cards.set(s.name, c);
    }
    const refused = Object.entries(s.refused).filter(([, n]) => n > 0).map(([k, n]) => k + ' ' + n);
    c.head.replaceChildren(
      el('h3', {}, s.name, ' ', el('small', {class: 'muted', text: s.listen.join(', ') + ' · ' + s.strategy + ' · ' + s.forwarding})),
      el('div', {class: 'facts'},
        el('span', {}, el('b', {text: 'active '}), s.activeSessions),
        el('span', {}, el('b', {text: 'new/s '}), rate(s.newSessionsPerSec)),
        el('span', {}, el('b', {text: 'in '}), bytes(s.bytesInPerSec) + '/s'),
        el('span', {}, el('b', {text: 'out '}), bytes(s.bytesOutPerSec) + '/s'),
        el('span', {}, el('b', {text: 'total '}), s.totalSessions),
        el('span', {}, el('b', {text: 'refused '}), refused.length ? refused.join(', ') : 'none')));
    const head = ['server', 'state', 'health', 'weight', 'active', 'total', 'connect failures', 'bytes to / from', 'last change'];
    if (token()) head.push('steer');
    c.table.replaceChildren(el('table', {},
      el('thead', {}, el('tr', {}, head.map(t => el('th', {text: t})))),
      el('tbody', {}, s.servers.map(v => serverRow(s.name, v)))));
    return c;
  }

  function renderServices(st) {
    const box = document.getElementById('services');
    const seen = new Set();
    const children = [el('h2', {text: 'Services'})];
    for (const s of st.services) {
      seen.add(s.name);
      children.push(serviceCard(s).root);
    }
    for (const name of [...cards.keys()]) if (!seen.has(name)) cards.delete(name);
    box.replaceChildren(...children);
    drawGraphs(st);
  }

  // ---- graphs (uPlot), from the samples kept here: at most the node's 15 minutes ----
  function graph(card, key, title, labels) {
    const sig = labels.join('\u0000');
    let g = card.charts[key];
    if (g && g.sig === sig) return g;
    if (g) { g.plot.destroy(); g.box.remove(); }
    const box = el('div', {class: 'graph', 'data-graph': key}, el('h4', {text: title}));
    card.graphs.append(box);
    const width = Math.max(260, (card.graphs.clientWidth || 600) / 3 - 12);
    const plot = new uPlot({
      width: width, height: 150,
      series: [{}].concat(labels.map((l, i) => ({label: l, stroke: COLOURS[i % COLOURS.length], width: 1.5}))),
      axes: [{}, {size: 50}], legend: {live: false}, cursor: {drag: {x: false, y: false}}
    }, [[]].concat(labels.map(() => [])), box);
    g = {plot: plot, box: box, sig: sig};
    card.charts[key] = g;
    return g;
  }

  function drawGraphs(st) {
    const xs = samples.map(x => x.atMillis / 1000);
    for (const s of st.services) {
      const card = cards.get(s.name);
      const series = [
        ['new', 'New sessions/s', ['new/s'], x => [x.services[s.name] ? x.services[s.name].newSessions : null]],
        ['bytes', 'Bytes/s', ['in', 'out'], x => x.services[s.name] ? [x.services[s.name].bytesIn, x.services[s.name].bytesOut] : [null, null]],
        ['active', 'Active sessions per server', s.servers.map(v => v.name),
          x => s.servers.map(v => { const n = x.activeSessions[s.name + '/' + v.name]; return n === undefined ? null : n; })]
      ];
      for (const [key, title, labels, pick] of series) {
        const g = graph(card, s.name + ':' + key, title, labels);
        const data = [xs].concat(labels.map(() => []));
        for (const x of samples) pick(x).forEach((v, i) => data[i + 1].push(v));
        g.plot.setData(data);
        g.box.setAttribute('data-points', String(xs.length));
      }
    }
  }

  function renderEvents(st) {
    const list = document.getElementById('events');
    const items = st.events.slice().reverse().map(e => el('li', {'data-kind': e.kind},
      el('time', {text: clock(e.atMillis)}), badge('', e.kind, e.kind === 'ha' ? 'warn' : 'muted'), ' ', e.text));
    list.replaceChildren(...(items.length ? items : [el('li', {class: 'muted', text: 'nothing yet'})]));
  }

  function render(st) {
    lastStatus = st;
    document.title = st.node + ' · l4lb';
    document.getElementById('node-name').textContent = st.node;
    document.getElementById('node-version').textContent = 'l4lb ' + st.version;
    document.getElementById('node-facts').textContent = 'up ' + duration(st.uptimeMs) + ' · ' + st.transport + ' · '
        + st.eventLoops + ' event loop(s) · splice ' + (st.splice ? 'on' : 'off') + ' · ' + st.openSessions + ' open session(s)';
    renderHa(st);
    renderServices(st);
    renderEvents(st);
  }

  function contact(ok, why) {
    const c = document.getElementById('contact');
    if (ok) {
      c.className = 'contact ok';
      c.textContent = '● live · updated ' + clock(Date.now());
    } else {
      c.className = 'contact lost';
      c.textContent = '✖ lost contact with the node since ' + clock(lostSince) + ' (' + why + '); retrying';
    }
  }

  function ingest(history) {
    if (!history) return;
    capacity = history.capacity;
    for (const x of history.samples) {
      if (x.atMillis > since) { samples.push(x); since = x.atMillis; }
    }
    if (samples.length > capacity) samples = samples.slice(samples.length - capacity);
  }

  let timer = null;
  async function poll(once) {
    if (!once && timer) clearTimeout(timer);
    try {
      const ctl = new AbortController();
      const t = setTimeout(() => ctl.abort(), TIMEOUT_MS);
      const r = await fetch('/status?since=' + since, {cache: 'no-store', signal: ctl.signal});
      clearTimeout(t);
      if (!r.ok) throw new Error('HTTP ' + r.status);
      const st = await r.json();
      lostSince = 0;
      ingest(st.history);
      render(st);
      contact(true);
    } catch (e) {
      if (!lostSince) lostSince = Date.now();
      contact(false, e.name === 'AbortError' ? 'no answer in ' + TIMEOUT_MS / 1000 + ' s' : String(e.message || e));
    }
    if (!once) timer = setTimeout(() => poll(false), POLL_MS);
  }

  document.getElementById('token-form').addEventListener('submit', ev => {
    ev.preventDefault();
    const input = document.getElementById('token-input');
    if (input.value.trim() === '') return;
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    input.value = '';
    showSteering();
  });
  document.getElementById('token-forget').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showSteering();
  });
  document.getElementById('reload').addEventListener('click', () => call('POST', '/reload', 'Reload the configuration'));
  window.addEventListener('resize', () => {
    for (const c of cards.values()) for (const g of Object.values(c.charts)) {
      g.plot.setSize({width: Math.max(260, c.graphs.clientWidth / 3 - 12), height: 150});
    }
  });
  showSteering();
  poll(false);
})();
