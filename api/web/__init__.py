"""The owner's review page: server-rendered HTML over the same use-cases as the API."""
