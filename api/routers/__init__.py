"""Thin routers: validate, call one use-case, map our errors to HTTP errors."""
