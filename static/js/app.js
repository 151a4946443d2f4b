// Small behaviours the pages share. Loaded after htmx; no inline scripts (CSP).
