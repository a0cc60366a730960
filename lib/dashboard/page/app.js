// The dashboard page: listens to /events (server-sent events, one `describe` a second) and fills
// the counters, the chart and the tables. Every value from the server is untrusted: it is only ever
// set as textContent, never parsed as HTML.
const history = [];
const HISTORY_POINTS = 120;
const $ = (id) => document.getElementById(id);

const source = new EventSource(`events${location.search}`);
source.addEventListener('describe', (event) => {
  const description = JSON.parse(event.data);
  render(description);
  setStatus(`updated ${new Date().toLocaleTimeString()}`, false);
});
source.addEventListener('failure', (event) => setStatus(`server unreachable: ${JSON.parse(event.data).message}`, true));
source.addEventListener('error', () => setStatus('dashboard connection lost; retrying…', true));

function setStatus(text, failed) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('failed', failed);
}

function render(d) {
  const s = d.server;
  const where = s.address === null ? '(not listening)' : Array.isArray(s.address) ? `${s.address[0]}:${s.address[1]}` : s.address;
  $('server').textContent = `${where} · pid ${s.pid} · mpmanagers ${s.packageVersion}${s.tls ? ' · TLS' : ''}`;
  $('connections').textContent = String(s.connections);
  $('rate1').textContent = rate(s.callsPerSecond.last1s);
  $('rate10').textContent = `${rate(s.callsPerSecond.last10s)} · ${rate(s.callsPerSecond.last60s)}`;
  $('inflight').textContent = String(s.inFlight);
  $('objectsTotal').textContent = String(d.objectsTotal);
  $('memory').textContent = `${bytes(s.memory.rss)} · ${bytes(s.memory.heapUsed)}`;
  $('bytes').textContent = `${bytes(s.bytesIn)} · ${bytes(s.bytesOut)}`;
  $('uptime').textContent = duration(s.uptime);
  history.push(s.callsPerSecond.last1s);
  if (history.length > HISTORY_POINTS) history.shift();
  drawChart();
  $('objectsShown').textContent = d.objects.length < d.objectsTotal ? `(first ${d.objects.length} of ${d.objectsTotal})` : '';
  fillTable('objects', d.objects, (o) => [
    o.id,
    o.typeid,
    o.referent,
    num(o.refs.reduce((n, r) => n + r.count, 0) + o.internalRefs),
    o.refs.map((r) => `#${r.client}`).join(' ') || '–',
    duration(o.age),
    state(o.details),
  ]);
  const now = Date.now();
  fillTable('clients', d.clients, (c) => [
    `#${c.id}`,
    c.peer,
    duration((now - c.connectedSince) / 1000),
    num(c.calls),
    num(c.inFlight),
    num(c.objectsHeld),
    bytes(c.bytesIn),
    bytes(c.bytesOut),
    c.tls ? 'yes' : 'no',
  ]);
}

/** Replaces a table's body; cells made with textContent. Numbers (wrapped by num()) align right. */
function fillTable(id, items, cellsOf) {
  const body = document.createElement('tbody');
  for (const item of items) {
    const row = document.createElement('tr');
    for (const cell of cellsOf(item)) {
      const td = document.createElement('td');
      if (typeof cell === 'object') {
        td.className = 'num';
        td.textContent = cell.text;
      } else {
        td.textContent = String(cell);
      }
      row.append(td);
    }
    body.append(row);
  }
  $(id).tBodies[0].replaceWith(body);
}

function drawChart() {
  const canvas = $('chart');
  const ctx = canvas.getContext('2d');
  const { width, height } = canvas;
  const style = getComputedStyle(document.documentElement);
  ctx.clearRect(0, 0, width, height);
  const top = Math.max(1, ...history);
  ctx.fillStyle = style.getPropertyValue('--muted');
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillText(`${rate(top)}`, 6, 14);
  ctx.strokeStyle = style.getPropertyValue('--accent');
  ctx.lineWidth = 2;
  ctx.beginPath();
  const step = width / (HISTORY_POINTS - 1);
  history.forEach((value, i) => {
    const x = width - (history.length - 1 - i) * step;
    const y = height - 4 - (value / top) * (height - 24);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
}

function state(details) {
  if (details === undefined) return '';
  const owner = (id) => (id === null ? 'server' : `#${id}`);
  const waiting = (n, what) => (n > 0 ? `, ${n} ${what}${n === 1 ? '' : 's'} waiting` : '');
  const waiters = (n, ids) => (n > 0 ? `, ${n} waiting (${ids.map(owner).join(' ')}${n > ids.length ? ' …' : ''})` : '');
  switch (details.type) {
    case 'queue':
      return `size ${details.size}${details.maxsize > 0 ? `/${details.maxsize}` : ''}${waiting(details.waitingGetters, 'getter')}${waiting(details.waitingPutters, 'putter')}${details.unfinishedTasks > 0 ? `, ${details.unfinishedTasks} unfinished` : ''}`;
    case 'lock':
      return details.locked ? `held by ${owner(details.holder)}${details.level > 1 ? ` ×${details.level}` : ''}${waiters(details.waiting, details.waiters)}` : 'free';
    case 'semaphore':
      return `value ${details.value}${details.holders.length > 0 ? `, held by ${details.holders.map((h) => `${owner(h.client)}×${h.units}`).join(' ')}` : ''}${waiters(details.waiting, details.waiters)}`;
    case 'condition':
      return `${details.locked ? `lock held by ${owner(details.holder)}` : 'lock free'}${waiters(details.waiting, details.waiters)}`;
    case 'event':
      return `${details.set ? 'set' : 'clear'}${waiting(details.waiting, 'waiter')}`;
    case 'barrier':
      return `${details.waiting}/${details.parties} waiting${details.broken ? ', broken' : ''}`;
    case 'sized':
      return `len ${details.length}`;
    case 'pool':
      return `${details.processes} workers, ${details.state}, ${details.tasksPending} tasks running or queued, ${details.itemsDone}/${details.itemsSubmitted} map items done`;
    default:
      return '';
  }
}

function num(n) {
  return { text: String(n) };
}

function rate(perSecond) {
  return perSecond.toFixed(perSecond < 10 ? 1 : 0);
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function duration(seconds) {
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(seconds / 86400)}d${Math.floor((seconds % 86400) / 3600)}h`;
}
