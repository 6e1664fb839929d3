"""Use-cases: what the API routers, the review page and the CLI call; plain arguments in,
domain results out, domain errors raised."""
