/// The console's one HTML page and its icon. Everything the page shows is built by `console.js` from the API's
/// answers, with `textContent` only: no data is ever parsed as HTML.
enum ConsolePage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Event store console</title>
        <link rel="icon" href="/console/icon.svg" type="image/svg+xml">
        <link rel="stylesheet" href="/console/console.css">
        <script src="/console/console.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to the page</a>
        <header class="bar">
          <a class="brand" href="#/topics">eventstore</a>
          <nav aria-label="Pages">
            <ul>
              <li><a href="#/topics" data-page="topics">Topics</a></li>
              <li><a href="#/subscriptions" data-page="subscriptions">Subscriptions</a></li>
              <li><a href="#/projections" data-page="projections">Projections</a></li>
              <li><a href="#/health" data-page="health">Health</a></li>
            </ul>
          </nav>
          <button type="button" id="token-button" class="quiet" hidden>Change token</button>
        </header>
        <div id="status" class="status" role="status" aria-live="polite"></div>
        <main id="main" tabindex="-1"><p>Loading…</p></main>
        <noscript><p>The console needs JavaScript.</p></noscript>
        <dialog id="token-dialog" aria-labelledby="token-title">
          <form id="token-form">
            <h2 id="token-title">Access token</h2>
            <p>This server needs a bearer token. The console keeps it in this tab's session storage only, and sends it
            in the <code>Authorization</code> header.</p>
            <label for="token-input">Token</label>
            <input id="token-input" type="password" autocomplete="off" spellcheck="false" required>
            <p id="token-error" class="error" role="alert"></p>
            <div class="actions">
              <button type="button" id="token-cancel" class="quiet">Cancel</button>
              <button type="submit" id="token-submit">Use this token</button>
            </div>
          </form>
        </dialog>
        <dialog id="confirm-dialog" aria-labelledby="confirm-text">
          <form id="confirm-form">
            <p id="confirm-text"></p>
            <div class="actions">
              <button type="button" id="confirm-cancel" class="quiet">Cancel</button>
              <button type="submit" id="confirm-ok" class="danger">Confirm</button>
            </div>
          </form>
        </dialog>
        </body>
        </html>

        """#

    static let icon = #"""
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f4e79"/><path d="M7 9h18M7 16h13M7 23h8" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>

        """#
}
