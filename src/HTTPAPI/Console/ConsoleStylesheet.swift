/// The console's stylesheet: system fonts, light and dark schemes, tables that turn into labelled cards on a narrow
/// screen, and a visible focus ring on everything that takes the keyboard.
enum ConsoleStylesheet {
    static let css = #"""
        :root {
          color-scheme: light dark;
          --bg: #f7f8fa; --fg: #1c2330; --muted: #5b6575; --line: #d9dee6; --panel: #ffffff;
          --accent: #1f4e79; --accent-fg: #ffffff; --ok: #1b7a3a; --warn: #9a6200; --bad: #b3261e; --focus: #2f7ae5;
          --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #11151b; --fg: #e3e8ef; --muted: #9aa5b5; --line: #2c3440; --panel: #181d25;
            --accent: #6ea8e0; --accent-fg: #0b1118; --ok: #5cc27f; --warn: #e0a84a; --bad: #f2867d; --focus: #8ab8ff;
          }
        }
        * { box-sizing: border-box; }
        html { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
        body { margin: 0; background: var(--bg); color: var(--fg); }
        a { color: var(--accent); }
        :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
        .skip { position: absolute; left: -10000px; }
        .skip:focus { left: 8px; top: 8px; background: var(--panel); padding: 6px 10px; z-index: 10; }
        .bar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 18px; padding: 10px 18px;
          background: var(--panel); border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
        nav ul { display: flex; flex-wrap: wrap; gap: 4px 14px; list-style: none; margin: 0; padding: 0; }
        nav a { text-decoration: none; padding: 4px 2px; border-bottom: 2px solid transparent; }
        nav a[aria-current="page"] { border-bottom-color: var(--accent); font-weight: 600; }
        #token-button { margin-left: auto; }
        main { padding: 14px 18px 40px; max-width: 1400px; }
        main:focus { outline: none; }
        h1 { font-size: 1.35rem; margin: 6px 0 12px; overflow-wrap: anywhere; }
        h2 { font-size: 1.1rem; margin: 22px 0 8px; }
        .status { min-height: 0; padding: 0 18px; }
        .status:not(:empty) { padding: 8px 18px; background: var(--panel); border-bottom: 1px solid var(--line); }
        .error { color: var(--bad); }
        .error:empty { display: none; }
        .muted { color: var(--muted); }
        .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin: 10px 0; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; background: var(--panel); }
        th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; color: var(--muted); white-space: nowrap; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td { overflow-wrap: anywhere; }
        .state-ready, .state-running, .state-active, .state-ok { color: var(--ok); font-weight: 600; }
        .state-rebuilding, .state-retrying, .state-catching-up { color: var(--warn); font-weight: 600; }
        .state-failed, .state-unavailable, .state-degraded, .state-ended { color: var(--bad); font-weight: 600; }
        form.inline { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: flex-end; }
        form.inline label { display: flex; flex-direction: column; gap: 2px; font-size: 0.9rem; color: var(--muted); }
        form.stack { display: grid; gap: 8px; max-width: 560px; }
        form.stack label { display: grid; gap: 2px; font-size: 0.9rem; color: var(--muted); }
        input, select, textarea { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line);
          border-radius: 4px; padding: 5px 7px; min-width: 0; }
        input[type="number"] { width: 9em; }
        textarea { font-family: var(--mono); min-height: 4em; }
        button { font: inherit; cursor: pointer; border-radius: 4px; padding: 5px 12px; border: 1px solid var(--accent);
          background: var(--accent); color: var(--accent-fg); }
        button.quiet { background: transparent; color: var(--accent); }
        button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
        button:disabled { opacity: 0.5; cursor: default; }
        .actions { display: flex; flex-wrap: wrap; gap: 8px; justify-content: flex-end; margin-top: 10px; }
        td .actions { justify-content: flex-start; margin: 0; }
        .pager { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 10px 0; }
        .events { list-style: none; margin: 0; padding: 0; }
        .event { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; }
        .event summary { cursor: pointer; padding: 7px 10px; display: flex; flex-wrap: wrap; gap: 4px 14px; }
        .event .offset { font-family: var(--mono); font-weight: 700; min-width: 4ch; }
        .event .type { font-weight: 600; }
        .event .when { color: var(--muted); font-size: 0.9rem; }
        .event .body { padding: 0 10px 10px; }
        pre { font-family: var(--mono); font-size: 0.85rem; background: var(--bg); border: 1px solid var(--line);
          border-radius: 4px; padding: 8px; margin: 6px 0; overflow-x: auto; white-space: pre; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; overflow-wrap: anywhere; }
        svg.chart { width: 160px; height: 32px; display: block; }
        svg.chart polyline { fill: none; stroke: var(--accent); stroke-width: 1.5; }
        svg.chart line { stroke: var(--line); stroke-width: 1; }
        .tail-state { font-weight: 600; }
        dialog { border: 1px solid var(--line); border-radius: 8px; background: var(--panel); color: var(--fg);
          max-width: min(520px, 94vw); padding: 16px 18px; }
        dialog::backdrop { background: rgb(0 0 0 / 45%); }
        dialog input { width: 100%; }
        dialog h2 { margin-top: 0; }
        @media (max-width: 700px) {
          html { font-size: 14px; }
          main { padding: 10px; }
          .bar { padding: 8px 10px; }
          table.cards thead { position: absolute; left: -10000px; }
          table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
          table.cards tr { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; background: var(--panel); }
          table.cards td { display: grid; grid-template-columns: 9.5em 1fr; gap: 8px; border-bottom: none; text-align: left; }
          table.cards td > * { min-width: 0; }
          table.cards td::before { content: attr(data-label); color: var(--muted); font-weight: 600; }
          table { background: transparent; }
          dl.facts { grid-template-columns: 1fr; }
          dl.facts dd { margin-bottom: 6px; }
        }

        """#
}
