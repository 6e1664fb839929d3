"""Scan benchmark: gating speed, LLM-bound drafting against a stub, peak RSS, prompt growth.

The benchmark itself is bench/scan_run.py (its docstring: what it does and how to run it). This
entry stays light on purpose: a scan's helper processes are spawned, and a spawned process
runs its parent's main module again before it starts. A CLI scan's main module is the
`advocacy` script, whose imports are a few ms; the bench's own must not cost more, or the
helpers' CPU it reports would include ~1.5 s of imports no real scan pays.
"""

if __name__ == "__main__":
    from scan_run import main  # bench/ is first on sys.path

    main()
