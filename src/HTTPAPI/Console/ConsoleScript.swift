/// The console's script: a small single-page application over the REST API (hash routes, no dependencies). It sends
/// the token from session storage as a bearer header, asks for one when the API answers 401, and reads the event
/// stream through `fetch`, since `EventSource` cannot send a header.
enum ConsoleScript {
    static let javaScript = #"""
        'use strict';
        // The event store's web console. Plain JavaScript, no dependencies: it reads and changes the store through the
        // same REST API as any client, and builds every node with textContent, so nothing from the API is parsed as HTML.
        (() => {
          const TOKEN_KEY = 'eventstore.token';
          const REFRESH_MS = 5000;
          const SAMPLE_WINDOW_MS = 10 * 60 * 1000;
          const TAIL_KEEP = 500;
          const numbers = new Intl.NumberFormat('en-US');

          const $ = (id) => document.getElementById(id);
          const main = $('main');
          const statusLine = $('status');
          const tokenButton = $('token-button');

          // ---- DOM

          /** An element with properties (`class`, `text`, `on` for listeners, the rest as attributes) and children. */
          function h(tag, props, ...children) {
            const element = document.createElement(tag);
            for (const [name, value] of Object.entries(props || {})) {
              if (value === undefined || value === null || value === false) continue;
              if (name === 'on') {
                for (const [type, listener] of Object.entries(value)) element.addEventListener(type, listener);
              } else if (name === 'class') {
                element.className = value;
              } else if (name === 'text') {
                element.textContent = String(value);
              } else if (name === 'value' || name === 'disabled' || name === 'hidden' || name === 'required') {
                element[name] = value;
              } else {
                element.setAttribute(name, value === true ? '' : String(value));
              }
            }
            for (const child of children.flat(Infinity)) {
              if (child === undefined || child === null || child === false) continue;
              element.append(child instanceof Node ? child : document.createTextNode(String(child)));
            }
            return element;
          }

          function svg(tag, attributes) {
            const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
            for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
            return element;
          }

          /** A table cell; `label` heads it when the table becomes cards on a narrow screen. */
          function cell(label, content, className) {
            return h('td', {'data-label': label, class: className}, content);
          }

          function table(id, headings, body) {
            return h('div', {class: 'table-wrap'},
              h('table', {class: 'cards', id},
                h('thead', {}, h('tr', {}, headings.map(([text, className]) => h('th', {scope: 'col', class: className, text})))),
                body));
          }

          function emptyRow(columns, text) {
            return h('tr', {}, h('td', {colspan: columns, class: 'muted', text}));
          }

          /** Replaces a container's children, giving focus back to the control that had it (same `data-focus-key`). */
          function replaceKeepingFocus(container, nodes) {
            const key = container.contains(document.activeElement) ? document.activeElement.dataset.focusKey : undefined;
            container.replaceChildren(...nodes);
            if (key) container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus();
          }

          function stateBadge(state, reason) {
            return h('span', {class: 'state-' + String(state).replace(/[^a-z-]/g, '-'), title: reason, text: state},
              reason ? h('span', {class: 'muted', text: ' (' + reason + ')'}) : null);
          }

          const format = (value) => (typeof value === 'number' ? numbers.format(value) : value === undefined || value === null ? '—' : String(value));
          const encode = encodeURIComponent;
          const topicPath = (topic) => '/topics/' + encode(topic);

          function say(text) {
            statusLine.textContent = text;
          }

          function facts(pairs) {
            return h('dl', {class: 'facts'}, pairs.filter(([, value]) => value !== undefined).map(([term, value]) => [h('dt', {text: term}), h('dd', {}, value ?? '—')]));
          }

          // ---- JSON: numbers the browser cannot hold exactly (beyond 2^53, or written as 1e3) are shown as they were sent.

          const keepsNumberSource = typeof JSON.rawJSON === 'function';

          function parseJSON(text) {
            if (!keepsNumberSource) return JSON.parse(text);
            return JSON.parse(text, (key, value, context) =>
              typeof value === 'number' && context && String(value) !== context.source ? JSON.rawJSON(context.source) : value);
          }

          const pretty = (value) => JSON.stringify(value, null, 2);

          // ---- The API, with the bearer token when there is one

          class ProblemError extends Error {
            constructor(status, problem) {
              super(problem.detail || problem.title || 'the server answered ' + status);
              this.status = status;
              this.problem = problem;
            }
          }

          let token = sessionStorage.getItem(TOKEN_KEY);
          let tokenPrompt = null;
          /** Set when the token dialog was cancelled: requests then fail with the 401 instead of asking again. */
          let tokenDeclined = false;
          tokenButton.hidden = !token;

          async function readProblem(response) {
            try {
              return JSON.parse(await response.text());
            } catch {
              return {title: response.statusText || 'HTTP ' + response.status};
            }
          }

          function headers(extra) {
            const all = {...extra};
            if (token) all.Authorization = 'Bearer ' + token;
            return all;
          }

          /** Calls the API; answers with the parsed body (null for 204). A 401 asks for a token and tries again. */
          async function api(path, {method = 'GET', body, accept = [], signal} = {}) {
            for (;;) {
              const sent = token;
              const response = await fetch(path, {
                method,
                headers: headers(body === undefined ? {Accept: 'application/json'} : {Accept: 'application/json', 'Content-Type': 'application/json'}),
                body: body === undefined ? undefined : JSON.stringify(body),
                signal,
                cache: 'no-store',
              });
              if (response.status === 401) {
                await refusedToken(response, sent);
                continue;
              }
              if (!response.ok && !accept.includes(response.status)) throw new ProblemError(response.status, await readProblem(response));
              return response.status === 204 ? null : parseJSON(await response.text());
            }
          }

          /**
           * After a 401: forgets the token the request sent (unless another was entered meanwhile) and asks for one, saying
           * why; throws the 401 problem when the user declined to give one.
           */
          async function refusedToken(response, sent) {
            const problem = await readProblem(response);
            if (sent && token === sent) {
              token = null;
              sessionStorage.removeItem(TOKEN_KEY);
            }
            if (token && token !== sent) return; // a newer token: try again with it
            if (tokenDeclined) throw new ProblemError(401, problem);
            await askForToken(sent ? 'The server refused this token: ' + (problem.detail || problem.title) + '. Enter another.' : '');
          }

          /** Shows the token dialog (once, however many requests wait on it); resolves when a token was entered. */
          function askForToken(message) {
            $('token-error').textContent = message || '';
            if (tokenPrompt) return tokenPrompt;
            tokenPrompt = new Promise((resolve, reject) => {
              const dialog = $('token-dialog');
              const form = $('token-form');
              const input = $('token-input');
              const cancel = $('token-cancel');
              const done = () => {
                form.removeEventListener('submit', submitted);
                cancel.removeEventListener('click', cancelled);
                dialog.removeEventListener('cancel', cancelled);
                dialog.close();
                tokenPrompt = null;
                tokenButton.hidden = false;
              };
              const submitted = (event) => {
                event.preventDefault();
                const value = input.value.trim();
                if (!value) return;
                token = value;
                tokenDeclined = false;
                sessionStorage.setItem(TOKEN_KEY, token);
                input.value = '';
                done();
                resolve();
              };
              const cancelled = (event) => {
                event.preventDefault();
                tokenDeclined = true;
                done();
                reject(new Error('This server needs a token: choose "Change token" to enter one.'));
              };
              form.addEventListener('submit', submitted);
              cancel.addEventListener('click', cancelled);
              dialog.addEventListener('cancel', cancelled);
              input.value = '';
              dialog.showModal();
              input.focus();
            });
            return tokenPrompt;
          }

          /** Asks before something that cannot be undone; resolves true when confirmed. */
          function confirmAction(text, action) {
            return new Promise((resolve) => {
              const dialog = $('confirm-dialog');
              const form = $('confirm-form');
              const cancel = $('confirm-cancel');
              const opener = document.activeElement;
              $('confirm-text').textContent = text;
              $('confirm-ok').textContent = action;
              const finish = (answer) => (event) => {
                event.preventDefault();
                form.removeEventListener('submit', confirmed);
                cancel.removeEventListener('click', refused);
                dialog.removeEventListener('cancel', refused);
                dialog.close();
                // A refresh may have replaced the button meanwhile: its successor has the same focus key.
                const key = opener instanceof HTMLElement ? opener.dataset.focusKey : undefined;
                const target = opener instanceof HTMLElement && opener.isConnected ? opener
                  : key ? document.querySelector(`[data-focus-key="${CSS.escape(key)}"]`) : null;
                target?.focus();
                resolve(answer);
              };
              const confirmed = finish(true);
              const refused = finish(false);
              form.addEventListener('submit', confirmed);
              cancel.addEventListener('click', refused);
              dialog.addEventListener('cancel', refused);
              dialog.showModal();
              cancel.focus();
            });
          }

          const sleep = (ms, signal) => new Promise((resolve) => {
            const stop = () => {
              clearTimeout(timer);
              resolve();
            };
            const timer = setTimeout(() => {
              signal.removeEventListener('abort', stop);
              resolve();
            }, ms);
            signal.addEventListener('abort', stop, {once: true});
          });

          /** Splits a text/event-stream body into messages (the WHATWG Server-Sent Events parsing rules). */
          function eventStreamParser(dispatch) {
            let buffer = '';
            let data = [];
            let type = '';
            let id = null;
            return (chunk) => {
              buffer += chunk;
              let start = 0;
              for (;;) {
                const end = buffer.slice(start).search(/\r\n|\r|\n/);
                if (end < 0) break;
                const at = start + end;
                if (buffer[at] === '\r' && at === buffer.length - 1) break; // a \r\n may be split across chunks
                const line = buffer.slice(start, at);
                start = at + (buffer.startsWith('\r\n', at) ? 2 : 1);
                if (line === '') {
                  if (data.length) dispatch({type: type || 'message', data: data.join('\n'), id});
                  data = [];
                  type = '';
                  continue;
                }
                if (line.startsWith(':')) continue;
                const colon = line.indexOf(':');
                const field = colon < 0 ? line : line.slice(0, colon);
                let value = colon < 0 ? '' : line.slice(colon + 1);
                if (value.startsWith(' ')) value = value.slice(1);
                if (field === 'data') data.push(value);
                else if (field === 'event') type = value;
                else if (field === 'id' && !value.includes('\0')) id = value;
              }
              buffer = buffer.slice(start);
            };
          }

          /**
           * Follows an event stream through fetch (EventSource cannot send a token): reconnects after a failure with
           * Last-Event-ID, so nothing is missed or repeated; stops at `event: end` or when `signal` aborts.
           */
          async function followStream(path, {signal, onEvent, onState}) {
            let lastEventId = null;
            let delay = 1000;
            while (!signal.aborted) {
              try {
                const sent = token;
                const response = await fetch(path, {
                  headers: headers(lastEventId ? {Accept: 'text/event-stream', 'Last-Event-ID': lastEventId} : {Accept: 'text/event-stream'}),
                  signal,
                  cache: 'no-store',
                });
                if (response.status === 401) {
                  await refusedToken(response, sent);
                  continue;
                }
                if (!response.ok) throw new ProblemError(response.status, await readProblem(response));
                if (!(response.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
                  onState('failed', 'the server did not answer with an event stream');
                  return;
                }
                onState('live');
                delay = 1000;
                let ended = null;
                const parse = eventStreamParser((message) => {
                  if (message.type === 'end') {
                    ended = parseJSON(message.data).reason || 'the stream ended';
                  } else if (message.type === 'message') {
                    lastEventId = message.id;
                    onEvent(parseJSON(message.data));
                  }
                });
                const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
                for (;;) {
                  const {value, done} = await reader.read();
                  if (done) break;
                  parse(value);
                }
                if (ended) {
                  onState('ended', ended);
                  return;
                }
                onState('reconnecting', 'the server closed the stream');
              } catch (error) {
                if (signal.aborted) return;
                if (error instanceof ProblemError && error.status < 500 && error.status !== 429) {
                  onState('failed', error.message);
                  return;
                }
                onState('reconnecting', error.message);
              }
              await sleep(delay, signal);
              delay = Math.min(delay * 2, 15000);
            }
          }

          // ---- Pages

          let page = null;

          /** What a page owns: its requests (aborted when the page is left) and its refresh timer. */
          function newPage() {
            const controller = new AbortController();
            let timer = null;
            const page = {
              signal: controller.signal,
              get active() { return !controller.signal.aborted; },
              /** Runs `work` again `ms` after each run ends (never two at once), until the page is left. */
              every(ms, work) {
                const again = () => {
                  if (page.active) timer = setTimeout(() => work().finally(again), ms);
                };
                again();
              },
              leave() {
                controller.abort();
                clearTimeout(timer);
              },
            };
            return page;
          }

          /** Shows an error in the page's alert line; errors of a page already left are dropped. */
          function report(error, line, current) {
            if (!current.active || error.name === 'AbortError') return;
            line.textContent = error instanceof ProblemError ? `${error.problem.title || 'Error'} (${error.status}): ${error.message}` : error.message;
          }

          const alertLine = () => h('p', {class: 'error', role: 'alert'});

          function route() {
            if (location.hash && !location.hash.startsWith('#/')) return; // an anchor in the page, not a page
            page?.leave();
            page = newPage();
            say('');
            let parts;
            try {
              parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
            } catch {
              parts = ['malformed'];
            }
            const section = parts[0] || 'topics';
            for (const link of document.querySelectorAll('nav a')) {
              if (link.dataset.page === section) link.setAttribute('aria-current', 'page');
              else link.removeAttribute('aria-current');
            }
            let render;
            if (section === 'topics' && parts.length === 1) render = () => topicsPage(page);
            else if (parts.length === 0) render = () => topicsPage(page);
            else if (section === 'topics' && parts.length === 2) render = () => topicPage(page, parts[1]);
            else if (section === 'subscriptions' && parts.length === 1) render = () => subscriptionsPage(page);
            else if (section === 'projections' && parts.length === 1) render = () => projectionsPage(page);
            else if (section === 'projections' && parts.length === 3) render = () => projectionPage(page, parts[1], parts[2]);
            else if (section === 'health' && parts.length === 1) render = () => healthPage(page);
            else render = () => main.replaceChildren(h('h1', {text: 'Not found'}), h('p', {}, 'The console has no such page. ', h('a', {href: '#/topics', text: 'Topics'})));
            main.replaceChildren();
            render();
            if (document.activeElement === document.body || main.contains(document.activeElement)) main.focus({preventScroll: true});
          }

          // ---- Topics: adapter, state, head, count, publish rate sampled while the page is open; attach and detach

          /** Each topic's head over the last minutes, sampled by the topics page while it is open. */
          const headSamples = new Map();

          function recordHeads(topics, now) {
            const seen = new Set();
            for (const topic of topics) {
              if (typeof topic.head !== 'number') continue;
              seen.add(topic.name);
              const samples = headSamples.get(topic.name) || [];
              samples.push({time: now, head: topic.head});
              while (samples.length && samples[0].time < now - SAMPLE_WINDOW_MS) samples.shift();
              headSamples.set(topic.name, samples);
            }
            for (const name of headSamples.keys()) if (!seen.has(name)) headSamples.delete(name);
          }

          /** Events per second between consecutive samples. */
          function rates(name) {
            const samples = headSamples.get(name) || [];
            const points = [];
            for (let i = 1; i < samples.length; i++) {
              const seconds = (samples[i].time - samples[i - 1].time) / 1000;
              if (seconds > 0) points.push({time: samples[i].time, rate: Math.max(0, samples[i].head - samples[i - 1].head) / seconds});
            }
            return points;
          }

          function rateText(name) {
            const points = rates(name);
            return points.length ? numbers.format(Math.round(points[points.length - 1].rate * 10) / 10) + '/s' : 'sampling…';
          }

          function rateChart(name, now) {
            const points = rates(name);
            const width = 160;
            const height = 32;
            const peak = Math.max(1, ...points.map((point) => point.rate));
            const chart = svg('svg', {class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img',
              'aria-label': points.length
                ? `publish rate over the last ${duration(Math.round((now - headSamples.get(name)[0].time) / 1000))}, peak ${numbers.format(Math.round(peak))} events per second`
                : 'no samples yet'});
            chart.append(svg('line', {x1: 0, y1: height - 1, x2: width, y2: height - 1}));
            if (points.length) {
              // The axis spans what was sampled, up to the window: the first minute fills the chart too.
              const first = (headSamples.get(name) || [])[0].time;
              const start = Math.max(now - SAMPLE_WINDOW_MS, first);
              const span = Math.max(now - start, 2 * REFRESH_MS);
              const x = (time) => ((time - start) / span) * width;
              const y = (rate) => height - 2 - (rate / peak) * (height - 4);
              chart.append(svg('polyline', {points: points.map((point) => `${x(point.time).toFixed(1)},${y(point.rate).toFixed(1)}`).join(' ')}));
            }
            return chart;
          }

          async function topicsPage(current) {
            headSamples.clear(); // sampled while this page is open: a visit starts a new series
            const error = alertLine();
            const rows = h('tbody');
            main.append(
              h('h1', {text: 'Topics'}),
              error,
              table('topics-table', [['Topic'], ['Adapter'], ['State'], ['Head', 'num'], ['Events', 'num'], ['Publish rate', 'num'], ['Rate over time'], ['']], rows),
              h('p', {class: 'muted', text: `Rates are sampled every ${REFRESH_MS / 1000} s while this page is open; the chart shows up to the last ${SAMPLE_WINDOW_MS / 60000} minutes.`}),
              attachForm(current, () => refresh()));

            async function detach(name) {
              if (!(await confirmAction(`Detach topic "${name}"? The server stops serving it and forgets its subscriptions; ` +
                'its stored events are kept, and attaching it again with the same configuration serves them.', 'Detach'))) return;
              try {
                await api(topicPath(name), {method: 'DELETE', signal: current.signal});
                say(`Topic "${name}" detached.`);
                await refresh();
              } catch (failure) {
                report(failure, error, current);
              }
            }

            async function refresh() {
              try {
                const {topics} = await api('/topics', {signal: current.signal});
                const now = Date.now();
                recordHeads(topics, now);
                replaceKeepingFocus(rows, topics.length ? topics.map((topic) => h('tr', {'data-topic': topic.name},
                  cell('Topic', h('a', {href: '#/topics/' + encode(topic.name), text: topic.name, 'data-focus-key': 'open:' + topic.name})),
                  cell('Adapter', topic.adapter),
                  cell('State', stateBadge(topic.state, topic.reason)),
                  cell('Head', format(topic.head), 'num'),
                  cell('Events', format(topic.event_count), 'num'),
                  cell('Publish rate', rateText(topic.name), 'num rate'),
                  cell('Rate over time', rateChart(topic.name, now)),
                  cell('', h('button', {type: 'button', class: 'quiet', text: 'Detach', 'aria-label': `Detach topic ${topic.name}`,
                    'data-focus-key': 'detach:' + topic.name, on: {click: () => detach(topic.name)}}))))
                  : [emptyRow(8, 'No topics yet: attach one below.')]);
                error.textContent = '';
              } catch (failure) {
                report(failure, error, current);
              }
            }

            await refresh();
            current.every(REFRESH_MS, refresh);
          }

          function attachForm(current, attached) {
            const error = alertLine();
            const name = h('input', {name: 'name', required: true, pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{0,127}', autocomplete: 'off'});
            const adapter = h('select', {name: 'adapter'}, ['memory', 'fs', 'postgres', 'blob'].map((value) => h('option', {value, text: value})));
            const connection = h('input', {name: 'connection', autocomplete: 'off', placeholder: 'directory, postgres:// URL or Blob endpoint'});
            const options = h('textarea', {name: 'options', rows: 2, placeholder: '{"createDirIfNotExist": "true"}'});
            const projections = h('textarea', {name: 'projections', rows: 2, placeholder: '[{"name": "stats", "kind": "stats"}]'});
            const parsed = (field, text, check) => {
              if (!text.trim()) return undefined;
              let value;
              try { value = JSON.parse(text); } catch { throw new Error(`${field} is not valid JSON`); }
              if (!check(value)) throw new Error(`${field} must be a JSON ${check === Array.isArray ? 'array' : 'object'}`);
              return value;
            };
            const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
            const form = h('form', {class: 'stack', id: 'attach-form', on: {submit: async (event) => {
              event.preventDefault();
              error.textContent = '';
              try {
                const configuration = {name: name.value.trim(), adapter: adapter.value};
                if (connection.value.trim()) configuration.connection = connection.value.trim();
                const optionValues = parsed('options', options.value, isObject);
                if (optionValues) configuration.options = optionValues;
                const projectionList = parsed('projections', projections.value, Array.isArray);
                if (projectionList) configuration.projections = projectionList;
                if (!(await confirmAction(`Attach topic "${configuration.name}" on the ${configuration.adapter} adapter?`, 'Attach'))) return;
                const topic = await api('/topics', {method: 'POST', body: configuration, signal: current.signal});
                say(`Topic "${topic.name}" is attached (${topic.state}).`);
                form.reset();
                attached();
              } catch (failure) {
                if (failure.name !== 'AbortError') error.textContent = failure.message;
              }
            }}},
            h('label', {}, 'Name', name),
            h('label', {}, 'Adapter', adapter),
            h('label', {}, 'Connection (fs, postgres, blob)', connection),
            h('label', {}, 'Options (JSON object, optional)', options),
            h('label', {}, 'Projections (JSON array, optional)', projections),
            error,
            h('div', {class: 'actions'}, h('button', {type: 'submit', text: 'Attach topic'})));
            return h('section', {class: 'panel', 'aria-labelledby': 'attach-title'}, h('h2', {id: 'attach-title', text: 'Attach a topic'}), form);
          }

          // ---- One topic: its configuration, an event browser and a live tail

          function eventItem(event) {
            const json = pretty(event);
            const text = h('pre', {text: json});
            const copy = () => {
              const copied = () => say(`Copied event ${event.offset} to the clipboard.`);
              const select = () => {
                getSelection().selectAllChildren(text);
                say('The clipboard is not available here: the JSON is selected, copy it with the keyboard.');
              };
              navigator.clipboard ? navigator.clipboard.writeText(json).then(copied, select) : select();
            };
            return h('li', {class: 'event', 'data-offset': event.offset},
              h('details', {},
                h('summary', {},
                  h('span', {class: 'offset', text: event.offset}),
                  h('span', {class: 'type', text: event.type}),
                  event.key !== null && event.key !== undefined ? h('span', {class: 'key', text: 'key ' + event.key}) : null,
                  event.tags && event.tags.length ? h('span', {class: 'tags', text: 'tags ' + event.tags.join(', ')}) : null,
                  h('time', {class: 'when', datetime: event.timestamp, text: event.timestamp})),
                h('div', {class: 'body'}, text, h('button', {type: 'button', class: 'quiet', text: 'Copy JSON', on: {click: copy}}))));
          }

          const listOf = (text) => text.split(',').map((item) => item.trim()).filter(Boolean);

          function eventQuery(filters, extra) {
            const query = new URLSearchParams(extra);
            for (const type of listOf(filters.type.value)) query.append('type', type);
            if (filters.key.value !== '') query.set('key', filters.key.value);
            for (const tag of listOf(filters.tag.value)) query.append('tag', tag);
            return query;
          }

          async function topicPage(current, name) {
            const error = alertLine();
            const summary = h('div', {class: 'panel', id: 'topic-summary'}, 'Loading…');
            main.append(h('h1', {}, 'Topic ', h('span', {text: name})), error, summary);

            let topic;
            try {
              topic = await api(topicPath(name), {signal: current.signal});
            } catch (failure) {
              summary.remove();
              return report(failure, error, current);
            }
            summary.replaceChildren(facts([
              ['Adapter', topic.adapter],
              ['State', stateBadge(topic.state, topic.reason)],
              ['Head', format(topic.head)],
              ['Events', format(topic.event_count)],
              ['Connection', topic.connection],
              ['Options', Object.keys(topic.options || {}).length ? h('code', {text: JSON.stringify(topic.options)}) : undefined],
              ['Projections', topic.projections && topic.projections.length
                ? topic.projections.map((projection, index) => [index ? ', ' : '',
                  h('a', {href: `#/projections/${encode(name)}/${encode(projection.name)}`, text: `${projection.name} (${projection.kind})`})])
                : 'none'],
            ]));

            // The browser: a page of events from an offset, with the read filters.
            const filters = {
              from: h('input', {type: 'number', name: 'from', min: 0, value: '0'}),
              limit: h('input', {type: 'number', name: 'limit', min: 1, max: 1000, value: '50'}),
              type: h('input', {name: 'type', autocomplete: 'off', placeholder: 'OrderPlaced, OrderPaid'}),
              key: h('input', {name: 'key', autocomplete: 'off'}),
              tag: h('input', {name: 'tag', autocomplete: 'off', placeholder: 'customer:7'}),
            };
            const list = h('ul', {class: 'events', id: 'event-list'});
            const position = h('span', {class: 'muted', id: 'event-position'});
            const earlier = [];
            let next = null;
            const previousButton = h('button', {type: 'button', id: 'events-previous', class: 'quiet', text: 'Previous page', disabled: true, on: {click: () => read(earlier[earlier.length - 1], 'back')}});
            const nextButton = h('button', {type: 'button', id: 'events-next', class: 'quiet', text: 'Next page', disabled: true, on: {click: () => read(next, 'forward')}});
            const newestButton = h('button', {type: 'button', id: 'events-newest', class: 'quiet', text: 'Newest', on: {click: () => read(Math.max(0, (topic.head || 0) - Number(filters.limit.value || 50)), 'forward')}});
            let shownFrom = null;

            let reading = false;

            /** Shows the page from `from`; `move` is 'forward' or 'back' (kept in the history once shown) or 'reset'. */
            async function read(from, move) {
              if (reading) return; // one read at a time: a second click waits for the first page
              reading = true;
              error.textContent = '';
              try {
                const answer = await api(`${topicPath(name)}/events?${eventQuery(filters, {from: String(from), limit: filters.limit.value || '50'})}`, {signal: current.signal});
                if (move === 'forward' && shownFrom !== null) earlier.push(shownFrom);
                if (move === 'back') earlier.pop();
                if (move === 'reset') earlier.length = 0;
                shownFrom = from;
                filters.from.value = String(from);
                topic.head = answer.head;
                next = answer.next_offset < answer.head ? answer.next_offset : null;
                list.replaceChildren(...(answer.events.length ? answer.events.map(eventItem) : [h('li', {class: 'muted', text: 'No events here.'})]));
                position.textContent = answer.events.length
                  ? `offsets ${answer.events[0].offset}–${answer.events[answer.events.length - 1].offset} of ${format(answer.head)}`
                  : `nothing from offset ${from}; the head is ${format(answer.head)}`;
                previousButton.disabled = earlier.length === 0;
                nextButton.disabled = next === null;
              } catch (failure) {
                report(failure, error, current);
              } finally {
                reading = false;
              }
            }

            const browse = h('form', {class: 'inline', id: 'event-filters', on: {submit: (event) => {
              event.preventDefault();
              read(Math.max(0, Number(filters.from.value) || 0), 'reset');
            }}},
            h('label', {}, 'From offset', filters.from),
            h('label', {}, 'Limit', filters.limit),
            h('label', {}, 'Types (comma-separated)', filters.type),
            h('label', {}, 'Key', filters.key),
            h('label', {}, 'Tags (all of them)', filters.tag),
            h('button', {type: 'submit', text: 'Read'}));

            // The live tail: the event stream from the head, with the same filters, newest first.
            const tailList = h('ul', {class: 'events', id: 'tail-list'});
            const tailState = h('span', {class: 'tail-state', id: 'tail-state', text: 'stopped'});
            let tail = null;
            const tailButton = h('button', {type: 'button', id: 'tail-button', text: 'Start live tail', on: {click: () => (tail ? stopTail() : startTail())}});

            function stopTail() {
              tail?.abort();
              tail = null;
              tailButton.textContent = 'Start live tail';
              tailState.textContent = 'stopped';
              tailState.className = 'tail-state';
            }

            async function startTail() {
              tail = new AbortController();
              const signal = tail.signal;
              current.signal.addEventListener('abort', () => tail?.abort(), {once: true});
              tailButton.textContent = 'Stop live tail';
              tailState.textContent = 'connecting';
              let head = topic.head || 0;
              try {
                head = (await api(topicPath(name), {signal})).head;
              } catch (failure) {
                if (signal.aborted) return;
                report(failure, error, current);
              }
              let received = 0;
              await followStream(`${topicPath(name)}/events/stream?${eventQuery(filters, {from: String(head)})}`, {
                signal,
                onEvent(event) {
                  received += 1;
                  tailList.prepend(eventItem(event));
                  while (tailList.children.length > TAIL_KEEP) tailList.lastElementChild.remove();
                  tailState.textContent = `live: ${numbers.format(received)} received`;
                },
                onState(state, detail) {
                  tailState.className = 'tail-state state-' + state;
                  tailState.textContent = state === 'live' ? `live: ${numbers.format(received)} received` : detail ? `${state}: ${detail}` : state;
                  if (state === 'ended' || state === 'failed') {
                    tail = null;
                    tailButton.textContent = 'Start live tail';
                  }
                },
              });
            }

            main.append(
              h('section', {'aria-labelledby': 'browse-title'},
                h('h2', {id: 'browse-title', text: 'Events'}),
                browse,
                h('div', {class: 'pager'}, previousButton, nextButton, newestButton, position),
                list),
              h('section', {'aria-labelledby': 'tail-title'},
                h('h2', {id: 'tail-title', text: 'Live tail'}),
                h('p', {class: 'muted', text: 'Follows the event stream from the head, with the filters above; the newest event comes first.'}),
                h('div', {class: 'pager'}, tailButton, tailState),
                tailList));
            await read(0, 'reset');
          }

          // ---- Subscriptions of every topic

          /**
           * Calls `load` for each topic the caller may see: the items of those that answered, and what failed for the
           * others (a topic detached in between, 404, is skipped).
           */
          async function perTopic(current, load) {
            const {topics} = await api('/topics', {signal: current.signal});
            const answers = await Promise.allSettled(topics.map((topic) => load(topic)));
            const failures = answers.flatMap((answer, index) =>
              answer.status === 'rejected' && !(answer.reason instanceof ProblemError && answer.reason.status === 404)
                ? [`topic "${topics[index].name}": ${answer.reason.message}`] : []);
            const aborted = answers.find((answer) => answer.status === 'rejected' && answer.reason.name === 'AbortError');
            if (aborted) throw aborted.reason;
            return {items: answers.flatMap((answer) => (answer.status === 'fulfilled' ? answer.value : [])), failures};
          }

          async function subscriptionsPage(current) {
            const error = alertLine();
            const rows = h('tbody');
            main.append(h('h1', {text: 'Subscriptions'}), error,
              table('subscriptions-table', [['Topic'], ['Subscription'], ['Callback URL'], ['State'], ['Position', 'num'], ['Lag', 'num'],
                ['Delivered', 'num'], ['Failures', 'num'], ['Last error'], ['']], rows));

            async function remove(subscription) {
              if (!(await confirmAction(`Delete subscription ${subscription.id} of topic "${subscription.topic}"? ` +
                `Callbacks to ${subscription.callback_url} stop at once.`, 'Delete'))) return;
              try {
                await api(`${topicPath(subscription.topic)}/subscriptions/${encode(subscription.id)}`, {method: 'DELETE', signal: current.signal});
                say(`Subscription ${subscription.id} deleted.`);
                await refresh();
              } catch (failure) {
                report(failure, error, current);
              }
            }

            async function refresh() {
              try {
                const {items: subscriptions, failures} = await perTopic(current, (topic) =>
                  api(`${topicPath(topic.name)}/subscriptions`, {signal: current.signal}).then((answer) => answer.subscriptions));
                replaceKeepingFocus(rows, subscriptions.length ? subscriptions.map((subscription) => h('tr', {'data-subscription': subscription.id},
                  cell('Topic', h('a', {href: '#/topics/' + encode(subscription.topic), text: subscription.topic, 'data-focus-key': 'topic:' + subscription.id})),
                  cell('Subscription', h('code', {text: subscription.id})),
                  cell('Callback URL', subscription.callback_url),
                  cell('State', stateBadge(subscription.state)),
                  cell('Position', format(subscription.position), 'num'),
                  cell('Lag', format(subscription.lag), 'num'),
                  cell('Delivered', format(subscription.delivered), 'num'),
                  cell('Failures', format(subscription.consecutive_failures), 'num'),
                  cell('Last error', subscription.last_error || '—'),
                  cell('', h('button', {type: 'button', class: 'quiet', text: 'Delete', 'aria-label': `Delete subscription ${subscription.id}`,
                    'data-focus-key': 'delete:' + subscription.id, on: {click: () => remove(subscription)}}))))
                  : [emptyRow(10, 'No subscriptions.')]);
                error.textContent = failures.join('; ');
              } catch (failure) {
                report(failure, error, current);
              }
            }

            await refresh();
            current.every(REFRESH_MS, refresh);
          }

          // ---- Projections of every topic, and one projection's read model

          function rebuildText(projection) {
            if (projection.rebuild) return `generation ${projection.rebuild.generation} at ${format(projection.rebuild.checkpoint)}`;
            return projection.rebuild_error ? 'failed: ' + projection.rebuild_error : '—';
          }

          function lastErrorText(projection) {
            if (!projection.last_error) return '—';
            return projection.failed_offset === null || projection.failed_offset === undefined
              ? projection.last_error : `at offset ${projection.failed_offset}: ${projection.last_error}`;
          }

          async function rebuild(current, topic, name, error, after) {
            if (!(await confirmAction(`Rebuild projection "${name}" of topic "${topic}"? A new generation is built from offset 0 ` +
              'while the current one stays served, and takes its place once it has caught up.', 'Rebuild'))) return;
            try {
              await api(`${topicPath(topic)}/projections/${encode(name)}/rebuild`, {method: 'POST', signal: current.signal});
              say(`Rebuild of projection "${name}" started.`);
              await after();
            } catch (failure) {
              report(failure, error, current);
            }
          }

          async function projectionsPage(current) {
            const error = alertLine();
            const rows = h('tbody');
            main.append(h('h1', {text: 'Projections'}), error,
              table('projections-table', [['Topic'], ['Projection'], ['Kind'], ['State'], ['Checkpoint', 'num'], ['Lag', 'num'],
                ['Generation', 'num'], ['Rebuild'], ['Last error'], ['']], rows));

            async function refresh() {
              try {
                const {items: projections, failures} = await perTopic(current, (topic) =>
                  api(`${topicPath(topic.name)}/projections`, {signal: current.signal})
                    .then((answer) => answer.projections.map((projection) => ({...projection, topic: topic.name}))));
                replaceKeepingFocus(rows, projections.length ? projections.map((projection) => h('tr', {'data-projection': `${projection.topic}/${projection.name}`},
                  cell('Topic', h('a', {href: '#/topics/' + encode(projection.topic), text: projection.topic, 'data-focus-key': `topic:${projection.topic}/${projection.name}`})),
                  cell('Projection', h('a', {href: `#/projections/${encode(projection.topic)}/${encode(projection.name)}`, text: projection.name,
                    'data-focus-key': `open:${projection.topic}/${projection.name}`})),
                  cell('Kind', projection.kind),
                  cell('State', stateBadge(projection.state)),
                  cell('Checkpoint', format(projection.checkpoint), 'num'),
                  cell('Lag', format(projection.lag), 'num'),
                  cell('Generation', format(projection.generation), 'num'),
                  cell('Rebuild', rebuildText(projection)),
                  cell('Last error', lastErrorText(projection)),
                  cell('', h('button', {type: 'button', class: 'quiet', text: 'Rebuild', 'aria-label': `Rebuild projection ${projection.name} of ${projection.topic}`,
                    'data-focus-key': `rebuild:${projection.topic}/${projection.name}`,
                    on: {click: () => rebuild(current, projection.topic, projection.name, error, refresh)}}))))
                  : [emptyRow(10, 'No projections: declare them with a topic, or POST /topics/{topic}/projections.')]);
                error.textContent = failures.join('; ');
              } catch (failure) {
                report(failure, error, current);
              }
            }

            await refresh();
            current.every(REFRESH_MS, refresh);
          }

          async function projectionPage(current, topic, name) {
            const error = alertLine();
            const summary = h('div', {class: 'panel', id: 'projection-summary'}, 'Loading…');
            const path = `${topicPath(topic)}/projections/${encode(name)}`;
            main.append(h('h1', {}, 'Projection ', h('span', {text: name}), ' of ', h('a', {href: '#/topics/' + encode(topic), text: topic})), error, summary);

            let projection;
            const value = h('pre', {id: 'projection-value'});
            async function refresh() {
              try {
                projection = await api(path + '?limit=1', {signal: current.signal});
                replaceKeepingFocus(summary, [facts([
                  ['Kind', projection.kind],
                  ['State', stateBadge(projection.state)],
                  ['Checkpoint', format(projection.checkpoint)],
                  ['Lag', format(projection.lag)],
                  ['Generation', format(projection.generation)],
                  ['Rebuild', rebuildText(projection)],
                  ['Last error', lastErrorText(projection)],
                ]), h('div', {class: 'actions'}, h('button', {type: 'button', class: 'quiet', text: 'Rebuild', id: 'rebuild-button',
                  'data-focus-key': 'rebuild', on: {click: () => rebuild(current, topic, name, error, refresh)}}))]);
                if ('value' in projection) value.textContent = pretty(projection.value);
                error.textContent = '';
              } catch (failure) {
                report(failure, error, current);
              }
            }
            await refresh();
            if (!projection) {
              summary.remove();
              return;
            }
            current.every(REFRESH_MS, refresh);
            if ('value' in projection) {
              main.append(h('h2', {text: 'State'}), value);
              return;
            }

            // By-key kinds: one entry by its key, or a page of entries by prefix.
            const keyInput = h('input', {name: 'key', autocomplete: 'off', required: true});
            const entry = h('div', {id: 'entry-result'});
            const lookup = h('form', {class: 'inline', id: 'entry-lookup', on: {submit: async (event) => {
              event.preventDefault();
              try {
                const found = await api(`${path}/entries/${encode(keyInput.value)}`, {signal: current.signal});
                entry.replaceChildren(h('pre', {text: pretty(found.value)}),
                  h('p', {class: 'muted', text: `key ${found.key}, checkpoint ${format(found.checkpoint)}, generation ${format(found.generation)}`}));
              } catch (failure) {
                if (failure instanceof ProblemError && failure.status === 404) entry.replaceChildren(h('p', {text: `No entry has the key "${keyInput.value}".`}));
                else report(failure, error, current);
              }
            }}}, h('label', {}, 'Key', keyInput), h('button', {type: 'submit', text: 'Look up'}));

            const prefix = h('input', {name: 'prefix', autocomplete: 'off'});
            const limit = h('input', {type: 'number', name: 'limit', min: 1, max: 1000, value: '50'});
            const rows = h('tbody');
            const earlier = [];
            let shownAfter = null;
            let nextAfter = null;
            const previousButton = h('button', {type: 'button', id: 'entries-previous', class: 'quiet', text: 'Previous page', disabled: true, on: {click: () => list(earlier[earlier.length - 1], 'back')}});
            const nextButton = h('button', {type: 'button', id: 'entries-next', class: 'quiet', text: 'Next page', disabled: true, on: {click: () => list(nextAfter, 'forward')}});

            let listing = false;

            /** Shows the page of entries after `after`; `move` as for the event browser. */
            async function list(after, move) {
              if (listing) return;
              listing = true;
              const query = new URLSearchParams({limit: limit.value || '50'});
              if (prefix.value !== '') query.set('prefix', prefix.value);
              if (after !== null && after !== undefined) query.set('after', after);
              try {
                const answer = await api(`${path}?${query}`, {signal: current.signal});
                if (move === 'forward') earlier.push(shownAfter);
                if (move === 'back') earlier.pop();
                if (move === 'reset') earlier.length = 0;
                shownAfter = after ?? null;
                nextAfter = answer.next_after;
                rows.replaceChildren(...(answer.entries.length
                  ? answer.entries.map((item) => h('tr', {'data-key': item.key}, cell('Key', h('code', {text: item.key})), cell('Value', h('pre', {text: pretty(item.value)}))))
                  : [emptyRow(2, 'No entries.')]));
                previousButton.disabled = earlier.length === 0;
                nextButton.disabled = nextAfter === null || nextAfter === undefined;
              } catch (failure) {
                report(failure, error, current);
              } finally {
                listing = false;
              }
            }

            const browse = h('form', {class: 'inline', id: 'entry-browse', on: {submit: (event) => {
              event.preventDefault();
              list(null, 'reset');
            }}}, h('label', {}, 'Key prefix', prefix), h('label', {}, 'Limit', limit), h('button', {type: 'submit', text: 'List entries'}));

            main.append(
              h('h2', {text: 'Look up a key'}), lookup, entry,
              h('h2', {text: 'Entries'}), browse,
              h('div', {class: 'pager'}, previousButton, nextButton),
              table('entries-table', [['Key'], ['Value']], rows));
            await list(null, 'reset');
          }

          // ---- Health

          function duration(seconds) {
            const parts = [[86400, 'd'], [3600, 'h'], [60, 'min']].reduce((found, [size, unit]) => {
              const count = Math.floor(seconds / size);
              seconds -= count * size;
              return count || found.length ? [...found, `${count} ${unit}`] : found;
            }, []);
            return [...parts, `${seconds} s`].join(' ');
          }

          async function healthPage(current) {
            const error = alertLine();
            const summary = h('div', {class: 'panel', id: 'health-summary'}, 'Loading…');
            const rows = h('tbody');
            main.append(h('h1', {text: 'Health'}), error, summary,
              table('health-table', [['Topic'], ['Adapter'], ['State'], ['Projections']], rows));

            // /health may be public while the API is not: without a token, learn whether one is needed (and ask for it).
            if (!token && !tokenDeclined) await api('/topics', {signal: current.signal}).catch(() => {});

            async function refresh() {
              try {
                const health = await api('/health', {accept: [503], signal: current.signal});
                summary.replaceChildren(facts([
                  ['Status', stateBadge(health.status)],
                  ['Version', health.version],
                  ['Uptime', duration(health.uptime_seconds)],
                  ['Checked', new Date().toLocaleTimeString()],
                ]));
                replaceKeepingFocus(rows, health.topics.length ? health.topics.map((topic) => h('tr', {'data-topic': topic.name},
                  cell('Topic', h('a', {href: '#/topics/' + encode(topic.name), text: topic.name, 'data-focus-key': 'topic:' + topic.name})),
                  cell('Adapter', topic.adapter),
                  cell('State', stateBadge(topic.state, topic.reason)),
                  cell('Projections', topic.projections.length
                    ? h('ul', {class: 'plain'}, topic.projections.map((projection) => h('li', {}, projection.name + ': ', stateBadge(projection.state))))
                    : 'none')))
                  : [emptyRow(4, 'No topics (with access control on, only those your token may use are listed).')]);
                error.textContent = '';
              } catch (failure) {
                report(failure, error, current);
              }
            }

            await refresh();
            current.every(REFRESH_MS, refresh);
          }

          document.querySelector('.skip').addEventListener('click', (event) => {
            event.preventDefault();
            main.focus();
          });
          tokenButton.addEventListener('click', () => {
            tokenDeclined = false;
            askForToken('').then(route, (failure) => say(failure.message));
          });
          window.addEventListener('hashchange', route);
          route();
        })();

        """#
}
